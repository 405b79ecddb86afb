"""benchpy: times MgrModule calls from inside a module (per-call latency).

Runs unmodified on rmgr and on the stock ceph-mgr, so both can be measured the same way:
``ceph benchpy run [<iterations>]`` prints JSON {call: microseconds per call}.
"""

import json
import time

from mgr_module import CLICommand, HandleCommandResult, MgrModule, Option


class BenchPy(MgrModule):
    MODULE_OPTIONS = [Option(name='knob', type='int', default=7)]
    NOTIFY_TYPES = []

    def _time(self, fn, n):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n * 1e6

    @CLICommand('benchpy run', perm='r')
    def run(self, iterations: int = 20000) -> HandleCommandResult:
        """Time get_mgr_id, get_module_option, get_store and get('osd_map')"""
        self.set_store('bench_key', 'v' * 64)
        n = max(1, iterations)
        osd_map = self.get('osd_map')
        out = {
            'iterations': n,
            'get_mgr_id_us': self._time(self.get_mgr_id, n),
            'get_module_option_us': self._time(lambda: self.get_module_option('knob'), n),
            'get_store_us': self._time(lambda: self.get_store('bench_key'), n),
            'get_osd_map_us': self._time(lambda: self.get('osd_map'), max(1, n // 1000)),
            'osd_map_osds': len(osd_map.get('osds', [])),
            'osd_map_json_bytes': len(json.dumps(osd_map)),
        }
        return HandleCommandResult(stdout=json.dumps(out, indent=2))

    @CLICommand('benchpy get', perm='r')
    def get_calls(self, key: str = 'osd_map', calls: int = 20) -> HandleCommandResult:
        """Time `calls` calls of get(key) one by one: per-call ms, median, size"""
        first = self.get(key)
        per = []
        for _ in range(max(1, calls)):
            t0 = time.perf_counter()
            self.get(key)
            per.append((time.perf_counter() - t0) * 1e3)
        s = sorted(per)
        out = {
            'key': key,
            'calls': len(per),
            'median_ms': s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2,
            'min_ms': s[0],
            'max_ms': s[-1],
            'per_call_ms': [round(v, 3) for v in per],
            'osds': len(first.get('osds', [])) if isinstance(first, dict) else None,
            'json_bytes': len(json.dumps(first)),
        }
        return HandleCommandResult(stdout=json.dumps(out))

    @CLICommand('benchpy noop', perm='r')
    def noop(self) -> HandleCommandResult:
        """Answer at once (command round-trip benchmark)"""
        return HandleCommandResult(stdout='ok')
