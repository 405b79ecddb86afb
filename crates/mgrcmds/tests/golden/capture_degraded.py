#!/usr/bin/python3
"""Degraded scenario (osd.2 stopped and marked down, stats frozen): capture inputs and a
subset of commands into OUTDIR. Usage: capture_degraded.py CONF OUTDIR"""
import base64, json, sys
import rados
conf, outdir = sys.argv[1], sys.argv[2]
c = rados.Rados(conffile=conf); c.connect()
def mgr(cmd):
    return c.mgr_command(json.dumps(cmd), b'', timeout=30)
NAMES = ['pg_dump', 'osd_map', 'osd_map_tree', 'osd_map_crush', 'osd_metadata', 'service_map',
         'df', 'pool_stats', 'osd_stats', 'devices', 'osd_pool_stats', 'pg_summary', 'pg_status',
         'io_rate', 'pg_stats', 'pg_ready']
inputs = {}
for n in NAMES:
    rc, outb, outs = mgr({'prefix': 'fixturedump get', 'name': n})
    inputs[n] = json.loads(outb)
cases = []
def add(name, cmd, fmts=('plain', 'json')):
    for f in fmts:
        cm = dict(cmd)
        if f != 'plain':
            cm['format'] = f
        cases.append((f'{name}.{f}', cm))
add('pg_stat', {'prefix': 'pg stat'})
for dc in ['all', 'summary', 'pools', 'osds', 'pgs_brief']:
    add(f'pg_dump_{dc}', {'prefix': 'pg dump', 'dumpcontents': [dc]})
add('pg_ls', {'prefix': 'pg ls'})
add('pg_ls_stale', {'prefix': 'pg ls', 'states': ['stale']})
add('pg_ls_by_osd_2', {'prefix': 'pg ls-by-osd', 'osd': 2})
add('pg_ls_by_primary_2', {'prefix': 'pg ls-by-primary', 'osd': 2})
for ops in [[], ['inactive'], ['unclean'], ['stale'], ['undersized'], ['degraded'], ['stale', 'inactive']]:
    n = '_'.join(ops) or 'default'
    add(f'pg_dump_stuck_{n}', {'prefix': 'pg dump_stuck', 'stuckops': ops, 'threshold': 0} if ops else {'prefix': 'pg dump_stuck', 'threshold': 0})
add('pg_dump_stuck_default300', {'prefix': 'pg dump_stuck'})
add('pg_debug_unfound', {'prefix': 'pg debug', 'debugop': 'unfound_objects_exist'})
add('pg_debug_degraded', {'prefix': 'pg debug', 'debugop': 'degraded_pgs_exist'})
add('osd_perf', {'prefix': 'osd perf'})
add('osd_df', {'prefix': 'osd df'})
add('osd_df_tree', {'prefix': 'osd df', 'output_method': 'tree'})
add('osd_blocked_by', {'prefix': 'osd blocked-by'})
add('osd_pool_stats', {'prefix': 'osd pool stats'})
for ids in [['0'], ['1'], ['2'], ['0', '1'], ['1', '2']]:
    add('osd_ok_to_stop_' + '_'.join(ids), {'prefix': 'osd ok-to-stop', 'ids': ids})
    add('osd_safe_to_destroy_' + '_'.join(ids), {'prefix': 'osd safe-to-destroy', 'ids': ids})
add('osd_ok_to_stop_1_max', {'prefix': 'osd ok-to-stop', 'ids': ['1'], 'max': 3})
add('osd_destroy_2', {'prefix': 'osd destroy', 'id': 2})
add('osd_purge_2', {'prefix': 'osd purge', 'id': 2})
add('osd_scrub_2', {'prefix': 'osd scrub', 'who': '2'})
add('osd_scrub_all', {'prefix': 'osd scrub', 'who': 'all'})
add('osd_test_rbu', {'prefix': 'osd test-reweight-by-utilization'})
add('osd_test_rbpg', {'prefix': 'osd test-reweight-by-pg'})
add('config_show_osd2', {'prefix': 'config show', 'who': 'osd.2'})
out = []
for name, cmd in cases:
    rc, outb, outs = mgr(cmd)
    try:
        ob = outb.decode('utf-8')
    except UnicodeDecodeError:
        ob = {'b64': base64.b64encode(outb).decode(), 'len': len(outb)}
    out.append({'name': name, 'cmd': cmd, 'rc': rc, 'outs': outs, 'outb': ob})
    print(name, rc, repr(outs[:120]), len(outb))
json.dump(inputs, open(f'{outdir}/inputs.json', 'w'), indent=1)
json.dump(out, open(f'{outdir}/cases.json', 'w'), indent=1)
