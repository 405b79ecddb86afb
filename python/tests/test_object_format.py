"""object_format helpers (rmgr's own; not part of Pacific)."""

import errno
import inspect
import json
from typing import Dict, List, Optional

import pytest

from conftest import make_module
from mgr_module import CLICommand, CLIReadCommand, HandleCommandResult
from object_format import (EmptyResponder, ErrorResponse, ErrorResponseBase,
                           ErrorResponseHandler, Format, ObjectFormatAdapter, Responder,
                           ReturnValueAdapter, UnknownFormat, UnsupportedFormat)


def run(prefix, cmd, inbuf=None, mgr='MGR'):
    return CLICommand.COMMANDS[prefix].call(mgr, cmd, inbuf)


class Thing:
    def __init__(self, n):
        self.n = n

    def to_simplified(self):
        return {'n': self.n}

    def to_json(self):
        return {'json_n': self.n}


class Failing:
    def to_simplified(self):
        return 'partial'

    def mgr_return_value(self):
        return -errno.EAGAIN


def test_responder_descriptor_and_formats():
    @CLIReadCommand('of show')
    @Responder()
    def show(self, name: str, count: int = 1) -> Dict[str, object]:
        """Show a thing"""
        return {'name': name, 'count': count, 'self': self}
    assert CLICommand.COMMANDS['of show'].dump_cmd() == {
        'cmd': 'of show name=name,type=CephString name=count,req=false,type=CephInt '
               'name=format,req=false,type=CephString',
        'desc': 'Show a thing', 'perm': 'r', 'poll': False}
    r = run('of show', {'name': 'a'})
    assert r == (0, json.dumps({'count': 1, 'name': 'a', 'self': 'MGR'}, indent=2,
                               sort_keys=True), '')
    assert run('of show', {'name': 'a', 'format': 'json-pretty'})[1] == r[1]
    assert run('of show', {'name': 'a', 'count': '2', 'format': 'yaml'}) == \
        (0, 'count: 2\nname: a\nself: MGR\n', '')
    assert run('of show', {'name': 'a', 'format': 'plain'}) == \
        (-errno.EINVAL, '', 'Unsupported format: plain')
    assert run('of show', {'name': 'a', 'format': 'nope'}) == \
        (-errno.EINVAL, '', 'Unknown format name: nope')


def test_responder_bad_format_rejected_before_running():
    ran = []

    @CLICommand('of act')
    @Responder()
    def act(self) -> List[str]:
        ran.append(1)
        return []
    assert run('of act', {'format': 'xml'})[0] == -errno.EINVAL
    assert ran == []
    assert run('of act', {}) == (0, '[]', '')


def test_responder_simplified_and_return_value():
    @CLICommand('of thing')
    @Responder()
    def thing(self, n: int) -> Thing:
        return Thing(n)
    assert run('of thing', {'n': 3}) == (0, '{\n  "n": 3\n}', '')

    @CLICommand('of fail')
    @Responder()
    def fail(self) -> Failing:
        return Failing()
    assert run('of fail', {}) == (-errno.EAGAIN, '"partial"', '')


def test_responder_compatible_mode():
    import functools

    @CLICommand('of compat')
    @Responder(functools.partial(ObjectFormatAdapter, compatible=True))
    def compat(self) -> Thing:
        return Thing(1)
    assert json.loads(run('of compat', {})[1]) == {'json_n': 1}


def test_responder_handler_declaring_format_receives_it():
    @CLICommand('of own')
    @Responder()
    def own(self, format: Optional[str] = None) -> Dict[str, Optional[str]]:
        return {'format': format}
    assert CLICommand.COMMANDS['of own'].dump_cmd()['cmd'] == \
        'of own name=format,req=false,type=CephString'
    assert json.loads(run('of own', {'format': 'json'})[1]) == {'format': 'json'}


def test_error_response():
    e = ErrorResponse('bad')
    assert e.format_response() == (-errno.EINVAL, '', 'bad')
    assert e.errno == errno.EINVAL and e.mgr_return_value() == -errno.EINVAL
    assert repr(e) == "ErrorResponse('bad', -22)"
    w = ErrorResponse.wrap(FileNotFoundError(errno.ENOENT, 'gone'))
    assert w.format_response() == (-errno.ENOENT, '', '[Errno 2] gone')
    assert isinstance(w.__cause__, FileNotFoundError)
    assert ErrorResponse.wrap(KeyError('k')).format_response() == (-errno.EINVAL, '', "'k'")
    assert ErrorResponse.wrap(KeyError('k'), return_value=-2).return_value == -2
    assert ErrorResponse.wrap(e) is e
    assert isinstance(UnknownFormat('x'), ErrorResponseBase)
    assert UnsupportedFormat('x').format_response()[2] == 'Unsupported format: x'
    with pytest.raises(NotImplementedError):
        ErrorResponseBase().format_response()


def test_error_response_handler_and_empty_responder():
    @CLICommand('of eh')
    @ErrorResponseHandler()
    def eh(self, n: int) -> HandleCommandResult:
        if n:
            raise ErrorResponse('nope', return_value=-errno.EPERM)
        return HandleCommandResult(0, 'fine', '')
    assert CLICommand.COMMANDS['of eh'].dump_cmd()['cmd'] == 'of eh name=n,type=CephInt'
    assert run('of eh', {'n': 0}) == (0, 'fine', '')
    assert run('of eh', {'n': 1}) == (-errno.EPERM, '', 'nope')

    @CLICommand('of empty')
    @EmptyResponder()
    def empty(self, n: int) -> None:
        if n < 0:
            raise ErrorResponse('neg')
        return None if n == 0 else n
    assert run('of empty', {'n': 0}) == (0, '', '')
    assert run('of empty', {'n': -1}) == (-errno.EINVAL, '', 'neg')
    with pytest.raises(ValueError):
        run('of empty', {'n': 1})


def test_through_module_dispatch():
    @CLIReadCommand('conftest of')
    @Responder()
    def show(self) -> Dict[str, str]:
        return {'module': self.module_name}
    m = make_module()
    assert m._handle_command('', {'prefix': 'conftest of'}) == \
        (0, '{\n  "module": "conftest"\n}', '')


def test_misc_adapters():
    assert ReturnValueAdapter(object()).mgr_return_value() == 0
    assert ReturnValueAdapter(object(), default=3).mgr_return_value() == 3
    assert set(ObjectFormatAdapter({}).valid_formats()) == {f.value for f in Format}
    assert Format.json_pretty == 'json-pretty'
    sig = inspect.signature(Responder()(lambda self, a, *rest, k=1: None))
    assert list(sig.parameters) == ['self', 'a', 'format', 'rest', 'k']
