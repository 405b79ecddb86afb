//! Modules' `send_command('osd'|'mds'|'pg', …)` on a cluster: the core's [`DaemonLink`]
//! over `rmgr_msgr`'s [`PeerCommander`] (msgr2 connections to the daemons with the mon
//! session's cephx service tickets). The daemon's address comes from the core's cluster
//! maps: `osd_map.osds[].public_addrs` for an OSD, the FSMap's `addrs` for an MDS, the
//! acting primary in `pg_dump` for a PG.
//!
//! Answers for daemons that are not there follow Pacific: the Objecter's `(-ENOENT, "",
//! "osd dne")` and `(-ENXIO, "", "osd down")`; `Client::mds_command`'s `-ENOENT` for an
//! unknown MDS (which Pacific raises as "failed to send command to mds: …").

use rmgr_core::{errno, BoxFuture, CommandReply, Core, DaemonLink};
use rmgr_msgr::addr::{ADDR_TYPE_MSGR2, ENTITY_MDS, ENTITY_OSD};
use rmgr_msgr::peer_client::{PeerCommander, PeerError};
use rmgr_msgr::{EntityAddr, EntityName};
use serde_json::Value;
use std::net::SocketAddr;

const ENXIO: i32 = 6;
const ECONNREFUSED: i32 = 111;

/// The core's [`DaemonLink`]: commands to OSDs and MDSs.
pub struct PeerLink {
    core: Core,
    peers: PeerCommander,
}

impl PeerLink {
    pub fn new(core: Core, peers: PeerCommander) -> PeerLink {
        PeerLink { core, peers }
    }
}

/// The msgr2 address in an `entity_addrvec_t` dump (`{"addrvec": [{"type": "v2", "addr":
/// "127.0.0.1:6800", "nonce": 30588}, …]}`).
pub fn msgr2_addr(addrs: &Value) -> Option<EntityAddr> {
    addrs["addrvec"].as_array()?.iter().find_map(|a| {
        if a["type"] != "v2" {
            return None;
        }
        let sock: SocketAddr = a["addr"].as_str()?.parse().ok()?;
        Some(EntityAddr {
            ty: ADDR_TYPE_MSGR2,
            nonce: u32::try_from(a["nonce"].as_u64()?).ok()?,
            addr: Some(sock),
        })
    })
}

/// Where `osd.<id>` listens, or Pacific's answer for one that cannot be reached.
pub fn osd_target(osd_map: &Value, id: &str) -> Result<EntityAddr, CommandReply> {
    let dne = || CommandReply::err(errno::ENOENT, "osd dne");
    let n: i64 = id.parse().map_err(|_| dne())?;
    let osd = osd_map["osds"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["osd"].as_i64() == Some(n)))
        .ok_or_else(dne)?;
    if osd["up"].as_i64() == Some(0) {
        return Err(CommandReply::err(-ENXIO, "osd down"));
    }
    msgr2_addr(&osd["public_addrs"])
        .ok_or_else(|| CommandReply::err(-ENXIO, format!("osd.{n} has no msgr2 address")))
}

