#!/usr/bin/python3
"""Regenerate tests/fixtures/python_typed.json and src/python/unicode_tables.rs with the
mgr's interpreter (CPython 3.11.2, /usr/bin/python3 on the lab host):

    /usr/bin/python3 tools/gen_python_fixture.py

int: PyLong_FromString(c_str, NULL, 0) through ctypes (the C API the mgr calls; its error
texts differ from int(s, 0)); float: float(s) (= PyFloat_FromString). Inputs are cut at NUL.
"""
import ctypes, json, os, random, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
api = ctypes.pythonapi
api.PyLong_FromString.restype = ctypes.py_object
api.PyLong_FromString.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]


def py_long(s):
    try:
        return "ok:" + str(api.PyLong_FromString(s.encode("utf-8").split(b"\0")[0], None, 0))
    except Exception as e:
        return "err:%s:%s" % (type(e).__name__, e)


def py_float(s):
    try:
        return "ok:" + repr(float(s.split("\0")[0]))
    except Exception as e:
        return "err:%s:%s" % (type(e).__name__, e)


def fixture():
    inputs = list(json.load(open(os.path.join(HERE, "..", "tests", "fixtures", "mon_validation.json")))["inputs"])
    extra = ["0x10", "0o17", "0b101", "0X1F", "0O7", "0B1", "1_000", "1__0", "_1", "1_", "0_0", "0_1", "00", "010",
             "0x_10", "0x__1", "0x", "0x_", "-0x10", "+0b11", " 12 ", "\t5\n", "\v7\f", "١٢", "\u00a012", "12\u00a0",
             "1 2", "- 5", "--5", "0e0", "1e3", "١.٥", "\u00a01.5\u2003", "\u20031.5", "1_0.5", "1._5", "1_.5",
             "1.5_", "_1.5", "1e1_0", "1e_10", "-Infinity", "+inf", "iNf", "nAn", "-nan", "infinit", "nan(1)", ".",
             "+.5", "5.", "1e", "1e+", "1e+5", "0x1p3", "1.5e-400", "1e400", "9" * 30, "0x" + "f" * 40, "-" + "7" * 25,
             "0b" + "1" * 70, "0o" + "7" * 30, "a" + "é" * 150, "é" * 150, "ab" + "€" * 150, "ab" + "€" * 67, "x" * 250,
             "'", "\"", "'\"", "\\", "\x01", "\x7f", "\u0085", "\u200b", "\U0001F600", "1\u0000x", "a\u0000b", "\u00bd",
             "\u2155", "\uff11", "𝟏", "1\U0001D7CF", "٣.١٤"]
    random.seed(99)
    alpha = "0123456789+-._ eExXoObBjJnNaAiIfFtTyY\t\u00a0١"
    for _ in range(300):
        extra.append("".join(random.choice(alpha) for _ in range(random.randint(0, 7))))
    inputs = list(dict.fromkeys(inputs + extra))
    with open(os.path.join(HERE, "..", "tests", "fixtures", "python_typed.json"), "w") as f:
        f.write("{\n\"source\": \"CPython 3.11.2 (the mgr's interpreter): PyLong_FromString(s, NULL, 0) via ctypes, "
                "and float(s); s cut at the first NUL\",\n")
        f.write("\"cases\": [\n" + ",\n".join(json.dumps([s, py_long(s), py_float(s)], ensure_ascii=False)
                                             for s in inputs) + "\n]\n}\n")


def ranges(pred):
    out, start = [], None
    for c in range(0x80, 0x110000):
        if pred(c) and start is None:
            start = c
        if not pred(c) and start is not None:
            out.append((start, c - 1))
            start = None
    if start is not None:
        out.append((start, 0x10FFFF))
    return out


def tables():
    runs = []
    for c in range(0x80, 0x110000):
        ch = chr(c)
        if ch.isdecimal():
            d = unicodedata.decimal(ch)
            if runs and runs[-1][1] == c - 1 and runs[-1][2] + (c - runs[-1][0]) == d:
                runs[-1] = (runs[-1][0], c, runs[-1][2])
            else:
                runs.append((c, c, d))
    with open(os.path.join(HERE, "..", "src", "python", "unicode_tables.rs"), "w") as f:
        f.write("//! Unicode property tables from CPython 3.11.2 (Unicode %s), generated with `str.isprintable`,\n"
                % unicodedata.unidata_version)
        f.write("//! `str.isspace` and `unicodedata.decimal` over U+0080..U+10FFFF (tools/gen_python_fixture.py).\n\n")
        f.write("/// Inclusive ranges of code points (≥ U+0080) that `str.isprintable()` rejects.\n")
        f.write("pub(crate) const NON_PRINTABLE: &[(u32, u32)] = &[\n")
        f.writelines("    (0x%X, 0x%X),\n" % r for r in ranges(lambda c: not chr(c).isprintable()))
        f.write("];\n\n/// Inclusive ranges of code points (≥ U+0080) that `str.isspace()` accepts.\n")
        f.write("pub(crate) const WHITESPACE: &[(u32, u32)] = &[\n")
        f.writelines("    (0x%X, 0x%X),\n" % r for r in ranges(lambda c: chr(c).isspace()))
        f.write("];\n\n/// Runs of decimal digits (≥ U+0080): first code point, last code point, value of the first.\n")
        f.write("pub(crate) const DECIMAL_RUNS: &[(u32, u32, u32)] = &[\n")
        f.writelines("    (0x%X, 0x%X, %d),\n" % r for r in runs)
        f.write("];\n")


if __name__ == "__main__":
    fixture()
    tables()
