#!/usr/bin/env bash
# `make fuzz`: fuzz the GraphQL schema with schemathesis against a real `peergraph serve`
# (temporary SQLite database with demo data, embedded Redis) and fail on any 5xx.
#   FUZZ_EXAMPLES  examples per field (default 30)     FUZZ_DIR  scratch directory (default mktemp)
set -euo pipefail
BIN=${BIN:-.venv/bin}
DIR=${FUZZ_DIR:-$(mktemp -d /tmp/peergraph-fuzz.XXXXXX)}
mkdir -p "$DIR"
PORT=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$DIR/fuzz.sqlite3" PEERGRAPH_VAR_DIR="$DIR" REDIS_URL=""
# one fuzzer from one address: lift the anonymous budget, keep every other limit as shipped
export PEERGRAPH_BUDGET_ANONYMOUS=100000000 PEERGRAPH_LOG_LEVEL=warning

# demo data when `peergraph demo` is available, else generated OpenAlex-shaped data
"$BIN/peergraph" demo --works 300 >"$DIR/load.log" 2>&1 || {
  "$BIN/peergraph" migrate >>"$DIR/load.log" 2>&1
  "$BIN/peergraph" generate --works 300 --out "$DIR/data" >>"$DIR/load.log" 2>&1 &&
    "$BIN/peergraph" import openalex "$DIR"/data/*.jsonl* --quiet >>"$DIR/load.log" 2>&1 || true
}
"$BIN/peergraph" serve --port "$PORT" >"$DIR/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$DIR/serve.log"; exit 1; }
  sleep 0.2
done
echo "fuzzing http://127.0.0.1:$PORT/graphql (scratch: $DIR)" >&2
SCHEMATHESIS_HOOKS=tests.partners.fuzz_hooks PYTHONPATH=. \
  "$BIN/schemathesis" run "http://127.0.0.1:$PORT/graphql" \
  --checks no_server_error \
  --max-examples "${FUZZ_EXAMPLES:-30}" \
  --generation-graphql-allow-null false \
  --seed "${FUZZ_SEED:-1}"
if grep -q "unexpected error" "$DIR/serve.log"; then
  echo "the server logged masked internal errors:" >&2
  grep -A3 "unexpected error" "$DIR/serve.log" | head -40 >&2
  exit 1
fi
