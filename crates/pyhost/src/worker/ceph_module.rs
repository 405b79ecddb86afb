//! The builtin `ceph_module` (ceph_module_api.md §2, §7, §9, §10): the five classes and
//! every `_ceph_*` method with Pacific's arities and return shapes. Hot reads are answered
//! from the worker's replica; everything else is a call to the core, made with the GIL
//! released.

use super::convert::{fresh_copy, from_py, to_py};
use super::state::{WorkerState, IN_COMMAND};
use crate::protocol::CallResult;
use pyo3::exceptions::{
    PyImportError, PyKeyError, PyNameError, PyOSError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use rmgr_options::{typed_value, OptionType, TypedValue};
use serde_json::{json, Value};
use std::sync::Arc;

use crate::CEPH_VERSION;

/// Opaque handle passed where Pacific passes capsules; modules only pass it through.
#[pyclass(module = "ceph_module", frozen)]
pub(crate) struct Handle(pub(crate) Arc<WorkerState>);

fn exc(kind: &str, msg: String) -> PyErr {
    match kind {
        "ImportError" => PyImportError::new_err(msg),
        "NameError" => PyNameError::new_err(msg),
        "KeyError" => PyKeyError::new_err(msg),
        "ValueError" => PyValueError::new_err(msg),
        "TypeError" => PyTypeError::new_err(msg),
        "OSError" => PyOSError::new_err(msg),
        _ => PyRuntimeError::new_err(msg),
    }
}

/// A call to the core with the GIL released while waiting.
pub(crate) fn call(py: Python<'_>, st: &WorkerState, method: &str, args: Value) -> PyResult<Value> {
    match py.allow_threads(|| st.conn.call(method, args)) {
        CallResult::Ok { value } => Ok(value),
        CallResult::Err { exc: kind, msg } => Err(exc(&kind, msg)),
    }
}

/// `method(args)` for an answer that depends only on the daemon index and the metadata
/// tables: kept while their versions stay, so a module walking every daemon (a
/// Prometheus collect over 1 000 OSDs) does not ask the core once per daemon. The versions
/// are read before asking, so a kept answer is never older than its versions.
fn index_call(
    py: Python<'_>,
    st: &WorkerState,
    method: &str,
    args: Value,
) -> PyResult<std::sync::Arc<Value>> {
    let versions = st.index_versions();
    let key = format!("{method} {args}");
    if let Ok(c) = st.index_cache.lock() {
        if c.versions == versions {
            if let Some(v) = c.answers.get(&key) {
                return Ok(v.clone());
            }
        }
    }
    let v = std::sync::Arc::new(call(py, st, method, args)?);
    if let Ok(mut c) = st.index_cache.lock() {
        if c.versions != versions {
            c.versions = versions;
            c.answers.clear();
        }
        c.answers.insert(key, v.clone());
    }
    Ok(v)
}

/// A call whose JSON answer goes straight back to Python.
fn call_py(py: Python<'_>, st: &WorkerState, method: &str, args: Value) -> PyResult<PyObject> {
    let v = call(py, st, method, args)?;
    to_py(py, &v)
}

/// A one-way notice to the core (logging, health, progress): never waits.
fn event(st: &WorkerState, method: &str, args: Value) {
    let _ = st.conn.send(&crate::protocol::Frame::Call {
        id: 0,
        method: method.to_string(),
        args,
    });
}

fn typed_to_py(py: Python<'_>, t: TypedValue) -> PyResult<PyObject> {
    Ok(match t {
        TypedValue::Str(s) => PyString::new(py, &s).into_any().unbind(),
        TypedValue::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        TypedValue::Float(f) => f.into_pyobject(py)?.into_any().unbind(),
        TypedValue::Bool(b) => pyo3::types::PyBool::new(py, b)
            .to_owned()
            .into_any()
            .unbind(),
        #[allow(unreachable_patterns)]
        _ => py.None(),
    })
}

fn handle_from(args: &Bound<'_, PyTuple>) -> Option<Arc<WorkerState>> {
    args.iter()
        .find_map(|a| a.downcast::<Handle>().ok().map(|h| h.get().0.clone()))
}

/// `get(data_name)`: from the per-version cache when the core's version is unchanged.
fn get_data(py: Python<'_>, st: &WorkerState, name: &str) -> PyResult<PyObject> {
    let current = st
        .replica
        .read()
        .ok()
        .and_then(|r| r.versions.get(name).copied());
    if let Some(v) = current {
        let cached = st.get_cache.lock().ok().and_then(|c| {
            c.get(name)
                .filter(|(cv, _)| *cv == v)
                .map(|(_, o)| o.clone_ref(py))
        });
        if let Some(obj) = cached {
            return Ok(fresh_copy(obj.bind(py))?.unbind());
        }
    }
    let reply = call(py, st, "get", json!({ "name": name }))?;
    if reply.is_null() {
        return Ok(py.None());
    }
    let version = reply.get("version").and_then(Value::as_u64).unwrap_or(0);
    let value = reply.get("value").cloned().unwrap_or(Value::Null);
    let obj = to_py(py, &value)?;
    if version > 0 {
        if let Ok(mut c) = st.get_cache.lock() {
            c.insert(name.to_string(), (version, obj.clone_ref(py)));
        }
        return Ok(fresh_copy(obj.bind(py))?.unbind());
    }
    Ok(obj)
}

fn own_option_type(st: &WorkerState, key: &str) -> Option<OptionType> {
    st.own_options.read().ok()?.get(key).copied()
}

/// `_ceph_get_module_option(module, key, prefix)`: typed stored value or None.
fn module_option(
    py: Python<'_>,
    st: &WorkerState,
    module: &str,
    key: &str,
    prefix: Option<&str>,
) -> PyResult<PyObject> {
    if module == st.module {
        let Some(ty) = own_option_type(st, key) else {
            return Ok(py.None());
        };
        let mut text = None;
        if let Some(p) = prefix.filter(|p| !p.is_empty()) {
            text = st.config(&format!("mgr/{module}/{p}/{key}"));
        }
        let text = text.or_else(|| st.config(&format!("mgr/{module}/{key}")));
        return match text {
            None => Ok(py.None()),
            Some(t) => typed_value(ty, &t)
                .map_err(PyValueError::new_err)
                .and_then(|v| typed_to_py(py, v)),
        };
    }
    call_py(
        py,
        st,
        "get_module_option",
        json!({"module": module, "key": key, "prefix": prefix.unwrap_or("")}),
    )
}

fn ceph_option(py: Python<'_>, st: &WorkerState, name: &str) -> PyResult<PyObject> {
    match st.daemon_option(name) {
        None => Err(PyKeyError::new_err(format!("option not found: {name}"))),
        Some((ty, text)) => match typed_value(ty, &text) {
            Ok(v) => typed_to_py(py, v),
            Err(_) => Ok(PyString::new(py, &text).into_any().unbind()),
        },
    }
}

fn release_name(major: i64) -> &'static str {
    match major {
        10 => "jewel",
        11 => "kraken",
        12 => "luminous",
        13 => "mimic",
        14 => "nautilus",
        15 => "octopus",
        16 => "pacific",
        17 => "quincy",
        18 => "reef",
        19 => "squid",
        _ => "unknown",
    }
}

