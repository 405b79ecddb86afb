#!/usr/bin/python3
"""Regenerate tests/fixtures/{mon_validation,module_declarations,daemon_options}.json from a
live 16.2.15 lab whose mgr runs with the optprobe module (see tests/README.md).

    LAB=/tmp/optlab /usr/bin/python3 tools/gen_fixtures.py

Needs the system python (python3-rados). Writes into ../tests/fixtures.
"""
import json, os, random, sys

import rados

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")
LAB = os.environ.get("LAB", "/tmp/optlab")
c = rados.Rados(conffile=os.path.join(LAB, "ceph.conf"))
c.connect()


def mon(cmd):
    r, outb, outs = c.mon_command(json.dumps(cmd), b"")
    return r, outb.decode("utf-8", "replace"), outs


def probe(name, value):
    """config set + get + rm: 'ok:<stored>', 'err<rc>:<msg>' or 'accepted' (no_mon_update)."""
    r, _, outs = mon({"prefix": "config set", "who": "mgr", "name": name, "value": value})
    if r == 0:
        _, got, _ = mon({"prefix": "config get", "who": "mgr", "key": name})
        mon({"prefix": "config rm", "who": "mgr", "name": name})
        return "ok:" + got[:-1]
    if outs.startswith("error parsing value: "):
        return "err%d:%s" % (r, outs[len("error parsing value: "):])
    if "is special" in outs:
        return "accepted"
    return "other%d:%s" % (r, outs)


def write_interned(path, source, inputs, per_option, extra=""):
    msgs, idx, res = [], {}, {}
    for name, results in per_option.items():
        for t in results:
            if t not in idx:
                idx[t] = len(msgs)
                msgs.append(t)
            res.setdefault(name, []).append(idx[t])
    with open(path, "w") as f:
        f.write("{\n\"source\": %s,\n" % json.dumps(source))
        f.write("\"inputs\": " + json.dumps(inputs, ensure_ascii=False) + ",\n")
        f.write("\"results\": [\n" + ",\n".join(json.dumps(m, ensure_ascii=False) for m in msgs) + "\n],\n")
        f.write("\"options\": {\n" + ",\n".join("%s: %s" % (json.dumps(k), json.dumps(v, separators=(",", ":")))
                                              for k, v in res.items()) + "\n}" + extra + "\n}\n")


def module_values():
    common = json.load(open(os.path.join(HERE, "value_corpus.json")))
    random.seed(1234)
    alpha = "0123456789+-. eExXKMGTPBik:/[],v_amshdywno"
    fuzz = set()
    while len(fuzz) < 300:
        fuzz.add("".join(random.choice(alpha) for _ in range(random.randint(1, 8))))
    inputs = list(dict.fromkeys(common + sorted(fuzz)))
    opts = ["o_str", "o_int", "o_int_minonly", "o_uint", "o_float", "o_float_mm", "o_bool", "o_bool_mm",
            "o_secs", "o_secs_mm", "o_size", "o_size_mm", "o_ms", "o_ms_mm", "o_addr", "o_addrvec", "o_uuid",
            "o_enum", "o_enum_mixed", "o_str_mm", "o_int_badmin", "o_float_defaults", "o_float_int"]
    per = {o: [probe("mgr/optprobe/" + o, v) for v in inputs] for o in opts}
    per["debug_mgr"] = [probe("debug_mgr", v) for v in inputs]
    write_interned(os.path.join(OUT, "mon_validation.json"),
                   "Ceph 16.2.15 mon: config set who=mgr name=<mgr/optprobe/<opt> | debug_mgr> value=<input>, "
                   "then config get (see tests/README.md)", inputs, per)


def declarations():
    src = open(os.path.join(HERE, "optprobe", "module.py")).read()
    body = src[src.index("MODULE_OPTIONS = ["):src.index("    COMMANDS")]

    def Option(name, default=None, type="str", desc=None, long_desc=None, min=None, max=None,
               enum_allowed=None, tags=None, see_also=None, runtime=False):
        return {k: v for k, v in dict(name=name, default=default, type=type, desc=desc, long_desc=long_desc,
                                      min=min, max=max, enum_allowed=enum_allowed, tags=tags,
                                      see_also=see_also, runtime=runtime).items() if v is not None}
    ns = {"Option": Option}
    exec(body.strip(), ns)
    _, outb, _ = mon({"prefix": "mgr dump", "format": "json"})
    mm = [m for m in json.loads(outb)["available_modules"] if m["name"] == "optprobe"][0]
    out = {"source": "Ceph 16.2.15 mgr + mon: MODULE_OPTIONS of the probe module 'optprobe', its mgr dump "
                     "entry, config help -f json (raw text) and config get of the unset option",
           "module_option_names": sorted(mm["module_options"].keys()), "options": []}
    for d in ns["MODULE_OPTIONS"]:
        if isinstance(d.get("enum_allowed"), tuple):
            continue  # JSON cannot tell a tuple from a list
        n = d["name"]
        _, hb, _ = mon({"prefix": "config help", "key": "mgr/optprobe/" + n, "format": "json"})
        _, gb, _ = mon({"prefix": "config get", "who": "mgr", "key": "mgr/optprobe/" + n})
        out["options"].append({"decl": d, "dump": mm["module_options"][n], "help_raw": hb,
                               "mon_default": gb[:-1] if gb.endswith("\n") else gb})
    out["auto"] = [mm["module_options"][n] for n in ["log_level", "log_to_file", "log_to_cluster_level"]]
    json.dump(out, open(os.path.join(OUT, "module_declarations.json"), "w"), indent=1, ensure_ascii=False)


def daemon():
    names = json.load(open(os.path.join(HERE, "daemon_options.json")))
    inputs = ["", " ", "0", "1", "-1", "2", "5", "20", "20/5", "100", "1K", "1Ki", "1.5", "1e3", "0x10", "abc",
              "true", "False", "yes", "2h", "5m", "-", "1.2.3.4", "1.2.3.4:80", "[v2:1.2.3.4:3300,v1:1.2.3.4:6789]",
              "01234567-89ab-cdef-0123-456789abcdef", "9223372036854775807", "18446744073709551615", "0.5", "99",
              "off", "on", "warn", "rocksdb", "cephx", "none", "crc", "secure", "async+posix", "/tmp/x",
              "$run_dir/x", "hybrid", "bluestore", "replicated", "100000", "1G", "4294967296", "939524095",
              "939524096", "3600", "59"]
    per = {n: [probe(n, v) for v in inputs] for n in names}
    helps = {}
    for n in names:
        _, hb, _ = mon({"prefix": "config help", "key": n, "format": "json"})
        helps[n] = json.loads(hb)
    extra = ",\n\"help\": {\n" + ",\n".join("%s: %s" % (json.dumps(k), json.dumps(v, ensure_ascii=False, separators=(",", ":")))
                                          for k, v in helps.items()) + "\n}"
    write_interned(os.path.join(OUT, "daemon_options.json"),
                   "Ceph 16.2.15 mon: config set who=mgr name=<option> value=<input> then config get "
                   "(\"accepted\": parsed, then refused as no_mon_update), and config help <option> -f json",
                   inputs, per, extra)


if __name__ == "__main__":
    what = sys.argv[1:] or ["module", "decl", "daemon"]
    if "module" in what:
        module_values()
    if "decl" in what:
        declarations()
    if "daemon" in what:
        daemon()
