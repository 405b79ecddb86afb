"""TEST DOUBLE of the native ``ceph_module`` -- for python/tests only.

This is NOT the real interface.  The real ``ceph_module`` is built into the
rmgr worker process (Rust).  This fake exists so that ``mgr_module`` (ours, and
Debian's for the differential test) can be imported and exercised without a
daemon.  It:

* checks the arity and argument types of every ``_ceph_*`` call the way
  CPython's ``PyArg_ParseTuple`` does for the format strings of Pacific
  16.2.15 (shared/spec/ceph_module_api.md), raising TypeError otherwise;
* records every call in ``CALLS`` as ``(method_name, args)``;
* answers with spec-shaped values from the in-memory ``STATE``.

Install it with ``install()`` (puts it into ``sys.modules['ceph_module']``)
before importing ``mgr_module``.  ``reset()`` restores a fresh ``STATE``.
"""

import json
import sys
import threading
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

VERSION = ('ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) '
           'pacific (stable)')

CALLS: List[Tuple[str, tuple]] = []


class FakeCapsule:
    """Stands in for the opaque PyCapsule the daemon passes to constructors."""

    def __init__(self, what: str, payload: Any = None):
        self.what = what
        self.payload = payload

    def __repr__(self) -> str:
        return 'FakeCapsule({!r})'.format(self.what)


FAKE_CONTEXT = FakeCapsule('CephContext')


def _default_mon(cmd: Dict[str, Any], inbuf: Optional[str]) -> Tuple[int, str, str]:
    prefix = cmd.get('prefix')
    if prefix == 'mon stat':
        return 0, 'e1: 1 mons at {a=[v2:127.0.0.1:3300/0,v1:127.0.0.1:6789/0]}', ''
    if prefix == 'osd pool create':
        if not isinstance(cmd.get('pg_num', 0), int):
            return -22, '', "bad or missing field 'pg_num'"
        return 0, '', "pool '{}' created".format(cmd.get('pool'))
    if prefix == 'echo inbuf':
        return 0, inbuf or '', ''
    return -22, '', 'command not known'


