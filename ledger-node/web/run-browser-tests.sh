#!/usr/bin/env bash
# Tests of the citizens' web page: the verification code under node's test
# runner, then the page in a real headless browser (Debian's chromium driven
# by playwright-core; no browser is ever downloaded) against a real
# `ledger-node --demo`. Installs what is missing, builds the node if needed,
# exits non-zero on any failure. Called from .ci/run.
#
#   ledger-node/web/run-browser-tests.sh
#
# Environment: CHROMIUM (default /usr/bin/chromium), CARGO_TARGET_DIR,
# LEDGER_NODE_BIN (default $CARGO_TARGET_DIR/debug/ledger-node).
set -euo pipefail
cd "$(dirname "$0")"
WEB="$(pwd)"
ROOT="$(cd ../.. && pwd)"

say() { printf '\n== %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
apt_install() {
  say "apt-get install $*"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@"
}

missing=()
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
# A system CJK font: the screenshots use it, and tests/fonts.test.mjs checks
# that the page then does not download its own subset font (it also checks
# the page without any CJK font, through its own fontconfig).
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  apt_install fonts-wqy-microhei || echo "warning: no CJK font; screenshots would show boxes (tests are unaffected)"
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error(`node ${process.versions.node} is too old: need >= 20.19`); process.exit(1) }'

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi

say "checking that the committed dist/ is what src/ builds to"
node build.mjs --check

export LEDGER_NODE_BIN="${LEDGER_NODE_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/ledger-node}"
# The same package set as bench/smoke.sh, so that cargo resolves the same
# features and the second build is a no-op rather than a rebuild of deps.
say "cargo build -p ledger-node -p ledger-bench -p ledger-cli"
(cd "$ROOT" && cargo build --locked -q -p ledger-node -p ledger-bench -p ledger-cli)

say "node --test (unit + browser)"
cd "$WEB"
node --test tests/code.test.mjs tests/font-chars.test.mjs tests/logtrust.test.mjs tests/verify.test.mjs tests/fuzz.test.mjs tests/browser.test.mjs tests/projects.test.mjs tests/citizens.test.mjs tests/trust.test.mjs tests/fonts.test.mjs tests/static-tiles.test.mjs tests/static.test.mjs
