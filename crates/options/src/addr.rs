//! `entity_addr_t` / `entity_addrvec_t` text form as Ceph 16.2.15 parses and prints it
//! (`src/msg/msg_types.cc`), over emulations of glibc `inet_pton`/`inet_ntop` and `atoi`.
//!
//! The `addr`/`addrvec` option types use the C-string `parse()` without an end check, so
//! trailing text after a valid address is ignored (`1.2.3.4:80xyz` → `v2:1.2.3.4:80/0`).

use std::cmp::Ordering;
use std::fmt;

use crate::strtol::scanf_int;

const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

/// `entity_addr_t::TYPE_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddrType {
    None = 0,
    Legacy = 1,
    Msgr2 = 2,
    Any = 3,
}

/// The network part of an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SockAddr {
    /// `entity_addr_t()`: family 0 (only seen with type `none`).
    Unset,
    V4 {
        ip: [u8; 4],
        port: u16,
    },
    V6 {
        ip: [u8; 16],
        port: u16,
    },
}

/// One `entity_addr_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EntityAddr {
    pub ty: AddrType,
    pub nonce: u32,
    pub sock: SockAddr,
}

impl EntityAddr {
    /// `entity_addr_t()`, printed as `-`.
    pub(crate) const NONE: EntityAddr = EntityAddr {
        ty: AddrType::None,
        nonce: 0,
        sock: SockAddr::Unset,
    };

    fn is_ipv6(&self) -> bool {
        matches!(self.sock, SockAddr::V6 { .. })
    }

    /// The bytes `memcmp` sees in `operator<(entity_addr_t, entity_addr_t)` on x86-64:
    /// type and nonce in host order, then the zero-filled `sockaddr_in6`-sized union.
    fn memcmp_key(&self) -> [u8; 36] {
        let mut k = [0u8; 36];
        k[0..4].copy_from_slice(&(self.ty as u32).to_le_bytes());
        k[4..8].copy_from_slice(&self.nonce.to_le_bytes());
        match self.sock {
            SockAddr::Unset => {}
            SockAddr::V4 { ip, port } => {
                k[8..10].copy_from_slice(&AF_INET.to_le_bytes());
                k[10..12].copy_from_slice(&port.to_be_bytes());
                k[12..16].copy_from_slice(&ip);
            }
            SockAddr::V6 { ip, port } => {
                k[8..10].copy_from_slice(&AF_INET6.to_le_bytes());
                k[10..12].copy_from_slice(&port.to_be_bytes());
                k[16..32].copy_from_slice(&ip);
            }
        }
        k
    }
}

impl PartialOrd for EntityAddr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EntityAddr {
    fn cmp(&self, other: &Self) -> Ordering {
        self.memcmp_key().cmp(&other.memcmp_key())
    }
}

impl fmt::Display for EntityAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ty {
            AddrType::None => return f.write_str("-"),
            AddrType::Legacy => f.write_str("v1:")?,
            AddrType::Msgr2 => f.write_str("v2:")?,
            AddrType::Any => {}
        }
        match self.sock {
            SockAddr::Unset => f.write_str("(unrecognized address family 0)")?,
            SockAddr::V4 { ip, port } => write!(f, "{}:{}", ntop4(&ip), port)?,
            SockAddr::V6 { ip, port } => write!(f, "[{}]:{}", ntop6(&ip), port)?,
        }
        write!(f, "/{}", self.nonce)
    }
}

