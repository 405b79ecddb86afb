#!/usr/bin/python3
"""Capture reweight-by-* and pg getmap goldens (see README.md, "reweight/").
Usage: capture_reweight.py CONF OUTDIR

Like capture.py: OUTDIR/inputs.json (get() values via `fixturedump get NAME`, plus `_options`:
the mgr options the cases depend on) and OUTDIR/cases.json. The last cases are the real
`osd reweight-by-*` (they change the OSDMap: captured last, their rc/outs are the mon's)."""
import base64, json, sys
import rados

conf, outdir = sys.argv[1], sys.argv[2]
c = rados.Rados(conffile=conf)
c.connect()

def mgr(cmd):
    return c.mgr_command(json.dumps(cmd), b'', timeout=30)

NAMES = ['pg_dump', 'osd_map', 'osd_map_tree', 'osd_map_crush', 'osd_metadata', 'service_map',
         'df', 'pool_stats', 'osd_stats', 'devices', 'osd_pool_stats', 'pg_summary', 'pg_status',
         'io_rate', 'pg_stats', 'pg_ready', 'mon_map']
inputs = {}
for n in NAMES:
    rc, outb, outs = mgr({'prefix': 'fixturedump get', 'name': n})
    assert rc == 0, (n, rc, outs)
    inputs[n] = json.loads(outb)
opts = {}
for o in ['mon_reweight_min_bytes_per_osd', 'mon_reweight_min_pgs_per_osd',
          'mon_reweight_max_change', 'mon_reweight_max_osds']:
    rc, outb, outs = c.mon_command(json.dumps({'prefix': 'config get', 'who': 'mgr', 'key': o}), b'')
    opts[o] = outb.decode().strip()
inputs['_options'] = opts

cases = []
def add(name, cmd, fmts=('plain', 'json')):
    for f in fmts:
        cm = dict(cmd)
        if f != 'plain':
            cm['format'] = f
        cases.append((f'{name}.{f}', cm))

U, P = 'osd test-reweight-by-utilization', 'osd test-reweight-by-pg'
add('rbu', {'prefix': U})
add('rbu_101', {'prefix': U, 'oload': 101})
add('rbu_101_mc', {'prefix': U, 'oload': 101, 'max_change': 0.5})
add('rbu_101_mc_osds1', {'prefix': U, 'oload': 101, 'max_change': 0.3, 'max_osds': 1})
add('rbu_101_noinc', {'prefix': U, 'oload': 101, 'max_change': 0.5, 'no_increasing': True})
add('rbu_105_pretty', {'prefix': U, 'oload': 105}, fmts=('json-pretty',))
add('rbu_bad_mc', {'prefix': U, 'max_change': -1.0})
add('rbu_bad_osds', {'prefix': U, 'max_osds': 0})
add('rbpg', {'prefix': P})
add('rbpg_101', {'prefix': P, 'oload': 101})
add('rbpg_101_mc', {'prefix': P, 'oload': 101, 'max_change': 0.4})
add('rbpg_101_rw', {'prefix': P, 'oload': 101, 'pools': ['rw']})
add('rbpg_101_rw_lab', {'prefix': P, 'oload': 101, 'max_change': 0.2, 'pools': ['rw', 'lab']})
add('rbpg_lab', {'prefix': P, 'oload': 101, 'pools': ['lab']})
add('rbpg_150', {'prefix': P, 'oload': 150})
add('pg_getmap', {'prefix': 'pg getmap'}, fmts=('plain',))
add('zz_real_rbu', {'prefix': 'osd reweight-by-utilization', 'oload': 101}, fmts=('plain',))
add('zz_real_rbpg', {'prefix': 'osd reweight-by-pg', 'oload': 101, 'max_change': 0.1}, fmts=('json',))

out = []
for name, cmd in cases:
    rc, outb, outs = mgr(cmd)
    try:
        b = outb.decode('utf-8')
        if name.startswith('pg_getmap'):
            raise UnicodeDecodeError('utf-8', b'', 0, 1, 'binary')
    except UnicodeDecodeError:
        b = {'b64': base64.b64encode(outb).decode(), 'len': len(outb)}
    out.append({'name': name, 'cmd': cmd, 'rc': rc, 'outs': outs, 'outb': b})
    if name.startswith('zz_real'):
        rc2, ob2, os2 = c.mon_command(json.dumps({'prefix': 'osd dump', 'format': 'json'}), b'')
        out[-1]['osd_weights_after'] = {str(o['osd']): o['weight'] for o in json.loads(ob2)['osds']}
json.dump(inputs, open(f'{outdir}/inputs.json', 'w'), indent=1, sort_keys=False)
json.dump(out, open(f'{outdir}/cases.json', 'w'), indent=1)
print(len(out), 'cases')
