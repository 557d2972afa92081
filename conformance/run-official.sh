#!/usr/bin/env bash
# run-official.sh SUITE SUITE_DIR
#
# Runs an official Socket.IO protocol test suite against gosio's fixture
# server. SUITE is "engine.io" (docs/engine.io-protocol/v4-test-suite) or
# "socket.io" (docs/socket.io-protocol/v5-test-suite); SUITE_DIR is a copy of
# that folder of the socketio/socket.io repository, outside this repository
# (the suites are never committed here). The fixture listens on port 3000 as
# the suite's README asks. The last line printed is "N passed, M failed";
# the exit status is 0 only when every test passed.
set -euo pipefail

suite=${1:?usage: run-official.sh engine.io|socket.io SUITE_DIR}
dir=${2:?usage: run-official.sh engine.io|socket.io SUITE_DIR}
here=$(cd "$(dirname "$0")" && pwd)

case "$suite" in
  engine.io) fixture=engineio-fixture ;;
  socket.io) fixture=socketio-fixture ;;
  *) echo "unknown suite: $suite (engine.io or socket.io)" >&2; exit 2 ;;
esac

bin=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$bin"' EXIT
(cd "$here/.." && go build -o "$bin/fixture" "./conformance/$fixture")

"$bin/fixture" -addr 127.0.0.1:3000 >"$bin/fixture.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null; then break; fi
  sleep 0.1
done
# A fixture that could not listen (port 3000 taken by another server) must
# not let the suite run against whatever holds the port.
sleep 0.3
if ! kill -0 "$pid" 2>/dev/null; then
  echo "the fixture server did not start:" >&2
  cat "$bin/fixture.log" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

cd "$dir"
[ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null
set +e
npx mocha --reporter spec test-suite.js 2>&1 | tee "$bin/mocha.out"
set -e

passed=$(grep -Eo '^ *[0-9]+ passing' "$bin/mocha.out" | grep -Eo '[0-9]+' || echo 0)
failed=$(grep -Eo '^ *[0-9]+ failing' "$bin/mocha.out" | grep -Eo '[0-9]+' || echo 0)
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" != 0 ]
