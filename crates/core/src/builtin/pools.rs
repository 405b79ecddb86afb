//! `osd pool ls|create|application enable` on the standalone cluster state. On a cluster
//! the mons own pools; standalone, rmgr answers the few pool commands modules send
//! themselves (devicehealth creates its pool, for instance) by editing the state's
//! `osd_map`, which fires `osd_map` like a new epoch would.

use crate::daemon::Core;
use crate::errno;
use crate::format::{to_json_bytes, Format};
use crate::reply::{arg_flag, arg_str, require_str, CmdMap, CommandReply};
use serde_json::{json, Value};

fn osd_map(core: &Core) -> Value {
    core.get_data("osd_map")
        .map(|s| s.value.as_ref().clone())
        .unwrap_or_else(|| json!({}))
}

fn pools(map: &Value) -> Vec<Value> {
    map.get("pools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn publish(core: &Core, mut map: Value) -> Result<(), CommandReply> {
    let epoch = map.get("epoch").and_then(Value::as_u64).unwrap_or(0) + 1;
    map["epoch"] = json!(epoch);
    core.set_cluster_data("osd_map", map)
        .map(|_| ())
        .map_err(|e| CommandReply::err(errno::EIO, e.to_string()))
}

pub(super) fn ls(core: &Core, cmd: &CmdMap) -> CommandReply {
    let map = osd_map(core);
    let names: Vec<Value> = pools(&map)
        .iter()
        .filter_map(|p| p.get("pool_name").cloned())
        .collect();
    match Format::from_cmd(cmd, Format::Plain) {
        Format::Plain => {
            let text: String = names
                .iter()
                .filter_map(Value::as_str)
                .map(|n| format!("{n}\n"))
                .collect();
            CommandReply::ok(text)
        }
        f => CommandReply::ok(to_json_bytes(&names, f)),
    }
}

pub(super) fn create(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let name = require_str(cmd, "pool")?;
    if name.is_empty() {
        return Err(CommandReply::err(
            errno::EINVAL,
            "pool name must not be empty",
        ));
    }
    let mut map = osd_map(core);
    let mut list = pools(&map);
    if list
        .iter()
        .any(|p| p.get("pool_name").and_then(Value::as_str) == Some(name))
    {
        return Ok(CommandReply::ok_status(format!(
            "pool '{name}' already exists"
        )));
    }
    let int = |k: &str, d: i64| cmd.get(k).and_then(Value::as_i64).unwrap_or(d);
    let id = map.get("pool_max").and_then(Value::as_i64).unwrap_or(0) + 1;
    let erasure = arg_str(cmd, "pool_type")? == Some("erasure");
    let pg_num = int("pg_num", 32);
    list.push(json!({
        "pool": id,
        "pool_name": name,
        "type": if erasure { 3 } else { 1 },
        "size": int("size", 3),
        "min_size": 2,
        "crush_rule": 0,
        "pg_num": pg_num,
        "pg_placement_num": int("pgp_num", pg_num),
        "pg_num_target": pg_num,
        "pg_placement_num_target": pg_num,
        "pg_autoscale_mode": arg_str(cmd, "autoscale_mode")?.unwrap_or("on"),
        "erasure_code_profile": arg_str(cmd, "erasure_code_profile")?.unwrap_or(""),
        "options": {},
        "application_metadata": {},
    }));
    map["pools"] = Value::Array(list);
    map["pool_max"] = json!(id);
    publish(core, map)?;
    Ok(CommandReply::ok_status(format!("pool '{name}' created")))
}

pub(super) fn application_enable(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let name = require_str(cmd, "pool")?;
    let app = require_str(cmd, "app")?;
    let mut map = osd_map(core);
    let mut list = pools(&map);
    let Some(pool) = list
        .iter_mut()
        .find(|p| p.get("pool_name").and_then(Value::as_str) == Some(name))
    else {
        return Err(CommandReply::err(
            errno::ENOENT,
            format!("unrecognized pool '{name}'"),
        ));
    };
    let apps = pool
        .get("application_metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if apps.contains_key(app) {
        return Ok(CommandReply::ok_status(format!(
            "application '{app}' already enabled on pool '{name}'"
        )));
    }
    if app.is_empty() {
        return Err(CommandReply::err(
            errno::EINVAL,
            "application name must not be empty",
        ));
    }
    if !apps.is_empty() && !arg_flag(cmd, "yes_i_really_mean_it") {
        return Err(CommandReply::err(
            errno::EPERM,
            format!("Are you SURE? Pool '{name}' already has an enabled application; pass --yes-i-really-mean-it to proceed anyway"),
        ));
    }
    let mut apps = apps;
    apps.insert(app.to_string(), json!({}));
    pool["application_metadata"] = Value::Object(apps);
    map["pools"] = Value::Array(list);
    publish(core, map)?;
    Ok(CommandReply::ok_status(format!(
        "enabled application '{app}' on pool '{name}'"
    )))
}
