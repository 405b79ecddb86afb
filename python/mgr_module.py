"""rmgr's own ``mgr_module``: the Python API that manager modules import.

Module authors write ``from mgr_module import MgrModule, CLICommand, Option, ...``.
This file provides the API documented for Ceph Pacific (16.2.x) on top of the
native ``ceph_module`` that an rmgr worker process embeds.  The worker uses this
file only when the module path has no ``mgr_module.py`` of its own; when it has
one (Debian's ``ceph-mgr`` ships ``/usr/share/ceph/mgr/mgr_module.py``) that one
is imported instead.  So everything here must behave like Pacific's file,
quirks included, and must call ``ceph_module`` with exactly the same methods,
arities and argument types.  The tests in ``python/tests`` compare both files
call for call.

Independent implementation (written from the specs in shared/spec and from
observing Pacific's behaviour), not a copy of Ceph's LGPL source.

Division of labour with the native side (fixed; the native side must do its part
anyway because Debian's mgr_module.py does not do it either):

* Command dispatch.  ``MgrModule._handle_command(inbuf, cmd)`` routes to the
  ``@CLICommand`` registry by exact ``cmd['prefix']`` or else to
  ``handle_command``.  It does NOT catch exceptions and does NOT check the
  shape of the result.  The native caller turns an exception into
  ``(-EINVAL, '', <formatted traceback>)`` (the ``traceback.format_exception``
  text, as ceph-mgr replies) and a result that is not a 3-tuple into
  ``(-EINVAL, '', '')``.
* ``remote()`` only forwards to ``_ceph_dispatch_remote``; the errors
  (``ImportError('Module not found')``, ``NameError('Method not found')``,
  ``RuntimeError('Remote method threw exception: ' + traceback)``) are raised
  by the native side.
* Module options.  The native side returns stored values already converted by
  the declared type, or ``None`` when unset; declared defaults are applied
  here (``MODULE_OPTION_DEFAULTS``).  Declaration checks happen here.
* Logging.  Level filtering happens here; ``_ceph_log(line)`` writes the
  already formatted line at Ceph debug level 0.

Per-module state.  Pacific keeps per-module registries in class attributes of
shared classes (``CLICommand.COMMANDS``, an inherited ``MODULE_OPTIONS`` list,
``MgrModule.MODULE_OPTION_DEFAULTS``) and relies on one sub-interpreter per
module.  rmgr runs exactly one module per worker process, which gives the same
isolation; the semantics inside one module are Pacific's.  In addition,
``_register_commands`` and ``_register_options`` are idempotent, so calling
them twice (e.g. from tests) does not duplicate entries, and an instance that
is garbage-collected removes only its own log handlers (Pacific's removes all,
which would silence a newer instance of the same module).

Deliberate additions (not in Pacific, so modules using them will not run on
Debian's file): ``MgrModule.get_hostname()``.  The object_format helpers
(``Responder`` and friends) live in the separate ``object_format`` module.
"""

import ceph_module  # noqa: F401  (the native interface; must be importable)

import collections.abc
import enum
import errno
import functools
import inspect
import json
import logging
import re
import socket
import subprocess
import threading
import time
import typing
from collections import defaultdict
from typing import (Any, Callable, Dict, List, Mapping, NamedTuple, Optional,
                    Sequence, Tuple, Union, cast, get_args, get_origin)

try:  # python3-rados: only needed by the ``rados`` property
    import rados  # type: ignore
except ImportError:  # pragma: no cover - depends on the host
    rados = None  # type: ignore

try:  # python3-ceph-argparse: lets CephArgtype instances be recognised exactly
    from ceph_argparse import CephArgtype  # type: ignore
except ImportError:  # pragma: no cover - depends on the host
    CephArgtype = None  # type: ignore


# ---------------------------------------------------------------------------
# Constants shared with modules

ERROR_MSG_EMPTY_INPUT_FILE = 'Empty input file'
ERROR_MSG_NO_INPUT_FILE = 'Input file not specified'

# Every word pg_state_string() can produce, in Ceph's order.
PG_STATES = [
    "active", "clean", "down", "recovery_unfound", "backfill_unfound",
    "scrubbing", "degraded", "inconsistent", "peering", "repair",
    "recovering", "forced_recovery", "backfill_wait", "incomplete", "stale",
    "remapped", "deep", "backfilling", "forced_backfill", "backfill_toofull",
    "recovery_wait", "recovery_toofull", "undersized", "activating", "peered",
    "snaptrim", "snaptrim_wait", "snaptrim_error", "creating", "unknown",
    "premerge", "failed_repair", "laggy", "wait",
]

NFS_GANESHA_SUPPORTED_FSALS = ['CEPH', 'RGW']
NFS_POOL_NAME = '.nfs'

# Type aliases module code refers to.
OptionValue = Optional[Union[bool, int, float, str]]
HandlerFuncType = Callable[..., Tuple[int, str, str]]
HealthChecksT = Mapping[str, Mapping[str, Union[int, str, Sequence[str]]]]
ServiceInfoT = Dict[str, str]
ServerInfoT = Dict[str, Union[str, List[ServiceInfoT]]]
PerfCounterT = Dict[str, Any]


class NotifyType(str, enum.Enum):
    """Notification kinds a module may list in ``NOTIFY_TYPES``.

    Exactly the members Pacific 16.2.15 offers (service_map, mon_status and
    perf_schema_update are never sent by Pacific and are not members).
    """
    mon_map = 'mon_map'
    pg_summary = 'pg_summary'
    health = 'health'
    clog = 'clog'
    osd_map = 'osd_map'
    fs_map = 'fs_map'
    command = 'command'


# ---------------------------------------------------------------------------
# Command results

class CommandResult(object):
    """Completion object for ``send_command``; the daemon calls ``complete``."""

    def __init__(self, tag: Optional[str] = None):
        self.ev = threading.Event()
        self.outs = ""
        self.outb = ""
        self.r = 0
        # handed back as notify_id of the 'command' notification
        self.tag = tag or ""

    def complete(self, r: int, outb: str, outs: str) -> None:
        self.r, self.outb, self.outs = r, outb, outs
        self.ev.set()

    def wait(self) -> Tuple[int, str, str]:
        self.ev.wait()
        return self.r, self.outb, self.outs


class HandleCommandResult(NamedTuple):
    """What a command handler returns: (retval, stdout, stderr).

    retval is 0 or a negative errno; stdout carries the data, stderr the
    human-readable status (normally only on errors).
    """
    retval: int = 0
    stdout: str = ""
    stderr: str = ""


class MonCommandFailed(RuntimeError):
    pass


# ---------------------------------------------------------------------------
# Map wrappers (the daemon constructs these by class name with one capsule)

class OSDMap(ceph_module.BasePyOSDMap):
    def get_epoch(self) -> int:
        return self._get_epoch()

    def get_crush_version(self) -> int:
        return self._get_crush_version()

    def dump(self) -> Dict[str, Any]:
        return self._dump()

    def get_pools(self) -> Dict[int, Dict[str, Any]]:
        return {pool['pool']: pool for pool in self._dump()['pools']}

    def get_pools_by_name(self) -> Dict[str, Dict[str, Any]]:
        return {pool['pool_name']: pool for pool in self._dump()['pools']}

    def new_incremental(self) -> 'OSDMapIncremental':
        return self._new_incremental()

    def apply_incremental(self, inc: 'OSDMapIncremental') -> 'OSDMap':
        return self._apply_incremental(inc)

    def get_crush(self) -> 'CRUSHMap':
        return self._get_crush()

    def get_pools_by_take(self, take: int) -> List[int]:
        return self._get_pools_by_take(take).get('pools', [])

    def calc_pg_upmaps(self, inc: 'OSDMapIncremental', max_deviation: int,
                       max_iterations: int = 10,
                       pools: Optional[List[str]] = None) -> int:
        return self._calc_pg_upmaps(inc, max_deviation, max_iterations,
                                    [] if pools is None else pools)

    def map_pool_pgs_up(self, poolid: int) -> List[int]:
        return self._map_pool_pgs_up(poolid)

    def pg_to_up_acting_osds(self, pool_id: int, ps: int) -> Dict[str, Any]:
        return self._pg_to_up_acting_osds(pool_id, ps)

    def pool_raw_used_rate(self, pool_id: int) -> float:
        return self._pool_raw_used_rate(pool_id)

    def get_ec_profile(self, name: str) -> Optional[List[Dict[str, str]]]:
        return self._dump()['erasure_code_profiles'].get(name, None)

    def get_require_osd_release(self) -> str:
        return self._dump()['require_osd_release']


