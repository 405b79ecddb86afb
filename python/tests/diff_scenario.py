"""Differential-test driver: run one mgr_module implementation through a fixed
scenario on top of the ceph_module test double and print the results as JSON.

    /usr/bin/python3 diff_scenario.py ours|debian WORKDIR

``ours`` imports python/mgr_module.py, ``debian`` imports
/usr/share/ceph/mgr/mgr_module.py.  Only one of the two directories is on
sys.path.  Everything observable is recorded: COMMANDS entries, argument
conversions, every native call (name and arguments), log lines, return values
and exception types/texts.
"""

import importlib.util
import json
import logging
import os
import re
import sys
import traceback

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
OURS_DIR = os.path.dirname(TESTS_DIR)
DEBIAN_DIR = '/usr/share/ceph/mgr'

impl, workdir = sys.argv[1], sys.argv[2]
impl_dir = {'ours': OURS_DIR, 'debian': DEBIAN_DIR}[impl]
sys.path = [p for p in sys.path if os.path.abspath(p or '.') not in
            (OURS_DIR, DEBIAN_DIR, TESTS_DIR, os.getcwd())]
sys.path[:0] = [TESTS_DIR, impl_dir]
os.chdir(workdir)

import fake_ceph_module as fcm  # noqa: E402

fcm.install()
import mgr_module  # noqa: E402

assert os.path.dirname(os.path.abspath(mgr_module.__file__)) == impl_dir, mgr_module.__file__

# our object_format (independent of mgr_module) is used with both
spec = importlib.util.spec_from_file_location('object_format',
                                              os.path.join(OURS_DIR, 'object_format.py'))
object_format = importlib.util.module_from_spec(spec)
sys.modules['object_format'] = object_format
spec.loader.exec_module(object_format)

import diff_examples  # noqa: E402

ADDR = re.compile(r'0x[0-9a-f]{6,}')
TIMING = re.compile(r'\d+\.\d{3}(?=s\b| seconds)')


def norm_text(s):
    s = ADDR.sub('0xADDR', s)
    s = TIMING.sub('T', s)
    return s.replace(impl_dir + '/mgr_module.py', '<IMPL>/mgr_module.py')


def norm(v):
    """JSON-able, implementation-neutral form of any value."""
    if v is None or isinstance(v, (bool, int, float)) and not isinstance(v, enum_types()):
        return v
    if isinstance(v, str) and type(v) is str:
        return norm_text(v)
    if isinstance(v, (list, tuple)) and type(v) in (list, tuple):
        return [type(v).__name__] + [norm(x) for x in v]
    if isinstance(v, dict) and type(v) is dict:
        return {'dict': [[norm(k), norm(x)] for k, x in v.items()]}
    if isinstance(v, dict):
        return {type(v).__name__: [[norm(k), norm(x)] for k, x in v.items()]}
    if isinstance(v, tuple):  # NamedTuple
        return {type(v).__name__: [norm(x) for x in v]}
    return {'repr': type(v).__name__ + ':' + norm_text(repr(v))}


def enum_types():
    import enum
    return (enum.Enum,)


def exc_info(e):
    return {'raised': type(e).__name__, 'text': norm_text(str(e))}


def attempt(fn, *args, **kwargs):
    try:
        return {'ok': norm(fn(*args, **kwargs))}
    except Exception as e:  # noqa: BLE001 - we record everything
        return exc_info(e)


OUT = {}

# ---------------------------------------------------------------------------
# 1. declarations and COMMANDS

OUT['declarations'] = {f.__name__: attempt(f) for f in diff_examples.DECLS}
OUT['commands'] = [norm(d) for d in mgr_module.CLICommand.dump_cmd_list()]
OUT['command_internals'] = {
    prefix: {'arg_spec': norm({k: str(v) for k, v in c.arg_spec.items()}),
             'first_default': c.first_default, 'desc': c.desc, 'args': c.args,
             'perm': c.perm, 'poll': c.poll}
    for prefix, c in mgr_module.CLICommand.COMMANDS.items()}

