package io.musketeer.nitro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.authlete.cbor.CBORByteArray;
import com.authlete.cbor.CBORDecoder;
import com.authlete.cbor.CBORPair;
import com.authlete.cbor.CBORPairList;
import com.authlete.cbor.CBORString;
import io.musketeer.compiler.Compiler;
import io.musketeer.core.FloatTensor;
import io.musketeer.core.Shape;
import io.musketeer.ir.Graph;
import io.musketeer.ir.Op;
import io.musketeer.ir.Program;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.attest.Policy;
import io.musketeer.mpc.attest.SessionSecurity;
import io.musketeer.mpc.net.Fingerprint;
import io.musketeer.mpc.runtime.SecureParty;
import io.musketeer.mpc.testkit.Attestation;
import io.musketeer.mpc.testkit.Parties;
import io.musketeer.mpc.testkit.ThreeParty;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A whole attested session with Nitro evidence (an NSM stand-in signing under a test PKI), over attested TLS. */
class NitroSessionTest {
  static Program program() {
    Graph.Builder b = new Graph.Builder();
    int x = b.add("x", new Op.Input("x", Shape.of(1, 8)));
    int w = b.add("w", new Op.Constant(new FloatTensor(Shape.of(8, 3), new float[24]), false));
    int mm = b.add("mm", new Op.MatMul(), x, w);
    int relu = b.add("relu", new Op.Relu(), mm);
    return Compiler.compile(b.build(relu), 12);
  }

  /** An NSM stand-in: the enclave image of {@code role} measures as PCRs seeded by its ordinal. */
  static NsmAttester nsm(TestNitro pki, int pcrSeed) {
    return new NsmAttester(request -> {
      CBORPairList f = (CBORPairList) ((CBORPairList) new CBORDecoder(request).next()).findByKey("Attestation").getValue();
      byte[] doc = pki.document(TestNitro.pcrs(pcrSeed), NitroVerifierTest.bytes(f, "user_data"), NitroVerifierTest.bytes(f, "nonce"),
          NitroVerifierTest.bytes(f, "public_key"), Instant.now());
      return new CBORPairList(new CBORPair(new CBORString("Attestation"), new CBORPairList(new CBORPair(new CBORString("document"),
          new CBORByteArray(doc))))).encode();
    });
  }

  @Test
  void partiesInNitroEnclavesRunAndAnotherImageIsRefused() {
    Program p = program();
    TestNitro pki = new TestNitro();
    StringBuilder policy = new StringBuilder("attestation = nitro\nnitro.root = " + Fingerprint.of(pki.root) + "\n");
    for (Party r : Party.values()) {
      policy.append("measurement.").append(r.label()).append(" = ").append(SecureParty.measurement(r, p, "porthos").digest()).append('\n');
      policy.append("nitro.pcr0.").append(r.label()).append(" = ").append("11".repeat(48)).append('\n');
    }
    Policy pol = Policy.parse(policy.toString(), "nitro test policy");
    Attestation.Links links = Attestation.forProgram(p, "porthos").withPolicy(pol).tls(ThreeParty.testTimeouts());
    Map<String, FloatTensor> in = Map.of("x", new FloatTensor(Shape.of(1, 8), new float[] {1, 2, 3, 4, 5, 6, 7, 8}));
    java.util.function.Function<Party, SessionSecurity> good = r -> SessionSecurity.malicious("nitro", nsm(pki, 0x11), pol,
        links.attestation().tlsKeys().get(r));
    Map<Party, Parties.Outcome> ok = Parties.run(r -> p, "porthos", in, links.connect(), good);
    ok.forEach((r, o) -> assertTrue(!o.failed(), r + ": " + o.failure()));
    assertEquals("nitro", ok.get(Party.CLIENT).result().report().attestation());

    Attestation.Links again = Attestation.forProgram(p, "porthos").withPolicy(pol).tls(ThreeParty.testTimeouts());
    Map<Party, Parties.Outcome> bad = Parties.run(r -> p, "porthos", in, again.connect(), r -> SessionSecurity.malicious("nitro",
        nsm(pki, r == Party.HELPER ? 0x21 : 0x11), pol, again.attestation().tlsKeys().get(r)));
    String m = bad.get(Party.CLIENT).failure().getMessage();
    assertTrue(m.contains("refused the helper: the helper's PCR0 is " + "21".repeat(48)), m);
    bad.values().forEach(o -> assertTrue(o.failed()));
  }
}
