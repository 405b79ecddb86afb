//! Pacific's mgr capabilities (`MgrCap`): the grammar of a key's `mgr` caps and the check
//! `DaemonServer` makes before it runs a command.
//!
//! ```text
//! mgrcap  := grant [(','|';') grant ...]
//! grant   := allow (* | all | [r][w][x]) [network <cidr>]
//!          | [allow] profile <name> [<key>(=|prefix|regex)<value> ...] [network <cidr>]
//!          | allow service <name> <rwxa> [network <cidr>]
//!          | allow module <name> [with <key>(=|prefix|regex)<value> ...] <rwxa> [network <cidr>]
//!          | allow command <cmd> [with <key>(=|prefix|regex)<value> ...] [network <cidr>]
//! ```
//!
//! Names and values are `"…"`, `'…'` or words of `[A-Za-z0-9_./-]`; `service`, `module`,
//! `command` and `profile` may also be followed by `=`. The grammar is a PEG (Pacific's is
//! Boost.Spirit Qi): alternatives are tried in order, and once a grant matched the parse
//! never goes back into it — `allow read` parses `allow r` and then fails at `ead`.
//!
//! The check (`MgrCap::is_capable`): grants are visited in order, skipping those whose
//! `network` does not contain the peer; `allow *` allows everything, the others add their
//! permissions to what earlier grants gave, and the command is allowed as soon as the sum
//! covers its perm. `allow service S` matches commands whose descriptor module is `S`
//! (`pg`, `osd`, `mgr`, … — Python module commands have the service `py`); `allow module M`
//! matches module `M`'s commands (its `with` arguments are only checked when no command is
//! given, i.e. by `is_authorized()`); `allow command C [with …]` grants everything for the
//! command with that prefix whose arguments match. The profiles Pacific knows are
//! `read-only`, `read-write`, `crash`, `osd`, `mds` (nothing), `rbd` and `rbd-read-only`.

use std::collections::BTreeMap;
use std::net::IpAddr;

/// Read permission.
pub const CAP_R: u8 = 1;
/// Write permission.
pub const CAP_W: u8 = 2;
/// Execute permission.
pub const CAP_X: u8 = 4;
/// Everything (`*`, `all`).
pub const CAP_ANY: u8 = 0xff;

/// How a `with` argument must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchType {
    /// `key=value`
    Equal,
    /// `key prefix value`
    Prefix,
    /// `key regex value` (POSIX extended, the whole value must match)
    Regex,
}

/// One `with` constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub match_type: MatchType,
    pub value: String,
}

/// One grant of a cap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grant {
    pub service: String,
    pub module: String,
    pub profile: String,
    pub command: String,
    pub arguments: BTreeMap<String, Constraint>,
    pub allow: u8,
    /// `network <cidr>` as written; `None` without one.
    pub network: Option<String>,
    /// The parsed network (address, prefix length); `None` when absent or unparsable.
    network_parsed: Option<(IpAddr, u32)>,
    /// What a profile stands for.
    profile_grants: Vec<Grant>,
}

impl Grant {
    fn plain(allow: u8) -> Grant {
        Grant {
            allow,
            ..Grant::default()
        }
    }

    /// `allow *` (without a service/module/command/profile restriction).
    pub fn is_allow_all(&self) -> bool {
        self.allow == CAP_ANY
            && self.service.is_empty()
            && self.module.is_empty()
            && self.profile.is_empty()
            && self.command.is_empty()
    }

    /// The grants a profile stands for, or why it is not one.
    fn expand_profile(&self) -> Result<Vec<Grant>, String> {
        match self.profile.as_str() {
            "read-only" => Ok(vec![Grant::plain(CAP_R)]),
            "read-write" => Ok(vec![Grant::plain(CAP_R | CAP_W)]),
            "crash" => Ok(vec![Grant {
                command: "crash post".into(),
                ..Grant::default()
            }]),
            // Documented profiles that grant nothing on the manager.
            "osd" | "mds" => Ok(Vec::new()),
            p @ ("rbd" | "rbd-read-only") => {
                if let Some(k) = self
                    .arguments
                    .keys()
                    .find(|k| *k != "pool" && *k != "namespace")
                {
                    return Err(format!("profile '{p}' does not recognize key '{k}'"));
                }
                let allow = if p == "rbd" { CAP_R | CAP_W } else { CAP_R };
                // All rbd_support commands, restricted by the optional pool/namespace.
                Ok(vec![Grant {
                    module: "rbd_support".into(),
                    arguments: self.arguments.clone(),
                    allow,
                    ..Grant::default()
                }])
            }
            p => Err(format!("unrecognized profile '{p}'")),
        }
    }

