package io.musketeer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * Convolution and pooling geometry against sizes worked out by hand. The kernel tests take their output
 * and filter sizes from the geometry under test (as the kernels do), so a wrong output size or filter
 * shape cannot fail them; these can.
 */
class GeometryTest {
  @Test
  void convolutionSizesFollowStridesPaddingAndGroups() {
    // rows: (9 + 1 + 0 - 3) / 2 + 1 = 4; columns: (8 + 2 + 1 - 3) / 3 + 1 = 3
    ConvGeometry g = new ConvGeometry(2, 9, 8, 6, 3, 3, 16, 2, 3, 1, 0, 2, 1, 1);
    assertEquals(4, g.outH());
    assertEquals(3, g.outW());
    assertEquals(Shape.of(2, 9, 8, 6), g.inputShape());
    assertEquals(Shape.of(3, 3, 6, 16), g.filterShape());
    assertEquals(Shape.of(2, 4, 3, 16), g.outputShape());
    assertEquals(2L * 4 * 3 * 16 * 3 * 3 * 6, g.macs());

    // three groups of 2 input channels: filter [3, 1, 2, 12]; columns (7 - 1) / 2 + 1 = 4
    ConvGeometry grouped = new ConvGeometry(1, 5, 7, 6, 3, 1, 12, 1, 2, 1, 1, 0, 0, 3);
    assertEquals(Shape.of(3, 1, 2, 12), grouped.filterShape());
    assertEquals(Shape.of(1, 5, 4, 12), grouped.outputShape());
    assertEquals(1L * 5 * 4 * 12 * 3 * 1 * 2, grouped.macs());
  }

  @Test
  void aFilterAsLargeAsThePaddedImageGivesOnePositionAndALargerOneIsRefused() {
    ConvGeometry g = new ConvGeometry(1, 3, 4, 1, 4, 6, 1, 1, 1, 1, 0, 1, 1, 1);
    assertEquals(Shape.of(1, 1, 1, 1), g.outputShape());
    assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 3, 4, 1, 5, 6, 1, 1, 1, 1, 0, 1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 3, 4, 1, 4, 7, 1, 1, 1, 1, 0, 1, 1, 1));
  }

  @Test
  void convolutionRefusesBadGroupsAndStrides() {
    assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 4, 4, 6, 1, 1, 6, 1, 1, 0, 0, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 4, 4, 6, 1, 1, 6, 1, 1, 0, 0, 0, 0, 4));
    assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 4, 4, 6, 1, 1, 9, 1, 1, 0, 0, 0, 0, 2));
    assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 4, 4, 6, 1, 1, 6, 0, 1, 0, 0, 0, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 4, 4, 6, 1, 1, 6, 1, 0, 0, 0, 0, 0, 1));
    new ConvGeometry(1, 4, 4, 6, 1, 1, 6, 1, 1, 0, 0, 0, 0, 6);
  }

  @Test
  void poolingSizesAndTheValidCountOfEachWindow() {
    // rows: (7 + 1 + 1 - 3) / 2 + 1 = 4; columns: (6 + 0 + 1 - 2) / 2 + 1 = 3
    PoolGeometry g = new PoolGeometry(2, 7, 6, 5, 3, 2, 2, 2, 1, 1, 0, 1);
    assertEquals(4, g.outH());
    assertEquals(3, g.outW());
    assertEquals(Shape.of(2, 4, 3, 5), g.outputShape());
    assertEquals(2 * 2, g.validCount(0, 0), "top row of the window in the padding");
    assertEquals(3 * 2, g.validCount(1, 1));
    assertEquals(2 * 2, g.validCount(3, 2), "rows 5..6 of 7");

    // 3x3 image, 2x2 windows at stride 2, one padded row and column at the bottom and right
    PoolGeometry p = new PoolGeometry(1, 3, 3, 1, 2, 2, 2, 2, 0, 1, 0, 1);
    assertEquals(Shape.of(1, 2, 2, 1), p.outputShape());
    assertEquals(4, p.validCount(0, 0));
    assertEquals(2, p.validCount(0, 1));
    assertEquals(2, p.validCount(1, 0));
    assertEquals(1, p.validCount(1, 1));
  }

  @Test
  void poolingRefusesBadWindowsStridesAndEmptyOutputs() {
    assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(1, 4, 4, 1, 0, 2, 1, 1, 0, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(1, 4, 4, 1, 2, 0, 1, 1, 0, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(1, 4, 4, 1, 2, 2, 0, 1, 0, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(1, 4, 4, 1, 2, 2, 1, 0, 0, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(1, 2, 4, 1, 4, 2, 1, 1, 1, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new PoolGeometry(1, 4, 2, 1, 2, 4, 1, 1, 0, 0, 0, 1));
    assertEquals(Shape.of(1, 1, 1, 1), new PoolGeometry(1, 2, 2, 1, 3, 4, 1, 1, 1, 0, 1, 1).outputShape());
    assertEquals(Shape.of(1, 4, 4, 1), new PoolGeometry(1, 4, 4, 1, 1, 1, 1, 1, 0, 0, 0, 0).outputShape());
    assertEquals(Shape.of(1, 1, 1, 1), new PoolGeometry(1, 2, 2, 1, 3, 3, 1, 1, 0, 1, 0, 1).outputShape(), "padding below and right only");
  }

  @Test
  void shapesCountTheirElementsAndRefuseNegativeOrTooLargeOnes() {
    assertEquals(0, Shape.of(3, 0, 2).size());
    assertEquals(1, Shape.of().size());
    assertEquals(Integer.MAX_VALUE, Shape.of(Integer.MAX_VALUE).size());
    assertThrows(IllegalArgumentException.class, () -> Shape.of(1 << 16, 1 << 15).size());
    assertThrows(IllegalArgumentException.class, () -> Shape.of(2, -1));
    assertEquals(5, Shape.of(2, 5).dim(-1));
    assertEquals(2, Shape.of(2, 5).dim(0));
    assertEquals(java.util.List.of(15, 5, 1), java.util.Arrays.stream(Shape.of(2, 3, 5).strides()).boxed().toList());
  }
}
