"""Conformance probe: calls remote() into conftest (group J) and has no NOTIFY_TYPES (I6)."""

import json
import threading
from typing import Any, List

from mgr_module import CLIReadCommand, HandleCommandResult, MgrModule


def _outcome(f: Any) -> Any:
    try:
        return {'value': f()}
    except Exception as e:
        return {'exc': type(e).__name__, 'msg': e.args[0] if e.args else ''}


class Module(MgrModule):
    # Deliberately no NOTIFY_TYPES: such a module is never notified (I6).

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._notifies: List[Any] = []
        self._config_notifies = 0

    def notify(self, notify_type: str, notify_id: Any) -> None:
        with self._lock:
            self._notifies.append([notify_type, notify_id])

    def config_notify(self) -> None:
        with self._lock:
            self._config_notifies += 1

    @CLIReadCommand('cfremote check')
    def check(self, disabled: str) -> HandleCommandResult:
        """Run the remote() cases against conftest; <disabled> names an available, disabled module"""
        r = {
            'J1': _outcome(lambda: self.remote('conftest', 'echo', 1, 'two', k=[3])),
            'J2': _outcome(lambda: self.remote('idontexist', 'x')),
            'J3': _outcome(lambda: self.remote(disabled, 'handle_command', '', {})),
            'J4': _outcome(lambda: self.remote('conftest', 'nomethod')),
            'J5': _outcome(lambda: self.remote('conftest', 'boom')),
        }
        return HandleCommandResult(stdout=json.dumps(r))

    @CLIReadCommand('cfremote notifies')
    def notifies(self) -> HandleCommandResult:
        """What notify()/config_notify() received"""
        with self._lock:
            out = {'notifies': self._notifies, 'config_notifies': self._config_notifies}
        return HandleCommandResult(stdout=json.dumps(out))
