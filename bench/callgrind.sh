#!/usr/bin/env bash
# callgrind.sh counts the instructions a benchmark server spends on a fixed
# amount of S1 or S2 traffic (cmd/cgload), under valgrind's callgrind: the
# figure repeats within a fraction of a percent whatever the host does, so a
# change to a hot path can be compared where CPU time cannot.
#
#   bench/callgrind.sh BIN [ack|echo] [clients] [round-trips-per-client]
#   bench/callgrind.sh bench/bin/gosio ack 10 2000
#
# BIN is a server binary of bench/bin (built by run.sh). It prints the
# instructions per round trip, the total of a run without round trips
# (start-up, connects) taken off, and leaves the profile in
# results/callgrind.<name>.<mode> for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")"
bin=$(realpath "$1"); mode=${2:-ack}; n=${3:-10}; k=${4:-2000}
ack=true; [ "$mode" = echo ] && ack=false
mkdir -p results bin
go build -o bin/cgload ./cmd/cgload
port=3900

# count K: the instructions of the server for k round trips per client.
count() {
  local out=results/callgrind.$(basename "$bin").$mode.$1
  rm -f "$out" "$out".*
  while ss -ltn | grep -q ":$port "; do sleep 0.2; done
  PORT=$port GODEBUG=asyncpreemptoff=1 taskset -c 0 \
    valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" >results/callgrind.log 2>&1 &
  local vpid=$!
  for _ in $(seq 300); do grep -q ready results/callgrind.log && break; sleep 0.1; done
  taskset -c 1 bin/cgload -addr 127.0.0.1:$port -n "$n" -k "$1" -ack=$ack >/dev/null
  sleep 0.5
  # A dump, then SIGKILL: valgrind can fail on a Go server's signal
  # handling at exit, and the dump is all that is needed.
  callgrind_control -d "$vpid" >/dev/null 2>&1
  kill -KILL "$vpid"; wait "$vpid" 2>/dev/null || true
  local f; f=$(ls -S "$out"* | head -1)
  mv "$f" "$out"; rm -f "$out".*
  grep '^summary' "$out" | awk '{print $2}'
}
base=$(count 0)
total=$(count "$k")
echo "$(basename "$bin") $mode: $(( (total - base) / (n * k) )) instructions per round trip ($total in all, $base without round trips)"
