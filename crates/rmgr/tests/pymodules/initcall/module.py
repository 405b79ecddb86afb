"""Calls into the daemon from its constructor (as Debian's volumes does with get() and
self.rados): the replies must reach a module that is not constructed yet."""

import json

from mgr_module import CLIReadCommand, HandleCommandResult, MgrModule


class InitCall(MgrModule):
    NOTIFY_TYPES = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fs_map_epoch = self.get('fs_map')['epoch']
        self.mon_reply = self.mon_command({'prefix': 'config-key exists', 'key': 'nope'})

    @CLIReadCommand('initcall result')
    def result(self) -> HandleCommandResult:
        """What the constructor got back"""
        return HandleCommandResult(stdout=json.dumps({'fs_map_epoch': self.fs_map_epoch,
                                                      'mon_reply': list(self.mon_reply)}))
