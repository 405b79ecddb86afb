#!/usr/bin/env bash
# Issue 5, item 5 — "Scale, side by side": rmgr and the stock ceph-mgr as the manager of the
# same kind of lab (../shared/ceph-lab: 1 mon, 3 memstore OSDs, pool "lab", cephx) whose OSDMap
# has been grown to >= SCALE_OSDS OSD entries with `osd new` (entries only: no daemons behind
# them, not in the CRUSH map — exactly what `osd new <uuid>` does).
#
#   bench/scale_lab.sh [rmgr|stock|both]      (root; builds rmgr in release)
#
#   SCALE_OSDS=1000     OSD entries wanted in the OSDMap (the 3 real ones count)
#   SCALE_RUNS=3        repetitions of each measurement series (medians are over all of them)
#   SCALE_OUT=/tmp/h9-scale-results   where the per-manager JSON results go
#   SCALE_NO_BUILD=1    use target/release/rmgr as it is (no cargo build)
#   SCALE_PROM_LOG_LEVEL  e.g. warning: mgr/prometheus/log_level (its per-OSD info lines off)
#
# Measures, on each manager:
#   a. get('osd_map') per call inside a Python module (bench/pymodules/benchpy `benchpy get`);
#   b. Prometheus scrapes (`curl /metrics`): uncached (mgr/prometheus/cache=false: every scrape
#      runs the module's collect()) and cached (the default: a background thread collects every
#      scrape_interval, a scrape returns the cached text);
#   c. `pg dump -f json`: the `ceph` CLI's wall time, and the same command over librados
#      (mgr_cmd_bench.py, one connection) to separate the CLI's start-up cost.
# Both managers run as mgr.x of a LAB_MGR=0 lab, started by this script, with Debian's modules
# plus benchpy (rmgr: --module-path bench/pymodules:/usr/share/ceph/mgr; stock: a copy of
# /usr/share/ceph/mgr with benchpy added, passed as --mgr_module_path). The lab is always stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LAB=${LAB_SCRIPTS:-$(cd .. && pwd)/shared/ceph-lab}
[ -x "$LAB/up.sh" ] || LAB=/work/shared/ceph-lab
which=${1:-both}
TARGET=${SCALE_OSDS:-1000}
RUNS=${SCALE_RUNS:-3}
OUT=${SCALE_OUT:-/tmp/h9-scale-results}
PY=/usr/bin/python3
mkdir -p "$OUT"
export PYO3_PYTHON=$PY
unset CEPH_ARGS CEPH_KEYRING CEPH_CONF
[ -n "${SCALE_NO_BUILD:-}" ] || [ "$which" = stock ] || [ "$which" = summary ] || cargo build --release -p rmgr >/dev/null
BIN=$ROOT/target/release/rmgr

log() { echo "[$(date +%T)] $*" >&2; }

# Grow the OSDMap to $2 OSD entries: `osd new <uuid>` over librados from many threads at once, so
# the mon batches them into few OSDMap epochs (one commit per paxos_propose_interval otherwise).
grow_osdmap() {  # $1 = conf, $2 = target
  "$PY" - "$1" "$2" <<'EOF'
import json, sys, threading, time, uuid, rados
conf, target = sys.argv[1], int(sys.argv[2])
c = rados.Rados(conffile=conf); c.connect(timeout=30)
def count():
    r, out, err = c.mon_command(json.dumps({"prefix": "osd dump", "format": "json"}), b"")
    return len(json.loads(out)["osds"])
t0 = time.time(); n0 = count(); left = [max(0, target - n0)]; lock = threading.Lock()
def worker():
    while True:
        with lock:
            if left[0] <= 0: return
            left[0] -= 1
        r, out, err = c.mon_command(json.dumps({"prefix": "osd new", "uuid": str(uuid.uuid4())}), b"", timeout=60)
        if r != 0: raise SystemExit(f"osd new failed: {r} {err}")
ts = [threading.Thread(target=worker) for _ in range(64)]
for t in ts: t.start()
for t in ts: t.join()
print(f"osdmap: {n0} -> {count()} OSD entries in {time.time() - t0:.1f}s", file=sys.stderr)
c.shutdown()
EOF
}

