package io.musketeer.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Every op's shape rule, with output shapes worked out by hand (TensorFlow's rules for convolution and
 * pooling with explicit padding: out = (in + pads - window) / stride + 1), and the inputs each rule
 * refuses, each at the edge where the rule starts to refuse.
 */
class ShapeInferenceTest {
  private static Shape infer(Op op, Shape... in) {
    return ShapeInference.infer(op, in);
  }

  private static Op.Window window(int kh, int kw, int sh, int sw, int pt, int pb, int pl, int pr) {
    return new Op.Window(kh, kw, sh, sw, pt, pb, pl, pr);
  }

  @Test
  void leavesAndElementwiseOps() {
    assertEquals(Shape.of(2, 3), infer(new Op.Input("x", Shape.of(2, 3))));
    assertEquals(Shape.of(4, 1), infer(new Op.Constant(FloatTensor.zeros(Shape.of(4, 1)), false)));
    for (Op op : List.of(new Op.Neg(), new Op.Relu(), new Op.Softmax(), new Op.Truncate(12))) {
      assertEquals(Shape.of(2, 5, 7), infer(op, Shape.of(2, 5, 7)), op.kind());
    }
    for (Op op : List.of(new Op.Add(), new Op.Sub(), new Op.Mul())) {
      assertEquals(Shape.of(2, 3, 4), infer(op, Shape.of(2, 3, 4), Shape.of(2, 3, 4)), op.kind());
      assertEquals(Shape.of(2, 3, 4), infer(op, Shape.of(2, 1, 4), Shape.of(3, 1)), op.kind() + " broadcast both ways");
      assertEquals(Shape.of(5, 4), infer(op, Shape.of(), Shape.of(5, 4)), op.kind() + " scalar");
      IrException e = assertThrows(IrException.class, () -> infer(op, Shape.of(2, 3), Shape.of(4, 3)));
      assertTrue(e.getMessage().startsWith(op.kind() + ": "), e.getMessage());
    }
  }

  @Test
  void matMulNeedsMatchingInnerDimensions() {
    assertEquals(Shape.of(3, 5), infer(new Op.MatMul(), Shape.of(3, 4), Shape.of(4, 5)));
    assertEquals(Shape.of(1, 1), infer(new Op.MatMul(), Shape.of(1, 7), Shape.of(7, 1)));
    assertThrows(IrException.class, () -> infer(new Op.MatMul(), Shape.of(3, 4), Shape.of(5, 4)));
    assertThrows(IrException.class, () -> infer(new Op.MatMul(), Shape.of(4), Shape.of(4, 5)));
    assertThrows(IrException.class, () -> infer(new Op.MatMul(), Shape.of(3, 4), Shape.of(4, 5, 1)));
  }

  @Test
  void convolutionOutputFollowsStridesPaddingAndGroups() {
    // 9x8 input, 3x3 filter, stride 2x3, pads 1,0 (rows) and 2,1 (columns): (9+1-3)/2+1 = 4, (8+3-3)/3+1 = 3
    Op.Conv2D c = new Op.Conv2D(2, 3, 1, 0, 2, 1, 1);
    assertEquals(Shape.of(2, 4, 3, 16), infer(c, Shape.of(2, 9, 8, 6), Shape.of(3, 3, 6, 16)));
    // depthwise: groups = channels, filter [fh, fw, 1, channels * multiplier]
    Op.Conv2D dw = new Op.Conv2D(1, 1, 1, 1, 1, 1, 6);
    assertEquals(Shape.of(1, 5, 5, 12), infer(dw, Shape.of(1, 5, 5, 6), Shape.of(3, 3, 1, 12)));
    // a filter as large as the padded input gives one output position
    assertEquals(Shape.of(1, 1, 1, 2), infer(new Op.Conv2D(1, 1, 0, 0, 0, 0, 1), Shape.of(1, 3, 4, 1), Shape.of(3, 4, 1, 2)));
    List<Supplier<Shape>> bad = List.of(
        () -> infer(c, Shape.of(2, 9, 8, 6), Shape.of(3, 3, 5, 16)),        // filter channels differ
        () -> infer(dw, Shape.of(1, 5, 5, 6), Shape.of(3, 3, 2, 12)),       // 2 * 6 groups != 6 channels
        () -> infer(c, Shape.of(9, 8, 6), Shape.of(3, 3, 6, 16)),           // not NHWC
        () -> infer(c, Shape.of(2, 9, 8, 6), Shape.of(3, 6, 16)),           // not HWIO
        () -> infer(new Op.Conv2D(1, 1, 0, 0, 0, 0, 1), Shape.of(1, 2, 4, 1), Shape.of(3, 3, 1, 2)), // filter taller than the image
        () -> infer(new Op.Conv2D(1, 1, 0, 0, 0, 0, 2), Shape.of(1, 4, 4, 2), Shape.of(1, 1, 1, 3))); // 3 outputs over 2 groups
    for (int i = 0; i < bad.size(); i++) assertThrows(IrException.class, bad.get(i)::get, "case " + i);
  }

