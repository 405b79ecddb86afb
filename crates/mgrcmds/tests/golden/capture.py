#!/usr/bin/python3
"""Capture golden cases for rmgr-mgrcmds from a running ceph-lab whose stock mgr has the
fixturedump module loaded (see README.md). Usage: capture.py CONF OUTDIR

Writes OUTDIR/inputs.json (get() values via `fixturedump get NAME`) and OUTDIR/cases.json
([{name, cmd, rc, outs, outb}], outb as text, or {"b64": ...} when not UTF-8)."""
import base64, json, sys, socket
import rados

conf, outdir = sys.argv[1], sys.argv[2]
c = rados.Rados(conffile=conf)
c.connect()

def mgr(cmd):
    rc, outb, outs = c.mgr_command(json.dumps(cmd), b'', timeout=30)
    return rc, outb, outs

NAMES = ['pg_dump', 'osd_map', 'osd_map_tree', 'osd_map_crush', 'osd_metadata', 'service_map',
         'df', 'pool_stats', 'osd_stats', 'devices', 'osd_pool_stats', 'pg_summary', 'pg_status',
         'io_rate', 'pg_stats', 'pg_ready', 'mon_map']
inputs = {}
for n in NAMES:
    rc, outb, outs = mgr({'prefix': 'fixturedump get', 'name': n})
    assert rc == 0, (n, rc, outs)
    inputs[n] = json.loads(outb)

host = socket.gethostname()
cases = []
def add(name, cmd, fmts=('plain', 'json')):
    for f in fmts:
        cm = dict(cmd)
        if f != 'plain':
            cm['format'] = f
        cases.append((f'{name}.{f}', cm))

P = lambda *w: ' '.join(w)
add('pg_stat', {'prefix': 'pg stat'})
add('pg_dump', {'prefix': 'pg dump'})
for dc in ['all', 'summary', 'sum', 'delta', 'pools', 'osds', 'pgs', 'pgs_brief']:
    add(f'pg_dump_{dc}', {'prefix': 'pg dump', 'dumpcontents': [dc]})
add('pg_dump_osds_pgs_brief', {'prefix': 'pg dump', 'dumpcontents': ['osds', 'pgs_brief']})
add('pg_dump_json', {'prefix': 'pg dump_json'})
for dc in ['all', 'summary', 'sum', 'pools', 'osds', 'pgs']:
    add(f'pg_dump_json_{dc}', {'prefix': 'pg dump_json', 'dumpcontents': [dc]})
add('pg_dump_pools_json', {'prefix': 'pg dump_pools_json'})
add('pg_ls', {'prefix': 'pg ls'})
add('pg_ls_pool1', {'prefix': 'pg ls', 'pool': 1})
add('pg_ls_pool99', {'prefix': 'pg ls', 'pool': 99})
add('pg_ls_active', {'prefix': 'pg ls', 'states': ['active']})
add('pg_ls_clean_active', {'prefix': 'pg ls', 'states': ['clean', 'active']})
add('pg_ls_peering', {'prefix': 'pg ls', 'states': ['peering']})
add('pg_ls_badstate', {'prefix': 'pg ls', 'states': ['bogus']})
add('pg_ls_by_pool', {'prefix': 'pg ls-by-pool', 'poolstr': 'lab'})
add('pg_ls_by_pool_states', {'prefix': 'pg ls-by-pool', 'poolstr': 'device_health_metrics', 'states': ['active+clean']})
add('pg_ls_by_pool_nosuch', {'prefix': 'pg ls-by-pool', 'poolstr': 'nosuch'})
for o in [0, 1, 2]:
    add(f'pg_ls_by_primary_{o}', {'prefix': 'pg ls-by-primary', 'osd': f'osd.{o}'})
    add(f'pg_ls_by_osd_{o}', {'prefix': 'pg ls-by-osd', 'osd': f'osd.{o}'})