class OSDMapIncremental(ceph_module.BasePyOSDMapIncremental):
    def get_epoch(self) -> int:
        return self._get_epoch()

    def dump(self) -> Dict[str, Any]:
        return self._dump()

    def set_osd_reweights(self, weightmap: Dict[int, float]) -> None:
        """Set OSD reweights: ``{osd_id: weight}`` with weights in [0, 1]."""
        return self._set_osd_reweights(weightmap)

    def set_crush_compat_weight_set_weights(self, weightmap: Dict[str, float]) -> None:
        """Set compat weight-set weights of devices: ``{osd_id: weight}``."""
        return self._set_crush_compat_weight_set_weights(weightmap)


class CRUSHMap(ceph_module.BasePyCRUSH):
    ITEM_NONE = 0x7fffffff
    DEFAULT_CHOOSE_ARGS = '-1'

    def dump(self) -> Dict[str, Any]:
        return self._dump()

    def get_item_weight(self, item: int) -> Optional[int]:
        return self._get_item_weight(item)

    def get_item_name(self, item: int) -> Optional[str]:
        return self._get_item_name(item)

    def find_takes(self) -> List[int]:
        return self._find_takes().get('takes', [])

    def find_roots(self) -> List[int]:
        return self._find_roots().get('roots', [])

    def get_take_weight_osd_map(self, root: int) -> Dict[int, float]:
        raw = self._get_take_weight_osd_map(root)
        return {int(osd): weight for osd, weight in raw.get('weights', {}).items()}

    @staticmethod
    def have_default_choose_args(dump: Dict[str, Any]) -> bool:
        return CRUSHMap.DEFAULT_CHOOSE_ARGS in dump.get('choose_args', {})

    @staticmethod
    def get_default_choose_args(dump: Dict[str, Any]) -> List[Dict[str, Any]]:
        choose_args = dump.get('choose_args')
        assert isinstance(choose_args, dict)
        return choose_args.get(CRUSHMap.DEFAULT_CHOOSE_ARGS, [])

    def get_rule(self, rule_name: str) -> Optional[Dict[str, Any]]:
        return next((r for r in self.dump()['rules'] if r['rule_name'] == rule_name),
                    None)

    def get_rule_by_id(self, rule_id: int) -> Optional[Dict[str, Any]]:
        return next((r for r in self.dump()['rules'] if r['rule_id'] == rule_id),
                    None)

    def get_rule_root(self, rule_name: str) -> Optional[int]:
        rule = self.get_rule(rule_name)
        if rule is None:
            return None
        takes = [step for step in rule['steps'] if step.get('op') == 'take']
        if not takes:
            logging.warning("CRUSH rule '{0}' has no 'take' step".format(rule_name))
            return None
        return takes[0]['item']

    def get_osds_under(self, root_id: int) -> List[int]:
        by_id = {bucket['id']: bucket for bucket in self.dump()['buckets']}
        found: List[int] = []

        def walk(bucket: Dict[str, Any]) -> None:
            for item in bucket['items']:
                child = item['id']
                if child >= 0:
                    found.append(child)
                elif child in by_id:
                    walk(by_id[child])

        walk(by_id[root_id])
        return found

    def device_class_counts(self) -> Dict[str, int]:
        counts: Dict[str, int] = defaultdict(int)
        for device in self.dump()['devices']:
            counts[device.get('class', None)] += 1
        return dict(counts)


# ---------------------------------------------------------------------------
# Command descriptors from annotations
#
# The rules (command_grammar.md section 7) are those of Pacific's CLICommand
# together with ceph_argparse.CephArgtype.to_argdesc / cast_to 16.2.15.  They
# are implemented here so that this package works without ceph_argparse;
# CephArgtype *instances* used as annotations (``CephChoices(strings=...)``)
# describe themselves through their own ``argdesc``.

_PLAIN_ARGTYPES = {str: 'CephString', int: 'CephInt', float: 'CephFloat',
                   bool: 'CephBool'}
_PLAIN_CASTS = (str, int, float, bool)
_LIST_ORIGINS = (collections.abc.Sequence, typing.Sequence, typing.List, list)


def _is_argtype_instance(tp: Any) -> bool:
    if CephArgtype is not None:
        return isinstance(tp, CephArgtype)
    return not isinstance(tp, type) and callable(getattr(tp, 'argdesc', None)) \
        and get_origin(tp) is None


def _join_attrs(attrs: Dict[str, str]) -> str:
    return ','.join('{}={}'.format(k, v) for k, v in attrs.items())


def _argdesc(tp: Any, attrs: Dict[str, str], optional: bool = False) -> str:
    """One descriptor word for a parameter annotated with ``tp``.

    ``attrs`` starts as ``{'name': ...}``; keys are added in the order
    Ceph emits them: req, type specific keys, type last.
    """
    if optional:
        attrs['req'] = 'false'
    try:
        plain = _PLAIN_ARGTYPES[tp]
    except KeyError:
        plain = None
    if plain is not None:
        attrs['type'] = plain
        return _join_attrs(attrs)
    if _is_argtype_instance(tp):
        return tp.argdesc(attrs)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        attrs['strings'] = '|'.join(member.value for member in tp)
        attrs['type'] = 'CephChoices'
        return _join_attrs(attrs)
    origin, targs = get_origin(tp), get_args(tp)
    if origin in _LIST_ORIGINS:
        assert len(targs) == 1
        attrs['n'] = 'N'
        return _argdesc(targs[0], attrs)
    if origin is Union:
        # only Optional[T] is supported
        assert len(targs) == 2 and isinstance(None, targs[1])
        return _argdesc(targs[0], attrs, True)
    # Note: like Pacific on Python >= 3.7, Tuple[...] ends up here as well
    # (its origin is the builtin tuple), and so does the ``T | None`` syntax.
    raise ValueError(f"unknown type '{tp}': '{attrs}'")


