#!/usr/bin/env bash
# test.sh runs every test of gosio: go vet, the race-enabled Go tests of the
# library (unit, raw-wire, interop with the official npm clients, the browser
# test of the chat example), the bench module's build and unit tests, and the
# official Engine.IO v4 and Socket.IO v5 protocol suites (conformance/).
#
# It installs what the tests need when it is missing: the npm packages of
# package-lock.json (npm ci), a Redis on 127.0.0.1:6379 and, when run as
# root, Debian's chromium and redis-server. With
# CI=true a missing prerequisite fails the tests instead of skipping them.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== apt-get install chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing (apt-get install chromium): the browser test will skip unless CI=true" >&2
  fi
fi

# The Redis adapter's tests need a Redis on 127.0.0.1:6379 (and
# redis-server itself, for the restart test).
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== apt-get install redis-server"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  if command -v redis-server >/dev/null 2>&1; then
    echo "== redis-server"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  else
    echo "redis-server is missing (apt-get install redis-server): the Redis tests will skip unless CI=true" >&2
  fi
fi

# python-socketio, the client of the Python interop tests, from Debian's
# packages in the system interpreter (internal/pythontest uses /usr/bin/python3).
if ! /usr/bin/python3 -c 'import socketio, requests, websocket' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== apt-get install python3-socketio"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-socketio python3-requests python3-websocket >/dev/null
  else
    echo "python3-socketio is missing (apt-get install python3-socketio python3-requests python3-websocket): the Python interop tests will skip unless CI=true" >&2
  fi
fi

echo "== go vet"
go vet ./...
(cd bench && go vet ./...)
(cd interop/goclient && go vet ./...)

echo "== go test -race"
# The upgrade stress tests hold real clients to 50 ms acks: they run on
# their own afterwards, one package at a time, so that no other tests share the cores
# with them.
stress='^TestInteropUpgradeUnderLoad$'
go test -race -count=1 -timeout 20m -skip "$stress" ./...
go test -race -count=1 -p 1 -timeout 5m -run "$stress" ./sio/engineio ./sio/socketio
(cd bench && go test -count=1 ./...)
# Interop with the zishang520 Go client, in a module of its own.
(cd interop/goclient && go test -race -count=1 ./...)

# The official protocol suites live outside the repository (../shared/protocol-suites
# beside the clone, or GOSIO_PROTOCOL_SUITES); they are read-only there, so each
# run works on a copy in a temporary folder.
suites=${GOSIO_PROTOCOL_SUITES:-$(pwd)/../shared/protocol-suites}
if [ -d "$suites/engine.io-protocol/v4-test-suite" ] && [ -d "$suites/socket.io-protocol/v5-test-suite" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp -r "$suites/engine.io-protocol/v4-test-suite" "$tmp/eio"
  cp -r "$suites/socket.io-protocol/v5-test-suite" "$tmp/sio"
  chmod -R u+w "$tmp"
  echo "== official Engine.IO v4 suite"
  conformance/run-official.sh engine.io "$tmp/eio"
  echo "== official Socket.IO v5 suite"
  conformance/run-official.sh socket.io "$tmp/sio"
elif [ "${CI:-}" = true ]; then
  echo "official protocol suites not found in $suites (set GOSIO_PROTOCOL_SUITES)" >&2
  exit 1
else
  echo "official protocol suites not found in $suites: skipped (set GOSIO_PROTOCOL_SUITES)" >&2
fi
