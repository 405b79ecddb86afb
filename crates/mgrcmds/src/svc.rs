//! `service dump|status`, `config show[-with-defaults]`, `device …`.

use crate::util::{arr, s, TextTable};
use crate::{Ctx, Effect, Fmt, Outcome, EINVAL, ENOENT};
use serde_json::{json, Map, Value};

pub(crate) fn handle(prefix: &str, ctx: &Ctx) -> Option<Outcome> {
    Some(match prefix {
        "service dump" => {
            let fmt = Fmt::from_cmd(ctx.cmd, Fmt::JsonPretty);
            let fmt = if fmt == Fmt::Plain {
                Fmt::JsonPretty
            } else {
                fmt
            };
            let sm = ctx.get("service_map");
            let tmpl = json!({"epoch": null, "modified": null, "services": null});
            Outcome::new(0, fmt.dump(&crate::util::reorder(&sm, &tmpl)), "")
        }
        "service status" => {
            let fmt = Fmt::from_cmd(ctx.cmd, Fmt::JsonPretty);
            let fmt = if fmt == Fmt::Plain {
                Fmt::JsonPretty
            } else {
                fmt
            };
            // DaemonServer reports each service daemon's last status report (the daemon
            // state); without it, the service map's daemons with an empty status
            let sm = ctx.get("service_map");
            let mut out = Map::new();
            if let Some(svcs) = sm.get("services").and_then(Value::as_object) {
                for (name, svc) in svcs {
                    let mut dm = Map::new();
                    if let Some(ds) = svc.get("daemons").and_then(Value::as_object) {
                        for (d, info) in ds {
                            if d == "summary" {
                                continue;
                            }
                            let st = ctx.src.get(&format!("daemon_status {}.{}", name, d));
                            dm.insert(d.clone(), json!({
                                "status_stamp": info.get("start_stamp").cloned().unwrap_or(Value::Null),
                                "last_beacon": info.get("start_stamp").cloned().unwrap_or(Value::Null),
                                "status": st.map(|x| (*x).clone()).unwrap_or(json!({})),
                            }));
                        }
                    }
                    out.insert(name.clone(), Value::Object(dm));
                }
            }
            Outcome::new(0, fmt.dump(&Value::Object(out)), "")
        }
        "config show" | "config show-with-defaults" => config_show(prefix, ctx),
        "device ls" => device_ls(ctx),
        "device info" => device_info(ctx),
        "device ls-by-daemon" => device_ls_by_daemon(ctx),
        "device ls-by-host" => device_ls_by_host(ctx),
        "device set-life-expectancy" => {
            let devid = ctx.str_arg("devid").unwrap_or_default();
            let from = ctx.str_arg("from").unwrap_or_default();
            let to = ctx.str_arg("to").unwrap_or_default();
            let mut o = Outcome::new(0, Vec::new(), "");
            o.effects
                .push(Effect::SetDeviceLifeExpectancy { devid, from, to });
            o
        }
        "device rm-life-expectancy" => {
            let devid = ctx.str_arg("devid").unwrap_or_default();
            let mut o = Outcome::new(0, Vec::new(), "");
            o.effects.push(Effect::RmDeviceLifeExpectancy { devid });
            o
        }
        _ => return None,
    })
}

