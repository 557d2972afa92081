#!/usr/bin/env bash
# test.sh runs every test of gosio: go vet, the race-enabled Go tests of the
# library (unit, raw-wire, interop with the official npm clients, the browser
# test of the chat example) and the bench module's build and unit tests.
#
# It installs what the tests need when it is missing: the npm packages of
# package-lock.json (npm ci) and, when run as root, Debian's chromium. With
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

echo "== go vet"
go vet ./...
(cd bench && go vet ./...)

echo "== go test -race"
go test -race -count=1 -timeout 20m ./...
(cd bench && go test -count=1 ./...)
