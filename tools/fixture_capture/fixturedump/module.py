"""
fixturedump: a stock ceph-mgr (Pacific 16.2.x) module that captures everything a Python
module can read through get() / list_servers() / get_metadata() / get_perf_schema() into
one JSON file, for rmgr's cluster-state fixtures (tools/fixture_capture/capture.sh).

    ceph fixturedump write <path>     # written by the mgr process, so <path> is on its host
    ceph fixturedump get <name>       # one get(<name>), e.g. to wait for pg_ready
    ceph fixturedump names            # the data names captured

The file is one JSON object:
    {"<data_name>": <get(data_name)>, ...,            every name of ceph_module_api.md §7.1.1
     "device <devid>": ...,                             one per device in get('devices')
     "_capture": {...},                                 when/what/where, errors per name
     "_list_servers": [...],
     "_metadata": {"<type>.<id>": {...}},               get_metadata for every daemon known
     "_daemon_status": {"<type>.<id>": {...}},
     "_daemon_health_metrics": {...},
     "_perf_schema": {...}}                             get_perf_schema('', '')
"""

import errno
import json
import os
import time
import traceback
from typing import Any, Dict, List, Tuple

from mgr_module import MgrModule

# ceph_module_api.md §7.1.1, in the spec's order.
DATA_NAMES = [
    'fs_map', 'osdmap_crush_map_text', 'osd_map', 'osd_map_tree', 'osd_map_crush', 'config',
    'config_options', 'mon_map', 'service_map', 'osd_metadata', 'mds_metadata', 'pg_summary',
    'pg_status', 'pg_dump', 'devices', 'io_rate', 'df', 'pg_stats', 'pool_stats', 'pg_ready',
    'pg_progress', 'osd_stats', 'osd_ping_times', 'osd_pool_stats', 'health', 'mon_status',
    'mgr_map', 'mgr_ips', 'have_local_config_map', 'active_clean_pgs', 'modified_config_options',
]


def _plain(v: Any) -> Any:
    """json.dumps fallback: bytes -> str (utf-8, undecodable bytes escaped), sets -> sorted
    lists, anything else -> str()."""
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode('utf-8', errors='backslashreplace')
    if isinstance(v, (set, frozenset)):
        return sorted(v, key=str)
    return str(v)


class Module(MgrModule):
    COMMANDS = [
        {
            'cmd': 'fixturedump write name=path,type=CephString',
            'desc': 'Write every get() data name, list_servers, daemon metadata and '
                    'the perf schema as one JSON file (on the mgr host)',
            'perm': 'rw',
        },
        {
            'cmd': 'fixturedump get name=name,type=CephString',
            'desc': 'Print get(<name>) as JSON (for polling, e.g. pg_ready)',
            'perm': 'r',
        },
        {
            'cmd': 'fixturedump names',
            'desc': 'List the data names fixturedump captures',
            'perm': 'r',
        },
    ]
    MODULE_OPTIONS: List[Dict[str, Any]] = [
        {'name': 'include_perf_schema', 'type': 'bool', 'default': True,
         'desc': "include get_perf_schema('', '') in the dump"},
    ]

    def _daemons(self, data: Dict[str, Any]) -> List[Tuple[str, str]]:
        """Every (svc_type, svc_id) the maps mention."""
        out: List[Tuple[str, str]] = []
        for m in (data.get('mon_map') or {}).get('mons', []):
            out.append(('mon', m['name']))
        mgr_map = data.get('mgr_map') or {}
        if mgr_map.get('active_name'):
            out.append(('mgr', mgr_map['active_name']))
        for s in mgr_map.get('standbys', []):
            out.append(('mgr', s['name']))
        for o in (data.get('osd_map') or {}).get('osds', []):
            out.append(('osd', str(o['osd'])))
        fs_map = data.get('fs_map') or {}
        for s in fs_map.get('standbys', []):
            out.append(('mds', s['name']))
        for fs in fs_map.get('filesystems', []):
            for info in fs.get('mdsmap', {}).get('info', {}).values():
                out.append(('mds', info['name']))
        for srv in self.list_servers() or []:
            for s in srv.get('services', []):
                out.append((s['type'], str(s['id'])))
        seen = set()
        uniq = []
        for d in out:
            if d not in seen:
                seen.add(d)
                uniq.append(d)
        return uniq

    def _capture(self) -> Dict[str, Any]:
        errors: Dict[str, str] = {}
        data: Dict[str, Any] = {}
        timings: Dict[str, float] = {}

        def grab(key: str, fn: Any, *args: Any) -> None:
            t0 = time.time()
            try:
                data[key] = fn(*args)
            except Exception:
                errors[key] = traceback.format_exc()
                self.log.error('fixturedump: %s failed: %s', key, errors[key])
            timings[key] = round(time.time() - t0, 6)

        for name in DATA_NAMES:
            grab(name, self.get, name)
        for dev in (data.get('devices') or {}).get('devices', []):
            if dev.get('devid'):
                grab('device ' + dev['devid'], self.get, 'device ' + dev['devid'])

        grab('_list_servers', self.list_servers)
        meta: Dict[str, Any] = {}
        status: Dict[str, Any] = {}
        for svc_type, svc_id in self._daemons(data):
            key = '%s.%s' % (svc_type, svc_id)
            try:
                meta[key] = self.get_metadata(svc_type, svc_id)
                status[key] = self.get_daemon_status(svc_type, svc_id)
            except Exception:
                errors['_metadata ' + key] = traceback.format_exc()
        data['_metadata'] = meta
        data['_daemon_status'] = status
        grab('_daemon_health_metrics', self.get_daemon_health_metrics)
        if self.get_module_option('include_perf_schema'):
            grab('_perf_schema', self.get_perf_schema, '', '')

        data['_capture'] = {
            'tool': 'rmgr tools/fixture_capture fixturedump',
            'time': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
            'mgr_id': self.get_mgr_id(),
            'ceph_version': self.version,
            'fsid': (data.get('mon_map') or {}).get('fsid'),
            'data_names': DATA_NAMES,
            'types': {k: type(v).__name__ for k, v in data.items()},
            'seconds': timings,
            'errors': errors,
        }
        return data

    def handle_command(self, inbuf: str, cmd: Dict[str, Any]) -> Tuple[int, str, str]:
        if cmd['prefix'] == 'fixturedump get':
            return 0, json.dumps(self.get(cmd['name']), default=_plain), ''
        if cmd['prefix'] == 'fixturedump names':
            return 0, json.dumps(DATA_NAMES), ''
        if cmd['prefix'] == 'fixturedump write':
            path = cmd['path']
            data = self._capture()
            # no sort_keys: keep the C++ dump order (rmgr's serde_json preserves it too)
            text = json.dumps(data, default=_plain)
            tmp = path + '.tmp'
            with open(tmp, 'w') as f:
                f.write(text)
                f.write('\n')
            os.replace(tmp, path)
            errs = data['_capture']['errors']
            return 0, json.dumps({'path': path, 'bytes': len(text) + 1, 'errors': sorted(errs)}), ''
        return -errno.EINVAL, '', 'unknown command %s' % cmd['prefix']
