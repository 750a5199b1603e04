package io.musketeer.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Ops are values: equal attributes make equal ops, arrays are copied in and out, bad attributes fail at once. */
class OpTest {

  @Test
  void arrayAttributesCompareByValue() {
    List<Supplier<Op>> makers = List.of(
        () -> new Op.Transpose(new int[] {0, 2, 1}),
        () -> new Op.Pad(new int[] {0, 1}, new int[] {2, 0}),
        () -> new Op.Slice(new int[] {0, 1}, new int[] {3, 4}, new int[] {1, 2}),
        () -> new Op.ReduceSum(new int[] {1, 2}, true),
        () -> new Op.ReduceMean(new int[] {1, 2}, false));
    for (Supplier<Op> make : makers) {
      Op a = make.get(), b = make.get();
      assertEquals(a, b, a.kind());
      assertEquals(a.hashCode(), b.hashCode(), a.kind());
      assertEquals(a.toString(), b.toString(), a.kind());
    }
    assertNotEquals(new Op.Transpose(new int[] {0, 2, 1}), new Op.Transpose(new int[] {1, 0, 2}));
    assertNotEquals(new Op.ReduceSum(new int[] {1}, true), new Op.ReduceSum(new int[] {1}, false));
    assertNotEquals(new Op.ReduceSum(new int[] {1}, true), new Op.ReduceMean(new int[] {1}, true));
    assertTrue(new Op.Pad(new int[] {0, 1}, new int[] {2, 0}).toString().contains("[0, 1]"));
    assertNotEquals(new Op.ReduceMean(new int[] {1}, true), new Op.ReduceMean(new int[] {2}, true));
    assertNotEquals(new Op.Pad(new int[] {0, 1}, new int[] {2, 0}), new Op.Pad(new int[] {0, 1}, new int[] {2, 1}));
    assertNotEquals(new Op.Slice(new int[] {0}, new int[] {3}, new int[] {1}), new Op.Slice(new int[] {0}, new int[] {3}, new int[] {2}));
    assertEquals("ReduceSum[axes=[1, 2], keepDims=true]", new Op.ReduceSum(new int[] {1, 2}, true).toString());
    assertEquals("ReduceMean[axes=[0], keepDims=false]", new Op.ReduceMean(new int[] {0}, false).toString());
    assertEquals("Transpose[perm=[1, 0]]", new Op.Transpose(new int[] {1, 0}).toString());
    assertEquals("Slice[begin=[0], end=[3], stride=[2]]", new Op.Slice(new int[] {0}, new int[] {3}, new int[] {2}).toString());
  }

  @Test
  void arraysAreCopiedInAndOut() {
    int[] perm = {0, 2, 1};
    Op.Transpose t = new Op.Transpose(perm);
    perm[0] = 5;
    t.perm()[1] = 7;
    assertArrayEquals(new int[] {0, 2, 1}, t.perm());
    int[] begin = {0, 1};
    Op.Slice s = new Op.Slice(begin, new int[] {3, 4}, new int[] {1, 1});
    begin[1] = 9;
    s.end()[0] = 0;
    assertArrayEquals(new int[] {0, 1}, s.begin());
    assertArrayEquals(new int[] {3, 4}, s.end());
    int[] axes = {1};
    Op.ReduceMean m = new Op.ReduceMean(axes, true);
    axes[0] = 3;
    assertArrayEquals(new int[] {1}, m.axes());
  }

