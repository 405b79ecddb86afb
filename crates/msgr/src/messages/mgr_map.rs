//! `MgrMap` (ENC 12,6 on 16.2.15, protocol.md §3.4) and its parts `ModuleInfo`,
//! `ModuleOption` and `StandbyInfo` (`ceph/ceph:src/mon/MgrMap.h`). MMgrMap (0x704) carries
//! a MgrMap as its whole front.

use crate::addr::{decode_addrvec, encode_addrvec, EntityAddr};
use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use std::collections::{BTreeMap, BTreeSet};

/// `utime_t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub struct UTime {
    pub sec: u32,
    pub nsec: u32,
}

impl UTime {
    pub fn decode(r: &mut Reader<'_>) -> Result<UTime, DecodeError> {
        Ok(UTime {
            sec: r.u32()?,
            nsec: r.u32()?,
        })
    }

    pub fn encode(&self, w: &mut Writer) {
        w.u32(self.sec).u32(self.nsec);
    }
}

fn string_set(r: &mut Reader<'_>) -> Result<BTreeSet<String>, DecodeError> {
    Ok(r.strings()?.into_iter().collect())
}

fn put_string_set(w: &mut Writer, s: &BTreeSet<String>) {
    let v: Vec<&String> = s.iter().collect();
    w.strings(&v);
}

fn string_map(r: &mut Reader<'_>) -> Result<BTreeMap<String, String>, DecodeError> {
    Ok(r.string_map()?.into_iter().collect())
}

fn put_string_map(w: &mut Writer, m: &BTreeMap<String, String>) {
    let v: Vec<(&String, &String)> = m.iter().collect();
    w.string_map(&v);
}

/// `MgrMap::ModuleOption`: one entry of a module's option schema, as the mon uses it to
/// validate `config set mgr mgr/<module>/<opt>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleOption {
    pub name: String,
    /// `Option::type_t` (0 uint, 1 int, 2 str, 3 float, 4 bool, …).
    pub ty: u8,
    /// `Option::level_t` (0 basic, 1 advanced, 2 dev).
    pub level: u8,
    pub flags: u32,
    pub default_value: String,
    pub min: String,
    pub max: String,
    pub enum_allowed: BTreeSet<String>,
    pub desc: String,
    pub long_desc: String,
    pub tags: BTreeSet<String>,
    pub see_also: BTreeSet<String>,
}

