//! `cluster state ls|get|set|load` and `cluster notify`: the standalone cluster state that
//! `get()` serves, changed by command the way map updates change it on a cluster.

use crate::daemon::Core;
use crate::errno;
use crate::format::{to_json_bytes, Format};
use crate::reply::{require_str, CmdMap, CommandReply};
use serde_json::Value;

fn parse_input(inbuf: &[u8]) -> Result<Value, CommandReply> {
    if inbuf.is_empty() {
        return Err(CommandReply::err(
            errno::EINVAL,
            "no input: give the JSON with -i <file>",
        ));
    }
    serde_json::from_slice(inbuf)
        .map_err(|e| CommandReply::err(errno::EINVAL, format!("input is not JSON: {e}")))
}

pub(super) fn ls(core: &Core, cmd: &CmdMap) -> CommandReply {
    let v = core.shared().cluster.versions();
    CommandReply::ok(to_json_bytes(&v, Format::from_cmd(cmd, Format::JsonPretty)))
}

pub(super) fn get(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let name = require_str(cmd, "name")?;
    match core.get_data(name) {
        Some(s) => Ok(CommandReply::ok(to_json_bytes(
            s.value.as_ref(),
            Format::from_cmd(cmd, Format::JsonPretty),
        ))),
        None => Err(CommandReply::err(
            errno::ENOENT,
            format!("unknown cluster data name '{name}'"),
        )),
    }
}

pub(super) fn set(core: &Core, cmd: &CmdMap, inbuf: &[u8]) -> Result<CommandReply, CommandReply> {
    let name = require_str(cmd, "name")?;
    let value = parse_input(inbuf)?;
    let v = core
        .set_cluster_data(name, value)
        .map_err(|e| CommandReply::err(errno::EINVAL, e.to_string()))?;
    Ok(CommandReply::ok_status(format!(
        "{name} is now version {v}"
    )))
}

pub(super) fn load(core: &Core, inbuf: &[u8]) -> Result<CommandReply, CommandReply> {
    let value = parse_input(inbuf)?;
    let names = core
        .load_cluster_fixture(&value)
        .map_err(|e| CommandReply::err(errno::EINVAL, e.to_string()))?;
    Ok(CommandReply::ok_status(format!(
        "loaded {}",
        names.join(", ")
    )))
}

pub(super) fn notify(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let t = require_str(cmd, "notify_type")?;
    let id = cmd.get("notify_id").and_then(Value::as_str).unwrap_or("");
    core.notify(t, id);
    Ok(CommandReply::ok_status(""))
}
