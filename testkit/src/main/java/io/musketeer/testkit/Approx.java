package io.musketeer.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.musketeer.core.FloatTensor;

/** Tolerance assertions for tensors: every element within an absolute bound, the worst one named on failure. */
public final class Approx {
  private Approx() {}

  /** |expected − actual| ≤ tolerance elementwise (same shape); returns the largest difference. */
  public static double assertClose(FloatTensor expected, FloatTensor actual, double tolerance, String label) {
    assertArrayEquals(expected.shape().dims(), actual.shape().dims(), label + ": shape " + actual.shape() + ", expected " + expected.shape());
    return assertClose(expected.data(), actual.data(), tolerance, label);
  }

  /** |expected − actual| ≤ tolerance elementwise (same length); returns the largest difference. */
  public static double assertClose(float[] expected, float[] actual, double tolerance, String label) {
    if (expected.length != actual.length) fail(label + ": " + actual.length + " elements, expected " + expected.length);
    double worst = 0;
    int at = -1;
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs((double) expected[i] - actual[i]);
      if (!(err <= worst)) { // NaN counts as worst
        worst = err;
        at = i;
      }
    }
    if (!(worst <= tolerance)) {
      fail(label + ": element " + at + " is " + actual[at] + ", expected " + expected[at] + " (difference " + worst + " > " + tolerance + ")");
    }
    return worst;
  }
}
