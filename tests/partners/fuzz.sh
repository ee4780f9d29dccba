#!/usr/bin/env bash
# `make fuzz`: fuzz peergraph against a real `peergraph serve` and a separate `peergraph worker`,
# on PostgreSQL (a scratch database, dropped afterwards) and a redis-server of its own on a free
# port; fails on any 5xx, any INTERNAL error and any error without a code.
#   1. schemathesis in GraphQL mode: every field with generated arguments;
#   2. stateful sequences (tests/partners/fuzz_stateful.py): sign up, log in, follow, claim,
#      invite, answer, read and log out, in random orders with hostile inputs mixed in.
# FUZZ_EXAMPLES  examples per field / sequences (default 30)   FUZZ_DIR  scratch (default mktemp)
# FUZZ_POSTGRES  server URL without database (default postgres://postgres@127.0.0.1:5432);
#                when it does not answer, a SQLite file is used instead, and the script says so.
set -euo pipefail
BIN=${BIN:-.venv/bin}
DIR=${FUZZ_DIR:-$(mktemp -d /tmp/peergraph-fuzz.XXXXXX)}
mkdir -p "$DIR"
free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
REDIS_PORT=$(free_port)
PG=${FUZZ_POSTGRES:-postgres://postgres@127.0.0.1:5432}
PGDB="peergraph_fuzz_$$"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${USE_PG:-0}" = 1 ]; then psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
  --maxmemory 256mb --maxmemory-policy noeviction >"$DIR/redis.log" 2>&1 &
PIDS+=($!)
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
if psql "$PG/postgres" -qc "CREATE DATABASE $PGDB" >/dev/null 2>&1; then
  USE_PG=1
  export DATABASE_URL="$PG/$PGDB"
else
  echo "fuzz: PostgreSQL does not answer at $PG; using SQLite" >&2
  export DATABASE_URL="sqlite://$DIR/fuzz.sqlite3"
fi
export PEERGRAPH_VAR_DIR="$DIR" PEERGRAPH_LOG_LEVEL=warning
# one fuzzer from one address: lift the per-address budget and throttles, keep every other limit
export PEERGRAPH_BUDGET_ANONYMOUS=100000000 PEERGRAPH_BUDGET_USER=100000000
export PEERGRAPH_SIGNUPS_PER_ADDRESS=100000000 PEERGRAPH_LOGINS_PER_ADDRESS=100000000
export PEERGRAPH_MAX_CONNECTIONS_PER_ADDRESS=1000

# demo data when `peergraph demo` is available, else generated OpenAlex-shaped data
"$BIN/peergraph" demo --works 300 >"$DIR/load.log" 2>&1 || {
  "$BIN/peergraph" migrate >>"$DIR/load.log" 2>&1
  "$BIN/peergraph" generate --works 300 --out "$DIR/data" >>"$DIR/load.log" 2>&1 &&
    "$BIN/peergraph" import openalex "$DIR"/data/*.jsonl* --quiet >>"$DIR/load.log" 2>&1 || true
}
"$BIN/peergraph" worker >"$DIR/worker.log" 2>&1 &
PIDS+=($!)
"$BIN/peergraph" serve --port "$PORT" >"$DIR/serve.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$DIR/serve.log"; exit 1; }
  sleep 0.2
done
URL="http://127.0.0.1:$PORT/graphql"
echo "fuzzing $URL (database: ${DATABASE_URL%%://*}, scratch: $DIR)" >&2
SCHEMATHESIS_HOOKS=tests.partners.fuzz_hooks PYTHONPATH=. \
  "$BIN/schemathesis" run "$URL" \
  --checks no_server_error \
  --max-examples "${FUZZ_EXAMPLES:-30}" \
  --generation-graphql-allow-null false \
  --seed "${FUZZ_SEED:-1}"
echo "stateful sequences against $URL" >&2
PYTHONPATH=. "$BIN/python" -m tests.partners.fuzz_stateful "$URL" \
  --examples "${FUZZ_EXAMPLES:-30}" --seed "${FUZZ_SEED:-1}"
for log in serve worker; do
  if grep -q "unexpected error\|Traceback" "$DIR/$log.log"; then
    echo "peergraph $log logged unexpected errors:" >&2
    grep -B2 -A8 "unexpected error\|Traceback" "$DIR/$log.log" | head -60 >&2
    exit 1
  fi
done
echo "fuzz: no 5xx, no INTERNAL, no error without a code" >&2
