"""Command declarations for the differential test (imported by diff_scenario).

Each ``decl_*`` function applies decorators when called, so that a
declaration that fails (as some must, like Pacific) is recorded on its own.
Handlers return ``echo(locals())``: the repr of every argument they got.
"""

import enum
from typing import Dict, List, Optional, Sequence, Tuple

from ceph_argparse import CephChoices, CephFloat, CephInt, CephString
from mgr_module import (CLICheckNonemptyFileInput, CLICommand, CLIReadCommand,
                        CLIWriteCommand, Command, HandleCommandResult)

import object_format
from object_format import EmptyResponder, ErrorResponse, ErrorResponseHandler, Responder


def echo(values: Dict) -> Dict[str, str]:
    return {k: repr(v) for k, v in sorted(values.items())}


class Color(enum.Enum):
    red = 'red'
    blue = 'blue'


class Num(enum.Enum):
    one = 1


DECLS = []


def decl(f):
    DECLS.append(f)
    return f


@decl
def decl_c1():
    @CLIReadCommand('t withret')
    def f(self, name: str, count: int = 1) -> Tuple[int, str, str]:
        return echo(locals())


@decl
def decl_c2():
    @CLIReadCommand('t noann')
    def f(self, name: str, count: int = 1):
        """Doc line one
          line two"""
        return echo(locals())


@decl
def decl_c3():
    @CLIWriteCommand('t types', poll=True)
    def f(self, s: str, i: int, f: float, b: bool, opt: Optional[str] = None,
          lst: Optional[List[str]] = None, inbuf: Optional[str] = None) -> HandleCommandResult:
        return echo(locals())


@decl
def decl_c4():
    @CLICommand('t choices')
    def f(self, color: Color, mode: CephChoices(strings='x|y') = 'x',
          gc: CephString(goodchars='[a-z]') = 'a') -> HandleCommandResult:
        return echo(locals())


@decl
def decl_c5():
    @CLICommand('t noargs')
    def f(self) -> HandleCommandResult:
        """No arguments at all."""
        return echo(locals())


@decl
def decl_c6():
    @CLICommand('t tup')
    def f(self, tup: Optional[Tuple[int, int]] = None) -> HandleCommandResult:
        return echo(locals())


@decl
def decl_unannotated():
    @CLICommand('t bare')
    def f(self, x) -> HandleCommandResult:
        return echo(locals())


@decl
def decl_echo():
    @CLIReadCommand('conftest echo')
    def _echo(self, a: Optional[str] = None, b: Optional[int] = None,
              c: Optional[bool] = None, d: Optional[List[str]] = None,
              inbuf: Optional[str] = None):
        """Echo args back"""
        return echo(locals())


@decl
def decl_nodefaults_noann():
    @CLICommand('t nodef', perm='x')
    def f(self, a: str, b: int, c: float):
        return echo(locals())


@decl
def decl_optional_no_default():
    @CLICommand('t optnd')
    def f(self, a: Optional[int], b: List[float]) -> int:
        return echo(locals())


@decl
def decl_known_args():
    @CLICommand('t known')
    def f(self, _: str, mgr: int, items: Sequence[int], inbuf: str = '') -> None:
        return echo(locals())


@decl
def decl_builtin_list():
    @CLICommand('t blist')
    def f(self, names: list[str], n: Optional[list[int]] = None) -> None:
        return echo(locals())


@decl
def decl_pipe_union():
    @CLICommand('t pipe')
    def f(self, a: 'str | None' = None) -> None:
        return echo(locals())
    # annotations given as strings are taken literally by getfullargspec


@decl
def decl_pipe_union_real():
    def f(self, a=None) -> None:
        return echo(locals())
    f.__annotations__['a'] = str | None
    CLICommand('t pipe2')(f)


@decl
def decl_enum_int():
    @CLICommand('t num')
    def f(self, n: Num) -> None:
        return echo(locals())


