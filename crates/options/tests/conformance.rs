//! Differential tests against answers recorded from the real Pacific 16.2.15 mon/mgr and
//! CPython 3.11.2 (tests/fixtures, how they were made: tests/README.md).

use rmgr_options::{daemon_option, python_typed_value, ModuleOption, OptionType, TypedValue};
use serde_json::{Map, Value};

fn load(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// "ok:<text>" or "err<rc>:<message>", the fixtures' encoding of a mon reply.
fn encode(r: Result<String, rmgr_options::ParseError>) -> String {
    match r {
        Ok(t) => format!("ok:{t}"),
        Err(e) => format!("err{}:{}", e.rc(), e.message),
    }
}

/// Expand the interned fixture layout into (option, input, expected) triples.
fn cases(fx: &Value) -> Vec<(String, String, String)> {
    let inputs = strs(&fx["inputs"]);
    let results = strs(&fx["results"]);
    let mut out = Vec::new();
    for (name, idx) in fx["options"].as_object().cloned().unwrap_or_default() {
        let idx = idx.as_array().cloned().unwrap_or_default();
        assert_eq!(idx.len(), inputs.len(), "{name}");
        for (input, i) in inputs.iter().zip(idx) {
            let i = usize::try_from(i.as_u64().unwrap_or(0)).unwrap_or(0);
            out.push((name.clone(), input.clone(), results[i].clone()));
        }
    }
    out
}

fn declared_options() -> Vec<(ModuleOption, Value)> {
    let fx = load("module_declarations.json");
    fx["options"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|entry| {
            let decl: Map<String, Value> = entry["decl"].as_object().cloned().unwrap_or_default();
            let opt =
                ModuleOption::from_declaration(&decl).unwrap_or_else(|e| panic!("{decl:?}: {e}"));
            (opt, entry)
        })
        .collect()
}

#[test]
fn mon_validation_of_module_options() {
    let fx = load("mon_validation.json");
    let options = declared_options();
    let mut failures = Vec::new();
    let all = cases(&fx);
    for (name, input, expected) in &all {
        let got = if name == "debug_mgr" {
            let o = daemon_option("debug_mgr").unwrap_or_else(|| panic!("debug_mgr"));
            encode(o.parse_value_detailed(input))
        } else {
            let (o, _) = options
                .iter()
                .find(|(o, _)| &o.name == name)
                .unwrap_or_else(|| panic!("{name} not declared"));
            encode(o.parse_value_detailed(input))
        };
        if &got != expected {
            failures.push(format!("{name} {input:?}: want {expected:?} got {got:?}"));
        }
    }
    assert!(all.len() > 10_000);
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn declarations_dump_help_and_default() {
    let fx = load("module_declarations.json");
    let names = strs(&fx["module_option_names"]);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut failures = Vec::new();
    for (opt, entry) in declared_options() {
        if opt.to_json() != entry["dump"] {
            failures.push(format!(
                "dump {}: want {} got {}",
                opt.name,
                entry["dump"],
                opt.to_json()
            ));
        }
        let full = format!("mgr/optprobe/{}", opt.name);
        let help_raw = entry["help_raw"].as_str().unwrap_or_default();
        let want: Value = serde_json::from_str(help_raw).unwrap_or(Value::Null);
        let got = opt.help_json_in_module(&full, "optprobe", &names);
        if got != want {
            failures.push(format!("help {}: want {want} got {got}", opt.name));
        }
        let want_default = entry["mon_default"].as_str().unwrap_or_default();
        if opt.mon_default() != want_default {
            failures.push(format!(
                "default {}: want {want_default:?} got {:?}",
                opt.name,
                opt.mon_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn auto_options_match_the_live_dump() {
    let fx = load("module_declarations.json");
    let auto = rmgr_options::auto_module_options(&["log_to_cluster"]);
    let dumps: Vec<Value> = auto.iter().map(ModuleOption::to_json).collect();
    assert_eq!(Value::Array(dumps), fx["auto"]);
}

fn typed_text(v: &TypedValue) -> String {
    match v {
        TypedValue::Int(i) => i.to_string(),
        TypedValue::BigInt(s) => s.clone(),
        TypedValue::Float(f) => format!("{f:?}"),
        TypedValue::Str(s) => s.clone(),
        TypedValue::Bool(b) => b.to_string(),
    }
}

fn float_matches(want: &str, got: f64) -> bool {
    match want {
        "nan" => got.is_nan(),
        "inf" => got == f64::INFINITY,
        "-inf" => got == f64::NEG_INFINITY,
        w => w
            .parse::<f64>()
            .map(|x| x.to_bits() == got.to_bits())
            .unwrap_or(false),
    }
}

#[test]
fn python_conversions() {
    let fx = load("python_typed.json");
    let mut failures = Vec::new();
    let cases = fx["cases"].as_array().cloned().unwrap_or_default();
    for case in &cases {
        let c = strs(case);
        let (input, want_int, want_float) = (&c[0], &c[1], &c[2]);
        let got_int = match python_typed_value(OptionType::Int, input) {
            Ok(v) => format!("ok:{}", typed_text(&v)),
            Err(e) => format!("err:{}:{}", e.exception, e.message),
        };
        if &got_int != want_int {
            failures.push(format!("int {input:?}: want {want_int:?} got {got_int:?}"));
        }
        let ok = match (
            python_typed_value(OptionType::Float, input),
            want_float.strip_prefix("ok:"),
        ) {
            (Ok(TypedValue::Float(f)), Some(w)) => float_matches(w, f),
            (Err(e), None) => want_float == &format!("err:{}:{}", e.exception, e.message),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "float {input:?}: want {want_float:?} got {:?}",
                python_typed_value(OptionType::Float, input)
            ));
        }
    }
    assert!(cases.len() > 500);
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn daemon_options_parse_and_help() {
    let fx = load("daemon_options.json");
    let mut failures = Vec::new();
    let all = cases(&fx);
    for (name, input, expected) in &all {
        let o = daemon_option(name).unwrap_or_else(|| panic!("{name} missing from the table"));
        let got = encode(o.parse_value_detailed(input));
        let same = if expected == "accepted" {
            got.starts_with("ok:")
        } else {
            &got == expected
        };
        if !same {
            failures.push(format!("{name} {input:?}: want {expected:?} got {got:?}"));
        }
    }
    for (name, want) in fx["help"].as_object().cloned().unwrap_or_default() {
        let o = daemon_option(&name).unwrap_or_else(|| panic!("{name}"));
        if o.help_json() != want {
            failures.push(format!("help {name}: want {want} got {}", o.help_json()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn ipv6_addresses_print_like_glibc() {
    let fx = load("ipv6_addr.json");
    let o = ModuleOption::new("o_addr", OptionType::Addr);
    let mut failures = Vec::new();
    for case in fx["cases"].as_array().cloned().unwrap_or_default() {
        let c = strs(&case);
        let got = o.parse_value(&c[0]);
        if got.as_deref() != Ok(c[1].as_str()) {
            failures.push(format!("{:?}: want {:?} got {got:?}", c[0], c[1]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
