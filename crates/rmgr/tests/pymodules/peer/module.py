"""A well-behaved neighbour: it must keep answering while crashy misbehaves."""

from mgr_module import CLIReadCommand, HandleCommandResult, MgrModule


class Peer(MgrModule):
    NOTIFY_TYPES = []

    @CLIReadCommand('peer ping')
    def ping(self) -> HandleCommandResult:
        """Answer pong"""
        return HandleCommandResult(stdout='pong')
