//! Core behaviour through its public surface: dispatch errors (conformance D), module
//! enablement (L), options and config (E, F), KV (G), health (H), containment of a module
//! that panics, fails or hangs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rmgr_core::{
    errno, CmdMap, CommandReply, Core, CoreConfig, HealthCheck, MgrModule, ModuleCommand,
    ModuleContext, ModuleOption, OptionType, RustModuleSpec, RustModules, Severity, TypedValue,
};
use rmgr_store::Store;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// A module exercising the context API from its commands.
struct Probe;

impl MgrModule for Probe {
    fn commands(&self) -> Vec<ModuleCommand> {
        vec![
            ModuleCommand::new("probe echo name=a,type=CephString,req=false", "echo", "r"),
            ModuleCommand::new("probe opt name=key,type=CephString", "get option", "r"),
            ModuleCommand::new(
                "probe setopt name=key,type=CephString name=val,type=CephString",
                "set option",
                "rw",
            ),
            ModuleCommand::new(
                "probe kv name=key,type=CephString name=val,type=CephString,req=false",
                "kv",
                "rw",
            ),
            ModuleCommand::new("probe prefix name=p,type=CephString", "kv prefix", "r"),
            ModuleCommand::new(
                "probe health name=checks,type=CephString",
                "set health",
                "rw",
            ),
            ModuleCommand::new("probe panic", "panics", "r"),
            ModuleCommand::new("probe hang", "never answers in time", "r"),
            ModuleCommand::new("probe notified", "notify count", "r"),
        ]
    }

    fn options(&self) -> Vec<ModuleOption> {
        let mut o_int = ModuleOption::new("o_int", OptionType::Int);
        o_int.default_value = Some("5".into());
        o_int.min = Some("1".into());
        o_int.max = Some("10".into());
        let mut o_str = ModuleOption::new("o_str", OptionType::Str);
        o_str.default_value = Some("abc".into());
        let o_bool = ModuleOption::new("o_bool", OptionType::Bool);
        vec![o_int, o_str, o_bool]
    }

    fn notify_types(&self) -> Vec<String> {
        vec!["osd_map".into()]
    }

    fn notify(&self, ctx: &ModuleContext, t: &str, _id: &str) {
        let n: u64 = ctx
            .get_store("notified")
            .unwrap()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        ctx.set_store("notified", Some(&format!("{}", n + 1)))
            .unwrap();
        ctx.set_store("last_notify", Some(t)).unwrap();
    }

    fn handle_command(&self, ctx: &ModuleContext, cmd: &CmdMap, inbuf: &[u8]) -> CommandReply {
        let s = |k: &str| cmd.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        match cmd.get("prefix").and_then(Value::as_str).unwrap_or("") {
            "probe echo" => CommandReply::ok(
                serde_json::to_vec(&json!({"cmd": cmd, "inbuf": String::from_utf8_lossy(inbuf)}))
                    .unwrap(),
            ),
            "probe opt" => match ctx.get_module_option(&s("key")) {
                Ok(v) => CommandReply::ok(format!("{v:?}")),
                Err(e) => CommandReply::err(errno::EINVAL, e.to_string()),
            },
            "probe setopt" => match ctx.set_module_option(&s("key"), Some(&s("val"))) {
                Ok(()) => CommandReply::ok(""),
                Err(e) => CommandReply::err(errno::EINVAL, e.to_string()),
            },
            "probe kv" => {
                if let Some(v) = cmd.get("val").and_then(Value::as_str) {
                    ctx.set_store(&s("key"), Some(v)).unwrap();
                }
                CommandReply::ok(
                    ctx.get_store(&s("key"))
                        .unwrap()
                        .unwrap_or_else(|| "<none>".into()),
                )
            }
            "probe prefix" => CommandReply::ok(
                serde_json::to_vec(&ctx.get_store_prefix(&s("p")).unwrap()).unwrap(),
            ),
            "probe health" => {
                let v: Value = serde_json::from_str(&s("checks")).unwrap();
                if let Some(c) = rmgr_core::health::checks_from_module_json(&v) {
                    ctx.set_health_checks(c);
                }
                CommandReply::ok("")
            }
            "probe panic" => panic!("deliberate"),
            "probe hang" => {
                std::thread::sleep(Duration::from_secs(3));
                CommandReply::ok("late")
            }
            "probe notified" => {
                CommandReply::ok(ctx.get_store("notified").unwrap().unwrap_or_default())
            }
            p => CommandReply::err(errno::EINVAL, format!("unexpected {p}")),
        }
    }
}