# ---------------------------------------------------------------------------
# 2. argument conversion

OUT['calls'] = [
    [prefix, norm(cmd), inbuf,
     attempt(mgr_module.CLICommand.COMMANDS[prefix].call, 'MGR', dict(cmd), inbuf)
     if prefix in mgr_module.CLICommand.COMMANDS else 'unregistered']
    for prefix, cmd, inbuf in diff_examples.CALLS]

# ---------------------------------------------------------------------------
# 3. an active module, the way the daemon drives it

CONFTEST_OPTIONS = [
    {'name': 'o_str', 'type': 'str', 'default': 'abc'},
    {'name': 'o_int', 'type': 'int', 'default': 5, 'min': 1, 'max': 10},
    {'name': 'o_uint', 'type': 'uint', 'default': 7},
    {'name': 'o_float', 'type': 'float', 'default': 1.5},
    {'name': 'o_bool', 'type': 'bool', 'default': True},
    {'name': 'o_secs', 'type': 'secs', 'default': 60},
    {'name': 'o_size', 'type': 'size', 'default': 1024},
    {'name': 'o_addr', 'type': 'addr'},
    {'name': 'o_uuid', 'type': 'uuid'},
    {'name': 'o_enum', 'type': 'str', 'default': 'a', 'enum_allowed': ['a', 'b']},
    {'name': 'o_untyped', 'default': 42},
    {'name': 'o_nodefault'},
    mgr_module.Option('o_opt', default=3, type='int', desc='an Option', runtime=True),
]

configs_seen = []


class Module(mgr_module.MgrModule):
    COMMANDS = [{'cmd': 'conftest legacy name=x,type=CephInt,req=false',
                 'desc': 'legacy', 'perm': 'r'}]
    MODULE_OPTIONS = CONFTEST_OPTIONS
    NOTIFY_TYPES = [mgr_module.NotifyType.osd_map, mgr_module.NotifyType.command]

    def handle_command(self, inbuf, cmd):
        if cmd['prefix'] == 'conftest legacy':
            return 0, json.dumps({'cmd': cmd, 'inbuf': inbuf}, sort_keys=True), 'legacy stderr'
        return super().handle_command(inbuf, cmd)

    def config_notify(self):
        configs_seen.append(self.get_module_option('o_int'))


class Target(mgr_module.MgrModule):
    COMMANDS = []
    MODULE_OPTIONS = [{'name': 'dummy'}]

    def echo(self, *args, **kwargs):
        return {'args': list(args), 'kwargs': kwargs}

    def boom(self):
        raise ValueError('kaboom')


OUT['register'] = {
    'register_commands': attempt(Module._register_commands, 'conftest'),
    'register_options': attempt(Module._register_options, 'conftest'),
    'target_options': attempt(Target._register_options, 'target'),
}
OUT['module_commands'] = norm(Module.COMMANDS)
OUT['module_options'] = norm(Module.MODULE_OPTIONS)
OUT['base_options'] = norm(mgr_module.MgrModule.MODULE_OPTIONS)
OUT['base_commands'] = norm(mgr_module.MgrModule.COMMANDS)

fcm.reset()
fcm.STATE.options['log_file'] = os.path.join(workdir, 'ceph-mgr.x.log')
fcm.STATE.complete_in_thread = False
# the remote() target first: the module under test must own the root logger
target = Target('target', fcm.FakeCapsule('py_modules'), fcm.FakeCapsule('target'))
m = Module('conftest', fcm.FakeCapsule('py_modules'), fcm.FakeCapsule('conftest'))
OUT['defaults_dict'] = norm(dict(sorted(mgr_module.MgrModule.MODULE_OPTION_DEFAULTS.items())))
OUT['defaults_is_base'] = Module.MODULE_OPTION_DEFAULTS is mgr_module.MgrModule.MODULE_OPTION_DEFAULTS


