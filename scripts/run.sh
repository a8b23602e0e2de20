#!/usr/bin/env bash
# Start the web server (gunicorn, 127.0.0.1:5000) and a job worker; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export LOG_FORMAT=${LOG_FORMAT:-text}  # a terminal; deployments keep the JSON default
"$VENV/bin/flask" --app wsgi worker &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
echo "Học Liệu Số: http://127.0.0.1:5000  (demo accounts: admin, sogd, teacher, student; password hoclieuso2026)"
BIND=127.0.0.1:5000 WEB_WORKERS=${WEB_WORKERS:-2} WEB_THREADS=${WEB_THREADS:-4} \
  "$VENV/bin/gunicorn" -c deploy/gunicorn.conf.py wsgi:app
