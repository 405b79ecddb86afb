"""CLICommand: descriptor derivation and argument conversion (conformance C)."""

import enum
import errno
import sys
from typing import List, Optional, Sequence, Tuple

import pytest

import fake_ceph_module
import mgr_module
from conftest import make_module
from mgr_module import (CLICheckNonemptyFileInput, CLICommand, CLIReadCommand,
                        CLIWriteCommand, Command, HandleCommandResult)

try:
    from ceph_argparse import CephChoices, CephString
except ImportError:  # pragma: no cover
    CephChoices = CephString = None

needs_argparse = pytest.mark.skipif(CephChoices is None,
                                    reason='python3-ceph-argparse not installed')


class Color(enum.Enum):
    red = 'red'
    blue = 'blue'


def entry(prefix):
    return CLICommand.COMMANDS[prefix].dump_cmd()


def run(prefix, cmd, inbuf=None, mgr='MGR'):
    return CLICommand.COMMANDS[prefix].call(mgr, cmd, inbuf)


def echo(self, **kwargs):
    return kwargs


# --- C1..C6: descriptors -----------------------------------------------------

def test_c1_return_annotation_only_defaults_are_optional():
    @CLIReadCommand('t withret')
    def f(self, name: str, count: int = 1) -> Tuple[int, str, str]:
        return 0, '', ''
    assert entry('t withret') == {
        'cmd': 't withret name=name,type=CephString name=count,req=false,type=CephInt',
        'desc': '', 'perm': 'r', 'poll': False}


def test_c2_no_return_annotation_off_by_one_and_doc():
    @CLIReadCommand('t noann')
    def f(self, name: str, count: int = 1):
        """Doc line one
          line two"""
    assert entry('t noann') == {
        'cmd': 't noann name=name,req=false,type=CephString name=count,req=false,type=CephInt',
        'desc': 'Doc line one line two', 'perm': 'r', 'poll': False}


def test_c2b_no_return_no_defaults_last_param_optional():
    @CLICommand('t nodef')
    def f(self, a: str, b: int):
        pass
    assert entry('t nodef')['cmd'] == 't nodef name=a,type=CephString name=b,req=false,type=CephInt'


def test_c3_types_poll_write():
    @CLIWriteCommand('t types', poll=True)
    def f(self, s: str, i: int, f: float, b: bool, opt: Optional[str] = None,
          lst: Optional[List[str]] = None, inbuf: Optional[str] = None) -> HandleCommandResult:
        return HandleCommandResult()
    assert entry('t types') == {
        'cmd': 't types name=s,type=CephString name=i,type=CephInt name=f,type=CephFloat '
               'name=b,type=CephBool name=opt,req=false,type=CephString '
               'name=lst,req=false,n=N,type=CephString',
        'desc': '', 'perm': 'w', 'poll': True}


@needs_argparse
def test_c4_enum_and_argtype_instances():
    @CLICommand('t choices')
    def f(self, color: Color, mode: CephChoices(strings='x|y') = 'x',
          gc: CephString(goodchars='[a-z]') = 'a') -> HandleCommandResult:
        return HandleCommandResult()
    assert entry('t choices')['cmd'] == (
        't choices name=color,strings=red|blue,type=CephChoices '
        'name=mode,req=false,strings=x|y,type=CephChoices '
        'name=gc,req=false,goodchars=[a-z],type=CephString')
    assert entry('t choices')['perm'] == 'rw'


def test_c5_no_params_trailing_space():
    @CLICommand('t noargs')
    def f(self) -> HandleCommandResult:
        return HandleCommandResult()
    assert entry('t noargs')['cmd'] == 't noargs '


def test_c6_tuple_rejected_at_decoration():
    with pytest.raises(ValueError) as e:
        @CLICommand('t tup')
        def f(self, tup: Optional[Tuple[int, int]] = None) -> HandleCommandResult:
            return HandleCommandResult()
    assert str(e.value).startswith("unknown type 'typing.Tuple[int, int]'")
    assert 't tup' not in CLICommand.COMMANDS


