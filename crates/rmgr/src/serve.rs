//! `rmgr serve`: the daemon on its embedded store, answering on the admin socket; with
//! `--conf`, also the manager of a Ceph cluster (`crate::cluster`).

use crate::{logging, paths};
use anyhow::Context;
use clap::Parser;
use rmgr_core::{Core, CoreConfig, ModuleProvider, RustModules};
use rmgr_store::Store;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Semaphore};

/// Requests waiting for the core; past this the admin socket stops reading (backpressure).
const REQUEST_QUEUE: usize = 128;
/// Commands the core runs at once.
const MAX_IN_FLIGHT: usize = 64;

#[derive(Parser, Debug)]
#[command(
    name = "rmgr serve",
    about = "Run the rmgr manager daemon (standalone, embedded store)"
)]
struct ServeArgs {
    /// Directory for the store, the admin socket (rmgr.asok) and the log (rmgr.log).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The manager's id (it runs as mgr.<id>).
    #[arg(long, default_value = "x")]
    id: String,
    /// A cluster's ceph.conf: join that cluster as mgr.<id> (mons from mon_host, key
    /// from the keyring option or <mgr_data>/keyring). Without it rmgr runs standalone.
    #[arg(long)]
    conf: Option<PathBuf>,
    /// Log file (default: on a cluster the conf's log_file for mgr.<id>, as ceph-mgr
    /// writes it, when its directory exists; else <data>/rmgr.log).
    #[arg(long)]
    log_file: Option<PathBuf>,
    /// Seconds a module command may run before it fails with ETIMEDOUT (a Python
    /// module's worker is then restarted).
    #[arg(long, default_value_t = 60.0)]
    command_timeout: f64,
    /// Directories holding Python modules (each a directory with module.py), separated
    /// by ':' (first match wins). Default: the mgr_module_path option
    /// (/usr/share/ceph/mgr).
    #[arg(long)]
    module_path: Option<String>,
    /// A JSON fixture of cluster state ({"osd_map": …, "mon_map": …}) that get() serves.
    #[arg(long)]
    fixture: Option<PathBuf>,
    /// Memory (RSS, bytes; suffixes K, M, G) above which a Python module's worker is
    /// restarted; 0 for no limit.
    #[arg(long, default_value = "4G", value_parser = parse_size)]
    module_memory_limit: u64,
    /// Start every Python worker as a fresh process instead of forking it from a
    /// preloaded zygote (slower starts, more memory; for debugging).
    #[arg(long)]
    no_zygote: bool,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let (num, mult) = match s.trim().chars().last() {
        Some('K' | 'k') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&s[..s.len() - 1], 1 << 20),
        Some('G' | 'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.trim()
        .parse::<u64>()
        .map(|n| n.saturating_mul(mult))
        .map_err(|_| format!("not a size: '{s}'"))
}

pub fn main(args: &[String]) -> ExitCode {
    let parsed = match ServeArgs::try_parse_from(
        std::iter::once("rmgr serve".to_string()).chain(args.iter().cloned()),
    ) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(22)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rmgr serve: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(parsed)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rmgr serve: {e:#}");
            tracing::error!("daemon stopped: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn rust_modules() -> Arc<dyn ModuleProvider> {
    Arc::new(RustModules::new(vec![
        rmgr_module_rust_hello::spec(),
        rmgr_module_kvstat::spec(),
    ]))
}

async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let data = args.data.unwrap_or_else(paths::default_data_dir);
    std::fs::create_dir_all(&data)
        .with_context(|| format!("cannot create data directory {}", data.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700));
    }
    // On a cluster, the conf file says where mgr.<id> logs and writes its pid, as for
    // ceph-mgr (an unreadable conf fails later, in the join, with the parser's message).
    let conf_file = args
        .conf
        .as_deref()
        .and_then(|p| rmgr_msgr::CephConf::load(p, &args.id).ok());
    let log_path = log_path(args.log_file.clone(), conf_file.as_ref(), &data);
    let logging = Arc::new(logging::init(&log_path, "2/5").context("cannot open the log file")?);
    let store = Arc::new(
        Store::open(&data.join("rmgr.db"))
            .with_context(|| format!("cannot open the store in {}", data.display()))?,
    );
    tracing::info!(data = %data.display(), id = %args.id, "rmgr {} starting", env!("CARGO_PKG_VERSION"));

    let timeout = if args.command_timeout.is_finite() && args.command_timeout > 0.0 {
        Duration::from_secs_f64(args.command_timeout)
    } else {
        anyhow::bail!("--command-timeout must be a positive number of seconds");
    };
    // Options the daemon needs before the core runs (module discovery) are read from
    // the store directly, with the same mgr.<id> > mgr > global resolution.
    let early = |name: &str| -> Option<String> {
        [
            format!("mgr.{}", args.id),
            "mgr".to_string(),
            "global".to_string(),
        ]
        .iter()
        .find_map(|who| store.config_get(who, name).ok().flatten())
    };
    let module_path = args
        .module_path
        .clone()
        .or_else(|| early("mgr_module_path"))
        .unwrap_or_else(|| "/usr/share/ceph/mgr".to_string());
    let disabled: Vec<String> = early("mgr_disabled_modules")
        .unwrap_or_else(|| "diskprediction_local".to_string())
        .split([' ', ',', ';'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let python_path =
        crate::python_files::materialize(&data).context("cannot write rmgr's Python package")?;
    let exe = std::env::current_exe().context("cannot find the rmgr executable")?;
    let python: Arc<dyn ModuleProvider> = Arc::new(rmgr_pyhost::PythonModules::new(
        rmgr_pyhost::PythonModulesConfig {
            exe,
            module_paths: module_path
                .split(':')
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .collect(),
            python_path,
            command_timeout: timeout,
            stop_grace: Duration::from_secs(10),
            memory_limit: args.module_memory_limit,
            mgr_id: args.id.clone(),
            disabled,
            use_zygote: !args.no_zygote,
            extra_env: librados_env(args.conf.as_deref(), &args.id, &data),
        },
    ));
    let core = Core::start(CoreConfig {
        mgr_id: args.id.clone(),
        store,
        providers: vec![rust_modules(), python],
        // A Python module's own timeout fires first (it restarts the worker); this bound
        // is the backstop for Rust modules and anything else.
        command_timeout: timeout + Duration::from_secs(5),
        log_control: Some(logging),
        start_inactive: args.conf.is_some(),
        runtime_defaults: [
            (
                "log_file".to_string(),
                log_path.to_string_lossy().to_string(),
            ),
            ("mgr_data".to_string(), data.to_string_lossy().to_string()),
            ("mgr_module_path".to_string(), module_path.clone()),
        ]
        .into_iter()
        .collect(),
        file_options: conf_file_options(conf_file.as_ref()),
    })
    .await
    .context("cannot start the core")?;
    if let Some(f) = &args.fixture {
        let text =
            std::fs::read(f).with_context(|| format!("cannot read fixture {}", f.display()))?;
        let value: serde_json::Value = serde_json::from_slice(&text)
            .with_context(|| format!("fixture {} is not JSON", f.display()))?;
        let names = core
            .load_cluster_fixture(&value)
            .map_err(|e| anyhow::anyhow!("fixture {}: {e}", f.display()))?;
        tracing::info!(fixture = %f.display(), "loaded cluster state: {}", names.join(", "));
    }

    let cluster = match &args.conf {
        Some(conf) => Some(
            crate::cluster::join(&core, conf, &args.id, &data)
                .await
                .with_context(|| format!("cannot join the cluster of {}", conf.display()))?,
        ),
        None => None,
    };

    let (stop_tx, stop_rx) = watch::channel(false);
    let (req_tx, mut req_rx) = mpsc::channel::<rmgr_asok::AsokRequest>(REQUEST_QUEUE);
    let sock = paths::asok(&data);
    let mut asok = {
        let sock = sock.clone();
        tokio::spawn(async move { rmgr_asok::serve(&sock, req_tx, stop_rx).await })
    };

    let dispatcher = {
        let core = core.clone();
        tokio::spawn(async move {
            let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
            while let Some(req) = req_rx.recv().await {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    break;
                };
                let core = core.clone();
                tokio::spawn(async move {
                    let r = core.handle_command(&req.cmd, &req.inbuf).await;
                    let _ = req.reply.send(rmgr_asok::AsokReply {
                        rc: r.rc,
                        outs: r.outs,
                        outb: r.outb,
                    });
                    drop(permit);
                });
            }
        })
    };
    println!(
        "rmgr serve: mgr.{} ready; admin socket {}",
        args.id,
        sock.display()
    );
    tracing::info!(socket = %sock.display(), "ready");
    let pid_file = conf_file
        .as_ref()
        .and_then(|c| c.get("pid_file"))
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    if let Some(p) = &pid_file {
        if let Err(e) = pidfile_write(p) {
            tracing::warn!(pid_file = %p.display(), "cannot write the pid file: {e}");
        }
    }

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
        r = &mut asok => {
            match r {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(anyhow::anyhow!("admin socket failed: {e}")),
                Err(e) => return Err(anyhow::anyhow!("admin socket task failed: {e}")),
            }
        }
    }
    tracing::info!("shutting down");
    if let Some(c) = cluster {
        c.stop().await;
    }
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), &mut asok).await;
    core.shutdown().await;
    dispatcher.abort();
    if let Some(p) = &pid_file {
        pidfile_remove(p);
    }
    tracing::info!("stopped");
    Ok(())
}