/// `entity_addr_t::parse(s, &end)` with the default type `TYPE_MSGR2`: the address and the
/// number of bytes consumed, or `None`.
pub(crate) fn parse_addr_prefix(s: &[u8]) -> Option<(EntityAddr, usize)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut start = 0usize;
    let mut ty = AddrType::Msgr2;
    if s.starts_with(b"v1:") {
        start = 3;
        ty = AddrType::Legacy;
    } else if s.starts_with(b"v2:") {
        start = 3;
    } else if s.starts_with(b"any:") {
        start = 4;
        ty = AddrType::Any;
    } else if at(0) == b'-' {
        return Some((EntityAddr::NONE, 1));
    }
    let brackets = at(start) == b'[';
    if brackets {
        start += 1;
    }
    let rest = s.get(start..).unwrap_or(&[]);
    // Ceph copies at most 39 (IPv4 buffer) / 64 (IPv6 buffer) candidate characters.
    let len4 = rest
        .iter()
        .take(39)
        .take_while(|c| **c == b'.' || c.is_ascii_digit())
        .count();
    let len6 = rest
        .iter()
        .take(64)
        .take_while(|c| **c == b':' || c.is_ascii_hexdigit())
        .count();
    let (mut sock, mut p) = if let Some(ip) = pton4(rest.get(..len4).unwrap_or(&[])) {
        (SockAddr::V4 { ip, port: 0 }, start + len4)
    } else if let Some(ip) = pton6(rest.get(..len6).unwrap_or(&[])) {
        (SockAddr::V6 { ip, port: 0 }, start + len6)
    } else {
        return None;
    };
    if brackets {
        if at(p) != b']' {
            return None;
        }
        p += 1;
    }
    if at(p) == b':' {
        p += 1;
        let port = atoi(s.get(p..).unwrap_or(&[]));
        if port > 65535 {
            return None;
        }
        // htons((uint16_t)port): negative ports wrap
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let port16 = port as u16;
        match &mut sock {
            SockAddr::V4 { port, .. } | SockAddr::V6 { port, .. } => *port = port16,
            SockAddr::Unset => {}
        }
        while at(p).is_ascii_digit() {
            p += 1;
        }
    }
    let mut nonce = 0u32;
    if at(p) == b'/' {
        p += 1;
        // set_nonce(int) into a __u32
        #[allow(clippy::cast_sign_loss)]
        {
            nonce = atoi(s.get(p..).unwrap_or(&[])) as u32;
        }
        while at(p).is_ascii_digit() {
            p += 1;
        }
    }
    Some((EntityAddr { ty, nonce, sock }, p))
}

/// glibc `atoi`: `(int)strtol(s, NULL, 10)`.
fn atoi(s: &[u8]) -> i32 {
    scanf_int(s).map(|(v, _)| v).unwrap_or(0)
}

/// `entity_addrvec_t::parse(s)` (no end pointer requested, so trailing text is ignored).
pub(crate) fn parse_addrvec(s: &[u8]) -> Option<Vec<EntityAddr>> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut pos = 0usize;
    let mut brackets = false;
    if at(0) == b'[' {
        // "[" may start a bracketed IPv6 address rather than a vector
        let is_v6 = matches!(parse_addr_prefix(s), Some((a, _)) if a.is_ipv6());
        if !is_v6 {
            brackets = true;
            pos = 1;
        }
    }
    let mut v = Vec::new();
    while at(pos) != 0 {
        match parse_addr_prefix(s.get(pos..).unwrap_or(&[])) {
            Some((a, used)) => {
                v.push(a);
                pos += used;
            }
            None => {
                if brackets {
                    return None;
                }
                break;
            }
        }
        if !brackets || at(pos) != b',' {
            break;
        }
        pos += 1;
    }
    if brackets && at(pos) != b']' {
        return None;
    }
    if v.is_empty() {
        None
    } else {
        Some(v)
    }
}

/// `operator<<(ostream&, const entity_addrvec_t&)`: nothing, the one address, or `[a,b]`.
pub(crate) fn format_addrvec(v: &[EntityAddr]) -> String {
    match v {
        [] => String::new(),
        [one] => one.to_string(),
        many => {
            let parts: Vec<String> = many.iter().map(ToString::to_string).collect();
            format!("[{}]", parts.join(","))
        }
    }
}

/// glibc `inet_pton(AF_INET)`: exactly four dotted decimal octets, no leading zeros.
pub(crate) fn pton4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut idx = 0usize;
    let mut saw_digit = false;
    let mut octets = 0;
    for &ch in s {
        if ch.is_ascii_digit() {
            let cur = u32::from(out[idx]);
            let new = cur * 10 + u32::from(ch - b'0');
            if saw_digit && cur == 0 {
                return None;
            }
            if new > 255 {
                return None;
            }
            out[idx] = u8::try_from(new).ok()?;
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return None;
                }
                saw_digit = true;
            }
        } else if ch == b'.' && saw_digit {
            if octets == 4 {
                return None;
            }
            idx += 1;
            saw_digit = false;
        } else {
            return None;
        }
    }
    if octets < 4 {
        return None;
    }
    Some(out)
}