# The lab, data and module dirs of the run in progress, and the manager's pid: always cleaned up.
dir="" data="" modpath="" pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; sleep 1; fi
  if [ -n "$dir" ]; then "$LAB/down.sh" "$dir" >/dev/null 2>&1 || true; fi
  rm -rf "$data" "$modpath"
  dir="" data="" modpath="" pid=""
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT TERM

bench_one() {  # $1 = rmgr|stock
  local kind=$1
  dir=$(mktemp -d /tmp/h9-lab.XXXX); rmdir "$dir"
  data=$(mktemp -d /tmp/h9-data.XXXX)
  modpath=$(mktemp -d /tmp/h9-modpath.XXXX)
  log "$kind: starting lab $dir"
  LAB_MGR=0 LAB_OSDS=3 "$LAB/up.sh" "$dir" >/dev/null 2>&1
  local C="ceph --conf $dir/ceph.conf"
  grow_osdmap "$dir/ceph.conf" "$TARGET"
  # Prometheus on a free port (other labs on the machine may hold 9283), uncached first.
  local pport; pport=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  $C config set mgr mgr/prometheus/server_port "$pport" --force >/dev/null
  $C config set mgr mgr/prometheus/cache false --force >/dev/null
  if [ -n "${SCALE_PROM_LOG_LEVEL:-}" ]; then
    $C config set mgr mgr/prometheus/log_level "$SCALE_PROM_LOG_LEVEL" --force >/dev/null
  fi
  log "$kind: starting the manager"
  if [ "$kind" = rmgr ]; then
    "$BIN" serve --conf "$dir/ceph.conf" --id x --data "$data" \
      --module-path "$ROOT/bench/pymodules:/usr/share/ceph/mgr" >/dev/null 2>&1 &
  else
    cp -a /usr/share/ceph/mgr/. "$modpath/"
    cp -a "$ROOT/bench/pymodules/benchpy" "$modpath/"
    ceph-mgr -f --conf "$dir/ceph.conf" -i x --mgr_module_path "$modpath" >/dev/null 2>&1 &
  fi
  pid=$!
  until $C mgr dump -f json 2>/dev/null | $PY -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["available"] and d["active_name"]=="x" else 1)'; do sleep 0.2; done
  $C mgr module enable benchpy >/dev/null 2>&1 || $C mgr module enable benchpy --force >/dev/null
  until $C benchpy noop >/dev/null 2>&1; do sleep 0.2; done
  # every PG active+clean (the mgr reports them), so pg dump carries real stats
  until $C pg stat -f json 2>/dev/null | $PY -c 'import json,sys; d=json.load(sys.stdin); s=d["pg_summary"]["num_pg_by_state"]; n=d["pg_summary"]["num_pgs"]; sys.exit(0 if n >= 9 and sum(x["num"] for x in s if x["name"]=="active+clean")==n else 1)'; do sleep 0.5; done
  log "$kind: manager up, $($C osd dump -f json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["osds"]))') OSD entries"

  # a. get('osd_map') per call, inside the module
  local r
  for r in $(seq "$RUNS"); do
    $C benchpy get osd_map 30 > "$OUT/$kind.getosdmap.$r.json"
  done

  # c. pg dump: CLI wall time and librados mgr_command
  $C pg dump -f json > "$OUT/$kind.pgdump.json" 2>/dev/null
  : > "$OUT/$kind.pgdump_cli.txt"
  for r in $(seq $((RUNS * 5))); do
    $PY -c 'import subprocess,sys,time; t=time.perf_counter(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True); print((time.perf_counter()-t)*1e3)' \
      ceph --conf "$dir/ceph.conf" pg dump -f json >> "$OUT/$kind.pgdump_cli.txt"
  done
  : > "$OUT/$kind.pgdump_rados.jsonl"
  for r in $(seq "$RUNS"); do
    $PY "$LAB/mgr_cmd_bench.py" --conf "$dir/ceph.conf" --n 50 --warmup 5 --json \
      --prefix '{"prefix": "pg dump", "format": "json"}' >> "$OUT/$kind.pgdump_rados.jsonl"
  done
  # also a small command over the same path, as the floor of one mgr_command round trip
  $PY "$LAB/mgr_cmd_bench.py" --conf "$dir/ceph.conf" --n 200 --json --prefix 'benchpy noop' \
    > "$OUT/$kind.noop_rados.json"

  # b. Prometheus scrapes
  $C mgr module enable prometheus >/dev/null
  local url=""
  until [ -n "$url" ]; do
    url=$($C mgr services -f json 2>/dev/null | $PY -c 'import json,sys; print(json.load(sys.stdin).get("prometheus",""))' || true)
    sleep 0.5
  done
  url="${url%/}/metrics"
  log "$kind: prometheus at $url"
  scrape_series() {  # $1 = label
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ]; do sleep 0.5; done
    curl -s "$url" > "$OUT/$kind.metrics.$1.txt"
    curl -s -o /dev/null "$url"   # warm-up
    : > "$OUT/$kind.scrape.$1.txt"
    for r in $(seq $((RUNS * 5))); do
      curl -s -o /dev/null -w '%{time_total} %{size_download} %{http_code}\n' "$url" >> "$OUT/$kind.scrape.$1.txt"
      sleep 0.2
    done
  }
  scrape_series uncached
  $C config set mgr mgr/prometheus/cache true >/dev/null
  $C mgr module disable prometheus >/dev/null
  sleep 2
  until $C benchpy noop >/dev/null 2>&1; do sleep 0.2; done   # a stock mgr may respawn here
  $C mgr module enable prometheus >/dev/null
  sleep 2
  scrape_series cached

  # memory of the manager (all processes) at the end
  local pids rss=0 p
  pids="$pid $(pgrep -P "$pid" | tr '\n' ' ') $(for c in $(pgrep -P "$pid"); do pgrep -P "$c"; done | tr '\n' ' ')"
  for p in $pids; do
    [ -r "/proc/$p/smaps_rollup" ] || continue
    rss=$((rss + $(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup")))
  done
  echo "{\"pss_kib\": $rss, \"processes\": $(echo "$pids" | wc -w)}" > "$OUT/$kind.memory.json"
  cleanup
  log "$kind: done"
}

summary() {
  "$PY" - "$OUT" <<'EOF'
import glob, json, os, statistics as st, sys
out = sys.argv[1]
def med(v): return round(st.median(v), 2) if v else None
res = {}
for kind in ("rmgr", "stock"):
    g = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{kind}.getosdmap.*.json"))]
    if not g: continue
    r = res[kind] = {}
    per = [x for d in g for x in d["per_call_ms"]]
    r["get_osd_map_ms"] = med(per); r["get_osd_map_runs"] = [round(d["median_ms"], 2) for d in g]
    r["osd_entries"] = g[0]["osds"]; r["osd_map_json_bytes"] = g[0]["json_bytes"]
    cli = [float(x) for x in open(f"{out}/{kind}.pgdump_cli.txt").read().split()]
    r["pg_dump_cli_ms"] = med(cli)
    rad = [json.loads(l) for l in open(f"{out}/{kind}.pgdump_rados.jsonl")]
    r["pg_dump_rados_ms"] = med([d["median_ms"] for d in rad]); r["pg_dump_rados_runs"] = [d["median_ms"] for d in rad]
    r["pg_dump_bytes"] = os.path.getsize(f"{out}/{kind}.pgdump.json")
    r["noop_rados_ms"] = json.load(open(f"{out}/{kind}.noop_rados.json"))["median_ms"]
    for lab in ("uncached", "cached"):
        rows = [l.split() for l in open(f"{out}/{kind}.scrape.{lab}.txt")]
        r[f"scrape_{lab}_ms"] = med([float(a) * 1e3 for a, b, c in rows if c == "200"])
        r[f"scrape_{lab}_bytes"] = int(rows[-1][1])
        r[f"scrape_{lab}_non200"] = sum(1 for a, b, c in rows if c != "200")
    r.update(json.load(open(f"{out}/{kind}.memory.json")))
print(json.dumps(res, indent=1))
if len(res) == 2:
    for k in res["rmgr"]:
        a, b = res["rmgr"][k], res["stock"][k]
        if k.endswith("_ms") and a and b:
            print(f"{k:24} rmgr {a:>9} stock {b:>9}  rmgr/stock {a / b:.3f}")
EOF
}

case $which in
  rmgr) bench_one rmgr ;;
  stock) bench_one stock ;;
  summary) ;;
  *) bench_one rmgr; bench_one stock ;;
esac
summary
