package io.musketeer.mpc.runtime;

import io.musketeer.mpc.Party;
import java.util.List;
import java.util.Locale;

/**
 * What one party measured in one run: traffic from its transport's counters, wall and CPU time, peak
 * memory, and the same per layer. Holds no values, shares or keys.
 */
public record PartyReport(
    Party role,
    String programHash,
    String protocol,
    long bytesSent,
    long bytesReceived,
    long messagesSent,
    long messagesReceived,
    long rounds,
    double wallSeconds,
    double cpuSeconds,
    long peakMemoryBytes,
    List<Layer> layers) {

  /** One program node: its op, time, and the bytes this party sent and received while running it. */
  public record Layer(int index, String name, String op, double seconds, long bytesSent, long bytesReceived, long rounds) {}

  public String toJson() {
    StringBuilder sb = new StringBuilder();
    sb.append("{\n");
    field(sb, "role", role.label()).append(",\n");
    field(sb, "program_hash", programHash).append(",\n");
    field(sb, "protocol", protocol).append(",\n");
    sb.append(String.format(Locale.ROOT,
        "  \"bytes_sent\": %d,\n  \"bytes_received\": %d,\n  \"messages_sent\": %d,\n  \"messages_received\": %d,\n  \"rounds\": %d,\n"
            + "  \"wall_seconds\": %.3f,\n  \"cpu_seconds\": %.3f,\n  \"peak_memory_bytes\": %d,\n",
        bytesSent, bytesReceived, messagesSent, messagesReceived, rounds, wallSeconds, cpuSeconds, peakMemoryBytes));
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