/// glibc `inet_pton(AF_INET6)` for text made of hex digits and colons only.
pub(crate) fn pton6(s: &[u8]) -> Option<[u8; 16]> {
    let mut tmp = [0u8; 16];
    let mut tp = 0usize;
    let mut colonp: Option<usize> = None;
    let mut i = 0usize;
    if s.is_empty() {
        return None;
    }
    if s[0] == b':' {
        i = 1;
        if s.get(1) != Some(&b':') {
            return None;
        }
    }
    let mut xdigits = 0;
    let mut val: u32 = 0;
    while let Some(&ch) = s.get(i) {
        i += 1;
        if let Some(d) = (ch as char).to_digit(16) {
            if xdigits == 4 {
                return None;
            }
            val = (val << 4) | d;
            if val > 0xffff {
                return None;
            }
            xdigits += 1;
            continue;
        }
        if ch == b':' {
            if xdigits == 0 {
                if colonp.is_some() {
                    return None;
                }
                colonp = Some(tp);
                continue;
            } else if i == s.len() {
                return None;
            }
            if tp + 2 > 16 {
                return None;
            }
            tmp[tp] = (val >> 8) as u8;
            tmp[tp + 1] = (val & 0xff) as u8;
            tp += 2;
            xdigits = 0;
            val = 0;
            continue;
        }
        return None;
    }
    if xdigits > 0 {
        if tp + 2 > 16 {
            return None;
        }
        tmp[tp] = (val >> 8) as u8;
        tmp[tp + 1] = (val & 0xff) as u8;
        tp += 2;
    }
    if let Some(c) = colonp {
        if tp == 16 {
            return None;
        }
        let n = tp - c;
        let mut out = [0u8; 16];
        out[..c].copy_from_slice(&tmp[..c]);
        out[16 - n..].copy_from_slice(&tmp[c..tp]);
        return Some(out);
    }
    if tp != 16 {
        return None;
    }
    Some(tmp)
}

/// glibc `inet_ntop(AF_INET)`.
pub(crate) fn ntop4(ip: &[u8; 4]) -> String {
    format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3])
}

