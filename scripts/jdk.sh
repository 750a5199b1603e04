# Sourced by the launcher and test scripts: picks a JDK >= 21 into JAVA_HOME.
# Order: an existing JAVA_HOME if new enough, `java` on PATH, then JDKs under /usr/lib/jvm.
musketeer_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}
musketeer_pick_jdk() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for d in /usr/lib/jvm/*; do [ -x "$d/bin/javac" ] && candidates+=("$d"); done
  local c v
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(musketeer_java_major "$c")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 21 ] 2>/dev/null; then
      export JAVA_HOME="$c"
      MUSKETEER_JAVA_MAJOR="${v%%.*}"
      return 0
    fi
  done
  echo "musketeer: needs a JDK 21 or newer; install one (e.g. apt-get install openjdk-21-jdk or a Temurin JDK) or set JAVA_HOME" >&2
  return 1
}
