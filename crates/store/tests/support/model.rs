//! The reference model: the store's contract as two `BTreeMap`s, and the operations both run.

use std::collections::BTreeMap;

use rmgr_store::{
    ConfigEntry, Store, StoreError, MAX_CONFIG_VALUE_LEN, MAX_KEY_LEN, MAX_VALUE_LEN,
};

/// One call on the store's public API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    KvSet(String, Vec<u8>),
    KvGet(String),
    KvRm(String),
    KvExists(String),
    KvList(String),
    KvDump(String),
    KvRmPrefix(String),
    ConfigSet(String, String, String),
    ConfigGet(String, String),
    ConfigRm(String, String),
    ConfigDump,
    /// Close the store and open the same file again (no-op on the model).
    Reopen,
}

impl Op {
    /// Whether the op may change the store.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Op::KvSet(..)
                | Op::KvRm(..)
                | Op::KvRmPrefix(..)
                | Op::ConfigSet(..)
                | Op::ConfigRm(..)
        )
    }
}

/// What an op returned, comparable between model and store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Bool(bool),
    Count(usize),
    Bytes(Option<Vec<u8>>),
    Text(Option<String>),
    Keys(Vec<String>),
    Entries(Vec<(String, Vec<u8>)>),
    Config(Vec<ConfigEntry>),
    /// Refused as invalid input before touching the file.
    Rejected,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    pub kv: BTreeMap<String, Vec<u8>>,
    pub config: BTreeMap<(String, String), String>,
}

fn key_ok(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN
}

fn prefix_ok(prefix: &str) -> bool {
    prefix.len() <= MAX_KEY_LEN
}

impl Model {
    /// The whole content of `store`, read through its public API.
    pub fn read_from(store: &Store) -> Result<Model, StoreError> {
        let kv = store.kv_dump("")?.into_iter().collect();
        let config = store
            .config_dump()?
            .into_iter()
            .map(|e| ((e.who, e.name), e.value))
            .collect();
        Ok(Model { kv, config })
    }

    fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Vec<u8>)> + 'a {
        self.kv
            .range(prefix.to_owned()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
    }

    pub fn apply(&mut self, op: &Op) -> Outcome {
        match op {
            Op::KvSet(k, v) => {
                if !key_ok(k) || v.len() > MAX_VALUE_LEN {
                    return Outcome::Rejected;
                }
                self.kv.insert(k.clone(), v.clone());
                Outcome::Done
            }
            Op::KvGet(k) if key_ok(k) => Outcome::Bytes(self.kv.get(k).cloned()),
            Op::KvRm(k) if key_ok(k) => Outcome::Bool(self.kv.remove(k).is_some()),
            Op::KvExists(k) if key_ok(k) => Outcome::Bool(self.kv.contains_key(k)),
            Op::KvList(p) if prefix_ok(p) => {
                Outcome::Keys(self.with_prefix(p).map(|(k, _)| k.clone()).collect())
            }
            Op::KvDump(p) if prefix_ok(p) => Outcome::Entries(
                self.with_prefix(p)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            Op::KvRmPrefix(p) if prefix_ok(p) => {
                let doomed: Vec<String> = self.with_prefix(p).map(|(k, _)| k.clone()).collect();
                for k in &doomed {
                    self.kv.remove(k);
                }
                Outcome::Count(doomed.len())
            }
            Op::ConfigSet(w, n, v) => {
                if !key_ok(w) || !key_ok(n) || v.len() > MAX_CONFIG_VALUE_LEN {
                    return Outcome::Rejected;
                }
                self.config.insert((w.clone(), n.clone()), v.clone());
                Outcome::Done
            }
            Op::ConfigGet(w, n) if key_ok(w) && key_ok(n) => {
                Outcome::Text(self.config.get(&(w.clone(), n.clone())).cloned())
            }
            Op::ConfigRm(w, n) if key_ok(w) && key_ok(n) => {
                Outcome::Bool(self.config.remove(&(w.clone(), n.clone())).is_some())
            }
            Op::ConfigDump => Outcome::Config(
                self.config
                    .iter()
                    .map(|((who, name), value)| ConfigEntry {
                        who: who.clone(),
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect(),
            ),
            Op::Reopen => Outcome::Done,
            _ => Outcome::Rejected,
        }
    }
}

/// Runs `op` on `store` (not [`Op::Reopen`], which needs the caller's file). Invalid-input
/// errors become [`Outcome::Rejected`]; any other error is returned.
pub fn run(store: &Store, op: &Op) -> Result<Outcome, StoreError> {
    let outcome = match op {
        Op::KvSet(k, v) => store.kv_set(k, v).map(|()| Outcome::Done),
        Op::KvGet(k) => store.kv_get(k).map(Outcome::Bytes),
        Op::KvRm(k) => store.kv_rm(k).map(Outcome::Bool),
        Op::KvExists(k) => store.kv_exists(k).map(Outcome::Bool),
        Op::KvList(p) => store.kv_list(p).map(Outcome::Keys),
        Op::KvDump(p) => store.kv_dump(p).map(Outcome::Entries),
        Op::KvRmPrefix(p) => store.kv_rm_prefix(p).map(Outcome::Count),
        Op::ConfigSet(w, n, v) => store.config_set(w, n, v).map(|()| Outcome::Done),
        Op::ConfigGet(w, n) => store.config_get(w, n).map(Outcome::Text),
        Op::ConfigRm(w, n) => store.config_rm(w, n).map(Outcome::Bool),
        Op::ConfigDump => store.config_dump().map(Outcome::Config),
        Op::Reopen => Ok(Outcome::Done),
    };
    match outcome {
        Err(StoreError::EmptyKey { .. })
        | Err(StoreError::KeyTooLong { .. })
        | Err(StoreError::ValueTooLarge { .. }) => Ok(Outcome::Rejected),
        other => other,
    }
}
