"""Conformance probe: the constructor raises (cases D9, L9)."""

from mgr_module import CLIReadCommand, HandleCommandResult, MgrModule


class Module(MgrModule):
    NOTIFY_TYPES = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        raise RuntimeError('init boom')

    @CLIReadCommand('cfinit ping')
    def ping(self) -> HandleCommandResult:
        """Answer pong"""
        return HandleCommandResult(stdout='pong')
