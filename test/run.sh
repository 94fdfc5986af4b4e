#!/bin/sh
# The one test command (`npm test`): installs what it needs, then runs every suite.
# Works on a fresh clone: npm deps, Debian Chromium when missing, WASM build, types,
# layering lint, unit/property/compliance tests, production build, Playwright e2e.
set -eu
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "› installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "› installing Debian Chromium"
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

step() { echo; echo "━━ $1"; }
step "wasm kernel";   npm run -s build:wasm
step "types";         npm run -s typecheck
step "layering lint"; npm run -s lint
step "generated protocol code matches the .proto files"
proto_tmp=$(mktemp -d)
cp -r src/net/protocols "$proto_tmp/"
npx protons "$proto_tmp"/protocols/*/pb/*.proto
for f in "$proto_tmp"/protocols/*/pb/*.ts; do
  cmp -s "$f" "src/net/protocols/${f#"$proto_tmp"/protocols/}" || { echo "stale generated code: src/net/protocols/${f#"$proto_tmp"/protocols/} (run npm run proto)"; exit 1; }
done
rm -rf "$proto_tmp"
step "unit, property and compliance tests"; npx vitest run
step "build";         npx vite build --logLevel warn
step "end-to-end (Playwright, Debian Chromium)"
# WebRTC tests need a private network namespace with a veth pair (Chromium never uses 127.0.0.1
# for WebRTC); all e2e suites run inside it. The disk-full test also mounts a small tmpfs.
# Both need root, as CI has.
if [ "$(id -u)" != "0" ] || ! unshare -n true 2>/dev/null; then
  echo "! the end-to-end tests need root: a private network namespace (WebRTC) and a tmpfs (disk full)" >&2
  exit 1
fi
sh test/netns.sh npx playwright test
