"""
hello: the module author's starting point.

It shows every feature of the developer's guide in a few lines each:

* commands declared with ``@CLIReadCommand`` / ``@CLIWriteCommand`` (their descriptors
  come from the annotations), answered with ``HandleCommandResult``;
* typed ``MODULE_OPTIONS`` read with ``get_module_option`` and changed with
  ``ceph config set mgr mgr/hello/<option> <value>`` (``config_notify`` sees it);
* the per-module KV store (``get_store`` / ``set_store``);
* a ``serve`` loop that wakes up periodically and stops promptly on ``shutdown``;
* ``notify`` for cluster events listed in ``NOTIFY_TYPES``;
* a health check raised with ``set_health_checks``.

Run it standalone:

    rmgr serve --data /tmp/h --module-path modules/python
    rmgr --data /tmp/h mgr module enable hello
    rmgr --data /tmp/h hello world --person_name Ceph
"""

import threading
from typing import Optional

from mgr_module import (CLIReadCommand, CLIWriteCommand, HandleCommandResult,
                        MgrModule, NotifyType, Option)


class Hello(MgrModule):
    MODULE_OPTIONS = [
        Option(name='place', default='world', desc='Who or what to greet'),
        Option(name='interval', type='secs', default=10, min=1, max=3600,
               desc='How often the serve loop wakes up'),
        Option(name='warn', type='bool', default=False,
               desc='Raise the HELLO_WARN health check'),
    ]
    NOTIFY_TYPES = [NotifyType.osd_map, NotifyType.health]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stop = threading.Event()
        self.ticks = 0
        self.notifications = 0

    @CLIReadCommand('hello world')
    def world(self, person_name: Optional[str] = None) -> HandleCommandResult:
        """Say hello (to person_name, or to the place option)"""
        who = person_name or self.get_module_option('place')
        self.log.info('greeting %s', who)
        return HandleCommandResult(stdout=f'Hello, {who}!')

    @CLIWriteCommand('hello count')
    def count(self) -> HandleCommandResult:
        """Increment a counter kept in the module's KV store"""
        n = int(self.get_store('count') or 0) + 1
        self.set_store('count', str(n))
        return HandleCommandResult(stdout=str(n))

    @CLIReadCommand('hello status')
    def status(self) -> HandleCommandResult:
        """Show the serve loop's ticks and the notifications received"""
        return HandleCommandResult(
            stdout=f'ticks: {self.ticks}\nnotifications: {self.notifications}')

    def _update_health(self) -> None:
        checks = {}
        if self.get_module_option('warn'):
            checks['HELLO_WARN'] = {
                'severity': 'warning',
                'summary': 'hello was asked to warn',
                'count': 1,
                'detail': ['set mgr/hello/warn to false to clear this'],
            }
        self.set_health_checks(checks)

    def config_notify(self) -> None:
        self._update_health()

    def notify(self, notify_type: NotifyType, notify_id: str) -> None:
        self.notifications += 1
        self.log.debug('notify %s %s', notify_type, notify_id)

    def serve(self) -> None:
        self._update_health()
        while not self._stop.is_set():
            self.ticks += 1
            self._stop.wait(float(self.get_module_option('interval')))

    def shutdown(self) -> None:
        self._stop.set()
