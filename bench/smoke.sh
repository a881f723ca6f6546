#!/usr/bin/env bash
# Benchmark harness, smoke mode: every mode of ledger-bench on a small ledger
# (2,000 entries: verification, batch ingest, single submissions at 64
# clients, village queries and proofs, memory, storage), then each criterion
# micro-benchmark once. Timings are printed, never asserted: this only proves
# the harness still works. No PostgreSQL (bench/full.sh runs the baseline).
# Uses the dev profile, which `cargo test` has already built.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

cargo build --locked -q -p ledger-node -p ledger-bench -p ledger-cli
./target/debug/ledger-bench --smoke --modes verify,ingest,single,read \
  --ledger-bin ./target/debug/ledger --out target/bench-smoke.json
# The bulk path as `ledger post` sends it: each request one atomic group.
./target/debug/ledger-bench --smoke --modes ingest --atomic --out target/bench-smoke-atomic.json
# Publication under ingest (no publication, then to a folder): the lag
# sampler and the wait for the bucket to catch up.
./target/debug/ledger-bench --smoke --modes publish --publish file --out target/bench-smoke-publish.json

# Criterion micro-benchmarks, each run once (criterion's test mode).
cargo test --locked -q -p ledger-core --bench core

echo "bench smoke: finished in $(( $(date +%s) - started )) s"
