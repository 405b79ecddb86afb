#!/usr/bin/env python3
"""split.py RAW OUTBASE [--config-options PATH]

Turns one raw fixturedump capture (capture.sh) into rmgr fixtures:

  OUTBASE.json        the data names rmgr *stores* (crates/core/src/cluster.rs STORED_NAMES),
                      loadable as is: `rmgr serve --fixture OUTBASE.json`,
                      `rmgr cluster state load -i OUTBASE.json`. config_options is left out
                      (it is the same option schema in every capture: see --config-options).
  OUTBASE.extra.json  the rest, for reference: names rmgr computes itself (health, mgr_map,
                      mgr_ips, have_local_config_map, pg_ready, config, device <id>), and
                      "_list_servers", "_metadata" (get_metadata of every daemon),
                      "_daemon_status", "_perf_schema" (get_perf_schema('', '')), "_capture".
  --config-options P  also write get('config_options') to P (one option per line).

Values are kept as captured, in the stock mgr's key order. Two stored names are not get()
names: "health_metrics" (get_daemon_health_metrics()) and "mon_metadata" (get_metadata('mon',
id) of every mon, keyed by id, like osd_metadata / mds_metadata).
"""
import argparse
import json
import sys

# = crates/core/src/cluster.rs STORED_NAMES (the cluster.rs unit test checks that every one
# of them has a default in fixtures/empty.json + fixtures/config_options.json)
STORED = [
    'fs_map', 'osdmap_crush_map_text', 'osd_map', 'osd_map_tree', 'osd_map_crush', 'config_options',
    'mon_map', 'service_map', 'osd_metadata', 'mds_metadata', 'pg_summary', 'pg_status', 'pg_dump',
    'devices', 'io_rate', 'df', 'pg_stats', 'pool_stats', 'osd_stats', 'osd_ping_times',
    'osd_pool_stats', 'mon_status', 'active_clean_pgs', 'modified_config_options', 'pg_progress',
    'health_metrics', 'mon_metadata',
]
RENAMED = {'_daemon_health_metrics': 'health_metrics'}


def dump(obj, f, indent=1):
    json.dump(obj, f, indent=indent)
    f.write('\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('raw')
    ap.add_argument('outbase')
    ap.add_argument('--config-options')
    a = ap.parse_args()

    with open(a.raw) as f:
        raw = json.load(f)
    errors = raw.get('_capture', {}).get('errors', {})
    if errors:
        sys.exit('capture has errors: %s' % ', '.join(sorted(errors)))
    raw = {RENAMED.get(k, k): v for k, v in raw.items()}
    raw['mon_metadata'] = {k[len('mon.'):]: v for k, v in raw.get('_metadata', {}).items()
                           if k.startswith('mon.') and v is not None}

    stored = {n: raw[n] for n in STORED if n in raw and n != 'config_options'}
    missing = [n for n in STORED if n not in raw]
    if missing:
        sys.exit('capture lacks stored names: %s' % ', '.join(missing))
    extra = {k: v for k, v in raw.items() if k not in STORED}

    with open(a.outbase + '.json', 'w') as f:
        dump(stored, f)
    with open(a.outbase + '.extra.json', 'w') as f:
        dump(extra, f)
    if a.config_options:
        opts = raw['config_options']['options']
        with open(a.config_options, 'w') as f:
            f.write('{"options": [\n')
            f.write(',\n'.join(json.dumps(o) for o in opts))
            f.write('\n]}\n')
    print('%s.json: %d names; %s.extra.json: %d keys' % (a.outbase, len(stored), a.outbase, len(extra)),
          file=sys.stderr)


if __name__ == '__main__':
    main()
