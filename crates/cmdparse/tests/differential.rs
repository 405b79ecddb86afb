//! Differential test against Debian's python3-ceph-argparse 16.2.15 (the `ceph` CLI's own
//! parser): thousands of seeded word lists drawn from the Pacific mon and mgr command tables
//! (`tests/data`, copied from `shared/ceph-lab/samples`) plus a synthetic table, run through
//! `argparse_driver.py` (one `/usr/bin/python3` process, JSON lines) and through
//! [`CommandTable::validate`]. Both must agree on accept/reject, the chosen command, the exact
//! JSON (values and key order), the exact stderr text, and on crashes.
//!
//! The oracle is required: if `/usr/lib/python3/dist-packages/ceph_argparse.py` is missing the
//! test fails (CI installs `python3-ceph-argparse`).
//!
//! Not generated, on purpose:
//! * `CephSocketpath` / `CephFilepath` parameters: argparse `stat`s / `access`es the path, this
//!   crate does no I/O. Neither type occurs in the Pacific tables.
//! * Integers beyond 64 bits that would be accepted (JSON can only carry them as floats here).
//!
//! Compared modulo one known nondeterminism: the order of the characters in
//! `invalid chars <chars> in <word>` is Python set iteration order (hash-randomized), so those
//! characters are compared as sets.
//!
//! Run with `--nocapture` to see the agreement statistics; `RMGR_DIFF_PERCENT=20` runs a fifth
//! of the cases (the oracle needs ~30 ms per word list on the 584-command mon table).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rmgr_cmdparse::{
    descriptions_json, flags, parse_descriptions, CommandDesc, CommandTable, SigItem, Validation,
};
use serde_json::{json, Value};

const ARGPARSE: &str = "/usr/lib/python3/dist-packages/ceph_argparse.py";
const PYTHON: &str = "/usr/bin/python3";

// ------------------------------------------------------------------ RNG

/// SplitMix64: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ------------------------------------------------------------------ word generation

const JUNK: &[&str] = &[
    "foo",
    "x",
    "",
    "-",
    "--",
    "--bogus",
    "--bogus=1",
    "--=x",
    "---",
    "1",
    "0",
    "-1",
    "true",
    "abc",
    "a,b",
    "x=y",
    "with space",
    "é",
    "tab\there",
    "it's",
    "q\"uote",
    "a\\b",
    "*",
    "osd",
    "pool",
    "ls",
    "injectargs",
    "--force",
    "--yes-i-really-mean-it",
    "0x10",
    "1.5",
    "[::1]",
    "1.2.3.4",
    "osd.1",
    "--format=json",
    "nl\nx",
    "\u{00a0}",
    "😀",
];

const STRINGS: &[&str] = &[
    "foo",
    "bar-1",
    "a_b.c",
    "a,b",
    "x=y",
    "",
    "with space",
    "-",
    "--dash",
    "é",
    "tab\t",
    "1",
    "true",
    "osd.1",
    "0x10",
    "a/b",
    "*",
    "it's",
    "q\"s",
    "[::1]",
    "rbd",
    "mypool",
    "client.admin",
    "mgr/x/y",
    "ABC",
    "a:b",
    "--yes-i-really-mean-it",
    "--force",
];

fn int_word(rng: &mut Rng, range: Option<&str>) -> String {
    let (lo, hi) = match range.map(|r| r.split('|').collect::<Vec<_>>()) {
        Some(v) if v.len() == 2 => (
            v[0].parse::<i64>().unwrap_or(0),
            v[1].parse::<i64>().unwrap_or(100),
        ),
        Some(v) if v.len() == 1 => {
            let lo = v[0].parse::<i64>().unwrap_or(0);
            (lo, lo + 1000)
        }
        _ => (-50, 5000),
    };
    let span = (hi - lo + 1).max(1) as u64;
    let v = lo + (rng.next() % span) as i64;
    match rng.below(14) {
        0 => format!("{:#x}", v.max(0)),
        1 => format!("0o{:o}", v.max(0)),
        2 => format!("0b{:b}", v.max(0)),
        3 => format!("+{v}"),
        4 => format!(" {v} "),
        5 => "010".to_string(),
        6 => "1e3".to_string(),
        7 => rng
            .pick(&[
                "abc",
                "",
                "1_000",
                "0x",
                "-0",
                "1__0",
                "99999999999999999999",
            ])
            .to_string(),
        8 => (hi + 1 + rng.below(3) as i64).to_string(),
        9 => (lo - 1 - rng.below(3) as i64).to_string(),
        _ => v.to_string(),
    }
}

