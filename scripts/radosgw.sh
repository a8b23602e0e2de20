#!/usr/bin/env bash
# A signature-checking S3 server for the tests: Ceph's radosgw (Debian's packages) on a one-node cluster of one
# monitor and one in-memory OSD (memstore). `start` is idempotent and returns at once when it is already up;
# `stop` ends only the daemons this script started (by their pid files); `env` prints the S3_* settings.
#   scripts/radosgw.sh start|stop|status|env
# Settings: RGW_DIR (state, default /tmp/lms-radosgw), RGW_PORT (7480), RGW_MON_PORT (16789).
set -euo pipefail
DIR=${RGW_DIR:-/tmp/lms-radosgw}
PORT=${RGW_PORT:-7480}
MON_PORT=${RGW_MON_PORT:-16789}
ACCESS_KEY=lmstestaccess
SECRET_KEY=lmstestsecret0123456789abcdefghijklmnop
CONF="$DIR/ceph.conf"
CEPH=(ceph -c "$CONF" --connect-timeout 10)

up() {
  # An S3 answer (even "access denied") from our port means radosgw is serving.
  curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$PORT/" 2>/dev/null | grep -qE '^(200|403)$'
}

alive() { [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null; }

write_conf() {
  cat >"$CONF" <<EOF
[global]
fsid = $(cat "$DIR/fsid")
mon host = v1:127.0.0.1:$MON_PORT
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
ms bind ipv6 = false
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
pid file = $DIR/\$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
[mon.a]
mon data = $DIR/mon
[osd.0]
osd data = $DIR/osd
osd objectstore = memstore
memstore device bytes = 2147483648
osd memory target = 536870912
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $DIR/rgw
rgw enable usage log = false
rgw thread pool size = 64
EOF
}

start() {
  if up; then echo "radosgw already up on 127.0.0.1:$PORT"; return 0; fi
  command -v radosgw >/dev/null || { echo "radosgw is not installed (make system-test installs it)" >&2; exit 1; }
  mkdir -p "$DIR/run" "$DIR/log" "$DIR/rgw"
  if [ ! -f "$DIR/fsid" ] || ! alive mon.a || ! alive osd.0; then
    # A fresh cluster whenever a daemon is missing: memstore keeps nothing across restarts anyway. The OSD's
    # first boot against a monitor that is itself seconds old now and then fails; a second cluster then works.
    local attempt
    for attempt in 1 2 3; do
      create_cluster && osd_up && break
      echo "radosgw.sh: cluster attempt $attempt failed; see $DIR/log" >&2
      [ "$attempt" -eq 3 ] && { stop_daemons; exit 1; }
    done
  fi
  if ! alive client.rgw; then
    radosgw -c "$CONF" -n client.rgw 2>>"$DIR/log/daemons.stderr"
  fi
  for _ in $(seq 1 120); do
    up && break
    sleep 0.5
  done
  up || { echo "radosgw did not come up; see $DIR/log" >&2; tail -20 "$DIR/log/client.rgw.log" >&2 || true; exit 1; }
  if ! radosgw-admin -c "$CONF" user info --uid=lms >/dev/null 2>&1; then
    radosgw-admin -c "$CONF" user create --uid=lms --display-name="Hoc Lieu So tests" \
      --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null
  fi
  echo "radosgw up on 127.0.0.1:$PORT"
}

create_cluster() {
  stop_daemons
  rm -rf "$DIR/mon" "$DIR/osd" "$DIR/fsid"
  uuidgen >"$DIR/fsid" 2>/dev/null || python3 -c 'import uuid; print(uuid.uuid4())' >"$DIR/fsid"
  write_conf
  monmaptool --create --clobber --fsid "$(cat "$DIR/fsid")" --addv a "[v1:127.0.0.1:$MON_PORT]" \
    "$DIR/monmap" >/dev/null || return 1
  mkdir -p "$DIR/mon" "$DIR/osd"
  ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" 2>>"$DIR/log/daemons.stderr" || return 1
  ceph-mon -c "$CONF" -i a 2>>"$DIR/log/daemons.stderr" || return 1
  local osd_uuid
  osd_uuid=$(uuidgen 2>/dev/null || python3 -c 'import uuid; print(uuid.uuid4())')
  "${CEPH[@]}" osd create "$osd_uuid" 0 >/dev/null || return 1
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>>"$DIR/log/mkfs.log" || return 1
  ceph-osd -c "$CONF" -i 0 2>>"$DIR/log/daemons.stderr" || return 1
  "${CEPH[@]}" osd crush add osd.0 1 root=default >/dev/null 2>&1 || true
}

osd_up() {
  # "1 up" in the OSD map, with the daemon still alive (a crashed first boot leaves neither).
  local _
  for _ in $(seq 1 40); do
    alive osd.0 || return 1
    "${CEPH[@]}" osd stat 2>/dev/null | grep -q "1 up" && return 0
    sleep 0.5
  done
  return 1
}

stop_daemons() {
  for name in client.rgw osd.0 mon.a; do
    if alive "$name"; then
      pid=$(cat "$DIR/$name.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/$name.pid"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop_daemons; echo "radosgw stopped" ;;
  status) if up; then echo "up on 127.0.0.1:$PORT"; else echo "down"; exit 1; fi ;;
  env) echo "S3_ENDPOINT=127.0.0.1:$PORT S3_ACCESS_KEY=$ACCESS_KEY S3_SECRET_KEY=$SECRET_KEY S3_SECURE=false" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
