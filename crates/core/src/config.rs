//! The config database as the core sees it: the store's (who, name) → value table with a
//! write-through in-memory copy, so that every read (module options, daemon options) is a
//! map lookup and every write is durable before it is visible.

use rmgr_store::{ConfigEntry, Store, StoreError};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

pub(crate) struct ConfigDb {
    store: Arc<Store>,
    cache: RwLock<BTreeMap<(String, String), String>>,
    /// On a cluster: the mons' config database as resolved for this daemon (MConfig). It
    /// takes precedence over the local store.
    mon: RwLock<BTreeMap<String, String>>,
}

impl ConfigDb {
    pub(crate) fn load(store: Arc<Store>) -> Result<Self, StoreError> {
        let cache = store
            .config_dump()?
            .into_iter()
            .map(|e| ((e.who, e.name), e.value))
            .collect();
        Ok(ConfigDb {
            store,
            cache: RwLock::new(cache),
            mon: RwLock::new(BTreeMap::new()),
        })
    }

    pub(crate) fn get(&self, who: &str, name: &str) -> Option<String> {
        self.cache
            .read()
            .ok()?
            .get(&(who.to_string(), name.to_string()))
            .cloned()
    }

    /// The value seen by daemon `mgr.<id>`: the mons' (on a cluster), else its own
    /// section, then `mgr`, then `global`.
    pub(crate) fn resolve(&self, mgr_id: &str, name: &str) -> Option<(String, String)> {
        if let Some(v) = self.mon.read().ok().and_then(|m| m.get(name).cloned()) {
            return Some(("mon".to_string(), v));
        }
        let own = format!("mgr.{mgr_id}");
        for who in [own.as_str(), "mgr", "global"] {
            if let Some(v) = self.get(who, name) {
                return Some((who.to_string(), v));
            }
        }
        None
    }

    pub(crate) fn set(&self, who: &str, name: &str, value: &str) -> Result<(), StoreError> {
        self.store.config_set(who, name, value)?;
        if let Ok(mut c) = self.cache.write() {
            c.insert((who.to_string(), name.to_string()), value.to_string());
        }
        Ok(())
    }

    pub(crate) fn rm(&self, who: &str, name: &str) -> Result<bool, StoreError> {
        let existed = self.store.config_rm(who, name)?;
        if let Ok(mut c) = self.cache.write() {
            c.remove(&(who.to_string(), name.to_string()));
        }
        Ok(existed)
    }

    /// Replaces the mons' view; returns the names whose value changed.
    pub(crate) fn replace_mon(&self, next: &BTreeMap<String, String>) -> Vec<String> {
        let Ok(mut cur) = self.mon.write() else {
            return Vec::new();
        };
        let mut changed: Vec<String> = next
            .iter()
            .filter(|(k, v)| cur.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .collect();
        changed.extend(cur.keys().filter(|k| !next.contains_key(*k)).cloned());
        *cur = next.clone();
        changed
    }

    /// One value written through the mons, before they push the normalised form.
    pub(crate) fn set_mon_one(&self, name: &str, value: Option<&str>) {
        if let Ok(mut m) = self.mon.write() {
            match value {
                Some(v) => m.insert(name.to_string(), v.to_string()),
                None => m.remove(name),
            };
        }
    }

    /// Names the mons set for this daemon.
    pub(crate) fn mon_names(&self) -> Vec<String> {
        self.mon
            .read()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn dump(&self) -> Vec<ConfigEntry> {
        self.cache
            .read()
            .map(|c| {
                c.iter()
                    .map(|((who, name), value)| ConfigEntry {
                        who: who.clone(),
                        name: name.clone(),
                        value: value.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
