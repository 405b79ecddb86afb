"""KV store (G), health (H), remote (J), other calls (K), result classes."""

import errno
import threading
import time

import pytest

import fake_ceph_module as fcm
import mgr_module
from conftest import make_module
from mgr_module import (CommandResult, HandleCommandResult, MgrModule,
                        MonCommandFailed, NotifyType)


def native_calls(name):
    return [args for n, args in fcm.CALLS if n == name]


# --- G: KV store ----------------------------------------------------------------

def test_g1_g2_g3_store(fake):
    m = make_module()
    assert m.get_store('k1') is None
    assert m.get_store('k1', 'dd') == 'dd'
    m.set_store('k1', 'v1')
    m.set_store('k1/sub', 'v2')
    m.set_store('other', 'v3')
    assert m.get_store_prefix('k') == {'k1': 'v1', 'k1/sub': 'v2'}
    assert m.get_store_prefix('') == {'k1': 'v1', 'k1/sub': 'v2', 'other': 'v3'}
    assert fake.store['mgr/conftest/k1'] == 'v1'


def test_g4_g7_delete_and_empty(fake):
    m = make_module()
    m.set_store('k1', 'v1')
    m.set_store('k1', None)
    assert m.get_store('k1') is None
    assert native_calls('_ceph_set_store')[-1] == ('k1', None)
    m.set_store('emptyval', '')
    assert m.get_store('emptyval', 'dflt') == ''


def test_g5_localized_store(fake):
    m = make_module()
    m.set_store('other', 'v3')
    m.set_localized_store('lk', 'lv')
    assert native_calls('_ceph_set_store')[-1] == ('x/lk', 'lv')
    assert m.get_localized_store('lk') == 'lv'
    assert m.get_store('x/lk') == 'lv'
    assert m.get_localized_store('other') == 'v3'
    assert m.get_localized_store('none', 'd') == 'd'


def test_g6_non_str_value_rejected_natively(fake):
    m = make_module()
    with pytest.raises(TypeError, match='argument 2 must be str or None, not int'):
        m.set_store('num', 5)


# --- H: health ------------------------------------------------------------------

def test_h_set_health_checks_passes_through(fake):
    m = make_module()
    checks = {'CONFTEST_A': {'severity': 'warning', 'summary': 'a is bad', 'count': 3,
                             'detail': ['d1', 'd2']}}
    m.set_health_checks(checks)
    assert native_calls('_ceph_set_health_checks')[-1] == (checks,)
    assert fake.health['conftest'] == checks


def test_h7_non_dict_passes_through_to_native(fake):
    m = make_module()
    assert m.set_health_checks([1, 2]) is None
    assert native_calls('_ceph_set_health_checks')[-1] == ([1, 2],)
    assert 'conftest' not in fake.health


# --- J: remote ------------------------------------------------------------------

class _Target(MgrModule):
    MODULE_OPTIONS = []
    COMMANDS = []

    def echo(self, *args, **kwargs):
        return {'args': list(args), 'kwargs': kwargs}

    def boom(self):
        raise ValueError('kaboom')


def _target(fake):
    _Target._register_options('target')
    return _Target('target', fcm.FakeCapsule('py'), fcm.FakeCapsule('target'))


def test_j1_remote_call(fake):
    m = make_module()
    _target(fake)
    assert m.remote('target', 'echo', 1, 'two', k=[3]) == {'args': [1, 'two'], 'kwargs': {'k': [3]}}
    assert native_calls('_ceph_dispatch_remote')[-1] == ('target', 'echo', (1, 'two'), {'k': [3]})


def test_j2_j4_j5_errors_come_from_native(fake):
    m = make_module()
    _target(fake)
    with pytest.raises(ImportError, match='Module not found'):
        m.remote('idontexist', 'x')
    with pytest.raises(NameError, match='Method not found'):
        m.remote('target', 'nomethod')
    with pytest.raises(RuntimeError) as e:
        m.remote('target', 'boom')
    text = str(e.value)
    assert text.startswith('Remote method threw exception: Traceback (most recent call last):')
    assert text.endswith('ValueError: kaboom\n')


# --- K: other calls ------------------------------------------------------------

def test_k1_k4_get(fake):
    m = make_module()
    assert m.get('__nope__') is None
    assert m.get('osd_map_bogus') == {}
    assert m.get('config_bogus') == {}
    assert m.get('device nonexist') == {}
    assert m.get('mgr_ips') == {'ips': ['127.0.0.1']}
    fake.get_returns_bytes = True   # TTL-cache mode: JSON bytes are decoded
    assert m.get('pg_ready') == {'pg_ready': True}


