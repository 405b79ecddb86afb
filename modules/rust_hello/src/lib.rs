//! `rust_hello`: the native counterpart of the guide's `hello` example, and the starting
//! point for a Rust module author. It shows a command with an argument, typed options, a
//! command backed by the module's KV store, a `serve` loop that stops promptly, a health
//! check, and logging.

use rmgr_core::{
    errno, CmdMap, CommandReply, HealthCheck, LogLevel, MgrModule, ModuleCommand, ModuleContext,
    ModuleOption, OptionType, RustModuleSpec, Severity, TypedValue,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub const NAME: &str = "rust_hello";

pub fn spec() -> RustModuleSpec {
    RustModuleSpec {
        name: NAME,
        new: || Box::new(RustHello::default()),
    }
}

#[derive(Default)]
pub struct RustHello {
    ticks: AtomicU64,
}

fn str_opt(ctx: &ModuleContext, key: &str) -> String {
    match ctx.get_module_option(key) {
        Ok(Some(TypedValue::Str(s))) => s,
        _ => String::new(),
    }
}

fn float_opt(ctx: &ModuleContext, key: &str, dflt: f64) -> f64 {
    match ctx.get_module_option(key) {
        Ok(Some(TypedValue::Float(f))) => f,
        Ok(Some(TypedValue::Int(i))) => i as f64,
        _ => dflt,
    }
}

impl RustHello {
    fn greet(&self, ctx: &ModuleContext, cmd: &CmdMap) -> CommandReply {
        let who = cmd
            .get("person_name")
            .and_then(|v| v.as_str())
            .unwrap_or("world");
        let greeting = str_opt(ctx, "greeting");
        ctx.log(LogLevel::Info, &format!("greeting {who}"));
        CommandReply::ok(format!("{greeting}, {who}!\n"))
    }

    /// Increments a counter kept in the module's KV store, so it survives restarts.
    fn count(&self, ctx: &ModuleContext) -> CommandReply {
        let current = match ctx.get_store("count") {
            Ok(v) => v.and_then(|s| s.parse::<u64>().ok()).unwrap_or(0),
            Err(e) => return CommandReply::err(errno::EIO, e.to_string()),
        };
        let next = current.saturating_add(1);
        if let Err(e) = ctx.set_store("count", Some(&next.to_string())) {
            return CommandReply::err(errno::EIO, e.to_string());
        }
        CommandReply::ok(format!("{next}\n"))
    }

    fn status(&self, ctx: &ModuleContext) -> CommandReply {
        let last = ctx
            .get_store("last_tick")
            .ok()
            .flatten()
            .unwrap_or_default();
        let v = serde_json::json!({
            "ticks": self.ticks.load(Ordering::Relaxed),
            "last_tick": last,
            "greeting": str_opt(ctx, "greeting"),
            "interval": float_opt(ctx, "interval", 10.0),
        });
        CommandReply::ok(rmgr_core::format::to_json_bytes(
            &v,
            rmgr_core::format::Format::JsonPretty,
        ))
    }

    fn update_health(&self, ctx: &ModuleContext) {
        let mut checks = BTreeMap::new();
        if let Ok(Some(TypedValue::Bool(true))) = ctx.get_module_option("warn") {
            let mut c = HealthCheck::new(Severity::Warn, "rust_hello was asked to warn");
            c.count = 1;
            c.detail = vec!["set mgr/rust_hello/warn to false to clear this".into()];
            checks.insert("RUST_HELLO_WARN".to_string(), c);
        }
        ctx.set_health_checks(checks);
    }
}

impl MgrModule for RustHello {
    fn commands(&self) -> Vec<ModuleCommand> {
        vec![
            ModuleCommand::new(
                "rust_hello greet name=person_name,type=CephString,req=false",
                "Say hello (to <person_name>, or to the world)",
                "r",
            ),
            ModuleCommand::new(
                "rust_hello count",
                "Increment and show a counter kept in the KV store",
                "rw",
            ),
            ModuleCommand::new(
                "rust_hello status",
                "Show the serve loop's progress and the options",
                "r",
            )
            .poll(),
        ]
    }

    fn options(&self) -> Vec<ModuleOption> {
        let mut greeting = ModuleOption::new("greeting", OptionType::Str);
        greeting.default_value = Some("Hello".into());
        greeting.desc = "The word rust_hello greets with".into();
        let mut interval = ModuleOption::new("interval", OptionType::Secs);
        interval.default_value = Some("10".into());
        interval.min = Some("1".into());
        interval.max = Some("3600".into());
        interval.desc = "How often the serve loop ticks".into();
        let mut warn = ModuleOption::new("warn", OptionType::Bool);
        warn.default_value = Some("false".into());
        warn.desc = "Raise the RUST_HELLO_WARN health check".into();
        vec![greeting, interval, warn]
    }

    fn notify_types(&self) -> Vec<String> {
        vec!["osd_map".into(), "health".into()]
    }

    fn serve(&self, ctx: &ModuleContext) -> Result<(), String> {
        ctx.log(LogLevel::Info, "serve starting");
        self.update_health(ctx);
        loop {
            let interval = float_opt(ctx, "interval", 10.0).clamp(1.0, 3600.0);
            if ctx.wait_stop(Duration::from_secs_f64(interval)) {
                break;
            }
            let n = self.ticks.fetch_add(1, Ordering::Relaxed) + 1;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            if let Err(e) = ctx.set_store("last_tick", Some(&now.to_string())) {
                ctx.log(LogLevel::Error, &format!("cannot record tick: {e}"));
            }
            ctx.log(LogLevel::Debug, &format!("tick {n}"));
        }
        ctx.log(LogLevel::Info, "serve stopping");
        Ok(())
    }

    fn notify(&self, ctx: &ModuleContext, notify_type: &str, notify_id: &str) {
        ctx.log(
            LogLevel::Debug,
            &format!("notify {notify_type} {notify_id}"),
        );
    }

    fn config_notify(&self, ctx: &ModuleContext) {
        self.update_health(ctx);
    }

    fn handle_command(&self, ctx: &ModuleContext, cmd: &CmdMap, _inbuf: &[u8]) -> CommandReply {
        match cmd.get("prefix").and_then(|v| v.as_str()) {
            Some("rust_hello greet") => self.greet(ctx, cmd),
            Some("rust_hello count") => self.count(ctx),
            Some("rust_hello status") => self.status(ctx),
            other => CommandReply::err(errno::EINVAL, format!("unknown command {other:?}")),
        }
    }
}
