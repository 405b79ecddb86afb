//! `kvstat`: how much each module keeps in the KV store (the mons' config-key store on a
//! cluster), and the `MGR_KV_USAGE_HIGH` health warning when a module grows past
//! `warn_bytes`. Module KV bloat is a known way to swell a Ceph mon store; this module
//! lets an operator see it coming.

use rmgr_core::format::{table, to_json_bytes, Format};
use rmgr_core::{
    errno, CmdMap, CommandReply, HealthCheck, LogLevel, MgrModule, ModuleCommand, ModuleContext,
    ModuleOption, OptionType, RustModuleSpec, Severity, TypedValue,
};
use std::collections::BTreeMap;
use std::time::Duration;

pub const NAME: &str = "kvstat";

pub fn spec() -> RustModuleSpec {
    RustModuleSpec {
        name: NAME,
        new: || Box::new(KvStat),
    }
}

pub struct KvStat;

fn int_opt(ctx: &ModuleContext, key: &str, dflt: i64) -> i64 {
    match ctx.get_module_option(key) {
        Ok(Some(TypedValue::Int(i))) => i,
        Ok(Some(TypedValue::Float(f))) => f as i64,
        _ => dflt,
    }
}

impl KvStat {
    fn check(&self, ctx: &ModuleContext) -> Result<BTreeMap<String, (u64, u64)>, String> {
        let usage = ctx.kv_usage().map_err(|e| e.to_string())?;
        let limit = u64::try_from(int_opt(ctx, "warn_bytes", 16 << 20)).unwrap_or(0);
        let over: Vec<String> = usage
            .iter()
            .filter(|(_, (_, bytes))| limit > 0 && *bytes > limit)
            .map(|(m, (keys, bytes))| {
                format!("module '{m}' keeps {bytes} bytes in {keys} keys (warn_bytes {limit})")
            })
            .collect();
        let mut checks = BTreeMap::new();
        if !over.is_empty() {
            let summary = if over.len() == 1 {
                "1 mgr module has a large KV store".to_string()
            } else {
                format!("{} mgr modules have large KV stores", over.len())
            };
            checks.insert(
                "MGR_KV_USAGE_HIGH".to_string(),
                HealthCheck {
                    severity: Severity::Warn,
                    summary,
                    count: over.len() as u64,
                    detail: over,
                },
            );
        }
        ctx.set_health_checks(checks);
        Ok(usage)
    }

    fn ls(&self, ctx: &ModuleContext, cmd: &CmdMap) -> CommandReply {
        let usage = match self.check(ctx) {
            Ok(u) => u,
            Err(e) => return CommandReply::err(errno::EIO, e),
        };
        let fmt = Format::from_cmd(cmd, Format::Plain);
        if fmt.is_json() {
            let v: serde_json::Map<String, serde_json::Value> = usage
                .iter()
                .map(|(m, (k, b))| (m.clone(), serde_json::json!({"keys": k, "bytes": b})))
                .collect();
            return CommandReply::ok(to_json_bytes(&v, fmt));
        }
        let rows: Vec<Vec<String>> = usage
            .iter()
            .map(|(m, (k, b))| vec![m.clone(), k.to_string(), b.to_string()])
            .collect();
        CommandReply::ok(table(&["MODULE", "KEYS", "BYTES"], &rows))
    }
}

impl MgrModule for KvStat {
    fn commands(&self) -> Vec<ModuleCommand> {
        vec![ModuleCommand::new(
            "kvstat ls",
            "Show each module's KV store usage (keys, bytes)",
            "r",
        )]
    }

    fn options(&self) -> Vec<ModuleOption> {
        let mut warn = ModuleOption::new("warn_bytes", OptionType::Size);
        warn.default_value = Some("16777216".into());
        warn.desc = "Warn when one module's KV store exceeds this many bytes (0: never)".into();
        let mut interval = ModuleOption::new("interval", OptionType::Secs);
        interval.default_value = Some("60".into());
        interval.min = Some("1".into());
        interval.desc = "How often usage is re-checked".into();
        vec![warn, interval]
    }

    fn serve(&self, ctx: &ModuleContext) -> Result<(), String> {
        loop {
            if let Err(e) = self.check(ctx) {
                ctx.log(LogLevel::Error, &format!("usage check failed: {e}"));
            }
            let secs = int_opt(ctx, "interval", 60).clamp(1, 86400);
            if ctx.wait_stop(Duration::from_secs(secs.unsigned_abs())) {
                return Ok(());
            }
        }
    }

    fn config_notify(&self, ctx: &ModuleContext) {
        if let Err(e) = self.check(ctx) {
            ctx.log(LogLevel::Error, &format!("usage check failed: {e}"));
        }
    }

    fn handle_command(&self, ctx: &ModuleContext, cmd: &CmdMap, _inbuf: &[u8]) -> CommandReply {
        match cmd.get("prefix").and_then(|v| v.as_str()) {
            Some("kvstat ls") => self.ls(ctx, cmd),
            other => CommandReply::err(errno::EINVAL, format!("unknown command {other:?}")),
        }
    }
}