def test_k5_k9_servers_metadata_perf(fake):
    m = make_module()
    servers = m.list_servers()
    assert servers[0]['hostname'] == 'vm'
    assert native_calls('_ceph_get_server')[-1] == (None,)
    assert m.get_server('nohost') == {'hostname': 'nohost', 'services': [], 'ceph_version': ''}
    assert m.get_metadata('osd', '99') is None
    assert m.get_metadata('osd', '99', {'x': 'y'}) == {'x': 'y'}
    assert m.get_metadata('mon', 'a')['hostname'] == 'vm'
    assert m.get_daemon_status('osd', '99') is None
    assert m.get_daemon_status('mon', 'a') == {}
    assert m.get_perf_schema('osd', '99') == {}
    assert sorted(m.get_perf_schema('', '')) == ['mon.a', 'osd.0']
    assert m.get_counter('mon', 'a', 'nope.nope') == {'nope.nope': []}
    assert m.get_latest_counter('mon', 'a', 'nope.nope') == {'nope.nope': []}
    assert m.get_latest('mon', 'a', 'mon.election_call') == 3
    assert m.get_latest('mon', 'a', 'nope') == 0
    assert m.get_latest_avg('osd', '0', 'osd.op_r_latency') == (500, 10)
    assert m.get_latest_avg('osd', '0', 'nope') == (0, 0)
    assert m.get_daemon_health_metrics()['mon.a'] == [{'value': 0, 'type': 'SLOW_OPS'}]


def test_get_all_perf_counters(fake):
    m = make_module()
    got = m.get_all_perf_counters()
    assert set(got) == {'mon.a', 'osd.0'}
    assert set(got['mon.a']) == {'mon.election_call', 'mon.num_sessions'}
    assert got['mon.a']['mon.election_call']['value'] == 3
    assert got['osd.0']['osd.op_r_latency']['value'] == 500
    assert got['osd.0']['osd.op_r_latency']['count'] == 10
    assert 'mon.debug_only' in m.get_all_perf_counters(prio_limit=0)['mon.a']
    assert m.get_all_perf_counters(services=('osd',)).keys() == {'osd.0'}


def test_k10_send_command_arity_checked_natively(fake):
    m = make_module()
    with pytest.raises(TypeError, match=r'takes exactly 6 arguments \(5 given\)'):
        m._ceph_send_command(CommandResult(''), 'osd', 'abc', '{}', '')
    with pytest.raises(ValueError, match='invalid osd_id: "abc"'):
        m.send_command(CommandResult(''), 'osd', 'abc', '{}', '')


def test_k11_k12_mon_command(fake):
    m = make_module()
    assert m.mon_command({'prefix': 'no such command'}) == (-22, '', 'command not known')
    assert m.mon_command({'prefix': 'osd pool create', 'pool': 'p', 'pg_num': 'abc'}) == \
        (-22, '', "bad or missing field 'pg_num'")
    assert native_calls('_ceph_send_command')[-1][1:] == (
        'mon', '', '{"prefix": "osd pool create", "pool": "p", "pg_num": "abc"}', '', None)
    assert m.mon_command({'prefix': 'echo inbuf'}, inbuf='payload') == (0, 'payload', '')
    with pytest.raises(MonCommandFailed) as e:
        m.check_mon_command({'prefix': 'no such command'})
    assert str(e.value) == 'no such command failed: command not known retval: -22'
    assert isinstance(e.value, RuntimeError)
    r = m.check_mon_command({'prefix': 'mon stat'})
    assert isinstance(r, HandleCommandResult) and r.retval == 0


def test_mon_command_logs_at_debug(fake):
    fake.options['debug_mgr'] = '20/20'
    m = make_module()
    m.mon_command({'prefix': 'mon stat'})
    line = fake.log_lines[-1]
    assert line.startswith("[conftest DEBUG root] mon_command: 'mon stat' -> 0 in ")
    assert line.endswith('s')


def test_k13_versions(fake):
    m = make_module()
    assert m.version == fcm.VERSION
    assert m.release_name == 'pacific'
    assert m.lookup_release_name(16) == 'pacific'
    assert m.lookup_release_name(99) == 'unknown'
    assert m.get_mgr_id() == 'x'
    assert m.get_ceph_conf_path() == 'ceph.conf'
    assert m.have_mon_connection() is True
    assert m.get_context() is fcm.FAKE_CONTEXT


def test_mgr_ip_cached(fake):
    m = make_module()
    assert m.get_mgr_ip() == '127.0.0.1'
    fake.data['mgr_ips'] = {'ips': ['10.0.0.1']}
    assert m.get_mgr_ip() == '127.0.0.1'