  @Test
  void poolingOutputFollowsWindowStridesAndPadding() {
    // 7x6 input, 3x2 window, stride 2x2, pads 1,1 and 0,1: (7+2-3)/2+1 = 4, (6+1-2)/2+1 = 3
    Op.Window w = window(3, 2, 2, 2, 1, 1, 0, 1);
    assertEquals(Shape.of(2, 4, 3, 5), infer(new Op.MaxPool(w), Shape.of(2, 7, 6, 5)));
    assertEquals(Shape.of(2, 4, 3, 5), infer(new Op.AvgPool(w, false), Shape.of(2, 7, 6, 5)));
    assertEquals(Shape.of(1, 1, 1, 3), infer(new Op.MaxPool(window(2, 2, 1, 1, 0, 0, 0, 0)), Shape.of(1, 2, 2, 3)));
    assertThrows(IrException.class, () -> infer(new Op.MaxPool(w), Shape.of(7, 6, 5)));
    assertThrows(IrException.class, () -> infer(new Op.AvgPool(window(3, 3, 1, 1, 0, 0, 0, 0), true), Shape.of(1, 2, 3, 1)));
  }

  @Test
  void reductionsDropOrKeepTheirAxes() {
    Shape s = Shape.of(2, 3, 4, 5);
    assertEquals(Shape.of(2, 5), infer(new Op.ReduceSum(new int[] {1, 2}, false), s));
    assertEquals(Shape.of(2, 1, 1, 5), infer(new Op.ReduceMean(new int[] {1, 2}, true), s));
    assertEquals(Shape.of(3, 4, 5), infer(new Op.ReduceSum(new int[] {0}, false), s));
    assertEquals(Shape.of(2, 3, 4), infer(new Op.ReduceMean(new int[] {3}, false), s));
    assertEquals(Shape.of(2, 3, 4), infer(new Op.ArgMax(3), s));
    assertEquals(Shape.of(3, 4, 5), infer(new Op.ArgMax(0), s));
    assertThrows(IrException.class, () -> infer(new Op.ReduceSum(new int[] {4}, false), s));
    assertThrows(IrException.class, () -> infer(new Op.ReduceMean(new int[] {1, 4}, true), s));
    assertThrows(IrException.class, () -> infer(new Op.ArgMax(4), s));
  }

  @Test
  void concatAddsUpTheAxisAndNeedsEqualOtherDimensions() {
    assertEquals(Shape.of(2, 9, 4), infer(new Op.Concat(1), Shape.of(2, 3, 4), Shape.of(2, 1, 4), Shape.of(2, 5, 4)));
    assertEquals(Shape.of(2, 3, 4), infer(new Op.Concat(2), Shape.of(2, 3, 4)));
    assertEquals(Shape.of(5, 3), infer(new Op.Concat(0), Shape.of(2, 3), Shape.of(3, 3)));
    assertThrows(IrException.class, () -> infer(new Op.Concat(1)));
    assertThrows(IrException.class, () -> infer(new Op.Concat(2), Shape.of(2, 3), Shape.of(2, 3)));
    assertThrows(IrException.class, () -> infer(new Op.Concat(1), Shape.of(2, 3, 4), Shape.of(2, 3)));
    assertThrows(IrException.class, () -> infer(new Op.Concat(1), Shape.of(2, 3, 4), Shape.of(2, 3, 5)));
    assertThrows(IrException.class, () -> infer(new Op.Concat(1), Shape.of(2, 3, 4), Shape.of(3, 3, 4)));
  }

