#!/usr/bin/env bash
# The whole suite on SQLite (embedded defaults), then again on PostgreSQL with Redis (and the S3 tests on radosgw)
# when they are reachable, then the two-node test (two gunicorn, two workers, PostgreSQL, Redis, radosgw).
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

echo "== 1/3: SQLite + file job queue (embedded defaults) =="
env -u DATABASE_URL -u REDIS_URL -u TEST_DATABASE_URL "$PY" -m pytest -q -p no:randomly -m "not cluster" "$@"
first=$?

echo
if reachable; then
  # The S3 tests also run against Ceph's radosgw, which checks signatures (moto does not).
  started_rgw=0
  s3_env=()
  if scripts/radosgw.sh status >/dev/null 2>&1 || { scripts/radosgw.sh start && started_rgw=1; }; then
    read -r -a pairs <<<"$(scripts/radosgw.sh env)"
    for pair in "${pairs[@]}"; do s3_env+=("TEST_$pair"); done
    s3_label=" + radosgw (${pairs[0]#S3_ENDPOINT=})"
  elif [ "${CI:-}" = "true" ]; then
    echo "FAIL: radosgw did not start and CI=true; the S3 tests must run against a signature-checking server." >&2
    s3_label=" (radosgw FAILED)"
  else
    s3_label=" (radosgw not available: S3 tests on moto only)"
  fi
  echo "== 2/3: PostgreSQL ($PG_URL) + Redis ($REDIS)$s3_label =="
  env "${s3_env[@]}" TEST_DATABASE_URL="$PG_URL" REDIS_URL="$REDIS" \
    "$PY" -m pytest -q -m "not browser and not engine and not cluster" "$@"
  second=$?
  [ "${CI:-}" = "true" ] && [ ${#s3_env[@]} -eq 0 ] && second=1
  echo
  echo "== 3/3: two nodes (gunicorn A and B, two workers) on PostgreSQL + Redis$s3_label =="
  env "${s3_env[@]}" TEST_DATABASE_URL="$PG_URL" REDIS_URL="$REDIS" \
    "$PY" -m pytest -q -m cluster tests/e2e/test_two_nodes.py
  third=$?
  [ $third -ne 0 ] && second=1
  [ $started_rgw -eq 1 ] && scripts/radosgw.sh stop >/dev/null
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL: PostgreSQL or Redis is not reachable and CI=true; the suite must run on both databases." >&2
  second=1
else
  echo "== 2/3 and 3/3 skipped: PostgreSQL or Redis not reachable (outside CI only) =="
  second=0
fi
[ $first -eq 0 ] && [ $second -eq 0 ]
