#!/usr/bin/env bash
# The whole suite on SQLite (embedded defaults), then again on PostgreSQL with Redis when they are reachable.
# Under CI=true an unreachable PostgreSQL or Redis is a failure, never a silent skip.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
PG_URL=${TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
REDIS=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
mkdir -p test-output

reachable() {
  "$PY" - "$PG_URL" "$REDIS" <<'PYEOF'
import sys
import psycopg, redis
from sqlalchemy.engine import make_url
u = make_url(sys.argv[1])
try:
    psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname=u.database, connect_timeout=3).close()
    redis.Redis.from_url(sys.argv[2], socket_connect_timeout=3).ping()
except Exception as exc:
    print(f"not reachable: {exc}")
    sys.exit(1)
PYEOF
}

echo "== 1/2: SQLite + file job queue (embedded defaults) =="
env -u DATABASE_URL -u REDIS_URL -u TEST_DATABASE_URL "$PY" -m pytest -q -p no:randomly "$@"
first=$?

echo
if reachable; then
  echo "== 2/2: PostgreSQL ($PG_URL) + Redis ($REDIS) =="
  TEST_DATABASE_URL="$PG_URL" REDIS_URL="$REDIS" "$PY" -m pytest -q -m "not browser and not engine" "$@"
  second=$?
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL: PostgreSQL or Redis is not reachable and CI=true; the suite must run on both databases." >&2
  second=1
else
  echo "== 2/2 skipped: PostgreSQL or Redis not reachable (outside CI only) =="
  second=0
fi
[ $first -eq 0 ] && [ $second -eq 0 ]
