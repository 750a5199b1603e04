package io.musketeer.importer;

/** The value of one framework tensor during import: an IR node (computed at run time) or a known tensor. */
public final class Value {
  private final int node; // IR node, or -1
  private final Known known; // or null

  private Value(int node, Known known) {
    this.node = node;
    this.known = known;
  }

  public static Value ir(int node) {
    return new Value(node, null);
  }

  public static Value known(Known k) {
    return new Value(-1, k);
  }

  public boolean isKnown() {
    return known != null;
  }

  /** The IR node; only for values that are not known. */
  public int node() {
    if (known != null) throw new IllegalStateException("a known value has no node");
    return node;
  }

  public Known known() {
    return known;
  }
}
