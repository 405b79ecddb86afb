"""Conformance probe `conftest`, shaped like the live lab's (conformance_cases.md header).

Commands cover groups C and D (descriptor derivation, argument conversion, dispatch and
result handling); the `check-*` commands run the API cases of groups E, G and K from
inside the module and answer JSON: {case: outcome}, where an outcome is
{"type": <Python type name>, "value": <value>} or {"exc": <exception type>, "msg": <args[0]>}.
"""

import enum
import errno
import json
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from ceph_argparse import CephChoices, CephString
from mgr_module import (CLICommand, CLIReadCommand, CLIWriteCommand, CommandResult,
                        HandleCommandResult, MgrModule, NotifyType, Option)


class Color(enum.Enum):
    red = 'red'
    blue = 'blue'


def _t(v: Any) -> Any:
    return [type(v).__name__, v]


def _outcome(f: Callable[[], Any]) -> Dict[str, Any]:
    try:
        v = f()
        return {'type': type(v).__name__, 'value': v}
    except Exception as e:
        return {'exc': type(e).__name__, 'msg': e.args[0] if e.args else ''}


def _dumps(v: Any) -> str:
    return json.dumps(v, default=repr)


class Module(MgrModule):
    MODULE_OPTIONS = [
        Option('o_str', type='str', default='abc'),
        Option('o_int', type='int', default=5, min=1, max=10),
        Option('o_uint', type='uint', default=7),
        Option('o_float', type='float', default=1.5),
        Option('o_bool', type='bool', default=True),
        Option('o_secs', type='secs', default=60),
        Option('o_size', type='size', default=1024),
        Option('o_addr', type='addr'),
        Option('o_uuid', type='uuid'),
        Option('o_enum', type='str', default='a', enum_allowed=['a', 'b']),
        # No 'type' key at all (mgr_module.Option always adds one).
        {'name': 'o_untyped', 'default': 42},
        Option('o_nodefault'),
    ]

    # Members of NotifyType and plain strings; the last four are accepted but never
    # delivered by Pacific (I5).
    NOTIFY_TYPES = [NotifyType.mon_map, NotifyType.pg_summary, NotifyType.health,
                    NotifyType.clog, NotifyType.osd_map, NotifyType.fs_map,
                    NotifyType.command, 'service_map', 'mon_status', 'perf_schema_update',
                    'mgr_map']

    # A legacy command, handled by handle_command (D5, D6, D15).
    COMMANDS = [
        {'cmd': 'conftest legacy name=x,type=CephInt,req=false',
         'desc': 'Legacy command', 'perm': 'r'},
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._notifies: List[Any] = []
        self._config_notifies = 0

    # ---- hooks -------------------------------------------------------------------

    def notify(self, notify_type: str, notify_id: Any) -> None:
        authorized = self.is_authorized({'pool': 'x'})
        with self._lock:
            self._notifies.append({'type': notify_type, 'pytype': type(notify_type).__name__,
                                   'id': notify_id, 'authorized': authorized})

    def config_notify(self) -> None:
        with self._lock:
            self._config_notifies += 1

    def handle_command(self, inbuf: str, cmd: Dict[str, Any]) -> Tuple[int, str, str]:
        if cmd['prefix'] == 'conftest legacy':
            return 0, json.dumps({'cmd': cmd, 'inbuf': inbuf}), 'legacy stderr'
        return -errno.EINVAL, '', 'unknown command'

    # ---- methods for remote() (group J) ---------------------------------------------

    def echo(self, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        return {'args': list(args), 'kwargs': kwargs}

    def boom(self) -> None:
        raise ValueError('kaboom')

    # ---- group C/D commands -----------------------------------------------------------

    # C2-style (no return annotation): every parameter becomes req=false (A2, C10-C12).
    @CLIReadCommand('conftest echo')
    def _echo(self, a: str, b: int = 0, c: bool = False, d: List[str] = None, inbuf=None):
        """Echo args back"""
        return 0, _dumps({'a': _t(a), 'b': _t(b), 'c': _t(c), 'd': _t(d), 'inbuf': inbuf}), ''

    # C1
    @CLIReadCommand('conftest withret')
    def _withret(self, name: str, count: int = 1) -> Tuple[int, str, str]:
        return 0, _dumps({'name': _t(name), 'count': _t(count)}), ''

    # C2
    @CLIReadCommand('conftest noann')
    def _noann(self, name: str, count: int = 1):
        """Doc line one
          line two"""
        return 0, _dumps({'name': _t(name), 'count': _t(count)}), ''

    # C3
    @CLIWriteCommand('conftest types', poll=True)
    def _types(self, s: str, i: int, f: float, b: bool, opt: Optional[str] = None,
               lst: Optional[List[str]] = None,
               inbuf: Optional[str] = None) -> HandleCommandResult:
        out = {'s': _t(s), 'i': _t(i), 'f': _t(f), 'b': _t(b), 'opt': _t(opt), 'lst': _t(lst)}
        return HandleCommandResult(stdout=_dumps(out))

    # C4
    @CLIReadCommand('conftest choices')
    def _choices(self, color: Color, mode: CephChoices(strings='x|y') = 'x',
                 gc: CephString(goodchars='[a-z]') = 'a') -> HandleCommandResult:
        return HandleCommandResult(stdout=_dumps({'color': color.value, 'mode': mode, 'gc': gc}))

    # C5
    @CLIReadCommand('conftest noargs')
    def _noargs(self) -> HandleCommandResult:
        return HandleCommandResult(stdout='noargs')

    @CLIReadCommand('conftest c6')
    def _c6(self) -> HandleCommandResult:
        """Decorate a Tuple-annotated handler (C6) and report what happens"""
        def f(self: Any, tup: Optional[Tuple[int, int]] = None) -> HandleCommandResult:
            return HandleCommandResult()
        return HandleCommandResult(stdout=_dumps(_outcome(lambda: CLICommand('conftest tuple')(f) and None)))

    @CLIReadCommand('conftest whoami')
    def _whoami(self) -> HandleCommandResult:
        """Where this worker's mgr_module comes from"""
        import mgr_module
        return HandleCommandResult(stdout=mgr_module.__file__)

    @CLIReadCommand('conftest commands')
    def _commands(self) -> HandleCommandResult:
        """This class's COMMANDS as the daemon read them"""
        return HandleCommandResult(stdout=_dumps(self.COMMANDS))

    @CLIReadCommand('conftest raise')
    def _raise(self) -> HandleCommandResult:
        raise RuntimeError('deliberate')

    @CLIReadCommand('conftest notatuple')
    def _notatuple(self) -> HandleCommandResult:
        return 'notatuple'  # type: ignore

    @CLIReadCommand('conftest enoent')
    def _enoent(self) -> HandleCommandResult:
        return HandleCommandResult(-errno.ENOENT, '', 'enoent msg')

    # ---- group E: options -------------------------------------------------------------

    @CLIReadCommand('conftest opt')
    def _opt(self, key: str) -> HandleCommandResult:
        """get_module_option(key)"""
        return HandleCommandResult(stdout=_dumps(_outcome(lambda: self.get_module_option(key))))

    @CLIWriteCommand('conftest check-options')
    def _check_options(self) -> HandleCommandResult:
        """Run cases E1-E23 in order (needs a fresh daemon)"""
        g = self.get_module_option
        s = self.set_module_option
        r: Dict[str, Any] = {}
        r['E23'] = [_outcome(lambda: g('log_level')), _outcome(lambda: g('log_to_file')),
                    _outcome(lambda: g('log_to_cluster')),
                    _outcome(lambda: g('log_to_cluster_level'))]
        r['E1'] = _outcome(lambda: g('o_int'))
        r['E2'] = _outcome(lambda: g('o_secs'))
        r['E3'] = _outcome(lambda: g('o_untyped'))
        r['E4'] = [_outcome(lambda: g('o_addr')), _outcome(lambda: g('o_addr', 'dflt'))]
        r['E5'] = [_outcome(lambda: g('nope')), _outcome(lambda: s('nope', 'x'))]
        r['E6'] = [_outcome(lambda: s('o_int', '7')), _outcome(lambda: g('o_int'))]
        r['E7'] = [_outcome(lambda: s('o_int', 'abc')), _outcome(lambda: g('o_int'))]
        r['E8'] = [[_outcome(lambda: s('o_int', v)), _outcome(lambda: g('o_int'))]
                   for v in ('11', '0', '1K')]
        r['E9'] = [_outcome(lambda: s('o_int', 8)), _outcome(lambda: g('o_int')),
                   _outcome(lambda: self._ceph_get_module_option('conftest', 'o_int'))]
        r['E10'] = [[_outcome(lambda: s('o_bool', v)), _outcome(lambda: g('o_bool'))]
                    for v in ('yes', 'maybe', 'false', 'true', 0)]
        r['E11'] = [[_outcome(lambda: s('o_enum', v)), _outcome(lambda: g('o_enum'))]
                    for v in ('c', 'b')]
        r['E12'] = [_outcome(lambda: s('o_secs', '5m')), _outcome(lambda: g('o_secs'))]
        r['E13'] = [_outcome(lambda: s('o_size', '1K')), _outcome(lambda: g('o_size'))]
        r['E14'] = [_outcome(lambda: s('o_addr', '1.2.3.4:80')), _outcome(lambda: g('o_addr'))]
        r['E15'] = [_outcome(lambda: s('o_untyped', 99)), _outcome(lambda: g('o_untyped'))]
        r['E16'] = [_outcome(lambda: s('o_int', None)), _outcome(lambda: g('o_int'))]
        r['E17'] = [_outcome(lambda: self.set_localized_module_option('o_int', '3')),
                    _outcome(lambda: self.get_localized_module_option('o_int')),
                    _outcome(lambda: g('o_int')),
                    _outcome(lambda: self._ceph_get_module_option('conftest', 'o_int', 'x'))]
        r['E18'] = [_outcome(lambda: self._ceph_get_module_option('conftest', 'o_int')),
                    _outcome(lambda: self._ceph_get_module_option('nosuchmodule', 'x'))]
        r['E19'] = _outcome(lambda: self.get_module_option_ex('nomod', 'x', 'dd'))
        r['E20'] = [_outcome(lambda: self.get_ceph_option(n)) for n in
                    ('debug_mgr', 'mon_allow_pool_delete', 'mon_osd_full_ratio',
                     'mgr_tick_period', 'osd_memory_target')]
        r['E21'] = _outcome(lambda: self.get_ceph_option('no_such_option'))
        r['E22'] = [_outcome(lambda: self.get_foreign_ceph_option('osd.0', 'osd_max_backfills')),
                    _outcome(lambda: self.get_foreign_ceph_option('bogus', 'osd_max_backfills'))]
        return HandleCommandResult(stdout=_dumps(r))

    # ---- group G: KV store ------------------------------------------------------------

    @CLIWriteCommand('conftest check-kv')
    def _check_kv(self) -> HandleCommandResult:
        """Run cases G1-G7 in order (needs a fresh daemon)"""
        r: Dict[str, Any] = {}
        r['G1'] = [_outcome(lambda: self.get_store('k1')), _outcome(lambda: self.get_store('k1', 'dd'))]
        self.set_store('k1', 'v1')
        self.set_store('k1/sub', 'v2')
        self.set_store('other', 'v3')
        r['G2'] = _outcome(lambda: self.get_store_prefix('k'))
        r['G3'] = _outcome(lambda: self.get_store_prefix(''))
        r['G4'] = [_outcome(lambda: self.set_store('k1', None)), _outcome(lambda: self.get_store('k1'))]
        r['G5'] = [_outcome(lambda: self.set_localized_store('lk', 'lv')),
                   _outcome(lambda: self.get_localized_store('lk')),
                   _outcome(lambda: self.get_store('x/lk')),
                   _outcome(lambda: self.get_localized_store('other'))]
        r['G6'] = _outcome(lambda: self._ceph_set_store('num', 5))
        r['G7'] = [_outcome(lambda: self.set_store('emptyval', '')),
                   _outcome(lambda: self.get_store('emptyval'))]
        return HandleCommandResult(stdout=_dumps(r))

    @CLIReadCommand('conftest kv-prefix')
    def _kv_prefix(self, key_prefix: str = '') -> HandleCommandResult:
        """get_store_prefix(key_prefix)"""
        return HandleCommandResult(stdout=_dumps(self.get_store_prefix(key_prefix)))

    # ---- group H: health checks (no return annotation, like the lab's) -----------------

    @CLIWriteCommand('conftest health')
    def _health(self, checks: str):
        """set_health_checks(json.loads(checks))"""
        return 0, _dumps(_outcome(lambda: self.set_health_checks(json.loads(checks)))), ''

    # ---- group I: notifications -------------------------------------------------------

    @CLIReadCommand('conftest notifies')
    def _notifies_cmd(self) -> HandleCommandResult:
        """What notify()/config_notify() received so far"""
        with self._lock:
            out = {'notifies': self._notifies, 'config_notifies': self._config_notifies}
        return HandleCommandResult(stdout=_dumps(out))

    @CLIReadCommand('conftest mon-command')
    def _mon_command(self, cmd: str) -> HandleCommandResult:
        """mon_command(json.loads(cmd))"""
        return HandleCommandResult(stdout=_dumps(_outcome(lambda: list(self.mon_command(json.loads(cmd))))))

    @CLIReadCommand('conftest send-raw')
    def _send_raw(self, cmd: str) -> HandleCommandResult:
        """_ceph_send_command to the mon with the text as given (not JSON-encoded)"""
        result = CommandResult('')
        self._ceph_send_command(result, 'mon', '', cmd, 'raw', None)
        return HandleCommandResult(stdout=_dumps(list(result.wait())))

    # ---- group K: other native calls ----------------------------------------------------

    @CLIReadCommand('conftest check-misc')
    def _check_misc(self) -> HandleCommandResult:
        """Run cases K1-K19 as they apply standalone"""
        o = _outcome
        r: Dict[str, Any] = {}
        r['K1'] = [o(lambda: self.get('__nope__')), o(lambda: self.get('osd_map_bogus')),
                   o(lambda: self.get('config_bogus'))]
        r['K2'] = o(lambda: self.get('health'))
        r['K3'] = [o(lambda: self.get('mgr_ips')), o(lambda: self.get('have_local_config_map')),
                   o(lambda: self.get('pg_ready'))]
        r['K4'] = o(lambda: self.get('device nonexist'))
        r['K5'] = o(lambda: self.list_servers())
        r['K6'] = o(lambda: self.get_server('nohost'))
        r['K7'] = [o(lambda: self.get_metadata('osd', '99')),
                   o(lambda: self.get_metadata('osd', '99', default={'x': 'y'})),
                   o(lambda: self.get_daemon_status('osd', '99')),
                   o(lambda: self.get_daemon_status('mgr', self.get_mgr_id()))]
        r['K8'] = [o(lambda: self.get_perf_schema('osd', '99')),
                   o(lambda: self.get_perf_schema('', ''))]
        r['K9'] = [o(lambda: self.get_counter('mon', 'a', 'nope.nope')),
                   o(lambda: self.get_latest_counter('mon', 'a', 'nope.nope'))]
        r['K10'] = o(lambda: self._ceph_send_command(CommandResult(''), 'osd', 'abc', '{}', ''))
        r['K11'] = [o(lambda: list(self.mon_command({'prefix': 'no such command'}))),
                    o(lambda: list(self.mon_command({'prefix': 'config set', 'who': 'mgr',
                                                     'name': 'x', 'value': 5})))]
        r['K12'] = o(lambda: self.check_mon_command({'prefix': 'no such command'}))
        r['K13'] = [o(lambda: self.version), o(lambda: self.release_name),
                    o(lambda: self.lookup_release_name(16)),
                    o(lambda: self.lookup_release_name(99))]
        r['K14'] = o(lambda: self.set_uri('http://127.0.0.1:1234/'))
        r['K15'] = o(lambda: self.update_progress_event('ev1', 'conftest progress', 0.5, True))
        r['K16'] = [o(lambda: self.is_authorized({'pool': 'x'})),
                    o(lambda: self.is_authorized('notadict'))]  # type: ignore
        r['K17'] = [o(lambda: self.add_osd_perf_query({'bogus': 1})),
                    o(lambda: self.get_osd_perf_counters(12345))]
        r['K18'] = o(lambda: self.get_osdmap().get_crush().get_item_name(-999))
        r['K19'] = o(lambda: self.cluster_log('cluster', self.ClusterLogPrio.WARN,
                                              'conftest cluster log message'))
        return HandleCommandResult(stdout=_dumps(r))

    @CLIReadCommand('conftest log-debug')
    def _log_debug(self, msg: str) -> HandleCommandResult:
        """self.log.debug(msg) (K20)"""
        self.log.debug(msg)
        return HandleCommandResult()