class FakeState:
    """Everything the fake daemon knows."""

    def __init__(self) -> None:
        self.mgr_id = 'x'
        self.release = 'pacific'
        self.conf_path = 'ceph.conf'
        self.options: Dict[str, Any] = {
            'debug_mgr': '2/5',
            'log_file': '/var/log/ceph/ceph-mgr.x.log',
            'mgr_tick_period': 2.0,
            'mon_allow_pool_delete': True,
            'mon_osd_full_ratio': 0.95,
            'osd_memory_target': 4294967296,
            'keyring': '/etc/ceph/ceph.mgr.x.keyring',
        }
        self.foreign: Dict[Tuple[str, str], Any] = {('osd.0', 'osd_max_backfills'): 1}
        # module name -> {option name: declared type}; filled from the class's
        # MODULE_OPTIONS when a module is constructed (the daemon parses them
        # at load time), or by declare().
        self.declared: Dict[str, Dict[str, str]] = {}
        self.config: Dict[str, str] = {}     # 'mgr/<m>/<key>' -> raw str
        self.store: Dict[str, str] = {}      # 'mgr/<m>/<key>' -> str
        self.rejected_sets: List[Tuple[str, str, Optional[str]]] = []
        self.data: Dict[str, Any] = {
            'mgr_ips': {'ips': ['127.0.0.1']},
            'health': {'json': '{"status": "HEALTH_OK", "checks": {}}'},
            'have_local_config_map': {'have_local_config_map': True},
            'pg_ready': {'pg_ready': True},
            'mon_map': {'epoch': 1, 'mons': [{'name': 'a', 'rank': 0}]},
            'osd_map': {'epoch': 5, 'pools': [], 'osds': []},
        }
        self.get_returns_bytes = False
        self.servers: List[Dict[str, Any]] = [{
            'hostname': 'vm',
            'services': [{'type': 'mgr', 'id': 'x', 'ceph_version': VERSION},
                         {'type': 'mon', 'id': 'a', 'ceph_version': VERSION},
                         {'type': 'osd', 'id': '0', 'ceph_version': VERSION}],
            'ceph_version': VERSION,
        }]
        self.metadata: Dict[Tuple[str, str], Dict[str, str]] = {
            ('mon', 'a'): {'hostname': 'vm', 'ceph_release': 'pacific'},
        }
        self.daemon_status: Dict[Tuple[str, str], Dict[str, str]] = {('mon', 'a'): {}}
        self.perf_schema: Dict[str, Dict[str, Dict[str, Any]]] = {
            'mon.a': {
                'mon.election_call': {'description': 'Elections started',
                                      'nick': 'estt', 'type': 10, 'priority': 8,
                                      'units': 1},
                'mon.num_sessions': {'description': 'Open sessions', 'type': 2,
                                     'priority': 5, 'units': 1},
                'mon.debug_only': {'description': 'x', 'type': 2, 'priority': 0,
                                   'units': 1},
            },
            'osd.0': {
                'osd.op_r_latency': {'description': 'Latency', 'type': 5,
                                     'priority': 8, 'units': 1},
            },
        }
        self.counters: Dict[Tuple[str, str, str], List[List[Any]]] = {
            ('mon', 'a', 'mon.election_call'): [[1.0, 1], [2.0, 3]],
            ('mon', 'a', 'mon.num_sessions'): [[2.0, 7]],
            ('osd', '0', 'osd.op_r_latency'): [[2.0, 500, 10]],
        }
        self.health_metrics = {'mgr.x': [], 'mon.a': [{'value': 0, 'type': 'SLOW_OPS'}]}
        self.mon_handler: Callable[[Dict[str, Any], Optional[str]],
                                   Tuple[int, str, str]] = _default_mon
        self.command_log: List[Tuple[str, str, str, str, Optional[str]]] = []
        self.notifications: List[Tuple[str, str]] = []
        self.complete_in_thread = True
        self.modules: Dict[str, Any] = {}    # started modules, for remote()
        self.health: Dict[str, Dict[str, Any]] = {}
        self.progress: Dict[str, Dict[str, Any]] = {}
        self.cluster_log: List[Tuple[str, int, str]] = []
        self.log_lines: List[str] = []
        self.uris: Dict[str, str] = {}
        self.active_uri = ''
        self.clients: List[str] = []
        self.authorized = False
        self.wear_levels: Dict[str, float] = {}
        self.osd_queries: Dict[int, Any] = {}
        self.mds_queries: Dict[int, Any] = {}
        self.next_query_id = 0
        self.osdmap = {
            'epoch': 5, 'crush_version': 3, 'require_osd_release': 'pacific',
            'pools': [{'pool': 1, 'pool_name': 'rbd'}, {'pool': 2, 'pool_name': 'cephfs'}],
            'erasure_code_profiles': {'default': {'k': '2', 'm': '1'}},
        }
        self.crush = {
            'devices': [{'id': 0, 'name': 'osd.0', 'class': 'hdd'},
                        {'id': 1, 'name': 'osd.1', 'class': 'ssd'},
                        {'id': 2, 'name': 'osd.2', 'class': 'hdd'}],
            'types': [],
            'buckets': [{'id': -1, 'name': 'default', 'items': [{'id': -2}, {'id': -9}]},
                        {'id': -2, 'name': 'host1', 'items': [{'id': 0}, {'id': 1}]}],
            'rules': [{'rule_id': 0, 'rule_name': 'replicated_rule',
                       'steps': [{'op': 'take', 'item': -1}, {'op': 'emit'}]},
                      {'rule_id': 1, 'rule_name': 'notake', 'steps': [{'op': 'emit'}]}],
            'tunables': {},
            'choose_args': {'-1': [{'bucket_id': -1}]},
        }

    def declare(self, module: str, options: List[Dict[str, Any]]) -> None:
        self.declared[module] = {o['name']: o.get('type', 'str') for o in options}


STATE = FakeState()


def reset() -> FakeState:
    global STATE
    STATE = FakeState()
    del CALLS[:]
    return STATE


def calls(name: Optional[str] = None) -> List[Tuple[str, tuple]]:
    return [c for c in CALLS if name is None or c[0] == name]


# ---------------------------------------------------------------------------
# PyArg_ParseTuple emulation

_ARGNAMES = {'_ceph_send_command': 'ceph_send_command',
             '_ceph_set_store': 'ceph_store_set',
             '_ceph_get_store': 'ceph_store_get',
             '_ceph_get_store_prefix': 'ceph_store_get_prefix',
             '_ceph_get_module_option': 'ceph_get_module_option',
             '_ceph_set_module_option': 'ceph_set_module_option'}


def _units(fmt: str) -> List[str]:
    out: List[str] = []
    for ch in fmt:
        if ch == '#':
            out[-1] += '#'
        else:
            out.append(ch)
    return out


