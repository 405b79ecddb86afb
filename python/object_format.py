"""Helpers that turn Python return values and exceptions into command replies.

rmgr's own take on the ``object_format`` helpers that later Ceph releases
(Quincy/Reef) ship next to ``mgr_module``.  Pacific 16.2.x has no such module;
this one is provided so that modules written in that style also run on rmgr.
It does not depend on ``mgr_module`` and therefore works both with rmgr's
``mgr_module`` and with Debian's Pacific ``mgr_module.py``.

Use it *below* ``@CLICommand`` so the command sees the wrapped handler::

    @CLIReadCommand('mymod show')
    @Responder()
    def show(self, name: str) -> Dict[str, str]:
        if name not in self.things:
            raise ErrorResponse(f'no thing {name}', return_value=-errno.ENOENT)
        return self.things[name]

``Responder`` serialises the returned object in the format the client asked
for (``-f json``, ``json-pretty``, ``yaml``; JSON by default) and turns
``ErrorResponse`` exceptions into ``(retval, '', status)``.

Differences from the later upstream module, all deliberate:

* The extra ``format`` argument is made visible to ``CLICommand`` through the
  wrapper's ``__signature__`` (an optional ``format: Optional[str] = None``
  parameter appended when the handler has none), because Pacific's
  ``CLICommand`` does not know upstream's ``extra_args`` attribute.  The command
  descriptor therefore ends with ``name=format,req=false,type=CephString``.
  If the handler declares ``format`` itself, it still receives it.
* Valid format names are the ``Format`` values (so ``json-pretty`` is
  accepted); ``json`` and ``json-pretty`` both give sorted keys indented by 2,
  as upstream.  ``plain``/``xml`` are known but unsupported by the default
  adapter (``Unsupported format: plain``).
* ``yaml`` needs python3-yaml; without it ``yaml`` is an unsupported format.
"""

import enum
import errno
import functools
import inspect
import json
from typing import Any, Callable, Iterable, Optional, Tuple, Type, TypeVar

try:
    import yaml  # type: ignore
except ImportError:  # pragma: no cover - depends on the host
    yaml = None  # type: ignore

Reply = Tuple[int, str, str]

DEFAULT_JSON_INDENT = 2


class Format(str, enum.Enum):
    plain = "plain"
    json = "json"
    json_pretty = "json-pretty"
    yaml = "yaml"
    xml_pretty = "xml-pretty"
    xml = "xml"


def _has_method(obj: Any, name: str) -> bool:
    return callable(getattr(obj, name, None))


class ObjectFormatAdapter:
    """Serialises one object to JSON or YAML.

    The object itself is serialised unless it provides ``to_simplified()``
    (returning plain lists/dicts/scalars).  With ``compatible=True``,
    ``to_json()`` / ``to_yaml()`` (returning plain data, not text) are
    preferred when present.
    """

    def __init__(self, obj: Any, json_indent: Optional[int] = DEFAULT_JSON_INDENT,
                 compatible: bool = False) -> None:
        self.obj = obj
        self.json_indent = json_indent
        self._compatible = compatible

    def _json_data(self) -> Any:
        if self._compatible and _has_method(self.obj, 'to_json'):
            return self.obj.to_json()
        if _has_method(self.obj, 'to_simplified'):
            return self.obj.to_simplified()
        return self.obj

    def _yaml_data(self) -> Any:
        if self._compatible and _has_method(self.obj, 'to_yaml'):
            return self.obj.to_yaml()
        return self._json_data()

    def format_json(self) -> str:
        return json.dumps(self._json_data(), indent=self.json_indent, sort_keys=True)

    format_json_pretty = format_json

    def format_yaml(self) -> str:
        if yaml is None:
            raise UnsupportedFormat('yaml')
        return yaml.safe_dump(self._yaml_data())

    def valid_formats(self) -> Iterable[str]:
        return {f.value for f in Format}


class ReturnValueAdapter:
    """Return value of an object: its ``mgr_return_value()`` or a default."""

    def __init__(self, obj: Any, default: int = 0) -> None:
        self.obj = obj
        self.default_return_value = default

    def mgr_return_value(self) -> int:
        if _has_method(self.obj, 'mgr_return_value'):
            return int(self.obj.mgr_return_value())
        return self.default_return_value


class ErrorResponseBase(Exception):
    """An exception that knows the command reply it stands for."""

    def format_response(self) -> Reply:
        raise NotImplementedError()


class UnknownFormat(ErrorResponseBase):
    """The requested format name is not a known format."""

    def __init__(self, format_name: str) -> None:
        super().__init__(format_name)
        self.format_name = format_name

    def format_response(self) -> Reply:
        return -errno.EINVAL, "", f"Unknown format name: {self.format_name}"


class UnsupportedFormat(ErrorResponseBase):
    """The format is known but the object cannot be rendered in it."""

    def __init__(self, format_name: str) -> None:
        super().__init__(format_name)
        self.format_name = format_name

    def format_response(self) -> Reply:
        return -errno.EINVAL, "", f"Unsupported format: {self.format_name}"


E = TypeVar('E', bound='ErrorResponse')


