#!/usr/bin/env bash
# Side-by-side numbers for issue 4: rmgr and the stock ceph-mgr as the manager of the same
# kind of lab (../shared/ceph-lab, 1 OSD, cephx), measured the same way.
#   bench/cluster_bench.sh [rmgr|stock|both]      (root; builds rmgr in release)
# Prints start→available, `mgr module enable` → the module answers, command round trips
# over librados (mgr_cmd_bench.py, 1 and 4 threads) for a Python-module command both run
# (`balancer status`), memory and idle CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
LAB=${LAB_SCRIPTS:-$(cd .. && pwd)/shared/ceph-lab}
[ -x "$LAB/up.sh" ] || LAB=/work/shared/ceph-lab
which=${1:-both}
export PYO3_PYTHON=/usr/bin/python3
unset CEPH_ARGS CEPH_KEYRING CEPH_CONF
cargo build --release -p rmgr >/dev/null
BIN=$PWD/target/release/rmgr

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

bench_one() {  # $1 = rmgr|stock
  local kind=$1 dir data pid t0 t_avail
  dir=$(mktemp -d /tmp/rmgr-bench-lab.XXXX); rmdir "$dir"
  data=$(mktemp -d /tmp/rmgr-bench-data.XXXX)
  LAB_MGR=0 "$LAB/up.sh" "$dir" >/dev/null 2>&1
  trap "kill \$pid 2>/dev/null; sleep 1; '$LAB/down.sh' '$dir' >/dev/null 2>&1; rm -rf '$data'" RETURN
  local C="ceph --conf $dir/ceph.conf"
  t0=$(now)
  if [ "$kind" = rmgr ]; then
    "$BIN" serve --conf "$dir/ceph.conf" --id x --data "$data" >/dev/null 2>&1 &
  else
    ceph-mgr -f --conf "$dir/ceph.conf" -i x >/dev/null 2>&1 &
  fi
  pid=$!
  until $C mgr dump -f json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["available"] and d["active_name"]=="x" else 1)'; do sleep 0.05; done
  t_avail=$(since "$t0")
  until $C balancer status >/dev/null 2>&1; do sleep 0.05; done
  t_cmd=$(since "$t0")
  echo "== $kind: start→available ${t_avail}s, start→first module command ${t_cmd}s"
  t1=$(now); $C mgr module enable selftest >/dev/null 2>&1
  until $C mgr self-test python-version >/dev/null 2>&1; do sleep 0.02; done
  echo "   mgr module enable selftest → its command answers: $(since "$t1")s"
  for th in 1 4; do
    /usr/bin/python3 "$LAB/mgr_cmd_bench.py" --conf "$dir/ceph.conf" --n 2000 --threads $th --prefix "balancer status" | sed 's/^/   /'
  done
  if [ "$kind" = rmgr ]; then
    # A restart with the same data directory (module discovery cached).
    kill $pid; while kill -0 $pid 2>/dev/null; do sleep 0.05; done
    local old_gid; old_gid=$($C mgr dump -f json | python3 -c 'import json,sys; print(json.load(sys.stdin)["active_gid"])')
    t0=$(now)
    "$BIN" serve --conf "$dir/ceph.conf" --id x --data "$data" >/dev/null 2>&1 &
    pid=$!
    until $C mgr dump -f json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["available"] and d["active_gid"]!='"$old_gid"' else 1)'; do sleep 0.05; done
    echo "   restart (same data dir) → available: $(since "$t0")s"
  fi
  sleep 10
  local pids="$pid $(pgrep -P $pid | tr '\n' ' ') $(for c in $(pgrep -P $pid); do pgrep -P $c; done | tr '\n' ' ')"
  local rss=0 pss=0
  for p in $pids; do
    [ -r /proc/$p/smaps_rollup ] || continue
    rss=$((rss + $(awk '/^Rss:/{print $2}' /proc/$p/smaps_rollup)))
    pss=$((pss + $(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup)))
  done
  local c0 c1
  c0=$(for p in $pids; do awk '{print $14+$15}' /proc/$p/stat 2>/dev/null; done | paste -sd+ | bc)
  sleep 30
  c1=$(for p in $pids; do awk '{print $14+$15}' /proc/$p/stat 2>/dev/null; done | paste -sd+ | bc)
  echo "   memory: RSS $((rss/1024)) MiB, PSS $((pss/1024)) MiB over $(echo $pids | wc -w) processes; idle CPU $(echo "scale=2; ($c1 - $c0) / $(getconf CLK_TCK) / 30 * 100" | bc)% of a core"
}

case $which in
  rmgr) bench_one rmgr ;;
  stock) bench_one stock ;;
  *) bench_one rmgr; bench_one stock ;;
esac
