"""Writes to the cluster log (cluster_log.rs): `ceph log last` shows what it logged."""

from mgr_module import CLIReadCommand, CLIWriteCommand, HandleCommandResult, MgrModule


class ClogTest(MgrModule):
    NOTIFY_TYPES = []

    @CLIWriteCommand('clogtest log')
    def log(self, message: str, channel: str = 'cluster') -> HandleCommandResult:
        """cluster_log(channel, INFO, message)"""
        self.cluster_log(channel, self.ClusterLogPrio.INFO, message)
        return HandleCommandResult(stdout='logged')

    @CLIWriteCommand('clogtest warn')
    def warn(self, message: str) -> HandleCommandResult:
        """cluster_log('cluster', WARN, message)"""
        self.cluster_log('cluster', self.ClusterLogPrio.WARN, message)
        return HandleCommandResult(stdout='logged')

    @CLIReadCommand('clogtest ping')
    def ping(self) -> HandleCommandResult:
        """a read-only command (for the caps checks)"""
        return HandleCommandResult(stdout='pong')
