#!/usr/bin/env bash
# Installs the OS packages the project needs on a fresh Debian machine: Maven and a JDK >= 21
# where none is present. Everything else comes through Maven.
set -euo pipefail
. "$(dirname "$0")/jdk.sh"
need=()
command -v mvn >/dev/null 2>&1 || need+=(maven)
musketeer_pick_jdk 2>/dev/null || need+=(openjdk-21-jdk-headless)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
fi
echo "setup: maven and a JDK >= 21 are present"
