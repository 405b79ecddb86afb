//! `rmgr serve`: the standalone daemon on its embedded store, answering on the admin socket.

use crate::{logging, paths};
use anyhow::Context;
use clap::Parser;
use rmgr_core::{Core, CoreConfig, ModuleProvider, RustModules};
use rmgr_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Semaphore};

/// Requests waiting for the core; past this the admin socket stops reading (backpressure).
const REQUEST_QUEUE: usize = 128;
/// Commands the core runs at once.
const MAX_IN_FLIGHT: usize = 64;

#[derive(Parser, Debug)]
#[command(name = "rmgr serve", about = "Run the rmgr manager daemon (standalone, embedded store)")]
struct ServeArgs {
    /// Directory for the store, the admin socket (rmgr.asok) and the log (rmgr.log).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The manager's id (it runs as mgr.<id>).
    #[arg(long, default_value = "x")]
    id: String,
    /// Log file (default: <data>/rmgr.log).
    #[arg(long)]
    log_file: Option<PathBuf>,
    /// Seconds a module command may run before it fails with ETIMEDOUT.
    #[arg(long, default_value_t = 60.0)]
    command_timeout: f64,
}

pub fn main(args: &[String]) -> ExitCode {
    let parsed = match ServeArgs::try_parse_from(std::iter::once("rmgr serve".to_string()).chain(args.iter().cloned())) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(22) } else { ExitCode::SUCCESS };
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
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

fn providers() -> Vec<Arc<dyn ModuleProvider>> {
    vec![Arc::new(RustModules::new(vec![
        rmgr_module_rust_hello::spec(),
        rmgr_module_kvstat::spec(),
    ]))]
}

async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let data = args.data.unwrap_or_else(paths::default_data_dir);
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create data directory {}", data.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700));
    }
    let log_path = args.log_file.unwrap_or_else(|| data.join("rmgr.log"));
    let logging = Arc::new(logging::init(&log_path, "2/5").context("cannot open the log file")?);
    let store = Arc::new(Store::open(&data.join("rmgr.db")).with_context(|| format!("cannot open the store in {}", data.display()))?);
    tracing::info!(data = %data.display(), id = %args.id, "rmgr {} starting", env!("CARGO_PKG_VERSION"));

    let timeout = if args.command_timeout.is_finite() && args.command_timeout > 0.0 {
        Duration::from_secs_f64(args.command_timeout)
    } else {
        anyhow::bail!("--command-timeout must be a positive number of seconds");
    };
    let core = Core::start(CoreConfig {
        mgr_id: args.id.clone(),
        store,
        providers: providers(),
        command_timeout: timeout,
        log_control: Some(logging),
    })
    .await
    .context("cannot start the core")?;

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
                let Ok(permit) = permits.clone().acquire_owned().await else { break };
                let core = core.clone();
                tokio::spawn(async move {
                    let r = core.handle_command(&req.cmd, &req.inbuf).await;
                    let _ = req.reply.send(rmgr_asok::AsokReply { rc: r.rc, outs: r.outs, outb: r.outb });
                    drop(permit);
                });
            }
        })
    };
    println!("rmgr serve: mgr.{} ready; admin socket {}", args.id, sock.display());
    tracing::info!(socket = %sock.display(), "ready");

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
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), &mut asok).await;
    core.shutdown().await;
    dispatcher.abort();
    let _ = std::fs::remove_file(&sock);
    tracing::info!("stopped");
    Ok(())
}
