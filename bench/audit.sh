#!/usr/bin/env bash
# The audit benchmark (issue 16): `ledger verify` and `ledger audit` with
# three compare lists (deceased, public employees, vehicles) on the demo
# ledger, timed by ledger-cli/tests/audit_bench.rs. Timings are printed
# (AUDIT-BENCH line), never asserted.
#
#   bench/audit.sh --smoke        # 2,000 entries, 1,000 rows per list (dev profile; CI)
#   bench/audit.sh                # 1,000,000 entries, 100,000 rows per list: the data made
#                                 # by the test (dev profile), `ledger` timed in release
#   bench/audit.sh screenshots    # the HTML report of a 20,000-entry demo, pages 1-3 as PNG
#                                 # into docs/screenshots/ (headless Chromium)
#
# Environment: AUDIT_BENCH_ENTRIES, AUDIT_BENCH_ROWS, AUDIT_BENCH_DIR (keep
# the bundle, lists and report there), CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-full}" in
  --smoke)
    cargo test --locked -q -p ledger-cli --test audit_bench -- --nocapture audit_bench_smoke 2>&1 | grep -E 'AUDIT-BENCH|test result'
    ;;
  screenshots)
    dir="${AUDIT_BENCH_DIR:-target/audit-screenshots}"
    mkdir -p "$dir"
    dir="$(realpath "$dir")"   # the test runs in ledger-cli/
    AUDIT_BENCH_DIR="$dir" AUDIT_BENCH_ENTRIES=20000 AUDIT_BENCH_ROWS=5000 \
      cargo test --locked -q -p ledger-cli --test audit_bench -- --ignored --nocapture audit_bench_full 2>&1 | grep AUDIT-BENCH
    vkey=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['log_vkey'])" "$dir/audit.json")
    (cd "$dir" && "$OLDPWD/target/debug/ledger" -q audit demo.bundle --log-key "$vkey" \
      --pseudonym-key pseudonym.key --compare deceased=deceased.csv \
      --compare public_employee=public_employee.csv --compare vehicle=vehicle.csv \
      --format html --out report.html)
    # One HTML file per A4 page (the report's sections), each shot at A4 size.
    python3 - "$dir/report.html" <<'PY'
import sys
path = sys.argv[1]
s = open(path, encoding="utf-8").read()
starts, k = [], 0
while (k := s.find('<section class="page">', k)) >= 0:
    starts.append(k)
    k += 5
starts.append(s.rfind("</body>"))
for n in range(3):
    open(path.replace("report.html", f"page{n + 1}.html"), "w", encoding="utf-8").write(
        s[: starts[0]] + s[starts[n] : starts[n + 1]] + "</body></html>")
PY
    for n in 1 2 3; do
      "${CHROMIUM:-/usr/bin/chromium}" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size=794,1123 --screenshot="docs/screenshots/audit-report-page$n.png" \
        "file://$(realpath "$dir")/page$n.html" 2>/dev/null
    done
    ls -l docs/screenshots/audit-report-page*.png
    ;;
  full)
    if [ -n "${AUDIT_BENCH_DIR:-}" ]; then mkdir -p "$AUDIT_BENCH_DIR"; export AUDIT_BENCH_DIR="$(realpath "$AUDIT_BENCH_DIR")"; fi
    cargo build --locked --release -q -p ledger-cli
    AUDIT_BENCH_LEDGER="$(pwd)/target/release/ledger" \
    AUDIT_BENCH_ENTRIES="${AUDIT_BENCH_ENTRIES:-1000000}" AUDIT_BENCH_ROWS="${AUDIT_BENCH_ROWS:-100000}" \
      cargo test --locked -q -p ledger-cli --test audit_bench -- --ignored --nocapture audit_bench_full 2>&1 \
      | grep -E 'AUDIT-BENCH|prepared|test result'
    ;;
  *)
    echo "usage: bench/audit.sh [--smoke|screenshots]" >&2
    exit 2
    ;;
esac
