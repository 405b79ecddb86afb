//! A tiny stand-in for Ceph's Formatter: builds `serde_json::Value`s in the order the C++
//! dump code emits them. `py = true` mimics the mgr's PyFormatter (what `get()` returns), which
//! appends `dump_stream` items at the end of their section; `py = false` is the CLI's
//! JSONFormatter order (stream items in place).

use serde_json::{Map, Value};

pub struct Obj {
    py: bool,
    m: Map<String, Value>,
    deferred: Vec<(String, Value)>,
}

impl Obj {
    pub fn new(py: bool) -> Obj {
        Obj {
            py,
            m: Map::new(),
            deferred: Vec::new(),
        }
    }
    pub fn py(&self) -> bool {
        self.py
    }
    pub fn sub(&self) -> Obj {
        Obj::new(self.py)
    }
    pub fn put(&mut self, k: &str, v: impl Into<Value>) {
        self.m.insert(k.to_string(), v.into());
    }
    /// `f->dump_float` of a C++ float: the f32 value widened to double.
    pub fn f32(&mut self, k: &str, v: f32) {
        self.put(k, f64::from(v));
    }
    pub fn f64(&mut self, k: &str, v: f64) {
        self.put(k, v);
    }
    pub fn stream(&mut self, k: &str, s: impl ToString) {
        if self.py {
            self.deferred
                .push((k.to_string(), Value::String(s.to_string())));
        } else {
            self.put(k, Value::String(s.to_string()));
        }
    }
    pub fn obj(&mut self, k: &str, o: Obj) {
        self.put(k, o.done());
    }
    pub fn done(mut self) -> Value {
        for (k, v) in self.deferred.drain(..) {
            self.m.insert(k, v);
        }
        Value::Object(self.m)
    }
}
