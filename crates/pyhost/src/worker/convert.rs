//! JSON ↔ Python values, as Pacific's PyFormatter and cmdmap conversion shape them:
//! objects → dict, arrays → list, integers → int, floats → float, strings → str.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

pub(crate) fn to_py(py: Python<'_>, v: &Value) -> PyResult<PyObject> {
    Ok(match v {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64()
                    .unwrap_or(0.0)
                    .into_pyobject(py)?
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(a) => {
            let items: Vec<PyObject> = a.iter().map(|x| to_py(py, x)).collect::<PyResult<_>>()?;
            PyList::new(py, items)?.into_any().unbind()
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, to_py(py, x)?)?;
            }
            d.into_any().unbind()
        }
    })
}

/// Python → JSON. Dict keys become strings (`str()` of non-str keys); tuples and sets
/// become arrays; anything else JSON cannot hold becomes its `str()`.
pub(crate) fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    from_py_depth(obj, 0)
}

const MAX_DEPTH: usize = 128;

fn from_py_depth(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "value nested too deeply",
        ));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.downcast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Ok(Value::String(obj.str()?.to_string()));
    }
    if let Ok(f) = obj.downcast::<PyFloat>() {
        return Ok(Number::from_f64(f.value())
            .map(Value::Number)
            .unwrap_or(Value::Null));
    }
    if let Ok(s) = obj.downcast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_string()));
    }
    if let Ok(b) = obj.downcast::<PyBytes>() {
        return Ok(Value::String(
            String::from_utf8_lossy(b.as_bytes()).into_owned(),
        ));
    }
    if let Ok(d) = obj.downcast::<PyDict>() {
        let mut m = Map::new();
        for (k, v) in d.iter() {
            let key = match k.downcast::<PyString>() {
                Ok(s) => s.to_str()?.to_string(),
                Err(_) => k.str()?.to_string(),
            };
            m.insert(key, from_py_depth(&v, depth + 1)?);
        }
        return Ok(Value::Object(m));
    }
    if let Ok(l) = obj.downcast::<PyList>() {
        return l
            .iter()
            .map(|x| from_py_depth(&x, depth + 1))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    if let Ok(t) = obj.downcast::<PyTuple>() {
        return t
            .iter()
            .map(|x| from_py_depth(&x, depth + 1))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    if let Ok(iter) = obj.try_iter() {
        if obj.hasattr("__len__")? && !obj.hasattr("keys")? {
            return iter
                .map(|x| x.and_then(|x| from_py_depth(&x, depth + 1)))
                .collect::<PyResult<Vec<_>>>()
                .map(Value::Array);
        }
    }
    Ok(Value::String(obj.str()?.to_string()))
}

/// A fresh copy of a value built by [`to_py`]: new dicts and lists all the way down, the
/// immutable leaves (str, int, float, bool, None) shared. `get()` hands every caller its
/// own containers, as Pacific does, without re-parsing: `dict.copy()` and list slices are
/// C-level copies, so this costs a fraction of decoding the JSON again.
pub(crate) fn fresh_copy<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    // Only what `to_py` builds is walked: exact dicts and lists.
    if let Ok(d) = obj.downcast_exact::<PyDict>() {
        let out = d.copy()?;
        for (k, v) in d.iter() {
            if v.is_exact_instance_of::<PyDict>() || v.is_exact_instance_of::<PyList>() {
                out.set_item(k, fresh_copy(&v)?)?;
            }
        }
        return Ok(out.into_any());
    }
    if let Ok(l) = obj.downcast_exact::<PyList>() {
        let out = l.get_slice(0, l.len());
        for (i, v) in l.iter().enumerate() {
            if v.is_exact_instance_of::<PyDict>() || v.is_exact_instance_of::<PyList>() {
                out.set_item(i, fresh_copy(&v)?)?;
            }
        }
        return Ok(out.into_any());
    }
    Ok(obj.clone())
}