/// A module whose serve loop fails.
struct ServeFails;
impl MgrModule for ServeFails {
    fn commands(&self) -> Vec<ModuleCommand> {
        vec![ModuleCommand::new("cfserve ping", "ping", "r")]
    }
    fn serve(&self, _ctx: &ModuleContext) -> Result<(), String> {
        Err("serve boom".into())
    }
    fn handle_command(&self, _: &ModuleContext, _: &CmdMap, _: &[u8]) -> CommandReply {
        CommandReply::ok("pong")
    }
}

/// A module that cannot run here.
struct CannotRun;
impl MgrModule for CannotRun {
    fn commands(&self) -> Vec<ModuleCommand> {
        vec![ModuleCommand::new("cfcanrun ping", "ping", "r")]
    }
    fn can_run(&self) -> Result<(), String> {
        Err("missing libfoo".into())
    }
    fn handle_command(&self, _: &ModuleContext, _: &CmdMap, _: &[u8]) -> CommandReply {
        CommandReply::ok("pong")
    }
}

/// A module whose serve panics.
struct ServePanics;
impl MgrModule for ServePanics {
    fn commands(&self) -> Vec<ModuleCommand> {
        vec![]
    }
    fn serve(&self, _ctx: &ModuleContext) -> Result<(), String> {
        panic!("serve went wrong")
    }
    fn handle_command(&self, _: &ModuleContext, _: &CmdMap, _: &[u8]) -> CommandReply {
        CommandReply::ok("")
    }
}

struct Daemon {
    core: Core,
    _dir: tempfile::TempDir,
}

async fn daemon_in(dir: tempfile::TempDir) -> Daemon {
    daemon_with(dir, BTreeMap::new()).await
}

async fn daemon_with(dir: tempfile::TempDir, file_options: BTreeMap<String, String>) -> Daemon {
    let store = Arc::new(Store::open(&dir.path().join("rmgr.db")).unwrap());
    let specs = vec![
        RustModuleSpec {
            name: "probe",
            new: || Box::new(Probe),
        },
        RustModuleSpec {
            name: "cfserve",
            new: || Box::new(ServeFails),
        },
        RustModuleSpec {
            name: "cfcanrun",
            new: || Box::new(CannotRun),
        },
        RustModuleSpec {
            name: "cfpanic",
            new: || Box::new(ServePanics),
        },
    ];
    let core = Core::start(CoreConfig {
        mgr_id: "x".into(),
        store,
        providers: vec![Arc::new(RustModules::new(specs))],
        command_timeout: Duration::from_millis(500),
        log_control: None,
        runtime_defaults: Default::default(),
        file_options,
        start_inactive: false,
    })
    .await
    .unwrap();
    Daemon { core, _dir: dir }
}

async fn daemon() -> Daemon {
    daemon_in(tempfile::tempdir().unwrap()).await
}

impl Daemon {
    async fn cmd(&self, v: Value) -> CommandReply {
        self.core.handle_command(&v.to_string(), b"").await
    }
    async fn ok(&self, v: Value) -> String {
        let r = self.cmd(v.clone()).await;
        assert!(r.rc >= 0, "{v} failed: {r:?}");
        String::from_utf8(r.outb).unwrap()
    }
}

fn expect_err(r: &CommandReply, rc: i32, outs: &str) {
    assert_eq!((r.rc, r.outs.as_str()), (-rc, outs), "{r:?}");
}

