"""Reaches the mons: mon_command and the KV store (cluster_join.rs)."""

from typing import Optional

from mgr_module import CLIReadCommand, CLIWriteCommand, HandleCommandResult, MgrModule, Option


class MonLink(MgrModule):
    NOTIFY_TYPES = []
    MODULE_OPTIONS = [Option(name='level', type='int', default=5, min=1, max=10)]

    @CLIWriteCommand('monlink setopt')
    def setopt(self, val: str) -> HandleCommandResult:
        """set_module_option('level', val); then read it back"""
        self.set_module_option('level', val)
        return HandleCommandResult(stdout=str(self.get_module_option('level')))

    @CLIReadCommand('monlink getopt')
    def getopt(self) -> HandleCommandResult:
        """get_module_option('level')"""
        return HandleCommandResult(stdout=str(self.get_module_option('level')))

    @CLIReadCommand('monlink mon_stat')
    def mon_stat(self) -> HandleCommandResult:
        """mon_command({'prefix': 'mon stat'}): what the mons said"""
        rc, outb, outs = self.mon_command({'prefix': 'mon stat'})
        return HandleCommandResult(stdout=f'rc={rc} outb={outb} outs={outs}')

    @CLIWriteCommand('monlink set')
    def set(self, key: str, val: Optional[str] = None) -> HandleCommandResult:
        """set_store(key, val)"""
        self.set_store(key, val)
        return HandleCommandResult(stdout='stored')

    @CLIReadCommand('monlink get')
    def get(self, key: str) -> HandleCommandResult:
        """get_store(key)"""
        return HandleCommandResult(stdout=f'value={self.get_store(key)}')

    @CLIReadCommand('monlink unknown')
    def unknown(self) -> HandleCommandResult:
        """mon_command with a prefix no mon knows"""
        rc, outb, outs = self.mon_command({'prefix': 'no such command'})
        return HandleCommandResult(stdout=f'rc={rc} outb={outb} outs={outs}')