/// Where the daemon logs: `--log-file`; on a cluster the conf's `log_file` for mgr.<id>
/// (metavariables expanded) when its directory exists, as ceph-mgr logs there; else
/// `<data>/rmgr.log`.
fn log_path(flag: Option<PathBuf>, conf: Option<&rmgr_msgr::CephConf>, data: &Path) -> PathBuf {
    flag.or_else(|| {
        let p = PathBuf::from(conf?.get("log_file")?);
        p.parent()
            .is_some_and(|d| !d.as_os_str().is_empty() && d.is_dir())
            .then_some(p)
    })
    .unwrap_or_else(|| data.join("rmgr.log"))
}

/// `pidfile_write`: our pid and a newline.
fn pidfile_write(path: &Path) -> std::io::Result<()> {
    std::fs::write(path, format!("{}\n", std::process::id()))
}

/// `pidfile_remove`: only a file that still holds our pid (another daemon may own it by
/// now).
fn pidfile_remove(path: &Path) {
    let ours =
        std::fs::read_to_string(path).is_ok_and(|s| s.trim() == std::process::id().to_string());
    if ours {
        let _ = std::fs::remove_file(path);
    }
}

/// On a cluster, what workers need to give modules a librados handle as `mgr.<id>`
/// (`MgrModule.rados`): the conf, the name, and the keyring the daemon itself uses.
fn librados_env(
    conf: Option<&std::path::Path>,
    id: &str,
    data: &std::path::Path,
) -> Vec<(String, String)> {
    let Some(conf) = conf else { return Vec::new() };
    let keyring = rmgr_msgr::CephConf::load(conf, id)
        .ok()
        .and_then(|c| c.key(Some(data)).ok())
        .map(|(_, path)| path.to_string_lossy().to_string());
    vec![
        (
            "RMGR_CEPH_CONF".to_string(),
            conf.to_string_lossy().to_string(),
        ),
        ("RMGR_CEPH_NAME".to_string(), format!("mgr.{id}")),
        // Auth none needs no key; librados then ignores an empty keyring.
        ("RMGR_CEPH_KEYRING".to_string(), keyring.unwrap_or_default()),
    ]
}