def test_unannotated_parameter_asserts():
    with pytest.raises(AssertionError) as e:
        @CLICommand('t bare')
        def f(self, x) -> HandleCommandResult:
            return HandleCommandResult()
    assert str(e.value).startswith("'x' is not annotated for <function ")


def test_known_args_and_sequence():
    @CLICommand('t known')
    def f(self, _: str, mgr: int, items: Sequence[int], inbuf: str = '') -> None:
        pass
    assert entry('t known')['cmd'] == 't known name=items,n=N,type=CephInt'


def test_pipe_union_syntax_rejected():
    ns = {}
    exec('def f(self, a: "str | None" = None) -> int: pass', ns)
    ns['f'].__annotations__['a'] = str | None
    with pytest.raises(ValueError) as e:
        CLICommand('t pipe')(ns['f'])
    assert str(e.value).startswith("unknown type 'str | None'")


def test_enum_with_int_values_fails_like_pacific():
    class Num(enum.Enum):
        one = 1
    with pytest.raises(TypeError):
        @CLICommand('t num')
        def f(self, n: Num) -> None:
            pass


def test_dump_cmd_list_and_key_order():
    @CLICommand('t a')
    def a(self) -> None:
        pass

    @CLICommand('t b', perm='r', poll=True)
    def b(self, x: int) -> None:
        pass
    assert [list(d) for d in CLICommand.dump_cmd_list()] == [['cmd', 'desc', 'perm', 'poll']] * 2
    assert [d['cmd'] for d in CLICommand.dump_cmd_list()] == ['t a ', 't b name=x,type=CephInt']


def test_decorator_returns_function_unchanged():
    def f(self) -> None:
        pass
    assert CLICommand('t same')(f) is f
    assert CLICommand.COMMANDS['t same'].func is f


# --- C7..C13: conversions ----------------------------------------------------

def _c1():
    @CLIReadCommand('t withret')
    def f(self, name: str, count: int = 1) -> Tuple[int, str, str]:
        return echo(self, name=name, count=count)
    return f


def _c2():
    @CLIReadCommand('t noann')
    def f(self, name: str, count: int = 1):
        return echo(self, name=name, count=count)
    return f


def _echo_cmd():
    # like the live probe: no return annotation, four optional args
    @CLIReadCommand('conftest echo')
    def _echo(self, a: Optional[str] = None, b: Optional[int] = None,
              c: Optional[bool] = None, d: Optional[List[str]] = None,
              inbuf: Optional[str] = None):
        """Echo args back"""
        return echo(self, a=a, b=b, c=c, d=d, inbuf=inbuf)
    return _echo


def test_c7_conversion():
    _c1()
    assert run('t withret', {'prefix': 't withret', 'name': 'n1', 'count': '3'}) == \
        {'name': 'n1', 'count': 3}


def test_c8_missing_required_string_becomes_None_text():
    _c1()
    _c2()
    assert run('t withret', {}) == {'name': 'None', 'count': 1}
    assert run('t noann', {}) == {'name': 'None', 'count': 1}


def test_c9_bool_from_string_quirk():
    @CLIWriteCommand('t types')
    def f(self, s: str, i: int, f: float, b: bool) -> HandleCommandResult:
        return echo(self, b=b, f=f)
    base = {'s': 'x', 'i': 1, 'f': '2.5'}
    assert run('t types', dict(base, b='false')) == {'b': True, 'f': 2.5}
    assert run('t types', dict(base, b=False)) == {'b': False, 'f': 2.5}


def test_c10_echo_live_case():
    _echo_cmd()
    assert entry('conftest echo')['cmd'] == (
        'conftest echo name=a,req=false,type=CephString name=b,req=false,type=CephInt '
        'name=c,req=false,type=CephBool name=d,req=false,n=N,type=CephString')
    assert entry('conftest echo')['desc'] == 'Echo args back'
    got = run('conftest echo', {'prefix': 'conftest echo', 'a': 5, 'b': '7', 'c': 'true',
                                'd': 'single', 'target': ['mon-mgr', '']})
    assert got == {'a': '5', 'b': 7, 'c': True, 'd': list('single'), 'inbuf': None}