add('pg_ls_by_primary_pool', {'prefix': 'pg ls-by-primary', 'osd': 'osd.0', 'pool': 1})
add('pg_ls_by_primary_99', {'prefix': 'pg ls-by-primary', 'osd': 'osd.99'})
add('pg_ls_by_osd_99', {'prefix': 'pg ls-by-osd', 'osd': 'osd.99'})
add('pg_dump_stuck', {'prefix': 'pg dump_stuck'})
add('pg_dump_stuck_inactive', {'prefix': 'pg dump_stuck', 'stuckops': ['inactive']})
add('pg_dump_stuck_multi', {'prefix': 'pg dump_stuck', 'stuckops': ['stale', 'undersized', 'degraded'], 'threshold': 0})
add('pg_debug_unfound', {'prefix': 'pg debug', 'debugop': 'unfound_objects_exist'})
add('pg_debug_degraded', {'prefix': 'pg debug', 'debugop': 'degraded_pgs_exist'})
add('osd_perf', {'prefix': 'osd perf'})
add('osd_df', {'prefix': 'osd df'})
add('osd_df_plain', {'prefix': 'osd df', 'output_method': 'plain'})
add('osd_df_tree', {'prefix': 'osd df', 'output_method': 'tree'})
add('osd_df_class_hdd', {'prefix': 'osd df', 'filter_by': 'class', 'filter': 'hdd'})
add('osd_df_class_ssd', {'prefix': 'osd df', 'filter_by': 'class', 'filter': 'ssd'})
add('osd_df_name_osd1', {'prefix': 'osd df', 'filter_by': 'name', 'filter': 'osd.1'})
add('osd_df_tree_name_osd1', {'prefix': 'osd df', 'output_method': 'tree', 'filter_by': 'name', 'filter': 'osd.1'})
add('osd_df_tree_name_default', {'prefix': 'osd df', 'output_method': 'tree', 'filter_by': 'name', 'filter': 'default'})
add('osd_df_tree_class_hdd', {'prefix': 'osd df', 'output_method': 'tree', 'filter_by': 'class', 'filter': 'hdd'})
add('osd_df_name_nosuch', {'prefix': 'osd df', 'filter_by': 'name', 'filter': 'nosuch'})
add('osd_df_filter_noby', {'prefix': 'osd df', 'filter': 'osd.1'})
add('osd_blocked_by', {'prefix': 'osd blocked-by'})
add('osd_pool_stats', {'prefix': 'osd pool stats'})
add('osd_pool_stats_lab', {'prefix': 'osd pool stats', 'pool_name': 'lab'})
add('osd_pool_stats_nosuch', {'prefix': 'osd pool stats', 'pool_name': 'nosuch'})
add('osd_test_rbu', {'prefix': 'osd test-reweight-by-utilization'})
add('osd_test_rbu_101', {'prefix': 'osd test-reweight-by-utilization', 'oload': 101, 'max_change': 0.5, 'max_osds': 2, 'no_increasing': True})
add('osd_test_rbu_90', {'prefix': 'osd test-reweight-by-utilization', 'oload': 90})
add('osd_test_rbpg', {'prefix': 'osd test-reweight-by-pg'})
add('osd_test_rbpg_101', {'prefix': 'osd test-reweight-by-pg', 'oload': 101, 'pools': ['lab']})
add('osd_test_rbpg_nosuch', {'prefix': 'osd test-reweight-by-pg', 'pools': ['nosuch']})
add('osd_safe_to_destroy_0', {'prefix': 'osd safe-to-destroy', 'ids': ['0']})
add('osd_safe_to_destroy_all3', {'prefix': 'osd safe-to-destroy', 'ids': ['0', '1', '2']})
add('osd_safe_to_destroy_99', {'prefix': 'osd safe-to-destroy', 'ids': ['99']})
add('osd_safe_to_destroy_any', {'prefix': 'osd safe-to-destroy', 'ids': ['any']})
add('osd_safe_to_destroy_bad', {'prefix': 'osd safe-to-destroy', 'ids': ['foo']})
add('osd_ok_to_stop_0', {'prefix': 'osd ok-to-stop', 'ids': ['0']})
add('osd_ok_to_stop_osd0', {'prefix': 'osd ok-to-stop', 'ids': ['osd.0']})
add('osd_ok_to_stop_all3', {'prefix': 'osd ok-to-stop', 'ids': ['0', '1', '2']})
add('osd_ok_to_stop_99', {'prefix': 'osd ok-to-stop', 'ids': ['99']})
add('osd_ok_to_stop_max', {'prefix': 'osd ok-to-stop', 'ids': ['0'], 'max': 3})
add('osd_ok_to_stop_bad', {'prefix': 'osd ok-to-stop', 'ids': ['foo']})
add('osd_destroy_noyes', {'prefix': 'osd destroy', 'id': 'osd.0'})
add('osd_destroy_99', {'prefix': 'osd destroy', 'id': 'osd.99', 'yes_i_really_mean_it': True})
add('osd_purge_noyes', {'prefix': 'osd purge', 'id': 'osd.0'})
add('osd_purge_unsafe', {'prefix': 'osd purge', 'id': 'osd.0', 'yes_i_really_mean_it': True})
add('service_dump', {'prefix': 'service dump'})
add('service_status', {'prefix': 'service status'})
add('config_show_osd0', {'prefix': 'config show', 'who': 'osd.0'})
add('config_show_osd0_key', {'prefix': 'config show', 'who': 'osd.0', 'key': 'osd_max_backfills'})
add('config_show_osd0_badkey', {'prefix': 'config show', 'who': 'osd.0', 'key': 'no_such_option'})
add('config_show_osd99', {'prefix': 'config show', 'who': 'osd.99'})
add('config_show_bad', {'prefix': 'config show', 'who': 'foo'})
add('config_show_defaults_osd0', {'prefix': 'config show-with-defaults', 'who': 'osd.0'})
add('config_show_defaults_osd99', {'prefix': 'config show-with-defaults', 'who': 'osd.99'})
add('device_ls', {'prefix': 'device ls'})
add('device_info_nosuch', {'prefix': 'device info', 'devid': 'nosuch'})
add('device_ls_by_daemon_osd0', {'prefix': 'device ls-by-daemon', 'who': 'osd.0'})
add('device_ls_by_daemon_bad', {'prefix': 'device ls-by-daemon', 'who': 'foo'})
add('device_ls_by_daemon_osd99', {'prefix': 'device ls-by-daemon', 'who': 'osd.99'})
add('device_ls_by_host', {'prefix': 'device ls-by-host', 'host': host})
add('device_ls_by_host_nosuch', {'prefix': 'device ls-by-host', 'host': 'nosuch'})
add('device_set_life_nosuch', {'prefix': 'device set-life-expectancy', 'devid': 'nosuch', 'from': '2030-01-01'})
add('device_rm_life_nosuch', {'prefix': 'device rm-life-expectancy', 'devid': 'nosuch'})
add('pg_getmap', {'prefix': 'pg getmap'}, fmts=('plain',))
# mutating (scrubs, force flags) last
for verb in ['scrub', 'deep-scrub', 'repair']:
    add(f'pg_{verb}', {'prefix': f'pg {verb}', 'pgid': '1.0'})
    add(f'pg_{verb}_nopool', {'prefix': f'pg {verb}', 'pgid': '9.0'})
    add(f'pg_{verb}_nopg', {'prefix': f'pg {verb}', 'pgid': '1.1f'})
    add(f'osd_pool_{verb}', {'prefix': f'osd pool {verb}', 'who': ['lab']})
    add(f'osd_pool_{verb}_two', {'prefix': f'osd pool {verb}', 'who': ['lab', 'device_health_metrics']})
    add(f'osd_pool_{verb}_nosuch', {'prefix': f'osd pool {verb}', 'who': ['nosuch']})
    add(f'osd_{verb}_0', {'prefix': f'osd {verb}', 'who': '0'})
    add(f'osd_{verb}_all', {'prefix': f'osd {verb}', 'who': 'all'})
    add(f'osd_{verb}_99', {'prefix': f'osd {verb}', 'who': '99'})
    add(f'osd_{verb}_bad', {'prefix': f'osd {verb}', 'who': 'foo'})