fn config_show(prefix: &str, ctx: &Ctx) -> Outcome {
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let who = ctx.str_arg("who").unwrap_or_default();
    let Some((ty, id)) = who
        .split_once('.')
        .filter(|(t, i)| !t.is_empty() && !i.is_empty())
    else {
        return Outcome::err(EINVAL, "invalid daemon name: use <type>.<id>");
    };
    let _ = (ty, id);
    let Some(dc) = ctx.src.get(&format!("daemon_config {}", who)) else {
        return Outcome::err(ENOENT, format!("no config state for daemon {}", who));
    };
    let config = dc
        .get("config")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let ignored = dc
        .get("ignored_mon_config")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let with_defaults = prefix == "config show-with-defaults";
    let mut names: Vec<String> = config.keys().cloned().collect();
    let defaults = dc
        .get("defaults")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if with_defaults {
        names.extend(defaults.keys().cloned());
    }
    names.sort();
    names.dedup();
    if let Some(key) = ctx.str_arg("key") {
        if let Some(srcs) = config.get(&key).and_then(Value::as_object) {
            let v = srcs
                .values()
                .next_back()
                .and_then(Value::as_str)
                .unwrap_or("");
            return Outcome::new(0, format!("{}\n", v), "");
        }
        if let Some(v) = defaults.get(&key) {
            return Outcome::new(0, format!("{}\n", v.as_str().unwrap_or("")), "");
        }
        return Outcome::err(ENOENT, "");
    }
    let mut rows = Vec::new();
    for n in &names {
        let (value, source, overrides) = match config.get(n).and_then(Value::as_object) {
            Some(srcs) => {
                let last = srcs.iter().next_back();
                let ov: Vec<(String, String)> = srcs
                    .iter()
                    .take(srcs.len().saturating_sub(1))
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect();
                (
                    last.and_then(|x| x.1.as_str()).unwrap_or("").to_string(),
                    last.map(|x| x.0.clone()).unwrap_or_default(),
                    ov,
                )
            }
            None => (
                defaults
                    .get(n)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                "default".to_string(),
                vec![],
            ),
        };
        rows.push((n.clone(), value, source, overrides, ignored.get(n).cloned()));
    }
    if fmt.is_json() {
        let l: Vec<Value> = rows
            .iter()
            .map(|(n, v, s, ov, ig)| {
                let mut m = Map::new();
                m.insert("name".into(), json!(n));
                m.insert("value".into(), json!(v));
                m.insert("source".into(), json!(s));
                if !ov.is_empty() {
                    m.insert(
                        "overrides".into(),
                        Value::Array(
                            ov.iter()
                                .map(|(s, v)| json!({"source": s, "value": v}))
                                .collect(),
                        ),
                    );
                }
                if let Some(ig) = ig {
                    m.insert("ignores".into(), json!([{"source": "mon", "value": ig}]));
                }
                Value::Object(m)
            })
            .collect();
        return Outcome::new(0, fmt.dump(&Value::Array(l)), "");
    }
    let mut tab = TextTable::new();
    for h in ["NAME", "VALUE", "SOURCE", "OVERRIDES", "IGNORES"] {
        tab.lcol(h);
    }
    for (n, v, s, ov, ig) in rows {
        let ovs: Vec<String> = ov.iter().map(|(s, v)| format!("{}[{}]", s, v)).collect();
        let igs = ig
            .map(|x| format!("mon[{}]", x.as_str().unwrap_or("")))
            .unwrap_or_default();
        tab.row(vec![n, v, s, ovs.join(","), igs]);
    }
    Outcome::new(0, tab.render(), "")
}

fn devices(ctx: &Ctx) -> Vec<Value> {
    let d = ctx.get("devices");
    arr(&d, "devices").to_vec()
}

fn life_expectancy(d: &Value) -> String {
    let min = s(d, "life_expectancy_min");
    let max = s(d, "life_expectancy_max");
    if min.is_empty() && max.is_empty() {
        return String::new();
    }
    if min == max || max.is_empty() {
        return format!(">{}", &min[..min.len().min(10)]);
    }
    format!(
        "{} to {}",
        &min[..min.len().min(10)],
        &max[..max.len().min(10)]
    )
}

fn locations(d: &Value) -> Vec<String> {
    arr(d, "location")
        .iter()
        .map(|l| format!("{}:{}", s(l, "host"), s(l, "dev")))
        .collect()
}

