//! Our answers from the captured get() inputs against the stock manager's answers captured at
//! the same moment (tests/golden/README.md).

use rmgr_mgrcmds::{execute, handles, table, Effect, Source};
use serde_json::{Map, Value};
use std::sync::Arc;

struct Inputs {
    v: Map<String, Value>,
    now: f64,
}

impl Source for Inputs {
    fn get(&self, name: &str) -> Option<Arc<Value>> {
        self.v.get(name).cloned().map(Arc::new)
    }
    fn now(&self) -> f64 {
        self.now
    }
    /// `_options`: the manager options a capture depended on (reweight/).
    fn option(&self, name: &str) -> Option<String> {
        self.v
            .get("_options")
            .and_then(|o| o.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

fn load(dir: &str) -> (Inputs, Vec<Value>) {
    let base = format!("{}/tests/golden/{}", env!("CARGO_MANIFEST_DIR"), dir);
    let inputs: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}/inputs.json", base)).expect("inputs"),
    )
    .expect("json");
    let cases: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}/cases.json", base)).expect("cases"),
    )
    .expect("json");
    let v = inputs.as_object().cloned().unwrap_or_default();
    let stamp = v["pg_dump"]["stamp"].as_str().unwrap_or("");
    let now = rmgr_mgrcmds::util::parse_stamp(stamp).expect("stamp") + 10.0;
    (
        Inputs { v, now },
        cases.as_array().cloned().unwrap_or_default(),
    )
}

/// Time-dependent members: the PGMap version/stamp (the inputs were read just before the
/// commands ran) and the delta's stamp.
fn mask(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if m.contains_key("last_pg_scan") {
                m.insert("version".into(), Value::Null);
                m.insert("stamp".into(), Value::Null);
            }
            // per-OSD ping times come from get('osd_ping_times'), not captured here
            m.remove("network_ping_times");
            if m.contains_key("stamp_delta") {
                m.insert("stamp_delta".into(), Value::Null);
            }
            for x in m.values_mut() {
                mask(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask),
        _ => {}
    }
}

/// Equal after parsing, numbers compared as f64 (Ceph prints 1.0 as `1`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.keys().zip(y.keys()).all(|(p, q)| p == q)
                && x.iter()
                    .all(|(k, v)| y.get(k).map(|w| same(v, w)).unwrap_or(false))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        _ => a == b,
    }
}

