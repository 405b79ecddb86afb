//! The worker's life: read `Init`, start CPython with `ceph_module`, import the module,
//! report, then run it: the serve thread, a finisher thread that runs commands and
//! notifications one at a time (Pacific's per-module finisher), and a reader thread.

use super::ceph_module::{ceph_module, Handle};
use super::conn::Conn;
use super::convert::{from_py, to_py};
use super::state::{WorkerState, IN_COMMAND};
use crate::protocol::{CallResult, Decoder, Frame, LoadReport, Mode, WORKER_FD};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use serde_json::{json, Value};
use std::io::Read;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;
use std::time::Duration;

/// Notifications waiting for the finisher beyond this are dropped (and logged): a module
/// that cannot keep up gains nothing from stale notifications.
const MAX_NOTIFY_BACKLOG: usize = 1024;
/// How long `Shutdown` waits for `serve()` to return before the process exits anyway.
const SERVE_GRACE: Duration = Duration::from_secs(5);

enum Job {
    Command {
        id: u64,
        cmd: Value,
        inbuf: String,
    },
    Notify {
        notify_type: String,
        notify_id: Value,
    },
    ConfigNotify,
    Shutdown,
}

/// `rmgr worker`: returns the process exit code.
pub fn worker_main() -> i32 {
    let sock = match super::ffi::inherited_socket(WORKER_FD) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rmgr worker: {e}");
            return 2;
        }
    };
    init_python();
    serve_on(sock)
}

pub(crate) fn init_python() {
    pyo3::append_to_inittab!(ceph_module);
    pyo3::prepare_freethreaded_python();
}

/// Runs one module on an already initialised interpreter, talking to the core on `sock`.
pub(crate) fn serve_on(sock: UnixStream) -> i32 {
    let mut reader = match sock.try_clone() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rmgr worker: {e}");
            return 2;
        }
    };
    let mut decoder = Decoder::default();
    let init = match read_frame(&mut reader, &mut decoder) {
        Some(Frame::Init {
            module,
            mgr_id,
            module_path,
            mode,
            replica,
        }) => (module, mgr_id, module_path, mode, replica),
        _ => {
            eprintln!("rmgr worker: expected Init from rmgr");
            return 2;
        }
    };
    let (module, mgr_id, module_path, mode, replica) = init;
    let st = WorkerState::new(Conn::new(sock), module.clone(), mgr_id, replica);
    {
        let st = st.clone();
        let _ = std::thread::Builder::new()
            .name("logflush".into())
            .spawn(move || st.conn.log_flusher());
    }

    let loaded = Python::with_gil(|py| load(py, &st, &module_path, mode));
    let (report, classes) = match loaded {
        Ok(x) => x,
        Err(report) => (report, None),
    };
    let ok = report.loaded;
    let _ = st.conn.send(&Frame::Loaded { report });
    if mode == Mode::Probe || !ok {
        return 0;
    }
    let Some(classes) = classes else { return 0 };
    let rc = run(st.clone(), reader, decoder, classes, mode);
    let _ = st.conn.flush_logs();
    rc
}

fn read_frame(r: &mut UnixStream, d: &mut Decoder) -> Option<Frame> {
    let mut buf = [0u8; 65536];
    loop {
        match d.next_frame() {
            Ok(Some(f)) => return Some(f),
            Ok(None) => {}
            Err(_) => return None,
        }
        match r.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => d.push(buf.get(..n).unwrap_or_default()),
        }
    }
}

fn log(st: &WorkerState, line: &str) {
    let _ = st.conn.send(&Frame::Call {
        id: 0,
        method: "log".into(),
        args: json!({ "line": line }),
    });
}

/// The formatted traceback of an exception, as `traceback.format_exception` gives it.
pub(crate) fn format_exc(py: Python<'_>, e: &PyErr) -> String {
    let tb = py.import("traceback").and_then(|t| {
        t.call_method1(
            "format_exception",
            (e.get_type(py), e.value(py), e.traceback(py)),
        )
    });
    match tb.and_then(|l| l.extract::<Vec<String>>()) {
        Ok(lines) => lines.concat(),
        Err(_) => e.to_string(),
    }
}

/// `str(exception)`: the one-line text Pacific keeps as a module's error string.
fn exc_text(py: Python<'_>, e: &PyErr) -> String {
    e.value(py)
        .str()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| e.to_string())
}

struct Classes {
    active: PyObject,
    standby: Option<PyObject>,
}

