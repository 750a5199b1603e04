package io.musketeer.mpc.net;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.musketeer.MusketeerException;

/**
 * The peers-file parser on arbitrary text: a peers file or one clear line, never another exception.
 * Regression inputs in {@code PeersFuzzTestInputs}; fuzz with {@code JAZZER_FUZZ=1} (see TESTING.md).
 */
class PeersFuzzTest {
  @DictionaryEntries({"client", "server", "helper", " = ", "127.0.0.1:7001", "[::1]:7002", "*", "# ", "\\x0A", "sha256:",
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
  @FuzzTest(maxDuration = "10s")
  void parse(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    try {
      Peers p = Peers.parse(text, "fuzz.conf");
      Peers again = Peers.parse(p.toFileText(), "again");
      if (!again.equals(p)) throw new AssertionError("toFileText does not read back: " + p);
    } catch (MusketeerException e) {
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }
}
