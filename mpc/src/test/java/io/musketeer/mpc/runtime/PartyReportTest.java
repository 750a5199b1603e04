package io.musketeer.mpc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartyReportTest {
  private static final PartyReport REPORT = new PartyReport(Party.HELPER, "ab12", "porthos", "malicious", "software", 6_870_000_123L, 42, 7, 8, 301,
      15.25, 27.5, 436_000_000L, 2_000_000_000L, 3.125, List.of(
          new PartyReport.Layer(0, "conv1/\"odd\" name\\ with\nnewline", "Conv2D", 0.125, 1000, 2000, 2),
          new PartyReport.Layer(1, "relu\u0001", "Relu", 1.0625, 3, 4, 9)));

  @Test
  void jsonRoundTrips() {
    String json = REPORT.toJson();
    assertEquals(REPORT, PartyReport.fromJson(json));
    assertEquals(json, PartyReport.fromJson(json).toJson());
  }

  @Test
  void anEmptyLayerListRoundTrips() {
    PartyReport r = new PartyReport(Party.CLIENT, "h", "porthos", "semi-honest", "none", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of());
    assertEquals(r, PartyReport.fromJson(r.toJson()));
  }

  @Test
  void whatIsNotAReportIsOneError() {
    for (String bad : new String[] {"", "{", "[]", "{\"role\": \"client\"}", REPORT.toJson().replace("\"rounds\": 301", "\"rounds\": 3.5"),
        REPORT.toJson().replace("\"helper\"", "\"boss\""), REPORT.toJson() + "x"}) {
      var e = assertThrows(MusketeerException.class, () -> PartyReport.fromJson(bad), bad);
      assertTrue(e.getMessage().startsWith("not a party report"), e.getMessage());
    }
  }
}