#[pyclass(subclass, module = "ceph_module", name = "BaseMgrModule")]
pub(crate) struct BaseMgrModule {
    st: Arc<WorkerState>,
}

impl BaseMgrModule {
    fn st(&self) -> &WorkerState {
        &self.st
    }
}

#[pymethods]
impl BaseMgrModule {
    #[new]
    #[pyo3(signature = (*args, **_kwargs))]
    fn new(args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let st = handle_from(args).ok_or_else(|| {
            PyTypeError::new_err(
                "BaseMgrModule needs the handle rmgr passes to module constructors",
            )
        })?;
        Ok(BaseMgrModule { st })
    }

    /// Pacific's base initialiser takes the capsules; construction already happened in
    /// `new`, so this only accepts them (subclasses call `super().__init__(...)`).
    #[pyo3(name = "__init__", signature = (*_args, **_kwargs))]
    fn init(&self, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) {}

    fn _ceph_get(&self, py: Python<'_>, data_name: &str) -> PyResult<PyObject> {
        get_data(py, self.st(), data_name)
    }

    #[pyo3(signature = (hostname))]
    fn _ceph_get_server(&self, py: Python<'_>, hostname: Option<&str>) -> PyResult<PyObject> {
        let v = index_call(py, self.st(), "get_server", json!({ "hostname": hostname }))?;
        to_py(py, &v)
    }

