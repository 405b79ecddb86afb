//! Standby modules (Pacific's StandbyPyModules): a manager that is not active runs the
//! standby class of every wanted module that has one; becoming active stops those and
//! starts the active classes, and stepping down does the reverse. A fake provider records
//! what the core asks of it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rmgr_core::{
    BoxFuture, CmdMap, CommandReply, Core, CoreConfig, ModuleContext, ModuleInfo, ModuleOption,
    ModuleProvider, OptionType, RunningModule, StateChange, TypedValue,
};
use rmgr_store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Everything the provider was asked to do, in order ("start web", "standby web",
/// "stop standby web", …), plus the contexts it was given.
#[derive(Default)]
struct Journal {
    events: Mutex<Vec<String>>,
    contexts: Mutex<BTreeMap<String, ModuleContext>>,
}

impl Journal {
    fn push(&self, e: String) {
        self.events.lock().unwrap().push(e);
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }
}

struct Instance {
    label: String,
    journal: Arc<Journal>,
}

impl RunningModule for Instance {
    fn handle_command(&self, _cmd: CmdMap, _inbuf: Vec<u8>) -> BoxFuture<CommandReply> {
        Box::pin(async { CommandReply::ok("ok") })
    }
    fn notify(&self, t: &str, _id: &str) {
        self.journal.push(format!("notify {} {t}", self.label));
    }
    fn config_notify(&self) {
        self.journal.push(format!("config_notify {}", self.label));
    }
    fn failure(&self) -> Option<String> {
        None
    }
    fn stop(&self) -> BoxFuture<()> {
        self.journal.push(format!("stop {}", self.label));
        Box::pin(async {})
    }
    fn on_change(&self, change: &StateChange) {
        if let StateChange::Config { name, .. } = change {
            self.journal.push(format!("replica {} {name}", self.label));
        }
    }
}

/// (name, has_standby, can_run)
const MODULES: &[(&str, bool, bool)] = &[
    ("web", true, true),
    ("plain", false, true),
    ("aon", true, true),
    ("idle", true, true),
    ("broken", true, false),
];

struct Fake {
    journal: Arc<Journal>,
}

impl ModuleProvider for Fake {
    fn kind(&self) -> &'static str {
        "fake"
    }

    fn discover(&self) -> Vec<ModuleInfo> {
        MODULES
            .iter()
            .map(|(name, has_standby, can_run)| {
                let mut port = ModuleOption::new("port", OptionType::Int);
                port.default_value = Some("8080".into());
                ModuleInfo {
                    name: name.to_string(),
                    kind: "fake",
                    commands: vec![],
                    options: vec![port],
                    notify_types: Some(vec!["osd_map".into()]),
                    loaded: true,
                    can_run: *can_run,
                    error_string: if *can_run {
                        String::new()
                    } else {
                        "missing dependency".into()
                    },
                    has_standby: *has_standby,
                }
            })
            .collect()
    }

    fn start(&self, name: &str, ctx: ModuleContext) -> Result<Arc<dyn RunningModule>, String> {
        self.journal.push(format!("start {name}"));
        self.journal
            .contexts
            .lock()
            .unwrap()
            .insert(format!("active {name}"), ctx);
        Ok(Arc::new(Instance {
            label: name.to_string(),
            journal: self.journal.clone(),
        }))
    }

    fn start_standby(
        &self,
        name: &str,
        ctx: ModuleContext,
    ) -> Result<Arc<dyn RunningModule>, String> {
        self.journal.push(format!("standby {name}"));
        self.journal
            .contexts
            .lock()
            .unwrap()
            .insert(format!("standby {name}"), ctx);
        Ok(Arc::new(Instance {
            label: format!("standby {name}"),
            journal: self.journal.clone(),
        }))
    }
}