fn mask_text(name: &str, t: &str) -> String {
    t.lines()
        .map(|l| {
            if l.starts_with("version ") || l.starts_with("stamp ") {
                return "<masked>".to_string();
            }
            if name.starts_with("pg_ls") && !l.starts_with("PG ") && l.contains('\'') {
                // the SINCE column (now - last_change)
                let mut w: Vec<&str> = l.split_whitespace().collect();
                if w.len() > 10 {
                    w[10] = "<since>";
                }
                return w.join(" ");
            }
            l.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Cases whose stock answer came from elsewhere than the inputs we hold.
fn skipped(name: &str) -> bool {
    name.starts_with("pg_getmap")
        || (name.starts_with("config_show") && !name.contains("99") && !name.contains("_bad."))
        || name.starts_with("osd_purge_unsafe")
}

/// The `osd reweightn` effect must carry the weights the mons ended up with.
fn real_reweight_problem(c: &Value, o: &rmgr_mgrcmds::Outcome) -> Option<String> {
    let want_b = c["outb"].as_str().unwrap_or("");
    let got_b = String::from_utf8_lossy(&o.outb).to_string();
    if !want_b.starts_with(&got_b) || got_b.is_empty() {
        return Some(format!("outb {:?} is not a prefix of {:?}", got_b, want_b));
    }
    let [Effect::MonCommand(m)] = o.effects.as_slice() else {
        return Some(format!("effects {:?}", o.effects));
    };
    if m["prefix"] != "osd reweightn" {
        return Some(format!("mon command {}", m));
    }
    let w: Value = serde_json::from_str(&m["weights"].as_str()?.replace('\'', "\"")).ok()?;
    for (osd, v) in w.as_object()? {
        let got = v.as_str()?.parse::<f64>().ok()? / 65536.0;
        let want = c["osd_weights_after"][osd.as_str()].as_f64()?;
        if (got - want).abs() > 1e-9 {
            return Some(format!("osd.{} weight {} != {}", osd, got, want));
        }
    }
    None
}

fn run(dir: &str) -> (usize, Vec<String>) {
    let (src, cases) = load(dir);
    let mut fails = Vec::new();
    let mut n = 0;
    for c in &cases {
        let name = c["name"].as_str().unwrap_or("");
        if skipped(name) {
            continue;
        }
        n += 1;
        let cmd = c["cmd"].as_object().cloned().unwrap_or_default();
        let prefix = cmd["prefix"].as_str().unwrap_or("").to_string();
        assert!(handles(&prefix), "{}", prefix);
        let o = execute(&prefix, &cmd, &src);
        if name.starts_with("zz_real_rbpg") {
            // captured after zz_real_rbu had changed the weights: inputs no longer apply
            continue;
        }
        if name.starts_with("zz_real") {
            // the real `osd reweight-by-*`: rc/outs are the mons' (answer to the effect), the
            // mons' output is appended to ours
            if let Some(p) = real_reweight_problem(c, &o) {
                fails.push(format!("{}: {}", name, p));
            }
            continue;
        }
        let want_rc = c["rc"].as_i64().unwrap_or(0) as i32;
        let want_outs = c["outs"].as_str().unwrap_or("");
        let want_b = c["outb"].as_str().unwrap_or("");
        let got_b = String::from_utf8_lossy(&o.outb).to_string();
        let mut problems = Vec::new();
        if o.rc != want_rc {
            problems.push(format!("rc {} != {}", o.rc, want_rc));
        }
        if o.outs != want_outs {
            problems.push(format!("outs {:?} != {:?}", o.outs, want_outs));
        }
        let json_case = name.ends_with(".json") || name.ends_with(".json-pretty");
        let parsed = |s: &str| -> Option<Value> {
            let s = s.trim_start_matches("FALSE\n").trim_start_matches("TRUE\n");
            serde_json::from_str(s).ok()
        };
        match (
            json_case || want_b.starts_with('{') || want_b.starts_with('['),
            parsed(want_b),
            parsed(&got_b),
        ) {
            (true, Some(mut w), Some(mut g)) => {
                mask(&mut w);
                mask(&mut g);
                if !same(&w, &g) {
                    if let Ok(d) = std::env::var("GOLDEN_DIFF_DIR") {
                        let _ = std::fs::write(format!("{}/{}.want", d, name), w.to_string());
                        let _ = std::fs::write(format!("{}/{}.got", d, name), g.to_string());
                    }
                    problems.push(format!("json differs:\n want {}\n  got {}", w, g));
                }
            }
            (true, Some(_), None) => problems.push(format!("json expected, got {:?}", got_b)),
            _ => {
                if mask_text(name, want_b) != mask_text(name, &got_b) {
                    problems.push(format!(
                        "text differs:\n--want--\n{}\n--got--\n{}",
                        want_b, got_b
                    ));
                }
            }
        }
        if !problems.is_empty() {
            fails.push(format!("{}: {}", name, problems.join("; ")));
        }
    }
    (n, fails)
}

#[test]
fn golden_healthy() {
    let (n, fails) = run(".");
    assert!(n > 250, "{}", n);
    assert!(
        fails.is_empty(),
        "{} of {} cases differ:\n{}",
        fails.len(),
        n,
        fails.join("\n")
    );
}

/// `osd [test-]reweight-by-*` on an unevenly filled lab (README.md: reweight/, reweight2/).
#[test]
fn golden_reweight() {
    for dir in ["reweight", "reweight2"] {
        let (n, fails) = run(dir);
        assert!(n >= 30, "{}", n);
        assert!(
            fails.is_empty(),
            "{}: {} of {} cases differ:\n{}",
            dir,
            fails.len(),
            n,
            fails.join("\n")
        );
    }
}

#[test]
fn golden_degraded() {
    let (n, fails) = run("degraded");
    assert!(n > 60, "{}", n);
    assert!(
        fails.is_empty(),
        "{} of {} cases differ:\n{}",
        fails.len(),
        n,
        fails.join("\n")
    );
}

#[test]
fn table_matches_stock_descriptions() {
    let p = format!(
        "{}/tests/golden/mgr_native_descriptions.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let d: Value = serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json");
    let d = d.as_array().cloned().unwrap_or_default();
    assert_eq!(d.len(), table().len());
    for (want, got) in d.iter().zip(table()) {
        let words: Vec<&str> = want["sig"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        assert!(got.sig.starts_with(&words.join(" ")), "{}", got.sig);
        assert_eq!(want["help"].as_str(), Some(got.help));
        assert_eq!(want["module"].as_str(), Some(got.module));
        assert_eq!(want["perm"].as_str(), Some(got.perm));
    }
}

#[test]
fn effects() {
    let (src, _) = load(".");
    let mut cmd = Map::new();
    cmd.insert("prefix".into(), "pg deep-scrub".into());
    cmd.insert("pgid".into(), "1.0".into());
    let o = execute("pg deep-scrub", &cmd, &src);
    assert_eq!(
        o.effects,
        vec![Effect::ScrubPgs {
            osd: 1,
            pgs: vec!["1.0".into()],
            deep: true,
            repair: false
        }]
    );
    let mut cmd = Map::new();
    cmd.insert("prefix".into(), "osd purge".into());
    cmd.insert("id".into(), 0.into());
    cmd.insert("yes_i_really_mean_it".into(), true.into());
    let o = execute("osd purge", &cmd, &src);
    assert_eq!(o.rc, 0);
    assert_eq!(
        o.effects,
        vec![Effect::MonCommand(
            serde_json::json!({"prefix": "osd purge-actual", "id": 0, "yes_i_really_mean_it": true})
        )]
    );
    let mut cmd = Map::new();
    cmd.insert("prefix".into(), "osd scrub".into());
    cmd.insert("who".into(), "all".into());
    let o = execute("osd scrub", &cmd, &src);
    assert_eq!(o.effects.len(), 3);
    let mut cmd = Map::new();
    cmd.insert("prefix".into(), "pg scrub".into());
    cmd.insert("pgid".into(), "x.y".into());
    let o = execute("pg scrub", &cmd, &src);
    assert_eq!((o.rc, o.outs.as_str()), (-22, "invalid pgid 'x.y'"));
}

/// The lab-3osd fixture of rmgr-core was captured under write load: rates are non-zero.
#[test]
fn rates_from_core_fixture() {
    let p = format!(
        "{}/../core/fixtures/lab-3osd.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let Ok(text) = std::fs::read_to_string(p) else {
        return;
    };
    let v: Value = serde_json::from_str(&text).expect("json");
    let src = Inputs {
        v: v.as_object().cloned().unwrap_or_default(),
        now: 0.0,
    };
    let mut cmd = Map::new();
    cmd.insert("prefix".into(), "pg stat".into());
    let o = execute("pg stat", &cmd, &src);
    let t = String::from_utf8_lossy(&o.outb).to_string();
    assert!(t.contains(" op/s") && t.contains("/s wr"), "{}", t);
    let mut cmd = Map::new();
    cmd.insert("prefix".into(), "osd pool stats".into());
    let o = execute("osd pool stats", &cmd, &src);
    let t = String::from_utf8_lossy(&o.outb).to_string();
    assert!(t.contains("client io "), "{}", t);
}

#[test]
fn config_show_and_devices_from_synthetic_inputs() {
    let v = serde_json::json!({
        "daemon_config osd.0": {"config": {"osd_max_backfills": {"default": "1", "mon": "3"},
                                           "run_dir": {"file": "/run"}},
                                "ignored_mon_config": {}},
        "osd_metadata": {"0": {"hostname": "h1"}},
        "devices": {"devices": [{"devid": "VENDOR_X_123", "location": [{"host": "h1", "dev": "sda", "path": "/dev/sda"}],
                                 "daemons": ["osd.0"], "life_expectancy_min": "2030-01-01T00:00:00.000000Z",
                                 "life_expectancy_max": "2031-01-01T00:00:00.000000Z"}]}
    });
    let src = Inputs {
        v: v.as_object().cloned().unwrap_or_default(),
        now: 0.0,
    };
    let run = |pairs: &[(&str, &str)]| {
        let mut cmd = Map::new();
        for (k, v) in pairs {
            cmd.insert((*k).into(), (*v).into());
        }
        let p = cmd["prefix"].as_str().unwrap_or("").to_string();
        execute(&p, &cmd, &src)
    };
    let o = run(&[
        ("prefix", "config show"),
        ("who", "osd.0"),
        ("key", "osd_max_backfills"),
    ]);
    assert_eq!(o.outb, b"3\n");
    let o = run(&[("prefix", "config show"), ("who", "osd.0")]);
    let t = String::from_utf8_lossy(&o.outb).to_string();
    assert!(t.starts_with("NAME ") && t.contains("default[1]"), "{}", t);
    let o = run(&[("prefix", "device ls")]);
    let t = String::from_utf8_lossy(&o.outb).to_string();
    assert!(t.contains("VENDOR_X_123  h1:sda    osd.0"), "{}", t);
    let o = run(&[("prefix", "device ls-by-daemon"), ("who", "osd.0")]);
    assert!(String::from_utf8_lossy(&o.outb).contains("VENDOR_X_123"));
    let o = run(&[
        ("prefix", "device set-life-expectancy"),
        ("devid", "VENDOR_X_123"),
        ("from", "2030-01-01"),
    ]);
    assert_eq!(o.effects.len(), 1);
}

/// `pg getmap` hands back the core's binary PGMap with its version in outs.
#[test]
fn pg_getmap_from_binary_source() {
    struct Bin;
    impl Source for Bin {
        fn get(&self, _name: &str) -> Option<Arc<Value>> {
            None
        }
        fn binary(&self, name: &str) -> Option<Vec<u8>> {
            (name == "pgmap").then(|| {
                let mut b = vec![8u8, 8, 12, 0, 0, 0];
                b.extend_from_slice(&371u64.to_le_bytes());
                b.extend_from_slice(&[0, 0, 0, 0]);
                b
            })
        }
    }
    let cmd = Map::new();
    let o = execute("pg getmap", &cmd, &Bin);
    assert_eq!(o.rc, 0);
    assert_eq!(o.outs, "got pgmap version 371");
    assert_eq!(o.outb.len(), 18);
    let none = execute(
        "pg getmap",
        &cmd,
        &Inputs {
            v: Map::new(),
            now: 0.0,
        },
    );
    assert_eq!(none.rc, -95);
}

/// `pg dump` answers again from memory only for the very same snapshots and command: a
/// new `get('pg_dump')` (the next stats period) or another format renders anew.
#[test]
fn pg_dump_is_remembered_only_for_the_same_snapshot() {
    struct Held(
        std::sync::Mutex<Map<String, Value>>,
        std::sync::Mutex<std::collections::HashMap<String, Arc<Value>>>,
    );
    impl Source for Held {
        fn get(&self, name: &str) -> Option<Arc<Value>> {
            // One Arc per name until the test replaces it, as the core hands them out.
            let mut held = self.1.lock().unwrap();
            if let Some(a) = held.get(name) {
                return Some(a.clone());
            }
            let a = Arc::new(self.0.lock().unwrap().get(name)?.clone());
            held.insert(name.to_string(), a.clone());
            Some(a)
        }
    }
    let (inputs, _) = load(".");
    let src = Held(std::sync::Mutex::new(inputs.v), Default::default());
    let cmd = |fmt: &str| -> Map<String, Value> {
        serde_json::from_value(serde_json::json!({"prefix": "pg dump", "format": fmt})).unwrap()
    };
    let first = execute("pg dump", &cmd("json"), &src);
    assert_eq!(first.rc, 0, "{first:?}");
    assert_eq!(execute("pg dump", &cmd("json"), &src), first);
    let plain = execute("pg dump", &cmd("plain"), &src);
    assert_ne!(
        plain.outb, first.outb,
        "another format is rendered, not remembered"
    );
    // The next stats period: a new snapshot with another version.
    {
        let mut v = src.0.lock().unwrap();
        let d = v.get_mut("pg_dump").unwrap();
        d["version"] = Value::from(d["version"].as_u64().unwrap_or(0) + 1);
        src.1.lock().unwrap().remove("pg_dump");
    }
    let next = execute("pg dump", &cmd("json"), &src);
    assert_ne!(next.outb, first.outb, "a new snapshot is rendered anew");
    let v: Value = serde_json::from_slice(&next.outb).unwrap();
    let want = src.0.lock().unwrap()["pg_dump"]["version"].clone();
    assert_eq!(v["pg_map"]["version"], want);
}
