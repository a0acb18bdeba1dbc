#!/usr/bin/env bash
# The measurements of the 16-core machine, in one run (see docs/measurements.md). Run from the
# project root on a machine with `node` on PATH, the project built (dist/) and its runtime
# dependencies installed; writes one log per measurement into $OUT (default ./out).
set -u
OUT=${OUT:-out}
mkdir -p "$OUT"
M=dist/src/cli/main.js
# ONLY="name ..." runs just those measurements (a session with little device time left).
run() { # name, timeout seconds, command...
  local name=$1 limit=$2; shift 2
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then return; fi
  echo "== $name: $*" | tee -a "$OUT/summary.txt"
  timeout "$limit" "$@" > "$OUT/$name.txt" 2>&1
  echo "   exit $? ; last line: $(tail -n 1 "$OUT/$name.txt" | cut -c1-400)" | tee -a "$OUT/summary.txt"
}
{ node --version; nproc; lscpu | grep -E 'Model name|Socket|Core|Thread|NUMA' ; } > "$OUT/machine.txt" 2>&1
# Three runs of bench urpc: its figures move with where the hypervisor puts the two threads.
for k in 1 2 3; do run urpc$k 90 node $M bench urpc --json --rounds 20000; done
run boot16 90 node $M bench boot --cores 16 --runs 5 --json
run boot2 60 node $M bench boot --cores 2 --runs 5 --json
run skb16 90 node $M boot --cores 16 --json
run skb16-nopin 90 node $M boot --cores 16 --no-pin --json
run host-model 120 node $M skb --cores 16 --save-machine "$OUT/host-16vcpu.json"
run rpc 120 node $M bench rpc --json
run rpc16 120 node $M bench rpc --cores 16 --json
run kv2 120 node $M bench kv --cores 2 --json
run kv16 180 node $M bench kv --cores 16 --json
run idle16 60 node $M bench idle --cores 16 --json
run start16 120 node $M start --cores 16
run shootdown 150 node $M bench shootdown --real --core-counts 2,4,8,16 --json
run unmap 150 node $M bench unmap --cores 16 --json
run sharing 120 node $M bench sharing --json
# One file for all logs (the device tool brings back at most eight files).
if [ "${COMBINE:-0}" = 1 ]; then
  for f in "$OUT"/*.txt; do echo "===== $(basename "$f")"; cat "$f"; done > "$OUT/all.log"
  find "$OUT" -name '*.txt' ! -name summary.txt -delete  # the machine file (.json) stays
fi
