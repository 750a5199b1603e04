package io.musketeer.importer.tf;

import static io.musketeer.importer.tf.TfOracle.assertClose;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.importer.ModelImportException;
import io.musketeer.interp.FloatInterpreter;
import io.musketeer.ir.Graph;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.types.TFloat32;

/** Function libraries made by TensorFlow Java, inlined, imported and run against TensorFlow. */
class FunctionInlinerTest {
  private final SplittableRandom rng = new SplittableRandom(11);

  private static Operand<TFloat32> input(Ops tf, String name, long... dims) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
  }

  /** Inlines {@code out} of the graph, imports it and compares with TensorFlow on {@code x}. */
  private static void check(org.tensorflow.Graph g, String out, FloatTensor x) {
    FloatTensor tf = TfOracle.run(g, Map.of("x", x), out);
    GraphDef def = g.toGraphDef();
    assertTrue(def.getLibrary().getFunctionCount() > 0);
    FunctionInliner.Inlined inlined = FunctionInliner.inline(def, List.of(out));
    assertTrue(inlined.graph().getLibrary().getFunctionCount() == 0);
    for (NodeDef n : inlined.graph().getNodeList()) {
      assertFalse(FunctionInliner.CALL_OPS.contains(n.getOp()), "call left: " + n.getName());
      for (String in : n.getInputList()) assertFalse(in.startsWith("^"), "control input left: " + n.getName());
    }
    Graph ir = TfImporter.fromGraphDef(inlined.graph(), ImportOptions.defaults().withOutputs(inlined.outputs()));
    assertClose(out, tf, FloatInterpreter.run(ir, Map.of("x", x)).get(0), 1e-5);
  }

  /** A function with two outputs, one read from a list output (IdentityN "output:1") and one from FusedBatchNorm "y:0". */
  private static ConcreteFunction twoOutputs() {
    return ConcreteFunction.create(tf -> {
      Operand<TFloat32> x = input(tf, "x", 2, 2, 2, 4);
      var both = tf.identityN(List.of(tf.math.neg(x), tf.slice(x, tf.constant(new int[] {0, 0, 0, 2}), tf.constant(new int[] {2, 2, 2, 2}))));
      @SuppressWarnings("unchecked")
      Operand<TFloat32> second = (Operand<TFloat32>) both.output().get(1);
      Operand<TFloat32> bn = tf.nn.fusedBatchNorm(x, tf.constant(new float[] {1, 2, 3, 4}), tf.constant(new float[] {0, 1, 0, 1}),
          tf.constant(new float[] {0.5f, 0, 0, 1}), tf.constant(new float[] {1, 4, 2, 1}), FusedBatchNorm.isTraining(false)).y();
      return Signature.builder().input("x", x).output("half", tf.math.mul(second, tf.constant(2f))).output("norm", tf.nn.relu(bn)).build();
    });
  }

  @Test
  void secondOutputOfANestedCallWithMultiOutputOps() {
    ConcreteFunction inner = twoOutputs();
    ConcreteFunction outer = ConcreteFunction.create(tf -> {
      Operand<TFloat32> x = input(tf, "x", 2, 2, 2, 4);
      Map<String, Operand<?>> r = inner.call(tf, Map.of("x", x));
      @SuppressWarnings("unchecked")
      Operand<TFloat32> norm = (Operand<TFloat32>) r.get("norm"), half = (Operand<TFloat32>) r.get("half");
      return Signature.builder().input("x", x).output("y", tf.math.add(norm, tf.concat(List.of(half, half), tf.constant(3)))).build();
    });
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      Operand<?> y = outer.call(tf, input(tf, "x", 2, 2, 2, 4));
      check(g, y.asOutput().op().name() + ":0", TfOracle.gaussian(rng, 1, 2, 2, 2, 4));
    }
  }

  @Test
  void directCallOfALibraryFunction() {
    ConcreteFunction f = ConcreteFunction.create(tf -> {
      Operand<TFloat32> x = input(tf, "x", 2, 2, 2, 4);
      return Signature.builder().input("x", x).output("double", tf.math.add(x, x)).output("relu", tf.nn.relu(tf.math.sub(x, tf.constant(0.5f))))
          .build();
    });
    try (org.tensorflow.Graph g = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(g);
      g.attachFunction(f);
      Output<?> x = input(tf, "x", 2, 2, 2, 4).asOutput();
      // a node whose op is the function itself, as TF1-era graphs call library functions
      Output<?> norm = g.opBuilder(f.getDefinedName(), "direct", tf.scope()).addInput(x).build().output(1);
      tf.withName("y").math.neg((Operand<TFloat32>) norm);
      check(g, "y:0", TfOracle.gaussian(rng, 1, 2, 2, 2, 4));
    }
  }

  // --- hand-made libraries for what TensorFlow Java would not write

  private static NodeDef node(String name, String op, String... inputs) {
    return NodeDef.newBuilder().setName(name).setOp(op).addAllInput(List.of(inputs)).build();
  }

  private static NodeDef call(String name, String function, String... inputs) {
    return node(name, "PartitionedCall", inputs).toBuilder()
        .putAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(function)).build()).build();
  }

  private static FunctionDef function(String name, List<String> args, Map<String, String> rets, NodeDef... body) {
    OpDef.Builder sig = OpDef.newBuilder().setName(name);
    for (String a : args) sig.addInputArg(OpDef.ArgDef.newBuilder().setName(a));
    for (String r : rets.keySet()) sig.addOutputArg(OpDef.ArgDef.newBuilder().setName(r));
    return FunctionDef.newBuilder().setSignature(sig).addAllNodeDef(List.of(body)).putAllRet(rets).build();
  }

  private static GraphDef graph(List<FunctionDef> library, NodeDef... nodes) {
    return GraphDef.newBuilder().addAllNode(List.of(nodes)).setLibrary(FunctionDefLibrary.newBuilder().addAllFunction(library)).build();
  }

  private static void fails(GraphDef g, String out, String fragment) {
    ModelImportException e = assertThrows(ModelImportException.class, () -> FunctionInliner.inline(g, List.of(out)));
    assertTrue(e.getMessage().contains(fragment), "message does not mention '" + fragment + "': " + e.getMessage());
    System.out.println("FunctionInlinerTest: " + e.getMessage());
  }

  /** Inside a body, a direct call's outputs are named by the callee's output arguments ("direct:b_relu:0"). */
  @Test
  void directCallInsideAFunctionBody() {
    FunctionDef g = function("g", List.of("a"), new java.util.LinkedHashMap<>(Map.of("a_double", "sum:z:0")),
        node("sum", "AddV2", "a", "a"), node("relu", "Relu", "a"));
    g = g.toBuilder().setSignature(g.getSignature().toBuilder().addOutputArg(OpDef.ArgDef.newBuilder().setName("b_relu"))).putRet("b_relu", "relu:activations:0")
        .build();
    FunctionDef f = function("f", List.of("a"), Map.of("y", "direct:b_relu:0"), node("direct", "g", "a"));
    GraphDef def = graph(List.of(g, f), node("x", "Placeholder").toBuilder()
        .putAttr("shape", AttrValue.newBuilder().setShape(org.tensorflow.proto.TensorShapeProto.newBuilder()
            .addDim(org.tensorflow.proto.TensorShapeProto.Dim.newBuilder().setSize(4))).build()).build(), call("c", "f", "x"));
    FunctionInliner.Inlined in = FunctionInliner.inline(def, List.of("c:0"));
    assertTrue(in.outputs().equals(List.of("relu:0")), in.outputs().toString());
    Graph ir = TfImporter.fromGraphDef(in.graph(), ImportOptions.defaults().withOutputs(in.outputs()));
    FloatTensor x = new FloatTensor(io.musketeer.core.Shape.of(4), new float[] {-1, 2, -3, 4});
    assertClose("relu", new FloatTensor(io.musketeer.core.Shape.of(4), new float[] {0, 2, 0, 4}), FloatInterpreter.run(ir, Map.of("x", x)).get(0), 0);
  }

  @Test
  void recursionIsRefused() {
    FunctionDef f = function("f", List.of("a"), Map.of("out", "again:output:0"), call("again", "f", "a"));
    fails(graph(List.of(f), node("x", "Placeholder"), call("c", "f", "x")), "c:0", "calls itself");
  }

  @Test
  void unknownFunctionAndUnknownNames() {
    fails(graph(List.of(), node("x", "Placeholder"), call("c", "nowhere", "x")), "c:0", "'nowhere', which is not in the graph's function library");
    FunctionDef f = function("f", List.of("a"), Map.of("out", "ghost:y:0"), node("relu", "Relu", "a"));
    fails(graph(List.of(f), node("x", "Placeholder"), call("c", "f", "x")), "c:0", "reads 'ghost:y:0'");
    FunctionDef g = function("g", List.of("a"), Map.of(), node("relu", "Relu", "a"));
    fails(graph(List.of(g), node("x", "Placeholder"), call("c", "g", "x")), "c:0", "does not have");
  }

  @Test
  void anOpReadThroughTwoUnknownOutputNamesIsRefused() {
    FunctionDef f = function("f", List.of("a"), Map.of("p", "m:first:0", "q", "m:second:0"), node("m", "Mystery", "a"));
    fails(graph(List.of(f), node("x", "Placeholder"), call("c", "f", "x"), node("y", "AddV2", "c:0", "c:1")), "y:0", "whose order is not known");
  }

  @Test
  void nodeNamesStayUniqueAndControlEdgesGo() {
    FunctionDef f = function("f", List.of("a"), Map.of("out", "relu:activations:0"), node("noop", "NoOp"), node("relu", "Relu", "a", "^noop"));
    // an outer node already has the name of the inlined Relu, and the function is called twice
    GraphDef g = graph(List.of(f), node("x", "Placeholder"), call("c", "f", "x"), call("d", "f", "c:0"), node("relu", "Neg", "x"),
        node("y", "AddV2", "d:0", "relu"));
    FunctionInliner.Inlined in = FunctionInliner.inline(g, List.of("y:0"));
    List<String> names = in.graph().getNodeList().stream().map(NodeDef::getName).toList();
    assertTrue(names.containsAll(List.of("x", "relu", "relu_1", "relu_2", "y")) && names.size() == 5, names.toString());
    NodeDef y = in.graph().getNodeList().stream().filter(n -> n.getName().equals("y")).findFirst().orElseThrow();
    NodeDef second = in.graph().getNodeList().stream().filter(n -> n.getName().equals(TfImporter.nodeName(y.getInput(0)))).findFirst().orElseThrow();
    assertTrue(second.getOp().equals("Relu") && TfImporter.nodeName(second.getInput(0)).startsWith("relu_"), second.toString());
  }
}
