"""Probes the daemon-report data (PGMap, perf counters, metadata, servers) and raises
health checks, for daemon_reports.rs."""

import json
from collections import Counter
from typing import Optional

from mgr_module import CLIReadCommand, CLIWriteCommand, HandleCommandResult, MgrModule, NotifyType


class DrProbe(MgrModule):
    NOTIFY_TYPES = [NotifyType.pg_summary, NotifyType.osd_map]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = Counter()

    def notify(self, notify_type, notify_id):
        self.seen[str(notify_type)] += 1

    @CLIReadCommand('drprobe get')
    def get_data(self, name: str) -> HandleCommandResult:
        """get(<name>) as JSON"""
        return HandleCommandResult(stdout=json.dumps(self.get(name)))

    @CLIReadCommand('drprobe seen')
    def notified(self) -> HandleCommandResult:
        """Notifications received, by type"""
        return HandleCommandResult(stdout=json.dumps(self.seen))

    @CLIReadCommand('drprobe perf_schema')
    def perf_schema(self, svc_type: str, svc_id: str) -> HandleCommandResult:
        """get_perf_schema(type, id)"""
        return HandleCommandResult(stdout=json.dumps(self.get_perf_schema(svc_type, svc_id)))

    @CLIReadCommand('drprobe counter')
    def counter(self, svc_type: str, svc_id: str, path: str) -> HandleCommandResult:
        """get_counter(type, id, path)"""
        return HandleCommandResult(stdout=json.dumps(self.get_counter(svc_type, svc_id, path)))

    @CLIReadCommand('drprobe latest')
    def latest(self, svc_type: str, svc_id: str, path: str) -> HandleCommandResult:
        """get_latest_counter(type, id, path)"""
        return HandleCommandResult(
            stdout=json.dumps(self.get_latest_counter(svc_type, svc_id, path)))

    @CLIReadCommand('drprobe metadata')
    def metadata(self, svc_type: str, svc_id: str) -> HandleCommandResult:
        """get_metadata(type, id)"""
        return HandleCommandResult(stdout=json.dumps(self.get_metadata(svc_type, svc_id)))

    @CLIReadCommand('drprobe status')
    def status(self, svc_type: str, svc_id: str) -> HandleCommandResult:
        """get_daemon_status(type, id)"""
        return HandleCommandResult(stdout=json.dumps(self.get_daemon_status(svc_type, svc_id)))

    @CLIReadCommand('drprobe servers')
    def servers(self) -> HandleCommandResult:
        """list_servers()"""
        return HandleCommandResult(stdout=json.dumps(self.list_servers()))

    @CLIReadCommand('drprobe server')
    def server(self, hostname: str) -> HandleCommandResult:
        """get_server(hostname)"""
        return HandleCommandResult(stdout=json.dumps(self.get_server(hostname)))

    @CLIWriteCommand('drprobe health')
    def health(self, action: str, summary: Optional[str] = None) -> HandleCommandResult:
        """set_health_checks: 'set' raises RMGR_TEST_CHECK, 'clear' removes it"""
        if action == 'set':
            self.set_health_checks({
                'RMGR_TEST_CHECK': {
                    'severity': 'warning',
                    'summary': summary or 'test check',
                    'count': 1,
                    'detail': ['d1'],
                },
            })
        elif action == 'clear':
            self.set_health_checks({})
        else:
            return HandleCommandResult(retval=-22, stderr='action is set or clear')
        return HandleCommandResult(stdout=action)
