package io.musketeer.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The IR checker every graph passes through: order, names, shapes and outputs, each refused at its edge. */
class GraphTest {
  private static final Shape S = Shape.of(1, 4);

  private static Node input(String name) {
    return new Node(name, new Op.Input(name, S), new int[0], S);
  }

  private static Node relu(String name, int from) {
    return new Node(name, new Op.Relu(), new int[] {from}, S);
  }

  private static IrException refused(List<Node> nodes, int... outputs) {
    return assertThrows(IrException.class, () -> new Graph(nodes, outputs));
  }

  @Test
  void aWellFormedGraphIsKeptAsGiven() {
    Graph g = new Graph(List.of(input("x"), relu("r", 0), relu("s", 1)), new int[] {2, 1});
    assertEquals(3, g.size());
    assertEquals("r", g.node(1).name());
    assertArrayEquals(new int[] {2, 1}, g.outputs());
    assertArrayEquals(new int[] {0}, g.inputs());
    assertArrayEquals(new int[] {1, 2, 1}, g.useCounts(), "x read by r; r by s and as an output; s as an output");
  }

  @Test
  void nodesMustReadOnlyEarlierNodes() {
    assertTrue(refused(List.of(input("x"), relu("r", 1)), 1).getMessage().contains("'r' reads a node that is not before it"),
        "a node reading itself");
    refused(List.of(input("x"), relu("r", 2), relu("s", 0)), 2);
    refused(List.of(input("x"), relu("r", -1)), 1);
  }

  @Test
  void namesMustBeUnique() {
    IrException e = refused(List.of(input("x"), relu("x", 0)), 1);
    assertEquals("duplicate node name 'x'", e.getMessage());
  }

  @Test
  void shapesMustBeWhatTheOpGives() {
    Node wrong = new Node("r", new Op.Relu(), new int[] {0}, Shape.of(4, 1));
    IrException e = refused(List.of(input("x"), wrong), 1);
    assertTrue(e.getMessage().contains("'r' has shape [4, 1] but its op gives [1, 4]"), e.getMessage());
    Node badOp = new Node("m", new Op.MatMul(), new int[] {0, 0}, S);
    assertTrue(refused(List.of(input("x"), badOp), 1).getMessage().startsWith("node 'm': MatMul needs"));
  }

  @Test
  void outputsMustExistAndBeInRange() {
    List<Node> nodes = List.of(input("x"), relu("r", 0));
    refused(nodes);
    refused(nodes, 2);
    refused(nodes, -1);
    new Graph(nodes, new int[] {1});
  }

  @Test
  void theGraphIsACopy() {
    List<Node> nodes = new ArrayList<>(List.of(input("x"), relu("r", 0)));
    int[] outputs = {1};
    Graph g = new Graph(nodes, outputs);
    nodes.add(relu("s", 1));
    outputs[0] = 0;
    g.outputs()[0] = 0;
    assertEquals(2, g.size());
    assertArrayEquals(new int[] {1}, g.outputs());
  }

  @Test
  void theBuilderInfersShapesNumbersNodesAndMakesNamesUnique() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(2, 3)));
    int w = b.add("w", new Op.Constant(FloatTensor.zeros(Shape.of(3, 5)), false));
    int m = b.add("m", new Op.MatMul(), x, w);
    int r1 = b.add("m", new Op.Relu(), m);
    int r2 = b.add("m", new Op.Relu(), r1);
    assertArrayEquals(new int[] {0, 1, 2, 3, 4}, new int[] {x, w, m, r1, r2});
    assertEquals(Shape.of(2, 5), b.shape(m));
    assertEquals(5, b.size());
    assertEquals("m_1", b.node(r1).name());
    assertEquals("m_2", b.node(r2).name());
    Graph g = b.build(r2);
    assertEquals(Shape.of(2, 5), g.node(r2).shape());
    IrException e = assertThrows(IrException.class, () -> b.add("bad", new Op.MatMul(), x, x));
    assertTrue(e.getMessage().startsWith("node 'bad': MatMul needs"), e.getMessage());
  }

  @Test
  void nodesCopyTheirInputs() {
    int[] in = {0};
    Node n = relu("r", 0);
    Node m = new Node("r", new Op.Relu(), in, S);
    in[0] = 5;
    m.inputs()[0] = 7;
    assertEquals(0, m.input(0));
    assertArrayEquals(n.inputs(), m.inputs());
    assertEquals(1, m.arity());
  }
}
