"""Conformance probe: can_run() is false (cases D11, L6, L7, L8)."""

from typing import Tuple

from mgr_module import CLIReadCommand, HandleCommandResult, MgrModule


class Module(MgrModule):
    NOTIFY_TYPES = []

    @staticmethod
    def can_run() -> Tuple[bool, str]:
        return False, 'missing libfoo'

    @CLIReadCommand('cfcanrun ping')
    def ping(self) -> HandleCommandResult:
        """Answer pong"""
        return HandleCommandResult(stdout='pong')
