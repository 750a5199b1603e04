#!/usr/bin/env bash
# Mutation testing (PIT) of core, ir and mpc's protocols, on demand; not part of ./test.
# Reports: <module>/target/pit-reports/index.html; the scores and the surviving mutants judged
# equivalent are in TESTING.md. Without mpc's FastReLU package (-DexcludedClasses='io.musketeer.mpc.protocol.fast.*')
# it takes about 35 minutes on two cores; that package alone takes much longer (its tests run for minutes).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/mvnw" -B -P mutation -pl core,ir,mpc -am "$@" test-compile org.pitest:pitest-maven:mutationCoverage
for m in core ir mpc; do
  f="$here/$m/target/pit-reports/mutations.csv"
  [ -f "$f" ] || continue
  awk -F, -v m="$m" '{n++; s[$6]++} END {printf "%s: %d mutants, %d killed, %d timed out, %d survived, %d without coverage: score %.0f%%\n", m, n, s["KILLED"], s["TIMED_OUT"], s["SURVIVED"], s["NO_COVERAGE"], 100*(s["KILLED"]+s["TIMED_OUT"])/n}' "$f"
done
