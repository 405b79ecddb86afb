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

    @CLICommand('benchpy calls', perm='r')
    def calls(self, calls: int = 20) -> HandleCommandResult:
        """Median ms per call of the MgrModule calls a Prometheus collect() makes"""
        n = max(1, calls)
        def med(fn):
            per = []
            for _ in range(n):
                t0 = time.perf_counter()
                fn()
                per.append((time.perf_counter() - t0) * 1e3)
            return round(sorted(per)[len(per) // 2], 4)
        out = {}
        for key in ('osd_map', 'osd_map_crush', 'osd_metadata', 'health', 'mon_map', 'fs_map',
                    'pg_summary', 'pg_status', 'pg_dump', 'df', 'osd_stats', 'io_rate',
                    'mgr_map', 'service_map', 'config', 'mon_status', 'osd_pool_stats'):
            out[f'get({key})'] = med(lambda: self.get(key))
        out['list_servers()'] = med(self.list_servers)
        out['get_metadata(osd,0)'] = med(lambda: self.get_metadata('osd', '0'))
        out['get_metadata(osd,500) (none)'] = med(lambda: self.get_metadata('osd', '500'))
        out['get_all_perf_counters()'] = med(self.get_all_perf_counters)
        out['get_daemon_health_metrics()'] = med(self.get_daemon_health_metrics)
        out['1000 x log.info'] = med(lambda: [self.log.info('OSD %d is missing', i) for i in range(1000)])
        out['1000 x get_metadata(osd,i)'] = med(lambda: [self.get_metadata('osd', str(i)) for i in range(1000)])
        out['get_latest(osd,0,osd.op_w)'] = med(lambda: self.get_latest('osd', '0', 'osd.op_w'))
        out['get_perf_schema(osd,0)'] = med(lambda: self.get_perf_schema('osd', '0'))
        out['get_perf_schema(osd,500)'] = med(lambda: self.get_perf_schema('osd', '500'))
        out['services'] = sum(len(s['services']) for s in self.list_servers())
        out['perf_counters'] = sum(len(v) for v in self.get_all_perf_counters().values())
        return HandleCommandResult(stdout=json.dumps(out, indent=1))

    @CLICommand('benchpy noop', perm='r')
    def noop(self) -> HandleCommandResult:
        """Answer at once (command round-trip benchmark)"""
        return HandleCommandResult(stdout='ok')