def test_progress_uri_cluster_log_auth_wear(fake):
    m = make_module()
    m.update_progress_event('ev1', 'conftest progress', 0.5, True)
    assert fake.progress == {'ev1': {'message': 'conftest progress', 'progress': 0.5,
                                     'add_to_ceph_s': True}}
    m.complete_progress_event('ev1')
    m.update_progress_event('ev2', 'x', 0, False)
    m.clear_all_progress_events()
    assert fake.progress == {}
    m.set_uri('http://127.0.0.1:1234/')
    assert fake.uris == {'conftest': 'http://127.0.0.1:1234/'}
    m.cluster_log('cluster', MgrModule.ClusterLogPrio.WARN, 'msg')
    assert native_calls('_ceph_cluster_log')[-1] == ('cluster', 3, 'msg')
    assert type(native_calls('_ceph_cluster_log')[-1][1]) is int
    assert m.is_authorized({'pool': 'x'}) is False
    fake.authorized = True
    assert m.is_authorized({'pool': 'x'}) is True
    m.set_device_wear_level('dev1', 0.25)
    assert fake.wear_levels == {'dev1': 0.25}


def test_perf_queries(fake):
    m = make_module()
    assert m.add_osd_perf_query({'bogus': 1}) is None
    assert m.get_osd_perf_counters(12345) is None
    qid = m.add_osd_perf_query({'key_descriptor': [], 'performance_counter_descriptors': []})
    assert m.get_osd_perf_counters(qid) == {'counters': []}
    m.remove_osd_perf_query(qid)
    assert m.get_osd_perf_counters(qid) is None
    mid = m.add_mds_perf_query({'key_descriptor': []})
    assert m.get_mds_perf_counters(mid) is not None
    m.reregister_mds_perf_queries()
    m.remove_mds_perf_query(mid)
    assert m.get_mds_perf_counters(mid) is None


def test_osdmap_wrappers(fake):
    m = make_module()
    osdmap = m.get_osdmap()
    assert isinstance(osdmap, mgr_module.OSDMap)
    assert osdmap.get_epoch() == 5 and osdmap.get_crush_version() == 3
    assert osdmap.get_pools()[1]['pool_name'] == 'rbd'
    assert osdmap.get_pools_by_name()['cephfs']['pool'] == 2
    assert osdmap.get_ec_profile('default') == {'k': '2', 'm': '1'}
    assert osdmap.get_ec_profile('nope') is None
    assert osdmap.get_require_osd_release() == 'pacific'
    inc = osdmap.new_incremental()
    assert isinstance(inc, mgr_module.OSDMapIncremental) and inc.get_epoch() == 6
    inc.set_osd_reweights({0: 0.5})
    inc.set_crush_compat_weight_set_weights({0: 1.0})
    assert inc.dump()['new_weight'] == {'0': 0.5}
    assert osdmap.apply_incremental(inc).get_epoch() == 6
    assert osdmap.calc_pg_upmaps(inc, 1) == 0
    assert native_calls('_calc_pg_upmaps')[-1][1:] == (1, 10, [])
    assert osdmap.calc_pg_upmaps(inc, 1, 5, ['rbd']) == 1
    assert osdmap.get_pools_by_take(-1) == [1, 2]
    assert osdmap.map_pool_pgs_up(1) == {'1.0': [0, 1]}
    assert osdmap.pg_to_up_acting_osds(1, 0)['up_primary'] == 0
    assert osdmap.pool_raw_used_rate(1) == 3.0


def test_crush_wrappers(fake):
    crush = make_module().get_osdmap().get_crush()
    assert isinstance(crush, mgr_module.CRUSHMap)
    assert crush.get_item_name(-999) is None
    assert crush.get_item_name(0) == 'osd.0'
    assert crush.get_item_weight(0) == 1.0
    assert crush.find_roots() == [-1] and crush.find_takes() == [-1]
    assert crush.get_take_weight_osd_map(-1) == {0: 1.0, 1: 0.5}
    dump = crush.dump()
    assert mgr_module.CRUSHMap.have_default_choose_args(dump) is True
    assert mgr_module.CRUSHMap.get_default_choose_args(dump) == [{'bucket_id': -1}]
    assert crush.get_rule('replicated_rule')['rule_id'] == 0
    assert crush.get_rule('nope') is None
    assert crush.get_rule_by_id(1)['rule_name'] == 'notake'
    assert crush.get_rule_by_id(7) is None
    assert crush.get_rule_root('replicated_rule') == -1
    assert crush.get_rule_root('notake') is None
    assert crush.get_rule_root('nope') is None
    assert crush.get_osds_under(-1) == [0, 1]
    assert crush.device_class_counts() == {'hdd': 2, 'ssd': 1}
    assert mgr_module.CRUSHMap.ITEM_NONE == 0x7fffffff


