package io.musketeer.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.musketeer.core.Shape;
import org.junit.jupiter.api.Test;

class ProgramHashTest {
  private static Program program(Graph g) {
    int[] scales = new int[g.size()];
    java.util.Arrays.fill(scales, 12);
    return new Program(g, scales, 12, false);
  }

  /**
   * Two different programs whose unescaped hash texts were equal: a node name holding a newline and
   * the next node's line. (Before names were length-prefixed, both hashed alike.)
   */
  @Test
  void aNameCannotForgeTheNextNodesLine() {
    Graph.Builder a = new Graph.Builder();
    int x = a.add("a", new Op.Input("x", Shape.of(2)));
    a.add("b", new Op.Input("x", Shape.of(2)));
    Graph.Builder b = new Graph.Builder();
    int y = b.add("a Input(x,[2]) [] [2] s12\n1 b", new Op.Input("x", Shape.of(2)));
    assertNotEquals(ProgramHash.of(program(a.build(x)), "p"), ProgramHash.of(program(b.build(y)), "p"));
  }

  @Test
  void namesWithSeparatorsStayDistinct() {
    String[][] pairs = {{"a b", "a"}, {"a|b", "a"}, {"a\nb", "a"}, {"x,[2])", "x"}};
    for (String[] p : pairs) {
      assertNotEquals(hash(p[0], "x"), hash(p[1], "x"), "node names " + p[0] + " / " + p[1]);
      assertNotEquals(hash("n", p[0]), hash("n", p[1]), "input names " + p[0] + " / " + p[1]);
    }
    assertNotEquals(ProgramHash.of(program(single("n", "x")), "a|b"), ProgramHash.of(program(single("n", "x")), "a"));
    assertEquals(hash("n", "x"), hash("n", "x"));
    assertEquals("3:a b", ProgramHash.quote("a b"));
  }

  /** A two-output program: x [1,4] -> relu, and x * w (w a constant) -> add; outputs chosen by the caller. */
  private static Graph twoOutputs(Op.Input in, float w, boolean publicWeight, int... outputs) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", in);
    int r = b.add("r", new Op.Relu(), x);
    int c = b.add("w", new Op.Constant(new io.musketeer.core.FloatTensor(Shape.of(1, 4), new float[] {w, w, w, w}), publicWeight));
    int m = b.add("m", new Op.Mul(), x, c);
    b.add("s", new Op.Add(), m, r);
    return b.build(outputs.length == 0 ? new int[] {4} : outputs);
  }

  /** Everything the parties must agree on changes the hash; the server's private weight values do not. */
  @Test
  void theHashCoversWhatThePartiesAgreeOnAndNotTheServersWeights() {
    Op.Input in = new Op.Input("x", Shape.of(1, 4));
    String base = ProgramHash.of(program(twoOutputs(in, 2f, false)), "p");
    assertEquals(base, ProgramHash.of(program(twoOutputs(in, 3f, false)), "p"), "server weight values are not hashed");
    assertNotEquals(base, ProgramHash.of(program(twoOutputs(in, 2f, false, 1)), "p"), "which node is the output");
    assertNotEquals(base, ProgramHash.of(program(twoOutputs(in, 2f, false, 4, 1)), "p"), "an extra output");
    assertNotEquals(base, ProgramHash.of(program(twoOutputs(new Op.Input("x", Shape.of(1, 4), Op.Layout.NCHW), 2f, false)), "p"), "the input's layout");
    assertNotEquals(base, ProgramHash.of(program(twoOutputs(in, 2f, true)), "p"), "a weight made public");
    assertNotEquals(ProgramHash.of(program(twoOutputs(in, 2f, true)), "p"), ProgramHash.of(program(twoOutputs(in, 3f, true)), "p"),
        "public constant values are hashed");
    Graph g = twoOutputs(in, 2f, false);
    int[] scales = {12, 12, 12, 24, 24};
    Program p = new Program(g, scales, 12, false);
    assertNotEquals(ProgramHash.of(p, "p"), ProgramHash.of(new Program(g, scales, 12, true), "p"), "softmax output");
    assertNotEquals(ProgramHash.of(p, "p"), ProgramHash.of(new Program(g, scales, 11, false), "p"), "fraction bits");
    assertNotEquals(ProgramHash.of(p, "p"), ProgramHash.of(new Program(g, new int[] {12, 12, 12, 24, 25}, 12, false), "p"), "a node's scale");
    assertNotEquals(ProgramHash.of(p, "p"), ProgramHash.of(p.withBounds(new int[] {63, 20, 63, 63, 63}), "p"), "a node's bound");
    assertNotEquals(ProgramHash.of(p, "p"), ProgramHash.of(p, "q"), "the protocol parameters");
  }

  @Test
  void descriptionsNameEveryAttribute() {
    assertEquals("Input(1:x,[1, 4])", ProgramHash.describe(new Op.Input("x", Shape.of(1, 4))));
    assertEquals("Input(1:x,[1, 4],NCHW)", ProgramHash.describe(new Op.Input("x", Shape.of(1, 4), Op.Layout.NCHW)));
    assertEquals("Conv2D(stride=2x1,pad=0,1,2,3,groups=4)", ProgramHash.describe(new Op.Conv2D(2, 1, 0, 1, 2, 3, 4)));
    assertEquals("AvgPool(3x2,stride=1x2,pad=1,0,0,1,countPadding=true)",
        ProgramHash.describe(new Op.AvgPool(new Op.Window(3, 2, 1, 2, 1, 0, 0, 1), true)));
  }

  @Test
  void programBoundsAreCheckedAndKept() {
    Graph g = single("n", "x");
    assertThrows(IrException.class, () -> new Program(g, new int[] {12}, 12, false));
    assertThrows(IrException.class, () -> new Program(g, new int[] {12, 12}, 12, false, new int[] {63}));
    assertThrows(IrException.class, () -> new Program(g, new int[] {12, 12}, 12, false, new int[] {63, 0}));
    assertThrows(IrException.class, () -> new Program(g, new int[] {12, 12}, 12, false, new int[] {64, 63}));
    Program p = new Program(g, new int[] {12, 12}, 12, false, new int[] {63, 1});
    assertEquals(1, p.bound(1));
    assertEquals(63, p.bound(0));
    assertEquals(63, new Program(g, new int[] {12, 13}, 12, false).bound(1));
    assertEquals(12, p.withBounds(new int[] {5, 6}).scale(1));
    assertEquals(6, p.withBounds(new int[] {5, 6}).bound(1));
  }

  private static String hash(String node, String input) {
    return ProgramHash.of(program(single(node, input)), "p");
  }

  private static Graph single(String node, String input) {
    Graph.Builder b = new Graph.Builder();
    int x = b.add(node, new Op.Input(input, Shape.of(2)));
    int r = b.add("relu", new Op.Relu(), x);
    return b.build(r);
  }
}