@decl
def decl_enum_optional():
    @CLICommand('t color')
    def f(self, color: Color, other: Optional[Color] = None,
          many: Optional[List[Color]] = None) -> None:
        return echo(locals())


@decl
def decl_cephint_range():
    @CLICommand('t range')
    def f(self, n: CephInt(range='1|10')) -> None:
        return echo(locals())


@decl
def decl_cephint_norange():
    @CLICommand('t cint')
    def f(self, n: CephInt(), x: CephFloat() = 1.0) -> None:
        return echo(locals())


@decl
def decl_kwonly():
    @CLICommand('t kwonly')
    def f(self, a: str, *, b: int = 1) -> None:
        return echo(locals())


@decl
def decl_varargs():
    @CLICommand('t varargs')
    def f(self, a: str, *rest: str, **kw: int) -> None:
        return echo(locals())


@decl
def decl_kwargs_switch():
    @CLICommand('t kw')
    def f(self, first: str, second: str, third: int = 0, fourth_arg: str = '') -> None:
        return echo(locals())


@decl
def decl_mgr_first():
    @CLICommand('t mgrname')
    def f(mgr, who: str) -> None:
        return echo(locals())


@decl
def decl_file_input():
    @CLICommand('t file')
    @CLICheckNonemptyFileInput(desc='the spec')
    def f(self, name: str, inbuf: Optional[str] = None) -> HandleCommandResult:
        return echo(locals())


@decl
def decl_command_register():
    class Helper:
        def __repr__(self):
            return 'Helper()'

        def go(self, n: int, label: str = 'l') -> Tuple[int, str, str]:
            return 0, repr(self), '{}:{}'.format(n, label)
    Command(prefix='t helper', handler=Helper.go, perm='r', poll=True).register(instance=Helper())

    def go2(self, n: int) -> Tuple[int, str, str]:
        return 0, repr(self), str(n)
    Command(prefix='t helper2', handler=go2).register()


@decl
def decl_overwrite():
    @CLICommand('t dup', perm='r')
    def f(self, a: str) -> None:
        return echo(locals())

    @CLICommand('t dup', perm='w')
    def g(self, b: int) -> None:
        return echo(locals())


@decl
def decl_responder():
    @CLICommand('t resp', perm='r')
    @Responder()
    def f(self, name: str, fail: bool = False) -> Dict[str, str]:
        if fail:
            raise ErrorResponse('no such ' + name, return_value=-2)
        return {'name': name, 'z': 'last'}


@decl
def decl_responder_own_format():
    @CLICommand('t resp2', perm='r')
    @Responder()
    def f(self, format: Optional[str] = None) -> List[str]:
        return ['fmt', str(format)]


@decl
def decl_empty_responder():
    @CLIWriteCommand('t empty')
    @EmptyResponder()
    def f(self, n: int):
        if n < 0:
            raise ErrorResponse.wrap(OSError(13, 'denied'))
        return None if n == 0 else n


@decl
def decl_error_handler():
    @CLIWriteCommand('t errh')
    @ErrorResponseHandler()
    def f(self, n: int) -> Tuple[int, str, str]:
        if n:
            raise ErrorResponse('bad n', return_value=-22)
        return 0, 'ok', ''


