//! `BasePyOSDMap`, `BasePyOSDMapIncremental`, `BasePyCRUSH` over JSON snapshots
//! (ceph_module_api.md §10). Standalone, maps are the JSON dumps in the cluster state, so
//! these answer from the dump: epochs, pools, CRUSH items and weights, and PG mappings
//! when the state holds them (`pg_dump`).

use super::convert::{from_py, to_py};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// What the "capsule" carries: the map dumps a `get_osdmap()` snapshot is made of.
#[pyclass(module = "ceph_module", frozen)]
pub(crate) struct MapData {
    osd_map: Arc<Value>,
    crush: Arc<Value>,
    pg_dump: Arc<Value>,
}

impl MapData {
    /// From the core's `get_osdmap` reply: `{osd_map, osd_map_crush, pg_dump}`.
    pub(crate) fn new(v: Value) -> Self {
        let part = |k: &str| Arc::new(v.get(k).cloned().unwrap_or_else(|| json!({})));
        MapData {
            osd_map: part("osd_map"),
            crush: part("osd_map_crush"),
            pg_dump: part("pg_dump"),
        }
    }
}

fn data_from(args: &Bound<'_, PyTuple>) -> PyResult<Py<MapData>> {
    args.iter()
        .find_map(|a| a.downcast::<MapData>().ok().map(|d| d.clone().unbind()))
        .ok_or_else(|| PyTypeError::new_err("expected a map handle from rmgr"))
}

fn int(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

fn items<'a>(v: &'a Value, k: &str) -> impl Iterator<Item = &'a Value> {
    v.get(k).and_then(Value::as_array).into_iter().flatten()
}

#[pyclass(subclass, module = "ceph_module", name = "BasePyOSDMap")]
pub(crate) struct BasePyOSDMap {
    data: Py<MapData>,
}

#[pymethods]
impl BasePyOSDMap {
    #[new]
    #[pyo3(signature = (*args, **_kwargs))]
    fn new(args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Ok(BasePyOSDMap {
            data: data_from(args)?,
        })
    }

    #[pyo3(name = "__init__", signature = (*_args, **_kwargs))]
    fn init(&self, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) {}

    fn _get_epoch(&self) -> i64 {
        int(&self.data.get().osd_map, "epoch")
    }

    fn _get_crush_version(&self) -> i64 {
        int(&self.data.get().osd_map, "crush_version")
    }

    fn _dump(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py(py, &self.data.get().osd_map)
    }

    fn _new_incremental(&self, py: Python<'_>) -> PyResult<PyObject> {
        let d = self.data.get();
        let inc = json!({"epoch": int(&d.osd_map, "epoch") + 1, "fsid": d.osd_map.get("fsid").cloned().unwrap_or(Value::Null),
                         "new_weight": {}, "crush_compat_weight_set_weights": {}});
        let h = Py::new(
            py,
            IncData {
                inc: std::sync::Mutex::new(inc),
            },
        )?;
        Ok(py
            .import("mgr_module")?
            .getattr("OSDMapIncremental")?
            .call1((h,))?
            .unbind())
    }

    fn _apply_incremental(&self, py: Python<'_>, inc: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let inc = inc.downcast::<BasePyOSDMapIncremental>()?;
        let delta = inc
            .borrow()
            .data
            .get()
            .inc
            .lock()
            .map(|g| g.clone())
            .unwrap_or(Value::Null);
        let d = self.data.get();
        let mut map = (*d.osd_map).clone();
        if let Some(e) = delta.get("epoch") {
            map["epoch"] = e.clone();
        }
        if let (Some(weights), Some(osds)) = (
            delta.get("new_weight").and_then(Value::as_object),
            map.get_mut("osds").and_then(Value::as_array_mut),
        ) {
            for o in osds.iter_mut() {
                let id = o
                    .get("osd")
                    .and_then(Value::as_i64)
                    .unwrap_or(-1)
                    .to_string();
                if let Some(w) = weights.get(&id) {
                    o["weight"] = w.clone();
                }
            }
        }
        let next = MapData {
            osd_map: Arc::new(map),
            crush: d.crush.clone(),
            pg_dump: d.pg_dump.clone(),
        };
        Ok(py
            .import("mgr_module")?
            .getattr("OSDMap")?
            .call1((Py::new(py, next)?,))?
            .unbind())
    }

    fn _get_crush(&self, py: Python<'_>) -> PyResult<PyObject> {
        Ok(py
            .import("mgr_module")?
            .getattr("CRUSHMap")?
            .call1((self.data.clone_ref(py),))?
            .unbind())
    }