fn float_word(rng: &mut Rng) -> String {
    rng.pick(&[
        "0.5", "1", "0", "1e3", "-0.0", "x", "1_0.5", ".5", "5.", "0.95", "2", "-1", "1e-05",
        "inf", "nan", "1e400", "0.1", "1.0e+16",
    ])
    .to_string()
}

fn value_word(rng: &mut Rng, spec: &rmgr_cmdparse::ArgSpec) -> String {
    match spec.type_name() {
        "CephInt" => int_word(rng, spec.get("range")),
        "CephFloat" => float_word(rng),
        "CephChoices" => {
            let strings: Vec<&str> = spec.get("strings").unwrap_or("").split('|').collect();
            let s = rng.pick(&strings).to_string();
            match rng.below(10) {
                0 => s.chars().take(1 + rng.below(s.len().max(1))).collect(),
                1 => s.to_uppercase(),
                2 => rng.pick(JUNK).to_string(),
                _ => s,
            }
        }
        "CephBool" => rng
            .pick(&[
                "true", "false", "1", "0", "TRUE", "False", "yes", "maybe", "",
            ])
            .to_string(),
        "CephOsdName" => rng
            .pick(&[
                "3", "osd.3", "*", "-1", "osd.x", "mon.3", "osd.-2", "0", "osd.12", "x",
            ])
            .to_string(),
        "CephPgid" => rng
            .pick(&[
                "1.a", "1", "x.1", "1.zz", "-1.0", "0.1f", "1.0x1f", "3.7", "1.", ".1",
            ])
            .to_string(),
        "CephName" => rng
            .pick(&[
                "osd.3",
                "client.admin",
                "mgr",
                "mon",
                "*",
                "osd.*",
                "osd.x",
                "rgw.a",
                "nodot",
                "mds.a",
                "mon.a",
                "mgr.x",
            ])
            .to_string(),
        "CephIPAddr" | "CephEntityAddr" => {
            let base = *rng.pick(&[
                "1.2.3.4",
                "1.2.3.4:6789",
                "[::1]:6789",
                "::1",
                "v1:1.2.3.4:3300",
                "v2:[::1]:3300",
                "any:1.2.3.4",
                "1.2.3.400",
                "v2:1.2.3.4:3300",
                "1.2.3.4:70000",
                "[::1",
                "1.2.3.4:x",
                "[::1]",
                "fe80::1",
                "1.2.3.4:",
                "[::1]:x",
                "abc",
                "10.0.0.1:0",
            ]);
            if spec.type_name() == "CephEntityAddr" && rng.chance(50) {
                format!(
                    "{base}{}",
                    rng.pick(&["/123", "/abc", "/-1", "/0", "/", "/1/2"])
                )
            } else {
                base.to_string()
            }
        }
        "CephUUID" => rng
            .pick(&[
                "12345678-1234-5678-1234-567812345678",
                "{12345678-1234-5678-1234-567812345678}",
                "urn:uuid:12345678-1234-5678-1234-567812345678",
                "nope",
                "gggggggggggggggggggggggggggggggg",
                "12345678123456781234567812345678",
                "-12345678123456781234567812345678",
            ])
            .to_string(),
        "CephFragment" => rng
            .pick(&["0x1/3", "1/3", "13", "0x/1", "0x1/2/3"])
            .to_string(),
        _ => {
            if spec.get("goodchars").is_some() && rng.chance(60) {
                rng.pick(&["good-name_1.x", "abc", "A-Z", "bad/name", "sp ace", "x=y"])
                    .to_string()
            } else {
                rng.pick(STRINGS).to_string()
            }
        }
    }
}

