#!/usr/bin/python3
"""Pick MPGStats / MMonMgrReport / MServiceMap messages out of a capture_pg.sh capture and
store their segments as test fixtures.

    /usr/bin/python3 /work/shared/research/tools/msgr2dump.py OUT/pg.pcap > OUT/dump.txt
    tools/capture/extract_pg.py OUT crates/msgr/tests/fixtures/pg

msgr2dump.py leaves OUT/pg.pcap.msgs.pkl: a list of
(stream, type, version, compat, seq, tid, front, middle, data). We keep, per message type,
a spread of distinct payload shapes: for MPGStats the first, a middle and the last message of
every OSD session plus one of every front size; for MMonMgrReport one of every
(front size, data size) pair plus the first and last; every MServiceMap. Each kept message
becomes NAME.front (and NAME.data when it has a data segment); manifest.json lists them.
"""
import json, os, pickle, shutil, sys

src, dst = sys.argv[1], sys.argv[2]
raw = pickle.load(open(os.path.join(src, 'pg.pcap.msgs.pkl'), 'rb'))
os.makedirs(dst, exist_ok=True)

NAMES = {87: 'mpgstats', 0x706: 'mmonmgrreport', 0x707: 'mservicemap'}
picked = []

def pick(msgs):
    seen, out = set(), []
    for m in msgs:
        if id(m) not in seen:
            seen.add(id(m))
            out.append(m)
    return out

by_type = {t: [m for m in raw if m[1] == t] for t in NAMES}
# MPGStats: per stream first/middle/last, plus one per front size
pg = by_type[87]
sel = []
for stream in sorted({m[0] for m in pg}):
    ms = [m for m in pg if m[0] == stream]
    sel += [ms[0], ms[len(ms) // 2], ms[-1]]
sizes = {}
for m in pg:
    sizes.setdefault(len(m[6]), m)
sel += list(sizes.values())
picked += pick(sel)
# MMonMgrReport: one per (front, data) size pair, plus first and last
rep = by_type[0x706]
shapes = {}
for m in rep:
    shapes.setdefault((len(m[6]), len(m[8])), m)
picked += pick([rep[0]] + list(shapes.values()) + [rep[-1]])
picked += by_type[0x707]

manifest = []
counters = {}
for (stream, t, ver, compat, seq, tid, front, middle, data) in picked:
    n = counters.get(t, 0)
    counters[t] = n + 1
    name = '%s_%02d' % (NAMES[t], n)
    open(os.path.join(dst, name + '.front'), 'wb').write(front)
    entry = dict(name=name, type=t, version=ver, compat=compat, stream=stream, seq=seq,
                 front_len=len(front), data_len=len(data))
    if data:
        open(os.path.join(dst, name + '.data'), 'wb').write(data)
    manifest.append(entry)
json.dump(manifest, open(os.path.join(dst, 'manifest.json'), 'w'), indent=1)
for f in ('pg_dump.json', 'pg_dump_recovery.json', 'service_dump.json', 'health_detail.json',
          'status.json', 'progress.json'):
    if os.path.exists(os.path.join(src, f)):
        shutil.copy(os.path.join(src, f), os.path.join(dst, f))
print('\n'.join('%(name)s type=%(type)d v%(version)d %(stream)s seq=%(seq)d front=%(front_len)d data=%(data_len)d' % e for e in manifest))