  @Test
  void badAttributesFailWhenTheOpIsMade() {
    List<Runnable> bad = List.of(
        () -> new Op.Conv2D(0, 1, 0, 0, 0, 0, 1),
        () -> new Op.Conv2D(1, 1, -1, 0, 0, 0, 1),
        () -> new Op.Conv2D(1, 1, 0, 0, 0, 0, 0),
        () -> new Op.Window(0, 2, 1, 1, 0, 0, 0, 0),
        () -> new Op.Window(2, 2, 1, 0, 0, 0, 0, 0),
        () -> new Op.Window(2, 2, 1, 1, 0, 0, -1, 0),
        () -> new Op.Window(2, 2, 1, 1, 0, 2, 0, 0),
        () -> new Op.Transpose(new int[] {0, 0}),
        () -> new Op.Transpose(new int[] {0, 2}),
        () -> new Op.Slice(new int[] {2}, new int[] {1}, new int[] {1}),
        () -> new Op.Slice(new int[] {0}, new int[] {1}, new int[] {0}),
        () -> new Op.Slice(new int[] {0, 0}, new int[] {1}, new int[] {1}),
        () -> new Op.Pad(new int[] {0, -1}, new int[] {0, 0}),
        () -> new Op.Pad(new int[] {0}, new int[] {0, 0}),
        () -> new Op.ReduceSum(new int[] {2, 1}, false),
        () -> new Op.ReduceMean(new int[] {1, 1}, false),
        () -> new Op.ReduceMean(new int[] {-1}, false),
        () -> new Op.Concat(-1),
        () -> new Op.ArgMax(-1),
        () -> new Op.Truncate(0),
        () -> new Op.Truncate(63),
        () -> new Op.Input("", io.musketeer.core.Shape.of(1)),
        () -> new Op.Reshape(null));
    for (int i = 0; i < bad.size(); i++) {
      int k = i;
      assertThrows(IrException.class, bad.get(k)::run, "case " + k);
    }
  }

  /** The rules of {@link #badAttributesFailWhenTheOpIsMade} refuse no more than they say: each edge value is accepted. */
  @Test
  void attributesAtTheEdgeOfEachRuleAreAccepted() {
    List<Supplier<Op>> edge = List.of(
        () -> new Op.Conv2D(1, 1, 0, 0, 0, 0, 1),
        () -> new Op.Concat(0),
        () -> new Op.ArgMax(0),
        () -> new Op.Truncate(1),
        () -> new Op.Truncate(62),
        () -> new Op.ReduceSum(new int[] {0, 1, 3}, false),
        () -> new Op.ReduceMean(new int[] {0}, true),
        () -> new Op.Slice(new int[] {0, 2}, new int[] {0, 2}, new int[] {1, 1}),
        () -> new Op.Pad(new int[] {0, 0}, new int[] {0, 0}),
        () -> new Op.Transpose(new int[] {1, 2, 0}),
        () -> new Op.Transpose(new int[0]));
    for (Supplier<Op> make : edge) make.get();
    new Op.Window(1, 1, 1, 1, 0, 0, 0, 0);
    new Op.Window(2, 3, 1, 1, 1, 1, 2, 2); // padding one less than the window on every side
  }

  @Test
  void eachWindowAndConvolutionRuleRefusesItsOwnAttribute() {
    List<Runnable> bad = List.of(
        () -> new Op.Conv2D(1, 0, 0, 0, 0, 0, 1),
        () -> new Op.Conv2D(1, 1, 0, -1, 0, 0, 1),
        () -> new Op.Conv2D(1, 1, 0, 0, -1, 0, 1),
        () -> new Op.Conv2D(1, 1, 0, 0, 0, -1, 1),
        () -> new Op.Window(2, 0, 1, 1, 0, 0, 0, 0),
        () -> new Op.Window(2, 2, 0, 1, 0, 0, 0, 0),
        () -> new Op.Window(2, 2, 1, 1, -1, 0, 0, 0),
        () -> new Op.Window(2, 2, 1, 1, 0, -1, 0, 0),
        () -> new Op.Window(2, 2, 1, 1, 0, 0, 0, -1),
        () -> new Op.Window(2, 3, 1, 1, 2, 0, 0, 0),
        () -> new Op.Window(2, 3, 1, 1, 0, 0, 3, 0),
        () -> new Op.Window(2, 3, 1, 1, 0, 0, 0, 3),
        () -> new Op.Slice(new int[] {-1}, new int[] {1}, new int[] {1}),
        () -> new Op.Slice(new int[] {0}, new int[] {1, 2}, new int[] {1}),
        () -> new Op.Pad(new int[] {0}, new int[] {-1}),
        () -> new Op.Transpose(new int[] {-1, 0}),
        () -> new Op.ReduceSum(new int[] {-1}, false),
        () -> new Op.ReduceSum(new int[] {0, 0}, false),
        () -> new Op.Input("x", null),
        () -> new Op.Input(null, io.musketeer.core.Shape.of(1)),
        () -> new Op.Input("x", io.musketeer.core.Shape.of(1), null),
        () -> new Op.Constant(null, true),
        () -> new Op.MaxPool(null),
        () -> new Op.AvgPool(null, true));
    for (int i = 0; i < bad.size(); i++) {
      int k = i;
      assertThrows(IrException.class, bad.get(k)::run, "case " + k);
    }
  }
}