fn daemons(d: &Value) -> Vec<String> {
    arr(d, "daemons")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn device_ls(ctx: &Ctx) -> Outcome {
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let devs = devices(ctx);
    if fmt.is_json() {
        return Outcome::new(0, fmt.dump(&Value::Array(devs)), "");
    }
    let mut tab = TextTable::new();
    for h in ["DEVICE", "HOST:DEV", "DAEMONS", "WEAR", "LIFE EXPECTANCY"] {
        tab.lcol(h);
    }
    for d in &devs {
        let wear = d
            .get("wear_level")
            .and_then(Value::as_f64)
            .map(|w| format!("{}%", (w * 100.0).round() as i64))
            .unwrap_or_default();
        tab.row(vec![
            s(d, "devid").into(),
            locations(d).join(" "),
            daemons(d).join(" "),
            wear,
            life_expectancy(d),
        ]);
    }
    Outcome::new(0, tab.render(), "")
}

fn device_info(ctx: &Ctx) -> Outcome {
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let devid = ctx.str_arg("devid").unwrap_or_default();
    let devs = devices(ctx);
    let Some(d) = devs.iter().find(|d| s(d, "devid") == devid) else {
        return Outcome::err(ENOENT, format!("device {} not found", devid));
    };
    if fmt.is_json() {
        return Outcome::new(0, fmt.dump(d), "");
    }
    let mut out = format!("device {}\n", devid);
    for l in arr(d, "location") {
        out.push_str(&format!("attachment {}:{}\n", s(l, "host"), s(l, "dev")));
    }
    for dm in daemons(d) {
        out.push_str(&format!("daemon {}\n", dm));
    }
    let le = life_expectancy(d);
    if !le.is_empty() {
        out.push_str(&format!("expected failure {}\n", le));
    }
    Outcome::new(0, out, "")
}

fn device_ls_by_daemon(ctx: &Ctx) -> Outcome {
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let who = ctx.str_arg("who").unwrap_or_default();
    let Some((ty, id)) = who
        .split_once('.')
        .filter(|(t, i)| !t.is_empty() && !i.is_empty())
    else {
        return Outcome::err(
            EINVAL,
            format!(
                "{} is not a valid daemon nameNo handler found for 'device ls-by-daemon'",
                who
            ),
        );
    };
    let meta = ctx.get(&format!("{}_metadata", ty));
    if meta.get(id).is_none() {
        return Outcome::err(ENOENT, format!("daemon {} not found", who));
    }
    let devs: Vec<Value> = devices(ctx)
        .into_iter()
        .filter(|d| daemons(d).contains(&who))
        .collect();
    if fmt.is_json() {
        return Outcome::new(0, fmt.dump(&Value::Array(devs)), "");
    }
    let mut tab = TextTable::new();
    for h in ["DEVICE", "HOST:DEV", "EXPECTED FAILURE"] {
        tab.lcol(h);
    }
    for d in &devs {
        tab.row(vec![
            s(d, "devid").into(),
            locations(d).join(" "),
            life_expectancy(d),
        ]);
    }
    Outcome::new(0, tab.render(), "")
}

fn device_ls_by_host(ctx: &Ctx) -> Outcome {
    let fmt = Fmt::from_cmd(ctx.cmd, Fmt::Plain);
    let host = ctx.str_arg("host").unwrap_or_default();
    let devs: Vec<Value> = devices(ctx)
        .into_iter()
        .filter(|d| arr(d, "location").iter().any(|l| s(l, "host") == host))
        .collect();
    if fmt.is_json() {
        return Outcome::new(0, fmt.dump(&Value::Array(devs)), "");
    }
    let mut tab = TextTable::new();
    for h in ["DEVICE", "DEV", "DAEMONS", "EXPECTED FAILURE"] {
        tab.lcol(h);
    }
    for d in &devs {
        let devs: Vec<String> = arr(d, "location")
            .iter()
            .filter(|l| s(l, "host") == host)
            .map(|l| s(l, "dev").to_string())
            .collect();
        tab.row(vec![
            s(d, "devid").into(),
            devs.join(" "),
            daemons(d).join(" "),
            life_expectancy(d),
        ]);
    }
    Outcome::new(0, tab.render(), "")
}