#[tokio::test]
async fn json_errors_and_unknown_prefixes_d1_to_d7() {
    let d = daemon().await;
    expect_err(
        &d.cmd(json!({"prefix": "no such thing"})).await,
        22,
        "No handler found for 'no such thing'",
    );
    expect_err(
        &d.cmd(json!({"foo": "bar"})).await,
        22,
        "No handler found for ''",
    );
    expect_err(
        &d.core.handle_command("not json", b"").await,
        22,
        "unparseable JSON not json",
    );
    expect_err(
        &d.core.handle_command("[1,2]", b"").await,
        22,
        "not JSON object [1,2]",
    );
    let r = d
        .core
        .handle_command(r#"{"prefix":"probe echo","x":{"a":1}}"#, b"")
        .await;
    assert_eq!(r.rc, -22);
    assert!(r.outs.starts_with("JSON array/object not allowed"), "{r:?}");
    expect_err(
        &d.cmd(json!({"prefix": "probe"})).await,
        22,
        "No handler found for 'probe'",
    );
}

#[tokio::test]
async fn disabled_module_commands_are_enotsup_d8() {
    let d = daemon().await;
    expect_err(
        &d.cmd(json!({"prefix": "probe echo"})).await,
        95,
        "Module 'probe' is not enabled/loaded (required by command 'probe echo'): use `ceph mgr module enable probe` to enable it",
    );
    d.ok(json!({"prefix": "mgr module enable", "module": "probe"}))
        .await;
    let out = d.ok(json!({"prefix": "probe echo", "a": 5})).await;
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["cmd"]["a"], json!(5), "no server-side type check (D6)");
    d.ok(json!({"prefix": "mgr module disable", "module": "probe"}))
        .await;
    assert_eq!(d.cmd(json!({"prefix": "probe echo"})).await.rc, -95);
}

#[tokio::test]
async fn enable_disable_texts_l1_to_l6() {
    let d = daemon().await;
    expect_err(
        &d.cmd(json!({"prefix": "mgr module enable", "module": "nonexist"}))
            .await,
        2,
        "all mgr daemons do not support module 'nonexist', pass --force to force enablement",
    );
    let r = d
        .cmd(json!({"prefix": "mgr module enable", "module": "balancer"}))
        .await;
    assert_eq!(
        (r.rc, r.outs.as_str()),
        (0, "module 'balancer' is already enabled (always-on)")
    );
    expect_err(
        &d.cmd(json!({"prefix": "mgr module disable", "module": "balancer"}))
            .await,
        22,
        "module 'balancer' cannot be disabled (always-on)",
    );
    d.ok(json!({"prefix": "mgr module enable", "module": "probe"}))
        .await;
    let r = d
        .cmd(json!({"prefix": "mgr module enable", "module": "probe"}))
        .await;
    assert_eq!(r.outs, "module 'probe' is already enabled");
    let r = d
        .cmd(json!({"prefix": "mgr module disable", "module": "nonexist"}))
        .await;
    assert_eq!(
        (r.rc, r.outs.as_str()),
        (0, "module 'nonexist' is already disabled")
    );
    expect_err(
        &d.cmd(json!({"prefix": "mgr module enable", "module": "cfcanrun"})).await,
        2,
        "module 'cfcanrun' reports that it cannot run on the active manager daemon: missing libfoo (pass --force to force enablement)",
    );
    let ls: Value = serde_json::from_str(&d.ok(json!({"prefix": "mgr module ls"})).await).unwrap();
    // mgr_initial_modules (restful iostat nfs) are enabled on a fresh store, as on a new cluster (L12).
    assert_eq!(
        ls["enabled_modules"],
        json!(["iostat", "nfs", "probe", "restful"])
    );
    let dis = ls["disabled_modules"].as_array().unwrap();
    let cf = dis.iter().find(|m| m["name"] == "cfcanrun").unwrap();
    assert_eq!(
        (cf["can_run"].clone(), cf["error_string"].clone()),
        (json!(false), json!("missing libfoo"))
    );
    assert_eq!(cf["module_options"]["log_level"]["type"], "str");
}

