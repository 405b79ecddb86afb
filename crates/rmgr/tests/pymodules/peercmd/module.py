"""send_command() to OSDs (and MDSs), as devicehealth does (cluster_join.rs)."""

import json
import threading

from mgr_module import CLIReadCommand, CommandResult, HandleCommandResult, MgrModule


class PeerCmd(MgrModule):
    NOTIFY_TYPES = []

    @CLIReadCommand('peercmd send')
    def send(self, svc_type: str, svc_id: str, what: str) -> HandleCommandResult:
        """send_command(result, svc_type, svc_id, {"prefix": what}); wait up to 60 s"""
        result = CommandResult('peercmd')
        self.send_command(result, svc_type, svc_id,
                          json.dumps({'prefix': what, 'format': 'json'}), 'peercmd')
        done = threading.Event()
        out = {}

        def wait():
            out['r'] = result.wait()
            done.set()
        threading.Thread(target=wait, daemon=True).start()
        if not done.wait(60):
            return HandleCommandResult(stdout='hung')
        r, outb, outs = out['r']
        return HandleCommandResult(stdout=json.dumps({'r': r, 'outb': outb, 'outs': outs}))