class FakeRados:
    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __repr__(self):
        return 'FakeRados({!r})'.format(sorted(self.kwargs))

    def connect(self):
        pass

    def get_addrs(self):
        return '127.0.0.1:0/1'

    def shutdown(self):
        pass


mgr_module.rados = type('rados', (), {'Rados': FakeRados})


def crush():
    return m.get_osdmap().get_crush()


S = fcm.STATE
STEPS = [
    ('opt o_str', lambda: m.get_module_option('o_str')),
    ('opt o_int', lambda: m.get_module_option('o_int')),
    ('opt o_secs', lambda: m.get_module_option('o_secs')),
    ('opt o_untyped', lambda: m.get_module_option('o_untyped')),
    ('opt o_addr', lambda: m.get_module_option('o_addr')),
    ('opt o_addr dflt', lambda: m.get_module_option('o_addr', 'dflt')),
    ('opt o_int dflt', lambda: m.get_module_option('o_int', 99)),
    ('opt o_opt', lambda: m.get_module_option('o_opt')),
    ('opt nope', lambda: m.get_module_option('nope')),
    ('set nope', lambda: m.set_module_option('nope', 'x')),
    ('set o_int 7', lambda: m.set_module_option('o_int', '7')),
    ('opt o_int after', lambda: m.get_module_option('o_int')),
    ('set o_int 8', lambda: m.set_module_option('o_int', 8)),
    ('set o_bool False', lambda: m.set_module_option('o_bool', False)),
    ('opt o_bool', lambda: m.get_module_option('o_bool')),
    ('set o_untyped 99', lambda: m.set_module_option('o_untyped', 99)),
    ('opt o_untyped 99', lambda: m.get_module_option('o_untyped')),
    ('set o_secs 5m', lambda: m.set_module_option('o_secs', '5m')),
    ('opt o_secs 5m', lambda: m.get_module_option('o_secs')),
    ('set o_int None', lambda: m.set_module_option('o_int', None)),
    ('opt o_int reset', lambda: m.get_module_option('o_int')),
    ('setloc o_int 3', lambda: m.set_localized_module_option('o_int', '3')),
    ('getloc o_int', lambda: m.get_localized_module_option('o_int')),
    ('getloc o_enum', lambda: m.get_localized_module_option('o_enum', 'zz')),
    ('getloc nope', lambda: m.get_localized_module_option('nope')),
    ('setloc nope', lambda: m.set_localized_module_option('nope', '1')),
    ('ex nomod', lambda: m.get_module_option_ex('nomod', 'x', 'dd')),
    ('ex own', lambda: m.get_module_option_ex('conftest', 'o_int')),
    ('ex own nope', lambda: m.get_module_option_ex('conftest', 'nope')),
    ('ex target', lambda: m.get_module_option_ex('target', 'dummy', 'd')),
    ('setex target', lambda: m.set_module_option_ex('target', 'dummy', None)),
    ('setex own nope', lambda: m.set_module_option_ex('conftest', 'nope', 1)),
    ('setex own', lambda: m.set_module_option_ex('conftest', 'o_int', 4)),
    ('ceph opt', lambda: m.get_ceph_option('debug_mgr')),
    ('ceph opt missing', lambda: m.get_ceph_option('no_such_option')),
    ('foreign', lambda: m.get_foreign_ceph_option('osd.0', 'osd_max_backfills')),
    ('foreign bad', lambda: m.get_foreign_ceph_option('bogus', 'x')),
    ('store get', lambda: m.get_store('k1')),
    ('store get dd', lambda: m.get_store('k1', 'dd')),
    ('store set', lambda: [m.set_store('k1', 'v1'), m.set_store('k1/sub', 'v2'),
                           m.set_store('other', 'v3')]),
    ('store prefix', lambda: m.get_store_prefix('k')),
    ('store prefix all', lambda: m.get_store_prefix('')),
    ('store del', lambda: [m.set_store('k1', None), m.get_store('k1')]),
    ('store loc', lambda: [m.set_localized_store('lk', 'lv'), m.get_localized_store('lk'),
                           m.get_store('x/lk'), m.get_localized_store('other'),
                           m.get_localized_store('none', 'd')]),
    ('store int', lambda: m.set_store('num', 5)),
    ('store empty', lambda: [m.set_store('e', ''), m.get_store('e', 'd')]),
    ('health', lambda: m.set_health_checks({'A': {'severity': 'warning', 'summary': 's',
                                                  'count': 1, 'detail': ['d']}})),
    ('health list', lambda: m.set_health_checks([1, 2])),
    ('remote', lambda: m.remote('target', 'echo', 1, 'two', k=[3])),
    ('remote nomod', lambda: m.remote('idontexist', 'x')),
    ('remote nometh', lambda: m.remote('target', 'nomethod')),
    ('remote boom', lambda: m.remote('target', 'boom')),
    ('get', lambda: [m.get('__nope__'), m.get('osd_map_bogus'), m.get('config_bogus'),
                     m.get('device x'), m.get('mgr_ips'), m.get('health')]),
    ('get bytes', lambda: [setattr(S, 'get_returns_bytes', True), m.get('pg_ready'),
                           setattr(S, 'get_returns_bytes', False)]),
    ('servers', lambda: [m.list_servers(), m.get_server('nohost'), m.get_server('vm')]),
    ('metadata', lambda: [m.get_metadata('osd', '99'), m.get_metadata('osd', '99', {'x': 'y'}),
                          m.get_metadata('mon', 'a'), m.get_daemon_status('osd', '99'),
                          m.get_daemon_status('mon', 'a')]),
    ('perf', lambda: [m.get_perf_schema('', ''), m.get_perf_schema('osd', '99'),
                      m.get_counter('mon', 'a', 'mon.election_call'),
                      m.get_latest_counter('mon', 'a', 'nope'),
                      m.get_latest('mon', 'a', 'mon.election_call'),
                      m.get_latest('mon', 'a', 'nope'),
                      m.get_latest_avg('osd', '0', 'osd.op_r_latency'),
                      m.get_latest_avg('osd', '0', 'nope')]),
    ('all perf', lambda: m.get_all_perf_counters()),
    ('all perf prio0', lambda: m.get_all_perf_counters(prio_limit=0, services=('mon',))),
    ('health metrics', lambda: m.get_daemon_health_metrics()),
    ('mon_command', lambda: [m.mon_command({'prefix': 'no such command'}),
                             m.mon_command({'prefix': 'osd pool create', 'pool': 'p',
                                            'pg_num': 'abc'}),
                             m.mon_command({'prefix': 'echo inbuf'}, 'payload')]),
    ('check_mon_command bad', lambda: m.check_mon_command({'prefix': 'no such command'})),
    ('check_mon_command ok', lambda: m.check_mon_command({'prefix': 'mon stat'})),
    ('send_command bad osd', lambda: m.send_command(mgr_module.CommandResult('t'), 'osd',
                                                    'abc', '{}', 't')),
    ('send_command bad type', lambda: m.send_command(mgr_module.CommandResult('t'), 'rgw',
                                                     'a', '{}', 't')),
    ('send_command 5 args', lambda: m._ceph_send_command(mgr_module.CommandResult(''),
                                                         'osd', 'abc', '{}', '')),
    ('send_command ok', lambda: [m.send_command(r, 'osd', '0', '{"prefix": "x"}', 'tag1'),
                                 r.wait(), r.tag][1:]
     if (r := mgr_module.CommandResult('tag1')) else None),
    ('identity', lambda: [m.version, m.release_name, m.lookup_release_name(16),
                          m.lookup_release_name(99), m.get_mgr_id(), m.get_ceph_conf_path(),
                          m.have_mon_connection(), m.get_context(), m.get_mgr_ip(),
                          m.module_name]),
    ('progress', lambda: [m.update_progress_event('ev1', 'p', 0.5, True), dict(S.progress),
                          m.complete_progress_event('ev1'),
                          m.update_progress_event('ev2', 'q', 1, False),
                          m.clear_all_progress_events(), dict(S.progress)]),
    ('uri', lambda: [m.set_uri('http://127.0.0.1:1234/'), dict(S.uris)]),
    ('cluster_log', lambda: m.cluster_log('cluster', mgr_module.MgrModule.ClusterLogPrio.WARN,
                                          'msg')),
    ('cluster_log int', lambda: m.cluster_log('cluster', 3, 'msg')),
    ('authorized', lambda: [m.is_authorized({'pool': 'x'}), setattr(S, 'authorized', True),
                            m.is_authorized({'pool': 'x'}), m.is_authorized('x')]),
    ('wear', lambda: m.set_device_wear_level('dev1', 0.25)),
    ('queries', lambda: [m.add_osd_perf_query({'bogus': 1}), m.get_osd_perf_counters(12345),
                         m.add_osd_perf_query({'key_descriptor': []}),
                         m.get_osd_perf_counters(1), m.remove_osd_perf_query(1),
                         m.add_mds_perf_query({'key_descriptor': []}),
                         m.get_mds_perf_counters(2), m.reregister_mds_perf_queries(),
                         m.remove_mds_perf_query(2), m.get_mds_perf_counters(2)]),
    ('osdmap', lambda: [(o := m.get_osdmap()).get_epoch(), o.get_crush_version(), o.dump(),
                        o.get_pools(), o.get_pools_by_name(), o.get_ec_profile('default'),
                        o.get_ec_profile('nope'), o.get_require_osd_release(),
                        (i := o.new_incremental()).get_epoch(), i.dump(),
                        i.set_osd_reweights({0: 0.5}),
                        i.set_crush_compat_weight_set_weights({0: 1.0}), i.dump(),
                        o.apply_incremental(i).get_epoch(), o.calc_pg_upmaps(i, 1),
                        o.calc_pg_upmaps(i, 1, 5, ['rbd']), o.get_pools_by_take(-1),
                        o.map_pool_pgs_up(1), o.pg_to_up_acting_osds(1, 0),
                        o.pool_raw_used_rate(1), type(o).__name__, type(i).__name__]),
    ('crush', lambda: [(c := crush()).dump(), c.get_item_name(-999), c.get_item_name(0),
                       c.get_item_weight(0), c.find_roots(), c.find_takes(),
                       c.get_take_weight_osd_map(-1),
                       mgr_module.CRUSHMap.have_default_choose_args(c.dump()),
                       mgr_module.CRUSHMap.get_default_choose_args(c.dump()),
                       c.get_rule('replicated_rule'), c.get_rule('nope'),
                       c.get_rule_by_id(1), c.get_rule_by_id(7),
                       c.get_rule_root('replicated_rule'), c.get_rule_root('notake'),
                       c.get_rule_root('nope'), c.get_osds_under(-1),
                       c.device_class_counts(), c.ITEM_NONE, c.DEFAULT_CHOOSE_ARGS]),
    ('pretty', lambda: [mgr_module.MgrModule.to_pretty_iec(n) for n in
                        (0, 5, 10 << 10, (10 << 10) + 1, 20 << 20, 3 << 60, 11 << 60)]
     + [mgr_module.MgrModule.get_pretty_row(['a', 'bb', 'ccc'], 30),
        m.get_pretty_header(['a', 'bb'], 10), m.get_pretty_header(['x'], 7)]),
    ('perf helpers', lambda: [m._stattype_to_str(t) for t in (0, 1, 2, 5, 6, 10, 0x12, 0x20)]
     + [m._perfvalue_to_value(t, 3000000000) for t in (1, 2, 5)]
     + [m._unit_to_str(0), m._unit_to_str(1)]
     + [m._perfpath_to_path_labels(d, p) for d, p in (
         ('rgw.a', 'p'), ('osd.1', 'osd.op'),
         ('rbd-mirror.a', 'rbd_mirror_image_pool/ns/img.replay_bytes'),
         ('rbd-mirror.a', 'rbd_mirror_image_pool/img.replay'),
         ('rbd-mirror.a', 'other.path'))]),
    ('unit bad', lambda: m._unit_to_str(7)),
    ('log level py', lambda: [m._ceph_log_level_to_python(v) for v in
                              ('', '0', '1/5', '2', '4/4', '5', '20/20', 'x', '-3')]),
    ('handle cli', lambda: m._handle_command('', {'prefix': 'conftest echo', 'a': 'hi'})),
    ('handle cli inbuf', lambda: m._handle_command('data', {'prefix': 't withret',
                                                            'name': 'n'})),
    ('handle legacy', lambda: m._handle_command('', {'prefix': 'conftest legacy', 'x': 12,
                                                     'target': ['mon-mgr', '']})),
    ('handle unknown', lambda: m._handle_command('', {'prefix': 'nope'})),
    ('handle raise', lambda: m._handle_command('', {'prefix': 't types', 'i': 'x'})),
    ('handle noprefix', lambda: m._handle_command('', {})),
    ('logging', lambda: [m.log.info('hello %s', 'world'), m.log.debug('hidden'),
                         logging.getLogger('conftest.sub').warning('w'),
                         m.getLogger('x').error('e'), m.log.name, m.getLogger().name]),
    ('config_notify level', lambda: [S.config.__setitem__('mgr/conftest/log_level', 'debug'),
                                     m._config_notify(), m.log.debug('now visible')]),
    ('config_notify unset', lambda: [S.config.pop('mgr/conftest/log_level'),
                                     m._config_notify(), m.log.debug('hidden again')]),
    ('config_notify debug_mgr', lambda: [S.options.__setitem__('debug_mgr', '20/20'),
                                         m._config_notify(), m.log.debug('debug via mgr')]),
    ('config_notify cluster', lambda: [S.config.__setitem__('mgr/conftest/log_to_cluster',
                                                            'true'),
                                       S.config.__setitem__(
                                           'mgr/conftest/log_to_cluster_level', 'warning'),
                                       m._config_notify(), m.log.warning('to cluster'),
                                       m.log.info('not to cluster'),
                                       m.log.critical('crit'), m.log_to_cluster]),
    ('config_notify file', lambda: [S.config.__setitem__('mgr/conftest/log_to_file', 'on'),
                                    m._config_notify(), m.log.error('to file'),
                                    m.log_to_file,
                                    os.path.basename(m._file_log_handler.path)]),
    ('config_notify off', lambda: [S.config.pop('mgr/conftest/log_to_file'),
                                   S.config.pop('mgr/conftest/log_to_cluster'),
                                   m._config_notify(), m.log_to_file, m.log_to_cluster,
                                   m.log.error('only daemon log')]),
    ('configs seen', lambda: list(configs_seen)),
    ('handlers', lambda: sorted(type(h).__name__ for h in logging.getLogger().handlers)),
    ('rados', lambda: [repr(m.rados), m.rados is m.rados, list(S.clients), m.shutdown(),
                       list(S.clients), m._rados]),
    ('hooks', lambda: [Module.can_run(), m.notify('osd_map', ''), m.serve(), m.self_test(),
                       m.config_notify(), hasattr(mgr_module.MgrModule, 'NOTIFY_TYPES')]),
    ('base handle_command', lambda: mgr_module.MgrModule.handle_command(m, '', {})),
]

