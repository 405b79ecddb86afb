//! Values a parsed command carries before it becomes JSON: the Python objects argparse puts in
//! its result dict (`str`, `int`, `float`, `bool`, lists, and the `('mon-mgr', '')` target).

use serde_json::Value;

use crate::bigint::PyInt;

/// A validated parameter value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PyVal {
    Str(String),
    Int(PyInt),
    Float(f64),
    Bool(bool),
    List(Vec<PyVal>),
    /// `('mon-mgr', '')`, added for `FLAG_MGR` commands.
    MgrTarget,
}

impl PyVal {
    /// The JSON `json.dumps` would write. Non-finite floats (which Python writes as the
    /// non-JSON `Infinity`/`NaN`) become `null`; integers beyond 64 bits become floats.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            PyVal::Str(s) => Value::String(s.clone()),
            PyVal::Int(i) => i.to_json(),
            PyVal::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            PyVal::Bool(b) => Value::Bool(*b),
            PyVal::List(items) => Value::Array(items.iter().map(PyVal::to_json).collect()),
            PyVal::MgrTarget => Value::Array(vec![
                Value::String("mon-mgr".to_string()),
                Value::String(String::new()),
            ]),
        }
    }

    /// Python's name for the value's type, for `TypeError` texts.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            PyVal::Str(_) => "str",
            PyVal::Int(_) => "int",
            PyVal::Float(_) => "float",
            PyVal::Bool(_) => "bool",
            PyVal::List(_) => "list",
            PyVal::MgrTarget => "tuple",
        }
    }
}
