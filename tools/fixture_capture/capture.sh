#!/usr/bin/env bash
# capture.sh NAME [RAW_OUT] - start a throw-away ceph-lab (/work/shared/ceph-lab) with a stock
# ceph-mgr that also loads our fixturedump module, capture every get() data name (plus
# list_servers, daemon metadata, perf schema) into one raw JSON file, stop the lab.
#
#   NAME     preset: "empty" (0 OSDs, no pool) or "lab-3osd" (3 OSDs, pool "lab", with I/O);
#            any other name takes LAB_OSDS / LAB_POOL from the env as given
#   RAW_OUT  raw capture (default /tmp/fixture_capture/NAME.raw.json)
#
# Then turn it into rmgr fixtures:  split.py RAW_OUT crates/core/fixtures/NAME
# (or just run regen.sh, which does both for both presets).
#
# Env: LAB_OSDS, LAB_POOL (as up.sh), CAPTURE_IO=1 (write objects while capturing),
#      CEPH_LAB (default /work/shared/ceph-lab), LAB_DIR (default: a fresh /tmp/fxlab.* dir).
# Run as root (as up.sh). The lab is always stopped (down.sh), even on failure.
set -euo pipefail

NAME=${1:?usage: capture.sh NAME [RAW_OUT]}
HERE=$(dirname "$(realpath "$0")")
CEPH_LAB=${CEPH_LAB:-/work/shared/ceph-lab}
RAW=$(realpath -m "${2:-/tmp/fixture_capture/$NAME.raw.json}")
mkdir -p "$(dirname "$RAW")"
unset CEPH_CONF CEPH_KEYRING CEPH_ARGS   # never leak into the daemons (see ceph-lab README)

case "$NAME" in
  empty)    export LAB_OSDS=${LAB_OSDS:-0} LAB_POOL=${LAB_POOL-}; IO=${CAPTURE_IO:-0} ;;
  lab-3osd) export LAB_OSDS=${LAB_OSDS:-3} LAB_POOL=${LAB_POOL-lab}; IO=${CAPTURE_IO:-1} ;;
  *)        export LAB_OSDS=${LAB_OSDS:-1} LAB_POOL=${LAB_POOL-lab}; IO=${CAPTURE_IO:-0} ;;
esac

LAB=${LAB_DIR:-$(mktemp -d /tmp/fxlab.XXXXXX)}
cleanup() { "$CEPH_LAB/down.sh" "$LAB" >&2 || true; }
trap cleanup EXIT

# The lab without its stock mgr: we start mgr.x ourselves below, with our module path, so
# that it never has to respawn (a respawn would leave blocklist entries in the osd_map).
LAB_MGR=0 "$CEPH_LAB/up.sh" "$LAB" >&2
CONF=$LAB/ceph.conf
C="timeout 60 ceph --conf $CONF"

# mgr_module_path: symlinks to every stock module, plus ours
MODS=$LAB/mgr-modules
mkdir -p "$MODS"
for m in /usr/share/ceph/mgr/*; do ln -s "$m" "$MODS/$(basename "$m")"; done
ln -s "$HERE/fixturedump" "$MODS/fixturedump"
# no mgr has reported module schemas yet: hence --force (the mon just records the name)
$C mgr module enable fixturedump --force
$C config set mgr mgr_module_path "$MODS"
# started as up.sh starts it (same conf, pid file, log); module path from the mon config
# store and again on the command line
(cd "$LAB" && ceph-mgr --conf "$CONF" -i x --mgr_module_path "$MODS")

wait_for() {   # wait_for SECONDS CMD... : retry CMD until it succeeds
  local secs=$1; shift
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "timeout after $secs s: $*" >&2; return 1; }
    sleep 1
  done
}
wait_for 90 $C fixturedump names
echo "fixturedump loaded" >&2
# as up.sh: all PGs active+clean (only meaningful with a pool); then the mgr's own
# 'PGMap ready' (all up OSDs reported, or its startup grace)
if [ -n "${LAB_POOL-}" ]; then
  wait_for 120 bash -c "$C -s -f json | jq -e '.pgmap.num_pgs >= 8 and
    ([.pgmap.pgs_by_state[] | select(.state_name == \"active+clean\") | .count] | add) == .pgmap.num_pgs'"
fi
wait_for 90 bash -c "$C fixturedump get pg_ready | jq -e '.pg_ready == true'" || echo "warning: pg_ready still false" >&2
BENCH=
if [ "$IO" = 1 ] && [ -n "${LAB_POOL-}" ]; then
  # a few small objects (memstore keeps everything in RAM), then a 4 KiB write load running
  # while we capture, so io_rate / pool rates / pg stats are non-zero
  head -c 65536 /dev/urandom > "$LAB/obj"
  for i in $(seq 1 16); do rados --conf "$CONF" -p "$LAB_POOL" put "obj$i" "$LAB/obj"; done
  rados --conf "$CONF" -p "$LAB_POOL" bench 20 write -b 4096 -O 4096 -t 1 --no-cleanup >"$LAB/bench.log" 2>&1 &
  BENCH=$!
  # the PGMap delta needs two stats reports (mgr_stats_period 5 s) that saw the writes
  wait_for 40 bash -c "$C fixturedump get io_rate | jq -e '.pg_stats_delta.stat_sum.num_write > 0'"
  wait_for 20 bash -c "$C osd pool stats $LAB_POOL -f json | jq -e '.[0].client_io_rate.write_op_per_sec > 0'"
fi

rm -f "$RAW"
# the mgr writes the file itself (same host, same user)
$C fixturedump write "$RAW" >&2
if [ -n "$BENCH" ]; then wait "$BENCH" || true; fi
$C -s >&2
jq -r '._capture.errors | keys[]' "$RAW" | sed 's/^/capture error: /' >&2
ls -l "$RAW" >&2