/// A plausible command line for `desc`, before mutation.
fn build_words(rng: &mut Rng, desc: &CommandDesc) -> Vec<String> {
    let mut words = Vec::new();
    let mut trailing_kw = Vec::new();
    for item in &desc.sig {
        match item {
            SigItem::Literal(w) => words.push(w.clone()),
            SigItem::Arg(spec) => {
                if !spec.req() && rng.chance(45) {
                    continue;
                }
                let name = spec.name().to_string();
                let kw_name = if rng.chance(50) {
                    name.replace('_', "-")
                } else {
                    name.clone()
                };
                let mut value = value_word(rng, spec);
                if spec.is_list() {
                    let extra = rng.below(3);
                    let more: Vec<String> = (0..extra).map(|_| value_word(rng, spec)).collect();
                    if !more.is_empty() && rng.chance(40) {
                        value = format!("{value},{}", more.join(","));
                    } else {
                        let form = rng.below(10);
                        if form < 8 {
                            words.push(value);
                            words.extend(more);
                            continue;
                        }
                    }
                }
                let target = if rng.chance(30) {
                    &mut trailing_kw
                } else {
                    &mut words
                };
                match rng.below(10) {
                    0 | 1 => target.push(format!("--{kw_name}={value}")),
                    2 => {
                        if spec.type_name() == "CephBool" {
                            target.push(format!("--{kw_name}"));
                        } else {
                            target.push(format!("--{kw_name}"));
                            target.push(value);
                        }
                    }
                    _ => target.push(value),
                }
            }
        }
    }
    words.extend(trailing_kw);
    words
}

fn mutate(rng: &mut Rng, words: &mut Vec<String>, all: &[CommandDesc]) {
    let n = 1 + rng.below(2);
    for _ in 0..n {
        let len = words.len();
        match rng.below(12) {
            0 if len > 0 => {
                words.remove(rng.below(len));
            }
            1 if len > 0 => {
                let i = rng.below(len);
                let w = words[i].clone();
                words.insert(i, w);
            }
            2 if len > 1 => {
                let i = rng.below(len - 1);
                words.swap(i, i + 1);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                words[i] = rng.pick(JUNK).to_string();
            }
            4 => words.truncate(rng.below(len + 1)),
            5 if len > 0 => {
                // A partial last word: "osd po".
                words.truncate(1 + rng.below(len));
                if let Some(last) = words.last_mut() {
                    let keep = rng.below(last.chars().count() + 1);
                    *last = last.chars().take(keep).collect();
                }
            }
            6 => words.push(rng.pick(JUNK).to_string()),
            7 => {
                let i = rng.below(len + 1);
                words.insert(
                    i,
                    rng.pick(&["--bogus", "--x", "--format", "--", "-f"])
                        .to_string(),
                );
            }
            8 if len > 0 => {
                let i = rng.below(len);
                words[i] = rng
                    .pick(&["abc", "-5", "1e3", "0x", "999999", "nan", ""])
                    .to_string();
            }
            9 => {
                // Words of another command with this command's tail.
                let other = rng.pick(all);
                let mut new: Vec<String> = other
                    .sig
                    .iter()
                    .filter_map(|i| match i {
                        SigItem::Literal(w) => Some(w.clone()),
                        SigItem::Arg(_) => None,
                    })
                    .collect();
                let tail = len.saturating_sub(new.len().min(len));
                new.extend(words.iter().skip(len - tail).cloned());
                *words = new;
            }
            10 => words.clear(),
            _ => {}
        }
    }
}

fn gen_cases(rng: &mut Rng, descs: &[CommandDesc], count: usize) -> Vec<Vec<String>> {
    let usable: Vec<&CommandDesc> = descs.iter().collect();
    (0..count)
        .map(|_| {
            let d = *rng.pick(&usable);
            let mut words = build_words(rng, d);
            if rng.chance(55) {
                mutate(rng, &mut words, descs);
            }
            words
        })
        .collect()
}

// ------------------------------------------------------------------ tables

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn load_table(file: &str) -> (String, Vec<CommandDesc>) {
    let text = std::fs::read_to_string(data_dir().join(file)).unwrap();
    let descs = parse_descriptions(&text).unwrap();
    (text, descs)
}