def _check_unit(fname: str, pos: int, unit: str, value: Any) -> None:
    def bad(expected: str) -> TypeError:
        return TypeError('{}() argument {} must be {}, not {}'.format(
            fname, pos, expected, type(value).__name__))
    if unit == 's':
        if not isinstance(value, str):
            raise bad('str')
    elif unit == 'z':
        if value is not None and not isinstance(value, str):
            raise bad('str or None')
    elif unit == 'z#':
        if value is not None and not isinstance(value, (str, bytes)):
            raise bad('str, bytes-like object or None')
    elif unit in ('i', 'b'):
        if isinstance(value, float) or not hasattr(value, '__index__'):
            raise TypeError("'{}' object cannot be interpreted as an integer".format(
                type(value).__name__))
    elif unit == 'f':
        if not isinstance(value, (int, float)):
            raise bad('real number')


def _parse(fname: str, fmt: str, args: tuple) -> None:
    required, _, optional = fmt.partition('|')
    req, opt = _units(required), _units(optional)
    n = len(args)
    if not req and not opt:
        if n:
            raise TypeError('{}() takes no arguments ({} given)'.format(fname, n))
        return
    plural = lambda k: 'argument' if k == 1 else 'arguments'  # noqa: E731
    if not opt and n != len(req):
        raise TypeError('{}() takes exactly {} {} ({} given)'.format(
            fname, len(req), plural(len(req)), n))
    if n < len(req):
        raise TypeError('{}() takes at least {} {} ({} given)'.format(
            fname, len(req), plural(len(req)), n))
    if n > len(req) + len(opt):
        raise TypeError('{}() takes at most {} {} ({} given)'.format(
            fname, len(req) + len(opt), plural(len(req) + len(opt)), n))
    for pos, (unit, value) in enumerate(zip(req + opt, args), start=1):
        _check_unit(fname, pos, unit, value)


def _native(fmt: str) -> Callable[[Callable], Callable]:
    """Wrap an implementation so that it parses and records like the daemon."""
    def decorate(impl: Callable) -> Callable:
        name = impl.__name__
        fname = _ARGNAMES.get(name, name.lstrip('_'))

        def method(self: Any, *args: Any) -> Any:
            _parse(fname, fmt, args)
            CALLS.append((name, args))
            return impl(self, *args)
        method.__name__ = name
        method.__qualname__ = name
        return method
    return decorate


def _convert(module: str, key: str, raw: Optional[str]) -> Any:
    if raw is None:
        return None
    kind = STATE.declared.get(module, {}).get(key.split('/')[-1], 'str')
    if kind in ('int', 'uint', 'size'):
        return int(raw)
    if kind in ('float', 'secs', 'millisecs'):
        return float(raw)
    if kind == 'bool':
        return raw in ('1', 'true', 'True', 'on', 'yes')
    return raw


def _lookup_module_option(module: str, key: str, prefix: str) -> Any:
    declared = STATE.declared.get(module)
    if declared is None or key not in declared:
        return None
    raw = None
    if prefix:
        raw = STATE.config.get('mgr/{}/{}/{}'.format(module, prefix, key))
    if raw is None:
        raw = STATE.config.get('mgr/{}/{}'.format(module, key))
    return _convert(module, key, raw)


def _mgr_module():
    return sys.modules['mgr_module']


# ---------------------------------------------------------------------------
# Active modules

