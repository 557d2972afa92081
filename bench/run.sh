#!/usr/bin/env bash
# Runs the whole gosio benchmark (about 12 minutes on a 2-core machine) and
# writes bench/RESULTS.md with its charts. Arguments go to the runner, e.g.
#   bench/run.sh -scenarios S1,S3 -servers node,rawws -reps 1
set -euo pipefail
cd "$(dirname "$0")"
command -v taskset >/dev/null || { echo "run.sh: taskset (util-linux) is needed" >&2; exit 1; }
command -v node >/dev/null || { echo "run.sh: node is needed for the Node.js server" >&2; exit 1; }
mkdir -p bin results
go build -o bin/bench ./cmd/bench
# The runner builds the servers (gosio with -tags gosio), runs `npm ci` in
# node/ when needed, and pins itself to core 1 and the servers to core 0.
exec bin/bench "$@"
