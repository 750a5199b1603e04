package io.musketeer.mpc.runtime;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one party measured in one run: traffic from its transport's counters, wall and CPU time, peak
 * memory, and the same per layer; the security mode ({@code semi-honest} or {@code malicious}) and the
 * integrity provider that attested the parties ({@code none} in semi-honest mode). Holds no values,
 * shares or keys.
 *
 * @param offlineBytesSent the part of {@code bytesSent} that depends on no input (the helper's dealing,
 *     Beaver C1s, masked weights): what could travel before the client's input exists
 * @param offlineSeconds time this party spent producing that material (the helper's dealing)
 */
public record PartyReport(
    Party role,
    String programHash,
    String protocol,
    String security,
    String attestation,
    long bytesSent,
    long bytesReceived,
    long messagesSent,
    long messagesReceived,
    long rounds,
    double wallSeconds,
    double cpuSeconds,
    long peakMemoryBytes,
    long offlineBytesSent,
    double offlineSeconds,
    List<Layer> layers) {

  /** One program node: its op, time, and the bytes this party sent and received while running it. */
  public record Layer(int index, String name, String op, double seconds, long bytesSent, long bytesReceived, long rounds) {}

  public String toJson() {
    StringBuilder sb = new StringBuilder();
    sb.append("{\n");
    field(sb, "role", role.label()).append(",\n");
    field(sb, "program_hash", programHash).append(",\n");
    field(sb, "protocol", protocol).append(",\n");
    field(sb, "security", security).append(",\n");
    field(sb, "attestation", attestation).append(",\n");
    sb.append(String.format(Locale.ROOT,
        "  \"bytes_sent\": %d,\n  \"bytes_received\": %d,\n  \"messages_sent\": %d,\n  \"messages_received\": %d,\n  \"rounds\": %d,\n"
            + "  \"wall_seconds\": %.3f,\n  \"cpu_seconds\": %.3f,\n  \"peak_memory_bytes\": %d,\n"
            + "  \"offline_bytes_sent\": %d,\n  \"offline_seconds\": %.3f,\n",
        bytesSent, bytesReceived, messagesSent, messagesReceived, rounds, wallSeconds, cpuSeconds, peakMemoryBytes, offlineBytesSent, offlineSeconds));
    sb.append("  \"layers\": [");
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      sb.append(i == 0 ? "\n" : ",\n");
      sb.append(String.format(Locale.ROOT,
          "    {\"index\": %d, \"name\": %s, \"op\": %s, \"seconds\": %.4f, \"bytes_sent\": %d, \"bytes_received\": %d, \"rounds\": %d}",
          l.index(), quote(l.name()), quote(l.op()), l.seconds(), l.bytesSent(), l.bytesReceived(), l.rounds()));
    }
    sb.append(layers.isEmpty() ? "]\n" : "\n  ]\n");
    sb.append("}");
    return sb.toString();
  }

  /**
   * Reads what {@link #toJson} wrote (times come back rounded as written: 3 decimals, 4 per layer).
   *
   * @throws MusketeerException when the text is not such a report
   */
  public static PartyReport fromJson(String json) {
    try {
      Map<?, ?> m = (Map<?, ?>) Json.parse(json);
      List<Layer> layers = new ArrayList<>();
      for (Object o : (List<?>) m.get("layers")) {
        Map<?, ?> l = (Map<?, ?>) o;
        layers.add(new Layer(integer(l, "index"), text(l, "name"), text(l, "op"), real(l, "seconds"), whole(l, "bytes_sent"),
            whole(l, "bytes_received"), whole(l, "rounds")));
      }
      return new PartyReport(Party.parse(text(m, "role")), text(m, "program_hash"), text(m, "protocol"), text(m, "security"),
          text(m, "attestation"), whole(m, "bytes_sent"),
          whole(m, "bytes_received"), whole(m, "messages_sent"), whole(m, "messages_received"), whole(m, "rounds"), real(m, "wall_seconds"),
          real(m, "cpu_seconds"), whole(m, "peak_memory_bytes"), whole(m, "offline_bytes_sent"), real(m, "offline_seconds"), layers);
    } catch (IllegalArgumentException | ClassCastException | NullPointerException | ArithmeticException e) {
      throw new MusketeerException("not a party report (" + e.getMessage() + ")");
    }
  }

  private static String text(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof String s)) throw new IllegalArgumentException("no string '" + key + "'");
    return s;
  }

  private static double real(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Double d)) throw new IllegalArgumentException("no number '" + key + "'");
    return d;
  }

  private static long whole(Map<?, ?> m, String key) {
    double d = real(m, key);
    if (d != Math.rint(d)) throw new IllegalArgumentException("'" + key + "' is not a whole number");
    return (long) d;
  }

  private static int integer(Map<?, ?> m, String key) {
    return Math.toIntExact(whole(m, key));
  }

  private static StringBuilder field(StringBuilder sb, String key, String value) {
    return sb.append("  ").append(quote(key)).append(": ").append(quote(value));
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        default -> {
          if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    return sb.append('"').toString();
  }
}