#[tokio::test]
async fn failed_modules_raise_health_and_eio_l8_d10_d11() {
    let d = daemon().await;
    d.ok(json!({"prefix": "mgr module enable", "module": "cfcanrun", "force": "--force"}))
        .await;
    d.ok(json!({"prefix": "mgr module enable", "module": "cfserve"}))
        .await;
    d.ok(json!({"prefix": "mgr module enable", "module": "cfpanic"}))
        .await;
    // serve fails on its own thread; give it a moment.
    for _ in 0..50 {
        if d.core
            .health()
            .checks
            .get("MGR_MODULE_ERROR")
            .is_some_and(|c| c.count == 2)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let h = d.core.health();
    let dep = &h.checks["MGR_MODULE_DEPENDENCY"];
    assert_eq!(
        (dep.severity, dep.summary.as_str()),
        (
            Severity::Warn,
            "Module 'cfcanrun' has failed dependency: missing libfoo"
        )
    );
    let err = &h.checks["MGR_MODULE_ERROR"];
    assert_eq!(
        (err.severity, err.summary.as_str()),
        (Severity::Err, "2 mgr modules have failed")
    );
    assert!(
        err.detail
            .contains(&"Module 'cfserve' has failed: serve boom".to_string()),
        "{err:?}"
    );
    assert!(err.detail.iter().any(|l| l.starts_with("Module 'cfpanic' has failed: serve panicked: serve went wrong")), "{err:?}");
    expect_err(
        &d.cmd(json!({"prefix": "cfserve ping"})).await,
        5,
        "Module 'cfserve' has experienced an error and cannot handle commands: serve boom",
    );
    expect_err(
        &d.cmd(json!({"prefix": "cfcanrun ping"})).await,
        5,
        "Module 'cfcanrun' has experienced an error and cannot handle commands: missing libfoo",
    );
    let text = String::from_utf8(
        d.cmd(json!({"prefix": "health", "detail": "detail"}))
            .await
            .outb,
    )
    .unwrap();
    assert!(text.starts_with("HEALTH_ERR "), "{text}");
    assert!(text.contains("[WRN] MGR_MODULE_DEPENDENCY: Module 'cfcanrun' has failed dependency: missing libfoo\n"), "{text}");
    // Disabling clears the checks.
    for m in ["cfcanrun", "cfserve", "cfpanic"] {
        d.ok(json!({"prefix": "mgr module disable", "module": m}))
            .await;
    }
    assert_eq!(d.core.health().status(), Severity::Ok);
}

#[tokio::test]
async fn a_panicking_or_hanging_command_does_not_hurt_the_daemon() {
    let d = daemon().await;
    d.ok(json!({"prefix": "mgr module enable", "module": "probe"}))
        .await;
    let r = d.cmd(json!({"prefix": "probe panic"})).await;
    assert_eq!(r.rc, -22);
    assert!(
        r.outs.contains("panicked") && r.outs.contains("deliberate"),
        "{r:?}"
    );
    let r = d.cmd(json!({"prefix": "probe hang"})).await;
    assert_eq!(r.rc, -110, "{r:?}");
    assert!(r.outs.contains("timed out"), "{r:?}");
    assert_eq!(
        d.ok(json!({"prefix": "probe kv", "key": "k", "val": "v"}))
            .await,
        "v"
    );
}

#[tokio::test]
async fn module_options_e_and_mon_validation_f() {
    let d = daemon().await;
    d.ok(json!({"prefix": "mgr module enable", "module": "probe"}))
        .await;
    assert_eq!(
        d.ok(json!({"prefix": "probe opt", "key": "o_int"})).await,
        "Some(Int(5))"
    );
    assert_eq!(
        d.ok(json!({"prefix": "probe opt", "key": "o_bool"})).await,
        "None"
    );
    expect_err(
        &d.cmd(json!({"prefix": "probe opt", "key": "nope"})).await,
        22,
        "Config option 'nope' is not in Module.MODULE_OPTIONS",
    );
    expect_err(
        &d.cmd(
            json!({"prefix": "config set", "who": "mgr", "name": "mgr/probe/o_int", "value": "11"}),
        )
        .await,
        22,
        "error parsing value: Value '11' exceeds maximum 10",
    );
    expect_err(
        &d.cmd(json!({"prefix": "config set", "who": "mgr", "name": "mgr/probe/o_int", "value": "abc"})).await,
        22,
        "error parsing value: strict_si_cast: unit prefix not recognized",
    );
    expect_err(
        &d.cmd(
            json!({"prefix": "config set", "who": "mgr", "name": "mgr/probe/nope", "value": "1"}),
        )
        .await,
        22,
        "unrecognized config option 'mgr/probe/nope'",
    );
    expect_err(
        &d.cmd(
            json!({"prefix": "config set", "who": "mgr", "name": "mgr/nomodule/opt", "value": "1"}),
        )
        .await,
        22,
        "unrecognized config option 'mgr/nomodule/opt'",
    );
    d.ok(json!({"prefix": "config set", "who": "mgr", "name": "mgr/probe/nope", "value": "1", "force": true})).await;
    d.ok(json!({"prefix": "config set", "who": "mgr", "name": "mgr/probe/o_int", "value": "7"}))
        .await;
    assert_eq!(
        d.ok(json!({"prefix": "probe opt", "key": "o_int"})).await,
        "Some(Int(7))"
    );
    // Localized (F7) and the module's own write path, validated the same way.
    d.ok(json!({"prefix": "config set", "who": "mgr", "name": "mgr/probe/x/o_int", "value": "4"}))
        .await;
    expect_err(
        &d.cmd(json!({"prefix": "probe setopt", "key": "o_int", "val": "0"}))
            .await,
        22,
        "error parsing value: Value '0' is below minimum 1",
    );
    d.ok(json!({"prefix": "probe setopt", "key": "o_bool", "val": "TRUE"}))
        .await;
    assert_eq!(
        d.ok(json!({"prefix": "config get", "who": "mgr", "key": "mgr/probe/o_bool"}))
            .await,
        "true\n"
    );
    // config rm reverts to the default (F13).
    d.ok(json!({"prefix": "config rm", "who": "mgr", "name": "mgr/probe/o_int"}))
        .await;
    assert_eq!(
        d.ok(json!({"prefix": "config get", "who": "mgr", "key": "mgr/probe/o_int"}))
            .await,
        "5\n"
    );
    let dump: Value = serde_json::from_str(
        &d.ok(json!({"prefix": "config dump", "format": "json"}))
            .await,
    )
    .unwrap();
    let forced = dump
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "mgr/probe/nope")
        .unwrap();
    assert_eq!(forced["level"], "unknown");
    expect_err(
        &d.cmd(json!({"prefix": "config set", "who": "osd.3", "name": "debug_mgr", "value": "1"}))
            .await,
        22,
        "unrecognized config target 'osd.3' (this manager keeps sections global, mgr and mgr.<id>)",
    );
    d.ok(json!({"prefix": "config set", "who": "mgr.x", "name": "debug_mgr", "value": "20/20"}))
        .await;
}

