#!/usr/bin/env bash
# The contract tools from npm that the contract tests run on docs/contracts: the AsyncAPI
# initiative's own parser (@asyncapi/parser) for asyncapi.yaml, and ajv for the JSON Schemas
# and the topic pages' examples. Exact versions, installed once into a folder outside the
# clone keyed by those versions (like librdkafka); prints the folder that holds node_modules.
set -euo pipefail
packages=("@asyncapi/parser@3.6.3" "ajv@8.20.0" "ajv-formats@3.0.1")
key="$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-12)"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/contestpipeline/contract-tools-$key"
if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi
command -v npm >/dev/null || { echo "npm is not installed: install Debian's nodejs and npm (apt-get install -y nodejs npm)" >&2; exit 1; }
echo "installing the contract tools from npm (once): ${packages[*]} ..." >&2
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
echo '{"name":"contestpipeline-contract-tools","private":true}' >"$dir.tmp/package.json"
npm install --prefix "$dir.tmp" --save-exact --no-audit --no-fund --loglevel=error "${packages[@]}" >&2
touch "$dir.tmp/.complete"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir"
