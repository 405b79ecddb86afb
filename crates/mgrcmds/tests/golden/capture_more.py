#!/usr/bin/python3
"""Second pass (CephOsdName arguments are sent as integers, as the ceph CLI does): appends to
cases.json. Usage: capture_more.py CONF OUTDIR"""
import base64, json, sys
import rados
conf, outdir = sys.argv[1], sys.argv[2]
c = rados.Rados(conffile=conf); c.connect()
cases = []
def add(name, cmd, fmts=('plain', 'json')):
    for f in fmts:
        cm = dict(cmd)
        if f != 'plain':
            cm['format'] = f
        cases.append((f'{name}.{f}', cm))
for o in [0, 1, 2]:
    add(f'pg_ls_by_primary_{o}', {'prefix': 'pg ls-by-primary', 'osd': o})
    add(f'pg_ls_by_osd_{o}', {'prefix': 'pg ls-by-osd', 'osd': o})
add('pg_ls_by_primary_pool', {'prefix': 'pg ls-by-primary', 'osd': 1, 'pool': 1})
add('pg_ls_by_osd_states', {'prefix': 'pg ls-by-osd', 'osd': 1, 'states': ['clean']})
add('pg_ls_by_primary_99', {'prefix': 'pg ls-by-primary', 'osd': 99})
add('pg_ls_by_osd_99', {'prefix': 'pg ls-by-osd', 'osd': 99})
add('pg_ls_by_osd_pool99', {'prefix': 'pg ls-by-osd', 'osd': 0, 'pool': 99})
add('pg_ls_by_pool_states', {'prefix': 'pg ls-by-pool', 'poolstr': 'device_health_metrics', 'states': ['active', 'clean']})
add('osd_destroy_noyes', {'prefix': 'osd destroy', 'id': 0})
add('osd_destroy_99', {'prefix': 'osd destroy', 'id': 99, 'yes_i_really_mean_it': True})
add('osd_purge_noyes', {'prefix': 'osd purge', 'id': 0})
add('osd_purge_unsafe', {'prefix': 'osd purge', 'id': 0, 'yes_i_really_mean_it': True})
add('osd_purge_99', {'prefix': 'osd purge', 'id': 99, 'yes_i_really_mean_it': True})
add('pg_dump_stuck_threshold', {'prefix': 'pg dump_stuck', 'stuckops': ['unclean'], 'threshold': 5})
add('pg_dump_delta_plain_pools', {'prefix': 'pg dump', 'dumpcontents': ['delta', 'pools']})
add('pg_dump_json_pools_osds', {'prefix': 'pg dump_json', 'dumpcontents': ['pools', 'osds']})
add('osd_df_tree_class_ssd', {'prefix': 'osd df', 'output_method': 'tree', 'filter_by': 'class', 'filter': 'ssd'})
add('osd_pool_stats_dhm', {'prefix': 'osd pool stats', 'pool_name': 'device_health_metrics'})
add('pg_dump_pretty', {'prefix': 'pg dump', 'dumpcontents': ['osds']}, fmts=('json-pretty',))
add('osd_df_pretty', {'prefix': 'osd df'}, fmts=('json-pretty',))
add('pg_stat_pretty', {'prefix': 'pg stat'}, fmts=('json-pretty',))
add('osd_perf_pretty', {'prefix': 'osd perf'}, fmts=('json-pretty',))
out = json.load(open(f'{outdir}/cases.json'))
names = {x['name'] for x in out}
out = [x for x in out if x['name'] not in {n for n, _ in cases}]
for name, cmd in cases:
    rc, outb, outs = c.mgr_command(json.dumps(cmd), b'', timeout=30)
    try:
        ob = outb.decode('utf-8')
    except UnicodeDecodeError:
        ob = {'b64': base64.b64encode(outb).decode(), 'len': len(outb)}
    out.append({'name': name, 'cmd': cmd, 'rc': rc, 'outs': outs, 'outb': ob})
    print(name, rc, repr(outs[:150]), len(outb))
json.dump(out, open(f'{outdir}/cases.json', 'w'), indent=1)