/// Synthetic commands covering what the Pacific tables do not: other types, fixed `n`,
/// optional-before-required, keyword edge cases, legacy confirmations, injectargs, poll.
fn synthetic() -> Vec<CommandDesc> {
    let m = |s: &str, f: u32| CommandDesc::from_descriptor(s, "help text", "mgr", "rw", f);
    vec![
        m("foo bar name=x,type=CephString", flags::MGR),
        m("foo int name=n,type=CephInt,range=1|10", flags::MGR),
        m("foo opt name=a,type=CephString name=b,type=CephInt,req=false", flags::MGR),
        m("foo many name=items,type=CephString,n=N", flags::MGR),
        m("foo ints name=ids,type=CephInt,n=N", flags::MGR),
        m("foo flag name=name,type=CephString name=yes_i_really_mean_it,type=CephBool,req=false", flags::MGR),
        m("fs volume ls", flags::MGR),
        m("fs volume create name=name,type=CephString name=placement,type=CephString,req=false", flags::MGR),
        m("fs volume rm name=vol_name,type=CephString name=yes-i-really-mean-it,type=CephString,req=false", flags::MGR),
        m("foo float name=f,type=CephFloat,range=0.0|1.0", 0),
        m("foo mode name=mode,type=CephChoices,strings=on|off|warn", 0),
        m("foo gc name=n,type=CephString,goodchars=[A-Za-z0-9-_.]", 0),
        m("foo pg name=pgid,type=CephPgid", 0),
        m("foo who name=who,type=CephName", 0),
        m("foo osd name=id,type=CephOsdName", 0),
        m("foo uuid name=u,type=CephUUID", 0),
        m("foo addr name=addr,type=CephIPAddr", 0),
        m("foo ent name=addr,type=CephEntityAddr", 0),
        m("foo frag name=f,type=CephFragment", 0),
        m("foo two name=pair,type=CephString,n=2", 0),
        m("foo gr name=a,type=CephString name=b,type=CephString,req=false name=c,type=CephInt", 0),
        m("foo bar name=x,type=CephInt", 0),
        m("mgr module enable name=module,type=CephString name=force,type=CephChoices,strings=--force,req=false", flags::MGR),
        m("iostat name=width,type=CephInt,req=false name=print_header,type=CephBool,req=false", flags::MGR | flags::POLL),
        m("old cmd", flags::OBSOLETE),
        m("old dep name=x,type=CephString,req=false", flags::DEPRECATED),
        m("hidden cmd", flags::HIDDEN),
        m("injectargs name=injected_args,type=CephString,n=N", 0),
        m("config set name=who,type=CephString name=name,type=CephString name=value,type=CephString name=force,type=CephBool,req=false", 0),
        m("foo nums name=f,type=CephFloat,n=N name=flag,type=CephBool,req=false", 0),
        m("foo choice name=c,type=CephChoices,strings=alpha|beta,n=N", 0),
        m("foo pre name=p,type=CephPrefix,prefix=lit name=v,type=CephString", 0),
        m("foo any name=v,type=CephArgtype name=o,type=CephObjectname,req=false", 0),
        m("foo pool name=pool,type=CephPoolname name=pg,type=CephInt,range=0,req=false name=kind,type=CephChoices,strings=replicated|erasure,req=false", flags::MGR),
        m("foo nm name=none,type=CephString,req=False name=req2,type=CephString,req=nope", 0),
        m("foo single name=format,type=CephChoices,strings=json|plain,req=false", 0),
        m("foo pfx name=prefix,type=CephString,n=N", 0),
        m("foo tgt name=target,type=CephString name=poll,type=CephInt,req=false", flags::MGR | flags::POLL),
    ]
}