    fn validate_arguments(&self, args: &BTreeMap<String, String>) -> bool {
        self.arguments.iter().all(|(key, c)| {
            let Some(v) = args.get(key) else {
                return false;
            };
            match c.match_type {
                MatchType::Equal => *v == c.value,
                MatchType::Prefix => v.starts_with(&c.value),
                MatchType::Regex => regex::Regex::new(&format!("^(?:{})$", c.value))
                    .map(|re| re.is_match(v))
                    .unwrap_or(false),
            }
        })
    }

    fn get_allowed(
        &self,
        service: &str,
        module: &str,
        command: &str,
        args: &BTreeMap<String, String>,
    ) -> u8 {
        if !self.profile.is_empty() {
            return self
                .profile_grants
                .iter()
                .fold(0, |a, g| a | g.get_allowed(service, module, command, args));
        }
        if !self.service.is_empty() {
            return if self.service == service {
                self.allow
            } else {
                0
            };
        }
        if !self.module.is_empty() {
            if self.module != module {
                return 0;
            }
            // A module's arguments are not tested when a specific command is checked.
            if command.is_empty() && !self.validate_arguments(args) {
                return 0;
            }
            return self.allow;
        }
        if !self.command.is_empty() {
            if self.command != command || !self.validate_arguments(args) {
                return 0;
            }
            return CAP_ANY;
        }
        self.allow
    }

    fn network_allows(&self, peer: IpAddr) -> bool {
        if self.network.is_none() {
            return true;
        }
        match self.network_parsed {
            Some((net, prefix)) => network_contains(net, prefix, peer),
            None => false,
        }
    }
}

/// A parsed `mgr` cap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MgrCap {
    pub grants: Vec<Grant>,
    pub text: String,
}

impl MgrCap {
    /// Parses a cap as Pacific does; the error text is Pacific's.
    pub fn parse(text: &str) -> Result<MgrCap, String> {
        let p = Parser { s: text.as_bytes() };
        match p.grants(0) {
            Some((mut grants, end)) if end == text.len() => {
                let mut errs = String::new();
                for g in &mut grants {
                    g.network_parsed = g.network.as_deref().and_then(parse_network);
                    if !g.profile.is_empty() {
                        match g.expand_profile() {
                            Ok(v) => g.profile_grants = v,
                            Err(e) => errs.push_str(&e),
                        }
                    }
                }
                if !errs.is_empty() {
                    return Err(format!(
                        "mgr capability parse failed during profile evaluation: {errs}"
                    ));
                }
                Ok(MgrCap {
                    grants,
                    text: text.to_string(),
                })
            }
            Some((_, end)) => Err(format!(
                "mgr capability parse failed, stopped at '{}' of '{text}'",
                String::from_utf8_lossy(&text.as_bytes()[end..])
            )),
            None if text.is_empty() => Err(format!(
                "mgr capability parse failed, stopped at end of '{text}'"
            )),
            None => Err(format!(
                "mgr capability parse failed, stopped at '{text}' of '{text}'"
            )),
        }
    }

    /// Whether some grant is a plain `allow *` (what `ceph tell mgr` needs).
    pub fn is_allow_all(&self) -> bool {
        self.grants.iter().any(Grant::is_allow_all)
    }

    /// Whether the cap allows a command of `service` (the descriptor's module, `py` for a
    /// module's command), `module`, with this prefix and these arguments, needing read,
    /// write and/or execute, from `peer`.
    #[allow(clippy::too_many_arguments)]
    pub fn is_capable(
        &self,
        service: &str,
        module: &str,
        command: &str,
        args: &BTreeMap<String, String>,
        may_read: bool,
        may_write: bool,
        may_exec: bool,
        peer: IpAddr,
    ) -> bool {
        let mut allow = 0u8;
        for g in &self.grants {
            if !g.network_allows(peer) {
                continue;
            }
            if g.is_allow_all() {
                return true;
            }
            allow |= g.get_allowed(service, module, command, args);
            if (!may_read || allow & CAP_R != 0)
                && (!may_write || allow & CAP_W != 0)
                && (!may_exec || allow & CAP_X != 0)
            {
                return true;
            }
        }
        false
    }
}

