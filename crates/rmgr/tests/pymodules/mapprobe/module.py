"""Reads cluster data with get() and counts notifications (cluster_join.rs)."""

import json
from collections import Counter

from mgr_module import CLIReadCommand, HandleCommandResult, MgrModule, NotifyType


class MapProbe(MgrModule):
    NOTIFY_TYPES = [NotifyType.osd_map, NotifyType.fs_map, NotifyType.mon_map, NotifyType.health]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = Counter()

    def notify(self, notify_type, notify_id):
        self.seen[str(notify_type)] += 1

    @CLIReadCommand('mapprobe get')
    def get_data(self, name: str) -> HandleCommandResult:
        """get(<name>) as JSON"""
        return HandleCommandResult(stdout=json.dumps(self.get(name)))

    @CLIReadCommand('mapprobe seen')
    def notified(self) -> HandleCommandResult:
        """Notifications received, by type"""
        return HandleCommandResult(stdout=json.dumps(self.seen))

    @CLIReadCommand('mapprobe rados')
    def rados_info(self) -> HandleCommandResult:
        """The module's own librados handle (MgrModule.rados): fsid and pools"""
        return HandleCommandResult(stdout=json.dumps({
            'fsid': self.rados.get_fsid(),
            'pools': self.rados.list_pools(),
        }))