def _cast_arg(tp: Any, value: Any) -> Any:
    """Convert one received command value to the annotated type."""
    if tp in _PLAIN_CASTS:
        return tp(value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    origin, targs = get_origin(tp), get_args(tp)
    if origin in _LIST_ORIGINS:
        return [_cast_arg(targs[0], item) for item in value]
    if origin is Union:
        assert len(targs) == 2 and isinstance(None, targs[1])
        return _cast_arg(targs[0], value)
    raise ValueError(f"unknown type '{tp}': '{value}'")


class CLICommand(object):
    """Decorator registering a method as the handler of a module command.

    ``@CLICommand('mymod do thing', perm='rw')`` on ``def f(self, name: str,
    count: int = 1)`` advertises ``mymod do thing name=name,type=CephString
    name=count,req=false,type=CephInt`` and calls ``f`` with the converted
    arguments when the command arrives.
    """
    COMMANDS: Dict[str, 'CLICommand'] = {}

    # parameters that are never command arguments
    KNOWN_ARGS = ('_', 'self', 'mgr', 'inbuf', 'return')

    def __init__(self, prefix: str, perm: str = 'rw', poll: bool = False):
        self.prefix = prefix
        self.perm = perm
        self.poll = poll
        self.func: Optional[Callable] = None
        self.arg_spec: Dict[str, Any] = {}
        self.first_default = -1

    @staticmethod
    def load_func_metadata(f: HandlerFuncType) -> Tuple[str, Dict[str, Any], int, str]:
        """Return (desc, annotations, first_default, descriptor words) of ``f``."""
        desc = (inspect.getdoc(f) or '').replace('\n', ' ')
        spec = inspect.getfullargspec(f)
        annotations = spec.annotations
        # Ceph's counting, kept for byte-identical descriptors: the number of
        # defaults is subtracted from the size of the annotation dict (which
        # has 'return' first when present and never 'self'), but the result is
        # compared with positions in the argument list (which has 'self').
        first_default = len(annotations) - len(spec.defaults or ())
        words = []
        for position, arg in enumerate(spec.args):
            if arg in CLICommand.KNOWN_ARGS:
                continue
            assert arg in annotations, \
                f"'{arg}' is not annotated for {f}: {spec}"
            words.append(_argdesc(annotations[arg], {'name': arg},
                                  position >= first_default))
        return desc, annotations, first_default, ' '.join(words)

    def store_func_metadata(self, f: HandlerFuncType) -> None:
        (self.desc, self.arg_spec, self.first_default,
         self.args) = self.load_func_metadata(f)

    def __call__(self, func: HandlerFuncType) -> HandlerFuncType:
        self.store_func_metadata(func)
        self.func = func
        self.COMMANDS[self.prefix] = self
        return func

    def _get_arg_value(self, kwargs_switch: bool, key: str,
                       val: Any) -> Tuple[bool, str, Any]:
        # Once a value looks like "<declared name>=<value>", it and every
        # later value are read as name=value pairs.
        if not kwargs_switch and isinstance(val, str) and '=' in val:
            kwargs_switch = val.split('=', 1)[0] in self.arg_spec
        if kwargs_switch:
            key, val = val.split('=', 1)
        return kwargs_switch, key.replace('-', '_'), val

    def _collect_args_by_argspec(self, cmd_dict: Dict[str, Any]) -> Dict[str, Any]:
        kwargs: Dict[str, Any] = {}
        switched = False
        for index, (name, tp) in enumerate(self.arg_spec.items()):
            if name in CLICommand.KNOWN_ARGS:
                continue
            assert self.first_default >= 0
            raw = cmd_dict.get(name)
            if raw is None and index >= self.first_default:
                continue  # optional and not given: the Python default applies
            switched, key, value = self._get_arg_value(switched, name, raw)
            kwargs[key] = _cast_arg(tp, value)
        return kwargs

    def call(self, mgr: Any, cmd_dict: Dict[str, Any],
             inbuf: Optional[str] = None) -> HandleCommandResult:
        kwargs = self._collect_args_by_argspec(cmd_dict)
        if inbuf:
            kwargs['inbuf'] = inbuf
        assert self.func
        return self.func(mgr, **kwargs)

    def dump_cmd(self) -> Dict[str, Union[str, bool]]:
        return {
            'cmd': '{} {}'.format(self.prefix, self.args),
            'desc': self.desc,
            'perm': self.perm,
            'poll': self.poll,
        }

    @classmethod
    def dump_cmd_list(cls) -> List[Dict[str, Union[str, bool]]]:
        return [command.dump_cmd() for command in cls.COMMANDS.values()]


def CLIReadCommand(prefix: str, poll: bool = False) -> CLICommand:
    return CLICommand(prefix, "r", poll)


def CLIWriteCommand(prefix: str, poll: bool = False) -> CLICommand:
    return CLICommand(prefix, "w", poll)


def CLICheckNonemptyFileInput(desc: str) -> Callable[[HandlerFuncType], HandlerFuncType]:
    """Decorator: fail with -EINVAL unless a non-empty ``-i`` file was given."""
    def decorate(func: HandlerFuncType) -> HandlerFuncType:
        @functools.wraps(func)
        def check(*args: Any, **kwargs: Any) -> Tuple[int, str, str]:
            if 'inbuf' not in kwargs:
                return (-errno.EINVAL, '',
                        f'{ERROR_MSG_NO_INPUT_FILE}: Please specify the file '
                        f'containing {desc} with "-i" option')
            inbuf = kwargs['inbuf']
            if isinstance(inbuf, str):
                # an editor may have added a final newline
                inbuf = kwargs['inbuf'] = inbuf.rstrip('\r\n').rstrip('\n')
            if not inbuf or not inbuf.strip():
                return (-errno.EINVAL, '',
                        f'{ERROR_MSG_EMPTY_INPUT_FILE}: Please add {desc} to the file')
            return func(*args, **kwargs)
        # keep the handler's parameters visible to CLICommand
        check.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]
        return check
    return decorate


class Command(dict):
    """A COMMANDS-style dict ({perm, poll}) that can register a handler.

    ``Command(prefix, handler, perm, poll).register(instance)`` registers
    ``handler`` as a CLICommand whose result is wrapped into a
    HandleCommandResult.  With ``instance`` given, the handler is called
    with that object instead of the module.  (As in Pacific, ``poll`` is
    not passed on by ``register``.)
    """

    def __init__(self, prefix: str, handler: HandlerFuncType,
                 perm: str = "rw", poll: bool = False):
        super().__init__(perm=perm, poll=poll)
        self.prefix = prefix
        self.handler = handler

    @staticmethod
    def returns_command_result(instance: Any,
                               f: HandlerFuncType) -> Callable[..., HandleCommandResult]:
        @functools.wraps(f)
        def wrapper(mgr: Any, *args: Any, **kwargs: Any) -> HandleCommandResult:
            return HandleCommandResult(*f(instance or mgr, *args, **kwargs))
        wrapper.__signature__ = inspect.signature(f)  # type: ignore[attr-defined]
        return wrapper

    def register(self, instance: bool = False) -> HandlerFuncType:
        command = CLICommand(prefix=self.prefix, perm=self['perm'])
        return command(self.returns_command_result(instance, self.handler))


def _get_localized_key(prefix: str, key: str) -> str:
    return '{}/{}'.format(prefix, key)


# ---------------------------------------------------------------------------
# Options

class Option(dict):
    """One ``MODULE_OPTIONS`` entry; arguments left at None are omitted.

    Like Pacific's, the dict also holds the key ``'__class__'`` (-> Option).

    Types: str, int, uint, float, bool, addr, addrvec, uuid, size, secs.
    """

    def __init__(self, name: str, default: OptionValue = None,
                 type: str = 'str', desc: Optional[str] = None,
                 long_desc: Optional[str] = None, min: OptionValue = None,
                 max: OptionValue = None, enum_allowed: Optional[List[str]] = None,
                 tags: Optional[List[str]] = None,
                 see_also: Optional[List[str]] = None, runtime: bool = False):
        given = (('name', name), ('default', default), ('type', type),
                 ('desc', desc), ('long_desc', long_desc), ('min', min),
                 ('max', max), ('enum_allowed', enum_allowed), ('tags', tags),
                 ('see_also', see_also), ('runtime', runtime),
                 # Pacific's Option ends up with this extra key as well (a
                 # side effect of how it collects its arguments); kept so that
                 # code behaves the same on both (the daemon ignores it).
                 ('__class__', Option))
        super().__init__((key, value) for key, value in given if value is not None)