class BaseMgrModule(object):
    """ceph-mgr Python Plugin"""

    def __init__(self, py_modules: Any, this_module: Any) -> None:
        CALLS.append(('BaseMgrModule.__init__', (py_modules, this_module)))
        self._fake_name = this_module.what
        STATE.declare(self._fake_name, getattr(type(self), 'MODULE_OPTIONS', []))
        STATE.modules[self._fake_name] = self

    # cluster state
    @_native('s')
    def _ceph_get(self, data_name):
        if data_name in STATE.data:
            value = STATE.data[data_name]
        elif data_name.startswith('osd_map') or data_name.startswith('config') \
                or data_name.startswith('device '):
            value = {}
        else:
            return None
        if STATE.get_returns_bytes:
            return json.dumps(value).encode()
        return json.loads(json.dumps(value))

    @_native('z')
    def _ceph_get_server(self, hostname):
        if hostname is None:
            return json.loads(json.dumps(STATE.servers))
        for server in STATE.servers:
            if server['hostname'] == hostname:
                return json.loads(json.dumps(server))
        return {'hostname': hostname, 'services': [], 'ceph_version': ''}

    @_native('ss')
    def _ceph_get_metadata(self, svc_type, svc_id):
        found = STATE.metadata.get((svc_type, svc_id))
        return None if found is None else dict(found)

    @_native('ss')
    def _ceph_get_daemon_status(self, svc_type, svc_id):
        found = STATE.daemon_status.get((svc_type, svc_id))
        return None if found is None else dict(found)

    @_native('')
    def _ceph_get_osdmap(self):
        return _mgr_module().OSDMap(FakeCapsule('osdmap', STATE.osdmap))

    @_native('')
    def _ceph_have_mon_connection(self):
        return True

    @_native('')
    def _ceph_get_daemon_health_metrics(self):
        return json.loads(json.dumps(STATE.health_metrics))

    # options
    @_native('ss|s')
    def _ceph_get_module_option(self, module, key, prefix=''):
        return _lookup_module_option(module, key, prefix)

    @_native('ssz')
    def _ceph_set_module_option(self, module, key, value):
        declared = STATE.declared.get(module)
        if declared is None or key.split('/')[-1] not in declared:
            STATE.rejected_sets.append((module, key, value))  # mon says EINVAL
            return None
        full = 'mgr/{}/{}'.format(module, key)
        if value is None:
            STATE.config.pop(full, None)
        else:
            STATE.config[full] = value
        return None

    @_native('s')
    def _ceph_get_option(self, name):
        if name not in STATE.options:
            raise KeyError('option not found: {}'.format(name))
        return STATE.options[name]

    @_native('ss')
    def _ceph_get_foreign_option(self, entity, name):
        if '.' not in entity:
            raise KeyError('invalid entity: {}'.format(entity))
        if (entity, name) in STATE.foreign:
            return STATE.foreign[(entity, name)]
        if name not in STATE.options:
            raise KeyError('option not found: {}'.format(name))
        return STATE.options[name]

    # store
    @_native('s')
    def _ceph_get_store(self, key):
        return STATE.store.get('mgr/{}/{}'.format(self._fake_name, key))

    @_native('sz')
    def _ceph_set_store(self, key, value):
        full = 'mgr/{}/{}'.format(self._fake_name, key)
        if value is None:
            STATE.store.pop(full, None)
        else:
            STATE.store[full] = value

    @_native('s')
    def _ceph_get_store_prefix(self, prefix):
        base = 'mgr/{}/'.format(self._fake_name)
        return {k[len(base):]: v for k, v in sorted(STATE.store.items())
                if k.startswith(base + prefix)}

    # commands
    @_native('Ossssz#')
    def _ceph_send_command(self, result, svc_type, svc_id, command, tag, inbuf):
        if svc_type == 'osd':
            try:
                int(svc_id)
            except ValueError:
                raise ValueError('invalid osd_id: "{}"'.format(svc_id))
        elif svc_type not in ('mon', 'pg', 'mds'):
            raise ValueError('unknown service type: {}'.format(svc_type))
        STATE.command_log.append((svc_type, svc_id, command, tag, inbuf))
        try:
            cmd = json.loads(command)
            reply = STATE.mon_handler(cmd, inbuf) if svc_type == 'mon' \
                else (0, '', '')
        except ValueError:
            reply = (-22, '', 'unparseable JSON ' + command)

        def finish() -> None:
            result.complete(*reply)
            STATE.notifications.append(('command', tag))
        if STATE.complete_in_thread:
            threading.Thread(target=finish, name='cmdfin').start()
        else:
            finish()
        return None

    # health, progress, logs
    @_native('O')
    def _ceph_set_health_checks(self, checks):
        if isinstance(checks, dict):
            STATE.health[self._fake_name] = json.loads(json.dumps(checks))
        return None

    @_native('ssfb')
    def _ceph_update_progress_event(self, evid, desc, progress, add_to_ceph_s):
        STATE.progress[evid] = {'message': desc, 'progress': float(progress),
                                'add_to_ceph_s': bool(add_to_ceph_s)}

    @_native('s')
    def _ceph_complete_progress_event(self, evid):
        STATE.progress.pop(evid, None)

    @_native('')
    def _ceph_clear_all_progress_events(self):
        STATE.progress.clear()

    @_native('sis')
    def _ceph_cluster_log(self, channel, prio, message):
        STATE.cluster_log.append((channel, int(prio), message))

    @_native('s')
    def _ceph_log(self, record):
        STATE.log_lines.append(record)

    # identity and misc
    @_native('')
    def _ceph_get_mgr_id(self):
        return STATE.mgr_id

    @_native('')
    def _ceph_get_version(self):
        return VERSION

    @_native('')
    def _ceph_get_release_name(self):
        return STATE.release

    @_native('i')
    def _ceph_lookup_release_name(self, major):
        return {14: 'nautilus', 15: 'octopus', 16: 'pacific',
                17: 'quincy'}.get(major, 'unknown')

    @_native('')
    def _ceph_get_ceph_conf_path(self):
        return STATE.conf_path

    @_native('')
    def _ceph_get_context(self):
        return FAKE_CONTEXT

    @_native('s')
    def _ceph_set_uri(self, uri):
        STATE.uris[self._fake_name] = uri

    @_native('sf')
    def _ceph_set_device_wear_level(self, devid, level):
        STATE.wear_levels[devid] = float(level)

    @_native('O')
    def _ceph_is_authorized(self, arguments):
        return STATE.authorized if isinstance(arguments, dict) else False

    @_native('s')
    def _ceph_register_client(self, addrs):
        STATE.clients.append(addrs)

    @_native('s')
    def _ceph_unregister_client(self, addrs):
        STATE.clients.remove(addrs)

    @_native('ssOO')
    def _ceph_dispatch_remote(self, module, method, args, kwargs):
        target = STATE.modules.get(module)
        if target is None:
            raise ImportError('Module not found')
        if not hasattr(target, method):
            raise NameError('Method not found')
        try:
            return getattr(target, method)(*args, **kwargs)
        except Exception as e:
            text = ''.join(traceback.format_exception(
                type(e), e, e.__traceback__.tb_next if e.__traceback__ else None))
            raise RuntimeError('Remote method threw exception: ' + text)

    # perf counters
    @_native('ss')
    def _ceph_get_perf_schema(self, svc_type, svc_id):
        out = {}
        for daemon, schema in STATE.perf_schema.items():
            dtype, did = daemon.split('.', 1)
            if (not svc_type or svc_type == dtype) and (not svc_id or svc_id == did):
                out[daemon] = json.loads(json.dumps(schema))
        return out

    @_native('sss')
    def _ceph_get_counter(self, svc_type, svc_id, path):
        return {path: [list(s) for s in STATE.counters.get((svc_type, svc_id, path), [])]}

    @_native('sss')
    def _ceph_get_latest_counter(self, svc_type, svc_id, path):
        samples = STATE.counters.get((svc_type, svc_id, path), [])
        return {path: list(samples[-1]) if samples else []}

    # perf queries
    def _new_query(self, table: Dict[int, Any], query: Any) -> Optional[int]:
        if not isinstance(query, dict) or 'key_descriptor' not in query:
            return None
        STATE.next_query_id += 1
        table[STATE.next_query_id] = query
        return STATE.next_query_id

    @_native('O')
    def _ceph_add_osd_perf_query(self, query):
        return self._new_query(STATE.osd_queries, query)

    @_native('i')
    def _ceph_remove_osd_perf_query(self, query_id):
        STATE.osd_queries.pop(query_id, None)

    @_native('i')
    def _ceph_get_osd_perf_counters(self, query_id):
        return {'counters': []} if query_id in STATE.osd_queries else None

    @_native('O')
    def _ceph_add_mds_perf_query(self, query):
        return self._new_query(STATE.mds_queries, query)

    @_native('i')
    def _ceph_remove_mds_perf_query(self, query_id):
        STATE.mds_queries.pop(query_id, None)

    @_native('')
    def _ceph_reregister_mds_perf_queries(self):
        return None

    @_native('i')
    def _ceph_get_mds_perf_counters(self, query_id):
        return {'metrics': [[], [], []]} if query_id in STATE.mds_queries else None


