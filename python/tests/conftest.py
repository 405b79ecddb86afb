"""pytest setup: our mgr_module on top of the ceph_module test double."""

import logging
import os
import sys

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(TESTS_DIR)

for path in (TESTS_DIR, PYTHON_DIR):
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)

import fake_ceph_module  # noqa: E402

fake_ceph_module.install()

import mgr_module  # noqa: E402

assert os.path.dirname(os.path.abspath(mgr_module.__file__)) == PYTHON_DIR, \
    'tests must run against python/mgr_module.py, got ' + mgr_module.__file__


@pytest.fixture(autouse=True)
def fake():
    """Fresh fake daemon state and fresh per-process registries per test."""
    state = fake_ceph_module.reset()
    saved = (dict(mgr_module.CLICommand.COMMANDS), list(mgr_module.MgrModule.COMMANDS),
             list(mgr_module.MgrModule.MODULE_OPTIONS),
             dict(mgr_module.MgrModule.MODULE_OPTION_DEFAULTS),
             list(mgr_module.MgrStandbyModule.MODULE_OPTIONS),
             dict(mgr_module.MgrStandbyModule.MODULE_OPTION_DEFAULTS),
             list(mgr_module._LISTS_WITH_LOGGING_OPTIONS))
    root = logging.getLogger()
    handlers = list(root.handlers)
    level = root.level
    mgr_module.CLICommand.COMMANDS.clear()
    yield state
    mgr_module.CLICommand.COMMANDS.clear()
    mgr_module.CLICommand.COMMANDS.update(saved[0])
    mgr_module.MgrModule.COMMANDS[:] = saved[1]
    mgr_module.MgrModule.MODULE_OPTIONS[:] = saved[2]
    mgr_module.MgrModule.MODULE_OPTION_DEFAULTS.clear()
    mgr_module.MgrModule.MODULE_OPTION_DEFAULTS.update(saved[3])
    mgr_module.MgrStandbyModule.MODULE_OPTIONS[:] = saved[4]
    mgr_module.MgrStandbyModule.MODULE_OPTION_DEFAULTS.clear()
    mgr_module.MgrStandbyModule.MODULE_OPTION_DEFAULTS.update(saved[5])
    mgr_module._LISTS_WITH_LOGGING_OPTIONS[:] = saved[6]
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)


# The probe module of the live runs (conformance_cases.md, module "conftest").
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
]


def make_module(name='conftest', options=None, attrs=None, register=True):
    """Define a fresh MgrModule subclass named Module and construct it the way
    the daemon does (register commands/options, then instantiate)."""
    body = {'MODULE_OPTIONS': [dict(o) for o in (CONFTEST_OPTIONS if options is None
                                                   else options)],
            'COMMANDS': [], 'NOTIFY_TYPES': []}
    body.update(attrs or {})
    cls = type('Module', (mgr_module.MgrModule,), body)
    if register:
        cls._register_commands(name)
        cls._register_options(name)
    return cls(name, fake_ceph_module.FakeCapsule('py_modules'),
               fake_ceph_module.FakeCapsule(name))