/// The `key → value` strings a command's arguments are checked as
/// (`DaemonServer::_generate_command_map`): every argument but `prefix`, stringified as
/// Ceph prints its `cmd_vartype`; `caps` (pairs) becomes `caps_<entity type>`.
pub fn command_args(cmd: &serde_json::Value) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let Some(obj) = cmd.as_object() else {
        return m;
    };
    for (k, v) in obj {
        if k == "prefix" {
            continue;
        }
        if k == "caps" {
            if let Some(a) = v.as_array() {
                let strs: Option<Vec<&str>> = a.iter().map(|x| x.as_str()).collect();
                if let Some(s) = strs.filter(|s| s.len() % 2 == 0) {
                    for pair in s.chunks(2) {
                        m.insert(format!("caps_{}", pair[0]), pair[1].to_string());
                    }
                    continue;
                }
            }
        }
        m.insert(k.clone(), stringify(v));
    }
    m
}

/// `operator<<` of a `cmd_vartype`: strings as they are, bools as 0/1, vectors as `[a,b]`.
fn stringify(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => u8::from(*b).to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => format_g6(f),
            _ => n.to_string(),
        },
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(stringify).collect::<Vec<_>>().join(",")
        ),
        Value::Null => String::new(),
        Value::Object(_) => v.to_string(),
    }
}

/// A double as a default `std::ostream` prints it (`%g`, 6 significant digits).
fn format_g6(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "nan".into()
        } else if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if f == 0.0 {
        return "0".into();
    }
    let sci = format!("{f:.5e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mant.to_string()), exp.abs())
    } else {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(format!("{f:.decimals$}"))
    }
}

/// `parse_network`: `<address>/<prefix length>`, IPv4 or IPv6.
fn parse_network(s: &str) -> Option<(IpAddr, u32)> {
    let (addr, len) = s.split_once('/')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: u64 = len.parse().unwrap_or(u64::MAX);
    let addr: IpAddr = addr.parse().ok()?;
    Some((addr, u32::try_from(len).unwrap_or(u32::MAX)))
}

/// `network_contains`: same family, and the first `prefix` bits equal.
fn network_contains(net: IpAddr, prefix: u32, peer: IpAddr) -> bool {
    let peer = peer.to_canonical();
    match (net, peer) {
        (IpAddr::V4(n), IpAddr::V4(p)) => {
            let mask = if prefix >= 32 {
                u32::MAX
            } else {
                !(u32::MAX >> prefix)
            };
            u32::from(n) & mask == u32::from(p) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(p)) => {
            let mask = if prefix >= 128 {
                u128::MAX
            } else {
                !(u128::MAX >> prefix)
            };
            u128::from(n) & mask == u128::from(p) & mask
        }
        _ => false,
    }
}

/// The PEG: each rule takes a position and returns what it matched and where it ended.
struct Parser<'a> {
    s: &'a [u8],
}

type Kv = BTreeMap<String, Constraint>;