class ErrorResponse(ErrorResponseBase):
    """Raise to reply ``(return_value, '', status)``; -EINVAL by default."""

    def __init__(self, status: str, return_value: Optional[int] = None) -> None:
        super().__init__(status)
        self.status = status
        self.return_value = -errno.EINVAL if return_value is None else return_value

    def format_response(self) -> Reply:
        return self.return_value, "", self.status

    def mgr_return_value(self) -> int:
        return self.return_value

    @property
    def errno(self) -> int:
        return abs(self.return_value)

    def __repr__(self) -> str:
        return f"ErrorResponse({self.status!r}, {self.return_value!r})"

    @classmethod
    def wrap(cls: Type[E], exc: Exception,
             return_value: Optional[int] = None) -> ErrorResponseBase:
        """Convert ``exc``; the errno of an OSError-like exception is used
        (negated) unless ``return_value`` is given."""
        if isinstance(exc, ErrorResponseBase):
            return exc
        if return_value is None:
            try:
                code = int(getattr(exc, 'errno'))
            except (AttributeError, TypeError, ValueError):
                code = None
            if code is not None:
                return_value = -abs(code)
        err = cls(str(exc), return_value=return_value)
        err.__cause__ = exc
        return err


def _keep_signature(wrapper: Callable, wrapped: Callable,
                    add_format: bool = False) -> None:
    """Make ``wrapper`` look like ``wrapped`` to CLICommand (which reads
    ``inspect.getfullargspec``, honouring ``__signature__``); optionally add
    an optional ``format`` parameter after the positional ones."""
    sig = inspect.signature(wrapped)
    if add_format and 'format' not in sig.parameters:
        params = list(sig.parameters.values())
        positional = (inspect.Parameter.POSITIONAL_ONLY,
                      inspect.Parameter.POSITIONAL_OR_KEYWORD)
        at = max((i + 1 for i, p in enumerate(params) if p.kind in positional),
                 default=0)
        params.insert(at, inspect.Parameter(
            'format', inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=None, annotation=Optional[str]))
        sig = sig.replace(parameters=params)
    wrapper.__signature__ = sig  # type: ignore[attr-defined]


class Responder:
    """Decorator: the handler returns data, the reply is formatted for it."""

    def __init__(self, formatter: Optional[Callable[..., Any]] = None) -> None:
        self.formatter = formatter
        self.default_format = "json"

    def _formatter(self, obj: Any) -> Any:
        return self.formatter(obj) if self.formatter is not None \
            else ObjectFormatAdapter(obj)

    def _retval_provider(self, obj: Any) -> Any:
        return ReturnValueAdapter(obj)

    def _get_format_func(self, obj: Any, format_req: Optional[str] = None) -> Callable:
        adapter = self._formatter(obj)
        wanted = self.default_format if format_req is None else format_req
        if wanted not in adapter.valid_formats():
            raise UnknownFormat(wanted)
        func = getattr(adapter, 'format_' + str(wanted).replace('-', '_'), None)
        if func is None:
            raise UnsupportedFormat(wanted)
        return func

    def _dry_run(self, format_req: Optional[str] = None) -> None:
        self._get_format_func({}, format_req)

    def _formatted(self, obj: Any, format_req: Optional[str] = None) -> str:
        return self._get_format_func(obj, format_req)()

    def _return_value(self, obj: Any) -> int:
        return self._retval_provider(obj).mgr_return_value()

    def __call__(self, f: Callable[..., Any]) -> Callable[..., Reply]:
        declares_format = 'format' in inspect.signature(f).parameters

        @functools.wraps(f)
        def respond(*args: Any, **kwargs: Any) -> Reply:
            format_req = kwargs.get('format') if declares_format \
                else kwargs.pop('format', None)
            try:
                self._dry_run(format_req)   # reject bad formats before acting
                obj = f(*args, **kwargs)
                body = self._formatted(obj, format_req)
                retval = self._return_value(obj)
            except ErrorResponseBase as e:
                return e.format_response()
            return retval, body, ""

        _keep_signature(respond, f, add_format=True)
        respond.extra_args = {'format': str}  # type: ignore[attr-defined]
        return respond


class ErrorResponseHandler:
    """Decorator for handlers returning (retval, out, err) that may raise
    ErrorResponse exceptions."""

    def __call__(self, f: Callable[..., Reply]) -> Callable[..., Reply]:
        @functools.wraps(f)
        def respond(*args: Any, **kwargs: Any) -> Reply:
            try:
                retval, body, status = f(*args, **kwargs)
            except ErrorResponseBase as e:
                return e.format_response()
            return retval, body, status

        _keep_signature(respond, f)
        return respond


class ConstantResponderBase:
    """Decorator base replying with constant values (0, '', '' by default);
    subclasses may check the handler's result in ``process_response``."""

    def mgr_return_value(self) -> int:
        return 0

    def mgr_body_value(self) -> str:
        return ""

    def mgr_status_value(self) -> str:
        return ""

    def process_response(self, result: Any) -> None:
        return None

    def __call__(self, f: Callable) -> Callable[..., Reply]:
        @functools.wraps(f)
        def respond(*args: Any, **kwargs: Any) -> Reply:
            try:
                self.process_response(f(*args, **kwargs))
            except ErrorResponseBase as e:
                return e.format_response()
            return self.mgr_return_value(), self.mgr_body_value(), self.mgr_status_value()

        _keep_signature(respond, f)
        return respond


class EmptyResponder(ConstantResponderBase):
    """Reply (0, '', ''); the handler must return None."""

    def process_response(self, result: Any) -> None:
        if result is not None:
            raise ValueError("EmptyResponder expects None from wrapped functions")


__all__ = [
    'Format', 'ObjectFormatAdapter', 'ReturnValueAdapter', 'ErrorResponseBase',
    'UnknownFormat', 'UnsupportedFormat', 'ErrorResponse', 'Responder',
    'ErrorResponseHandler', 'ConstantResponderBase', 'EmptyResponder',
    'DEFAULT_JSON_INDENT',
]
