#!/usr/bin/env python3
"""scale.py --osds N [--osds-per-host H] [--from FIXTURE] > big.json

Makes a synthetic N-OSD rmgr fixture from a captured one (default: lab-3osd.json, 3 memstore
OSDs on one host), for load tests: `rmgr serve --fixture big.json`.

OSD 0 of the capture is the template. The N OSDs are spread over ceil(N/H) hosts
(host000, host001, …; IP 10.0.<h/250>.<h%250+1>; the OSDs of a host take ports 6800+8j…
like Ceph's). Rewritten consistently:

  osd_map          osds, osd_xinfo, max_osd (uuid, addrvecs and legacy addrs, nonce)
  osd_map_crush    devices; buckets: root "default" + shadow "default~hdd", one host bucket
                   (+ shadow "~hdd") per host, ids -3,-4 / -5,-6 / …, 16.16 weights summed
  osd_map_tree     root -> hosts -> osds, crush_weight from the crush weights
  osd_metadata     per OSD: hostname, addrs, osd_data
  osd_stats        osd_stats (and pg_dump.osd_stats): per OSD, hb_peers = host neighbours;
                   pg_dump.osd_stats_sum, df.stats / stats_by_class, pg_status bytes_* summed
  osd_ping_times   per OSD, to its hb_peers
  health_metrics   "osd.<id>" entries

Pools, PGs and their stats are kept as captured (their PGs stay on OSDs 0..2).
Output: compact JSON on stdout (--indent to pretty-print). --report prints the size of
each data name's JSON on stderr.
"""
import argparse
import copy
import json
import os
import random
import sys
import uuid

HERE = os.path.dirname(os.path.realpath(__file__))
DEFAULT_FROM = os.path.join(HERE, '..', '..', 'crates', 'core', 'fixtures', 'lab-3osd.json')


def addrvec(ip, port, nonce):
    return {'addrvec': [{'type': 'v2', 'nonce': nonce, 'addr': '%s:%d' % (ip, port)},
                        {'type': 'v1', 'nonce': nonce, 'addr': '%s:%d' % (ip, port + 1)}]}


def legacy(ip, port, nonce):   # the v1 address, as the legacy *_addr fields show it
    return '%s:%d/%d' % (ip, port + 1, nonce)


def meta_addr(ip, port, nonce):   # osd metadata's "[v2:…,v1:…]"
    return '[v2:%s:%d/%d,v1:%s:%d/%d]' % (ip, port, nonce, ip, port + 1, nonce)