fn load(
    py: Python<'_>,
    st: &Arc<WorkerState>,
    module_path: &str,
    mode: Mode,
) -> Result<(LoadReport, Option<Classes>), LoadReport> {
    let fail = |msg: String| LoadReport {
        loaded: false,
        can_run: false,
        error_string: msg,
        commands: vec![],
        options: vec![],
        notify_types: None,
        has_standby: false,
    };
    let setup = || -> PyResult<()> {
        let sys = py.import("sys")?;
        sys.setattr("argv", PyList::new(py, ["ceph-mgr"])?)?;
        let path = sys.getattr("path")?;
        // Our own mgr_module comes after the module path, so the path's wins when present.
        if let Some(ours) = std::env::var_os("RMGR_PYTHON_PATH") {
            path.call_method1("insert", (0, ours.to_string_lossy().to_string()))?;
        }
        for (i, dir) in module_path.split(':').filter(|d| !d.is_empty()).enumerate() {
            path.call_method1("insert", (i, dir))?;
        }
        Ok(())
    };
    setup().map_err(|e| fail(exc_text(py, &e)))?;
    let mgr_module = py
        .import("mgr_module")
        .map_err(|e| fail(exc_text(py, &e)))?;
    let base = mgr_module
        .getattr("MgrModule")
        .map_err(|e| fail(exc_text(py, &e)))?;
    let standby_base = mgr_module.getattr("MgrStandbyModule").ok();
    let pkg = py.import(st.module.as_str()).map_err(|e| {
        log(
            st,
            &format!(
                "Error loading module '{}': {}",
                st.module,
                format_exc(py, &e)
            ),
        );
        fail(exc_text(py, &e))
    })?;
    let builtins = py.import("builtins").map_err(|e| fail(exc_text(py, &e)))?;
    let issubclass = builtins
        .getattr("issubclass")
        .map_err(|e| fail(exc_text(py, &e)))?;
    let find = |b: &Bound<'_, PyAny>| -> Option<PyObject> {
        let dict = pkg.dict();
        for (_, v) in dict.iter() {
            if !v.is_instance_of::<pyo3::types::PyType>() || v.is(b) {
                continue;
            }
            if issubclass
                .call1((&v, b))
                .and_then(|r| r.is_truthy())
                .unwrap_or(false)
            {
                return Some(v.unbind());
            }
        }
        None
    };
    let Some(active) = find(&base) else {
        return Err(fail("Class not found in module".into()));
    };
    let standby = standby_base.as_ref().and_then(find);
    let cls = active.bind(py);
    if let Err(e) = cls.call_method1("_register_commands", (st.module.as_str(),)) {
        log(
            st,
            &format!("_register_commands failed: {}", format_exc(py, &e)),
        );
    }
    let commands = cls
        .getattr("COMMANDS")
        .ok()
        .and_then(|c| c.downcast::<PyList>().ok().cloned())
        .ok_or_else(|| fail("Missing or invalid COMMANDS attribute".into()))?;
    let mut cmd_list = Vec::new();
    for c in commands.iter() {
        let d = c
            .downcast::<PyDict>()
            .map_err(|_| fail("Missing or invalid COMMANDS attribute".into()))?;
        let get = |k: &str| {
            d.get_item(k)
                .ok()
                .flatten()
                .and_then(|v| v.extract::<String>().ok())
        };
        let (Some(cmd), Some(desc), Some(perm)) = (get("cmd"), get("desc"), get("perm")) else {
            return Err(fail("Missing or invalid COMMANDS attribute".into()));
        };
        let poll = d
            .get_item("poll")
            .ok()
            .flatten()
            .map(|v| v.is_truthy().unwrap_or(false))
            .unwrap_or(false);
        cmd_list.push(json!({"cmd": cmd, "desc": desc, "perm": perm, "poll": poll}));
    }
    if let Err(e) = cls.call_method1("_register_options", (st.module.as_str(),)) {
        log(
            st,
            &format!("_register_options failed: {}", format_exc(py, &e)),
        );
    }
    if let Some(sb) = &standby {
        let _ = sb
            .bind(py)
            .call_method1("_register_options", (st.module.as_str(),));
    }
    let options = cls
        .getattr("MODULE_OPTIONS")
        .ok()
        .and_then(|c| c.downcast::<PyList>().ok().cloned())
        .ok_or_else(|| fail("Missing or invalid MODULE_OPTIONS attribute".into()))?;
    let mut opt_list = Vec::new();
    for o in options.iter() {
        if o.downcast::<PyDict>().is_err() {
            return Err(fail("Missing or invalid MODULE_OPTIONS attribute".into()));
        }
        opt_list.push(from_py(&o).map_err(|e| fail(exc_text(py, &e)))?);
    }
    // The worker types its own options locally (hot reads): remember declared types.
    if let Ok(mut own) = st.own_options.write() {
        for o in &opt_list {
            if let Some(name) = o.get("name").and_then(Value::as_str) {
                let ty = o
                    .get("type")
                    .and_then(Value::as_str)
                    .map(rmgr_options::OptionType::from_name)
                    .unwrap_or(rmgr_options::OptionType::Str);
                own.insert(name.to_string(), ty);
            }
        }
    }
    let notify_types = match cls.getattr("NOTIFY_TYPES") {
        Ok(n) => match n.downcast::<PyList>() {
            Ok(l) => {
                // The string's own text (PyUnicode_AsUTF8), not `str()`: `NotifyType`
                // members are `str`-mixin enums whose `str()` is 'NotifyType.osd_map'.
                let mut types = Vec::new();
                for x in l.iter() {
                    match x
                        .downcast::<PyString>()
                        .ok()
                        .and_then(|s| s.to_str().ok().map(str::to_string))
                    {
                        Some(t) => types.push(t),
                        None => {
                            log(
                                st,
                                &format!(
                                    "Module {} has non-string notify type in NOTIFY_TYPES",
                                    st.module
                                ),
                            );
                            break;
                        }
                    }
                }
                Some(types)
            }
            Err(_) => {
                log(
                    st,
                    &format!("Module {} has NOTIFY_TYPES that is not a list", st.module),
                );
                Some(vec![])
            }
        },
        Err(_) => {
            log(
                st,
                &format!("Module {} has missing NOTIFY_TYPES member", st.module),
            );
            None
        }
    };
    let (can_run, error_string) = match cls.call_method0("can_run") {
        Ok(r) => match r.downcast::<PyTuple>() {
            Ok(t) if t.len() == 2 => {
                let ok = t.get_item(0).and_then(|x| x.is_truthy()).unwrap_or(false);
                let msg = t
                    .get_item(1)
                    .and_then(|x| x.extract::<String>())
                    .unwrap_or_default();
                (ok, msg)
            }
            _ => (false, "wrong type returned from can_run".to_string()),
        },
        Err(e) => {
            log(st, &format!("can_run raised: {}", format_exc(py, &e)));
            (false, String::new())
        }
    };
    let report = LoadReport {
        loaded: true,
        can_run,
        error_string,
        commands: cmd_list,
        options: opt_list,
        notify_types,
        has_standby: standby.is_some(),
    };
    let _ = mode;
    Ok((report, Some(Classes { active, standby })))
}