def test_rados_property(fake, monkeypatch):
    created = []

    class FakeRados:
        def __init__(self, **kwargs):
            self.kwargs = kwargs
            self.state = 'new'
            created.append(self)

        def connect(self):
            self.state = 'connected'

        def get_addrs(self):
            return '127.0.0.1:0/123'

        def shutdown(self):
            self.state = 'shutdown'

    monkeypatch.setattr(mgr_module, 'rados', type('R', (), {'Rados': FakeRados}))
    m = make_module()
    r = m.rados
    assert r is m.rados and len(created) == 1
    assert r.kwargs == {'context': fcm.FAKE_CONTEXT} and r.state == 'connected'
    assert fake.clients == ['127.0.0.1:0/123']
    m.shutdown()
    assert r.state == 'shutdown' and fake.clients == [] and m._rados is None


def test_rados_unavailable(fake, monkeypatch):
    monkeypatch.setattr(mgr_module, 'rados', None)
    with pytest.raises(ImportError):
        make_module().rados


def test_hooks_defaults(fake):
    m = make_module()
    assert MgrModule.can_run() == (True, '')
    assert m.notify('osd_map', '') is None
    assert m.serve() is None
    assert m.self_test() is None
    assert m.shutdown() is None
    assert not hasattr(MgrModule, 'NOTIFY_TYPES')


# --- result classes -----------------------------------------------------------

def test_handle_command_result():
    r = HandleCommandResult()
    assert r == (0, '', '') and isinstance(r, tuple)
    assert HandleCommandResult._fields == ('retval', 'stdout', 'stderr')
    r = HandleCommandResult(-errno.ENOENT, stderr='gone')
    assert (r.retval, r.stdout, r.stderr) == (-2, '', 'gone')
    retval, out, err = r
    assert err == 'gone'


def test_command_result_complete_and_wait():
    r = CommandResult()
    assert (r.r, r.outb, r.outs, r.tag) == (0, '', '', '')
    assert CommandResult('t1').tag == 't1'
    threading.Timer(0.05, r.complete, args=(-5, 'out', 'err')).start()
    started = time.time()
    assert r.wait() == (-5, 'out', 'err')
    assert time.time() - started >= 0.04


def test_notify_type():
    assert [t.value for t in NotifyType] == ['mon_map', 'pg_summary', 'health', 'clog',
                                             'osd_map', 'fs_map', 'command']
    assert NotifyType.osd_map == 'osd_map' and isinstance(NotifyType.command, str)
    assert 'osd_map' in [NotifyType.osd_map]


def test_cluster_log_prio_and_constants():
    p = MgrModule.ClusterLogPrio
    assert [(e.name, int(e)) for e in p] == [('DEBUG', 0), ('INFO', 1), ('SEC', 2),
                                               ('WARN', 3), ('ERROR', 4)]
    assert (MgrModule.PRIO_CRITICAL, MgrModule.PRIO_INTERESTING, MgrModule.PRIO_USEFUL,
            MgrModule.PRIO_UNINTERESTING, MgrModule.PRIO_DEBUGONLY) == (10, 8, 5, 2, 0)
    assert MgrModule.PERFCOUNTER_TYPE_MASK == ~3
    assert len(mgr_module.PG_STATES) == 34 and mgr_module.PG_STATES[0] == 'active'


def test_pretty_helpers(fake):
    m = make_module()
    assert MgrModule.to_pretty_iec(5) == '5 '
    assert MgrModule.to_pretty_iec(20 << 20) == '20 Mi'
    assert MgrModule.get_pretty_row(['a', 'bb'], 10) == '|  a | bb |'
    assert m.get_pretty_header(['a', 'bb'], 10) == (
        '+----+----+\n|  a | bb |\n+----+----+\n')
    assert m._stattype_to_str(2) == 'gauge'
    assert m._stattype_to_str(10) == 'counter'
    assert m._stattype_to_str(5) == 'counter'
    assert m._stattype_to_str(0x12) == 'histogram'
    assert m._perfvalue_to_value(1, 2000000000) == 2.0
    assert m._unit_to_str(0) == 'B/s' and m._unit_to_str(1) == '/s'
    with pytest.raises(ValueError):
        m._unit_to_str(7)
    assert m._perfpath_to_path_labels('rgw.a', 'p') == ('p', ('instance_id',), ('a',))
    assert m._perfpath_to_path_labels('rbd-mirror.a', 'rbd_mirror_image_pool/ns/img.replay') == (
        'rbd_mirror_image_replay', ('ceph_daemon', 'pool', 'namespace', 'image'),
        ('rbd-mirror.a', 'pool', 'ns', 'img'))


def test_api_markers():
    assert mgr_module.API.expose.get(MgrModule.get) is True
    assert mgr_module.API.perm.get(MgrModule.get) == 'r'
    assert mgr_module.API.perm.get(MgrModule.set_store) == 'w'
    assert mgr_module.API.expose.get(MgrModule.mon_command) is False
