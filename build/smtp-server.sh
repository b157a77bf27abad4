#!/usr/bin/env bash
# Debian's aiosmtpd, the real SMTP server the notification sender's tests deliver operators' email to
# (on loopback). Installed once with apt-get, as root; prints the Python that runs it (Debian's own,
# whose packages it is installed among, whatever other Python is first on the PATH).
set -euo pipefail
python=/usr/bin/python3
if [ -x "$python" ] && "$python" -c 'import aiosmtpd' 2>/dev/null; then echo "$python"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "python3-aiosmtpd is not installed and this is not root: install it with 'sudo apt-get install -y python3-aiosmtpd'" >&2
  exit 1
fi
echo "installing Debian's python3-aiosmtpd (once) ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq python3-aiosmtpd >&2
echo "$python"