OUT['steps'] = []
for label, fn in STEPS:
    OUT['steps'].append([label, attempt(fn)])

OUT['native_calls'] = [[name, norm(list(args))] for name, args in fcm.CALLS]
OUT['log_lines'] = [norm_text(x) for x in S.log_lines]
OUT['cluster_log'] = norm(S.cluster_log)
OUT['config'] = norm(dict(sorted(S.config.items())))
OUT['store'] = norm(dict(sorted(S.store.items())))
OUT['rejected_sets'] = norm(S.rejected_sets)
OUT['health'] = norm(S.health)
OUT['command_log'] = norm(S.command_log)
OUT['notifications'] = norm(S.notifications)
with open(os.path.join(workdir, 'ceph-mgr.x.conftest.log')) as f:
    OUT['file_log'] = [re.sub(r'^\S+ \S+ ', '', line) for line in f.read().splitlines()]

# ---------------------------------------------------------------------------
# 4. a standby module


class Standby(mgr_module.MgrStandbyModule):
    MODULE_OPTIONS = [{'name': 'port', 'type': 'int', 'default': 8080},
                      {'name': 'plain', 'default': 1}]

    def serve(self):
        return 'served'


fcm.reset()
OUT['standby_register'] = attempt(Standby._register_options, 'sb')
OUT['standby_options'] = norm(Standby.MODULE_OPTIONS)
S = fcm.STATE
S.config.update({'mgr/sb/port': '9000', 'mgr/sb/x/port': '9001', 'mgr/sb/log_level': 'info'})
S.store.update({'mgr/sb/k': 'v', 'mgr/sb/x/lk': 'lv'})
S.active_uri = 'http://active:8080/'
s = Standby('sb', fcm.FakeCapsule('sb'))
OUT['standby_defaults'] = norm(dict(sorted(Standby.MODULE_OPTION_DEFAULTS.items())))
OUT['standby_defaults_is_base'] = (Standby.MODULE_OPTION_DEFAULTS is
                                   mgr_module.MgrStandbyModule.MODULE_OPTION_DEFAULTS)