/// Hand-picked word lists for the synthetic table: crashes, digit limits, odd spellings.
fn synthetic_edge_cases() -> Vec<Vec<String>> {
    let huge_hex = format!("0x{}", "f".repeat(4000));
    let many_digits = "1".repeat(4301);
    vec![
        vec!["foo".into(), "addr".into(), "1.2.3.4:x".into()],
        vec!["foo".into(), "addr".into(), "1.2.3.4:".into()],
        vec!["foo".into(), "addr".into(), "[::1]".into()],
        vec!["foo".into(), "addr".into(), "[::1]:".into()],
        vec!["foo".into(), "addr".into(), "a\0b".into()],
        vec!["foo".into(), "addr".into(), "1.2.3.4\0".into()],
        vec!["foo".into(), "addr".into(), "[::1]\u{663}".into()],
        vec!["foo".into(), "ent".into(), "1.2.3.4/1/2".into()],
        vec!["foo".into(), "ent".into(), "[::1/5]".into()],
        vec!["foo".into(), "ent".into(), "[::1]:6789/5".into()],
        vec!["foo".into(), "frag".into(), "0x1/2/3".into()],
        vec!["foo".into(), "int".into(), many_digits.clone()],
        vec!["foo".into(), "int".into(), huge_hex],
        vec!["foo".into(), "osd".into(), format!("osd.{many_digits}")],
        vec!["foo".into(), "osd".into(), "\u{663}".into()],
        vec!["foo".into(), "int".into(), "\u{ff15}".into()],
        vec!["foo".into(), "int".into(), "\u{2000}5\u{3000}".into()],
        vec!["foo".into(), "float".into(), "\u{661}.5".into()],
        vec![
            "foo".into(),
            "uuid".into(),
            format!("{{{{{{{}}}", "1".repeat(32)),
        ],
        vec![
            "foo".into(),
            "uuid".into(),
            format!("uuurn:id:{}", "1".repeat(32)),
        ],
        vec!["foo".into(), "uuid".into(), format!("+{}", "1".repeat(31))],
        vec!["foo".into(), "uuid".into(), "é".repeat(32)],
        vec!["foo".into(), "pfx".into(), "a".into()],
        vec!["foo".into(), "tgt".into(), "x".into(), "3".into()],
        vec![
            "foo".into(),
            "bar".into(),
            "\u{a0}\u{ad}\u{2028}\u{1F600}\u{e000}\u{378}".into(),
            "extra\u{7f}".into(),
        ],
        vec!["foo".into(), "gc".into(), "a b/c\\d\u{e9}".into()],
        vec!["injectargs".into(), "--debug-ms=1".into(), "--foo".into()],
        vec!["--x=val".into(), "foo".into(), "bar".into()],
        vec!["foo".into(), "bar".into(), "--x=a\nb".into()],
        vec!["foo".into(), "bar".into(), "--x=\nb".into()],
        vec!["foo".into(), "bar".into(), "--x=".into(), "v".into()],
        vec![
            "foo".into(),
            "many".into(),
            "--items=a,b".into(),
            "c".into(),
        ],
        vec!["foo".into(), "opt".into(), "--b".into()],
        vec![
            "foo".into(),
            "two".into(),
            "--pair=a".into(),
            "b".into(),
            "c".into(),
        ],
    ]
}

/// Description sets argparse refuses, with the error text expected from both sides.
fn broken_sets() -> Vec<&'static str> {
    vec![
        "foo name=x,type=CephString,allowempty=true",
        "foo name=x",
        "foo name=x,type=CephBogus",
        "foo name=x,type=CephInt,range=a",
        "foo name=x,type=CephInt,range=1|",
        "foo name=x,type=CephFloat,range=x",
        "foo name=x,type=CephString,goodchars=[",
        "foo name=x,type=CephString,goodchars=[z-a]",
        "foo name=x,type=CephString,n=x",
        "foo name=x,type=CephName,positional=true",
        "foo name=x,type=CephOsdName,badchars=x",
        "foo name=x,type=CephChoices,tp=x",
        "foo name=x,type=CephString,self=1",
        "foo name=x,type=CephString,t=1",
        "foo name=x,type=CephPrefix,other=1",
    ]
}

// ------------------------------------------------------------------ oracle

struct Oracle {
    requests: Vec<Value>,
}

impl Oracle {
    /// Runs every request through one python3 process; answers in order.
    fn run(self) -> Vec<Value> {
        assert!(
            Path::new(ARGPARSE).exists(),
            "differential oracle missing: {ARGPARSE} not found; install Debian's python3-ceph-argparse (16.2.x)"
        );
        assert!(Path::new(PYTHON).exists(), "{PYTHON} not found");
        let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/argparse_driver.py");
        let mut child = Command::new(PYTHON)
            .arg(&driver)
            .env("PYTHONHASHSEED", "0")
            .env("PYTHONIOENCODING", "utf-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3 argparse driver");
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let n = self.requests.len();
        let writer = std::thread::spawn(move || {
            for r in &self.requests {
                let mut line = serde_json::to_string(r).unwrap();
                line.push('\n');
                stdin.write_all(line.as_bytes()).unwrap();
            }
        });
        let mut answers = Vec::with_capacity(n);
        for line in BufReader::new(stdout).lines() {
            answers.push(serde_json::from_str::<Value>(&line.unwrap()).unwrap());
        }
        writer.join().unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "argparse driver failed: {status}");
        assert_eq!(
            answers.len(),
            n,
            "driver answered {} of {n} requests",
            answers.len()
        );
        answers
    }
}

