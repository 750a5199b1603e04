package io.musketeer.mpc.attest;

import io.musketeer.MusketeerException;
import io.musketeer.mpc.Party;
import io.musketeer.mpc.net.Fingerprint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a party accepts from its peers in malicious mode: for each role, the measurements it may show
 * ({@code measurement.ROLE = sha256:HEX ...}, printed by {@code musketeer measure}) and the integrity
 * provider whose evidence it must bring ({@code attestation = NAME}, or {@code attestation.ROLE = NAME}
 * per role), and each provider's trust root and settings under its own prefix
 * ({@code software.authority = sha256:HEX}, {@code nitro.pcr0.server = HEX}, ...).
 *
 * <pre>
 * # musketeer attestation policy
 * attestation = software
 * software.authority = sha256:3b1f...
 * measurement.client = sha256:9c02...
 * measurement.server = sha256:51aa...
 * measurement.helper = sha256:e7d4...
 * </pre>
 *
 * <p>One {@code key = value ...} per line, {@code #} starts a comment; a key given twice adds values.
 * A party trusts only its own copy: a corrupted host that edits its party's policy can only make that
 * party (the adversary's own) accept more, never an honest party (SECURITY.md).
 */
public final class Policy {
  private final String source;
  private final Map<String, List<String>> values;

  private Policy(String source, Map<String, List<String>> values) {
    this.source = source;
    this.values = values;
  }

  /** @throws MusketeerException naming the file and line of what is wrong */
  public static Policy read(Path file) {
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (NoSuchFileException e) {
      throw new MusketeerException("policy file " + file + " does not exist");
    } catch (IOException e) {
      throw new MusketeerException("cannot read policy file " + file + " (" + e.getMessage() + ")");
    }
  }

  public static Policy parse(String text, String source) {
    Map<String, List<String>> v = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int hash = line.indexOf('#');
      if (hash >= 0) line = line.substring(0, hash);
      line = line.strip();
      if (line.isEmpty()) continue;
      int eq = line.indexOf('=');
      String where = source + " line " + (i + 1);
      if (eq <= 0) throw new MusketeerException(where + ": expected 'key = value', got '" + abbreviate(line) + "'");
      String key = line.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT);
      String rest = line.substring(eq + 1).strip();
      if (!key.matches("[a-z0-9][a-z0-9.-]*")) throw new MusketeerException(where + ": '" + abbreviate(key) + "' is not a policy key");
      if (rest.isEmpty()) throw new MusketeerException(where + ": '" + key + "' has no value");
      List<String> vals = v.computeIfAbsent(key, k -> new ArrayList<>());
      vals.addAll(Arrays.asList(rest.split("\\s+")));
      check(key, vals, where);
    }
    return new Policy(source, v);
  }

  private static void check(String key, List<String> vals, String where) {
    if (key.startsWith("measurement.")) {
      try {
        Party.parse(key.substring("measurement.".length()));
        for (String s : vals) Fingerprint.parse(s);
      } catch (IllegalArgumentException e) {
        throw new MusketeerException(where + ": " + e.getMessage());
      }
    } else if (key.equals("attestation") || key.startsWith("attestation.")) {
      if (key.startsWith("attestation.")) {
        try {
          Party.parse(key.substring("attestation.".length()));
        } catch (IllegalArgumentException e) {
          throw new MusketeerException(where + ": " + e.getMessage());
        }
      }
      if (vals.size() != 1) throw new MusketeerException(where + ": '" + key + "' names one provider");
    } else if (!key.contains(".")) {
      throw new MusketeerException(where + ": unknown policy key '" + key + "' (expected attestation, measurement.ROLE or PROVIDER.SETTING)");
    }
  }

  /** A policy from key/values (tests, and the throwaway policy of local runs). */
  public static Policy of(Map<String, List<String>> values) {
    StringBuilder sb = new StringBuilder();
    values.forEach((k, vs) -> sb.append(k).append(" = ").append(String.join(" ", vs)).append('\n'));
    return parse(sb.toString(), "policy");
  }

  /** The policy's text, one key per line (what {@link #parse} reads back). */
  public String text() {
    StringBuilder sb = new StringBuilder("# musketeer attestation policy\n");
    values.forEach((k, vs) -> sb.append(k).append(" = ").append(String.join(" ", vs)).append('\n'));
    return sb.toString();
  }

  /** Where the policy came from, for messages. */
  public String source() {
    return source;
  }

  /** The measurements {@code role} may show; empty if the policy names none. */
  public List<Fingerprint> measurements(Party role) {
    return values("measurement." + role.label()).stream().map(Fingerprint::parse).toList();
  }

  /** The provider whose evidence {@code role} must bring. */
  public String provider(Party role) {
    Optional<String> p = value("attestation." + role.label()).or(() -> value("attestation"));
    return p.orElseThrow(() -> new MusketeerException("policy " + source + " names no integrity provider for the " + role.label()
        + " (add 'attestation = software' or 'attestation." + role.label() + " = nitro')"));
  }

  /** The single value of {@code key}, if given. */
  public Optional<String> value(String key) {
    List<String> v = values.get(key);
    if (v == null || v.isEmpty()) return Optional.empty();
    if (v.size() > 1) throw new MusketeerException("policy " + source + ": '" + key + "' takes one value, it has " + v.size());
    return Optional.of(v.get(0));
  }

  /** Every value of {@code key}; empty if not given. */
  public List<String> values(String key) {
    return List.copyOf(values.getOrDefault(key, List.of()));
  }

  /** The keys that start with {@code prefix}. */
  public List<String> keys(String prefix) {
    return values.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "…" : s;
  }
}
