"""Differential test: our mgr_module against Debian's Pacific mgr_module.py.

Both are driven through the same scenario (diff_scenario.py) on the same
ceph_module test double, each in its own interpreter, and everything they
produce must be identical: COMMANDS entries, argument conversions, every
native call with its arguments, log lines, return values, exception texts.
"""

import json
import os
import subprocess

import pytest

DEBIAN = '/usr/share/ceph/mgr/mgr_module.py'
PYTHON = '/usr/bin/python3'
HERE = os.path.dirname(os.path.abspath(__file__))


def run(impl, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(impl)
    proc = subprocess.run([PYTHON, os.path.join(HERE, 'diff_scenario.py'), impl,
                           str(workdir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=120)
    assert proc.returncode == 0, '{} scenario failed:\n{}'.format(impl, proc.stderr)
    return json.loads(proc.stdout)


@pytest.fixture(scope='module')
def both(tmp_path_factory):
    if not os.path.exists(DEBIAN):
        pytest.fail('{} is missing: install Debian\'s ceph-mgr package '
                    '(apt-get install ceph-mgr) to run the differential test'.format(DEBIAN))
    return run('debian', tmp_path_factory), run('ours', tmp_path_factory)


SECTIONS = ['declarations', 'commands', 'command_internals', 'calls', 'register',
            'module_commands', 'module_options', 'base_options', 'base_commands',
            'defaults_dict', 'defaults_is_base', 'steps', 'native_calls', 'log_lines',
            'cluster_log', 'config', 'store', 'rejected_sets', 'health', 'command_log',
            'notifications', 'file_log', 'standby_register', 'standby_options',
            'standby_defaults', 'standby_defaults_is_base', 'standby_steps',
            'standby_native_calls', 'standby_log_lines', 'misc']


@pytest.mark.parametrize('section', SECTIONS)
def test_identical(both, section):
    debian, ours = both
    a, b = debian[section], ours[section]
    if section == 'misc':
        # our MgrModule has extra methods (get_hostname): compare Pacific's names
        a, b = dict(a), dict(b)
        markers = b['api markers']['ok']['dict']
        names = {k[0] if isinstance(k, list) else k for k, _ in a['api markers']['ok']['dict']}
        b['api markers'] = {'ok': {'dict': [kv for kv in markers if kv[0] in names]}}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            assert x == y, '{}[{}] differs:\n debian: {}\n ours:   {}'.format(
                section, i, json.dumps(x), json.dumps(y))
    assert a == b


def test_commands_cover_the_c_group(both):
    debian, _ = both
    cmds = {c['dict'][0][1]: c for c in debian['commands']}
    assert 't withret name=name,type=CephString name=count,req=false,type=CephInt' in cmds
    assert 't noargs ' in cmds
    outcomes = dict(debian['declarations'])
    assert outcomes['decl_c6']['raised'] == 'ValueError'
    assert outcomes['decl_unannotated']['raised'] == 'AssertionError'


def test_public_surface_superset(both):
    debian, ours = both
    missing = sorted(set(debian['module_names']) - set(ours['module_names']))
    assert not missing, 'names Pacific defines that we lack: {}'.format(missing)
    missing = sorted(set(debian['module_constants']) - set(ours['module_constants']))
    assert not missing
    for cls, members in debian['class_members'].items():
        missing = sorted(set(members) - set(ours['class_members'][cls]))
        assert not missing, '{} lacks {}'.format(cls, missing)
