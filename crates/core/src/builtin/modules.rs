//! `mgr module ls|enable|disable` with the mon's checks and texts (module_loading.md §3.2,
//! §3.3; conformance L1–L7). Enabling or disabling takes effect at once: rmgr starts or
//! stops the module instead of re-executing itself as Pacific does.

use crate::daemon::Core;
use crate::errno;
use crate::format::{to_json_bytes, Format};
use crate::reply::{arg_str, require_str, CmdMap, CommandReply};
use serde_json::{json, Map, Value};

pub(super) fn ls(core: &Core, cmd: &CmdMap) -> CommandReply {
    let s = core.shared();
    let always_on = s.always_on();
    let Ok(t) = s.modules.lock() else {
        return CommandReply::err(errno::EAGAIN, "module table unavailable");
    };
    let enabled: Vec<&String> = t
        .enabled
        .iter()
        .filter(|m| !always_on.contains(*m))
        .collect();
    let disabled: Vec<Value> = t
        .entries
        .iter()
        .filter(|(n, _)| !t.enabled.contains(*n) && !always_on.contains(*n))
        .map(|(n, e)| {
            let opts: Map<String, Value> =
                e.options.iter().map(|o| (o.name.clone(), o.to_json())).collect();
            json!({"name": n, "can_run": e.info.can_run, "error_string": e.info.error_string, "module_options": opts})
        })
        .collect();
    let v = json!({
        "always_on_modules": always_on.iter().collect::<Vec<_>>(),
        "enabled_modules": enabled,
        "disabled_modules": disabled,
    });
    CommandReply::ok(to_json_bytes(&v, Format::from_cmd(cmd, Format::JsonPretty)))
}

pub(super) async fn enable(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let module = require_str(cmd, "module")?;
    let force = arg_str(cmd, "force")? == Some("--force");
    let s = core.shared();
    if module.is_empty() {
        return Err(CommandReply::err(
            errno::EINVAL,
            "module name must not be empty",
        ));
    }
    if s.always_on().contains(module) {
        return Ok(CommandReply::ok_status(format!(
            "module '{module}' is already enabled (always-on)"
        )));
    }
    let (known, can_run, error_string, enabled) = {
        let t = s
            .modules
            .lock()
            .map_err(|_| CommandReply::err(errno::EAGAIN, "module table unavailable"))?;
        match t.entries.get(module) {
            Some(e) => (
                true,
                e.info.can_run,
                e.info.error_string.clone(),
                t.enabled.contains(module),
            ),
            None => (false, false, String::new(), t.enabled.contains(module)),
        }
    };
    if !known && !force {
        return Err(CommandReply::err(
            errno::ENOENT,
            format!("all mgr daemons do not support module '{module}', pass --force to force enablement"),
        ));
    }
    if known && !can_run && !force {
        return Err(CommandReply::err(
            errno::ENOENT,
            format!("module '{module}' reports that it cannot run on the active manager daemon: {error_string} (pass --force to force enablement)"),
        ));
    }
    if enabled {
        return Ok(CommandReply::ok_status(format!(
            "module '{module}' is already enabled"
        )));
    }
    s.set_enabled(module, true)
        .map_err(|e| CommandReply::err(errno::EIO, e))?;
    tracing::info!(module, "module enabled");
    core.reconcile().await;
    Ok(CommandReply::ok_status(""))
}

pub(super) async fn disable(core: &Core, cmd: &CmdMap) -> Result<CommandReply, CommandReply> {
    let module = require_str(cmd, "module")?;
    let s = core.shared();
    if module.is_empty() {
        return Err(CommandReply::err(
            errno::EINVAL,
            "module name must not be empty",
        ));
    }
    if s.always_on().contains(module) {
        return Err(CommandReply::err(
            errno::EINVAL,
            format!("module '{module}' cannot be disabled (always-on)"),
        ));
    }
    let enabled = s
        .modules
        .lock()
        .map(|t| t.enabled.contains(module))
        .unwrap_or(false);
    if !enabled {
        return Ok(CommandReply::ok_status(format!(
            "module '{module}' is already disabled"
        )));
    }
    s.set_enabled(module, false)
        .map_err(|e| CommandReply::err(errno::EIO, e))?;
    tracing::info!(module, "module disabled");
    core.reconcile().await;
    Ok(CommandReply::ok_status(""))
}
