//! Reading a cluster's `ceph.conf` and keyring the way `ceph-mgr -i <id>` does: sections
//! `[mgr.<id>]`, `[mgr]`, `[global]` in that order, `$cluster`/`$type`/`$id`/`$name`/`$host`
//! and `$<option>` expansion, `mon_host` for the mons, and the key of `mgr.<id>` from the
//! `keyring` option (default `$mgr_data/keyring`). Parsing the file itself is the `rados`
//! crate's `CephConfig`.

use crate::cephx::CephxKey;
use crate::error::ConfError;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

/// The mon's default msgr2 port.
pub const MON_PORT_V2: u16 = 3300;
/// The mon's legacy (msgr1) port.
pub const MON_PORT_V1: u16 = 6789;

/// A parsed `ceph.conf` seen from one entity (`mgr.<id>`).
#[derive(Debug, Clone)]
pub struct CephConf {
    path: PathBuf,
    conf: rados::CephConfig,
    id: String,
}

impl CephConf {
    pub fn load(path: &Path, id: &str) -> Result<CephConf, ConfError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfError::Read {
            path: path.display().to_string(),
            err: e.to_string(),
        })?;
        let conf = rados::CephConfig::parse(&text)
            .map_err(|e| ConfError::Invalid(format!("{}: {e}", path.display())))?;
        Ok(CephConf {
            path: path.to_path_buf(),
            conf,
            id: id.to_string(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn name(&self) -> String {
        format!("mgr.{}", self.id)
    }

    /// The raw value of an option, from the most specific section that sets it. Option
    /// names match with spaces, dashes and underscores alike.
    pub fn get_raw(&self, key: &str) -> Option<String> {
        let key = key.replace(['-', ' '], "_");
        let name = self.name();
        for section in [name.as_str(), "mgr", "global"] {
            if let Some(v) = self.conf.get(section, &key) {
                return Some(v.to_string());
            }
            // rados' parser keeps dashes as written.
            if let Some(v) = self.conf.get(section, &key.replace('_', "-")) {
                return Some(v.to_string());
            }
        }
        None
    }

    /// Every option the file sets for us: names normalised (`-` and spaces become `_`),
    /// raw values (metavariables unexpanded) from the most specific of `[mgr.<id>]`,
    /// `[mgr]`, `[global]`.
    pub fn entries(&self) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        let name = self.name();
        for section in ["global", "mgr", name.as_str()] {
            let mut keys = self.conf.keys(section);
            keys.sort_unstable();
            for k in keys {
                if let Some(v) = self.conf.get(section, k) {
                    out.insert(k.replace(['-', ' '], "_"), v.to_string());
                }
            }
        }
        out
    }

    /// An option with metavariables expanded.
    pub fn get(&self, key: &str) -> Option<String> {
        self.get_raw(key).map(|v| self.expand(&v, 0))
    }

    /// `$cluster`, `$type`, `$id`, `$name`, `$host`, and `$<option>` (one level deep
    /// per recursion, like Ceph's `expand_meta`).
    pub fn expand(&self, v: &str, depth: usize) -> String {
        let mut out = String::with_capacity(v.len());
        let mut rest = v;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let (var, tail) = if let Some(inner) = after.strip_prefix('{') {
                match inner.find('}') {
                    Some(j) => (&inner[..j], &inner[j + 1..]),
                    None => (inner, ""),
                }
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            let value = match var {
                "cluster" => Some("ceph".to_string()),
                "type" => Some("mgr".to_string()),
                "id" => Some(self.id.clone()),
                "name" => Some(self.name()),
                "host" => Some(hostname()),
                "" => None,
                other if depth < 8 => self
                    .get_raw(other)
                    .or_else(|| default_of(other, &self.id))
                    .map(|x| self.expand(&x, depth + 1)),
                _ => None,
            };
            match value {
                Some(x) => out.push_str(&x),
                None => {
                    out.push('$');
                    out.push_str(var);
                }
            }
            rest = tail;
        }
        out.push_str(rest);
        out
    }

    /// Our connection modes: `ms_cluster_mode` (towards daemons) and `ms_service_mode`
    /// (towards clients), Ceph's default "crc secure" when unset.
    pub fn con_modes(&self) -> crate::control::ConModes {
        crate::control::ConModes::from_options(
            self.get("ms_cluster_mode").as_deref(),
            self.get("ms_service_mode").as_deref(),
        )
    }

    /// `mgr_data` (default `/var/lib/ceph/mgr/$cluster-$id`).
    pub fn mgr_data(&self) -> PathBuf {
        let v = self.get("mgr_data").unwrap_or_else(|| {
            self.expand(&default_of("mgr_data", &self.id).unwrap_or_default(), 0)
        });
        PathBuf::from(v)
    }

    /// The mons' msgr2 addresses from `mon_host` (`[v2:IP:PORT,v1:IP:PORT] …`; a bare
    /// address means port 3300; v1-only entries are skipped: we speak msgr2 only).
    pub fn mon_addrs(&self) -> Result<Vec<SocketAddr>, ConfError> {
        let host = self
            .get("mon_host")
            .ok_or_else(|| ConfError::Invalid(format!("{}: no mon_host", self.path.display())))?;
        let addrs = parse_mon_host(&host)?;
        if addrs.is_empty() {
            return Err(ConfError::Invalid(format!(
                "{}: mon_host '{host}' has no msgr2 address",
                self.path.display()
            )));
        }
        Ok(addrs)
    }

    /// Whether the mons may require cephx of a daemon (`auth_cluster_required`, default
    /// cephx), and whether they accept none.
    pub fn auth_methods(&self) -> (bool, bool) {
        let v = self
            .get("auth_cluster_required")
            .or_else(|| self.get("auth_supported"))
            .unwrap_or_else(|| "cephx".to_string());
        let words: Vec<String> = v
            .split([',', ';', ' ', '\t'])
            .filter(|w| !w.is_empty())
            .map(|w| w.to_ascii_lowercase())
            .collect();
        (
            words.iter().any(|w| w == "cephx"),
            words.iter().any(|w| w == "none"),
        )
    }

    /// The key of `mgr.<id>`: from the files named by `keyring` (comma separated; default
    /// `$mgr_data/keyring`), then `<data_dir>/keyring`. `CEPH_KEYRING`/`CEPH_ARGS` are
    /// deliberately not consulted: they would override a daemon's own key.
    pub fn key(&self, data_dir: Option<&Path>) -> Result<(CephxKey, PathBuf), ConfError> {
        let name = self.name();
        let mut candidates: Vec<PathBuf> = match self.get("keyring") {
            Some(v) => v
                .split([',', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
            None => vec![self.mgr_data().join("keyring")],
        };
        if let Some(d) = data_dir {
            candidates.push(d.join("keyring"));
        }
        let mut searched = Vec::new();
        for path in &candidates {
            searched.push(path.display().to_string());
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            if let Some(k) = key_in_keyring(&text, &name)? {
                return Ok((k, path.clone()));
            }
        }
        Err(ConfError::NoKey {
            name,
            searched: searched.join(", "),
        })
    }

    /// `mgr_tick_period` (seconds, default 2): how often beacons go out.
    pub fn tick_period(&self) -> std::time::Duration {
        let secs = self
            .get("mgr_tick_period")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or(2.0);
        std::time::Duration::from_secs_f64(secs)
    }
}

/// Defaults of the options our expansion may need.
fn default_of(option: &str, id: &str) -> Option<String> {
    match option {
        "mgr_data" => Some(format!("/var/lib/ceph/mgr/ceph-{id}")),
        "run_dir" => Some("/var/run/ceph".to_string()),
        _ => None,
    }
}

/// The host name (`$host`), as `gethostname` reports it.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Finds `[name] key = …` in a keyring file's text.
pub fn key_in_keyring(text: &str, name: &str) -> Result<Option<CephxKey>, ConfError> {
    let ring = rados::Keyring::from_string(text).map_err(|e| ConfError::Invalid(e.to_string()))?;
    match ring.get_key(name) {
        Some(_) => {
            // Re-read the base64 text so our key type owns it (rados' CryptoKey Debug
            // would print the secret).
            let b64 = keyring_value(text, name).ok_or_else(|| {
                ConfError::Invalid(format!("keyring entry for {name} has no key"))
            })?;
            CephxKey::from_base64(&b64)
                .map(Some)
                .map_err(|e| ConfError::Invalid(format!("key of {name}: {e}")))
        }
        None => Ok(None),
    }
}

fn keyring_value(text: &str, name: &str) -> Option<String> {
    let mut in_section = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(sec) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_section = sec.trim() == name;
            continue;
        }
        if in_section {
            if let Some((k, v)) = line.split_once('=') {
                if k.trim() == "key" {
                    return Some(v.trim().to_string());
                }
            }
        }
    }
    None
}

/// Parses `mon_host`.
pub fn parse_mon_host(host: &str) -> Result<Vec<SocketAddr>, ConfError> {
    let mut out = Vec::new();
    for tok in host
        .split([',', ';', ' ', '\t', '[', ']'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let (v2, rest) = if let Some(r) = tok.strip_prefix("v2:") {
            (Some(true), r)
        } else if let Some(r) = tok.strip_prefix("v1:") {
            (Some(false), r)
        } else {
            (None, tok)
        };
        if v2 == Some(false) {
            continue;
        }
        let resolved: Vec<SocketAddr> = match rest.parse::<SocketAddr>() {
            Ok(a) if v2.is_none() && a.port() == MON_PORT_V1 => {
                vec![SocketAddr::new(a.ip(), MON_PORT_V2)]
            }
            Ok(a) => vec![a],
            Err(_) => match rest.parse::<std::net::IpAddr>() {
                Ok(ip) => vec![SocketAddr::new(ip, MON_PORT_V2)],
                Err(_) => {
                    // A host name, with or without a port.
                    let with_port = if rest
                        .rsplit_once(':')
                        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
                    {
                        rest.to_string()
                    } else {
                        format!("{rest}:{MON_PORT_V2}")
                    };
                    with_port
                        .to_socket_addrs()
                        .map_err(|e| ConfError::Invalid(format!("mon_host entry '{tok}': {e}")))?
                        .collect()
                }
            },
        };
        for a in resolved {
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mon_host_forms() {
        let a = parse_mon_host("[v2:127.0.0.1:40000,v1:127.0.0.1:40001]").unwrap();
        assert_eq!(a, vec!["127.0.0.1:40000".parse().unwrap()]);
        let a = parse_mon_host("10.0.0.1, 10.0.0.2:6789 [v2:10.0.0.3:3301]").unwrap();
        let want: Vec<SocketAddr> = ["10.0.0.1:3300", "10.0.0.2:3300", "10.0.0.3:3301"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(a, want);
    }

    #[test]
    fn sections_and_metavariables() {
        let dir = std::env::temp_dir().join(format!("rmgr-msgr-conf-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("mgr.x")).unwrap();
        let conf = dir.join("ceph.conf");
        std::fs::write(
            &conf,
            format!(
                "[global]\nmon host = [v2:127.0.0.1:3300]\nauth cluster required = cephx\n\
                 [mgr]\nmgr_data = {}/$name\nmgr tick period = 1\n[client]\nkeyring = /nope\n",
                dir.display()
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("mgr.x/keyring"),
            "[mgr.x]\n\tkey = AQC9mAlrfiRzEhAAW1rmh81R5CiOjuNIpHmaMw==\n\tcaps mon = \"allow profile mgr\"\n",
        )
        .unwrap();
        let c = CephConf::load(&conf, "x").unwrap();
        assert_eq!(c.mgr_data(), dir.join("mgr.x"));
        assert_eq!(c.tick_period(), std::time::Duration::from_secs(1));
        assert_eq!(c.auth_methods(), (true, false));
        // What the file sets for mgr.x: [client] is not ours, names are normalised.
        let e = c.entries();
        assert_eq!(e["mgr_tick_period"], "1");
        assert_eq!(e["mon_host"], "[v2:127.0.0.1:3300]");
        assert_eq!(e["mgr_data"], format!("{}/$name", dir.display()));
        assert!(!e.contains_key("keyring"));
        let (_key, path) = c.key(None).unwrap();
        assert_eq!(path, dir.join("mgr.x/keyring"));
        assert!(matches!(
            CephConf::load(&conf, "y").unwrap().key(None),
            Err(ConfError::NoKey { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
