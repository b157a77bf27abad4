#!/usr/bin/env bash
# Generates the local message-signing keys once, outside the clone: one random HMAC-SHA256 key
# per (producer, consuming service) pair (<dir>/<producer>/<consumer>/local-1.key, the base64 of
# 32 bytes, mode 600). The pairs are not listed here: they come from the one identity definition
# (src/Deployment/Services.cs), which the development tool reads when it first loads the keys
# (tools/Local/Processes/LocalSigningKeys.cs, SigningKeys.CreateMissing). This script only makes
# the directory and throws away local keys of the old per-producer layout (<producer>/<key id>.key),
# which a key folder may no longer hold. Keys that exist are kept, so every local run, test and demo
# signs and verifies with the same set. Production keys come from the operator's secret store, never
# from here. Prints the directory.
set -euo pipefail
exec 3>&1 1>&2

cache_root="${CONTESTPIPELINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/contestpipeline}"
dir="${CONTESTPIPELINE_SIGNING_KEYS_DIR:-$cache_root/signing-keys}"

umask 077
mkdir -p "$dir"
for old in "$dir"/*/*.key; do
  [ -e "$old" ] || continue
  rm -f "$old"
  echo "removed the old-layout local key $old (local keys are pair keys now)" >&2
done
echo "$dir" >&3