  @Test
  void reshapePadTransposeAndSlice() {
    assertEquals(Shape.of(6, 4), infer(new Op.Reshape(Shape.of(6, 4)), Shape.of(2, 3, 4)));
    assertThrows(IrException.class, () -> infer(new Op.Reshape(Shape.of(5, 5)), Shape.of(2, 3, 4)));

    assertEquals(Shape.of(3, 7, 4), infer(new Op.Pad(new int[] {1, 2, 0}, new int[] {0, 2, 0}), Shape.of(2, 3, 4)));
    assertThrows(IrException.class, () -> infer(new Op.Pad(new int[] {1, 2}, new int[] {0, 2}), Shape.of(2, 3, 4)));

    assertEquals(Shape.of(4, 2, 3), infer(new Op.Transpose(new int[] {2, 0, 1}), Shape.of(2, 3, 4)));
    assertThrows(IrException.class, () -> infer(new Op.Transpose(new int[] {1, 0}), Shape.of(2, 3, 4)));

    // 1..5 step 2 of 6 gives 1, 3; 0..3 step 1 gives 3; 2..2 gives none
    Op.Slice sl = new Op.Slice(new int[] {1, 0, 2}, new int[] {5, 3, 2}, new int[] {2, 1, 1});
    assertEquals(Shape.of(2, 3, 0), infer(sl, Shape.of(6, 3, 4)));
    assertEquals(Shape.of(2, 3, 0), infer(sl, Shape.of(5, 3, 2)), "end may equal the dimension");
    assertThrows(IrException.class, () -> infer(sl, Shape.of(4, 3, 4)), "end past the dimension");
    assertThrows(IrException.class, () -> infer(sl, Shape.of(6, 3)), "rank differs");
  }

  @Test
  void everyOpChecksItsNumberOfInputs() {
    Shape s = Shape.of(1, 2, 2, 1);
    List<Op> unary = List.of(new Op.Neg(), new Op.Relu(), new Op.Softmax(), new Op.Truncate(3),
        new Op.MaxPool(new Op.Window(1, 1, 1, 1, 0, 0, 0, 0)), new Op.AvgPool(new Op.Window(1, 1, 1, 1, 0, 0, 0, 0), false),
        new Op.ReduceSum(new int[] {0}, false), new Op.ReduceMean(new int[] {0}, false), new Op.ArgMax(0),
        new Op.Reshape(Shape.of(4)), new Op.Pad(new int[] {0, 0, 0, 0}, new int[] {0, 0, 0, 0}), new Op.Transpose(new int[] {1, 0, 3, 2}),
        new Op.Slice(new int[] {0, 0, 0, 0}, new int[] {1, 1, 1, 1}, new int[] {1, 1, 1, 1}));
    for (Op op : unary) {
      IrException e = assertThrows(IrException.class, () -> infer(op, s, s), op.kind());
      assertEquals(op.kind() + " takes 1 inputs, got 2", e.getMessage());
      assertThrows(IrException.class, () -> infer(op), op.kind());
    }
    for (Op op : List.<Op>of(new Op.MatMul(), new Op.Add(), new Op.Sub(), new Op.Mul(), new Op.Conv2D(1, 1, 0, 0, 0, 0, 1))) {
      assertThrows(IrException.class, () -> infer(op, s), op.kind());
    }
    assertThrows(IrException.class, () -> infer(new Op.Input("x", s), s));
    assertThrows(IrException.class, () -> infer(new Op.Constant(FloatTensor.zeros(s), true), s));
  }
}
