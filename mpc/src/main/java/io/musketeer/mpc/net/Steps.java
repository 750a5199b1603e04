package io.musketeer.mpc.net;

import java.util.concurrent.ConcurrentHashMap;

/** Names of protocol steps for desync messages: step ids are hashes of names, registered on first use. */
public final class Steps {
  private static final ConcurrentHashMap<Integer, String> NAMES = new ConcurrentHashMap<>();

  private Steps() {}

  /** The step id of a name such as "relu/share-convert/masked"; stable across processes. */
  public static int id(String name) {
    int id = name.hashCode();
    NAMES.putIfAbsent(id, name);
    return id;
  }

  static String name(int id) {
    String n = NAMES.get(id);
    return n != null ? n : Integer.toHexString(id);
  }
}
