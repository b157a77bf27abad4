#!/usr/bin/env bash
# Debian's Prometheus for the monitoring tests: promtool checks and unit-tests deploy/prometheus's
# rules, and a real Prometheus scrapes the processes of a contest run to PAID. Installed once with
# apt-get, as root; prints the directory holding prometheus and promtool.
set -euo pipefail
if [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; then echo /usr/bin; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "prometheus is not installed and this is not root: install it with 'sudo apt-get install -y prometheus'" >&2
  exit 1
fi
echo "installing Debian's prometheus (once) ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# The tests start their own server on a free port, whatever the package's own service does.
apt-get install -y -qq --no-install-recommends prometheus >&2
echo /usr/bin
