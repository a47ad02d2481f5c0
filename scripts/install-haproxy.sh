#!/usr/bin/env bash
# Installs Debian's HAProxy, the load balancer `make test-scale` puts in front of the replicas
# (deploy/haproxy/haproxy.cfg; the same file compose.yaml and the Kubernetes manifests use).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "HAProxy is missing: install Debian's 'haproxy' package (sudo apt-get install haproxy) and run make again." >&2
  exit 1
fi
echo "Installing Debian's haproxy for the scale test..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null
# The package starts a system-wide HAProxy on its default configuration; the tests run their own.
(service haproxy stop || pkill -x haproxy || true) >/dev/null 2>&1