    fn _get_pools_by_take(&self, py: Python<'_>, take: i64) -> PyResult<PyObject> {
        let d = self.data.get();
        let rules: Vec<i64> = items(&d.crush, "rules")
            .filter(|r| {
                items(r, "steps").any(|s| {
                    s.get("op").and_then(Value::as_str) == Some("take") && int(s, "item") == take
                })
            })
            .map(|r| int(r, "rule_id"))
            .collect();
        let pools: Vec<i64> = items(&d.osd_map, "pools")
            .filter(|p| rules.contains(&int(p, "crush_rule")))
            .map(|p| int(p, "pool"))
            .collect();
        to_py(py, &json!({ "pools": pools }))
    }

    #[pyo3(signature = (_inc, _max_deviation, _max_iterations, _pools))]
    fn _calc_pg_upmaps(
        &self,
        _inc: &Bound<'_, PyAny>,
        _max_deviation: i64,
        _max_iterations: i64,
        _pools: &Bound<'_, PyAny>,
    ) -> i64 {
        // Standalone maps carry no CRUSH placement to optimise: no change proposed.
        0
    }

    fn _map_pool_pgs_up(&self, py: Python<'_>, poolid: i64) -> PyResult<PyObject> {
        let d = self.data.get();
        let mut m = Map::new();
        for pg in items(&d.pg_dump, "pg_stats") {
            let pgid = pg.get("pgid").and_then(Value::as_str).unwrap_or("");
            if pgid.split('.').next().and_then(|p| p.parse::<i64>().ok()) == Some(poolid) {
                m.insert(
                    pgid.to_string(),
                    pg.get("up").cloned().unwrap_or_else(|| json!([])),
                );
            }
        }
        to_py(py, &Value::Object(m))
    }

    fn _pg_to_up_acting_osds(&self, py: Python<'_>, pool_id: i64, ps: i64) -> PyResult<PyObject> {
        let d = self.data.get();
        let pgid = format!("{pool_id}.{ps:x}");
        let pg = items(&d.pg_dump, "pg_stats")
            .find(|p| p.get("pgid").and_then(Value::as_str) == Some(pgid.as_str()));
        let v = match pg {
            Some(p) => {
                json!({"up": p.get("up").cloned().unwrap_or(json!([])), "up_primary": p.get("up_primary").cloned().unwrap_or(json!(-1)),
                              "acting": p.get("acting").cloned().unwrap_or(json!([])), "acting_primary": p.get("acting_primary").cloned().unwrap_or(json!(-1))})
            }
            None => json!({"up": [], "up_primary": -1, "acting": [], "acting_primary": -1}),
        };
        to_py(py, &v)
    }

    fn _pool_raw_used_rate(&self, pool_id: i64) -> f64 {
        let d = self.data.get();
        let Some(pool) = items(&d.osd_map, "pools").find(|p| int(p, "pool") == pool_id) else {
            return 1.0;
        };
        // Replicated pools are type 1; erasure-coded pools (type 3) store (k+m)/k.
        if int(pool, "type") == 3 {
            let profile = pool
                .get("erasure_code_profile")
                .and_then(Value::as_str)
                .unwrap_or("");
            let p = d
                .osd_map
                .get("erasure_code_profiles")
                .and_then(|e| e.get(profile));
            let num = |k: &str| {
                p.and_then(|p| p.get(k)).and_then(|v| {
                    v.as_str()
                        .and_then(|s| s.parse::<f64>().ok())
                        .or(v.as_f64())
                })
            };
            if let (Some(k), Some(m)) = (num("k"), num("m")) {
                if k > 0.0 {
                    return (k + m) / k;
                }
            }
        }
        pool.get("size").and_then(Value::as_f64).unwrap_or(1.0)
    }
}

#[pyclass(module = "ceph_module", frozen)]
pub(crate) struct IncData {
    inc: std::sync::Mutex<Value>,
}

#[pyclass(subclass, module = "ceph_module", name = "BasePyOSDMapIncremental")]
pub(crate) struct BasePyOSDMapIncremental {
    data: Py<IncData>,
}

#[pymethods]
impl BasePyOSDMapIncremental {
    #[new]
    #[pyo3(signature = (*args, **_kwargs))]
    fn new(args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let data = args
            .iter()
            .find_map(|a| a.downcast::<IncData>().ok().map(|d| d.clone().unbind()))
            .ok_or_else(|| PyTypeError::new_err("expected an incremental handle from rmgr"))?;
        Ok(BasePyOSDMapIncremental { data })
    }

    #[pyo3(name = "__init__", signature = (*_args, **_kwargs))]
    fn init(&self, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) {}

    fn _get_epoch(&self) -> i64 {
        self.data
            .get()
            .inc
            .lock()
            .map(|v| int(&v, "epoch"))
            .unwrap_or(0)
    }

    fn _dump(&self, py: Python<'_>) -> PyResult<PyObject> {
        let v = self
            .data
            .get()
            .inc
            .lock()
            .map(|v| v.clone())
            .unwrap_or(Value::Null);
        to_py(py, &v)
    }

