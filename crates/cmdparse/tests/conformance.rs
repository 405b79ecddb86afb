//! Conformance groups A (descriptor strings → description JSON / prefix) and B (CLI words →
//! JSON command or error) from `shared/spec/conformance_cases.md`, with the exact JSON text
//! and stderr bytes `ceph_argparse` 16.2.15 produces.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rmgr_cmdparse::{
    descriptions_json, flags, parse_descriptions, validate_command, CommandDesc, Validation,
};
use serde_json::{json, Value};

fn desc_h(s: &str, help: &str, flags: u32) -> CommandDesc {
    CommandDesc::from_descriptor(s, help, "mgr", "r", flags)
}

/// Conformance descriptions carry FLAG_MGR unless a case says otherwise.
fn mgr(s: &str) -> CommandDesc {
    desc_h(s, "h1", flags::MGR)
}

fn w(s: &str) -> Vec<String> {
    s.split(' ').map(str::to_string).collect()
}

/// The command JSON, compact, in wire key order.
fn ok(descs: &[CommandDesc], words: &[String]) -> String {
    match validate_command(descs, words) {
        Validation::Command(m) => serde_json::to_string(&m).unwrap(),
        other => panic!("expected a command for {words:?}, got {other:?}"),
    }
}

fn invalid(descs: &[CommandDesc], words: &[String]) -> String {
    match validate_command(descs, words) {
        Validation::Invalid { stderr } => stderr,
        other => panic!("expected Invalid for {words:?}, got {other:?}"),
    }
}

fn nomatch(descs: &[CommandDesc], words: &[String]) -> String {
    match validate_command(descs, words) {
        Validation::NoMatch { stderr } => stderr,
        other => panic!("expected NoMatch for {words:?}, got {other:?}"),
    }
}

// ---------------------------------------------------------------- group A

#[test]
fn a1_pool_create_sig() {
    let d = mgr(
        "osd pool create name=pool,type=CephPoolname name=pg_num,type=CephInt,range=0,req=false",
    );
    assert_eq!(
        serde_json::to_string(&d.to_json()["sig"]).unwrap(),
        r#"["osd","pool","create",{"name":"pool","type":"CephPoolname"},{"name":"pg_num","range":"0","req":"false","type":"CephInt"}]"#
    );
}

const ECHO: &str = "conftest echo name=a,req=false,type=CephString name=b,req=false,type=CephInt name=c,req=false,type=CephBool name=d,req=false,n=N,type=CephString";

#[test]
fn a2_a3_echo_from_mgr_and_mon() {
    let from_mgr = CommandDesc::from_descriptor(ECHO, "Echo args back", "mgr", "r", 0);
    let body = r#"{"sig":["conftest","echo",{"name":"a","req":"false","type":"CephString"},{"name":"b","req":"false","type":"CephInt"},{"name":"c","req":"false","type":"CephBool"},{"n":"N","name":"d","req":"false","type":"CephString"}],"help":"Echo args back","module":"mgr","perm":"r","flags":"#;
    assert_eq!(
        serde_json::to_string(&from_mgr.to_json()).unwrap(),
        format!("{body}0}}")
    );
    let from_mon = CommandDesc::from_descriptor(ECHO, "Echo args back", "mgr", "r", flags::MGR);
    assert_eq!(
        serde_json::to_string(&from_mon.to_json()).unwrap(),
        format!("{body}8}}")
    );
}

#[test]
fn a4_iostat_poll_flags() {
    let d = CommandDesc::from_descriptor(
        "iostat name=width,type=CephInt,req=false name=print_header,type=CephBool,req=false",
        "Get IO rates",
        "mgr",
        "r",
        flags::MGR | flags::POLL,
    );
    assert_eq!(d.to_json()["flags"], json!(24));
}

#[test]
fn a5_trailing_space() {
    let d = mgr("conftest raise ");
    assert_eq!(d.to_json()["sig"], json!(["conftest", "raise"]));
    assert_eq!(d.prefix(), "conftest raise");
}

