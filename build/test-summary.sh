#!/usr/bin/env bash
# Prints the plain last line "N passed, N failed" from a TRX file's counters (skipped tests, if
# any, on the line before): the real results, never a constant. Fails if the file is missing or
# no test ran.
set -euo pipefail
trx="${1:?usage: test-summary.sh results.trx}"
[ -f "$trx" ] || { echo "no test results at $trx"; echo "0 passed, 1 failed"; exit 1; }
counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
attr() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
total="$(attr total)"; passed="$(attr passed)"; failed="$(attr failed)"
executed="$(attr executed)"; errors="$(attr error)"; timeout="$(attr timeout)"; aborted="$(attr aborted)"
failed=$(( ${failed:-0} + ${errors:-0} + ${timeout:-0} + ${aborted:-0} ))
skipped=$(( ${total:-0} - ${executed:-0} ))
if [ "${executed:-0}" -eq 0 ]; then
  echo "no test was executed"
  echo "0 passed, 1 failed"
  exit 1
fi
[ "$skipped" -eq 0 ] || echo "${skipped} skipped"
echo "${passed:-0} passed, ${failed} failed"
[ "$failed" -eq 0 ]
