#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (Playwright drives it; it downloads nothing).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing: install Debian's 'chromium' package (sudo apt-get install chromium) and run make again." >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
