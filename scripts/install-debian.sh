#!/usr/bin/env bash
# Installs Debian packages the tests need and nothing downloads at run time: Chromium for the
# browser tests (Playwright drives it), HAProxy for the scale test (deploy/haproxy/haproxy.cfg).
# Usage: scripts/install-debian.sh "what they are for" package...
set -euo pipefail
purpose=$1
shift
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing for $purpose: install Debian's $* (sudo apt-get install $*) and run make again." >&2
  exit 1
fi
echo "Installing Debian's $* for $purpose..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
