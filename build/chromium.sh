#!/usr/bin/env bash
# Debian's Chromium for the console's browser tests (Playwright drives it; Playwright's own
# browser download cannot work on these machines). Installed once with apt-get, as root;
# prints the executable's path.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then echo /usr/bin/chromium; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium is not installed and this is not root: install it with 'sudo apt-get install -y chromium'" >&2
  exit 1
fi
echo "installing Debian's chromium (once) ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >&2
echo /usr/bin/chromium