    /// One daemon's metadata, from every metadata of its type fetched once per daemon
    /// index generation.
    fn _ceph_get_metadata(
        &self,
        py: Python<'_>,
        svc_type: &str,
        svc_id: &str,
    ) -> PyResult<PyObject> {
        let all = index_call(
            py,
            self.st(),
            "get_metadata_all",
            json!({ "svc_type": svc_type }),
        )?;
        to_py(py, all.get(svc_id).unwrap_or(&Value::Null))
    }

    fn _ceph_get_daemon_status(
        &self,
        py: Python<'_>,
        svc_type: &str,
        svc_id: &str,
    ) -> PyResult<PyObject> {
        call_py(
            py,
            self.st(),
            "get_daemon_status",
            json!({"svc_type": svc_type, "svc_id": svc_id}),
        )
    }

    fn _ceph_get_osdmap(&self, py: Python<'_>) -> PyResult<PyObject> {
        let v = call(py, self.st(), "get_osdmap", json!({}))?;
        let data = Py::new(py, super::maps::MapData::new(v))?;
        Ok(py
            .import("mgr_module")?
            .getattr("OSDMap")?
            .call1((data,))?
            .unbind())
    }

    fn _ceph_have_mon_connection(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(call(py, self.st(), "have_mon_connection", json!({}))?
            .as_bool()
            .unwrap_or(false))
    }

    fn _ceph_get_daemon_health_metrics(&self, py: Python<'_>) -> PyResult<PyObject> {
        call_py(py, self.st(), "get_daemon_health_metrics", json!({}))
    }

    // ---- options ----------------------------------------------------------------------

    #[pyo3(signature = (module, key, prefix=None))]
    fn _ceph_get_module_option(
        &self,
        py: Python<'_>,
        module: &str,
        key: &str,
        prefix: Option<&str>,
    ) -> PyResult<PyObject> {
        module_option(py, self.st(), module, key, prefix)
    }

    #[pyo3(signature = (module, key, value))]
    fn _ceph_set_module_option(
        &self,
        py: Python<'_>,
        module: &str,
        key: &str,
        value: Option<&str>,
    ) -> PyResult<()> {
        call(
            py,
            self.st(),
            "set_module_option",
            json!({"module": module, "key": key, "value": value}),
        )?;
        Ok(())
    }

    fn _ceph_get_option(&self, py: Python<'_>, name: &str) -> PyResult<PyObject> {
        ceph_option(py, self.st(), name)
    }

    fn _ceph_get_foreign_option(
        &self,
        py: Python<'_>,
        entity: &str,
        name: &str,
    ) -> PyResult<PyObject> {
        call_py(
            py,
            self.st(),
            "get_foreign_option",
            json!({"entity": entity, "name": name}),
        )
    }

    // ---- KV store ---------------------------------------------------------------------

    fn _ceph_get_store(&self, py: Python<'_>, key: &str) -> PyResult<PyObject> {
        let v = self
            .st()
            .replica
            .read()
            .ok()
            .and_then(|r| r.store.get(key).cloned());
        Ok(match v {
            Some(s) => PyString::new(py, &s).into_any().unbind(),
            None => py.None(),
        })
    }

