//! The daemon log: `tracing` into `<data>/rmgr.log`, its verbosity following `debug_mgr`
//! the way Ceph's subsystem levels do (0 errors only … 20 everything).

use rmgr_core::LogControl;
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::reload;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Registry;

/// Ceph debug level (first number of `debug_mgr`) → the most verbose level logged.
pub fn level_for(debug_mgr: &str) -> LevelFilter {
    let n = debug_mgr
        .split('/')
        .next()
        .unwrap_or("")
        .trim()
        .parse::<i64>()
        .unwrap_or(1);
    match n {
        i64::MIN..=0 => LevelFilter::ERROR,
        1 => LevelFilter::WARN,
        2..=4 => LevelFilter::INFO,
        5..=19 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

pub struct Logging {
    handle: reload::Handle<LevelFilter, Registry>,
    current: Mutex<String>,
}

impl LogControl for Logging {
    fn set_debug_mgr(&self, value: &str) {
        if let Ok(mut c) = self.current.lock() {
            if *c == value {
                return;
            }
            *c = value.to_string();
        }
        if let Err(e) = self.handle.reload(level_for(value)) {
            eprintln!("rmgr: cannot change the log level: {e}");
        }
        tracing::info!(debug_mgr = value, "log level set");
    }
}

/// Installs the process-wide subscriber writing to `path`.
pub fn init(path: &Path, initial: &str) -> anyhow::Result<Logging> {
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    let (filter, handle) = reload::Layer::new(level_for(initial));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_thread_names(true);
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .try_init()?;
    Ok(Logging {
        handle,
        current: Mutex::new(initial.to_string()),
    })
}
