#!/usr/bin/env bash
# Capture MPGStats (OSD -> mgr), MMonMgrReport (mgr -> mon) and MServiceMap traffic from a
# ceph-lab started with plaintext msgr2:
#   LAB_AUTH=none LAB_MS_MODE=crc LAB_OSDS=3 /work/shared/ceph-lab/up.sh /tmp/h1-lab
#   tools/capture/capture_pg.sh /tmp/h1-lab OUTDIR
# The mgr is failed over while tcpdump runs, so every OSD->mgr and mgr->mon session is
# captured from its first byte (the stream reassembler needs the SYN). Writes OUTDIR/pg.pcap,
# plus the JSON the stock mgr/mon showed at the end (pg dump, service dump, status).
# Needs root for tcpdump. Then run tools/capture/extract_pg.py OUTDIR.
set -euo pipefail
LAB=${1:?lab dir}
OUT=${2:?output dir}
mkdir -p "$OUT"
export CEPH_CONF=$LAB/ceph.conf
unset CEPH_ARGS CEPH_KEYRING
MON_PORT=$(sed -n 's/^mon_host = \[v2:127\.0\.0\.1:\([0-9]*\),.*/\1/p' "$CEPH_CONF")
MGR_PORT=$(ceph mgr dump -f json | /usr/bin/python3 -c \
  'import json,sys; d=json.load(sys.stdin); print([a["addr"] for a in d["active_addrs"]["addrvec"] if a["type"]=="v2"][0].split(":")[1])')
echo "mon v2 port $MON_PORT, mgr v2 port $MGR_PORT"
# Only this lab's mon and mgr ports: other labs on the machine share 6800-7300. A respawned
# mgr normally binds the same port again; we check that below.
tcpdump -i lo -s 0 -B 65536 -U -w "$OUT/pg.pcap" "tcp and (port $MON_PORT or port $MGR_PORT)" \
  >"$OUT/tcpdump.log" 2>&1 &
TCPDUMP=$!
trap 'kill $TCPDUMP 2>/dev/null || true' EXIT
sleep 2
ceph mgr fail x
# wait for the mgr to come back
for _ in $(seq 60); do
  if ceph mgr dump -f json | grep -q '"available": true'; then break; fi
  sleep 1
done
ceph mgr dump -f json >"$OUT/mgr_dump.json"
if ! grep -q "127.0.0.1:$MGR_PORT\"" "$OUT/mgr_dump.json"; then
  echo "warning: the mgr came back on another port; its OSD sessions were not captured" >&2
fi
# A service daemon in the ServiceMap (MMgrOpen with service_daemon), with task status.
/usr/bin/python3 - "$CEPH_CONF" >"$OUT/service_daemon.log" 2>&1 <<'PY' &
import rados, sys, time
c = rados.Rados(conffile=sys.argv[1]); c.connect()
c.service_daemon_register("capture", "h1", {"purpose": "pg wire fixtures"})
for i in range(40):
    c.service_daemon_update({"progress": "step %d" % i})
    time.sleep(1)
c.shutdown()
PY
SVC=$!
for i in 1 2 3 4 5 6; do
  rados -p lab put "obj$i" /etc/services
  rados -p lab get "obj$i" /dev/null
  sleep 1
done
# A pool without an application (POOL_APP_NOT_ENABLED from the mgr), then recovery
# (size 1 -> 2: undersized/degraded/recovering PGs and a progress event).
ceph osd pool create noapp 4 4 --autoscale-mode=off
rados -p noapp put o1 /etc/hostname
ceph osd pool set lab size 2 --yes-i-really-mean-it || ceph osd pool set lab size 2
sleep 12
ceph pg dump -f json >"$OUT/pg_dump_recovery.json" 2>/dev/null
ceph progress json >"$OUT/progress.json" 2>/dev/null || true
sleep 8
ceph pg dump -f json >"$OUT/pg_dump.json" 2>/dev/null
ceph service dump -f json >"$OUT/service_dump.json"
ceph status -f json >"$OUT/status.json"
ceph health detail -f json >"$OUT/health_detail.json"
wait $SVC || true
sleep 2
kill $TCPDUMP
wait $TCPDUMP || true
trap - EXIT
ls -l "$OUT"
