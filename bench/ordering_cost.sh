#!/usr/bin/env bash
# What strict ordering of save/submit costs: bench/exam_day_bench.py (closed loop, real gunicorn) on a base
# commit and on the working tree, alternately, on SQLite and PostgreSQL; prints the lines to compare.
#   bench/ordering_cost.sh <base-commit> [rounds] [students] [seconds]
# Needs .venv (or VENV=...), PostgreSQL at 127.0.0.1:5432 and Redis (REDIS_URL, default db 1).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:?base commit}; ROUNDS=${2:-2}; STUDENTS=${3:-300}; SECONDS_=${4:-30}
VENV=${VENV:-$PWD/.venv}
REDIS=${REDIS_URL:-redis://127.0.0.1:6379/1}
PG=${PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}
BASE_TREE=$(mktemp -d /tmp/ordering-base-XXXX)
trap 'rm -rf "$BASE_TREE"' EXIT
git archive "$BASE" | tar -x -C "$BASE_TREE"
ln -s "$VENV" "$BASE_TREE/.venv"
for round in $(seq 1 "$ROUNDS"); do
  for db in sqlite pg; do
    for tree in "$BASE_TREE" "$PWD"; do
      if [ $db = sqlite ]; then args=(--database-url sqlite); else args=(--database-url "$PG" --redis-url "$REDIS"); fi
      label=$([ "$tree" = "$PWD" ] && echo "HEAD" || echo "base $BASE")
      echo "=== round $round, $db, $label, $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
      "$VENV/bin/python" "$tree/bench/exam_day_bench.py" "${args[@]}" --students "$STUDENTS" --seconds "$SECONDS_" \
        --mode closed --threads 32 --port 8791 2>&1 | grep -E "^(autosave |submit  |CPU per|errors|acknowledged|autosave after)"
    done
  done
done