async fn standby_core(dir: &tempfile::TempDir, journal: Arc<Journal>) -> Core {
    let store = Arc::new(Store::open(&dir.path().join("rmgr.db")).unwrap());
    let core = Core::start(CoreConfig {
        mgr_id: "y".into(),
        store,
        providers: vec![Arc::new(Fake { journal })],
        command_timeout: Duration::from_millis(500),
        log_control: None,
        runtime_defaults: Default::default(),
        file_options: Default::default(),
        start_inactive: true,
    })
    .await
    .unwrap();
    core.set_always_on(["aon".to_string()].into_iter().collect());
    // Nothing runs on a standby before it has seen a MgrMap.
    core.reconcile_modules().await;
    assert!(core.standby_modules().is_empty());
    core.set_mgr_map_services(BTreeMap::new());
    core
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn a_standby_runs_standby_classes_and_swaps_them_on_role_changes() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(Journal::default());
    let core = standby_core(&dir, journal.clone()).await;
    journal.take();

    // The MgrMap's module set arrives while we are a standby: only the wanted modules
    // that have a standby class and can run start, in standby mode.
    core.set_enabled_modules(set(&["web", "plain", "broken"]))
        .await
        .unwrap();
    let started: BTreeSet<String> = journal.take().into_iter().collect();
    assert_eq!(started, set(&["standby aon", "standby web"]));
    assert_eq!(core.standby_modules(), set(&["aon", "web"]));
    assert!(core.running_modules().is_empty());

    // Standby instances get no notifications and no commands …
    core.notify("osd_map", "");
    assert!(journal.take().is_empty());
    let r = core
        .handle_command(r#"{"prefix": "nothing here"}"#, b"")
        .await;
    assert!(r.rc < 0);
    // … but their replicas follow the config (without config_notify).
    core.apply_mon_config(
        &[("mgr/web/port".to_string(), "9000".to_string())]
            .into_iter()
            .collect(),
    );
    let ev = journal.take();
    assert!(
        ev.contains(&"replica standby web mgr/web/port".to_string()),
        "{ev:?}"
    );
    assert!(!ev.iter().any(|e| e.starts_with("config_notify")), "{ev:?}");

    // The standby API: options and get_active_uri from the MgrMap's services.
    let ctx = journal
        .contexts
        .lock()
        .unwrap()
        .get("standby web")
        .cloned()
        .unwrap();
    assert_eq!(
        ctx.get_module_option("port").unwrap(),
        Some(TypedValue::Int(9000))
    );
    assert_eq!(ctx.service_uri("web"), None);
    core.set_mgr_map_services(
        [("web".to_string(), "http://10.0.0.1:8080/".to_string())]
            .into_iter()
            .collect(),
    );
    assert_eq!(
        ctx.service_uri("web").as_deref(),
        Some("http://10.0.0.1:8080/")
    );
    assert_eq!(ctx.service_uri("plain"), None);

    // Becoming active: every standby instance stops before any active class starts.
    core.set_active(true).await;
    let ev = journal.take();
    let first_start = ev.iter().position(|e| e.starts_with("start ")).unwrap();
    let last_stop = ev.iter().rposition(|e| e.starts_with("stop ")).unwrap();
    assert!(last_stop < first_start, "{ev:?}");
    assert_eq!(
        ev.iter().cloned().collect::<BTreeSet<_>>(),
        set(&[
            "stop standby aon",
            "stop standby web",
            "start aon",
            "start web",
            "start plain",
            "start broken",
        ])
    );
    assert!(core.standby_modules().is_empty());
    assert_eq!(
        core.running_modules(),
        set(&["aon", "broken", "plain", "web"])
    );

    // An active module now gets notifications.
    core.notify("osd_map", "");
    assert!(journal.take().contains(&"notify web osd_map".to_string()));

    // Stepping down: the reverse.
    core.set_active(false).await;
    let ev = journal.take();
    let first_start = ev.iter().position(|e| e.starts_with("standby ")).unwrap();
    let last_stop = ev.iter().rposition(|e| e.starts_with("stop ")).unwrap();
    assert!(last_stop < first_start, "{ev:?}");
    assert_eq!(core.standby_modules(), set(&["aon", "web"]));
    assert!(core.running_modules().is_empty());

    // Disabling a module on the standby stops its standby instance.
    core.set_enabled_modules(set(&["plain"])).await.unwrap();
    assert_eq!(journal.take(), vec!["stop standby web".to_string()]);
    assert_eq!(core.standby_modules(), set(&["aon"]));

    core.shutdown().await;
    assert_eq!(journal.take(), vec!["stop standby aon".to_string()]);
}

#[tokio::test]
async fn mgr_standby_modules_false_runs_nothing_on_a_standby() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(Journal::default());
    let core = standby_core(&dir, journal.clone()).await;
    core.apply_mon_config(
        &[("mgr_standby_modules".to_string(), "false".to_string())]
            .into_iter()
            .collect(),
    );
    core.set_enabled_modules(set(&["web"])).await.unwrap();
    assert!(core.standby_modules().is_empty());
    assert!(core.running_modules().is_empty());
    core.set_active(true).await;
    assert_eq!(core.running_modules(), set(&["aon", "web"]));
    core.shutdown().await;
}

#[tokio::test]
async fn standalone_runs_active_classes_only() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(Journal::default());
    let store = Arc::new(Store::open(&dir.path().join("rmgr.db")).unwrap());
    store.kv_set("rmgr/mgr_map/modules", br#"["web"]"#).unwrap();
    let core = Core::start(CoreConfig {
        mgr_id: "x".into(),
        store,
        providers: vec![Arc::new(Fake {
            journal: journal.clone(),
        })],
        command_timeout: Duration::from_millis(500),
        log_control: None,
        runtime_defaults: Default::default(),
        file_options: Default::default(),
        start_inactive: false,
    })
    .await
    .unwrap();
    assert!(core.is_active());
    assert!(core.standby_modules().is_empty());
    assert!(core.running_modules().contains("web"));
    assert!(!journal.take().iter().any(|e| e.starts_with("standby ")));
    core.shutdown().await;
}