OUT['standby_steps'] = [[label, attempt(fn)] for label, fn in [
    ('options', lambda: [s.get_module_option('port'), s.get_localized_module_option('port'),
                         s.get_module_option('plain'), s.get_module_option('undeclared', 'd'),
                         s.get_localized_module_option('undeclared', 'e'),
                         s.get_ceph_option('debug_mgr'), s.get_ceph_option('nope')]),
    ('store', lambda: [s.get_store('k'), s.get_store('nope'), s.get_localized_store('lk'),
                       s.get_localized_store('k'), s.get_localized_store('nope', 'd')]),
    ('misc', lambda: [s.get_active_uri(), s.get('mgr_ips'), s.get('osd_map'), s.get_mgr_ip(),
                      s.get_mgr_id(), s.serve(), s.module_name, s.log_to_file,
                      s.log_to_cluster, s.log.name]),
    ('log', lambda: [s.log.info('standby info'), s.log.debug('standby debug')]),
    ('base serve', lambda: mgr_module.MgrStandbyModule.serve(s)),
]]
OUT['standby_native_calls'] = [[name, norm(list(args))] for name, args in fcm.CALLS]
OUT['standby_log_lines'] = list(S.log_lines)

# ---------------------------------------------------------------------------
# 5. small classes and module-level names