impl Parser<'_> {
    fn at(&self, p: usize) -> Option<u8> {
        self.s.get(p).copied()
    }

    fn lit(&self, p: usize, l: &str) -> Option<usize> {
        self.s
            .get(p..)
            .filter(|rest| rest.starts_with(l.as_bytes()))
            .map(|_| p + l.len())
    }

    fn byte(&self, p: usize, b: u8) -> Option<usize> {
        (self.at(p) == Some(b)).then_some(p + 1)
    }

    /// One or more of `' '`, `'\n'`, `'\t'`.
    fn spaces(&self, p: usize) -> Option<usize> {
        let n = self.s[p..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\n' | b'\t'))
            .count();
        (n > 0).then_some(p + n)
    }

    fn opt_spaces(&self, p: usize) -> usize {
        self.spaces(p).unwrap_or(p)
    }

    fn run(&self, p: usize, ok: impl Fn(u8) -> bool) -> Option<(String, usize)> {
        let n = self.s[p..].iter().take_while(|b| ok(**b)).count();
        (n > 0).then(|| {
            (
                String::from_utf8_lossy(&self.s[p..p + n]).into_owned(),
                p + n,
            )
        })
    }

    fn quoted(&self, p: usize) -> Option<(String, usize)> {
        for q in [b'"', b'\''] {
            if let Some(p) = self.byte(p, q) {
                if let Some((v, p)) = self.run(p, |b| b != q) {
                    if let Some(p) = self.byte(p, q) {
                        return Some((v, p));
                    }
                }
            }
        }
        None
    }

    fn str(&self, p: usize) -> Option<(String, usize)> {
        self.quoted(p).or_else(|| {
            self.run(p, |b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'-')
            })
        })
    }

    fn network_str(&self, p: usize) -> Option<(String, usize)> {
        self.run(p, |b| {
            b.is_ascii_hexdigit() || matches!(b, b'/' | b'.' | b':' | b'[' | b']')
        })
    }

    /// `* | all | [r][w][x]` (at least one letter, in this order).
    fn rwxa(&self, p: usize) -> Option<(u8, usize)> {
        if let Some(p) = self.lit(p, "*") {
            return Some((CAP_ANY, p));
        }
        if let Some(p) = self.lit(p, "all") {
            return Some((CAP_ANY, p));
        }
        let (mut v, mut q) = (0u8, p);
        for (c, bit) in [(b'r', CAP_R), (b'w', CAP_W), (b'x', CAP_X)] {
            if let Some(n) = self.byte(q, c) {
                v |= bit;
                q = n;
            }
        }
        (q > p).then_some((v, q))
    }

    fn constraint(&self, p: usize) -> Option<(Constraint, usize)> {
        // -spaces '=' -spaces str
        let eq = || {
            let p = self.byte(self.opt_spaces(p), b'=')?;
            let (v, p) = self.str(self.opt_spaces(p))?;
            Some((
                Constraint {
                    match_type: MatchType::Equal,
                    value: v,
                },
                p,
            ))
        };
        // spaces ("prefix"|"regex") spaces str
        let word = |w: &str, t: MatchType| {
            let p = self.lit(self.spaces(p)?, w)?;
            let (v, p) = self.str(self.spaces(p)?)?;
            Some((
                Constraint {
                    match_type: t,
                    value: v,
                },
                p,
            ))
        };
        eq().or_else(|| word("prefix", MatchType::Prefix))
            .or_else(|| word("regex", MatchType::Regex))
    }

    fn kv_pair(&self, p: usize) -> Option<((String, Constraint), usize)> {
        let (k, p) = self.str(p)?;
        let (c, p) = self.constraint(p)?;
        Some(((k, c), p))
    }

    /// `kv_pair (spaces kv_pair)*`; the first of a repeated key wins (`std::map::insert`).
    fn kv_map(&self, p: usize) -> Option<(Kv, usize)> {
        let ((k, c), mut p) = self.kv_pair(p)?;
        let mut m = Kv::new();
        m.insert(k, c);
        while let Some(((k, c), n)) = self.spaces(p).and_then(|q| self.kv_pair(q)) {
            m.entry(k).or_insert(c);
            p = n;
        }
        Some((m, p))
    }

    /// `-(spaces "with" spaces kv_map)`
    fn opt_with(&self, p: usize) -> (Kv, usize) {
        let with = || {
            let q = self.lit(self.spaces(p)?, "with")?;
            self.kv_map(self.spaces(q)?)
        };
        with().unwrap_or((Kv::new(), p))
    }

    /// `-(spaces "network" spaces network_str)`
    fn opt_network(&self, p: usize) -> (Option<String>, usize) {
        let net = || {
            let q = self.lit(self.spaces(p)?, "network")?;
            self.network_str(self.spaces(q)?)
        };
        match net() {
            Some((n, q)) => (Some(n), q),
            None => (None, p),
        }
    }

    /// `-spaces "allow" spaces <keyword> ('=' | spaces) str`
    fn allow_keyword(&self, p: usize, keyword: &str) -> Option<(String, usize)> {
        let p = self.lit(self.opt_spaces(p), "allow")?;
        let p = self.lit(self.spaces(p)?, keyword)?;
        let p = self.byte(p, b'=').or_else(|| self.spaces(p))?;
        self.str(p)
    }

    fn rwxa_match(&self, p: usize) -> Option<(Grant, usize)> {
        let p = self.lit(self.opt_spaces(p), "allow")?;
        let (allow, p) = self.rwxa(self.spaces(p)?)?;
        let (network, p) = self.opt_network(p);
        Some((
            Grant {
                allow,
                network,
                ..Grant::default()
            },
            p,
        ))
    }

    fn profile_match(&self, p: usize) -> Option<(Grant, usize)> {
        let mut p = self.opt_spaces(p);
        if let Some(q) = self.lit(p, "allow").and_then(|q| self.spaces(q)) {
            p = q;
        }
        let p = self.lit(p, "profile")?;
        let p = self.byte(p, b'=').or_else(|| self.spaces(p))?;
        let (profile, p) = self.str(p)?;
        let (arguments, p) = self
            .spaces(p)
            .and_then(|q| self.kv_map(q))
            .unwrap_or((Kv::new(), p));
        let (network, p) = self.opt_network(p);
        Some((
            Grant {
                profile,
                arguments,
                network,
                ..Grant::default()
            },
            p,
        ))
    }

    fn service_match(&self, p: usize) -> Option<(Grant, usize)> {
        let (service, p) = self.allow_keyword(p, "service")?;
        let (allow, p) = self.rwxa(self.spaces(p)?)?;
        let (network, p) = self.opt_network(p);
        Some((
            Grant {
                service,
                allow,
                network,
                ..Grant::default()
            },
            p,
        ))
    }

    fn module_match(&self, p: usize) -> Option<(Grant, usize)> {
        let (module, p) = self.allow_keyword(p, "module")?;
        let (arguments, p) = self.opt_with(p);
        let (allow, p) = self.rwxa(self.spaces(p)?)?;
        let (network, p) = self.opt_network(p);
        Some((
            Grant {
                module,
                arguments,
                allow,
                network,
                ..Grant::default()
            },
            p,
        ))
    }

    fn command_match(&self, p: usize) -> Option<(Grant, usize)> {
        let (command, p) = self.allow_keyword(p, "command")?;
        let (arguments, p) = self.opt_with(p);
        let (network, p) = self.opt_network(p);
        Some((
            Grant {
                command,
                arguments,
                network,
                ..Grant::default()
            },
            p,
        ))
    }

    fn grant(&self, p: usize) -> Option<(Grant, usize)> {
        let p = self.opt_spaces(p);
        let (g, p) = self
            .rwxa_match(p)
            .or_else(|| self.profile_match(p))
            .or_else(|| self.service_match(p))
            .or_else(|| self.module_match(p))
            .or_else(|| self.command_match(p))?;
        Some((g, self.opt_spaces(p)))
    }

    /// `grant (' '* (';'|',') ' '* grant)*`
    fn grants(&self, p: usize) -> Option<(Vec<Grant>, usize)> {
        let (g, mut p) = self.grant(p)?;
        let mut v = vec![g];
        loop {
            let sep = || {
                let mut q = p;
                while self.at(q) == Some(b' ') {
                    q += 1;
                }
                let mut q = self.byte(q, b';').or_else(|| self.byte(q, b','))?;
                while self.at(q) == Some(b' ') {
                    q += 1;
                }
                self.grant(q)
            };
            match sep() {
                Some((g, q)) => {
                    v.push(g);
                    p = q;
                }
                None => return Some((v, p)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap(s: &str) -> MgrCap {
        MgrCap::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    fn args(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// `perm` as a descriptor spells it.
    fn can(
        c: &str,
        service: &str,
        module: &str,
        command: &str,
        a: &[(&str, &str)],
        perm: &str,
    ) -> bool {
        cap(c).is_capable(
            service,
            module,
            command,
            &args(a),
            perm.contains('r'),
            perm.contains('w'),
            perm.contains('x'),
            LOCAL,
        )
    }

    #[test]
    fn the_grammar_accepts_what_pacific_accepts() {
        // Each of these was accepted by a 16.2.15 mon (`ceph auth get-or-create … mgr …`).
        for s in [
            "allow *",
            "allow all",
            "allow r",
            "allow rw",
            "allow rwx",
            "allow rx",
            "allow wx",
            "allow x",
            "profile read-only",
            "profile read-write",
            "profile crash",
            "profile rbd pool=x",
            "profile rbd-read-only",
            "profile osd",
            "profile mds",
            "allow profile rbd pool=x namespace=y",
            "profile=rbd",
            "allow command \"pg stat\"",
            "allow command 'pg stat'",
            "allow command=foo",
            "allow module balancer r",
            "allow module balancer with a=b r",
            "allow module=foo r",
            "allow service pg r",
            "allow service=pg rw",
            "allow rw network 127.0.0.0/8",
            "allow command foo with a prefix b",
            "allow command foo with a regex \"^b.*\"",
            "allow command foo with a = b c=d",
            "allow r;allow w",
            "allow r , allow w",
            "allow command \"pg stat\" network 127.0.0.1/32",
            "  allow r  ",
            "allow\tr",
            "profile rbd pool=x network 10.0.0.0/8",
        ] {
            assert!(MgrCap::parse(s).is_ok(), "{s}: {:?}", MgrCap::parse(s));
        }
    }

    #[test]
    fn the_grammar_rejects_what_pacific_rejects_with_its_errors() {
        for (s, err) in [
            ("profile mgr", "mgr capability parse failed during profile evaluation: unrecognized profile 'mgr'"),
            ("profile rgw", "mgr capability parse failed during profile evaluation: unrecognized profile 'rgw'"),
            ("allow command pg stat", "mgr capability parse failed, stopped at 'stat' of 'allow command pg stat'"),
            ("allow xr", "mgr capability parse failed, stopped at 'r' of 'allow xr'"),
            ("allow wr", "mgr capability parse failed, stopped at 'r' of 'allow wr'"),
            ("profile rbd foo=x", "mgr capability parse failed during profile evaluation: profile 'rbd' does not recognize key 'foo'"),
            ("allow", "mgr capability parse failed, stopped at 'allow' of 'allow'"),
            ("allow module foo", "mgr capability parse failed, stopped at 'allow module foo' of 'allow module foo'"),
            ("allow command foo r", "mgr capability parse failed, stopped at 'r' of 'allow command foo r'"),
            ("", "mgr capability parse failed, stopped at end of ''"),
        ] {
            assert_eq!(MgrCap::parse(s), Err(err.to_string()), "{s}");
        }
        for s in [
            "allow read",
            "allow r allow w",
            "allow r,",
            "allow service pg",
            "allow command \"\"",
            "allow module foo with r",
        ] {
            assert!(MgrCap::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn grants_parse_into_their_parts() {
        let c = cap("allow command \"osd pool ls\" with detail=detail format prefix js network 10.1.0.0/16; allow module balancer with mode regex \"up.*\" rw");
        assert_eq!(c.grants.len(), 2);
        let g = &c.grants[0];
        assert_eq!(g.command, "osd pool ls");
        assert_eq!(
            g.arguments["detail"],
            Constraint {
                match_type: MatchType::Equal,
                value: "detail".into()
            }
        );
        assert_eq!(
            g.arguments["format"],
            Constraint {
                match_type: MatchType::Prefix,
                value: "js".into()
            }
        );
        assert_eq!(g.network.as_deref(), Some("10.1.0.0/16"));
        let g = &c.grants[1];
        assert_eq!((g.module.as_str(), g.allow), ("balancer", CAP_R | CAP_W));
        assert_eq!(g.arguments["mode"].match_type, MatchType::Regex);
        assert!(cap("allow *").is_allow_all());
        assert!(cap("allow r, allow all").is_allow_all());
        assert!(!cap("allow rwx").is_allow_all());
        assert!(!cap("allow service mgr *").is_allow_all());
    }

    /// (cap, service, module, prefix, args, perm, allowed)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        &'a str,
        bool,
    );

    #[test]
    fn commands_are_checked_as_daemonserver_does() {
        let table: &[Case<'_>] = &[
            ("allow *", "pg", "", "pg dump", &[], "r", true),
            ("allow *", "py", "balancer", "balancer on", &[], "rw", true),
            ("allow all", "mgr", "", "mgr fail", &[], "rw", true),
            ("allow r", "pg", "", "pg stat", &[], "r", true),
            ("allow r", "osd", "", "osd pool create", &[], "rw", false),
            ("allow r", "py", "hello", "hello count", &[], "rw", false),
            ("allow rw", "py", "hello", "hello count", &[], "rw", true),
            ("allow rw", "mgr", "", "mgr module enable", &[], "rw", true),
            ("allow rw", "pg", "", "pg scrub", &[], "rwx", false),
            ("allow rwx", "pg", "", "pg scrub", &[], "rwx", true),
            (
                "allow r, allow w",
                "py",
                "hello",
                "hello count",
                &[],
                "rw",
                true,
            ),
            ("allow r; allow x", "pg", "", "pg scrub", &[], "rwx", false),
            ("allow w", "pg", "", "pg stat", &[], "r", false),
            // service = the descriptor's module; modules' commands are service "py".
            ("allow service pg r", "pg", "", "pg stat", &[], "r", true),
            (
                "allow service pg r",
                "pg",
                "",
                "pg repeer",
                &[],
                "rw",
                false,
            ),
            ("allow service pg r", "osd", "", "osd df", &[], "r", false),
            (
                "allow service py rw",
                "py",
                "hello",
                "hello count",
                &[],
                "rw",
                true,
            ),
            (
                "allow service hello rw",
                "py",
                "hello",
                "hello count",
                &[],
                "rw",
                false,
            ),
            (
                "allow service pg r, allow service pg w",
                "pg",
                "",
                "pg repeer",
                &[],
                "rw",
                true,
            ),
            // command grants: everything for that prefix, if the arguments match.
            (
                "allow command \"pg stat\"",
                "pg",
                "",
                "pg stat",
                &[],
                "r",
                true,
            ),
            (
                "allow command \"pg stat\"",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                false,
            ),
            (
                "allow command \"pg stat\"",
                "py",
                "x",
                "pg stat",
                &[],
                "rwx",
                true,
            ),
            (
                "allow command foo with a=b",
                "py",
                "m",
                "foo",
                &[("a", "b")],
                "rw",
                true,
            ),
            (
                "allow command foo with a=b",
                "py",
                "m",
                "foo",
                &[("a", "c")],
                "rw",
                false,
            ),
            (
                "allow command foo with a=b",
                "py",
                "m",
                "foo",
                &[],
                "rw",
                false,
            ),
            (
                "allow command foo with a=b c=d",
                "py",
                "m",
                "foo",
                &[("a", "b"), ("c", "d"), ("e", "f")],
                "rw",
                true,
            ),
            (
                "allow command foo with a=b c=d",
                "py",
                "m",
                "foo",
                &[("a", "b")],
                "rw",
                false,
            ),
            (
                "allow command foo with a prefix ba",
                "py",
                "m",
                "foo",
                &[("a", "bar")],
                "rw",
                true,
            ),
            (
                "allow command foo with a prefix ba",
                "py",
                "m",
                "foo",
                &[("a", "xbar")],
                "rw",
                false,
            ),
            (
                "allow command foo with a regex \"b[a-z]+\"",
                "py",
                "m",
                "foo",
                &[("a", "bar")],
                "rw",
                true,
            ),
            (
                "allow command foo with a regex \"b[a-z]+\"",
                "py",
                "m",
                "foo",
                &[("a", "bar1")],
                "rw",
                false,
            ),
            (
                "allow command foo with a regex \"b[\"",
                "py",
                "m",
                "foo",
                &[("a", "b[")],
                "rw",
                false,
            ),
            // module grants: the module's commands; its arguments only without a command.
            (
                "allow module balancer r",
                "py",
                "balancer",
                "balancer status",
                &[],
                "r",
                true,
            ),
            (
                "allow module balancer r",
                "py",
                "balancer",
                "balancer on",
                &[],
                "rw",
                false,
            ),
            (
                "allow module balancer rw",
                "py",
                "balancer",
                "balancer on",
                &[],
                "rw",
                true,
            ),
            (
                "allow module balancer rw",
                "py",
                "hello",
                "hello count",
                &[],
                "rw",
                false,
            ),
            (
                "allow module balancer rw",
                "mgr",
                "",
                "mgr fail",
                &[],
                "rw",
                false,
            ),
            (
                "allow module m with pool=a rw",
                "py",
                "m",
                "m do",
                &[("pool", "b")],
                "rw",
                true,
            ),
            (
                "allow module m with pool=a rw",
                "py",
                "m",
                "",
                &[("pool", "b")],
                "rw",
                false,
            ),
            (
                "allow module m with pool=a rw",
                "py",
                "m",
                "",
                &[("pool", "a")],
                "rw",
                true,
            ),
            // profiles
            ("profile read-only", "pg", "", "pg dump", &[], "r", true),
            (
                "profile read-only",
                "py",
                "hello",
                "hello count",
                &[],
                "rw",
                false,
            ),
            (
                "profile read-write",
                "py",
                "hello",
                "hello count",
                &[],
                "rw",
                true,
            ),
            (
                "profile read-write",
                "pg",
                "",
                "pg scrub",
                &[],
                "rwx",
                false,
            ),
            (
                "profile crash",
                "py",
                "crash",
                "crash post",
                &[],
                "rw",
                true,
            ),
            ("profile crash", "py", "crash", "crash ls", &[], "r", false),
            ("profile osd", "pg", "", "pg stat", &[], "r", false),
            ("profile mds", "pg", "", "pg stat", &[], "r", false),
            (
                "profile rbd",
                "py",
                "rbd_support",
                "rbd task add flatten",
                &[],
                "rw",
                true,
            ),
            (
                "profile rbd-read-only",
                "py",
                "rbd_support",
                "rbd task add flatten",
                &[],
                "rw",
                false,
            ),
            (
                "profile rbd-read-only",
                "py",
                "rbd_support",
                "rbd task list",
                &[],
                "r",
                true,
            ),
            (
                "profile rbd pool=p",
                "py",
                "rbd_support",
                "rbd task list",
                &[("pool_spec", "q")],
                "r",
                true,
            ),
            (
                "profile rbd pool=p",
                "py",
                "rbd_support",
                "",
                &[("pool", "q")],
                "rw",
                false,
            ),
            (
                "profile rbd pool=p",
                "py",
                "rbd_support",
                "",
                &[("pool", "p")],
                "rw",
                true,
            ),
            (
                "profile rbd",
                "py",
                "balancer",
                "balancer on",
                &[],
                "rw",
                false,
            ),
            (
                "allow profile read-only, allow command \"hello count\"",
                "py",
                "hello",
                "hello count",
                &[],
                "rw",
                true,
            ),
            // a command nobody declares needs nothing
            ("allow service foo r", "py", "", "nosuch", &[], "", true),
            // networks
            (
                "allow * network 127.0.0.0/8",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                true,
            ),
            (
                "allow * network 10.0.0.0/8",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                false,
            ),
            (
                "allow * network 10.0.0.0/8, allow r",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                true,
            ),
            (
                "allow r network 127.0.0.1/32",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                true,
            ),
            (
                "allow r network 127.0.0.2/32",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                false,
            ),
            (
                "allow r network 127.0.0.2/31",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                false,
            ),
            (
                "allow r network 127.0.0.2/30",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                true,
            ),
            (
                "allow r network 127.0.0.1",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                false,
            ),
            (
                "allow r network ::1/128",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                false,
            ),
            (
                "allow command \"pg dump\" network 127.0.0.0/24",
                "pg",
                "",
                "pg dump",
                &[],
                "r",
                true,
            ),
        ];
        for (c, service, module, command, a, perm, want) in table {
            assert_eq!(
                can(c, service, module, command, a, perm),
                *want,
                "cap {c:?}: {service}/{module} {command:?} {a:?} {perm}"
            );
        }
    }

    #[test]
    fn ipv6_networks() {
        let c = cap("allow r network fd00::/8");
        let inside: IpAddr = "fd12::1".parse().unwrap();
        let outside: IpAddr = "fe80::1".parse().unwrap();
        let no = BTreeMap::new();
        assert!(c.is_capable("pg", "", "pg stat", &no, true, false, false, inside));
        assert!(!c.is_capable("pg", "", "pg stat", &no, true, false, false, outside));
        // A v4 client on a dual-stack socket is a v4 peer.
        let c = cap("allow r network 127.0.0.0/8");
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert!(c.is_capable("pg", "", "pg stat", &no, true, false, false, mapped));
    }

    #[test]
    fn arguments_are_stringified_as_ceph_prints_them() {
        let v = serde_json::json!({
            "prefix": "osd pool set",
            "pool": "rbd",
            "n": 3,
            "ratio": 0.5,
            "big": 1234567.0,
            "yes": true,
            "ids": ["1", "2"],
            "caps": ["mon", "allow r", "osd", "allow rw"],
        });
        let a = command_args(&v);
        assert!(!a.contains_key("prefix"));
        assert_eq!(a["pool"], "rbd");
        assert_eq!(a["n"], "3");
        assert_eq!(a["ratio"], "0.5");
        assert_eq!(a["big"], "1.23457e+06");
        assert_eq!(a["yes"], "1");
        assert_eq!(a["ids"], "[1,2]");
        assert_eq!(a["caps_mon"], "allow r");
        assert_eq!(a["caps_osd"], "allow rw");
        assert!(!a.contains_key("caps"));
        assert_eq!(format_g6(0.0001), "0.0001");
        assert_eq!(format_g6(0.00001), "1e-05");
        assert_eq!(format_g6(123456.0), "123456");
        assert_eq!(format_g6(-2.5), "-2.5");
    }
}
