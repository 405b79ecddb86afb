"""A module that misbehaves on command, for rmgr's containment tests."""

import ctypes
import os
import time

from mgr_module import CLICommand, HandleCommandResult, MgrModule


class Crashy(MgrModule):
    NOTIFY_TYPES = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hoard = []

    @CLICommand('crashy ping', perm='r')
    def ping(self) -> HandleCommandResult:
        """Answer pong, with this worker's pid"""
        return HandleCommandResult(stdout=f'pong {os.getpid()}')

    @CLICommand('crashy segv', perm='rw')
    def segv(self) -> HandleCommandResult:
        """Dereference a null pointer"""
        ctypes.string_at(0)
        return HandleCommandResult(stdout='unreachable')

    @CLICommand('crashy exit', perm='rw')
    def exit(self) -> HandleCommandResult:
        """Leave the process with os._exit(3)"""
        os._exit(3)

    @CLICommand('crashy hang', perm='rw')
    def hang(self) -> HandleCommandResult:
        """Never return"""
        while True:
            time.sleep(1)

    @CLICommand('crashy leak', perm='rw')
    def leak(self, mib: int) -> HandleCommandResult:
        """Allocate and keep <mib> MiB"""
        for _ in range(mib):
            self.hoard.append(bytearray(1 << 20))
            # Give the daemon's memory check a chance to see the growth.
            time.sleep(0.001)
        return HandleCommandResult(stdout=f'holding {len(self.hoard)} MiB')

    @CLICommand('crashy kv', perm='rw')
    def kv(self, key: str, value: str = None) -> HandleCommandResult:
        """Set (with a value) or get a KV key"""
        if value is not None:
            self.set_store(key, value)
        return HandleCommandResult(stdout=str(self.get_store(key)))