BaseMgrModule.__module__ = 'ceph_module'


# ---------------------------------------------------------------------------
# Standby modules

class BaseMgrStandbyModule(object):
    """ceph-mgr Standby Python Plugin"""

    def __init__(self, this_module: Any) -> None:
        CALLS.append(('BaseMgrStandbyModule.__init__', (this_module,)))
        self._fake_name = this_module.what
        STATE.declare(self._fake_name, getattr(type(self), 'MODULE_OPTIONS', []))

    @_native('s')
    def _ceph_get(self, data_name):
        if data_name == 'mgr_ips':
            return json.loads(json.dumps(STATE.data['mgr_ips']))
        return None

    @_native('')
    def _ceph_get_mgr_id(self):
        return STATE.mgr_id

    @_native('s|s')
    def _ceph_get_module_option(self, key, prefix=None):
        return _lookup_module_option(self._fake_name, key, prefix or '')

    @_native('s')
    def _ceph_get_option(self, name):
        value = STATE.options.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return 'true' if value else 'false'
        return str(value)

    @_native('s')
    def _ceph_get_store(self, key):
        return STATE.store.get('mgr/{}/{}'.format(self._fake_name, key))

    @_native('')
    def _ceph_get_active_uri(self):
        return STATE.active_uri

    @_native('s')
    def _ceph_log(self, record):
        STATE.log_lines.append(record)


