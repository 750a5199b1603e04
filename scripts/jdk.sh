# Sourced by the launcher and test scripts: picks a JDK >= 21 into JAVA_HOME, and starts java quietly.
# Order: an existing JAVA_HOME if new enough, `java` on PATH, then JDKs under /usr/lib/jvm.
musketeer_java_major() {
  # the JDK's release file says it without starting a JVM (two starts cost the launcher 0.2 s)
  local v=""
  [ -f "$1/release" ] && v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
  [ -n "$v" ] || v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
  echo "$v"
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

# Every start of a JVM with the Vector API module prints "WARNING: Using incubator modules" on stderr,
# and no JVM flag silences it. So java starts with its stderr going through a filter that drops that
# one line, the real stderr waiting as descriptor 3; once main runs, the CLI points its stderr back at
# descriptor 3 (cli/.../StartupStderr.java) and the filter ends. Replaces this shell with java.
musketeer_exec_java() {
  if [[ -e /dev/fd/2 ]]; then # (a closed stderr stays closed)
    exec 3>&2
    export MUSKETEER_STDERR="3:$$"
    exec "$@" 2> >(musketeer_drop_incubator_warning >&3)
  fi
  exec "$@"
}
musketeer_drop_incubator_warning() {
  trap '' INT # Ctrl-C stops java, which then closes this pipe
  local line
  for _ in 1 2 3 4 5 6 7 8; do
    if ! IFS= read -r line; then printf '%s' "$line"; return 0; fi
    [ "$line" = "WARNING: Using incubator modules: jdk.incubator.vector" ] && exec cat
    printf '%s\n' "$line"
  done
  exec cat
}
