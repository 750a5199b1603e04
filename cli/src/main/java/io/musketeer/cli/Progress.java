package io.musketeer.cli;

import io.musketeer.ir.Node;
import io.musketeer.mpc.net.TrafficStats;
import io.musketeer.mpc.runtime.LayerListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar by layer on stderr. */
final class Progress implements LayerListener, AutoCloseable {
  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  static Progress start(String task, int layers) {
    return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(layers)
        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate().build());
  }

  @Override
  public void done(int index, int total, Node node, double seconds, TrafficStats.Snapshot traffic) {
    bar.stepTo(index + 1);
    bar.setExtraMessage(node.op().kind());
  }

  @Override
  public void close() {
    bar.close();
  }
}
