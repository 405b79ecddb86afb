"""Test module with a standby class (standby_modules.rs).

Every instance, active or standby, writes what it sees to ``<out_dir>/<mgr_id>.json``
(``out_dir`` is a module option) a few times a second, and ``{"mode": "stopped"}`` when it
is shut down. The active instance publishes a URI (``set_uri``); the standby reports
``get_active_uri()``, its options (plain and localized), a KV entry and ``mgr_ips``.
"""

import json
import os
import threading
from typing import Any, Dict

from mgr_module import MgrModule, MgrStandbyModule, Option


def _write(mod: Any, state: Dict[str, Any]) -> None:
    out_dir = mod.get_module_option('out_dir')
    if not out_dir:
        return
    path = os.path.join(out_dir, '%s.json' % mod.get_mgr_id())
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(state, f)
    os.replace(tmp, path)


class Module(MgrModule):
    MODULE_OPTIONS = [
        Option('out_dir', type='str', default=''),
        Option('greeting', type='str', default='hi'),
        Option('port', type='int', default=7000),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stop = threading.Event()

    def serve(self) -> None:
        port = self.get_localized_module_option('port')
        self.set_uri('http://%s.sbtest:%s/' % (self.get_mgr_id(), port))
        while True:
            _write(self, {'mode': 'active', 'mgr_id': self.get_mgr_id()})
            if self._stop.wait(0.2):
                break
        _write(self, {'mode': 'stopped', 'was': 'active'})

    def shutdown(self) -> None:
        self._stop.set()


class StandbyModule(MgrStandbyModule):
    MODULE_OPTIONS = Module.MODULE_OPTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stop = threading.Event()

    def serve(self) -> None:
        while True:
            _write(self, {
                'mode': 'standby',
                'mgr_id': self.get_mgr_id(),
                'active_uri': self.get_active_uri(),
                'greeting': self.get_module_option('greeting'),
                'local_greeting': self.get_localized_module_option('greeting'),
                'port': self.get_localized_module_option('port'),
                'store': self.get_store('k'),
                'mgr_ips': self.get('mgr_ips'),
                'debug_mgr': self.get_ceph_option('debug_mgr'),
            })
            if self._stop.wait(0.2):
                break
        _write(self, {'mode': 'stopped', 'was': 'standby'})

    def shutdown(self) -> None:
        self._stop.set()
