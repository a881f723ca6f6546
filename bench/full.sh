#!/usr/bin/env bash
# The full benchmark run behind docs/PERFORMANCE.md: a 1,000,000-entry ledger
# (ENTRIES=… to change), every mode of ledger-bench, the PostgreSQL baseline,
# and the criterion micro-benchmarks. Installs PostgreSQL with apt-get if it
# is missing, runs it from a temporary cluster on a loopback port as the
# unprivileged `postgres` user, and stops it at the end.
#
#   bash bench/full.sh                 # everything (≈ 10-15 min on 2 cores)
#   ENTRIES=100000 bash bench/full.sh  # a quicker look
#   NODE_ENTRIES=200000 bash bench/full.sh  # verify 1,000,000, load 200,000 into the node
#   CRITERION=0 bash bench/full.sh     # skip the micro-benchmarks
#
# Results: bench/results/<time>.md (the table), .json (every figure),
# -criterion.txt. Run it on a quiet machine: the figures are ratios to
# references measured in the same run, but a busy machine still skews them.
set -euo pipefail
cd "$(dirname "$0")/.."
ENTRIES=${ENTRIES:-1000000}
# Entries loaded into the node (a prefix). The node's memory grows with
# the log (docs/PERFORMANCE.md): load less on a machine with less RAM.
NODE_ENTRIES=${NODE_ENTRIES:-$ENTRIES}
CRITERION=${CRITERION:-1}
PGPORT=${PGPORT:-55432}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=${OUT:-bench/results/$stamp}
mkdir -p "$(dirname "$out")"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -h | awk '/Mem:/ {print $2}') RAM; load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== build (release)"
cargo build --release --locked -q -p ledger-node -p ledger-bench -p ledger-cli

echo "== PostgreSQL"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not installed and this is not root: apt-get install postgresql" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pgdir=$(mktemp -d /tmp/ledger-bench-pg.XXXXXX)
if [ "$(id -u)" -eq 0 ]; then
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$pgdir"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
stop_pg() {
  as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap stop_pg EXIT
as_pg "$pgbin/initdb" -D "$pgdir/data" -A trust -U bench -E UTF8 >/dev/null
as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -c unix_socket_directories=$pgdir -c fsync=on -c synchronous_commit=on -c shared_buffers=256MB -c max_wal_size=4GB" \
  start >/dev/null
as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$PGPORT" -U bench bench
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT (cluster $pgdir)"

echo "== ledger-bench ($ENTRIES entries)"
./target/release/ledger-bench --entries "$ENTRIES" --node-entries "$NODE_ENTRIES" \
  --postgres "host=127.0.0.1 port=$PGPORT user=bench dbname=bench" \
  --out "$out.json" | tee "$out.md"

stop_pg
trap - EXIT

if [ "$CRITERION" = 1 ]; then
  echo "== criterion micro-benchmarks"
  cargo bench --locked -q -p ledger-core --bench core -- --noplot 2>&1 | tee "$out-criterion.txt"
fi
echo "== results: $out.md $out.json"
