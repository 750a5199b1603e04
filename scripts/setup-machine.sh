#!/usr/bin/env bash
# Installs the OS packages the project needs on a fresh Debian 12 (bookworm) or 13 (trixie) machine:
# Maven, and a JDK >= 21 where none is present. Run it as root. Everything else comes through Maven.
#
# Where a JDK >= 21 comes from (Debian's archives as of 2026-12): Debian 13 has openjdk-21-jdk-headless
# and openjdk-25-jdk-headless. Debian 12 has openjdk-17 only, and bookworm-backports has no OpenJDK at
# all (trixie's openjdk-21 needs trixie's libc), so on Debian 12 the JDK comes from Adoptium's apt
# repository (packages.adoptium.net: temurin-21-jdk), the route Adoptium documents for Debian.
set -euo pipefail
. "$(dirname "$0")/jdk.sh"

say() { echo "setup: $*" >&2; }

need_maven=""
command -v mvn >/dev/null 2>&1 || need_maven=yes
need_jdk=""
musketeer_pick_jdk 2>/dev/null || need_jdk=yes
if [ -z "$need_maven" ] && [ -z "$need_jdk" ]; then
  say "maven and a JDK $MUSKETEER_JAVA_MAJOR ($JAVA_HOME) are present; nothing to do"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  say "missing:${need_maven:+ maven}${need_jdk:+ a JDK >= 21}; run this as root (it installs packages with apt-get)"
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "this script knows Debian's apt-get only; install Maven 3.8+ and a JDK 21+ by hand"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# The package's candidate version, or nothing when no configured source has it.
candidate() {
  apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v '^(none)$' || true
}

apt-get update -q
packages=()
[ -n "$need_maven" ] && packages+=(maven)
if [ -n "$need_jdk" ]; then
  for jdk in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
    if [ -n "$(candidate "$jdk")" ]; then
      packages+=("$jdk")
      need_jdk=""
      break
    fi
  done
fi
if [ ${#packages[@]} -gt 0 ]; then
  say "installing ${packages[*]}"
  apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

if [ -n "$need_jdk" ]; then
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  say "no JDK >= 21 in this machine's apt sources (Debian ${codename:-?} ships none); adding Adoptium's repository for temurin-21-jdk"
  apt-get install -y -q --no-install-recommends ca-certificates curl gnupg >/dev/null
  key=/etc/apt/keyrings/adoptium.gpg
  list=/etc/apt/sources.list.d/adoptium.list
  mkdir -p /etc/apt/keyrings
  if ! curl -fsSL --max-time 60 https://packages.adoptium.net/artifactory/api/gpg/key/public | gpg --dearmor --yes -o "$key"; then
    rm -f "$key"
    say "cannot reach packages.adoptium.net; install a JDK 21 or newer by hand (for example a Temurin tarball unpacked under /usr/lib/jvm) and run this again"
    exit 1
  fi
  echo "deb [signed-by=$key] https://packages.adoptium.net/artifactory/deb $codename main" >"$list"
  if ! apt-get update -q || [ -z "$(candidate temurin-21-jdk)" ]; then
    rm -f "$list" "$key" # leave apt as it was
    say "Adoptium's repository has no temurin-21-jdk for '$codename'; install a JDK 21 or newer by hand and run this again"
    exit 1
  fi
  apt-get install -y -q temurin-21-jdk
fi

if ! musketeer_pick_jdk || ! command -v mvn >/dev/null 2>&1; then
  say "installation finished but maven or a JDK >= 21 is still missing"
  exit 1
fi
say "ready: $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'), JDK $MUSKETEER_JAVA_MAJOR at $JAVA_HOME"
