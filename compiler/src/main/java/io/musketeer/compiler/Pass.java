package io.musketeer.compiler;

import io.musketeer.ir.Graph;

/** A graph transformation. The result is a {@link Graph}, so it has passed the IR checker. */
@FunctionalInterface
public interface Pass {
  Graph apply(Graph g);

  default Pass then(Pass next) {
    return g -> next.apply(apply(g));
  }
}