def cmd_result():
    r = mgr_module.CommandResult()
    before = [r.r, r.outb, r.outs, r.tag]
    r.complete(-5, 'o', 'e')
    return before + [r.wait(), mgr_module.CommandResult('t').tag,
                     mgr_module.CommandResult('').tag]


def file_input():
    def h(self, inbuf=None):
        return 0, 'got ' + repr(inbuf), ''
    w = mgr_module.CLICheckNonemptyFileInput('X')(h)
    return [w('M'), w('M', inbuf=''), w('M', inbuf='\r\n'), w('M', inbuf='a\n\n'),
            w('M', inbuf=b'bytes'), str(__import__('inspect').signature(w))]


OUT['misc'] = [[label, attempt(fn)] for label, fn in [
    ('Option', lambda: [mgr_module.Option('n'),
                        mgr_module.Option(name='x', default=0, type='int', desc='d',
                                          long_desc='ld', min=0, max=9, enum_allowed=['a'],
                                          tags=['t'], see_also=['y'], runtime=True),
                        mgr_module.Option('x', None, 'bool', runtime=None),
                        isinstance(mgr_module.Option('n'), dict)]),
    ('Option level', lambda: mgr_module.Option('x', level=1)),
    ('HandleCommandResult', lambda: [mgr_module.HandleCommandResult(),
                                     mgr_module.HandleCommandResult(-2, stderr='e'),
                                     mgr_module.HandleCommandResult._fields,
                                     tuple(mgr_module.HandleCommandResult(1, 'a', 'b'))]),
    ('CommandResult', cmd_result),
    ('NotifyType', lambda: [[t.name, t.value, isinstance(t, str)] for t in
                            mgr_module.NotifyType]),
    ('ClusterLogPrio', lambda: [[p.name, int(p)] for p in mgr_module.MgrModule.ClusterLogPrio]),
    ('MonCommandFailed', lambda: [c.__name__ for c in mgr_module.MonCommandFailed.__mro__]),
    ('Command', lambda: [mgr_module.Command('p', None), mgr_module.Command('p', None, 'r', True),
                         mgr_module.Command('p', None).prefix]),
    ('file input', file_input),
    ('constants', lambda: [mgr_module.PG_STATES, mgr_module.NFS_GANESHA_SUPPORTED_FSALS,
                           mgr_module.NFS_POOL_NAME, mgr_module.ERROR_MSG_EMPTY_INPUT_FILE,
                           mgr_module.ERROR_MSG_NO_INPUT_FILE,
                           mgr_module.CLICommand.KNOWN_ARGS]),
    ('class constants', lambda: {k: v for k, v in vars(mgr_module.MgrModule).items()
                                 if k.isupper() and isinstance(v, int)}),
    ('localized key', lambda: mgr_module._get_localized_key('x', 'k')),
    ('api markers', lambda: {name: [mgr_module.API.expose.get(getattr(mgr_module.MgrModule,
                                                                      name)),
                                    mgr_module.API.perm.get(getattr(mgr_module.MgrModule, name))]
                             for name in sorted(vars(mgr_module.MgrModule))
                             if callable(getattr(mgr_module.MgrModule, name))
                             and not name.startswith('__')}),
    ('api decorator', lambda: [mgr_module.API.perm('w')(lambda: 0).__dict__,
                               mgr_module.API.expose(lambda: 0).__dict__]),
    ('handler formats', lambda: [mgr_module.CPlusPlusHandler(m).formatter._fmt,
                                 mgr_module.ClusterLogHandler(m).formatter._fmt,
                                 mgr_module.FileHandler(m).formatter._fmt]),
]]

# public surface: names Pacific defines must exist in ours (checked by the test)
OUT['module_names'] = sorted(n for n, v in vars(mgr_module).items()
                             if not n.startswith('__') and
                             getattr(v, '__module__', None) == 'mgr_module')
OUT['module_constants'] = sorted(n for n, v in vars(mgr_module).items()
                                 if n.isupper() and not callable(v)
                                 and n not in dir(__import__('typing')))
OUT['class_members'] = {
    cls: sorted(n for n in vars(getattr(mgr_module, cls)) if not n.startswith('__'))
    for cls in ('MgrModule', 'MgrStandbyModule', 'CLICommand', 'OSDMap',
                'OSDMapIncremental', 'CRUSHMap', 'MgrModuleLoggingMixin', 'Command',
                'CommandResult', 'HandleCommandResult', 'API')}

json.dump(OUT, sys.stdout, indent=1, sort_keys=False, default=str)