# ---------------------------------------------------------------------------
# Maps

class BasePyOSDMap(object):
    """Ceph OSDMap"""

    def __init__(self, capsule: Any) -> None:
        self._map = capsule.payload

    @_native('')
    def _get_epoch(self):
        return self._map['epoch']

    @_native('')
    def _get_crush_version(self):
        return self._map['crush_version']

    @_native('')
    def _dump(self):
        return json.loads(json.dumps(self._map))

    @_native('')
    def _new_incremental(self):
        return _mgr_module().OSDMapIncremental(
            FakeCapsule('inc', {'epoch': self._map['epoch'] + 1}))

    @_native('O')
    def _apply_incremental(self, inc):
        new = dict(self._map)
        new['epoch'] = inc._inc['epoch']
        return _mgr_module().OSDMap(FakeCapsule('osdmap', new))

    @_native('')
    def _get_crush(self):
        return _mgr_module().CRUSHMap(FakeCapsule('crush', STATE.crush))

    @_native('i')
    def _get_pools_by_take(self, take):
        return {'pools': [p['pool'] for p in self._map['pools']] if take == -1 else []}

    @_native('OiiO')
    def _calc_pg_upmaps(self, inc, max_deviation, max_iterations, pools):
        return len(pools)

    @_native('i')
    def _map_pool_pgs_up(self, poolid):
        return {'{}.0'.format(poolid): [0, 1]}

    @_native('ii')
    def _pg_to_up_acting_osds(self, pool_id, ps):
        return {'up': [0], 'up_primary': 0, 'acting': [0], 'acting_primary': 0}

    @_native('i')
    def _pool_raw_used_rate(self, pool_id):
        return 3.0


class BasePyOSDMapIncremental(object):
    """Ceph OSDMapIncremental"""

    def __init__(self, capsule: Any) -> None:
        self._inc = dict(capsule.payload)

    @_native('')
    def _get_epoch(self):
        return self._inc['epoch']

    @_native('')
    def _dump(self):
        return json.loads(json.dumps(self._inc))

    @_native('O')
    def _set_osd_reweights(self, weightmap):
        self._inc['new_weight'] = {str(k): v for k, v in weightmap.items()}

    @_native('O')
    def _set_crush_compat_weight_set_weights(self, weightmap):
        self._inc['compat_weights'] = {str(k): v for k, v in weightmap.items()}


class BasePyCRUSH(object):
    """Ceph OSDMapIncremental"""

    def __init__(self, capsule: Any) -> None:
        self._crush = capsule.payload

    @_native('')
    def _dump(self):
        return json.loads(json.dumps(self._crush))

    @_native('i')
    def _get_item_name(self, item):
        for d in self._crush['devices']:
            if d['id'] == item:
                return d['name']
        for b in self._crush['buckets']:
            if b['id'] == item:
                return b['name']
        return None

    @_native('i')
    def _get_item_weight(self, item):
        return 1.0 if self._get_item_name(item) is not None else None

    @_native('')
    def _find_roots(self):
        return {'roots': [-1]}

    @_native('')
    def _find_takes(self):
        return {'takes': [-1]}

    @_native('i')
    def _get_take_weight_osd_map(self, root):
        return {'weights': {'0': 1.0, '1': 0.5}}


for _cls in (BaseMgrModule, BaseMgrStandbyModule, BasePyOSDMap,
             BasePyOSDMapIncremental, BasePyCRUSH):
    _cls.__module__ = 'ceph_module'


def install() -> None:
    """Make ``import ceph_module`` return this fake."""
    sys.modules['ceph_module'] = sys.modules[__name__]