// ------------------------------------------------------------------ comparison

/// `invalid chars <set> in <word>`: the set's order is Python hash order; compare as sets.
fn same_text(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (al, bl): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    if al.len() != bl.len() {
        return false;
    }
    al.iter()
        .zip(&bl)
        .all(|(x, y)| x == y || same_invalid_chars(x, y))
}

fn same_invalid_chars(a: &str, b: &str) -> bool {
    const MARK: &str = "invalid chars ";
    let (Some(ia), Some(ib)) = (a.find(MARK), b.find(MARK)) else {
        return false;
    };
    if a[..ia] != b[..ib] {
        return false;
    }
    let ra: Vec<char> = a[ia + MARK.len()..].chars().collect();
    let rb: Vec<char> = b[ib + MARK.len()..].chars().collect();
    if ra.len() != rb.len() {
        return false;
    }
    (1..ra.len()).any(|k| {
        let mut sa = ra[..k].to_vec();
        let mut sb = rb[..k].to_vec();
        sa.sort_unstable();
        sb.sort_unstable();
        sa == sb && ra[k..] == rb[k..]
    })
}

#[derive(Default)]
struct Stats {
    total: usize,
    agree: usize,
    by_outcome: BTreeMap<&'static str, usize>,
    mismatches: Vec<String>,
}

fn outcome_name(v: &Validation) -> &'static str {
    match v {
        Validation::Command(_) => "command",
        Validation::Invalid { .. } => "invalid",
        Validation::NoMatch { .. } => "nomatch",
        Validation::Crash { .. } => "crash",
        _ => "other",
    }
}

fn compare(words: &[String], ours: &Validation, theirs: &Value) -> Result<(), String> {
    let py_stderr = theirs["stderr"].as_str().unwrap_or_default();
    if let Some(exc) = theirs.get("exception").and_then(Value::as_str) {
        return match ours {
            Validation::Crash { exception } if exception == exc => Ok(()),
            _ => Err(format!("python raised {exc:?}, we gave {ours:?}")),
        };
    }
    let result = theirs["result"].as_object().cloned().unwrap_or_default();
    if !result.is_empty() {
        let Validation::Command(m) = ours else {
            return Err(format!(
                "python accepted {result:?} (stderr {py_stderr:?}), we gave {ours:?}"
            ));
        };
        let our_keys: Vec<&String> = m.keys().collect();
        let py_keys: Vec<&String> = result.keys().collect();
        if our_keys != py_keys || Value::Object(m.clone()) != Value::Object(result.clone()) {
            return Err(format!("python {result:?}, we {m:?}"));
        }
        if !py_stderr.is_empty() {
            return Err(format!("python accepted but printed {py_stderr:?}"));
        }
        return Ok(());
    }
    let (kind, stderr) = match ours {
        Validation::Invalid { stderr } => ("invalid", stderr),
        Validation::NoMatch { stderr } => ("nomatch", stderr),
        _ => {
            return Err(format!(
                "python rejected with {py_stderr:?}, we gave {ours:?}"
            ))
        }
    };
    let py_kind = if py_stderr.contains("no valid command found; ") {
        "nomatch"
    } else {
        "invalid"
    };
    if kind != py_kind || !same_text(stderr, py_stderr) {
        return Err(format!(
            "words {words:?}: python {py_kind} {py_stderr:?}, we {kind} {stderr:?}"
        ));
    }
    Ok(())
}

