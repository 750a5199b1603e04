package io.musketeer.importer;

/**
 * What a framework op becomes in the IR, the grouping of the op-coverage table (docs/OPS.md) that
 * both importers' op tables declare, so the table is generated from the tables themselves.
 */
public enum OpKind {
  CONVOLUTION("Convolution", "Conv2D: strides, explicit or SAME/VALID padding, groups and depthwise; ONNX dilations by a zero-dilated filter"),
  PRODUCT("Matrix product", "MatMul; transposes, Gemm's alpha and beta folded into the weights where constant"),
  ARITHMETIC("Elementwise arithmetic", "Add, Sub, Mul with numpy broadcasting; division by constants only (as a product)"),
  ACTIVATION("Activations", "Relu; Relu6, clip, leaky ReLU, max and min written with ReLUs and public constants"),
  POOLING("Pooling", "MaxPool and AvgPool over padded windows; global pools as a whole-image window or a mean"),
  NORMALIZATION("Batch normalization", "inference only: a per-channel Mul and Add, folded into the preceding conv or matmul"),
  REDUCTION("Reductions", "ReduceSum, ReduceMean over any axes"),
  DATA_MOVEMENT("Shapes and data movement", "Reshape, Transpose, Concat, zero Pad, Slice with positive strides; free in the secure run"),
  FINAL("Final ops", "Softmax as the last op (the client applies it to its output); ArgMax (over a Softmax it reads the logits)"),
  STRUCTURE("Inputs, constants, identities", "inputs and constants; identities, dropouts and float casts vanish"),
  SHAPE_ARITHMETIC("Shape arithmetic", "evaluated at import on known values (shapes, axes, sizes), so it never reaches the secure run");

  private final String title;
  private final String lowering;

  OpKind(String title, String lowering) {
    this.title = title;
    this.lowering = lowering;
  }

  public String title() {
    return title;
  }

  /** How ops of this kind are lowered, in one line. */
  public String lowering() {
    return lowering;
  }
}