    fn _set_osd_reweights(&self, weights: &Bound<'_, PyAny>) -> PyResult<()> {
        let w = from_py(weights)?;
        if let (Ok(mut inc), Some(obj)) = (self.data.get().inc.lock(), w.as_object()) {
            for (osd, weight) in obj {
                let clamped = weight.as_f64().unwrap_or(0.0).clamp(0.0, 1.0);
                inc["new_weight"][osd] = json!(clamped);
            }
        }
        Ok(())
    }

    fn _set_crush_compat_weight_set_weights(&self, weights: &Bound<'_, PyAny>) -> PyResult<()> {
        let w = from_py(weights)?;
        if let (Ok(mut inc), Some(obj)) = (self.data.get().inc.lock(), w.as_object()) {
            for (item, weight) in obj {
                inc["crush_compat_weight_set_weights"][item] = weight.clone();
            }
        }
        Ok(())
    }
}

#[pyclass(subclass, module = "ceph_module", name = "BasePyCRUSH")]
pub(crate) struct BasePyCRUSH {
    data: Py<MapData>,
}

fn crush_items(crush: &Value) -> Vec<(i64, String, Option<f64>)> {
    let mut out: Vec<(i64, String, Option<f64>)> = items(crush, "devices")
        .map(|d| {
            (
                int(d, "id"),
                d.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                None,
            )
        })
        .collect();
    for b in items(crush, "buckets") {
        let w = b.get("weight").and_then(Value::as_f64).map(|w| w / 65536.0);
        out.push((
            int(b, "id"),
            b.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            w,
        ));
        for it in items(b, "items") {
            let id = int(it, "id");
            if let Some(e) = out.iter_mut().find(|e| e.0 == id && e.2.is_none()) {
                e.2 = it
                    .get("weight")
                    .and_then(Value::as_f64)
                    .map(|w| w / 65536.0);
            }
        }
    }
    out
}

#[pymethods]
impl BasePyCRUSH {
    #[new]
    #[pyo3(signature = (*args, **_kwargs))]
    fn new(args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        Ok(BasePyCRUSH {
            data: data_from(args)?,
        })
    }

    #[pyo3(name = "__init__", signature = (*_args, **_kwargs))]
    fn init(&self, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) {}

    fn _dump(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py(py, &self.data.get().crush)
    }

    fn _get_item_name(&self, item: i64) -> Option<String> {
        crush_items(&self.data.get().crush)
            .into_iter()
            .find(|e| e.0 == item)
            .map(|e| e.1)
    }

    fn _get_item_weight(&self, item: i64) -> Option<f64> {
        crush_items(&self.data.get().crush)
            .into_iter()
            .find(|e| e.0 == item)
            .and_then(|e| e.2)
    }

    fn _find_roots(&self, py: Python<'_>) -> PyResult<PyObject> {
        let crush = &self.data.get().crush;
        let children: Vec<i64> = items(crush, "buckets")
            .flat_map(|b| items(b, "items").map(|i| int(i, "id")))
            .collect();
        let roots: Vec<i64> = items(crush, "buckets")
            .map(|b| int(b, "id"))
            .filter(|id| !children.contains(id))
            .collect();
        to_py(py, &json!({ "roots": roots }))
    }

    fn _find_takes(&self, py: Python<'_>) -> PyResult<PyObject> {
        let crush = &self.data.get().crush;
        let mut takes: Vec<i64> = items(crush, "rules")
            .flat_map(|r| {
                items(r, "steps")
                    .filter(|s| s.get("op").and_then(Value::as_str) == Some("take"))
                    .map(|s| int(s, "item"))
            })
            .collect();
        takes.sort_unstable();
        takes.dedup();
        to_py(py, &json!({ "takes": takes }))
    }

    fn _get_take_weight_osd_map(&self, py: Python<'_>, root: i64) -> PyResult<PyObject> {
        let crush = &self.data.get().crush;
        let mut weights = Map::new();
        let mut stack = vec![root];
        let mut seen = 0usize;
        while let Some(id) = stack.pop() {
            seen += 1;
            if seen > 100_000 {
                break;
            }
            if id >= 0 {
                continue;
            }
            if let Some(b) = items(crush, "buckets").find(|b| int(b, "id") == id) {
                for it in items(b, "items") {
                    let cid = int(it, "id");
                    if cid >= 0 {
                        let w = it.get("weight").and_then(Value::as_f64).unwrap_or(0.0) / 65536.0;
                        weights.insert(cid.to_string(), json!(w));
                    } else {
                        stack.push(cid);
                    }
                }
            }
        }
        to_py(py, &json!({ "weights": weights }))
    }
}