/// glibc `inet_ntop(AF_INET6)`: lowercase hex, the first longest run (≥ 2) of zero words as
/// `::`, and the IPv4-compatible / IPv4-mapped dotted tail.
pub(crate) fn ntop6(ip: &[u8; 16]) -> String {
    let mut words = [0u16; 8];
    for (i, w) in words.iter_mut().enumerate() {
        *w = u16::from_be_bytes([ip[2 * i], ip[2 * i + 1]]);
    }
    let (mut best_base, mut best_len): (Option<usize>, usize) = (None, 0);
    let mut cur: Option<(usize, usize)> = None;
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            cur = Some(match cur {
                None => (i, 1),
                Some((b, l)) => (b, l + 1),
            });
        } else if let Some((b, l)) = cur.take() {
            if best_base.is_none() || l > best_len {
                best_base = Some(b);
                best_len = l;
            }
        }
    }
    if let Some((b, l)) = cur {
        if best_base.is_none() || l > best_len {
            best_base = Some(b);
            best_len = l;
        }
    }
    if best_len < 2 {
        best_base = None;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if let Some(b) = best_base {
            if i >= b && i < b + best_len {
                if i == b {
                    out.push(':');
                }
                i += 1;
                continue;
            }
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6
            && best_base == Some(0)
            && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))
        {
            out.push_str(&ntop4(&[ip[12], ip[13], ip[14], ip[15]]));
            break;
        }
        out.push_str(&format!("{:x}", words[i]));
        i += 1;
    }
    if let Some(b) = best_base {
        if b + best_len == 8 {
            out.push(':');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> Option<String> {
        parse_addr_prefix(s.as_bytes()).map(|(a, _)| a.to_string())
    }

    fn addrvec(s: &str) -> Option<String> {
        parse_addrvec(s.as_bytes()).map(|v| format_addrvec(&v))
    }

    #[test]
    fn addr_forms() {
        for (input, out) in [
            ("1.2.3.4:80", "v2:1.2.3.4:80/0"),
            ("1.2.3.4", "v2:1.2.3.4:0/0"),
            ("1.2.3.4:80xyz", "v2:1.2.3.4:80/0"),
            ("-", "-"),
            ("-x", "-"),
            ("v1:1.2.3.4:6789", "v1:1.2.3.4:6789/0"),
            ("any:1.2.3.4:5", "1.2.3.4:5/0"),
            ("[::1]:80", "v2:[::1]:80/0"),
            ("::ffff:1.2.3.4", "v2:[::255.255.0.1]:0/0"),
            ("1.2.3.4:99999999999999999999", "v2:1.2.3.4:65535/0"),
            ("1.2.3.4:4294967376", "v2:1.2.3.4:80/0"),
            ("1.2.3.4:-5", "v2:1.2.3.4:65531/0"),
            ("1.2.3.4/-1", "v2:1.2.3.4:0/4294967295"),
            ("[1.2.3.4]:5", "v2:1.2.3.4:5/0"),
            ("::2:3", "v2:[::0.2.0.3]:0/0"),
            ("1:0:0:0:0:0:0:8", "v2:[1::8]:0/0"),
            ("A::B", "v2:[a::b]:0/0"),
            ("fe80::1%eth0", "v2:[fe80::1]:0/0"),
        ] {
            assert_eq!(addr(input).as_deref(), Some(out), "{input}");
        }
        for bad in [
            "",
            "1.2.3.4:65536",
            "01.2.3.4",
            "v3:1.2.3.4",
            "[::1",
            "1.2.3.256",
            "x",
        ] {
            assert_eq!(addr(bad), None, "{bad}");
        }
    }

    #[test]
    fn addrvec_forms() {
        for (input, out) in [
            ("1.2.3.4:80", "v2:1.2.3.4:80/0"),
            (
                "[v2:1.2.3.4:3300,v1:1.2.3.4:6789]",
                "[v2:1.2.3.4:3300/0,v1:1.2.3.4:6789/0]",
            ),
            ("[v2:1.2.3.4:3300]", "v2:1.2.3.4:3300/0"),
            ("[::1]", "v2:[::1]:0/0"),
            ("[-]", "-"),
            ("[-,1.2.3.4]", "[-,v2:1.2.3.4:0/0]"),
            ("1.2.3.4:5,6.7.8.9:1", "v2:1.2.3.4:5/0"),
            ("[1.2.3.4:5]xyz", "v2:1.2.3.4:5/0"),
        ] {
            assert_eq!(addrvec(input).as_deref(), Some(out), "{input}");
        }
        for bad in [
            "",
            "[1.2.3.4:5",
            "[1.2.3.4:5,]",
            "[]",
            "[1.2.3.4:5 ,1.1.1.1]",
            "x",
            "[x]",
        ] {
            assert_eq!(addrvec(bad), None, "{bad}");
        }
    }

    #[test]
    fn ntop6_forms() {
        let p = |s: &str| pton6(s.as_bytes()).map(|ip| ntop6(&ip));
        assert_eq!(p("::").as_deref(), Some("::"));
        assert_eq!(p("1::").as_deref(), Some("1::"));
        assert_eq!(p("::ffff:0:1").as_deref(), Some("::ffff:0.0.0.1"));
        assert_eq!(p("1:0:0:2:0:0:0:3").as_deref(), Some("1:0:0:2::3"));
        assert_eq!(p("1:0:2:0:3:0:4:0").as_deref(), Some("1:0:2:0:3:0:4:0"));
        assert_eq!(p("0:0:0:0:0:1:0:0").as_deref(), Some("::1:0:0"));
        assert_eq!(p("1::2::3"), None);
        assert_eq!(p("12345::1"), None);
        assert_eq!(p("1:2:3:4:5:6:7:8:9"), None);
        assert_eq!(p("1:"), None);
        assert_eq!(p(":1"), None);
    }

    #[test]
    fn ordering_follows_memcmp() {
        let a = parse_addr_prefix(b"1.2.3.4:1").map(|x| x.0);
        let b = parse_addr_prefix(b"1.2.3.4:256").map(|x| x.0);
        // port is big-endian in memory: 1 = 00 01, 256 = 01 00
        assert!(a < b);
        let c = parse_addr_prefix(b"v1:9.9.9.9").map(|x| x.0);
        assert!(c < a, "type v1 sorts before v2");
    }
}