for verb in ['force-recovery', 'force-backfill', 'cancel-force-recovery', 'cancel-force-backfill']:
    add(f'pg_{verb}', {'prefix': f'pg {verb}', 'pgid': ['1.0', '1.1']})
    add(f'pg_{verb}_nopg', {'prefix': f'pg {verb}', 'pgid': ['1.1f']})
    add(f'osd_pool_{verb}', {'prefix': f'osd pool {verb}', 'who': ['lab']})
    add(f'osd_pool_{verb}_nosuch', {'prefix': f'osd pool {verb}', 'who': ['nosuch']})
add('osd_rbu', {'prefix': 'osd reweight-by-utilization'}, fmts=('plain',))
add('osd_rbpg', {'prefix': 'osd reweight-by-pg'}, fmts=('plain',))

out = []
for name, cmd in cases:
    rc, outb, outs = mgr(cmd)
    try:
        ob = outb.decode('utf-8')
    except UnicodeDecodeError:
        ob = {'b64': base64.b64encode(outb).decode(), 'len': len(outb)}
    out.append({'name': name, 'cmd': cmd, 'rc': rc, 'outs': outs, 'outb': ob})
# inputs again after the read-only part? keep the first capture; record the pg_dump after too
rc, outb, outs = mgr({'prefix': 'fixturedump get', 'name': 'pg_dump'})
inputs['_pg_dump_after'] = json.loads(outb)
inputs['_hostname'] = host
json.dump(inputs, open(f'{outdir}/inputs.json', 'w'), indent=1)
json.dump(out, open(f'{outdir}/cases.json', 'w'), indent=1)
print(len(out), 'cases')