def test_c11_kwargs_switch():
    @CLIReadCommand('conftest echo')
    def _echo(self, a: str, b: Optional[int] = None):
        return echo(self, a=a, b=b)
    with pytest.raises(TypeError) as e:
        run('conftest echo', {'a': 'b=4'})
    assert "missing 1 required positional argument: 'a'" in str(e.value)


def test_kwargs_switch_converts_following_values():
    @CLIReadCommand('t kw')
    def f(self, first: str, second: str, third: int = 0) -> None:
        return echo(self, first=first, second=second, third=third)
    got = run('t kw', {'first': 'second=x', 'second': 'first=y', 'third': 'third=5'})
    assert got == {'second': 'x', 'first': 'y', 'third': 5}
    # after the switch a non-string value crashes, as in Pacific
    with pytest.raises(AttributeError):
        run('t kw', {'first': 'second=x', 'second': 'first=y', 'third': 5})


def test_kwargs_switch_dash_to_underscore():
    @CLIReadCommand('t dash')
    def f(self, a: str, my_arg: str = '') -> None:
        return echo(self, a=a, my_arg=my_arg)
    # 'my-arg' is not a declared name, so this value does not start the switch
    assert run('t dash', {'a': 'my-arg=v'}) == {'a': 'my-arg=v', 'my_arg': ''}
    # once switched, dashes in later names become underscores
    assert run('t dash', {'a': 'a=1', 'my_arg': 'my-arg=v'}) == {'a': '1', 'my_arg': 'v'}


def test_c12_bad_int_raises_value_error():
    _echo_cmd()
    with pytest.raises(ValueError) as e:
        run('conftest echo', {'a': 'x', 'b': 'notint'})
    assert str(e.value) == "invalid literal for int() with base 10: 'notint'"


def test_c13_bad_enum_value():
    @CLICommand('t color')
    def f(self, color: Color) -> None:
        return echo(self, color=color)
    assert run('t color', {'color': 'blue'}) == {'color': Color.blue}
    with pytest.raises(ValueError) as e:
        run('t color', {'color': 'green'})
    assert str(e.value) == "'green' is not a valid Color"


@needs_argparse
def test_argtype_instance_value_cannot_be_cast_like_pacific():
    @CLICommand('t mode')
    def f(self, mode: CephChoices(strings='x|y') = 'x') -> None:
        return echo(self, mode=mode)
    assert run('t mode', {}) == {'mode': 'x'}
    with pytest.raises(ValueError) as e:
        run('t mode', {'mode': 'y'})
    assert str(e.value) == "unknown type 'x|y': 'y'"


def test_inbuf_passed_only_when_non_empty():
    _echo_cmd()
    assert run('conftest echo', {}, inbuf='')['inbuf'] is None
    assert run('conftest echo', {}, inbuf='data')['inbuf'] == 'data'


def test_unknown_keys_ignored_and_mgr_passed_first():
    @CLICommand('t who')
    def f(self, x: int) -> None:
        return echo(self, self_=self, x=x)
    assert run('t who', {'prefix': 't who', 'x': 2, 'format': 'json', 'zzz': 1},
               mgr='THE MGR') == {'self_': 'THE MGR', 'x': 2}


def test_list_of_ints_elementwise():
    @CLICommand('t ints')
    def f(self, ids: List[int]) -> None:
        return echo(self, ids=ids)
    assert run('t ints', {'ids': ['1', 2]}) == {'ids': [1, 2]}


# --- helpers around CLICommand -------------------------------------------------

