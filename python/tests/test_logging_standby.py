"""Logging (module_loading.md section 8) and standby modules."""

import logging

import pytest

import fake_ceph_module as fcm
import mgr_module
from conftest import make_module
from mgr_module import (ClusterLogHandler, CPlusPlusHandler, FileHandler, MgrModule,
                        MgrStandbyModule)


def native_calls(name):
    return [args for n, args in fcm.CALLS if n == name]


@pytest.mark.parametrize('debug_mgr,level', [
    ('0/0', 'CRITICAL'), ('1/5', 'WARNING'), ('2/5', 'INFO'), ('4', 'INFO'),
    ('5/5', 'DEBUG'), ('20/20', 'DEBUG'), ('-1', 'CRITICAL'), ('', 'CRITICAL'),
    ('bogus', 'CRITICAL'),
])
def test_level_from_debug_mgr(fake, debug_mgr, level):
    fake.options['debug_mgr'] = debug_mgr
    m = make_module()
    assert logging.getLevelName(m._mgr_log_handler.level) == level
    assert logging.getLevelName(m._file_log_handler.level) == level


def test_init_call_order(fake):
    make_module()
    names = [(n, a) for n, a in fcm.CALLS if n != '_ceph_log']
    assert names[:8] == [
        ('BaseMgrModule.__init__', names[0][1]),
        ('_ceph_get_option', ('debug_mgr',)),
        ('_ceph_get_module_option', ('conftest', 'log_level', '')),
        ('_ceph_get_module_option', ('conftest', 'log_to_cluster_level', '')),
        ('_ceph_get_module_option', ('conftest', 'log_to_file', '')),
        ('_ceph_get_module_option', ('conftest', 'log_to_cluster', '')),
        ('_ceph_get_option', ('log_file',)),
        ('_ceph_get_version', ()),
    ]


def test_format_and_first_line(fake):
    m = make_module()
    # the first line is emitted before the level is applied
    assert fake.log_lines == ['[conftest DEBUG root] setting log level based on debug_mgr: INFO (2/5)']
    m.log.info('hello %s', 'world')
    m.log.debug('hidden')
    logging.getLogger('conftest.sub').warning('w')
    logging.getLogger('x').error('e')
    assert fake.log_lines[1:] == ['[conftest INFO root] hello world',
                                  '[conftest WARNING conftest.sub] w',
                                  '[conftest ERROR x] e']
    assert m.log is logging.getLogger()
    assert logging.getLogger().level == logging.NOTSET


def test_k20_debug_when_debug_mgr_20(fake):
    fake.options['debug_mgr'] = '20/20'
    m = make_module()
    m.log.debug('x')
    assert fake.log_lines[-1] == '[conftest DEBUG root] x'


def test_log_level_option_wins(fake):
    fake.config['mgr/conftest/log_level'] = 'debug'
    m = make_module()
    assert fake.log_lines == ['[conftest DEBUG root] setting log level: DEBUG']
    assert m._mgr_log_handler.level == logging.DEBUG


def test_config_notify_changes_levels_and_handlers(fake, tmp_path):
    fake.options['log_file'] = str(tmp_path / 'ceph-mgr.x.log')
    seen = []
    m = make_module(attrs={'config_notify': lambda self: seen.append('called')})
    root = logging.getLogger()
    fake.config['mgr/conftest/log_level'] = 'warning'
    n = len(fake.log_lines)
    m._config_notify()
    # 'setting log level: WARNING' is a DEBUG record, filtered by the old level
    assert len(fake.log_lines) == n
    assert m._mgr_log_handler.level == logging.WARNING
    # unchanged options: nothing logged
    n = len(fake.log_lines)
    m._config_notify()
    assert len(fake.log_lines) == n
    del fake.config['mgr/conftest/log_level']
    m._config_notify()
    assert fake.log_lines[-1] == ('[conftest WARNING root] unsetting module log level, '
                                  'falling back to debug_mgr level: INFO (2/5)')
    assert m._mgr_log_handler.level == logging.INFO

    fake.config['mgr/conftest/log_to_file'] = 'true'
    fake.config['mgr/conftest/log_to_cluster'] = 'true'
    fake.config['mgr/conftest/log_to_cluster_level'] = 'warning'
    m._config_notify()
    assert fake.log_lines[-2:] == ['[conftest WARNING root] enabling logging to file',
                                   '[conftest WARNING root] enabling logging to cluster']
    assert m.log_to_file and m.log_to_cluster
    assert m._file_log_handler in root.handlers and m._cluster_log_handler in root.handlers
    m.log.warning('to the cluster')
    m.log.info('not to the cluster')
    assert native_calls('_ceph_cluster_log')[-1] == ('conftest', 3, 'to the cluster')
    assert len(native_calls('_ceph_cluster_log')) == 1
    text = (tmp_path / 'ceph-mgr.x.conftest.log').read_text()
    assert ' [MainThread] [WARNING] [root] to the cluster\n' in text
    assert ' [MainThread] [INFO] [root] not to the cluster\n' in text

    del fake.config['mgr/conftest/log_to_file']
    del fake.config['mgr/conftest/log_to_cluster']
    m._config_notify()
    assert m._file_log_handler not in root.handlers
    assert m._cluster_log_handler not in root.handlers
    assert fake.log_lines[-2:] == ['[conftest WARNING root] disabling logging to file',
                                   '[conftest WARNING root] disabling logging to cluster']
    assert seen == ['called'] * 5