fn run(
    st: Arc<WorkerState>,
    mut reader: UnixStream,
    mut decoder: Decoder,
    classes: Classes,
    mode: Mode,
) -> i32 {
    let handle = match Python::with_gil(|py| Py::new(py, Handle(st.clone()))) {
        Ok(h) => h,
        Err(e) => {
            let _ = st.conn.send(&Frame::Started {
                error: Some(e.to_string()),
            });
            return 1;
        }
    };
    // The reader runs before the module is constructed: an `__init__` that calls into the
    // core (get(), mon_command, …) needs its replies delivered.
    let cell: Arc<std::sync::OnceLock<Arc<PyObject>>> = Arc::new(std::sync::OnceLock::new());
    let (jobs_tx, jobs_rx) = channel::<Job>();
    let backlog = Arc::new(AtomicUsize::new(0));
    {
        let (st, cell, backlog, jobs_tx) =
            (st.clone(), cell.clone(), backlog.clone(), jobs_tx.clone());
        let _ = std::thread::Builder::new()
            .name("reader".into())
            .spawn(move || {
                read_loop(&st, &mut reader, &mut decoder, &jobs_tx, &backlog, &cell);
                st.conn.fail_all();
                // The core is gone: nothing can be answered any more.
                std::process::exit(0);
            });
    }
    drop(jobs_tx);
    let instance = Python::with_gil(|py| -> Result<PyObject, String> {
        let r = match (mode, &classes.standby) {
            (Mode::Standby, Some(sb)) => sb
                .bind(py)
                .call1((st.module.as_str(), handle.clone_ref(py))),
            (Mode::Standby, None) => return Err("module has no standby class".into()),
            _ => classes.active.bind(py).call1((
                st.module.as_str(),
                handle.clone_ref(py),
                handle.clone_ref(py),
            )),
        };
        r.map(|o| o.unbind()).map_err(|e| {
            let tb = format_exc(py, &e);
            log(
                &st,
                &format!(
                    "Failed to run module in {} mode ('{}'): {tb}",
                    if mode == Mode::Standby {
                        "standby"
                    } else {
                        "active"
                    },
                    st.module
                ),
            );
            exc_text(py, &e)
        })
    });
    let instance = match instance {
        Ok(i) => Arc::new(i),
        Err(e) => {
            let _ = st.conn.send(&Frame::Started { error: Some(e) });
            return 1;
        }
    };
    let _ = cell.set(instance.clone());
    let _ = st.conn.send(&Frame::Started { error: None });

    let serve = {
        let (st, instance) = (st.clone(), instance.clone());
        let name: String = st.module.chars().take(15).collect();
        std::thread::Builder::new().name(name).spawn(move || {
            Python::with_gil(|py| {
                if let Err(e) = instance.bind(py).call_method0("serve") {
                    let traceback = format_exc(py, &e);
                    let _ = st.conn.send(&Frame::ServeFailed {
                        error: exc_text(py, &e),
                        traceback,
                    });
                }
            });
        })
    };

    // Commands, notifications and config_notify run one at a time on the module's
    // finisher thread, named as Pacific names it; `serve` runs beside it.
    let finisher_name: String = format!("m-fin-{}", st.module).chars().take(15).collect();
    let finisher = std::thread::Builder::new()
        .name(finisher_name)
        .spawn(move || finish(&st, &instance, jobs_rx, &backlog, serve));
    match finisher {
        Ok(t) => t.join().unwrap_or(1),
        Err(_) => 1,
    }
}

