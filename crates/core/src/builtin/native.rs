//! The manager's own commands (Pacific's `MgrCommands.h`: `pg dump|stat|ls…`, `osd df|perf|
//! pool stats|ok-to-stop|safe-to-destroy…`, `service dump`, `device ls`, …), answered by
//! `rmgr-mgrcmds` from the same data `get()` serves. What they must do elsewhere comes back
//! as effects: mon commands go through the mon link, scrub and force-recovery orders to
//! the OSDs' sessions through the [`EffectLink`] the cluster backend sets, device life
//! expectancy into the `devices` data.

use crate::daemon::Core;
use crate::errno;
use crate::reply::{CmdMap, CommandReply};
use rmgr_mgrcmds::{Effect, Source};
use serde_json::Value;
use std::sync::Arc;

/// Carries out what reaches the daemons (MOSDScrub2, MOSDForceRecovery): set by the
/// cluster backend, which holds the OSDs' sessions. `Err` is Pacific's text for an OSD
/// that is not connected.
pub trait EffectLink: Send + Sync + 'static {
    fn apply(&self, effect: &Effect) -> Result<(), String>;
    /// Binary inputs of the native commands (`pgmap`: the PGMap's full encoding, for
    /// `pg getmap`); `None` when this backend has none.
    fn binary(&self, _name: &str) -> Option<Vec<u8>> {
        None
    }
}

struct CoreSource<'a>(&'a Core);

impl Source for CoreSource<'_> {
    fn get(&self, name: &str) -> Option<Arc<Value>> {
        if let Some(who) = name.strip_prefix("daemon_config ") {
            return daemon_config(self.0, who).map(Arc::new);
        }
        self.0.get_data(name).map(|s| s.value)
    }

    fn option(&self, name: &str) -> Option<String> {
        self.0.shared().daemon_option(name)
    }

    fn binary(&self, name: &str) -> Option<Vec<u8>> {
        self.0.shared().effect_link()?.binary(name)
    }
}

/// `ceph_conf_level_name`: what `config show` prints as a value's SOURCE.
fn conf_level_name(level: i32) -> &'static str {
    match level {
        0 => "default",
        1 => "mon",
        2 => "file",
        3 => "env",
        4 => "cmdline",
        5 => "override",
        6 => "final",
        _ => "???",
    }
}

/// A daemon's reported configuration (MMgrOpen/MMgrReport `config_bl`) in the shape
/// `config show` reads (levels by name, in level order).
fn daemon_config(core: &Core, who: &str) -> Option<Value> {
    let (ty, id) = who.split_once('.')?;
    let idx = core.daemon_state();
    let st = idx.get(&crate::daemon_state::DaemonKey::new(ty, id))?;
    if st.config.is_empty() && st.config_defaults_bl.is_empty() {
        return None;
    }
    let mut config = serde_json::Map::new();
    for (name, by_source) in &st.config {
        let mut m = serde_json::Map::new();
        for (src, v) in by_source {
            m.insert(conf_level_name(*src).to_string(), Value::String(v.clone()));
        }
        config.insert(name.clone(), Value::Object(m));
    }
    let ignored: serde_json::Map<String, Value> = st
        .ignored_mon_config
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let defaults: serde_json::Map<String, Value> =
        rmgr_msgr::messages::mgr_report::decode_config_defaults_bl(&st.config_defaults_bl)
            .map(|m| m.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
            .unwrap_or_default();
    Some(serde_json::json!({
        "config": config,
        "ignored_mon_config": ignored,
        "defaults": defaults,
    }))
}

pub(crate) fn handles(prefix: &str) -> bool {
    rmgr_mgrcmds::handles(prefix)
}

pub(crate) async fn run(core: &Core, prefix: &str, cmd: &CmdMap) -> CommandReply {
    let out = rmgr_mgrcmds::execute(prefix, cmd, &CoreSource(core));
    let mut reply = CommandReply {
        rc: out.rc,
        outb: out.outb,
        outs: out.outs,
    };
    for effect in &out.effects {
        match effect {
            Effect::MonCommand(c) => {
                let r = core.mon_command_json(&c.to_string()).await;
                // `osd destroy|purge`: the mons' answer is the answer; `osd reweight-by-*`
                // prints the mons' output after its own table (DaemonServer does).
                reply.rc = r.rc;
                if c.get("prefix").and_then(Value::as_str) == Some("osd reweightn") {
                    reply.outb.extend_from_slice(&r.outb);
                    reply.outs = r.outs;
                } else if !r.outs.is_empty() {
                    reply.outs = r.outs;
                }
                if r.rc != 0 {
                    return reply;
                }
            }
            Effect::SetDeviceLifeExpectancy { devid, from, to } => {
                let to = if to.is_empty() { from } else { to };
                update_device(core, devid, |d| {
                    d.insert("life_expectancy_min".into(), Value::String(from.clone()));
                    d.insert("life_expectancy_max".into(), Value::String(to.clone()));
                    d.insert("life_expectancy_stamp".into(), Value::String(now_stamp()));
                });
            }
            Effect::RmDeviceLifeExpectancy { devid } => update_device(core, devid, |d| {
                d.remove("life_expectancy_min");
                d.remove("life_expectancy_max");
                d.remove("life_expectancy_stamp");
            }),
            Effect::ScrubPgs { .. } | Effect::ForceRecovery { .. } => {
                let r = match core.shared().effect_link() {
                    Some(l) => l.apply(effect),
                    None => Err(not_connected(effect)),
                };
                if let Err(e) = r {
                    reply.rc = -errno::EAGAIN;
                    reply.outs = e;
                    return reply;
                }
            }
        }
    }
    reply
}

fn not_connected(e: &Effect) -> String {
    match e {
        Effect::ScrubPgs { osd, .. } | Effect::ForceRecovery { osd, .. } => {
            format!("osd.{osd} is not currently connected")
        }
        _ => String::new(),
    }
}

fn now_stamp() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

/// Edits one device of the `devices` data (created when missing).
fn update_device(core: &Core, devid: &str, f: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let mut all = core
        .get_data("devices")
        .map(|s| s.value.as_ref().clone())
        .unwrap_or_else(|| serde_json::json!({"devices": []}));
    let list = all
        .get_mut("devices")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let mut list: Vec<Value> = list;
    let pos = list
        .iter()
        .position(|d| d.get("devid").and_then(Value::as_str) == Some(devid));
    let idx = match pos {
        Some(i) => i,
        None => {
            list.push(serde_json::json!({"devid": devid, "location": [], "daemons": []}));
            list.len() - 1
        }
    };
    if let Some(obj) = list[idx].as_object_mut() {
        f(obj);
    }
    all["devices"] = Value::Array(list);
    if let Err(e) = core.set_cluster_data("devices", all) {
        tracing::warn!("cannot update devices: {e}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn config_levels_print_as_ceph_names_them() {
        let names: Vec<&str> = (0..8).map(super::conf_level_name).collect();
        assert_eq!(
            names,
            ["default", "mon", "file", "env", "cmdline", "override", "final", "???"]
        );
    }
}