#[tokio::test]
async fn kv_store_g_and_config_key() {
    let d = daemon().await;
    d.ok(json!({"prefix": "mgr module enable", "module": "probe"}))
        .await;
    d.ok(json!({"prefix": "probe kv", "key": "k1", "val": "v1"}))
        .await;
    d.ok(json!({"prefix": "probe kv", "key": "k1/sub", "val": "v2"}))
        .await;
    d.ok(json!({"prefix": "probe kv", "key": "other", "val": "v3"}))
        .await;
    let p: Value =
        serde_json::from_str(&d.ok(json!({"prefix": "probe prefix", "p": "k"})).await).unwrap();
    assert_eq!(p, json!({"k1": "v1", "k1/sub": "v2"}));
    // The same keys through config-key, as an operator sees them.
    let r = d
        .cmd(json!({"prefix": "config-key get", "key": "mgr/probe/k1"}))
        .await;
    assert_eq!(
        (r.rc, r.outb.as_slice(), r.outs.as_str()),
        (0, b"v1".as_slice(), "obtained 'mgr/probe/k1'")
    );
    let r = d
        .core
        .handle_command(
            &json!({"prefix": "config-key set", "key": "mgr/probe/ext"}).to_string(),
            b"from inbuf",
        )
        .await;
    assert_eq!((r.rc, r.outs.as_str()), (0, "set mgr/probe/ext"));
    assert_eq!(
        d.ok(json!({"prefix": "probe kv", "key": "ext"})).await,
        "from inbuf"
    );
    expect_err(
        &d.cmd(json!({"prefix": "config-key exists", "key": "nope"}))
            .await,
        2,
        "key 'nope' doesn't exist",
    );
    expect_err(
        &d.cmd(json!({"prefix": "config-key get", "key": "nope"}))
            .await,
        2,
        "error obtaining 'nope': (2) No such file or directory",
    );
    assert_eq!(
        d.cmd(json!({"prefix": "config-key rm", "key": "mgr/probe/ext"}))
            .await
            .outs,
        "key deleted"
    );
    assert_eq!(
        d.cmd(json!({"prefix": "config-key rm", "key": "mgr/probe/ext"}))
            .await
            .outs,
        "no such key 'mgr/probe/ext'"
    );
    let ls: Value = serde_json::from_str(&d.ok(json!({"prefix": "config-key ls"})).await).unwrap();
    assert!(ls.as_array().unwrap().contains(&json!("mgr/probe/k1")));
    let dump: Value = serde_json::from_str(
        &d.ok(json!({"prefix": "config-key dump", "key": "mgr/probe/k1"}))
            .await,
    )
    .unwrap();
    assert_eq!(
        dump,
        json!({"mgr/probe/k1": "v1", "mgr/probe/k1/sub": "v2"})
    );
    let big = "x".repeat(70000);
    let r = d
        .cmd(json!({"prefix": "config-key set", "key": "big", "val": big}))
        .await;
    assert_eq!(r.rc, -27, "{r:?}");
    expect_err(
        &d.cmd(json!({"prefix": "config-key get", "key": "big"}))
            .await,
        2,
        "error obtaining 'big': (2) No such file or directory",
    );
}

