# Probe module for crates/options fixtures: declares one option per type/shape so the
# mon validates them (run a stock ceph-mgr with --mgr_module_path pointing at a copy of
# /usr/share/ceph/mgr plus this directory). Not part of rmgr.
from mgr_module import MgrModule, Option
import json

class Module(MgrModule):
    MODULE_OPTIONS = [
        Option('o_str', type='str', default='abc'),
        Option('o_int', type='int', default=5, min=1, max=10),
        Option('o_int_minonly', type='int', default=5, min=1),
        Option('o_uint', type='uint', default=7),
        Option('o_float', type='float', default=1.5),
        Option('o_float_mm', type='float', default=1.5, min=0.5, max=2.5),
        Option('o_bool', type='bool', default=True),
        Option('o_secs', type='secs', default=60),
        Option('o_secs_mm', type='secs', default=60, min='1m', max='1h'),
        Option('o_size', type='size', default=1024),
        Option('o_size_mm', type='size', default='1K', min='1K', max='1M'),
        Option('o_ms', type='millisecs', default=100),
        Option('o_ms_mm', type='millisecs', default=100, min=10, max=1000),
        Option('o_addr', type='addr'),
        Option('o_addrvec', type='addrvec'),
        Option('o_uuid', type='uuid'),
        Option('o_enum', type='str', default='a', enum_allowed=['b', 'a']),
        Option('o_enum_mixed', type='str', enum_allowed=[3, 'x', True, None, 1.5]),
        Option('o_enum_tuple', type='str', enum_allowed=('a', 'b')),
        Option('o_str_mm', type='str', min='c', max='m'),
        Option('o_bool_mm', type='bool', min=False, max=True),
        Option('o_int_badmin', type='int', min='x', max=10),
        Option('o_untyped', default=42),
        Option('o_nodefault'),
        Option('o_badtype', type='nonsense', default=1),
        {'name': 'o_typeint', 'type': 5},
        {'name': 'o_level5', 'level': 5},
        {'name': 'o_levelneg', 'level': -1},
        {'name': 'o_levelbool', 'level': True},
        {'name': 'o_levelstr', 'level': '2'},
        {'name': 'o_level0', 'level': 0, 'desc': 7, 'long_desc': 'ld'},
        {'name': 'o_none_default', 'default': None},
        {'name': 'o_list_default', 'default': [1, 'a', None, 2.5, True]},
        {'name': 'o_dict_default', 'default': {'k': 'v'}},
        {'name': 'o_float_defaults', 'type': 'float', 'default': 1e16, 'min': 1e-5, 'max': 123456789012345678.0},
        {'name': 'o_tags', 'tags': ['z', 'a', 3, 'a'], 'see_also': ['o_int', 'mon_host', 'nope', 5]},
        {'name': 'o_rt1', 'runtime': True},
        {'name': 'o_rt0', 'runtime': False},
        {'name': 'o_rtint', 'runtime': 1},
        {'name': 'o_strq', 'default': "it's \"q\"\n\t\\"},
        {'name': 'o_bool_default_str', 'type': 'bool', 'default': 'yes'},
        {'name': 'o_int_default_bad', 'type': 'int', 'default': '1K'},
        {'name': 'o_int_default_float', 'type': 'int', 'default': 2.0},
        {'name': 'log_to_cluster', 'type': 'bool', 'default': True},
        {'name': 'o_levelbasic', 'level': 'basic'},
        {'name': 'o_leveldev', 'level': 'dev'},
        {'name': 'o_level2', 'level': 2},
        {'name': 'o_float_int', 'type': 'float', 'min': 1, 'max': 3},
    ]
    COMMANDS = [
        {'cmd': 'optprobe get name=key,type=CephString', 'desc': 'get', 'perm': 'r'},
        {'cmd': 'optprobe ceph name=key,type=CephString', 'desc': 'get', 'perm': 'r'},
        {'cmd': 'optprobe raw name=key,type=CephString', 'desc': 'get', 'perm': 'r'},
    ]

    def handle_command(self, inbuf, cmd):
        try:
            if cmd['prefix'] == 'optprobe get':
                return 0, repr(self.get_module_option(cmd['key'])), ''
            if cmd['prefix'] == 'optprobe raw':
                return 0, repr(self._ceph_get_module_option('optprobe', cmd['key'])), ''
            if cmd['prefix'] == 'optprobe ceph':
                return 0, repr(self.get_ceph_option(cmd['key'])), ''
        except Exception as e:
            return 0, 'EXC ' + type(e).__name__ + ': ' + str(e), ''
        return 0, '', ''