_LEVEL_CHOICES = ['info', 'debug', 'critical', 'error', 'warning', '']

# lists that already received the automatic logging options (see
# _add_logging_options); kept by identity
_LISTS_WITH_LOGGING_OPTIONS: List[List[Any]] = []


def _add_logging_options(options: List[Any]) -> None:
    """Append the options every module gets (module_loading.md 5.1)."""
    if any(seen is options for seen in _LISTS_WITH_LOGGING_OPTIONS):
        return
    _LISTS_WITH_LOGGING_OPTIONS.append(options)
    options.append(Option(name='log_level', type='str', default="", runtime=True,
                          enum_allowed=list(_LEVEL_CHOICES)))
    options.append(Option(name='log_to_file', type='bool', default=False,
                          runtime=True))
    if not any(o['name'] == 'log_to_cluster' for o in options):
        options.append(Option(name='log_to_cluster', type='bool', default=False,
                              runtime=True))
    options.append(Option(name='log_to_cluster_level', type='str', default='info',
                          runtime=True, enum_allowed=list(_LEVEL_CHOICES)))


def _fill_option_defaults(module: Any) -> None:
    # A declared default is kept as given when the option declares a type,
    # and stringified when it does not (values read back from the daemon are
    # strings for untyped options).  The target dict is whatever
    # MODULE_OPTION_DEFAULTS resolves to (the base class's, unless the module
    # class defines its own), as in Pacific.
    for opt in module.MODULE_OPTIONS:
        if 'default' in opt:
            value = opt['default']
            module.MODULE_OPTION_DEFAULTS[opt['name']] = \
                value if 'type' in opt else str(value)


# ---------------------------------------------------------------------------
# Logging

class CPlusPlusHandler(logging.Handler):
    """Sends records to the daemon log: ``[<module> <LEVEL> <logger>] <msg>``."""

    def __init__(self, module_inst: Any):
        super().__init__()
        self._module = module_inst
        self.setFormatter(logging.Formatter(
            '[' + module_inst.module_name.replace('%', '%%')
            + ' %(levelname)-4s %(name)s] %(message)s'))

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= self.level:
            self._module._ceph_log(self.format(record))


def _cluster_log_priority(levelno: int) -> int:
    prio = MgrModule.ClusterLogPrio
    if levelno >= logging.ERROR:
        return prio.ERROR
    if levelno >= logging.WARNING:
        return prio.WARN
    if levelno >= logging.INFO:
        return prio.INFO
    return prio.DEBUG


class ClusterLogHandler(logging.Handler):
    """Sends records to the cluster log, on the channel named after the module."""

    def __init__(self, module_inst: Any):
        super().__init__()
        self._module = module_inst
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        priority = _cluster_log_priority(record.levelno)
        if record.levelno >= self.level:
            self._module.cluster_log(self._module.module_name, priority,
                                     self.format(record))


class FileHandler(logging.FileHandler):
    """Per-module log file next to the daemon's ``log_file`` (opened lazily)."""

    def __init__(self, module_inst: Any):
        self._module = module_inst
        base = module_inst.get_ceph_option("log_file")
        name = module_inst.module_name
        cut = base.rfind(".log")
        self.path = ("{}.{}.log".format(base[:cut], name) if cut != -1
                     else "{}.{}".format(base, name))
        super().__init__(self.path, delay=True)
        self.setFormatter(logging.Formatter(
            "%(asctime)s [%(threadName)s] [%(levelname)-4s] [%(name)s] %(message)s"))


def _python_level_for_debug_mgr(debug_mgr: str) -> str:
    """Python level for a Ceph ``debug_mgr`` value such as ``'2/5'``."""
    try:
        ceph_level = int(debug_mgr.split("/", 1)[0]) if debug_mgr else 0
    except ValueError:
        ceph_level = 0
    if ceph_level <= 0:
        return "CRITICAL"
    if ceph_level == 1:
        return "WARNING"
    if ceph_level <= 4:
        return "INFO"
    return "DEBUG"


class MgrModuleLoggingMixin(object):
    """Routes the root Python logger of the module process to the daemon.

    The level of the daemon-log and file handlers is the module option
    ``log_level`` when set, else derived from ``debug_mgr``; the cluster-log
    handler follows ``log_to_cluster_level``.
    """

    def _configure_logging(self, mgr_level: str, module_level: str,
                           cluster_level: str, log_to_file: bool,
                           log_to_cluster: bool) -> None:
        self._mgr_level: Optional[str] = None
        self._module_level: Optional[str] = None
        self._root_logger = logging.getLogger()
        self._unconfigure_logging()

        self._mgr_log_handler = CPlusPlusHandler(self)
        self._cluster_log_handler = ClusterLogHandler(self)
        self._file_log_handler = FileHandler(self)

        self.log_to_file = log_to_file
        self.log_to_cluster = log_to_cluster
        self._root_logger.addHandler(self._mgr_log_handler)
        if log_to_file:
            self._root_logger.addHandler(self._file_log_handler)
        if log_to_cluster:
            self._root_logger.addHandler(self._cluster_log_handler)
        self._root_logger.setLevel(logging.NOTSET)
        self._set_log_level(mgr_level, module_level, cluster_level)

    def _unconfigure_logging(self) -> None:
        root = getattr(self, '_root_logger', None)
        if root is not None:
            ours = (CPlusPlusHandler, FileHandler, ClusterLogHandler)
            for handler in [h for h in root.handlers if isinstance(h, ours)]:
                root.removeHandler(handler)
        self.log_to_file = False
        self.log_to_cluster = False

    def _drop_own_log_handlers(self) -> None:
        # Used when an instance goes away: unlike _unconfigure_logging (which
        # clears every handler of these types before a new configuration),
        # leave the handlers of a newer instance alone.
        root = getattr(self, '_root_logger', None)
        if root is not None:
            for handler in [h for h in root.handlers
                            if getattr(h, '_module', None) is self]:
                root.removeHandler(handler)
        self.log_to_file = False
        self.log_to_cluster = False

    def _set_log_level(self, mgr_level: str, module_level: str,
                       cluster_level: str) -> None:
        self._cluster_log_handler.setLevel(cluster_level.upper())

        wanted = module_level.upper() if module_level else ''
        current = self._module_level
        if current:
            if current == wanted:
                return
        elif not wanted and self._mgr_level == mgr_level:
            return

        # the message goes out before the new level applies
        if wanted:
            level = wanted
            self.getLogger().debug("setting log level: %s", level)
        elif current:
            level = self._ceph_log_level_to_python(mgr_level)
            self.getLogger().warning("unsetting module log level, falling back to "
                                     "debug_mgr level: %s (%s)", level, mgr_level)
        else:
            level = self._ceph_log_level_to_python(mgr_level)
            self.getLogger().debug("setting log level based on debug_mgr: %s (%s)",
                                   level, mgr_level)
        self._module_level = wanted
        self._mgr_level = mgr_level
        self._mgr_log_handler.setLevel(level)
        self._file_log_handler.setLevel(level)

    def _toggle_handler(self, handler: logging.Handler, attr: str, enable: bool,
                        what: str) -> None:
        self.getLogger().warning("%s logging to %s",
                                 "enabling" if enable else "disabling", what)
        setattr(self, attr, enable)
        if enable:
            self._root_logger.addHandler(handler)
        else:
            self._root_logger.removeHandler(handler)

    def _enable_file_log(self) -> None:
        self._toggle_handler(self._file_log_handler, 'log_to_file', True, 'file')

    def _disable_file_log(self) -> None:
        self._toggle_handler(self._file_log_handler, 'log_to_file', False, 'file')

    def _enable_cluster_log(self) -> None:
        self._toggle_handler(self._cluster_log_handler, 'log_to_cluster', True,
                             'cluster')

    def _disable_cluster_log(self) -> None:
        self._toggle_handler(self._cluster_log_handler, 'log_to_cluster', False,
                             'cluster')

    def _ceph_log_level_to_python(self, log_level: str) -> str:
        return _python_level_for_debug_mgr(log_level)

    def getLogger(self, name: Optional[str] = None) -> logging.Logger:
        return logging.getLogger(name)


