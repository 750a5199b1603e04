package io.musketeer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.musketeer.MusketeerException;
import org.junit.jupiter.api.Test;

class MusketeerExceptionTest {
  @Test
  void aMessageQuotingAFileStaysOneLine() {
    String m = new MusketeerException("node 'relu' reads 'bn\n\n\u001b[2J\u2028x', which is not in the graph").getMessage();
    assertEquals("node 'relu' reads 'bn\\n\\n\\x1b[2J\\u2028x', which is not in the graph", m);
  }

  @Test
  void plainMessagesAreUnchanged() {
    String plain = "the server at 10.0.0.2:7001 presented certificate sha256:ab, the peers file pins sha256:cd (ü ok)";
    assertEquals(plain, new MusketeerException(plain, new RuntimeException()).getMessage());
  }

  @Test
  void theC0AndC1ControlRangesAreEscapedAndTheirNeighboursAreNot() {
    String m = MusketeerException.oneLine("a\u001f \u007f\u009f\u00a0\u0100\u2029b");
    assertEquals("a\\x1f \\x7f\\x9f\u00a0\u0100\\u2029b", m);
  }
}