/// The options the conf file sets for `mgr.<id>` (`[global]`, `[mgr]`, `[mgr.<id>]`) that
/// rmgr's option table knows, normalised and with metavariables expanded: what a stock
/// manager's `get_ceph_option` answers (modules read `osd_pool_default_size` … from
/// here); like Ceph's `CONF_FILE` level they outrank the mons' values.
fn conf_file_options(conf: Option<&rmgr_msgr::CephConf>) -> BTreeMap<String, String> {
    let Some(conf) = conf else {
        return BTreeMap::new();
    };
    conf.entries()
        .into_iter()
        .filter_map(|(k, raw)| {
            let o = rmgr_options::daemon_option(&k)?;
            let v = o.parse_value(&conf.expand(&raw, 0)).ok()?;
            Some((k, v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf_with(dir: &Path, mgr_section: &str) -> rmgr_msgr::CephConf {
        let p = dir.join("ceph.conf");
        std::fs::write(
            &p,
            format!("[global]\nmon_host = 127.0.0.1:3300\n[mgr]\n{mgr_section}\n"),
        )
        .unwrap();
        rmgr_msgr::CephConf::load(&p, "x").unwrap()
    }

    #[test]
    fn the_log_goes_where_the_flag_then_the_conf_says() {
        let t = tempfile::tempdir().unwrap();
        let data = t.path().join("data");
        let logs = t.path().join("log");
        std::fs::create_dir_all(&logs).unwrap();
        let conf = conf_with(
            t.path(),
            &format!("log_file = {}/$name.log", logs.display()),
        );
        assert_eq!(
            log_path(None, Some(&conf), &data),
            logs.join("mgr.x.log"),
            "the conf's log_file, expanded"
        );
        let flag = t.path().join("flag.log");
        assert_eq!(log_path(Some(flag.clone()), Some(&conf), &data), flag);
        assert_eq!(log_path(None, None, &data), data.join("rmgr.log"));
        // A directory that does not exist (a conf written for another host): our own.
        let conf = conf_with(t.path(), "log_file = /nonexistent-rmgr-dir/$name.log");
        assert_eq!(log_path(None, Some(&conf), &data), data.join("rmgr.log"));
        let conf = conf_with(t.path(), "debug_mgr = 1");
        assert_eq!(log_path(None, Some(&conf), &data), data.join("rmgr.log"));
    }

    #[test]
    fn the_pid_file_holds_our_pid_and_is_removed_only_if_ours() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("mgr.x.pid");
        pidfile_write(&p).unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            format!("{}\n", std::process::id())
        );
        pidfile_remove(&p);
        assert!(!p.exists());
        std::fs::write(&p, "1\n").unwrap();
        pidfile_remove(&p);
        assert!(p.exists(), "another daemon's pid file stays");
    }
}
