//! The config database as the core sees it: the store's (who, name) → value table with a
//! write-through in-memory copy, so that every read (module options, daemon options) is a
//! map lookup and every write is durable before it is visible.

use rmgr_store::{ConfigEntry, Store, StoreError};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

pub(crate) struct ConfigDb {
    store: Arc<Store>,
    cache: RwLock<BTreeMap<(String, String), String>>,
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
        })
    }

    pub(crate) fn get(&self, who: &str, name: &str) -> Option<String> {
        self.cache
            .read()
            .ok()?
            .get(&(who.to_string(), name.to_string()))
            .cloned()
    }

    /// The value seen by daemon `mgr.<id>`: its own section, then `mgr`, then `global`.
    pub(crate) fn resolve(&self, mgr_id: &str, name: &str) -> Option<(String, String)> {
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