    #[pyo3(signature = (*args))]
    fn _ceph_set_store(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<()> {
        if args.len() != 2 {
            return Err(PyTypeError::new_err(format!(
                "ceph_store_set() takes exactly 2 arguments ({} given)",
                args.len()
            )));
        }
        let key = args.get_item(0)?;
        let key: String = key
            .downcast::<PyString>()
            .map_err(|_| {
                PyTypeError::new_err(format!(
                    "ceph_store_set() argument 1 must be str, not {}",
                    type_name(&key)
                ))
            })?
            .to_str()?
            .to_string();
        let val = args.get_item(1)?;
        let value: Option<String> = if val.is_none() {
            None
        } else {
            Some(
                val.downcast::<PyString>()
                    .map_err(|_| {
                        PyTypeError::new_err(format!(
                            "ceph_store_set() argument 2 must be str or None, not {}",
                            type_name(&val)
                        ))
                    })?
                    .to_str()?
                    .to_string(),
            )
        };
        call(
            py,
            self.st(),
            "set_store",
            json!({"key": key, "value": value}),
        )?;
        Ok(())
    }

    fn _ceph_get_store_prefix(&self, py: Python<'_>, prefix: &str) -> PyResult<PyObject> {
        let d = PyDict::new(py);
        if let Ok(r) = self.st().replica.read() {
            for (k, v) in r.store.range(prefix.to_string()..) {
                if !k.starts_with(prefix) {
                    break;
                }
                d.set_item(k, v)?;
            }
        }
        Ok(d.into_any().unbind())
    }

    // ---- commands to other daemons ------------------------------------------------------

    #[pyo3(signature = (*args))]
    fn _ceph_send_command(&self, _py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<()> {
        if args.len() != 6 {
            return Err(PyTypeError::new_err(format!(
                "ceph_send_command() takes exactly 6 arguments ({} given)",
                args.len()
            )));
        }
        let result = args.get_item(0)?;
        let svc_type: String = args.get_item(1)?.extract()?;
        let svc_id: String = args.get_item(2)?.extract()?;
        let command: String = args.get_item(3)?.extract()?;
        let tag: String = args.get_item(4)?.extract()?;
        let inbuf_obj = args.get_item(5)?;
        let inbuf: String = if inbuf_obj.is_none() {
            String::new()
        } else if let Ok(b) = inbuf_obj.downcast::<pyo3::types::PyBytes>() {
            String::from_utf8_lossy(b.as_bytes()).into_owned()
        } else {
            inbuf_obj.extract()?
        };
        match svc_type.as_str() {
            "mon" => {}
            "osd" => {
                if svc_id.parse::<i64>().is_err() {
                    return Err(PyValueError::new_err(format!(
                        "invalid osd_id: \"{svc_id}\""
                    )));
                }
            }
            "pg" => {
                let ok = svc_id.split_once('.').is_some_and(|(p, s)| {
                    p.parse::<u64>().is_ok() && u64::from_str_radix(s, 16).is_ok()
                });
                if !ok {
                    return Err(PyValueError::new_err(format!("invalid pgid: \"{svc_id}\"")));
                }
            }
            "mds" => {}
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown service type: {other}"
                )))
            }
        }
        if !result.hasattr("complete")? {
            return Err(PyTypeError::new_err(
                "result object has no complete() method",
            ));
        }
        let st = self.st.clone();
        let result: PyObject = result.unbind();
        // Completion runs on its own thread, like Pacific's `cmdfin`.
        std::thread::Builder::new()
            .name("cmdfin".into())
            .spawn(move || {
                let reply = st.conn.call(
                    "send_command",
                    json!({"svc_type": svc_type, "svc_id": svc_id, "command": command, "tag": tag, "inbuf": inbuf}),
                );
                Python::with_gil(|py| {
                    let (r, outb, outs) = match reply {
                        CallResult::Ok { value } => (
                            value.get(0).and_then(Value::as_i64).unwrap_or(-5),
                            value.get(1).and_then(Value::as_str).unwrap_or("").to_string(),
                            value.get(2).and_then(Value::as_str).unwrap_or("").to_string(),
                        ),
                        CallResult::Err { msg, .. } => (-5, String::new(), msg),
                    };
                    if let Err(e) = result.call_method1(py, "complete", (r, outb, outs)) {
                        e.print(py);
                    }
                });
            })
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start command thread: {e}")))?;
        Ok(())
    }

    // ---- health, progress, logs -------------------------------------------------------

    fn _ceph_set_health_checks(&self, checks: &Bound<'_, PyAny>) -> PyResult<()> {
        if checks.downcast::<PyDict>().is_err() {
            event(
                self.st(),
                "log",
                json!({"line": "set_health_checks: argument is not a dict; ignored"}),
            );
            return Ok(());
        }
        let v = from_py(checks)?;
        event(self.st(), "set_health_checks", v);
        Ok(())
    }

    fn _ceph_update_progress_event(
        &self,
        evid: &str,
        desc: &str,
        progress: f64,
        add_to_ceph_s: bool,
    ) {
        event(
            self.st(),
            "update_progress_event",
            json!({"evid": evid, "desc": desc, "progress": progress, "add_to_ceph_s": add_to_ceph_s}),
        );
    }

    fn _ceph_complete_progress_event(&self, evid: &str) {
        event(
            self.st(),
            "complete_progress_event",
            json!({ "evid": evid }),
        );
    }

    fn _ceph_clear_all_progress_events(&self) {
        event(self.st(), "clear_all_progress_events", json!({}));
    }

    fn _ceph_cluster_log(&self, channel: &str, prio: i64, message: &str) {
        event(
            self.st(),
            "cluster_log",
            json!({"channel": channel, "prio": prio, "message": message}),
        );
    }

    fn _ceph_log(&self, record: &str) {
        self.st().conn.log(record.to_string());
    }

    // ---- identity and misc ------------------------------------------------------------

    fn _ceph_get_mgr_id(&self) -> String {
        self.st().mgr_id.clone()
    }

    fn _ceph_get_version(&self) -> &'static str {
        CEPH_VERSION
    }

    fn _ceph_get_release_name(&self) -> &'static str {
        "pacific"
    }

    fn _ceph_lookup_release_name(&self, major: i64) -> &'static str {
        release_name(major)
    }

    fn _ceph_get_ceph_conf_path(&self, py: Python<'_>) -> PyResult<String> {
        Ok(call(py, self.st(), "get_ceph_conf_path", json!({}))?
            .as_str()
            .unwrap_or("")
            .to_string())
    }

    fn _ceph_get_context(&self, py: Python<'_>) -> PyResult<PyObject> {
        // Standalone there is no cluster: `MgrModule.rados` then fails with librados' own
        // error. On a cluster, a CephContext of our own identity (mgr.<id>, the daemon's
        // conf and keyring) made through librados, as a capsule python3-rados accepts.
        let (Ok(conf), Ok(name), Ok(keyring)) = (
            std::env::var("RMGR_CEPH_CONF"),
            std::env::var("RMGR_CEPH_NAME"),
            std::env::var("RMGR_CEPH_KEYRING"),
        ) else {
            return Ok(py.None());
        };
        if let Some(c) = self
            .st()
            .context
            .lock()
            .ok()
            .and_then(|c| c.as_ref().map(|c| c.clone_ref(py)))
        {
            return Ok(c);
        }
        let code = std::ffi::CString::new(CONTEXT_PY).unwrap_or_default();
        let m = PyModule::from_code(py, &code, c"rmgr_context.py", c"rmgr_context")?;
        let cap = m.getattr("make")?.call1((conf, name, keyring))?.unbind();
        if let Ok(mut c) = self.st().context.lock() {
            *c = Some(cap.clone_ref(py));
        }
        Ok(cap)
    }

    fn _ceph_set_uri(&self, uri: &str) {
        event(self.st(), "set_uri", json!({ "uri": uri }));
    }

    fn _ceph_set_device_wear_level(&self, py: Python<'_>, devid: &str, level: f64) -> PyResult<()> {
        call(
            py,
            self.st(),
            "set_device_wear_level",
            json!({"devid": devid, "level": level}),
        )?;
        Ok(())
    }

    fn _ceph_is_authorized(&self, arguments: &Bound<'_, PyAny>) -> bool {
        arguments.downcast::<PyDict>().is_ok() && IN_COMMAND.with(|c| c.get())
    }

    fn _ceph_register_client(&self, addrs: &str) {
        event(self.st(), "register_client", json!({ "addrs": addrs }));
    }

    fn _ceph_unregister_client(&self, addrs: &str) {
        event(self.st(), "unregister_client", json!({ "addrs": addrs }));
    }

    fn _ceph_dispatch_remote(
        &self,
        py: Python<'_>,
        module_name: &str,
        method_name: &str,
        args: &Bound<'_, PyAny>,
        kwargs: &Bound<'_, PyAny>,
    ) -> PyResult<PyObject> {
        let pickle = py.import("pickle")?;
        let payload: Vec<u8> = pickle.call_method1("dumps", ((args, kwargs),))?.extract()?;
        let v = call(
            py,
            self.st(),
            "remote",
            json!({"module": module_name, "method": method_name, "args": crate::b64_encode(&payload)}),
        )?;
        let bytes = crate::b64_decode(v.as_str().unwrap_or("")).map_err(PyRuntimeError::new_err)?;
        Ok(pickle
            .call_method1("loads", (pyo3::types::PyBytes::new(py, &bytes),))?
            .unbind())
    }

    // ---- performance counters and queries -----------------------------------------------

    fn _ceph_get_perf_schema(
        &self,
        py: Python<'_>,
        svc_type: &str,
        svc_id: &str,
    ) -> PyResult<PyObject> {
        let v = index_call(
            py,
            self.st(),
            "get_perf_schema",
            json!({"svc_type": svc_type, "svc_id": svc_id}),
        )?;
        to_py(py, &v)
    }

    fn _ceph_get_counter(
        &self,
        py: Python<'_>,
        svc_type: &str,
        svc_id: &str,
        path: &str,
    ) -> PyResult<PyObject> {
        call_py(
            py,
            self.st(),
            "get_counter",
            json!({"svc_type": svc_type, "svc_id": svc_id, "path": path}),
        )
    }

    fn _ceph_get_latest_counter(
        &self,
        py: Python<'_>,
        svc_type: &str,
        svc_id: &str,
        path: &str,
    ) -> PyResult<PyObject> {
        let st = self.st();
        let key = (svc_type.to_string(), svc_id.to_string());
        let cached = st.counter_cache.lock().ok().and_then(|c| {
            c.get(&key)
                .filter(|(at, _)| at.elapsed() < crate::worker::state::COUNTER_CACHE_TTL)
                .map(|(_, v)| v.get(path).cloned())
        });
        let value = match cached {
            Some(v) => v,
            None => {
                let all = call(
                    py,
                    st,
                    "get_latest_counters",
                    json!({"svc_type": svc_type, "svc_id": svc_id}),
                )?;
                let v = all.get(path).cloned();
                if let Ok(mut c) = st.counter_cache.lock() {
                    c.insert(key, (std::time::Instant::now(), all));
                }
                v
            }
        };
        let mut m = serde_json::Map::new();
        m.insert(path.to_string(), value.unwrap_or_else(|| json!([])));
        to_py(py, &serde_json::Value::Object(m))
    }

    fn _ceph_add_osd_perf_query(
        &self,
        py: Python<'_>,
        query: &Bound<'_, PyAny>,
    ) -> PyResult<PyObject> {
        call_py(py, self.st(), "add_osd_perf_query", from_py(query)?)
    }

    fn _ceph_remove_osd_perf_query(&self, py: Python<'_>, query_id: i64) -> PyResult<()> {
        call(
            py,
            self.st(),
            "remove_osd_perf_query",
            json!({ "id": query_id }),
        )?;
        Ok(())
    }

    fn _ceph_get_osd_perf_counters(&self, py: Python<'_>, query_id: i64) -> PyResult<PyObject> {
        call_py(
            py,
            self.st(),
            "get_osd_perf_counters",
            json!({ "id": query_id }),
        )
    }

    fn _ceph_add_mds_perf_query(
        &self,
        py: Python<'_>,
        query: &Bound<'_, PyAny>,
    ) -> PyResult<PyObject> {
        call_py(py, self.st(), "add_mds_perf_query", from_py(query)?)
    }

    fn _ceph_remove_mds_perf_query(&self, py: Python<'_>, query_id: i64) -> PyResult<()> {
        call(
            py,
            self.st(),
            "remove_mds_perf_query",
            json!({ "id": query_id }),
        )?;
        Ok(())
    }

    fn _ceph_reregister_mds_perf_queries(&self) {}

    fn _ceph_get_mds_perf_counters(&self, py: Python<'_>, query_id: i64) -> PyResult<PyObject> {
        call_py(
            py,
            self.st(),
            "get_mds_perf_counters",
            json!({ "id": query_id }),
        )
    }
}