#[tokio::test]
async fn module_health_checks_replace_h5_h6() {
    let d = daemon().await;
    d.ok(json!({"prefix": "mgr module enable", "module": "probe"}))
        .await;
    let checks = json!({"CONFTEST_A": {"severity": "warning", "summary": "a is bad", "count": 3, "detail": ["d1", "d2"]},
                        "CONFTEST_B": {"severity": "error", "summary": "b is worse", "detail": []}});
    d.ok(json!({"prefix": "probe health", "checks": checks.to_string()}))
        .await;
    let h: Value = serde_json::from_str(
        &d.ok(json!({"prefix": "health", "detail": "detail", "format": "json"}))
            .await,
    )
    .unwrap();
    assert_eq!(h["status"], "HEALTH_ERR");
    assert_eq!(
        h["checks"]["CONFTEST_A"]["detail"],
        json!([{"message": "d1"}, {"message": "d2"}])
    );
    d.ok(json!({"prefix": "probe health", "checks": json!({"CONFTEST_A": {"severity": "warning", "summary": "only a"}}).to_string()})).await;
    let h = d.core.health();
    assert_eq!(h.checks.keys().collect::<Vec<_>>(), vec!["CONFTEST_A"]);
    d.ok(json!({"prefix": "probe health", "checks": "{}"}))
        .await;
    assert!(d.core.health().checks.is_empty());
    let _ = HealthCheck::new(Severity::Ok, "");
}