def test_cluster_log_priorities(fake):
    fake.config['mgr/conftest/log_to_cluster'] = 'true'
    fake.config['mgr/conftest/log_to_cluster_level'] = 'debug'
    fake.options['debug_mgr'] = '20/20'
    m = make_module()
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR,
                  logging.CRITICAL):
        m.log.log(level, 'm%d', level)
    # the first record is the DEBUG 'setting log level' line of __init__
    assert [a[1] for a in native_calls('_ceph_cluster_log')] == [0, 0, 1, 3, 4, 4]
    assert {a[0] for a in native_calls('_ceph_cluster_log')} == {'conftest'}


def test_file_handler_path(fake):
    m = make_module()
    assert FileHandler(m).path == '/var/log/ceph/ceph-mgr.x.conftest.log'
    fake.options['log_file'] = '/tmp/mgrlog'
    assert FileHandler(m).path == '/tmp/mgrlog.conftest'


def test_reconstruct_replaces_handlers(fake):
    root = logging.getLogger()
    make_module()
    make_module()
    ours = [h for h in root.handlers if isinstance(h, (CPlusPlusHandler, ClusterLogHandler,
                                                       FileHandler))]
    assert len(ours) == 1


# --- standby ------------------------------------------------------------------

class Standby(MgrStandbyModule):
    MODULE_OPTIONS = [{'name': 'port', 'type': 'int', 'default': 8080},
                      {'name': 'plain', 'default': 1}]
    MODULE_OPTION_DEFAULTS = {}

    def serve(self):
        return 'served'


def make_standby():
    Standby.MODULE_OPTIONS = [dict(o) for o in Standby.MODULE_OPTIONS[:2]]
    Standby.MODULE_OPTION_DEFAULTS = {}
    Standby._register_options('sb')
    return Standby('sb', fcm.FakeCapsule('sb'))


def test_standby_init_and_options(fake):
    fake.config['mgr/sb/port'] = '9000'
    fake.config['mgr/sb/x/port'] = '9001'
    s = make_standby()
    assert [c for c in fcm.CALLS if c[0] != '_ceph_log'][:5] == [
        ('BaseMgrStandbyModule.__init__', fcm.CALLS[0][1]),
        ('_ceph_get_option', ('debug_mgr',)),
        ('_ceph_get_module_option', ('log_level',)),
        ('_ceph_get_module_option', ('log_to_cluster_level',)),
        ('_ceph_get_option', ('log_file',)),
    ]
    assert s.module_name == 'sb'
    assert s.get_module_option('port') == 9000
    assert s.get_localized_module_option('port') == 9001
    assert native_calls('_ceph_get_module_option')[-1] == ('port', 'x')
    assert s.get_module_option('plain') == '1'
    # no declaration check on standby
    assert s.get_module_option('undeclared', 'd') == 'd'
    assert s.get_ceph_option('debug_mgr') == '2/5'
    assert s.log_to_file is False and s.log_to_cluster is False
    assert fake.log_lines == ['[sb DEBUG root] setting log level based on debug_mgr: INFO (2/5)']


def test_standby_store_uri_ip(fake):
    s = make_standby()
    fake.store['mgr/sb/k'] = 'v'
    fake.store['mgr/sb/x/lk'] = 'lv'
    assert s.get_store('k') == 'v'
    assert s.get_store('nope') is None
    assert s.get_localized_store('lk') == 'lv'
    assert s.get_localized_store('k') == 'v'
    assert s.get_localized_store('nope', 'd') == 'd'
    fake.active_uri = 'http://active:8080/'
    assert s.get_active_uri() == 'http://active:8080/'
    assert s.get('mgr_ips') == {'ips': ['127.0.0.1']}
    assert s.get_mgr_ip() == '127.0.0.1'
    assert s.get_mgr_id() == 'x'
    assert s.serve() == 'served'
    s.log.warning('w')
    assert fake.log_lines[-1] == '[sb WARNING root] w'


def test_standby_base_serve_not_implemented(fake):
    MgrStandbyModule._register_options('sb')
    s = MgrStandbyModule('sb', fcm.FakeCapsule('sb'))
    with pytest.raises(NotImplementedError):
        s.serve()


def test_standby_register_options():
    Standby.MODULE_OPTIONS = [dict(o) for o in Standby.MODULE_OPTIONS[:2]]
    Standby._register_options('sb')
    Standby._register_options('sb')
    assert [o['name'] for o in Standby.MODULE_OPTIONS] == [
        'port', 'plain', 'log_level', 'log_to_file', 'log_to_cluster', 'log_to_cluster_level']


def test_old_instance_going_away_keeps_new_handlers(fake):
    import gc
    old = make_module()
    new = make_module()
    del old
    gc.collect()
    assert new._mgr_log_handler in logging.getLogger().handlers
    new.log.warning('still here')
    assert fake.log_lines[-1] == '[conftest WARNING root] still here'
    new.__del__()
    assert new._mgr_log_handler not in logging.getLogger().handlers
