#!/usr/bin/python3
"""Oracle for tests/differential.rs: Debian's python3-ceph-argparse (16.2.15).

Reads JSON lines on stdin and answers one JSON line per request on stdout:

  {"descriptions": "<get_command_descriptions JSON text>"}
      -> {"ok": true} or {"ok": false, "exception": "<Class>: <message>"}
         (parse_json_funcsigs(text, 'cli'); later "words" requests use this set)
  {"words": ["osd", "pool", ...]}
      -> {"result": {...}, "stderr": "..."}     validate_command's dict and what it printed
      or {"exception": "<Class>: <message>", "stderr": "..."}   if argparse itself raised

Non-finite floats in results become null and tuples lists, so the answer is plain JSON; a
result json.dumps cannot write at all is answered as {"unserializable": "<why>"}.
"""
import io
import json
import math
import sys

ARGPARSE_DIR = '/usr/lib/python3/dist-packages'
sys.path.insert(0, ARGPARSE_DIR)
import ceph_argparse  # noqa: E402


def plain(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def run(fn):
    """Call fn with sys.stderr captured; returns (value, exception text, stderr)."""
    buf = io.StringIO()
    old = sys.stderr
    sys.stderr = buf
    try:
        return fn(), None, buf.getvalue()
    except Exception as e:  # argparse crashes are data here
        return None, '{}: {}'.format(type(e).__name__, e), buf.getvalue()
    finally:
        sys.stderr = old


def main():
    sigdict = {}
    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        if 'descriptions' in req:
            text = req['descriptions']
            value, exc, _ = run(lambda: ceph_argparse.parse_json_funcsigs(text, 'cli'))
            if exc is None:
                sigdict = value
                answer = {'ok': True}
            else:
                sigdict = {}
                answer = {'ok': False, 'exception': exc}
        else:
            words = req['words']
            value, exc, err = run(lambda: ceph_argparse.validate_command(sigdict, words))
            if exc is None:
                answer = {'result': plain(value), 'stderr': err}
            else:
                answer = {'exception': exc, 'stderr': err}
        try:
            line = json.dumps(answer)
        except ValueError as e:  # e.g. an int too long to print (4300-digit limit)
            line = json.dumps({'unserializable': str(e)})
        out.write(line + '\n')
        out.flush()


if __name__ == '__main__':
    main()
