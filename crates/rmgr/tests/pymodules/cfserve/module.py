"""Conformance probe: serve() raises (module_loading.md §4; cases D10, L8)."""

from mgr_module import CLIReadCommand, HandleCommandResult, MgrModule


class Module(MgrModule):
    NOTIFY_TYPES = []

    @CLIReadCommand('cfserve ping')
    def ping(self) -> HandleCommandResult:
        """Answer pong"""
        return HandleCommandResult(stdout='pong')

    def serve(self) -> None:
        raise ValueError('serve boom')