/// Every MDS in an FSMap dump: `(gid, name, fscid, rank, addrs)` (standbys have rank -1).
fn mds_infos(fs_map: &Value) -> Vec<(u64, String, i64, i64, &Value)> {
    let mut all: Vec<(i64, &Value)> = Vec::new();
    for f in fs_map["filesystems"].as_array().into_iter().flatten() {
        let fscid = f["id"].as_i64().unwrap_or(-1);
        for i in f["mdsmap"]["info"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
        {
            all.push((fscid, i));
        }
    }
    for i in fs_map["standbys"].as_array().into_iter().flatten() {
        all.push((-1, i));
    }
    all.into_iter()
        .filter_map(|(fscid, i)| {
            Some((
                i["gid"].as_u64()?,
                i["name"].as_str()?.to_string(),
                fscid,
                i["rank"].as_i64().unwrap_or(-1),
                i,
            ))
        })
        .collect()
}

/// `Client::resolve_mds`: a role (`<fs>:<rank>` or a rank of the only filesystem), a gid,
/// `*` (here: the first daemon) or a name; `(name, addr)`.
pub fn mds_target(fs_map: &Value, spec: &str) -> Result<(String, EntityAddr), CommandReply> {
    let enoent = || {
        CommandReply::err(
            errno::ENOENT,
            "failed to send command to mds: (2) No such file or directory",
        )
    };
    let infos = mds_infos(fs_map);
    let fs_names: Vec<(i64, &str)> = fs_map["filesystems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f["id"].as_i64()?, f["mdsmap"]["fs_name"].as_str()?)))
        .collect();
    let found = if let Some((fs, rank)) = spec.split_once(':') {
        let rank: i64 = rank.parse().map_err(|_| enoent())?;
        let fscid = fs_names
            .iter()
            .find(|(id, name)| *name == fs || id.to_string() == fs)
            .map(|(id, _)| *id);
        infos
            .iter()
            .find(|i| Some(i.2) == fscid && i.3 == rank && rank >= 0)
    } else if let Ok(n) = spec.parse::<i64>() {
        // A rank of the only filesystem, else a gid.
        let by_rank = (fs_names.len() == 1)
            .then(|| {
                infos
                    .iter()
                    .find(|i| i.2 == fs_names[0].0 && i.3 == n && n >= 0)
            })
            .flatten();
        by_rank.or_else(|| infos.iter().find(|i| i64::try_from(i.0).ok() == Some(n)))
    } else if spec == "*" {
        infos.first()
    } else {
        infos.iter().find(|i| i.1 == spec)
    };
    let info = found.ok_or_else(enoent)?;
    let addr = msgr2_addr(&info.4["addrs"])
        .ok_or_else(|| CommandReply::err(-ENXIO, format!("mds.{} has no msgr2 address", info.1)))?;
    Ok((info.1.clone(), addr))
}

/// The acting primary of `pgid` in a `pg_dump`.
fn pg_primary(pg_dump: &Value, pgid: &str) -> Option<i64> {
    let stats = pg_dump["pg_stats"]
        .as_array()
        .or_else(|| pg_dump["pg_map"]["pg_stats"].as_array())?;
    stats
        .iter()
        .find(|p| p["pgid"] == pgid)
        .and_then(|p| p["acting_primary"].as_i64())
}

fn peer_error(e: PeerError) -> CommandReply {
    let rc = match &e {
        PeerError::Timeout { .. } => errno::ETIMEDOUT,
        PeerError::Connect { .. } => -ECONNREFUSED,
        PeerError::Auth { .. } | PeerError::NoTicket(_) => errno::EACCES,
        _ => errno::EIO,
    };
    CommandReply::err(rc, e.to_string())
}

impl DaemonLink for PeerLink {
    fn command(
        &self,
        svc_type: &str,
        svc_id: &str,
        cmd_json: String,
        inbuf: Vec<u8>,
    ) -> BoxFuture<CommandReply> {
        let data = |name: &str| {
            self.core
                .get_data(name)
                .map(|s| s.value)
                .unwrap_or_default()
        };
        let target = match svc_type {
            "osd" => osd_target(&data("osd_map"), svc_id).map(|a| {
                (
                    EntityName {
                        ty: ENTITY_OSD,
                        id: svc_id.to_string(),
                    },
                    a,
                )
            }),
            "pg" => match pg_primary(&data("pg_dump"), svc_id) {
                None => Err(CommandReply::err(errno::ENOENT, "pool dne")),
                Some(p) if p < 0 => Err(CommandReply::err(-ENXIO, "pg has no primary")),
                Some(p) => osd_target(&data("osd_map"), &p.to_string()).map(|a| {
                    (
                        EntityName {
                            ty: ENTITY_OSD,
                            id: p.to_string(),
                        },
                        a,
                    )
                }),
            },
            "mds" => mds_target(&data("fs_map"), svc_id).map(|(name, a)| {
                (
                    EntityName {
                        ty: ENTITY_MDS,
                        id: name,
                    },
                    a,
                )
            }),
            other => Err(CommandReply::err(
                errno::EINVAL,
                format!("unknown service type: {other}"),
            )),
        };
        let peers = self.peers.clone();
        Box::pin(async move {
            let (peer, addr) = match target {
                Ok(t) => t,
                Err(r) => return r,
            };
            match peers.command(peer, addr, vec![cmd_json], inbuf).await {
                Ok(r) => CommandReply {
                    rc: r.rc,
                    outb: r.outb,
                    outs: r.outs,
                },
                Err(e) => {
                    tracing::info!("command to a daemon failed: {e}");
                    peer_error(e)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn osd_targets_follow_the_osd_map() {
        let map = json!({"osds": [
            {"osd": 0, "up": 1, "public_addrs": {"addrvec": [
                {"type": "v2", "addr": "127.0.0.1:6800", "nonce": 30588},
                {"type": "v1", "addr": "127.0.0.1:6801", "nonce": 30588}]}},
            {"osd": 1, "up": 0, "public_addrs": {"addrvec": []}}]});
        let a = osd_target(&map, "0").unwrap_or_else(|r| panic!("{r:?}"));
        assert_eq!(a.to_string(), "v2:127.0.0.1:6800/30588");
        let r = osd_target(&map, "1").unwrap_err();
        assert_eq!((r.rc, r.outs.as_str()), (-6, "osd down"));
        let r = osd_target(&map, "7").unwrap_err();
        assert_eq!((r.rc, r.outs.as_str()), (-2, "osd dne"));
        assert_eq!(osd_target(&Value::Null, "0").unwrap_err().rc, -2);
    }

    #[test]
    fn mds_targets_by_name_rank_gid_and_role() {
        let addrs = |p: u16| json!({"addrvec": [{"type": "v2", "addr": format!("127.0.0.1:{p}"), "nonce": 9}]});
        let map = json!({
            "filesystems": [{"id": 1, "mdsmap": {"fs_name": "cephfs", "info": {
                "gid_4100": {"gid": 4100, "name": "a", "rank": 0, "addrs": addrs(6810)}}}}],
            "standbys": [{"gid": 4200, "name": "b", "rank": -1, "addrs": addrs(6820)}]});
        let port = |spec: &str| {
            mds_target(&map, spec)
                .map(|(_, a)| a.addr.map(|s| s.port()).unwrap_or(0))
                .unwrap_or_else(|r| panic!("{spec}: {r:?}"))
        };
        assert_eq!(port("a"), 6810);
        assert_eq!(port("b"), 6820);
        assert_eq!(port("0"), 6810);
        assert_eq!(port("4200"), 6820);
        assert_eq!(port("cephfs:0"), 6810);
        assert_eq!(port("*"), 6810);
        let r = mds_target(&map, "zz").unwrap_err();
        assert_eq!(r.rc, -2);
        assert!(r.outs.contains("No such file or directory"));
    }

    #[test]
    fn pg_primaries() {
        let d = json!({"pg_stats": [{"pgid": "1.0", "acting_primary": 0}]});
        assert_eq!(pg_primary(&d, "1.0"), Some(0));
        assert_eq!(pg_primary(&d, "1.1"), None);
    }
}
