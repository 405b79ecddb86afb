//! `config set|get|rm|dump|help` for the manager's sections (`global`, `mgr`,
//! `mgr.<id>`), validating like the mons (module_loading.md §5.3; conformance group F).

use crate::daemon::Core;
use crate::errno;
use crate::format::{table, to_json_bytes, Format};
use crate::reply::{arg_flag, arg_str, require_str, CmdMap, CommandReply};
use rmgr_options::daemon_option;
use serde_json::{json, Map, Value};

fn check_who(who: &str) -> Result<(), CommandReply> {
    let ok = who == "global"
        || who == "mgr"
        || who.strip_prefix("mgr.").is_some_and(|id| !id.is_empty());
    if ok {
        Ok(())
    } else {
        Err(CommandReply::err(
            errno::EINVAL,
            format!("unrecognized config target '{who}' (this manager keeps sections global, mgr and mgr.<id>)"),
        ))
    }
}

pub(super) fn set(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let who = require_str(cmd, "who")?;
    let name = require_str(cmd, "name")?;
    let value = require_str(cmd, "value")?;
    check_who(who)?;
    let s = core.shared();
    let stored = if arg_flag(cmd, "force") {
        value.to_string()
    } else {
        s.validate_config(name, value)
            .map_err(|e| CommandReply::err(errno::EINVAL, e))?
            .0
    };
    s.config
        .set(who, name, &stored)
        .map_err(|e| CommandReply::err(errno::EIO, e.to_string()))?;
    tracing::info!(who, name, "config set");
    s.after_config_change(name, true);
    Ok(CommandReply::ok_status(""))
}

pub(super) fn rm(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let who = require_str(cmd, "who")?;
    let name = require_str(cmd, "name")?;
    check_who(who)?;
    let s = core.shared();
    s.config
        .rm(who, name)
        .map_err(|e| CommandReply::err(errno::EIO, e.to_string()))?;
    s.after_config_change(name, true);
    Ok(CommandReply::ok_status(""))
}

/// Level and runtime flag of a name, as `config dump` shows them.
fn describe(core: &Core, name: &str) -> (String, bool) {
    if let Some(rest) = name.strip_prefix("mgr/") {
        let parts: Vec<&str> = rest.split('/').collect();
        if let [m, o] | [m, _, o] = parts.as_slice() {
            if let Some(opt) = core.shared().module_option(m, o) {
                return (
                    opt.level.name().to_string(),
                    opt.flags & rmgr_options::FLAG_RUNTIME != 0,
                );
            }
        }
        return ("unknown".to_string(), false);
    }
    match daemon_option(name) {
        Some(d) => (d.level.name().to_string(), d.runtime),
        None => ("unknown".to_string(), false),
    }
}

/// The declared default of a name, if it is a known option.
fn default_of(core: &Core, name: &str) -> Option<String> {
    if let Some(rest) = name.strip_prefix("mgr/") {
        let parts: Vec<&str> = rest.split('/').collect();
        if let [m, o] | [m, _, o] = parts.as_slice() {
            return core
                .shared()
                .module_option(m, o)
                .map(|o| o.default_value.unwrap_or_default());
        }
        return None;
    }
    daemon_option(name).map(|d| d.default.to_string())
}

fn who_chain(who: &str) -> Vec<String> {
    let mut v = vec![who.to_string()];
    if who.starts_with("mgr.") {
        v.push("mgr".into());
    }
    if who != "global" {
        v.push("global".into());
    }
    v
}

pub(super) fn get(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let who = require_str(cmd, "who")?;
    check_who(who)?;
    let s = core.shared();
    let chain = who_chain(who);
    let fmt = Format::from_cmd(cmd, Format::Plain);
    if let Some(key) = arg_str(cmd, "key")? {
        let found = chain.iter().find_map(|w| s.config.get(w, key));
        let value = match found.or_else(|| default_of(core, key)) {
            Some(v) => v,
            None => {
                return Err(CommandReply::err(
                    errno::ENOENT,
                    format!("unrecognized key '{key}'"),
                ));
            }
        };
        return Ok(match fmt {
            Format::Plain => CommandReply::ok(format!("{value}\n")),
            f => CommandReply::ok(to_json_bytes(&Value::String(value), f)),
        });
    }
    // Without a key: every option set for this entity, nearest section winning.
    let mut seen: Map<String, Value> = Map::new();
    for w in chain.iter().rev() {
        for e in s.config.dump().into_iter().filter(|e| &e.who == w) {
            seen.insert(e.name.clone(), json!({"value": e.value, "section": e.who, "mask": "", "can_update_at_runtime": describe(core, &e.name).1}));
        }
    }
    Ok(match fmt {
        Format::Plain => {
            let rows: Vec<Vec<String>> = seen
                .iter()
                .map(|(n, v)| {
                    vec![
                        v["section"].as_str().unwrap_or("").to_string(),
                        n.clone(),
                        v["value"].as_str().unwrap_or("").to_string(),
                    ]
                })
                .collect();
            CommandReply::ok(table(&["WHO", "OPTION", "VALUE"], &rows))
        }
        f => CommandReply::ok(to_json_bytes(&Value::Object(seen), f)),
    })
}

pub(super) fn dump(core: &Core, cmd: &CmdMap) -> CommandReply {
    let entries = core.shared().config.dump();
    let fmt = Format::from_cmd(cmd, Format::Plain);
    if fmt.is_json() {
        let v: Vec<Value> = entries
            .iter()
            .map(|e| {
                let (level, rt) = describe(core, &e.name);
                json!({"section": e.who, "name": e.name, "value": e.value, "level": level, "can_update_at_runtime": rt, "mask": ""})
            })
            .collect();
        return CommandReply::ok(to_json_bytes(&v, fmt));
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let (level, rt) = describe(core, &e.name);
            vec![
                e.who.clone(),
                String::new(),
                level,
                e.name.clone(),
                e.value.clone(),
                if rt { String::new() } else { "*".into() },
            ]
        })
        .collect();
    CommandReply::ok(table(
        &["WHO", "MASK", "LEVEL", "OPTION", "VALUE", "RO"],
        &rows,
    ))
}

pub(super) fn help(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let key = require_str(cmd, "key")?;
    let fmt = Format::from_cmd(cmd, Format::Plain);
    let v = if let Some(rest) = key.strip_prefix("mgr/") {
        let parts: Vec<&str> = rest.split('/').collect();
        let opt = match parts.as_slice() {
            [m, o] | [m, _, o] => core.shared().module_option(m, o),
            _ => None,
        };
        opt.map(|o| o.help_json(key))
    } else {
        daemon_option(key).map(|d| {
            json!({"name": d.name, "type": d.ty.name(), "level": d.level.name(), "desc": d.desc,
                   "default": d.default, "can_update_at_runtime": d.runtime})
        })
    };
    let Some(v) = v else {
        return Err(CommandReply::err(
            errno::ENOENT,
            format!("Option '{key}' not found"),
        ));
    };
    Ok(match fmt {
        Format::Plain => {
            let mut out = String::new();
            if let Some(o) = v.as_object() {
                out.push_str(&format!(
                    "{}\n",
                    o.get("name").and_then(Value::as_str).unwrap_or(key)
                ));
                for (k, val) in o.iter().filter(|(k, _)| k.as_str() != "name") {
                    let text = match val {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    out.push_str(&format!("  {k}: {text}\n"));
                }
            }
            CommandReply::ok(out)
        }
        f => CommandReply::ok(to_json_bytes(&v, f)),
    })
}