def test_check_nonempty_file_input():
    @CLICommand('t file')
    @CLICheckNonemptyFileInput(desc='the spec')
    def f(self, name: str, inbuf: Optional[str] = None) -> HandleCommandResult:
        return HandleCommandResult(0, inbuf, name)
    # the wrapper keeps the handler's signature
    assert entry('t file')['cmd'] == 't file name=name,type=CephString'
    assert run('t file', {'name': 'n'}) == (
        -errno.EINVAL, '',
        'Input file not specified: Please specify the file containing the spec with "-i" option')
    assert run('t file', {'name': 'n'}, inbuf=' \n') == (
        -errno.EINVAL, '', 'Empty input file: Please add the spec to the file')
    assert run('t file', {'name': 'n'}, inbuf='body\r\n') == (0, 'body', 'n')


def test_command_register():
    class Helper:
        def go(self, n: int) -> Tuple[int, str, str]:
            return 0, repr(self), str(n)
    helper = Helper()
    c = Command(prefix='t helper', handler=Helper.go, perm='r', poll=True)
    assert c == {'perm': 'r', 'poll': True}
    c.register(instance=helper)
    # Pacific drops poll in register()
    assert entry('t helper') == {'cmd': 't helper name=n,type=CephInt', 'desc': '',
                                 'perm': 'r', 'poll': False}
    r = run('t helper', {'n': '4'}, mgr='MGR')
    assert isinstance(r, HandleCommandResult) and r == (0, repr(helper), '4')


def test_command_register_without_instance_uses_mgr():
    def go(self, n: int) -> Tuple[int, str, str]:
        return 0, str(self), str(n)
    Command(prefix='t mgrh', handler=go).register()
    assert run('t mgrh', {'n': 1}, mgr='MGR') == (0, 'MGR', '1')


# --- dispatch through MgrModule ---------------------------------------------------

def test_handle_command_routes_registry_then_legacy():
    @CLIReadCommand('conftest ping')
    def ping(self, word: str = 'pong') -> HandleCommandResult:
        return HandleCommandResult(0, word, '')

    def legacy(self, inbuf, cmd):
        return 0, 'legacy:' + cmd['prefix'], inbuf
    m = make_module(attrs={'handle_command': legacy,
                           'COMMANDS': [{'cmd': 'conftest legacy name=x,type=CephInt,req=false',
                                         'desc': 'l', 'perm': 'r'}]})
    assert m._handle_command('', {'prefix': 'conftest ping'}) == (0, 'pong', '')
    assert m._handle_command('in', {'prefix': 'conftest legacy'}) == \
        (0, 'legacy:conftest legacy', 'in')
    # COMMANDS: legacy entries kept verbatim, decorated ones appended
    assert type(m).COMMANDS == [
        {'cmd': 'conftest legacy name=x,type=CephInt,req=false', 'desc': 'l', 'perm': 'r'},
        {'cmd': 'conftest ping name=word,req=false,type=CephString', 'desc': '', 'perm': 'r',
         'poll': False}]


def test_handle_command_exception_propagates_to_native_side():
    @CLIReadCommand('conftest raise')
    def boom(self) -> HandleCommandResult:
        raise RuntimeError('deliberate')
    m = make_module()
    with pytest.raises(RuntimeError, match='deliberate'):
        m._handle_command('', {'prefix': 'conftest raise'})


def test_base_handle_command_not_implemented():
    m = make_module()
    with pytest.raises(NotImplementedError):
        m._handle_command('', {'prefix': 'nothing here'})


def test_register_commands_idempotent():
    @CLICommand('conftest once')
    def once(self) -> None:
        pass
    cls = type('Module', (mgr_module.MgrModule,), {'COMMANDS': []})
    cls._register_commands('conftest')
    cls._register_commands('conftest')
    assert [c['cmd'] for c in cls.COMMANDS] == ['conftest once ']


def test_register_commands_inherited_list_goes_to_base_like_pacific():
    @CLICommand('conftest inh')
    def inh(self) -> None:
        pass
    cls = type('Module', (mgr_module.MgrModule,), {})
    cls._register_commands('conftest')
    assert cls.COMMANDS is mgr_module.MgrModule.COMMANDS
    assert cls.COMMANDS[-1]['cmd'] == 'conftest inh '