# (prefix, cmd dict, inbuf) to run through CLICommand.call
CALLS = [
    ('t withret', {'prefix': 't withret', 'name': 'n1', 'count': '3'}, None),
    ('t withret', {}, None),
    ('t withret', {'name': 'count=5'}, None),
    ('t noann', {}, None),
    ('t noann', {'name': 'x'}, None),
    ('t types', {'s': 1, 'i': '2', 'f': '2.5', 'b': 'false'}, None),
    ('t types', {'s': 1, 'i': '2', 'f': 3, 'b': False, 'lst': ['a', 'b']}, 'buf'),
    ('t types', {'s': 1, 'i': '2', 'f': 3, 'b': 0, 'lst': 'ab', 'opt': 7}, ''),
    ('t types', {'s': 1, 'i': 'x', 'f': 3, 'b': True}, None),
    ('t types', {'s': 1, 'f': 3, 'b': True}, None),
    ('t choices', {'color': 'red'}, None),
    ('t choices', {'color': 'red', 'mode': 'y'}, None),
    ('t choices', {'color': 'green'}, None),
    ('t choices', {'color': 'blue', 'gc': 'abc'}, None),
    ('t noargs', {'prefix': 't noargs', 'x': 1}, 'ignored?'),
    ('conftest echo', {'prefix': 'conftest echo', 'a': 5, 'b': '7', 'c': 'true',
                       'd': 'single', 'target': ['mon-mgr', '']}, None),
    ('conftest echo', {'a': 'b=4'}, None),
    ('conftest echo', {'a': 'x', 'b': 'notint'}, None),
    ('conftest echo', {'a': 'a=1', 'b': 'b=2', 'c': 'c=false', 'd': 'd=xy'}, None),
    ('conftest echo', {'a': 'a=1', 'b': 2}, None),
    ('conftest echo', {'c': False, 'd': []}, 'payload'),
    ('t nodef', {}, None),
    ('t nodef', {'a': 1, 'b': 2, 'c': 3}, None),
    ('t optnd', {'a': '4', 'b': ['1.5', 2]}, None),
    ('t optnd', {'b': []}, None),
    ('t known', {'items': ['3', 4], '_': 'u', 'mgr': 'm', 'inbuf': 'i'}, 'buf'),
    ('t blist', {'names': ['a'], 'n': ['1']}, None),
    ('t color', {'color': 'red', 'other': 'blue', 'many': ['red', 'blue']}, None),
    ('t color', {'color': 'red', 'many': 'red'}, None),
    ('t cint', {'n': 3}, None),
    ('t cint', {}, None),
    ('t kwonly', {'a': 'x'}, None),
    ('t kwonly', {'a': 'x', 'b': '2'}, None),
    ('t varargs', {'a': 'x', 'rest': 'r', 'kw': 1}, None),
    ('t kw', {'first': 'second=x', 'second': 'first=y', 'third': 'third=5'}, None),
    ('t kw', {'first': 'a', 'second': 'fourth-arg=b', 'third': 'first=c'}, None),
    ('t kw', {'first': 'a', 'second': 'fourth_arg=b'}, None),
    ('t kw', {'first': 'second=x', 'second': 'first=y', 'third': 5}, None),
    ('t kw', {'first': 'nosuch=1', 'second': 'z'}, None),
    ('t mgrname', {'who': 'me'}, None),
    ('t file', {'name': 'n'}, None),
    ('t file', {'name': 'n'}, ' \n'),
    ('t file', {'name': 'n'}, 'body\r\n'),
    ('t helper', {'n': '4'}, None),
    ('t helper', {'n': '4', 'label': 'L'}, None),
    ('t helper2', {'n': 1}, None),
    ('t dup', {'a': 'x', 'b': '1'}, None),
    ('t resp', {'name': 'n'}, None),
    ('t resp', {'name': 'n', 'format': 'json-pretty'}, None),
    ('t resp', {'name': 'n', 'format': 'yaml'}, None),
    ('t resp', {'name': 'n', 'format': 'plain'}, None),
    ('t resp', {'name': 'n', 'format': 'bogus'}, None),
    ('t resp', {'name': 'n', 'fail': True}, None),
    ('t resp2', {'format': 'json'}, None),
    ('t resp2', {}, None),
    ('t empty', {'n': 0}, None),
    ('t empty', {'n': 1}, None),
    ('t empty', {'n': -1}, None),
    ('t errh', {'n': 0}, None),
    ('t errh', {'n': 1}, None),
]

__all__ = ['DECLS', 'CALLS', 'object_format']