#[tokio::test]
async fn notify_reaches_subscribed_modules_only() {
    let d = daemon().await;
    d.ok(json!({"prefix": "mgr module enable", "module": "probe"}))
        .await;
    d.core.notify("osd_map", "");
    d.core.notify("fs_map", "");
    d.core.notify("osd_map", "");
    for _ in 0..100 {
        if d.ok(json!({"prefix": "probe notified"})).await == "2" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(d.ok(json!({"prefix": "probe notified"})).await, "2");
    assert_eq!(
        d.ok(json!({"prefix": "probe kv", "key": "last_notify"}))
            .await,
        "osd_map"
    );
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let start = |path: std::path::PathBuf| async move {
        let store = Arc::new(Store::open(&path.join("rmgr.db")).unwrap());
        let specs = vec![RustModuleSpec {
            name: "probe",
            new: || Box::new(Probe),
        }];
        Core::start(CoreConfig {
            mgr_id: "x".into(),
            store,
            providers: vec![Arc::new(RustModules::new(specs))],
            command_timeout: Duration::from_secs(5),
            log_control: None,
            runtime_defaults: Default::default(),
            file_options: Default::default(),
            start_inactive: false,
        })
        .await
        .unwrap()
    };
    let run = |core: Core, v: Value| async move { core.handle_command(&v.to_string(), b"").await };
    let first = start(dir.path().to_path_buf()).await;
    assert_eq!(
        run(
            first.clone(),
            json!({"prefix": "mgr module enable", "module": "probe"})
        )
        .await
        .rc,
        0
    );
    assert_eq!(run(first.clone(), json!({"prefix": "config set", "who": "mgr", "name": "mgr/probe/o_str", "value": "kept"})).await.rc, 0);
    assert_eq!(
        run(
            first.clone(),
            json!({"prefix": "probe kv", "key": "k", "val": "v"})
        )
        .await
        .rc,
        0
    );
    first.shutdown().await;
    drop(first);

    let second = start(dir.path().to_path_buf()).await;
    let r = run(second.clone(), json!({"prefix": "probe kv", "key": "k"})).await;
    assert_eq!(r.outb, b"v", "module re-enabled and its KV kept: {r:?}");
    let r = run(
        second.clone(),
        json!({"prefix": "probe opt", "key": "o_str"}),
    )
    .await;
    assert_eq!(
        String::from_utf8(r.outb).unwrap(),
        format!("{:?}", Some(TypedValue::Str("kept".into())))
    );
    second.shutdown().await;
}

#[tokio::test]
async fn descriptions_list_modules_first_then_builtins() {
    let d = daemon().await;
    let out = d.ok(json!({"prefix": "get_command_descriptions"})).await;
    let v: Value = serde_json::from_str(&out).unwrap();
    let obj = v.as_object().unwrap();
    let first = &obj["cmd000"];
    assert_eq!(first["sig"][0], "cfcanrun");
    assert_eq!(first["flags"], 8);
    assert!(obj
        .values()
        .any(|c| c["sig"] == json!(["mgr", "module", "ls"])));
    let _: BTreeMap<String, Value> = serde_json::from_str(&out).unwrap();
}

/// Mons that record what they are asked and refuse writes to `mgr/probe/refused`.
#[derive(Default)]
struct FakeMons {
    seen: std::sync::Mutex<Vec<String>>,
}

impl rmgr_core::MonLink for FakeMons {
    fn command(&self, cmd_json: String, _inbuf: Vec<u8>) -> rmgr_core::BoxFuture<CommandReply> {
        self.seen.lock().unwrap().push(cmd_json.clone());
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if cmd_json.contains("mgr/probe/refused") {
                CommandReply::err(errno::EACCES, "access denied")
            } else if cmd_json.contains("config-key") {
                CommandReply::ok_status("set")
            } else {
                CommandReply::ok(b"from the mons".to_vec()).with_status("e1")
            }
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_mon_link_commands_and_kv_writes_go_to_the_mons() {
    let d = daemon().await;
    d.ok(json!({"prefix": "mgr module enable", "module": "probe"}))
        .await;
    let mons = Arc::new(FakeMons::default());
    d.core.set_mon_link(mons.clone());
    // A Rust module's synchronous set_store waits for the mons, then serves the read.
    assert_eq!(
        d.ok(json!({"prefix": "probe kv", "key": "k", "val": "v"}))
            .await,
        "v"
    );
    let seen = mons.seen.lock().unwrap().clone();
    let last: Value = serde_json::from_str(seen.last().unwrap()).unwrap();
    assert_eq!(
        last,
        json!({"prefix": "config-key set", "key": "mgr/probe/k", "val": "v"})
    );
    // The config-key built-ins write through too; a refusal is the mons' answer.
    let r = d
        .cmd(json!({"prefix": "config-key set", "key": "mgr/probe/refused", "val": "x"}))
        .await;
    expect_err(&r, 13, "access denied");
    assert!(
        d.cmd(json!({"prefix": "config-key get", "key": "mgr/probe/refused"}))
            .await
            .rc
            < 0
    );
    d.ok(json!({"prefix": "config-key rm", "key": "mgr/probe/k"}))
        .await;
    assert!(mons
        .seen
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .contains("config-key del"));
    // The mons' mirror becomes the local store: new, changed and dropped keys.
    d.ok(json!({"prefix": "config-key set", "key": "mgr/probe/gone", "val": "1"}))
        .await;
    let mut mirror = BTreeMap::new();
    mirror.insert("mgr/probe/ext".to_string(), b"from-cli".to_vec());
    mirror.insert("mgr/probe/other".to_string(), b"o".to_vec());
    assert_eq!(d.core.apply_mon_kv(&mirror), 3);
    assert_eq!(d.core.apply_mon_kv(&mirror), 0, "nothing changed");
    assert_eq!(
        d.ok(json!({"prefix": "probe kv", "key": "ext"})).await,
        "from-cli"
    );
    assert_eq!(
        d.ok(json!({"prefix": "probe kv", "key": "gone"})).await,
        "<none>"
    );
}

/// Ceph's levels: what the conf file sets outranks the mons' value (CONF_FILE > CONF_MON);
/// the mons still set what the file does not.
#[tokio::test]
async fn the_conf_file_outranks_the_mons() {
    let file = BTreeMap::from([("osd_pool_default_size".to_string(), "1".to_string())]);
    let d = daemon_with(tempfile::tempdir().unwrap(), file).await;
    assert_eq!(
        d.core.option_value("osd_pool_default_size").as_deref(),
        Some("1")
    );
    d.core.apply_mon_config(&BTreeMap::from([
        ("osd_pool_default_size".to_string(), "3".to_string()),
        ("osd_pool_default_min_size".to_string(), "2".to_string()),
    ]));
    assert_eq!(
        d.core.option_value("osd_pool_default_size").as_deref(),
        Some("1")
    );
    assert_eq!(
        d.core.option_value("osd_pool_default_min_size").as_deref(),
        Some("2")
    );
}
