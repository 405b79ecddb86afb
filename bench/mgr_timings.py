#!/usr/bin/python3
"""Times the manager's reactions over one persistent librados connection (no CLI start-up
in the figures): `mgr module enable selftest` -> `mgr self-test python-version` answers, and
`mgr fail <active>` -> a manager answers a Python-module command again.

  bench/mgr_timings.py --conf <lab>/ceph.conf enable [--runs 5]
  bench/mgr_timings.py --conf <lab>/ceph.conf failover [--runs 3]   (needs a standby)
  bench/mgr_timings.py --conf <lab>/ceph.conf --name x start -- <command that starts mgr.x>
      (no manager running: exec -> `available` in the MgrMap -> `balancer status` answers)

Works the same against rmgr and the stock ceph-mgr. Use /usr/bin/python3 (Debian's rados).
"""
import argparse
import json
import statistics
import time

import rados


def mon(c, **cmd):
    r, out, err = c.mon_command(json.dumps(cmd), b"", timeout=30)
    if r != 0:
        raise RuntimeError(f"{cmd}: {r} {err}")
    return json.loads(out) if cmd.get("format") == "json" else out


def answers(c, prefix, timeout=60.0):
    """Polls a mgr command until it succeeds; returns the seconds it took."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            r, _, _ = c.mgr_command(json.dumps({"prefix": prefix}), b"", timeout=5)
            if r == 0:
                return time.perf_counter() - t0
        except rados.Error:
            pass
        time.sleep(0.005)
    raise RuntimeError(f"{prefix} did not answer within {timeout}s")


def enable(c, runs):
    out = []
    for _ in range(runs):
        mon(c, prefix="mgr module disable", module="selftest")
        t1 = time.time()
        while time.time() - t1 < 30:
            try:
                r, _, _ = c.mgr_command(json.dumps({"prefix": "mgr self-test python-version"}),
                                        b"", timeout=5)
            except rados.Error:
                r = -1
            if r != 0:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("selftest still answers after disable")
        time.sleep(2)
        t0 = time.perf_counter()
        mon(c, prefix="mgr module enable", module="selftest")
        answers(c, "mgr self-test python-version")
        out.append(time.perf_counter() - t0)
    return out


def failover(c, runs):
    out = []
    for _ in range(runs):
        d = mon(c, prefix="mgr dump", format="json")
        if not d.get("standbys"):
            raise RuntimeError("no standby")
        active = d["active_name"]
        answers(c, "balancer status")
        t0 = time.perf_counter()
        mon(c, prefix="mgr fail", who=active)
        answers(c, "balancer status")
        out.append(time.perf_counter() - t0)
        # wait for the failed one to come back as a standby
        t1 = time.time()
        while time.time() - t1 < 60:
            d = mon(c, prefix="mgr dump", format="json")
            if any(s["name"] == active for s in d.get("standbys", [])):
                break
            time.sleep(0.2)
        time.sleep(2)
    return out


def start(c, name, argv):
    import subprocess
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    avail = None
    while time.perf_counter() - t0 < 120:
        d = mon(c, prefix="mgr dump", format="json")
        if d.get("active_name") == name and d.get("available"):
            avail = time.perf_counter() - t0
            break
        time.sleep(0.01)
    answers(c, "balancer status")
    answered = time.perf_counter() - t0
    return {"pid": p.pid, "available_s": round(avail, 3) if avail else None,
            "answers_s": round(answered, 3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conf", required=True)
    ap.add_argument("what", choices=["enable", "failover", "start"])
    ap.add_argument("--name", default="x")
    ap.add_argument("argv", nargs=argparse.REMAINDER)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    c = rados.Rados(conffile=a.conf)
    c.connect(timeout=30)
    if a.what == "start":
        argv = a.argv[1:] if a.argv[:1] == ["--"] else a.argv
        print(json.dumps(start(c, a.name, argv)))
        return
    xs = enable(c, a.runs) if a.what == "enable" else failover(c, a.runs)
    print(json.dumps({"what": a.what, "runs": [round(x, 3) for x in xs],
                      "median_s": round(statistics.median(xs), 3)}))


if __name__ == "__main__":
    main()