# ---------------------------------------------------------------------------
# Standby modules

class MgrStandbyModule(ceph_module.BaseMgrStandbyModule, MgrModuleLoggingMixin):
    """Base of the optional class a module runs on standby managers.

    Standby modules have ``serve``/``shutdown`` only: no commands, no
    notifications, read-only access to options, the store and the URI the
    active manager published.
    """

    MODULE_OPTIONS: List[Option] = []
    MODULE_OPTION_DEFAULTS: Dict[str, Any] = {}

    def __init__(self, module_name: str, capsule: Any):
        super().__init__(capsule)
        self.module_name = module_name
        _fill_option_defaults(self)
        mgr_level = cast(str, self.get_ceph_option("debug_mgr"))
        module_level = cast(str, self.get_module_option("log_level"))
        cluster_level = cast(str, self.get_module_option('log_to_cluster_level'))
        self._configure_logging(mgr_level, module_level, cluster_level, False, False)
        self._logger = self.getLogger()

    def __del__(self) -> None:
        self._cleanup()
        self._drop_own_log_handlers()

    def _cleanup(self) -> None:
        pass

    @classmethod
    def _register_options(cls, module_name: str) -> None:
        _add_logging_options(cls.MODULE_OPTIONS)

    @property
    def log(self) -> logging.Logger:
        return self._logger

    def serve(self) -> None:
        """Mandatory for standby modules."""
        raise NotImplementedError()

    def get_mgr_id(self) -> str:
        return self._ceph_get_mgr_id()

    def get_module_option(self, key: str, default: OptionValue = None) -> OptionValue:
        value = self._ceph_get_module_option(key)
        return self.MODULE_OPTION_DEFAULTS.get(key, default) if value is None else value

    def get_ceph_option(self, key: str) -> OptionValue:
        return self._ceph_get_option(key)

    def get_store(self, key: str) -> Optional[str]:
        return self._ceph_get_store(key)

    def get_localized_store(self, key: str, default: Optional[str] = None) -> Optional[str]:
        value = self._ceph_get_store(_get_localized_key(self.get_mgr_id(), key))
        if value is None:
            value = self._ceph_get_store(key)
        return default if value is None else value

    def get_active_uri(self) -> str:
        return self._ceph_get_active_uri()

    def get(self, data_name: str) -> Any:
        return self._ceph_get(data_name)

    def get_mgr_ip(self) -> str:
        ips = self.get("mgr_ips").get('ips', [])
        return ips[0] if ips else socket.gethostname()

    def get_localized_module_option(self, key: str, default: OptionValue = None) -> OptionValue:
        value = self._ceph_get_module_option(key, self.get_mgr_id())
        return self.MODULE_OPTION_DEFAULTS.get(key, default) if value is None else value


# ---------------------------------------------------------------------------
# Method markers (API.expose / API.perm)

def _marker(attr: str, default: Any) -> type:
    token = '__ATTR_{}__'.format(attr.upper())

    class Marker:
        _ATTR_TOKEN = token

        def __init__(self, value: Any = default) -> None:
            self.value = value

        def __call__(self, func: Callable) -> Any:
            setattr(func, token, self.value)
            return func

        @classmethod
        def get(cls, func: Callable) -> Any:
            return getattr(func, token, default)

    return Marker


class API:
    """Decorators marking MgrModule methods as exposed API (and their perm)."""
    DecoratorFactory = staticmethod(_marker)
    perm = _marker('perm', 'r')
    expose = _marker('expose', False)(True)


def _timed(f: Callable) -> Callable:
    """Debug-log how long a module method ran (and remember it)."""
    @functools.wraps(f)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.time()
        self.log.debug('Starting method {}.'.format(f.__name__))
        result = f(self, *args, **kwargs)
        elapsed = time.time() - started
        wrapper._execution_duration = elapsed  # type: ignore[attr-defined]
        self.log.debug('Method {} ran {:.3f} seconds.'.format(f.__name__, elapsed))
        return result
    return wrapper


# ---------------------------------------------------------------------------
# Active modules

