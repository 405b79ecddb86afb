"""Module options from Python (conformance E) and MODULE_OPTIONS handling."""

import pytest

import fake_ceph_module as fcm
import mgr_module
from conftest import make_module
from mgr_module import MgrModule, Option


def test_e1_to_e4_defaults(fake):
    m = make_module()
    assert m.get_module_option('o_int') == 5
    assert m.get_module_option('o_secs') == 60
    assert type(m.get_module_option('o_secs')) is int
    assert m.get_module_option('o_untyped') == '42'
    assert m.get_module_option('o_addr') is None
    assert m.get_module_option('o_addr', 'dflt') == 'dflt'
    # a declared default wins over the caller's default
    assert m.get_module_option('o_int', 99) == 5
    assert m.get_module_option('o_nodefault', 'x') == 'x'


def test_e5_undeclared_option_uses_class_name(fake):
    m = make_module()
    msg = "Config option 'nope' is not in Module.MODULE_OPTIONS"
    with pytest.raises(RuntimeError, match=msg):
        m.get_module_option('nope')
    with pytest.raises(RuntimeError, match=msg):
        m.set_module_option('nope', 'x')
    with pytest.raises(RuntimeError, match=msg):
        m.get_localized_module_option('nope')
    with pytest.raises(RuntimeError, match=msg):
        m.set_localized_module_option('nope', 'x')
    with pytest.raises(RuntimeError, match=msg):
        m.get_module_option_ex('conftest', 'nope')
    with pytest.raises(RuntimeError, match=msg):
        m.set_module_option_ex('conftest', 'nope', 'x')
    assert not fake_calls("_ceph_set_module_option")


def test_e6_set_then_get(fake):
    m = make_module()
    assert m.set_module_option('o_int', '7') is None
    assert fake.config['mgr/conftest/o_int'] == '7'
    assert m.get_module_option('o_int') == 7


def test_e9_e15_values_are_stringified(fake):
    m = make_module()
    m.set_module_option('o_int', 8)
    m.set_module_option('o_bool', False)
    m.set_module_option('o_untyped', 99)
    assert fake_calls('_ceph_set_module_option')[-3:] == [
        ('conftest', 'o_int', '8'), ('conftest', 'o_bool', 'False'),
        ('conftest', 'o_untyped', '99')]
    assert m.get_module_option('o_int') == 8
    assert m.get_module_option('o_untyped') == '99'


def test_e16_none_removes(fake):
    m = make_module()
    m.set_module_option('o_int', '7')
    m.set_module_option('o_int', None)
    assert fake_calls('_ceph_set_module_option')[-1] == ('conftest', 'o_int', None)
    assert m.get_module_option('o_int') == 5


def test_e17_localized(fake):
    m = make_module()
    assert m.set_localized_module_option('o_int', '3') is None
    assert fake_calls('_ceph_set_module_option')[-1] == ('conftest', 'x/o_int', '3')
    assert m.get_localized_module_option('o_int') == 3
    assert m.get_module_option('o_int') == 5
    assert fake_calls('_ceph_get_module_option')[-2] == ('conftest', 'o_int', 'x')
    assert fake_calls('_ceph_get_module_option')[-1] == ('conftest', 'o_int', '')
    # localized lookup falls back to the global value, then to the default
    m.set_module_option('o_str', 'global')
    assert m.get_localized_module_option('o_str') == 'global'
    assert m.get_localized_module_option('o_enum') == 'a'


def test_e18_native_unknown(fake):
    m = make_module()
    assert m._ceph_get_module_option('conftest', 'o_int') is None
    assert m._ceph_get_module_option('nosuchmodule', 'x') is None


def test_e19_ex_variants(fake):
    m = make_module()
    assert m.get_module_option_ex('nomod', 'x', 'dd') == 'dd'
    assert fake_calls('_ceph_get_module_option')[-1] == ('nomod', 'x')
    # own module: checked, but no declared-default fallback
    assert m.get_module_option_ex('conftest', 'o_int') is None
    assert m.get_module_option_ex('conftest', 'o_int', 1) == 1
    fake.declare('other', [{'name': 'k', 'type': 'int'}])
    fake.config['mgr/other/k'] = '12'
    assert m.get_module_option_ex('other', 'k') == 12
    # set_module_option_ex stringifies even None (Pacific)
    m.set_module_option_ex('other', 'k', None)
    m.set_module_option_ex('other', 'undeclared_x', 'v')
    assert fake_calls('_ceph_set_module_option')[-2:] == [
        ('other', 'k', 'None'), ('other', 'undeclared_x', 'v')]