impl ModuleOption {
    pub fn encode(&self, w: &mut Writer) {
        w.block(1, 1, |w| {
            w.string(&self.name)
                .u8(self.ty)
                .u8(self.level)
                .u32(self.flags);
            w.string(&self.default_value)
                .string(&self.min)
                .string(&self.max);
            put_string_set(w, &self.enum_allowed);
            w.string(&self.desc).string(&self.long_desc);
            put_string_set(w, &self.tags);
            put_string_set(w, &self.see_also);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<ModuleOption, DecodeError> {
        r.block(1, |r, _v| {
            Ok(ModuleOption {
                name: r.string()?,
                ty: r.u8()?,
                level: r.u8()?,
                flags: r.u32()?,
                default_value: r.string()?,
                min: r.string()?,
                max: r.string()?,
                enum_allowed: string_set(r)?,
                desc: r.string()?,
                long_desc: r.string()?,
                tags: string_set(r)?,
                see_also: string_set(r)?,
            })
        })
    }
}

/// `MgrMap::ModuleInfo`: a module a manager can run, advertised in its beacon.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleInfo {
    pub name: String,
    pub can_run: bool,
    pub error_string: String,
    /// By option name.
    pub module_options: BTreeMap<String, ModuleOption>,
}

impl ModuleInfo {
    pub fn encode(&self, w: &mut Writer) {
        w.block(2, 1, |w| {
            w.string(&self.name)
                .bool(self.can_run)
                .string(&self.error_string);
            w.u32(u32::try_from(self.module_options.len()).expect("option count fits u32"));
            for (k, o) in &self.module_options {
                w.string(k);
                o.encode(w);
            }
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<ModuleInfo, DecodeError> {
        r.block(1, |r, v| {
            let name = r.string()?;
            let can_run = r.bool()?;
            let error_string = r.string()?;
            let mut module_options = BTreeMap::new();
            if v >= 2 {
                let n = r.count(4 + 6)?;
                for _ in 0..n {
                    let k = r.string()?;
                    let o = ModuleOption::decode(r)?;
                    module_options.insert(k, o);
                }
            }
            Ok(ModuleInfo {
                name,
                can_run,
                error_string,
                module_options,
            })
        })
    }
}

fn module_infos(r: &mut Reader<'_>) -> Result<Vec<ModuleInfo>, DecodeError> {
    r.seq(6, ModuleInfo::decode)
}

fn put_module_infos(w: &mut Writer, v: &[ModuleInfo]) {
    w.seq(v, |w, m| m.encode(w));
}

/// `MgrMap::StandbyInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StandbyInfo {
    pub gid: u64,
    pub name: String,
    pub available_modules: Vec<ModuleInfo>,
    pub mgr_features: u64,
}

impl StandbyInfo {
    pub fn encode(&self, w: &mut Writer) {
        w.block(4, 1, |w| {
            w.u64(self.gid).string(&self.name);
            let names: BTreeSet<String> = self
                .available_modules
                .iter()
                .map(|m| m.name.clone())
                .collect();
            put_string_set(w, &names);
            put_module_infos(w, &self.available_modules);
            w.u64(self.mgr_features);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<StandbyInfo, DecodeError> {
        r.block(4, |r, v| {
            let gid = r.u64()?;
            let name = r.string()?;
            let mut available_modules = Vec::new();
            if v >= 2 {
                let old = r.strings()?;
                if v < 3 {
                    available_modules = old
                        .into_iter()
                        .map(|name| ModuleInfo {
                            name,
                            can_run: true,
                            ..ModuleInfo::default()
                        })
                        .collect();
                }
            }
            if v >= 3 {
                available_modules = module_infos(r)?;
            }
            let mgr_features = if v >= 4 { r.u64()? } else { 0 };
            Ok(StandbyInfo {
                gid,
                name,
                available_modules,
                mgr_features,
            })
        })
    }
}

/// The manager map the mons publish.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MgrMap {
    pub epoch: u32,
    pub active_addrs: Vec<EntityAddr>,
    pub active_gid: u64,
    pub available: bool,
    pub active_name: String,
    pub standbys: BTreeMap<u64, StandbyInfo>,
    /// Enabled modules (without the always-on ones).
    pub modules: BTreeSet<String>,
    pub services: BTreeMap<String, String>,
    pub available_modules: Vec<ModuleInfo>,
    pub active_change: UTime,
    /// By release number (16 = pacific).
    pub always_on_modules: BTreeMap<u32, BTreeSet<String>>,
    pub active_mgr_features: u64,
    pub last_failure_osd_epoch: u32,
    /// The active manager's RADOS clients, by name (for blocklisting on failover).
    pub clients: Vec<(String, Vec<EntityAddr>)>,
    /// v13 (post-Pacific) map flags; 0 from a Pacific mon.
    pub flags: u64,
}

/// Ceph release number of Pacific, the key of `always_on_modules`.
pub const CEPH_RELEASE_PACIFIC: u32 = 16;

impl MgrMap {
    /// The MgrMap the mon sends to make a manager respawn (`create_null_mgrmap`).
    pub fn is_null(&self) -> bool {
        self.epoch == u32::MAX
    }

    /// Always-on modules for `release`, else for the newest older release (as
    /// `MgrMap::get_always_on_modules` falls back).
    pub fn always_on(&self, release: u32) -> BTreeSet<String> {
        if let Some(s) = self.always_on_modules.get(&release) {
            return s.clone();
        }
        self.always_on_modules
            .range(..release)
            .next_back()
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    }

    pub fn decode(front: &[u8]) -> Result<MgrMap, DecodeError> {
        let mut r = Reader::new(front, "MgrMap");
        let m = r.block(13, |r, v| {
            if v < 6 {
                return Err(DecodeError::invalid(
                    "MgrMap",
                    format!("version {v}: pre-Nautilus encodings are not supported"),
                ));
            }
            let mut m = MgrMap {
                epoch: r.u32()?,
                active_addrs: decode_addrvec(r)?,
                active_gid: r.u64()?,
                available: r.bool()?,
                active_name: r.string()?,
                ..MgrMap::default()
            };
            let n = r.count(8 + 6)?;
            for _ in 0..n {
                let gid = r.u64()?;
                m.standbys.insert(gid, StandbyInfo::decode(r)?);
            }
            m.modules = string_set(r)?;
            m.services = string_map(r)?;
            m.available_modules = module_infos(r)?;
            if v >= 7 {
                m.active_change = UTime::decode(r)?;
            }
            if v >= 8 {
                let n = r.count(8)?;
                for _ in 0..n {
                    let rel = r.u32()?;
                    m.always_on_modules.insert(rel, string_set(r)?);
                }
            }
            if v >= 9 {
                m.active_mgr_features = r.u64()?;
            }
            if v >= 10 {
                m.last_failure_osd_epoch = r.u32()?;
            }
            if v >= 11 {
                let addrs = r.seq(5, decode_addrvec)?;
                let names = if v >= 12 {
                    r.strings()?
                } else {
                    vec![String::new(); addrs.len()]
                };
                if names.len() != addrs.len() {
                    return Err(DecodeError::invalid(
                        "MgrMap",
                        format!("{} client names for {} clients", names.len(), addrs.len()),
                    ));
                }
                m.clients = names.into_iter().zip(addrs).collect();
            }
            if v >= 13 {
                m.flags = r.u64()?;
            }
            Ok(m)
        })?;
        r.finish()?;
        Ok(m)
    }

    /// Encodes as a 16.2.15 mon does (v12), for tests and tools.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.block(12, 6, |w| {
            w.u32(self.epoch);
            encode_addrvec(w, &self.active_addrs);
            w.u64(self.active_gid)
                .bool(self.available)
                .string(&self.active_name);
            w.u32(u32::try_from(self.standbys.len()).expect("standby count fits u32"));
            for (gid, s) in &self.standbys {
                w.u64(*gid);
                s.encode(w);
            }
            put_string_set(w, &self.modules);
            put_string_map(w, &self.services);
            put_module_infos(w, &self.available_modules);
            self.active_change.encode(w);
            w.u32(u32::try_from(self.always_on_modules.len()).expect("release count fits u32"));
            for (rel, s) in &self.always_on_modules {
                w.u32(*rel);
                put_string_set(w, s);
            }
            w.u64(self.active_mgr_features)
                .u32(self.last_failure_osd_epoch);
            let addrs: Vec<&Vec<EntityAddr>> = self.clients.iter().map(|(_, a)| a).collect();
            w.seq(&addrs, |w, a| encode_addrvec(w, a));
            let names: Vec<&String> = self.clients.iter().map(|(n, _)| n).collect();
            w.strings(&names);
        });
        w.into_vec()
    }
}