fn finish(
    st: &Arc<WorkerState>,
    instance: &Arc<PyObject>,
    jobs_rx: std::sync::mpsc::Receiver<Job>,
    backlog: &Arc<AtomicUsize>,
    serve: std::io::Result<std::thread::JoinHandle<()>>,
) -> i32 {
    for job in jobs_rx {
        match job {
            Job::Command { id, cmd, inbuf } => {
                let result = Python::with_gil(|py| run_command(py, instance, &cmd, &inbuf));
                let _ = st.conn.send(&Frame::Reply {
                    id,
                    result: CallResult::ok(json!(result)),
                });
            }
            Job::Notify {
                notify_type,
                notify_id,
            } => {
                backlog.fetch_sub(1, Ordering::Relaxed);
                Python::with_gil(|py| {
                    let id = to_py(py, &notify_id).unwrap_or_else(|_| py.None());
                    if let Err(e) = instance
                        .bind(py)
                        .call_method1("notify", (notify_type.as_str(), id))
                    {
                        log(
                            st,
                            &format!("notify({notify_type}) raised: {}", format_exc(py, &e)),
                        );
                    }
                });
            }
            Job::ConfigNotify => Python::with_gil(|py| {
                if let Err(e) = instance.bind(py).call_method0("_config_notify") {
                    log(st, &format!("config_notify raised: {}", format_exc(py, &e)));
                }
            }),
            Job::Shutdown => {
                Python::with_gil(|py| {
                    if let Err(e) = instance.bind(py).call_method0("shutdown") {
                        log(st, &format!("shutdown raised: {}", format_exc(py, &e)));
                    }
                });
                if let Ok(t) = serve {
                    let deadline = std::time::Instant::now() + SERVE_GRACE;
                    while !t.is_finished() && std::time::Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
                return 0;
            }
        }
    }
    0
}

/// `_handle_command(inbuf, cmd)` → `(rc, outb, outs)` with Pacific's rules (§8).
fn run_command(
    py: Python<'_>,
    instance: &PyObject,
    cmd: &Value,
    inbuf: &str,
) -> (i64, String, String) {
    let cmd_obj = match to_py(py, cmd) {
        Ok(c) => c,
        Err(e) => return (-22, String::new(), e.to_string()),
    };
    IN_COMMAND.with(|c| c.set(true));
    let r = instance
        .bind(py)
        .call_method1("_handle_command", (inbuf, cmd_obj));
    IN_COMMAND.with(|c| c.set(false));
    match r {
        Err(e) => (-22, String::new(), format_exc(py, &e)),
        Ok(v) => {
            let Ok(t) = v.downcast::<PyTuple>() else {
                return (-22, String::new(), String::new());
            };
            if t.len() != 3 {
                return (-22, String::new(), String::new());
            }
            let text = |i: usize| -> String {
                match t.get_item(i) {
                    Ok(x) => {
                        if let Ok(s) = x.downcast::<PyString>() {
                            s.to_string()
                        } else if let Ok(b) = x.downcast::<pyo3::types::PyBytes>() {
                            String::from_utf8_lossy(b.as_bytes()).into_owned()
                        } else if x.is_none() {
                            String::new()
                        } else {
                            x.str().map(|s| s.to_string()).unwrap_or_default()
                        }
                    }
                    Err(_) => String::new(),
                }
            };
            let rc = t
                .get_item(0)
                .and_then(|x| x.extract::<i64>())
                .unwrap_or(-22);
            (rc, text(1), text(2))
        }
    }
}

fn read_loop(
    st: &Arc<WorkerState>,
    reader: &mut UnixStream,
    decoder: &mut Decoder,
    jobs: &Sender<Job>,
    backlog: &Arc<AtomicUsize>,
    instance: &Arc<std::sync::OnceLock<Arc<PyObject>>>,
) {
    while let Some(frame) = read_frame(reader, decoder) {
        match frame {
            Frame::Reply { id, result } => st.conn.complete(id, result),
            Frame::Replica { changes } => st.apply(changes),
            Frame::Command { id, cmd, inbuf } => {
                let _ = jobs.send(Job::Command { id, cmd, inbuf });
            }
            Frame::Notify {
                notify_type,
                notify_id,
            } => {
                if backlog.load(Ordering::Relaxed) >= MAX_NOTIFY_BACKLOG {
                    log(st, &format!("notify backlog full; dropped {notify_type}"));
                    continue;
                }
                backlog.fetch_add(1, Ordering::Relaxed);
                let _ = jobs.send(Job::Notify {
                    notify_type,
                    notify_id,
                });
            }
            Frame::ConfigNotify => {
                let _ = jobs.send(Job::ConfigNotify);
            }
            Frame::Remote { id, method, args } => {
                let Some(instance) = instance.get().cloned() else {
                    let result =
                        CallResult::err("NotReady", "the module is still being constructed");
                    let _ = st.conn.send(&Frame::Reply { id, result });
                    continue;
                };
                let st = st.clone();
                let _ = std::thread::Builder::new()
                    .name("remote".into())
                    .spawn(move || {
                        let result = Python::with_gil(|py| remote(py, &instance, &method, &args));
                        let _ = st.conn.send(&Frame::Reply { id, result });
                    });
            }
            Frame::Shutdown => {
                let _ = jobs.send(Job::Shutdown);
            }
            _ => {}
        }
    }
}

/// Runs another module's `remote()` call on this module's instance.
fn remote(py: Python<'_>, instance: &PyObject, method: &str, args: &str) -> CallResult {
    let inst = instance.bind(py);
    let Ok(f) = inst.getattr(method) else {
        return CallResult::err("NameError", "Method not found");
    };
    let run = || -> PyResult<Result<String, String>> {
        let pickle = py.import("pickle")?;
        let bytes = crate::b64_decode(args).map_err(pyo3::exceptions::PyValueError::new_err)?;
        let tup = pickle.call_method1("loads", (pyo3::types::PyBytes::new(py, &bytes),))?;
        let a = tup.get_item(0)?;
        let kw = tup.get_item(1)?;
        let a = a
            .downcast::<PyTuple>()
            .cloned()
            .or_else(|_| PyTuple::new(py, a.try_iter()?.collect::<PyResult<Vec<_>>>()?))?;
        let kw = kw.downcast::<PyDict>().ok().cloned();
        match f.call(a, kw.as_ref()) {
            Ok(ret) => {
                let out: Vec<u8> = pickle.call_method1("dumps", (ret,))?.extract()?;
                Ok(Ok(crate::b64_encode(&out)))
            }
            Err(e) => Ok(Err(format_exc(py, &e))),
        }
    };
    match run() {
        Ok(Ok(b)) => CallResult::ok(Value::String(b)),
        Ok(Err(tb)) => CallResult::err("Raised", tb),
        Err(e) => CallResult::err("Raised", format_exc(py, &e)),
    }
}