def test_e23_auto_option_defaults(fake):
    m = make_module()
    assert m.get_module_option('log_level') == ''
    assert m.get_module_option('log_to_file') is False
    assert m.get_module_option('log_to_cluster') is False
    assert m.get_module_option('log_to_cluster_level') == 'info'


def test_register_options_appends_auto_options():
    cls = type('Module', (MgrModule,), {'MODULE_OPTIONS': [Option('mine', default=1, type='int')]})
    cls._register_options('conftest')
    c = {'__class__': Option}
    assert cls.MODULE_OPTIONS == [
        dict(c, name='mine', default=1, type='int', runtime=False),
        dict(c, name='log_level', default='', type='str', enum_allowed=[
            'info', 'debug', 'critical', 'error', 'warning', ''], runtime=True),
        dict(c, name='log_to_file', default=False, type='bool', runtime=True),
        dict(c, name='log_to_cluster', default=False, type='bool', runtime=True),
        dict(c, name='log_to_cluster_level', default='info', type='str',
             enum_allowed=['info', 'debug', 'critical', 'error', 'warning', ''],
             runtime=True),
    ]
    assert all(isinstance(o, Option) for o in cls.MODULE_OPTIONS[1:])
    # key order of the auto options
    assert list(cls.MODULE_OPTIONS[1]) == ['name', 'default', 'type', 'enum_allowed', 'runtime',
                                           '__class__']


def test_register_options_keeps_own_log_to_cluster():
    own = {'name': 'log_to_cluster', 'type': 'bool', 'default': True}
    cls = type('Module', (MgrModule,), {'MODULE_OPTIONS': [own]})
    cls._register_options('m')
    assert [o['name'] for o in cls.MODULE_OPTIONS] == [
        'log_to_cluster', 'log_level', 'log_to_file', 'log_to_cluster_level']


def test_register_options_idempotent_and_inherited_base_list():
    cls = type('Module', (MgrModule,), {})
    cls._register_options('m')
    cls._register_options('m')
    assert cls.MODULE_OPTIONS is MgrModule.MODULE_OPTIONS
    assert [o['name'] for o in MgrModule.MODULE_OPTIONS] == [
        'log_level', 'log_to_file', 'log_to_cluster', 'log_to_cluster_level']


def test_module_option_defaults_live_on_base_dict(fake):
    m = make_module()
    assert 'MODULE_OPTION_DEFAULTS' not in type(m).__dict__
    assert MgrModule.MODULE_OPTION_DEFAULTS['o_int'] == 5
    assert MgrModule.MODULE_OPTION_DEFAULTS['o_untyped'] == '42'
    assert 'o_addr' not in MgrModule.MODULE_OPTION_DEFAULTS


def test_module_option_defaults_own_dict_when_declared(fake):
    own = {}
    make_module(attrs={'MODULE_OPTION_DEFAULTS': own})
    assert own['o_bool'] is True and own['log_to_cluster_level'] == 'info'


def test_option_drops_none():
    o = Option('n')
    # Pacific quirk: the dict also carries '__class__'
    assert o == {'name': 'n', 'type': 'str', 'runtime': False, '__class__': Option}
    o = Option(name='x', default=0, type='int', desc='d', long_desc='ld', min=0, max=9,
               enum_allowed=['a'], tags=['t'], see_also=['y'], runtime=True)
    assert list(o) == ['name', 'default', 'type', 'desc', 'long_desc', 'min', 'max',
                       'enum_allowed', 'tags', 'see_also', 'runtime', '__class__']
    assert isinstance(o, dict)
    with pytest.raises(TypeError):
        Option('x', level=1)  # Pacific's Option has no level


def test_stored_value_typed_by_native_side(fake):
    m = make_module()
    fake.config['mgr/conftest/o_secs'] = '5m'
    with pytest.raises(ValueError):
        m.get_module_option('o_secs')
    fake.config['mgr/conftest/o_secs'] = '300'
    assert m.get_module_option('o_secs') == 300.0
    fake.config['mgr/conftest/o_bool'] = 'false'
    assert m.get_module_option('o_bool') is False


def test_ceph_options(fake):
    m = make_module()
    assert m.get_ceph_option('debug_mgr') == '2/5'
    assert m.get_ceph_option('mgr_tick_period') == 2.0
    with pytest.raises(KeyError):
        m.get_ceph_option('no_such_option')
    assert m.get_foreign_ceph_option('osd.0', 'osd_max_backfills') == 1
    with pytest.raises(KeyError):
        m.get_foreign_ceph_option('bogus', 'osd_max_backfills')


def fake_calls(name):
    return [args for n, args in fcm.CALLS if n == name]
