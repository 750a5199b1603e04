package io.musketeer.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