/// Makes a CephContext through librados (`rados_create2` + conf + keyring, then
/// `rados_cct`) and wraps it in an unnamed capsule, which is what python3-rados'
/// `Rados(context=...)` takes. The cluster handle is kept for the process's life.
const CONTEXT_PY: &str = r#"
import ctypes

_keep = []

def make(conf, name, keyring):
    lib = ctypes.CDLL('librados.so.2')
    cluster = ctypes.c_void_p()
    lib.rados_create2.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint64]
    rc = lib.rados_create2(ctypes.byref(cluster), b'ceph', name.encode(), 0)
    if rc:
        raise OSError(-rc, 'rados_create2 failed')
    lib.rados_conf_read_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    rc = lib.rados_conf_read_file(cluster, conf.encode())
    if rc:
        raise OSError(-rc, 'rados_conf_read_file failed')
    lib.rados_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    lib.rados_conf_set(cluster, b'keyring', keyring.encode())
    lib.rados_cct.argtypes = [ctypes.c_void_p]
    lib.rados_cct.restype = ctypes.c_void_p
    cct = lib.rados_cct(cluster)
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    _keep.append((lib, cluster))
    return new(cct, None, None)
"#;

fn type_name(o: &Bound<'_, PyAny>) -> String {
    o.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

#[pyclass(subclass, module = "ceph_module", name = "BaseMgrStandbyModule")]
pub(crate) struct BaseMgrStandbyModule {
    st: Arc<WorkerState>,
}

#[pymethods]
impl BaseMgrStandbyModule {
    #[new]
    #[pyo3(signature = (*args, **_kwargs))]
    fn new(args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let st = handle_from(args).ok_or_else(|| {
            PyTypeError::new_err("BaseMgrStandbyModule needs the handle rmgr passes")
        })?;
        Ok(BaseMgrStandbyModule { st })
    }

    /// Pacific's base initialiser takes the capsules; construction already happened in
    /// `new`, so this only accepts them (subclasses call `super().__init__(...)`).
    #[pyo3(name = "__init__", signature = (*_args, **_kwargs))]
    fn init(&self, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) {}

    fn _ceph_get(&self, py: Python<'_>, data_name: &str) -> PyResult<PyObject> {
        if data_name == "mgr_ips" {
            return get_data(py, &self.st, data_name);
        }
        Ok(py.None())
    }

    fn _ceph_get_mgr_id(&self) -> String {
        self.st.mgr_id.clone()
    }

    #[pyo3(signature = (key, prefix=None))]
    fn _ceph_get_module_option(
        &self,
        py: Python<'_>,
        key: &str,
        prefix: Option<&str>,
    ) -> PyResult<PyObject> {
        let module = self.st.module.clone();
        module_option(py, &self.st, &module, key, prefix)
    }

    fn _ceph_get_option(&self, py: Python<'_>, name: &str) -> PyObject {
        match self.st.daemon_option(name) {
            Some((_, text)) => PyString::new(py, &text).into_any().unbind(),
            None => py.None(),
        }
    }

    fn _ceph_get_store(&self, py: Python<'_>, key: &str) -> PyResult<PyObject> {
        call_py(py, &self.st, "get_store", json!({ "key": key }))
    }

    fn _ceph_get_active_uri(&self, py: Python<'_>) -> PyResult<String> {
        Ok(call(py, &self.st, "get_active_uri", json!({}))?
            .as_str()
            .unwrap_or("")
            .to_string())
    }

    fn _ceph_log(&self, record: &str) {
        self.st.conn.log(record.to_string());
    }
}

#[pymodule]
pub(crate) fn ceph_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<BaseMgrModule>()?;
    m.add_class::<BaseMgrStandbyModule>()?;
    m.add_class::<super::maps::BasePyOSDMap>()?;
    m.add_class::<super::maps::BasePyOSDMapIncremental>()?;
    m.add_class::<super::maps::BasePyCRUSH>()?;
    Ok(())
}
