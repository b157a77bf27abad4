#!/usr/bin/env bash
# Generates the local message-signing keys once, outside the clone: one random HMAC-SHA256
# key per producer (<dir>/<producer>/local-1.key, the base64 of 32 bytes, mode 600). Keys that
# exist are kept, so every local run, test and demo signs and verifies with the same set.
# Production keys come from the operator's secret store, never from here. Prints the directory.
set -euo pipefail
exec 3>&1 1>&2

cache_root="${CONTESTPIPELINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/contestpipeline}"
dir="${CONTESTPIPELINE_SIGNING_KEYS_DIR:-$cache_root/signing-keys}"
# The producers of src/Contracts/Authentication/Producers.cs.
producers=(ingestion scoring settlement payout webhooks entry-api operator operations notifier)

umask 077
for producer in "${producers[@]}"; do
  mkdir -p "$dir/$producer"
  if compgen -G "$dir/$producer/*.key" >/dev/null; then continue; fi
  tmp="$(mktemp "$dir/$producer/.local-1.XXXXXX")"
  head -c 32 /dev/urandom | base64 >"$tmp"
  # First writer wins when two runs start at once; the loser's key is dropped.
  mv -n "$tmp" "$dir/$producer/local-1.key"
  rm -f "$tmp"
  echo "generated the local signing key of $producer in $dir/$producer" >&2
done
echo "$dir" >&3