class MgrModule(ceph_module.BaseMgrModule, MgrModuleLoggingMixin):
    """Base class of a manager module (the instance on the active manager).

    The daemon calls ``Module(module_name, py_modules_capsule, this_capsule)``
    after ``_register_commands``/``_register_options`` ran on the class.
    Subclasses declare ``COMMANDS`` (or use ``@CLICommand``),
    ``MODULE_OPTIONS`` and ``NOTIFY_TYPES`` (deliberately not defined here:
    a module without it gets no notifications and the daemon logs that).
    """

    COMMANDS: List[Any] = []
    MODULE_OPTIONS: List[Option] = []
    MODULE_OPTION_DEFAULTS: Dict[str, Any] = {}

    # perf counter priorities
    PRIO_CRITICAL = 10
    PRIO_INTERESTING = 8
    PRIO_USEFUL = 5
    PRIO_UNINTERESTING = 2
    PRIO_DEBUGONLY = 0

    # perf counter value types
    PERFCOUNTER_TIME = 1
    PERFCOUNTER_U64 = 2

    # perf counter types
    PERFCOUNTER_LONGRUNAVG = 4
    PERFCOUNTER_COUNTER = 8
    PERFCOUNTER_HISTOGRAM = 0x10
    PERFCOUNTER_TYPE_MASK = ~3

    # perf counter units
    BYTES = 0
    NONE = 1

    class ClusterLogPrio(enum.IntEnum):
        DEBUG = 0
        INFO = 1
        SEC = 2
        WARN = 3
        ERROR = 4

    def __init__(self, module_name: str, py_modules_ptr: object, this_ptr: object):
        self.module_name = module_name
        super().__init__(py_modules_ptr, this_ptr)
        _fill_option_defaults(self)

        mgr_level = cast(str, self.get_ceph_option("debug_mgr"))
        module_level = cast(str, self.get_module_option("log_level"))
        cluster_level = cast(str, self.get_module_option('log_to_cluster_level'))
        log_to_file = self.get_module_option("log_to_file")
        assert isinstance(log_to_file, bool)
        log_to_cluster = self.get_module_option("log_to_cluster")
        assert isinstance(log_to_cluster, bool)
        self._configure_logging(mgr_level, module_level, cluster_level,
                                log_to_file, log_to_cluster)
        self._logger = self.getLogger()

        self._version = self._ceph_get_version()
        self._perf_schema_cache = None
        self._rados: Optional[Any] = None   # created on first use of .rados
        self._mgr_ips: Optional[str] = None  # constant while active

    def __del__(self) -> None:
        self._drop_own_log_handlers()

    # -- class-level registration (called by the daemon at load time) -------

    @classmethod
    def _register_options(cls, module_name: str) -> None:
        _add_logging_options(cls.MODULE_OPTIONS)

    @classmethod
    def _register_commands(cls, module_name: str) -> None:
        already = {id(c) for c in cls.__dict__.get('_rmgr_registered_commands', ())}
        new = [c for c in CLICommand.COMMANDS.values() if id(c) not in already]
        cls.COMMANDS.extend(c.dump_cmd() for c in new)
        cls._rmgr_registered_commands = \
            list(cls.__dict__.get('_rmgr_registered_commands', ())) + new

    @staticmethod
    def can_run() -> Tuple[bool, str]:
        """Report whether the module's dependencies are met: (ok, reason).

        Called from the daemon at load time; must not block.
        """
        return True, ""

    # -- hooks the daemon calls -----------------------------------------------

    def notify(self, notify_type: NotifyType, notify_id: str) -> None:
        """New cluster state of a kind listed in ``NOTIFY_TYPES`` is available.

        ``notify_type`` arrives as a plain str; ``notify_id`` is '' except for
        'command' (the tag given to send_command) and 'clog' (the entry).
        """
        pass

    def _config_notify(self) -> None:
        mgr_level = cast(str, self.get_ceph_option("debug_mgr"))
        module_level = cast(str, self.get_module_option("log_level"))
        cluster_level = cast(str, self.get_module_option("log_to_cluster_level"))
        assert isinstance(cluster_level, str)
        log_to_file = self.get_module_option("log_to_file", False)
        assert isinstance(log_to_file, bool)
        log_to_cluster = self.get_module_option("log_to_cluster", False)
        assert isinstance(log_to_cluster, bool)
        self._set_log_level(mgr_level, module_level, cluster_level)
        if log_to_file != self.log_to_file:
            (self._enable_file_log if log_to_file else self._disable_file_log)()
        if log_to_cluster != self.log_to_cluster:
            (self._enable_cluster_log if log_to_cluster else self._disable_cluster_log)()
        self.config_notify()

    def config_notify(self) -> None:
        """Configuration may have changed: re-read the options you cache."""
        pass

    def serve(self) -> None:
        """Long-running work of the module; return when ``shutdown`` is called."""
        pass

    def shutdown(self) -> None:
        """Ask ``serve`` to return.  The base version releases ``self.rados``."""
        if self._rados:
            addrs = self._rados.get_addrs()
            self._rados.shutdown()
            self._ceph_unregister_client(addrs)
            self._rados = None

    def self_test(self) -> None:
        """Override with a self-test; raise on failure (may return a str)."""
        pass

    def _handle_command(self, inbuf: str,
                        cmd: Dict[str, Any]) -> Union[HandleCommandResult, Tuple[int, str, str]]:
        # Exceptions and malformed results are handled by the native caller.
        handler = CLICommand.COMMANDS.get(cmd['prefix'])
        if handler is None:
            return self.handle_command(inbuf, cmd)
        return handler.call(self, cmd, inbuf)

    def handle_command(self, inbuf: str,
                       cmd: Dict[str, Any]) -> Union[HandleCommandResult, Tuple[int, str, str]]:
        """Handle a command declared in ``COMMANDS`` without ``@CLICommand``.

        ``inbuf`` is the ``-i`` payload, ``cmd`` the command map.  Return a
        HandleCommandResult or (retval, stdout, stderr).
        """
        raise NotImplementedError()

    # -- logging, identity, versions ------------------------------------------

    @property
    def log(self) -> logging.Logger:
        return self._logger

    def cluster_log(self, channel: str, priority: ClusterLogPrio, message: str) -> None:
        """Write ``message`` to cluster-log ``channel`` ('cluster', 'audit', ...)."""
        self._ceph_cluster_log(channel, priority.value, message)

    @property
    def version(self) -> str:
        return self._version

    @property
    def release_name(self) -> str:
        """Lower-case release name of the daemon, e.g. 'pacific'."""
        return self._ceph_get_release_name()

    @API.expose
    def lookup_release_name(self, major: int) -> str:
        return self._ceph_lookup_release_name(major)

    def get_context(self) -> object:
        """Capsule holding the daemon's CephContext (for rados.Rados)."""
        return self._ceph_get_context()

    def get_mgr_id(self) -> str:
        """Id of the manager daemon running this module ('x' for mgr.x)."""
        return self._ceph_get_mgr_id()

    def get_hostname(self) -> str:
        """rmgr addition (not in Pacific): this host's name."""
        return socket.gethostname()

    @API.expose
    def get_ceph_conf_path(self) -> str:
        return self._ceph_get_ceph_conf_path()

    @API.expose
    def get_mgr_ip(self) -> str:
        if not self._mgr_ips:
            ips = self.get("mgr_ips").get('ips', [])
            if not ips:
                return socket.gethostname()
            self._mgr_ips = ips[0]
        assert self._mgr_ips is not None
        return self._mgr_ips

    @API.expose
    def have_mon_connection(self) -> bool:
        """Whether the daemon is connected to a monitor (else data may be stale)."""
        return self._ceph_have_mon_connection()

    # -- cluster state ----------------------------------------------------------

    @API.expose
    def get(self, data_name: str) -> Any:
        """Named cluster state (osd_map, mon_map, fs_map, pg_summary, health, ...)."""
        value = self._ceph_get(data_name)
        if isinstance(value, bytes):
            value = json.loads(value)
        return value

    def get_osdmap(self) -> OSDMap:
        """A snapshot of the current OSDMap."""
        return cast(OSDMap, self._ceph_get_osdmap())

    @API.expose
    def get_server(self, hostname: str) -> ServerInfoT:
        """Daemons known on ``hostname`` (from their metadata)."""
        return cast(ServerInfoT, self._ceph_get_server(hostname))

    @API.expose
    def list_servers(self) -> List[ServerInfoT]:
        """``get_server`` for every known host."""
        return cast(List[ServerInfoT], self._ceph_get_server(None))

    def get_metadata(self, svc_type: str, svc_id: str,
                     default: Optional[Dict[str, str]] = None) -> Optional[Dict[str, str]]:
        """Metadata of one daemon (ids as strings), or ``default`` if none."""
        metadata = self._ceph_get_metadata(svc_type, svc_id)
        return metadata if metadata else default

    @API.expose
    def get_daemon_status(self, svc_type: str, svc_id: str) -> Dict[str, str]:
        """Status strings a daemon reported; None if the daemon is unknown."""
        return self._ceph_get_daemon_status(svc_type, svc_id)

    def get_daemon_health_metrics(self) -> Dict[str, List[Dict[str, Any]]]:
        """Health metrics (SLOW_OPS, PENDING_CREATING_PGS) per daemon."""
        return self._ceph_get_daemon_health_metrics()

    # -- perf counters ------------------------------------------------------

    @API.expose
    def get_perf_schema(self, svc_type: str,
                        svc_name: str) -> Dict[str, Dict[str, Dict[str, Union[str, int]]]]:
        """Counter schema; empty type or name act as wildcards."""
        return self._ceph_get_perf_schema(svc_type, svc_name)

    @API.expose
    def get_counter(self, svc_type: str, svc_name: str,
                    path: str) -> Dict[str, List[Tuple[float, int]]]:
        """Recent samples of counter ``path`` ('mds.inodes'): {path: [[t, v], ...]}."""
        return self._ceph_get_counter(svc_type, svc_name, path)

    @API.expose
    def get_latest_counter(self, svc_type: str, svc_name: str,
                           path: str) -> Dict[str, Union[Tuple[float, int],
                                                         Tuple[float, int, int]]]:
        """Newest sample of counter ``path``: {path: [t, v]} or {path: [t, v, count]}."""
        return self._ceph_get_latest_counter(svc_type, svc_name, path)

    @API.expose
    def get_latest(self, daemon_type: str, daemon_name: str, counter: str) -> int:
        sample = self.get_latest_counter(daemon_type, daemon_name, counter)[counter]
        return sample[1] if sample else 0

    @API.expose
    def get_latest_avg(self, daemon_type: str, daemon_name: str,
                       counter: str) -> Tuple[int, int]:
        sample = self.get_latest_counter(daemon_type, daemon_name, counter)[counter]
        if not sample:
            return 0, 0
        _, value, count = cast(Tuple[float, int, int], sample)
        return value, count

    @API.expose
    @_timed
    def get_all_perf_counters(self, prio_limit: int = PRIO_USEFUL,
                              services: Sequence[str] = ("mds", "mon", "osd",
                                                         "rbd-mirror", "rgw",
                                                         "tcmu-runner")) -> Dict[str, dict]:
        """Schema plus latest value of every counter of the given daemon
        types with priority >= ``prio_limit``: {"osd.1": {path: info}}."""
        result: Dict[str, dict] = defaultdict(dict)
        for server in self.list_servers():
            for service in cast(List[ServiceInfoT], server['services']):
                stype, sid = service['type'], service['id']
                if stype not in services:
                    continue
                schemas = self.get_perf_schema(stype, sid)
                if not schemas:
                    self.log.warning("No perf counter schema for {0}.{1}".format(stype, sid))
                    continue
                daemon = "{0}.{1}".format(stype, sid)
                for path, schema in schemas[daemon].items():
                    priority = schema['priority']
                    assert isinstance(priority, int)
                    if priority < prio_limit:
                        continue
                    counter_type = schema['type']
                    assert isinstance(counter_type, int)
                    info = dict(schema)
                    if counter_type & self.PERFCOUNTER_LONGRUNAVG:
                        info['value'], info['count'] = \
                            self.get_latest_avg(stype, sid, path)
                    else:
                        info['value'] = self.get_latest(stype, sid, path)
                    result[daemon][path] = info
        self.log.debug("returning {0} counter".format(len(result)))
        return result

    def _stattype_to_str(self, stattype: int) -> str:
        kind = stattype & self.PERFCOUNTER_TYPE_MASK
        if kind == 0:
            return 'gauge'
        if kind in (self.PERFCOUNTER_LONGRUNAVG, self.PERFCOUNTER_COUNTER):
            # long-running averages are reported as counters (value only)
            return 'counter'
        if kind == self.PERFCOUNTER_HISTOGRAM:
            return 'histogram'
        return ''

    _RBD_MIRROR_IMAGE_PATH = re.compile(
        r'^rbd_mirror_image_([^/]+)/(?:(?:([^/]+)/)?)(.*)\.(replay(?:_bytes|_latency)?)$')

    def _perfpath_to_path_labels(self, daemon: str,
                                 path: str) -> Tuple[str, Tuple[str, ...], Tuple[str, ...]]:
        """Split a counter path into (path, label names, label values)."""
        if daemon.startswith('rgw.'):
            label_names: Tuple[str, ...] = ('instance_id',)
            daemon = daemon[len('rgw.'):]
        else:
            label_names = ('ceph_daemon',)
        labels: Tuple[str, ...] = (daemon,)
        if daemon.startswith('rbd-mirror.'):
            m = self._RBD_MIRROR_IMAGE_PATH.match(path)
            if m:
                path = 'rbd_mirror_image_' + m.group(4)
                label_names += ('pool', 'namespace', 'image')
                labels += (m.group(1), m.group(2) or '', m.group(3))
        return path, label_names, labels

    def _perfvalue_to_value(self, stattype: int,
                            value: Union[int, float]) -> Union[float, int]:
        # time values are in nanoseconds
        return value / 1000000000.0 if stattype & self.PERFCOUNTER_TIME else value

    def _unit_to_str(self, unit: int) -> str:
        if unit == self.NONE:
            return "/s"
        if unit == self.BYTES:
            return "B/s"
        raise ValueError(f'bad unit "{unit}"')

    @staticmethod
    def to_pretty_iec(n: int) -> str:
        for shift, suffix in ((60, 'Ei'), (50, 'Pi'), (40, 'Ti'), (30, 'Gi'),
                              (20, 'Mi'), (10, 'Ki')):
            if n > 10 << shift:
                return '{} {}'.format(n >> shift, suffix)
        return '{} '.format(n)

    @staticmethod
    def get_pretty_row(elems: Sequence[str], width: int) -> str:
        """A table row of ``elems`` right-aligned in ``width`` columns."""
        cell = int(width / len(elems)) - 2
        return '|' + ''.join('{0:>{w}} |'.format(e, w=cell) for e in elems)

    def get_pretty_header(self, elems: Sequence[str], width: int) -> str:
        """``get_pretty_row`` framed by dashed lines, for table titles."""
        column = int(width / len(elems))
        rule = '+' + ('-' * (column - 1) + '+') * len(elems) + '\n'
        return rule + self.get_pretty_row(elems, width) + '\n' + rule

    # -- perf queries -------------------------------------------------------

    def add_osd_perf_query(self, query: Dict[str, Any]) -> Optional[int]:
        """Register an OSD perf query; returns its id or None if invalid.

        ``{'key_descriptor': [{'type': ..., 'regex': ...}],
        'performance_counter_descriptors': [...], 'limit': {...}}``
        """
        return self._ceph_add_osd_perf_query(query)

    @API.perm('w')
    @API.expose
    def remove_osd_perf_query(self, query_id: int) -> None:
        return self._ceph_remove_osd_perf_query(query_id)

    @API.expose
    def get_osd_perf_counters(self, query_id: int) -> Optional[Dict[str, List[PerfCounterT]]]:
        return self._ceph_get_osd_perf_counters(query_id)

    def add_mds_perf_query(self, query: Dict[str, Any]) -> Optional[int]:
        """Register an MDS perf query; returns its id or None if invalid."""
        return self._ceph_add_mds_perf_query(query)

    @API.perm('w')
    @API.expose
    def remove_mds_perf_query(self, query_id: int) -> None:
        return self._ceph_remove_mds_perf_query(query_id)

    @API.expose
    def reregister_mds_perf_queries(self) -> None:
        return self._ceph_reregister_mds_perf_queries()

    def get_mds_perf_counters(self, query_id: int) -> Optional[Dict[str, List[PerfCounterT]]]:
        return self._ceph_get_mds_perf_counters(query_id)

    # -- commands to the cluster --------------------------------------------

    def send_command(self, result: CommandResult, svc_type: str, svc_id: str,
                     command: str, tag: str, inbuf: Optional[str] = None) -> None:
        """Send a JSON ``command`` to a mon/osd/mds/pg; ``result.complete``
        is called later and 'command' notifications carry ``tag``."""
        self._ceph_send_command(result, svc_type, svc_id, command, tag, inbuf)

    def mon_command(self, cmd_dict: dict,
                    inbuf: Optional[str] = None) -> Tuple[int, str, str]:
        """Run a mon command synchronously: (retval, stdout, stderr)."""
        started = time.time()
        result = CommandResult()
        self.send_command(result, "mon", "", json.dumps(cmd_dict), "", inbuf)
        reply = result.wait()
        self.log.debug("mon_command: '{0}' -> {1} in {2:.3f}s".format(
            cmd_dict['prefix'], reply[0], time.time() - started))
        return reply

    def check_mon_command(self, cmd_dict: dict,
                          inbuf: Optional[str] = None) -> HandleCommandResult:
        """``mon_command`` raising MonCommandFailed on a non-zero retval."""
        reply = HandleCommandResult(*self.mon_command(cmd_dict, inbuf))
        if reply.retval:
            raise MonCommandFailed(
                f'{cmd_dict["prefix"]} failed: {reply.stderr} retval: {reply.retval}')
        return reply

    def tool_exec(self, args: List[str], timeout: int = 10,
                  stdin: Optional[bytes] = None) -> Tuple[int, str, str]:
        """Run a Ceph tool as this manager (``args[0]`` is the tool)."""
        try:
            tool = args.pop(0)
            cmd = [tool, '-k', str(self.get_ceph_option('keyring')),
                   '-n', f'mgr.{self.get_mgr_id()}'] + args
            self.log.debug('exec: ' + ' '.join(cmd))
            proc = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired as ex:
            self.log.error(ex)
            return -errno.ETIMEDOUT, '', str(ex)
        if proc.returncode:
            self.log.error(f'Non-zero return from {cmd}: {proc.stderr.decode()}')
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()

    @API.expose
    def send_rgwadmin_command(self, args: List[str],
                              stdout_as_json: bool = True) -> Tuple[int, Union[str, dict], str]:
        cmd = ['radosgw-admin', '-c', str(self.get_ceph_conf_path()),
               '-k', str(self.get_ceph_option('keyring')),
               '-n', f'mgr.{self.get_mgr_id()}'] + args
        try:
            self.log.debug('Executing %s', str(cmd))
            proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=10)
        except subprocess.TimeoutExpired as ex:
            self.log.error('Timeout (10s) executing radosgw-admin %s', str(ex.cmd))
            raise
        out: Union[str, dict] = proc.stdout.decode('utf-8')
        err = proc.stderr.decode('utf-8')
        if out and stdout_as_json:
            out = json.loads(cast(str, out))
        if proc.returncode:
            self.log.debug('Error %s executing %s: %s', proc.returncode, str(cmd), err)
        return proc.returncode, out, err

    # -- health, progress, service URI ----------------------------------------

    def set_health_checks(self, checks: HealthChecksT) -> None:
        """Replace this module's health checks.

        ``{'CHECK_NAME': {'severity': 'warning'|'error', 'summary': str,
        'count': int, 'detail': [str, ...]}}``; ``{}`` clears them.
        """
        self._ceph_set_health_checks(checks)

    def update_progress_event(self, evid: str, desc: str, progress: float,
                              add_to_ceph_s: bool) -> None:
        return self._ceph_update_progress_event(evid, desc, progress, add_to_ceph_s)

    @API.perm('w')
    @API.expose
    def complete_progress_event(self, evid: str) -> None:
        return self._ceph_complete_progress_event(evid)

    @API.perm('w')
    @API.expose
    def clear_all_progress_events(self) -> None:
        return self._ceph_clear_all_progress_events()

    @API.expose
    def set_uri(self, uri: str) -> None:
        """Publish the URI of a service this module provides."""
        return self._ceph_set_uri(uri)

    @API.perm('w')
    @API.expose
    def set_device_wear_level(self, devid: str, wear_level: float) -> None:
        return self._ceph_set_device_wear_level(devid, wear_level)

    def is_authorized(self, arguments: Dict[str, str]) -> bool:
        """Whether the caller of the current command may use this module with
        these arguments (e.g. {'pool': 'x'}); False outside a command."""
        return self._ceph_is_authorized(arguments)

    # -- options ----------------------------------------------------------------

    @API.expose
    def get_ceph_option(self, key: str) -> OptionValue:
        return self._ceph_get_option(key)

    @API.expose
    def get_foreign_ceph_option(self, entity: str, key: str) -> OptionValue:
        return self._ceph_get_foreign_option(entity, key)

    def _validate_module_option(self, key: str) -> None:
        # modules may only use options they declared
        if not any(opt['name'] == key for opt in self.MODULE_OPTIONS):
            raise RuntimeError("Config option '{0}' is not in {1}.MODULE_OPTIONS".format(
                key, type(self).__name__))

    def _get_module_option(self, key: str, default: OptionValue,
                           localized_prefix: str = "") -> OptionValue:
        value = self._ceph_get_module_option(self.module_name, key, localized_prefix)
        return self.MODULE_OPTION_DEFAULTS.get(key, default) if value is None else value

    def get_module_option(self, key: str, default: OptionValue = None) -> OptionValue:
        """Value of declared option ``key`` (declared default, else ``default``)."""
        self._validate_module_option(key)
        return self._get_module_option(key, default)

    def get_localized_module_option(self, key: str, default: OptionValue = None) -> OptionValue:
        """Like get_module_option, preferring the value set for this manager."""
        self._validate_module_option(key)
        return self._get_module_option(key, default, self.get_mgr_id())

    def get_module_option_ex(self, module: str, key: str,
                             default: OptionValue = None) -> OptionValue:
        """Option ``key`` of any ``module``; ``default`` if unset (no declared
        defaults are applied)."""
        if module == self.module_name:
            self._validate_module_option(key)
        value = self._ceph_get_module_option(module, key)
        return default if value is None else value

    def _set_module_option(self, key: str, val: Any) -> None:
        return self._ceph_set_module_option(self.module_name, key,
                                            None if val is None else str(val))

    def set_module_option(self, key: str, val: Any) -> None:
        """Set declared option ``key`` (``str(val)``; None removes it)."""
        self._validate_module_option(key)
        return self._set_module_option(key, val)

    def set_module_option_ex(self, module: str, key: str, val: OptionValue) -> None:
        """Set option ``key`` of any ``module`` to ``str(val)``."""
        if module == self.module_name:
            self._validate_module_option(key)
        return self._ceph_set_module_option(module, key, str(val))

    def _set_localized(self, key: str, val: Optional[str],
                       setter: Callable[[str, Optional[str]], None]) -> None:
        return setter(_get_localized_key(self.get_mgr_id(), key), val)

    @API.perm('w')
    @API.expose
    def set_localized_module_option(self, key: str, val: Optional[str]) -> None:
        """Set option ``key`` for this manager instance only."""
        self._validate_module_option(key)
        return self._set_localized(key, val, self._set_module_option)

    # -- key/value store ------------------------------------------------------

    @API.expose
    def get_store(self, key: str, default: Optional[str] = None) -> Optional[str]:
        """Value stored under ``key`` by this module, else ``default``."""
        value = self._ceph_get_store(key)
        return default if value is None else value

    @API.perm('w')
    @API.expose
    def set_store(self, key: str, val: Optional[str]) -> None:
        """Store ``val`` under ``key``; None deletes the key."""
        self._ceph_set_store(key, val)

    @API.expose
    def get_store_prefix(self, key_prefix: str) -> Dict[str, str]:
        """All stored keys starting with ``key_prefix`` with their values."""
        return self._ceph_get_store_prefix(key_prefix)

    @API.expose
    def get_localized_store(self, key: str, default: Optional[str] = None) -> Optional[str]:
        value = self._ceph_get_store(_get_localized_key(self.get_mgr_id(), key))
        if value is None:
            value = self._ceph_get_store(key)
        return default if value is None else value

    @API.perm('w')
    @API.expose
    def set_localized_store(self, key: str, val: Optional[str]) -> None:
        return self._set_localized(key, val, self.set_store)

    # -- other modules, librados ----------------------------------------------

    @API.expose
    def remote(self, module_name: str, method_name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``method_name`` of the running module ``module_name``.

        Raises ImportError (module not running), NameError (no such method)
        or RuntimeError (the method raised; the text has its traceback).
        """
        return self._ceph_dispatch_remote(module_name, method_name, args, kwargs)

    @property
    def rados(self) -> Any:
        """A connected librados handle shared by the module (python3-rados)."""
        if self._rados:
            return self._rados
        if rados is None:
            raise ImportError('python3-rados is not installed; MgrModule.rados '
                              'is unavailable')
        # Same call as Pacific, so both mgr_module implementations behave
        # alike; what the capsule holds is up to the native side.
        handle = rados.Rados(context=self.get_context())
        handle.connect()
        self._rados = handle
        self._ceph_register_client(handle.get_addrs())
        return handle
