package io.musketeer.mpc.runtime;

import io.musketeer.ir.Node;
import io.musketeer.mpc.net.TrafficStats;

/** Told about every node as the executor finishes it (progress bars, per-layer reports). */
@FunctionalInterface
public interface LayerListener {
  void done(int index, int total, Node node, double seconds, TrafficStats.Snapshot traffic);

  LayerListener NONE = (i, t, n, s, tr) -> {};
}