#[test]
fn agrees_with_ceph_argparse() {
    let (mon_text, mon) = load_table("mon_command_descriptions.json");
    let (mgr_text, mgr) = load_table("mgr_command_descriptions.json");
    let syn = synthetic();
    let syn_text = descriptions_json(&syn).to_string();
    assert_eq!(mon.len(), 584);

    let sets: Vec<(&str, String, Vec<CommandDesc>, usize, u64)> = vec![
        ("mon", mon_text, mon, 1000, 0x5eed_0001),
        ("mgr", mgr_text, mgr, 600, 0x5eed_0002),
        ("synthetic", syn_text, syn, 1400, 0x5eed_0003),
    ];

    // RMGR_DIFF_PERCENT scales the case counts (default 100).
    let percent: usize = std::env::var("RMGR_DIFF_PERCENT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let mut requests = Vec::new();
    let mut plan: Vec<(usize, Option<Vec<String>>)> = Vec::new();
    for (si, (_, text, descs, count, seed)) in sets.iter().enumerate() {
        requests.push(json!({ "descriptions": text }));
        plan.push((si, None));
        let mut rng = Rng(*seed);
        let mut cases = gen_cases(&mut rng, descs, count * percent / 100);
        // A few fixed lines every run.
        cases.push(Vec::new());
        cases.push(vec!["osd".to_string()]);
        cases.push(vec!["status".to_string()]);
        if si == 2 {
            cases.extend(synthetic_edge_cases());
        }
        for words in cases {
            requests.push(json!({ "words": words }));
            plan.push((si, Some(words)));
        }
    }
    let broken = broken_sets();
    for d in &broken {
        let desc = CommandDesc::from_descriptor(d, "h", "mgr", "r", 0);
        requests.push(json!({ "descriptions": descriptions_json(&[desc]).to_string() }));
    }

    let answers = Oracle { requests }.run();

    let tables: Vec<CommandTable> = sets
        .iter()
        .map(|(_, _, d, _, _)| CommandTable::new(d).unwrap())
        .collect();
    let mut stats: BTreeMap<&str, Stats> = BTreeMap::new();
    for ((si, words), answer) in plan.iter().zip(&answers) {
        let name = sets[*si].0;
        let Some(words) = words else {
            assert_eq!(
                answer["ok"],
                json!(true),
                "python could not parse the {name} table"
            );
            continue;
        };
        let ours = tables[*si].validate(words);
        let st = stats.entry(name).or_default();
        st.total += 1;
        *st.by_outcome.entry(outcome_name(&ours)).or_default() += 1;
        match compare(words, &ours, answer) {
            Ok(()) => st.agree += 1,
            Err(e) => st.mismatches.push(format!("{words:?}: {e}")),
        }
    }

    let mut broken_agree = 0;
    let mut broken_mismatch = Vec::new();
    for (d, answer) in broken.iter().zip(answers.iter().skip(plan.len())) {
        let desc = CommandDesc::from_descriptor(d, "h", "mgr", "r", 0);
        let ours = parse_descriptions(&descriptions_json(&[desc]).to_string());
        let theirs = answer["exception"].as_str().unwrap_or("(accepted)");
        match ours {
            Err(e) if e.to_string() == theirs => broken_agree += 1,
            other => broken_mismatch.push(format!("{d}: python {theirs:?}, we {other:?}")),
        }
    }

    let mut total = 0;
    let mut agree = 0;
    println!("differential vs ceph_argparse 16.2.15:");
    for (name, st) in &stats {
        total += st.total;
        agree += st.agree;
        println!(
            "  {name:<9} {}/{} agree; outcomes {:?}",
            st.agree, st.total, st.by_outcome
        );
        for m in st.mismatches.iter().take(15) {
            println!("    MISMATCH {m}");
        }
    }
    println!(
        "  broken description sets: {broken_agree}/{} agree",
        broken.len()
    );
    for m in &broken_mismatch {
        println!("    MISMATCH {m}");
    }
    println!("  total word lists: {agree}/{total} agree");
    assert!(total >= 1000 * percent / 100);
    assert_eq!(agree, total, "word lists disagree with ceph_argparse");
    assert!(broken_mismatch.is_empty(), "description errors disagree");
    for st in stats.values() {
        for outcome in ["command", "invalid", "nomatch"] {
            assert!(
                st.by_outcome.get(outcome).copied().unwrap_or(0) > 0,
                "generator never produced a {outcome} case"
            );
        }
    }
}
