#!/usr/bin/env bash
# The long fuzz run (issue 11, item 7; docs/SECURITY.md, "Fuzzing"): every
# structure-aware fuzz target, Rust ones in release mode, FUZZ_CASES cases
# each (default 10,000,000), one after another at low priority (one core),
# then a table of cases, seconds, accepted/rejected counts and result per
# target. Exits non-zero if any target failed; a failure prints the case seed
# that replays it (FUZZ_SEED=… FUZZ_REPLAY=…).
#
#   fuzz/long-run.sh                                  # 10 million cases per target
#   FUZZ_CASES=100000 fuzz/long-run.sh                # a quick look
#   FUZZ_TARGETS="fuzz_bundle js_decode_entry" fuzz/long-run.sh
#   FUZZ_SEED=0x1234 fuzz/long-run.sh                 # another sequence of cases
#
# Environment: FUZZ_CASES, FUZZ_SEED (default 0x10d6_2019_0711, not CI's
# seed, so the long run does not start with the cases CI already ran),
# FUZZ_TARGETS (space-separated names, default all), FUZZ_REPORT (the
# tab-separated results, default target/fuzz-long-run.tsv), FUZZ_NICE
# (default 10). The page's targets need ledger-node/web/node_modules
# (`npm ci` there, or run ledger-node/web/run-browser-tests.sh once).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

export FUZZ_CASES="${FUZZ_CASES:-10000000}"
export FUZZ_SEED="${FUZZ_SEED:-0x10d620190711}"
export FUZZ_REPORT="${FUZZ_REPORT:-$ROOT/target/fuzz-long-run.tsv}"
NICE=(nice -n "${FUZZ_NICE:-10}")

# target  how to run it (package and test binary)  test path
RUST_TARGETS=(
  "fuzz_signed_submission_postcard|-p ledger-core --test fuzz_decoders|postcard::fuzz_signed_submission_postcard"
  "fuzz_sequenced_entry_postcard|-p ledger-core --test fuzz_decoders|postcard::fuzz_sequenced_entry_postcard"
  "fuzz_bundle|-p ledger-core --test fuzz_decoders|bundle::fuzz_bundle"
  "fuzz_checkpoint_note|-p ledger-core --test fuzz_decoders|checkpoint::fuzz_checkpoint_note"
  "fuzz_verifier_keys|-p ledger-core --test fuzz_decoders|verifier_keys::fuzz_verifier_keys"
  "fuzz_tlog_proof|-p ledger-core --test fuzz_decoders|tlog_proof::fuzz_tlog_proof"
  "fuzz_tile_path|-p ledger-core --test fuzz_decoders|tile_path::fuzz_tile_path"
  "fuzz_submissions_json|-p ledger-node --test fuzz_write|fuzz_submissions_json"
  "fuzz_submissions_framed|-p ledger-node --test fuzz_write|fuzz_submissions_framed"
  "fuzz_binary_answer|-p ledger-node --test fuzz_write|fuzz_binary_answer"
  "fuzz_csv_rows|-p ledger-cli --bin ledger|fuzz_csv::rows::fuzz_csv_rows"
  "fuzz_csv_cells|-p ledger-cli --bin ledger|fuzz_csv::cells::fuzz_csv_cells"
)
# target  node:test name pattern
JS_TARGETS=(
  "js_decode_entry|postcard decoder"
  "js_signed_note|signed-note and checkpoint"
  "js_verifier_key|verifier key parser"
)

wanted() {
  [ -z "${FUZZ_TARGETS:-}" ] && return 0
  for t in $FUZZ_TARGETS; do [ "$t" = "$1" ] && return 0; done
  return 1
}

mkdir -p "$(dirname "$FUZZ_REPORT")"
: >"$FUZZ_REPORT"
started=$(date +%s)
echo "== fuzz long run: FUZZ_CASES=$FUZZ_CASES FUZZ_SEED=$FUZZ_SEED, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"

echo "== building the Rust targets (release)"
"${NICE[@]}" cargo test --release --locked --no-run -q \
  -p ledger-core --test fuzz_decoders -p ledger-node --test fuzz_write -p ledger-cli --bin ledger

failed=0
for spec in "${RUST_TARGETS[@]}"; do
  IFS='|' read -r target how path <<<"$spec"
  wanted "$target" || continue
  echo "== $target"
  # shellcheck disable=SC2086 # $how is a list of cargo arguments
  if ! "${NICE[@]}" cargo test --release --locked -q $how -- --exact "$path" --nocapture --test-threads=1; then
    failed=1
    grep -q "^$target	" "$FUZZ_REPORT" || printf '%s\t-\t-\t-\t-\t%s\tFAILED (see above)\n' "$target" "$FUZZ_SEED" >>"$FUZZ_REPORT"
  fi
done

if [ -d ledger-node/web/node_modules ]; then
  for spec in "${JS_TARGETS[@]}"; do
    IFS='|' read -r target pattern <<<"$spec"
    wanted "$target" || continue
    echo "== $target"
    if ! (cd ledger-node/web && "${NICE[@]}" node --test --test-name-pattern="$pattern" tests/fuzz.test.mjs); then
      failed=1
      grep -q "^$target	" "$FUZZ_REPORT" || printf '%s\t-\t-\t-\t-\t%s\tFAILED (see above)\n' "$target" "$FUZZ_SEED" >>"$FUZZ_REPORT"
    fi
  done
else
  echo "== skipping the page's targets: no ledger-node/web/node_modules (npm ci there)"
  failed=1
fi

echo
echo "== results ($FUZZ_REPORT), $(( $(date +%s) - started )) s in all"
printf '| %-32s | %12s | %9s | %12s | %12s | %s\n' target cases seconds accepted rejected result
while IFS=$'\t' read -r target cases secs accepted rejected seed result; do
  printf '| %-32s | %12s | %9s | %12s | %12s | %s (seed %s)\n' "$target" "$cases" "$secs" "$accepted" "$rejected" "$result" "$seed"
done <"$FUZZ_REPORT"
exit "$failed"