def scale(fx, n, per_host, seed):
    rnd = random.Random(seed)
    out = copy.deepcopy(fx)
    hosts = (n + per_host - 1) // per_host
    host_name = ['host%03d' % h for h in range(hosts)]
    host_ip = ['10.0.%d.%d' % (h // 250, h % 250 + 1) for h in range(hosts)]
    host_of = [i // per_host for i in range(n)]
    osds_of = [list(range(h * per_host, min(n, (h + 1) * per_host))) for h in range(hosts)]

    # ---- per-OSD network identity: (ip, base port, nonce), uuid
    net = []
    for i in range(n):
        h = host_of[i]
        net.append((host_ip[h], 6800 + 8 * (i - h * per_host), rnd.randint(1000, 4194303)))
    uuids = [str(uuid.UUID(int=rnd.getrandbits(128), version=4)) for _ in range(n)]

    # ---- osd_map
    om = out['osd_map']
    t_osd = next(o for o in fx['osd_map']['osds'] if o['osd'] == 0)
    t_xinfo = next(x for x in fx['osd_map']['osd_xinfo'] if x['osd'] == 0)
    osds, xinfo = [], []
    for i in range(n):
        ip, p, nonce = net[i]
        o = copy.deepcopy(t_osd)
        o['osd'] = i
        o['uuid'] = uuids[i]
        # public p, p+1; cluster p+2, p+3; hb_front p+4, p+5; hb_back p+6, p+7 (as captured)
        o['public_addrs'] = addrvec(ip, p, nonce)
        o['cluster_addrs'] = addrvec(ip, p + 2, nonce)
        o['heartbeat_back_addrs'] = addrvec(ip, p + 6, nonce)
        o['heartbeat_front_addrs'] = addrvec(ip, p + 4, nonce)
        o['public_addr'] = legacy(ip, p, nonce)
        o['cluster_addr'] = legacy(ip, p + 2, nonce)
        o['heartbeat_back_addr'] = legacy(ip, p + 6, nonce)
        o['heartbeat_front_addr'] = legacy(ip, p + 4, nonce)
        osds.append(o)
        x = copy.deepcopy(t_xinfo)
        x['osd'] = i
        xinfo.append(x)
    om['osds'] = osds
    om['osd_xinfo'] = xinfo
    om['max_osd'] = n

    # ---- crush map
    crush = out['osd_map_crush']
    t_dev = next(d for d in fx['osd_map_crush']['devices'] if d['id'] == 0)
    dclass = t_dev.get('class', 'hdd')
    crush['devices'] = [dict(t_dev, id=i, name='osd.%d' % i) for i in range(n)]
    t_buckets = fx['osd_map_crush']['buckets']
    t_root = next(b for b in t_buckets if b['type_name'] == 'root' and '~' not in b['name'])
    t_host = next(b for b in t_buckets if b['type_name'] == 'host' and '~' not in b['name'])
    osd_w = next(it['weight'] for it in t_host['items'] if it['id'] == 0)
    host_id = [-(3 + 2 * h) for h in range(hosts)]
    shadow_id = [-(4 + 2 * h) for h in range(hosts)]

    def bucket(tmpl, bid, name, items):
        b = copy.deepcopy(tmpl)
        b['id'], b['name'] = bid, name
        b['items'] = [{'id': iid, 'weight': w, 'pos': pos} for pos, (iid, w) in enumerate(items)]
        b['weight'] = sum(w for _, w in items)
        return b

    hw = [len(osds_of[h]) * osd_w for h in range(hosts)]
    buckets = [bucket(t_root, -1, t_root['name'], [(host_id[h], hw[h]) for h in range(hosts)]),
               bucket(t_root, -2, '%s~%s' % (t_root['name'], dclass),
                      [(shadow_id[h], hw[h]) for h in range(hosts)])]
    for h in range(hosts):
        items = [(i, osd_w) for i in osds_of[h]]
        buckets.append(bucket(t_host, host_id[h], host_name[h], items))
        buckets.append(bucket(t_host, shadow_id[h], '%s~%s' % (host_name[h], dclass), items))
    crush['buckets'] = buckets

    # ---- osd tree (root, then each host followed by its OSDs; children newest first)
    tnodes = fx['osd_map_tree']['nodes']
    t_troot = next(x for x in tnodes if x['type'] == 'root')
    t_thost = next(x for x in tnodes if x['type'] == 'host')
    t_tosd = next(x for x in tnodes if x['type'] == 'osd' and x['id'] == 0)
    nodes = [dict(t_troot, children=list(reversed(host_id)))]
    for h in range(hosts):
        nodes.append(dict(t_thost, id=host_id[h], name=host_name[h], children=list(reversed(osds_of[h]))))
        for i in osds_of[h]:
            nodes.append(dict(t_tosd, id=i, name='osd.%d' % i, crush_weight=osd_w / 65536.0))
    out['osd_map_tree'] = {'nodes': nodes, 'stray': []}

    # ---- osd metadata
    t_meta = fx['osd_metadata']['0']
    data_dir = os.path.dirname(t_meta.get('osd_data', '/var/lib/ceph/osd/ceph-0'))
    meta = {}
    for i in range(n):
        ip, p, nonce = net[i]
        m = dict(t_meta)
        m['hostname'] = host_name[host_of[i]]
        m['front_addr'] = meta_addr(ip, p, nonce)
        m['back_addr'] = meta_addr(ip, p + 2, nonce)
        m['hb_front_addr'] = meta_addr(ip, p + 4, nonce)
        m['hb_back_addr'] = meta_addr(ip, p + 6, nonce)
        m['osd_data'] = os.path.join(data_dir, 'osd.%d' % i)
        meta[str(i)] = m
    out['osd_metadata'] = meta

    # ---- osd stats: heartbeat peers = up to 4 neighbours on the host ring, else next OSDs
    def peers(i):
        cand = [j for j in osds_of[host_of[i]] if j != i] or [j for j in range(n) if j != i]
        k = cand.index(next((j for j in cand if j > i), cand[0]))
        return sorted(set(cand[(k + d) % len(cand)] for d in range(min(4, len(cand)))))

    t_stat = next(s for s in fx['osd_stats']['osd_stats'] if s['osd'] == 0)
    pgs_on = {s['osd']: s['num_pgs'] for s in fx['osd_stats']['osd_stats']}
    stats = []
    for i in range(n):
        s = copy.deepcopy(t_stat)
        s['osd'] = i
        s['hb_peers'] = peers(i)
        s['num_pgs'] = pgs_on.get(i, 0)
        stats.append(s)
    out['osd_stats']['osd_stats'] = stats
    out['pg_dump']['osd_stats'] = copy.deepcopy(stats)

    ssum = out['pg_dump']['osd_stats_sum']
    for k in ('kb', 'kb_used', 'kb_used_data', 'kb_used_omap', 'kb_used_meta', 'kb_avail'):
        ssum[k] = t_stat[k] * n
    for k in ssum['statfs']:
        ssum['statfs'][k] = t_stat['statfs'][k] * n
    ssum['num_osds'] = n
    ssum['num_pgs'] = sum(s['num_pgs'] for s in stats)

    total = t_stat['statfs']['total'] * n
    avail = t_stat['statfs']['available'] * n
    used = total - avail
    for d in [out['df']['stats']] + list(out['df'].get('stats_by_class', {}).values()):
        d['total_bytes'], d['total_avail_bytes'] = total, avail
        d['total_used_bytes'] = d['total_used_raw_bytes'] = used
        d['total_used_raw_ratio'] = used / total if total else 0
    out['df']['stats']['num_osds'] = n
    ps = out['pg_status']
    ps['bytes_total'], ps['bytes_avail'], ps['bytes_used'] = total, avail, used

    # ---- ping times: to each heartbeat peer, template entry of the capture
    t_ping = fx['osd_ping_times']['osd_ping_times'][0]['network_ping_times'][0]
    out['osd_ping_times'] = {'osd_ping_times': [
        {'osd': i, 'network_ping_times': [dict(copy.deepcopy(t_ping), osd=j) for j in peers(i)]}
        for i in range(n)]}

    # ---- health metrics
    hm = out.get('health_metrics', {})
    t_hm = hm.get('osd.0', [])
    out['health_metrics'] = {k: v for k, v in hm.items() if not k.startswith('osd.')}
    for i in range(n):
        out['health_metrics']['osd.%d' % i] = copy.deepcopy(t_hm)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--osds', type=int, required=True)
    ap.add_argument('--osds-per-host', type=int, default=10)
    ap.add_argument('--from', dest='src', default=DEFAULT_FROM)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--indent', type=int)
    ap.add_argument('--report', action='store_true')
    a = ap.parse_args()
    if a.osds < 1 or a.osds_per_host < 1:
        ap.error('--osds and --osds-per-host must be >= 1')
    with open(a.src) as f:
        fx = json.load(f)
    out = scale(fx, a.osds, a.osds_per_host, a.seed)
    if a.report:
        for k, v in out.items():
            print('%-24s %9d' % (k, len(json.dumps(v, separators=(',', ':')))), file=sys.stderr)
    if a.indent is None:
        json.dump(out, sys.stdout, separators=(',', ':'))
    else:
        json.dump(out, sys.stdout, indent=a.indent)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