#[test]
fn a6_description_keys() {
    let descs: Vec<CommandDesc> = (0..1001).map(|i| mgr(&format!("c{i} x"))).collect();
    let all = descriptions_json(&descs);
    let keys: Vec<&String> = all.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 1001);
    assert_eq!(keys[0], "cmd000");
    assert_eq!(keys[1], "cmd001");
    assert_eq!(keys[294], "cmd294");
    assert_eq!(keys[1000], "cmd1000");
    assert_eq!(all["cmd007"]["sig"], json!(["c7", "x"]));
}

#[test]
fn a7_prefix() {
    assert_eq!(mgr("foo baz name=bar,type=CephString").prefix(), "foo baz");
    assert_eq!(mgr("foo name=bar,type=CephString baz").prefix(), "foo");
}

fn parse_err(descriptor: &str) -> String {
    let json = descriptions_json(&[mgr(descriptor)]).to_string();
    let err = parse_descriptions(&json).expect_err("argparse refuses this");
    // The CLI-side validation over such a set fails the same way.
    match validate_command(&[mgr(descriptor)], &w("foo")) {
        Validation::Crash { exception } => assert_eq!(exception, err.to_string()),
        other => panic!("expected Crash, got {other:?}"),
    }
    err.to_string()
}

#[test]
fn a8_allowempty_unusable() {
    assert_eq!(
        parse_err("foo name=x,type=CephString,allowempty=true"),
        "TypeError: CephString.__init__() got an unexpected keyword argument 'allowempty'"
    );
}

#[test]
fn a9_no_type() {
    assert_eq!(
        parse_err("foo name=x"),
        "JsonFormat: JSON descriptor ['foo', {'name': 'x'}] has no type"
    );
}

#[test]
fn a10_unknown_type() {
    assert_eq!(
        parse_err("foo name=x,type=CephBogus"),
        "JsonFormat: unknown type CephBogus"
    );
}

#[test]
fn parse_descriptions_round_trip_and_avail() {
    let descs = vec![mgr(ECHO), mgr("foo bar name=x,type=CephString")];
    let parsed = parse_descriptions(&descriptions_json(&descs).to_string()).unwrap();
    assert_eq!(parsed, descs);
    let with_avail = r#"{"cmd000": {"sig": ["a"], "help": "", "avail": "rest"},
                         "cmd001": {"sig": ["b"], "help": "", "avail": "cli,rest"}}"#;
    let parsed = parse_descriptions(with_avail).unwrap();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].prefix(), "b");
    assert_eq!(
        parse_descriptions(r#"{"cmd007": {"help": ""}}"#)
            .unwrap_err()
            .to_string(),
        "JsonFormat: JSON descriptor cmd007 has no 'sig'"
    );
}

// ---------------------------------------------------------------- group B

const S: &str = "foo bar name=x,type=CephString";
const INT: &str = "foo int name=n,type=CephInt,range=1|10";
const OPT: &str = "foo opt name=a,type=CephString name=b,type=CephInt,req=false";
const N: &str = "foo many name=items,type=CephString,n=N";
const NI: &str = "foo ints name=ids,type=CephInt,n=N";
const BOOL: &str =
    "foo flag name=name,type=CephString name=yes_i_really_mean_it,type=CephBool,req=false";

fn vol() -> Vec<CommandDesc> {
    vec![
        desc_h("fs volume ls", "a", flags::MGR),
        desc_h(
            "fs volume create name=name,type=CephString name=placement,type=CephString,req=false",
            "b",
            flags::MGR,
        ),
        desc_h(
            "fs volume rm name=vol_name,type=CephString name=yes-i-really-mean-it,type=CephString,req=false",
            "c",
            flags::MGR,
        ),
    ]
}

const TARGET: &str = r#""target":["mon-mgr",""]"#;

