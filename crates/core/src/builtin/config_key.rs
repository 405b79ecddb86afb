//! `config-key get|set|put|rm|del|exists|ls|list|dump`: the KV store as the mons expose it.
//! Module KV keys live here too, under `mgr/<module>/`.

use crate::daemon::Core;
use crate::errno;
use crate::format::{to_json_bytes, Format};
use crate::reply::{arg_str, require_str, CmdMap, CommandReply};
use serde_json::{Map, Value};

/// Pacific's `mon_config_key_max_entry_size` default.
const MAX_ENTRY_SIZE: usize = 65536;

fn store_err(e: rmgr_store::StoreError) -> CommandReply {
    CommandReply::err(errno::EIO, e.to_string())
}

pub(super) fn get(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let key = require_str(cmd, "key")?;
    match core.shared().store().kv_get(key).map_err(store_err)? {
        Some(v) => Ok(CommandReply::ok(v).with_status(format!("obtained '{key}'"))),
        None => Err(CommandReply::err(
            errno::ENOENT,
            format!("error obtaining '{key}': (2) No such file or directory"),
        )),
    }
}

/// On a cluster the write goes to the mons first (`Shared::kv_write_through`).
pub(super) async fn set(
    core: &Core,
    cmd: &CmdMap,
    inbuf: &[u8],
) -> Result<CommandReply, CommandReply> {
    let key = require_str(cmd, "key")?;
    let val: Vec<u8> = match arg_str(cmd, "val")? {
        Some(v) => v.as_bytes().to_vec(),
        None => inbuf.to_vec(),
    };
    if val.len() > MAX_ENTRY_SIZE {
        return Err(CommandReply::err(
            errno::EFBIG,
            format!("error: entry size limited to {MAX_ENTRY_SIZE} bytes. Use 'mon config key max entry size' to manually adjust"),
        ));
    }
    core.shared().kv_write_through(key, Some(&val)).await?;
    Ok(CommandReply::ok_status(format!("set {key}")))
}

pub(super) async fn rm(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let key = require_str(cmd, "key")?;
    if core.shared().kv_write_through(key, None).await? {
        Ok(CommandReply::ok_status("key deleted"))
    } else {
        Ok(CommandReply::ok_status(format!("no such key '{key}'")))
    }
}

pub(super) fn exists(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let key = require_str(cmd, "key")?;
    if core.shared().store().kv_exists(key).map_err(store_err)? {
        Ok(CommandReply::ok_status(format!("key '{key}' exists")))
    } else {
        Err(CommandReply::err(
            errno::ENOENT,
            format!("key '{key}' doesn't exist"),
        ))
    }
}

pub(super) fn ls(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let keys = core.shared().store().kv_list("").map_err(store_err)?;
    Ok(CommandReply::ok(to_json_bytes(
        &keys,
        Format::from_cmd(cmd, Format::JsonPretty),
    )))
}

pub(super) fn dump(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let prefix = arg_str(cmd, "key")?.unwrap_or("");
    let entries = core.shared().store().kv_dump(prefix).map_err(store_err)?;
    let m: Map<String, Value> = entries
        .into_iter()
        .map(|(k, v)| (k, Value::String(String::from_utf8_lossy(&v).into_owned())))
        .collect();
    Ok(CommandReply::ok(to_json_bytes(
        &Value::Object(m),
        Format::from_cmd(cmd, Format::JsonPretty),
    )))
}
