#!/usr/bin/env bash
# Builds librdkafka from source once and caches it outside the clone, keyed by version.
# Confluent.Kafka 2.15.1 needs librdkafka 2.15.x; Debian ships 2.0.2 and the NuGet native
# package is not available here, so the C source is taken from the npm package that
# vendors it. Prints the path of the built shared library.
# Built with OpenSSL (--enable-ssl makes configure fail rather than silently leave it out),
# which gives TLS, mutual TLS and librdkafka's own SASL/SCRAM; --disable-gssapi (alias
# --disable-sasl) leaves out only Cyrus SASL, i.e. Kerberos, which the pipeline does not use.
set -euo pipefail
# Only the library path goes to stdout (the caller captures it); all else goes to stderr.
exec 3>&1 1>&2

version="2.15.1"
npm_package="@confluentinc/kafka-javascript@1.10.1"   # vendors librdkafka 2.15.1 in deps/librdkafka
cache_root="${CONTESTPIPELINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/contestpipeline}"
target="$cache_root/librdkafka-$version"
lib="$target/librdkafka.so.1"
# Bumped whenever the patches below change, so a cached build made without them is rebuilt.
revision="mock-rejoin-1"

if [ -f "$lib" ] && [ "$(cat "$target/revision" 2>/dev/null)" = "$revision" ]; then
  echo "$lib" >&3
  exit 0
fi

need=()
for pkg in gcc make libssl-dev zlib1g-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing build dependencies: ${need[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
command -v npm >/dev/null || { echo "npm is required to fetch the librdkafka $version source" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "building librdkafka $version (once; cached in $target) ..." >&2
(cd "$work" && npm pack --silent "$npm_package" >/dev/null && tar xzf ./*.tgz)
src="$work/package/deps/librdkafka"
grep -q "RD_KAFKA_VERSION  *0x020f01" "$src/src/rdkafka.h" \
  || { echo "the npm package does not carry librdkafka $version" >&2; exit 1; }
# One patch, to the mock cluster only (the local test broker; no client code changes):
# a classic-group member that sends JoinGroup again while its previous JoinGroup is still
# unanswered (its request timed out and it retried, or it rejoined on a new connection)
# aborts the whole broker process on `rd_assert(!member->resp)`. A real coordinator answers
# the latest request; the patch drops the superseded one instead of aborting. Seen under the
# fault campaign's two instances per group, with workers killed and brokers taken down.
perl -0pi -e 's/(rd_kafka_mock_cgrp_classic_protos_destroy\(member->protos,\s*member->proto_cnt\);\s*member->protos\s*= protos;\s*member->proto_cnt = proto_cnt;\s*)rd_assert\(!member->resp\);/$1if (member->resp) {\n                rd_kafka_buf_destroy(member->resp);\n                member->resp = NULL;\n        }/' "$src/src/rdkafka_mock_cgrp.c"
grep -q "rd_assert(!member->resp);" <(sed -n '/rd_kafka_mock_cgrp_classic_member_add(/,/^}/p' "$src/src/rdkafka_mock_cgrp.c") \
  && { echo "the mock cluster patch did not apply to librdkafka $version" >&2; exit 1; }
(cd "$src" \
  && ./configure --prefix="$target" --enable-ssl --disable-gssapi --disable-curl --disable-sasl >"$work/configure.log" 2>&1 \
  && make -j"$(nproc)" libs >"$work/make.log" 2>&1) \
  || { echo "librdkafka build failed; last lines of the log:" >&2; tail -20 "$work"/*.log >&2; exit 1; }

mkdir -p "$target.tmp"
cp "$src/src/librdkafka.so.1" "$target.tmp/"
echo "$revision" >"$target.tmp/revision"
rm -rf "$target"
mv "$target.tmp" "$target"
echo "$lib" >&3