#[test]
fn b1_string() {
    assert_eq!(
        ok(&[mgr(S)], &w("foo bar hello")),
        format!(r#"{{"prefix":"foo bar","x":"hello",{TARGET}}}"#)
    );
}

#[test]
fn b2_missing() {
    assert_eq!(
        invalid(&[mgr(S)], &w("foo bar")),
        "Invalid command: missing required parameter x(<string>)\nfoo bar <x> :  h1\n"
    );
}

#[test]
fn b3_unused() {
    assert_eq!(
        invalid(&[mgr(S)], &w("foo bar a b")),
        "Invalid command: unused arguments: ['b']\nfoo bar <x> :  h1\n"
    );
}

#[test]
fn b4_no_match() {
    assert_eq!(
        nomatch(&[mgr(S)], &w("foo baz x")),
        "no valid command found; 1 closest matches:\nfoo bar <x>\n"
    );
}

#[test]
fn b5_keyword_forms() {
    let want = format!(r#"{{"prefix":"foo bar","x":"val",{TARGET}}}"#);
    assert_eq!(ok(&[mgr(S)], &w("foo bar --x=val")), want);
    assert_eq!(ok(&[mgr(S)], &w("foo bar --x val")), want);
}

#[test]
fn b6_unexpected_keyword() {
    assert_eq!(
        invalid(&[mgr(S)], &w("foo bar --y=val")),
        "Invalid command: Unexpected argument '--y=val'\nfoo bar <x> :  h1\n"
    );
}

#[test]
fn b7_string_keeps_commas() {
    assert_eq!(
        ok(&[mgr(S)], &w("foo bar a,b")),
        format!(r#"{{"prefix":"foo bar","x":"a,b",{TARGET}}}"#)
    );
}

#[test]
fn b8_ints() {
    assert_eq!(
        ok(&[mgr(INT)], &w("foo int 5")),
        format!(r#"{{"prefix":"foo int","n":5,{TARGET}}}"#)
    );
    assert_eq!(
        ok(&[mgr(INT)], &w("foo int 0x0a")),
        format!(r#"{{"prefix":"foo int","n":10,{TARGET}}}"#)
    );
}

#[test]
fn b9_b10_b11_int_errors() {
    assert_eq!(
        invalid(&[mgr(INT)], &w("foo int 11")),
        "Invalid command: 11 not in range [1, 10]\nfoo int <n:int> :  h1\n"
    );
    assert_eq!(
        invalid(&[mgr(INT)], &w("foo int abc")),
        "Invalid command: abc doesn't represent an int\nfoo int <n:int> :  h1\n"
    );
    assert_eq!(
        invalid(
            &[mgr("foo int name=n,type=CephInt,range=0")],
            &w("foo int -1")
        ),
        "Invalid command: -1 not in range [0]\nfoo int <n:int> :  h1\n"
    );
}

#[test]
fn b12_floats() {
    let d = [mgr("foo float name=f,type=CephFloat,range=0.0|1.0")];
    assert_eq!(
        invalid(&d, &w("foo float 2")),
        "Invalid command: 2.0 not in range [0.0, 1.0]\nfoo float <f:float> :  h1\n"
    );
    assert_eq!(
        invalid(&d, &w("foo float x")),
        "Invalid command: x doesn't represent a float\nfoo float <f:float> :  h1\n"
    );
    assert_eq!(
        ok(&d, &w("foo float 0.25")),
        format!(r#"{{"prefix":"foo float","f":0.25,{TARGET}}}"#)
    );
}

#[test]
fn b13_choices() {
    let d = [desc_h(
        "foo mode name=mode,type=CephChoices,strings=on|off|warn",
        "h",
        flags::MGR,
    )];
    assert_eq!(
        invalid(&d, &w("foo mode maybe")),
        "Invalid command: maybe not in on|off|warn\nfoo mode on|off|warn :  h\n"
    );
}

#[test]
fn b14_b15_b16_optional() {
    assert_eq!(
        ok(&[mgr(OPT)], &w("foo opt x")),
        format!(r#"{{"prefix":"foo opt","a":"x",{TARGET}}}"#)
    );
    assert_eq!(
        invalid(&[mgr(OPT)], &w("foo opt x y")),
        "y not valid:  y doesn't represent an int\nInvalid command: unused arguments: ['y']\nfoo opt <a> [<b:int>] :  h1\n"
    );
    assert_eq!(
        ok(&[mgr(OPT)], &w("foo opt --b 4 x")),
        format!(r#"{{"prefix":"foo opt","b":4,"a":"x",{TARGET}}}"#)
    );
}

#[test]
fn b17_b18_lists() {
    assert_eq!(
        ok(&[mgr(N)], &w("foo many a b c")),
        format!(r#"{{"prefix":"foo many","items":["a","b","c"],{TARGET}}}"#)
    );
    assert_eq!(
        invalid(&[mgr(N)], &w("foo many")),
        "Invalid command: saw 0 of items(<string>)..., expected at least 1\nfoo many <items>... :  h1\n"
    );
}

#[test]
fn b19_int_list_commas() {
    assert_eq!(
        ok(&[mgr(NI)], &w("foo ints 1,2 3")),
        format!(r#"{{"prefix":"foo ints","ids":[1,2,3],{TARGET}}}"#)
    );
}

#[test]
fn b20_b21_bools() {
    let t = format!(r#"{{"prefix":"foo flag","name":"n1","yes_i_really_mean_it":true,{TARGET}}}"#);
    for words in [
        "foo flag n1 --yes-i-really-mean-it",
        "foo flag n1 --yes_i_really_mean_it",
        "foo flag n1 true",
    ] {
        assert_eq!(ok(&[mgr(BOOL)], &w(words)), t, "{words}");
    }
    let f = format!(r#"{{"prefix":"foo flag","name":"n1","yes_i_really_mean_it":false,{TARGET}}}"#);
    for words in [
        "foo flag n1 --yes-i-really-mean-it=false",
        "foo flag n1 False",
    ] {
        assert_eq!(ok(&[mgr(BOOL)], &w(words)), f, "{words}");
    }
}

#[test]
fn b22_b23_bool_errors() {
    let usage = "foo flag <name> [--yes-i-really-mean-it] :  h1\n";
    assert_eq!(
        invalid(&[mgr(BOOL)], &w("foo flag n1 maybe")),
        format!("maybe not valid:  maybe not one of 'true', 'false'\nInvalid command: unused arguments: ['maybe']\n{usage}")
    );
    assert_eq!(
        invalid(&[mgr(BOOL)], &w("foo flag n1 --bogus")),
        format!("Invalid command: Unexpected argument '--bogus'\n{usage}")
    );
}

#[test]
fn b24_goodchars() {
    let d = [mgr(
        "foo gc name=n,type=CephString,goodchars=[A-Za-z0-9-_.]",
    )];
    assert_eq!(
        invalid(&d, &w("foo gc bad/name")),
        "Invalid command: invalid chars / in bad/name\nfoo gc <n> :  h1\n"
    );
    assert_eq!(
        ok(&d, &w("foo gc good-name_1.x")),
        format!(r#"{{"prefix":"foo gc","n":"good-name_1.x",{TARGET}}}"#)
    );
}

fn type_error(descriptor: &str, prefix: &str, word: &str) -> String {
    let d = [mgr(descriptor)];
    let stderr = invalid(&d, &w(&format!("{prefix} {word}")));
    let first = stderr.lines().next().unwrap();
    first
        .strip_prefix("Invalid command: ")
        .unwrap_or(first)
        .to_string()
}

fn type_ok(descriptor: &str, prefix: &str, word: &str) -> Value {
    let d = [mgr(descriptor)];
    match validate_command(&d, &w(&format!("{prefix} {word}"))) {
        Validation::Command(m) => m.values().nth(1).cloned().unwrap(),
        other => panic!("{word}: {other:?}"),
    }
}

#[test]
fn b25_pgid() {
    let d = "foo pg name=pgid,type=CephPgid";
    assert_eq!(type_ok(d, "foo pg", "1.a"), json!("1.a"));
    assert_eq!(type_error(d, "foo pg", "1"), "pgid has no .");
    assert_eq!(type_error(d, "foo pg", "x.1"), "pool x not integer");
    assert_eq!(type_error(d, "foo pg", "1.zz"), "pgnum zz not hex integer");
}

#[test]
fn b26_name() {
    let d = "foo who name=who,type=CephName";
    for ok_word in ["osd.3", "client.admin", "mgr", "*", "osd.*"] {
        assert_eq!(type_ok(d, "foo who", ok_word), json!(ok_word));
    }
    assert_eq!(type_error(d, "foo who", "osd.x"), "osd id x not integer");
    assert_eq!(type_error(d, "foo who", "rgw.a"), "unknown type rgw");
    assert_eq!(type_error(d, "foo who", "nodot"), "CephName: no . in nodot");
}

#[test]
fn b27_osdname() {
    let d = "foo osd name=id,type=CephOsdName";
    assert_eq!(type_ok(d, "foo osd", "3"), json!(3));
    assert_eq!(type_ok(d, "foo osd", "osd.3"), json!(3));
    assert_eq!(type_error(d, "foo osd", "mon.3"), "unknown type mon");
    assert_eq!(type_error(d, "foo osd", "-1"), "osd id -1 is less than 0");
}

#[test]
fn b28_uuid() {
    assert_eq!(
        type_error("foo uuid name=u,type=CephUUID", "foo uuid", "nope"),
        "invalid UUID nope: badly formed hexadecimal UUID string"
    );
}

#[test]
fn b29_ipaddr() {
    let d = "foo addr name=addr,type=CephIPAddr";
    assert_eq!(
        type_ok(d, "foo addr", "1.2.3.4:6789"),
        json!("1.2.3.4:6789")
    );
    assert_eq!(type_ok(d, "foo addr", "[::1]:6789"), json!("[::1]:6789"));
    assert_eq!(
        type_error(d, "foo addr", "1.2.3.400"),
        "1.2.3.400: invalid IPv4 address"
    );
    assert_eq!(
        type_error(d, "foo addr", "v2:1.2.3.4:3300"),
        "1.2.3.4:3300 not valid IPv6 address"
    );
}

#[test]
fn b30_entityaddr() {
    assert_eq!(
        type_error(
            "foo ent name=addr,type=CephEntityAddr",
            "foo ent",
            "1.2.3.4:0/abc"
        ),
        "1.2.3.4:0/abc: invalid entity, nonce abc not integer > 0"
    );
}

#[test]
fn b31_fixed_n_keeps_last() {
    let d = [mgr("foo two name=pair,type=CephString,n=2")];
    assert_eq!(
        ok(&d, &w("foo two a b")),
        format!(r#"{{"prefix":"foo two","pair":"b",{TARGET}}}"#)
    );
    assert_eq!(
        ok(&d, &w("foo two a")),
        format!(r#"{{"prefix":"foo two","pair":"a",{TARGET}}}"#)
    );
}

#[test]
fn b32_legacy_confirmation_string() {
    assert_eq!(
        ok(&vol(), &w("fs volume rm v1 --yes-i-really-mean-it")),
        format!(
            r#"{{"prefix":"fs volume rm","vol_name":"v1","yes-i-really-mean-it":"--yes-i-really-mean-it",{TARGET}}}"#
        )
    );
}

#[test]
fn b33_partial_prefix_lists_candidates() {
    assert_eq!(
        nomatch(&vol(), &w("fs volume")),
        "no valid command found; 3 closest matches:\nfs volume ls\nfs volume create <name> [<placement>]\nfs volume rm <vol_name> [<yes-i-really-mean-it>]\n"
    );
}

#[test]
fn b34_missing_with_single_candidate() {
    assert_eq!(
        invalid(&vol(), &w("fs volume create")),
        "Invalid command: missing required parameter name(<string>)\nfs volume create <name> [<placement>] :  b\n"
    );
}

#[test]
fn b35_choices_confirmation() {
    let d = [mgr("mgr module enable name=module,type=CephString name=force,type=CephChoices,strings=--force,req=false")];
    assert_eq!(
        ok(&d, &w("mgr module enable foo --force")),
        format!(r#"{{"prefix":"mgr module enable","module":"foo","force":"--force",{TARGET}}}"#)
    );
    assert_eq!(
        invalid(&d, &w("mgr module enable foo force")),
        "force not valid:  force not in --force\nInvalid command: unused arguments: ['force']\nmgr module enable <module> [--force] :  h1\n"
    );
}

#[test]
fn b36_greedy_optional() {
    let d = [mgr(
        "foo name=a,type=CephString name=b,type=CephString,req=false name=c,type=CephInt",
    )];
    assert_eq!(
        invalid(&d, &w("foo x 5")),
        "Invalid command: missing required parameter c(<int>)\nfoo <a> [<b>] <c:int> :  h1\n"
    );
    assert_eq!(
        ok(&d, &w("foo x y 5")),
        format!(r#"{{"prefix":"foo","a":"x","b":"y","c":5,{TARGET}}}"#)
    );
}

#[test]
fn b37_int_then_string_variant() {
    let d = [
        mgr("foo bar name=x,type=CephInt"),
        mgr("foo bar name=x,type=CephString"),
    ];
    assert_eq!(
        ok(&d, &w("foo bar abc")),
        format!(r#"{{"prefix":"foo bar","x":"abc",{TARGET}}}"#)
    );
}

#[test]
fn b38_poll() {
    let d = [desc_h(
        "iostat name=width,type=CephInt,req=false name=print_header,type=CephBool,req=false",
        "h",
        flags::MGR | flags::POLL,
    )];
    assert_eq!(
        ok(&d, &w("iostat")),
        r#"{"prefix":"iostat","target":["mon-mgr",""],"poll":true}"#
    );
}

#[test]
fn b39_obsolete_and_deprecated() {
    assert_eq!(
        nomatch(&[desc_h("old cmd", "h", flags::OBSOLETE)], &w("old cmd")),
        "no valid command found; 0 closest matches:\n"
    );
    assert_eq!(
        ok(&[desc_h("old cmd", "h", flags::DEPRECATED)], &w("old cmd")),
        r#"{"prefix":"old cmd"}"#
    );
}

#[test]
fn b40_mon_command_has_no_target() {
    assert_eq!(
        ok(&[desc_h("mon stat", "h", 0)], &w("mon stat")),
        r#"{"prefix":"mon stat"}"#
    );
}

#[test]
fn b41_double_dash() {
    assert_eq!(
        invalid(
            &[mgr("foo name=x,type=CephString,req=false")],
            &w("foo -- x")
        ),
        "Invalid command: Unexpected argument '--'\nfoo [<x>] :  h1\n"
    );
}

#[test]
fn b42_config_set_with_spaces() {
    let d = [desc_h(
        "config set name=who,type=CephString name=name,type=CephString name=value,type=CephString name=force,type=CephBool,req=false",
        "h",
        0,
    )];
    let words: Vec<String> = ["config", "set", "mgr", "mgr/x/y", "a b", "--force"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        ok(&d, &words),
        r#"{"prefix":"config set","who":"mgr","name":"mgr/x/y","value":"a b","force":true}"#
    );
}

#[test]
fn b43_cli_adds_format_last() {
    let d = [CommandDesc::from_descriptor(
        ECHO,
        "Echo args back",
        "mgr",
        "r",
        flags::MGR,
    )];
    let Validation::Command(mut m) = validate_command(&d, &w("conftest echo hi")) else {
        panic!("expected a command");
    };
    m.insert("format".to_string(), json!("json"));
    // Python's json.dumps separators, as in `ceph --verbose` output.
    let text = serde_json::to_string(&m)
        .unwrap()
        .replace("\",\"", "\", \"")
        .replace("\":", "\": ")
        .replace("],", "], ");
    assert_eq!(
        text,
        r#"{"prefix": "conftest echo", "a": "hi", "target": ["mon-mgr", ""], "format": "json"}"#
    );
}
