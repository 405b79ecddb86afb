//! MMgrBeacon (0x703, v11 compat 8; protocol.md §3.3): how a manager tells the mons it is
//! alive, what it can run and which commands it serves.

use crate::addr::{decode_addrvec, encode_addrvec, EntityAddr};
use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{decode_paxos_header, encode_paxos_header, types, Message};
use crate::messages::mgr_map::ModuleInfo;
use std::collections::{BTreeMap, BTreeSet};

pub const MGR_BEACON_VERSION: u16 = 11;
pub const MGR_BEACON_COMPAT: u16 = 8;

/// Pacific's `CEPH_FEATURES_ALL`, as the stock manager advertises it (`mgr_features`) and
/// as every Pacific peer puts it in CLIENT_IDENT/SERVER_IDENT. Includes SERVER_OCTOPUS,
/// without which clients fall back to legacy MCommand.
pub const PACIFIC_FEATURES_ALL: u64 = 0x3f01_cfbd_fffd_ffff;

/// `MonCommand` (`ceph/ceph:src/mon/MonCommand.h`): one command the manager serves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MonCommand {
    /// The descriptor (`"pg dump name=dumpcontents,type=CephChoices,..."`).
    pub cmd: String,
    pub help: String,
    pub module: String,
    /// `"r"`, `"rw"`, …
    pub perm: String,
    /// Ceph `MonCommand` flags (the mon adds FLAG_MGR itself).
    pub flags: u64,
}

impl MonCommand {
    pub fn encode(&self, w: &mut Writer) {
        w.block(1, 1, |w| {
            w.string(&self.cmd)
                .string(&self.help)
                .string(&self.module)
                .string(&self.perm)
                // The removed `availability` field, still on the wire.
                .string("cli,rest")
                .u64(self.flags);
        });
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<MonCommand, DecodeError> {
        r.block(1, |r, _v| {
            let cmd = r.string()?;
            let help = r.string()?;
            let module = r.string()?;
            let perm = r.string()?;
            let _availability = r.string()?;
            let flags = if r.is_empty() { 0 } else { r.u64()? };
            Ok(MonCommand {
                cmd,
                help,
                module,
                perm,
                flags,
            })
        })
    }
}

/// MMgrBeacon.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MMgrBeacon {
    /// Where the manager's msgr2 server listens (empty until it is available).
    pub server_addrs: Vec<EntityAddr>,
    /// The manager's global id: must stay the same for the life of the process.
    pub gid: u64,
    pub available: bool,
    /// The id (`x` for `mgr.x`).
    pub name: String,
    pub fsid: [u8; 16],
    /// Sent only in the first available beacon after an activation (protocol.md §4).
    pub command_descs: Vec<MonCommand>,
    pub metadata: BTreeMap<String, String>,
    /// Module name → URI (`mgr services`).
    pub services: BTreeMap<String, String>,
    pub available_modules: Vec<ModuleInfo>,
    pub mgr_features: u64,
    /// The manager's own RADOS clients: name → addrs.
    pub clients: Vec<(String, Vec<EntityAddr>)>,
}

impl MMgrBeacon {
    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        encode_paxos_header(&mut w);
        encode_addrvec(&mut w, &self.server_addrs);
        w.u64(self.gid)
            .bool(self.available)
            .string(&self.name)
            .raw(&self.fsid);
        // The legacy `module_names` set.
        let names: BTreeSet<&str> = self
            .available_modules
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        let names: Vec<&str> = names.into_iter().collect();
        w.strings(&names);
        w.seq(&self.command_descs, |w, c| c.encode(w));
        let meta: Vec<(&String, &String)> = self.metadata.iter().collect();
        w.string_map(&meta);
        let services: Vec<(&String, &String)> = self.services.iter().collect();
        w.string_map(&services);
        w.seq(&self.available_modules, |w, m| m.encode(w));
        w.u64(self.mgr_features);
        let addrs: Vec<&Vec<EntityAddr>> = self.clients.iter().map(|(_, a)| a).collect();
        w.seq(&addrs, |w, a| encode_addrvec(w, a));
        let cnames: Vec<&String> = self.clients.iter().map(|(n, _)| n).collect();
        w.strings(&cnames);
        w.into_vec()
    }

    pub fn to_message(&self) -> Message {
        Message::new(
            types::MGR_BEACON,
            MGR_BEACON_VERSION,
            MGR_BEACON_COMPAT,
            self.encode_front(),
        )
    }

    /// Decodes a v11 beacon (the mon's side; here for tests and tools). The legacy
    /// `module_names` must agree with `available_modules`.
    pub fn decode_front(front: &[u8]) -> Result<MMgrBeacon, DecodeError> {
        let mut r = Reader::new(front, "MMgrBeacon");
        decode_paxos_header(&mut r)?;
        let server_addrs = decode_addrvec(&mut r)?;
        let gid = r.u64()?;
        let available = r.bool()?;
        let name = r.string()?;
        let fsid = r.uuid()?;
        let module_names = r.strings()?;
        let command_descs = r.seq(6, MonCommand::decode)?;
        let metadata = r.string_map()?.into_iter().collect();
        let services = r.string_map()?.into_iter().collect();
        let available_modules = r.seq(6, ModuleInfo::decode)?;
        let mgr_features = r.u64()?;
        let addrs = r.seq(5, decode_addrvec)?;
        let cnames = r.strings()?;
        r.finish()?;
        let listed: Vec<&str> = available_modules.iter().map(|m| m.name.as_str()).collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if module_names != sorted {
            return Err(DecodeError::invalid(
                "MMgrBeacon",
                "module_names disagrees with available_modules",
            ));
        }
        if addrs.len() != cnames.len() {
            return Err(DecodeError::invalid(
                "MMgrBeacon",
                "client names and addresses differ in number",
            ));
        }
        Ok(MMgrBeacon {
            server_addrs,
            gid,
            available,
            name,
            fsid,
            command_descs,
            metadata,
            services,
            available_modules,
            mgr_features,
            clients: cnames.into_iter().zip(addrs).collect(),
        })
    }
}
