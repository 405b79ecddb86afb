//! The service side of cephx (protocol.md §2.3, §2.4): what the manager needs to accept a
//! client that presents a ticket for service "mgr" — verifying the authorizer with the MGR
//! service's rotating secrets, the challenge round trip, the authorize reply — and the
//! `CEPHX_GET_ROTATING_KEY` exchange (MAuth / MAuthReply) that fetches those secrets from
//! the mon. Sans-IO: bytes in, bytes or verified identities out.

use crate::addr::{EntityName, ENTITY_MGR};
use crate::cephx::CephxKey;
use crate::denc::{Reader, Writer};
use crate::error::{CephxError, DecodeError};
use crate::message::{encode_paxos_header, types, Message};
use bytes::Bytes;
use rados::auth::CryptoKey;
use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `AUTH_ENC_MAGIC`: follows `u8 1` at the start of every encrypted cephx structure.
const AUTH_ENC_MAGIC: u64 = 0xff00_9cad_8826_aa55;
/// `CEPHX_GET_ROTATING_KEY`.
pub const CEPHX_GET_ROTATING_KEY: u16 = 0x0400;
/// `CEPH_AUTH_CEPHX` in MAuth's `protocol` field.
const CEPH_AUTH_CEPHX: u32 = 2;
/// A `secret_id` meaning "encrypted with the service's own long-term key".
pub const SECRET_ID_OWN_KEY: u64 = u64::MAX;

/// One rotating service secret (`ExpiringCryptoKey`).
#[derive(Clone)]
pub struct RotatingSecret {
    pub key: CephxKey,
    pub expires: SystemTime,
}

impl fmt::Debug for RotatingSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotatingSecret")
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// The keys that decrypt the tickets clients present to us: the MGR service's rotating
/// secrets by `secret_id` (from [`decode_rotating_reply`]) and, for `secret_id == u64::MAX`,
/// our own key.
#[derive(Clone, Debug, Default)]
pub struct ServiceSecrets {
    pub own_key: Option<CephxKey>,
    pub rotating: BTreeMap<u64, RotatingSecret>,
    /// `max_ver` of the last `RotatingSecrets` received.
    pub max_ver: u64,
}

impl ServiceSecrets {
    pub fn is_empty(&self) -> bool {
        self.own_key.is_none() && self.rotating.is_empty()
    }

    fn key_for(&self, secret_id: u64) -> Option<&CephxKey> {
        if secret_id == SECRET_ID_OWN_KEY {
            self.own_key.as_ref()
        } else {
            self.rotating.get(&secret_id).map(|s| &s.key)
        }
    }

    /// When the secrets should be fetched again: when the oldest one has expired (the mon
    /// then holds a newer "next" one), like MonClient's `_check_auth_rotating`.
    pub fn refresh_at(&self) -> Option<SystemTime> {
        self.rotating.values().map(|s| s.expires).min()
    }

    /// Keeps the given secrets and adds the new ones (ids are never reused).
    pub fn merge(&mut self, newer: ServiceSecrets) {
        self.rotating.extend(newer.rotating);
        self.max_ver = self.max_ver.max(newer.max_ver);
        if newer.own_key.is_some() {
            self.own_key = newer.own_key;
        }
        // Keep at most the newest 8 ids (the mon rotates 3 at a time).
        while self.rotating.len() > 8 {
            let Some(first) = self.rotating.keys().next().copied() else {
                break;
            };
            self.rotating.remove(&first);
        }
    }
}

fn crypto(e: impl fmt::Display) -> CephxError {
    CephxError::Crypto(e.to_string())
}

/// `decode_decrypt_enc_bl`: decrypts and checks `{u8 1, u64 magic}`; returns the rest.
pub fn decrypt_enc_bl(key: &CephxKey, ciphertext: &[u8]) -> Result<Vec<u8>, CephxError> {
    let plain = key.crypto().decrypt(ciphertext).map_err(crypto)?;
    let mut r = Reader::new(&plain, "cephx envelope");
    let v = r.u8()?;
    let magic = r.u64()?;
    if v != 1 || magic != AUTH_ENC_MAGIC {
        return Err(CephxError::Crypto("bad magic: wrong key".into()));
    }
    Ok(plain[9..].to_vec())
}

/// `encode_encrypt_enc_bl`: `{u8 1, u64 magic, body}` encrypted, no length prefix.
pub fn encrypt_enc_bl(key: &CephxKey, body: &[u8]) -> Result<Vec<u8>, CephxError> {
    let mut plain = Vec::with_capacity(9 + body.len());
    plain.push(1);
    plain.extend_from_slice(&AUTH_ENC_MAGIC.to_le_bytes());
    plain.extend_from_slice(body);
    Ok(key.crypto().encrypt(&plain).map_err(crypto)?.to_vec())
}

/// `encode_encrypt`: the same with a le32 length prefix.
pub fn encrypt_with_len(key: &CephxKey, body: &[u8]) -> Result<Vec<u8>, CephxError> {
    let ct = encrypt_enc_bl(key, body)?;
    let mut w = Writer::new();
    w.blob(&ct);
    Ok(w.into_vec())
}

fn utime(r: &mut Reader<'_>) -> Result<SystemTime, DecodeError> {
    let sec = r.u32()?;
    let nsec = r.u32()?;
    Ok(UNIX_EPOCH + Duration::new(u64::from(sec), nsec.min(999_999_999)))
}

/// An encoded `CryptoKey`: `u16 type, utime created, u16 len, secret`.
fn crypto_key(r: &mut Reader<'_>) -> Result<CephxKey, CephxError> {
    let ty = r.u16()?;
    let created = utime(r)?;
    let len = r.u16()? as usize;
    let secret = r.bytes(len)?;
    if ty != 1 || len != 16 {
        return Err(CephxError::Crypto(format!(
            "unsupported key (type {ty}, {len} bytes)"
        )));
    }
    Ok(CephxKey::from_crypto(CryptoKey {
        crypto_type: ty,
        created,
        secret: Bytes::copy_from_slice(secret),
    }))
}

/// The MAuth (17) front that asks the mon for our service's rotating secrets
/// (`CEPHX_GET_ROTATING_KEY`; observed 32 bytes): Paxos header, `u32 protocol = cephx`,
/// `bufferlist {u16 0x0400}`, `u32 monmap_epoch`. Send it on the established mon session
/// (cephx only); the answer is an MAuthReply for [`decode_rotating_reply`].
pub fn rotating_request(monmap_epoch: u32) -> Message {
    let mut w = Writer::new();
    encode_paxos_header(&mut w);
    w.u32(CEPH_AUTH_CEPHX);
    w.blob(&CEPHX_GET_ROTATING_KEY.to_le_bytes());
    w.u32(monmap_epoch);
    Message::new(types::AUTH, 1, 1, w.into_vec())
}

/// Decodes an MAuthReply (18) front: `u32 protocol, i32 result, u64 global_id,
/// bufferlist result_bl, string result_msg`; returns `(result, result_bl)`.
pub fn decode_auth_reply(front: &[u8]) -> Result<(i32, Vec<u8>), DecodeError> {
    let mut r = Reader::new(front, "MAuthReply");
    let _protocol = r.u32()?;
    let result = r.i32()?;
    let _global_id = r.u64()?;
    let bl = r.blob()?.to_vec();
    Ok((result, bl))
}

/// Is this MAuthReply the answer to [`rotating_request`]?
pub fn is_rotating_reply(front: &[u8]) -> bool {
    decode_auth_reply(front).is_ok_and(|(_, bl)| bl.get(..2) == Some(&[0x00, 0x04][..]))
}

/// Decrypts the RotatingSecrets in an MAuthReply's `result_bl` with **our own long-term
/// key** (`mgr.<id>`'s keyring key): `CephXResponseHeader{u16 0x0400, i32 status}`,
/// `encode_encrypt(RotatingSecrets{u8 1, map<u64, ExpiringCryptoKey>, u64 max_ver})`.
pub fn decode_rotating_reply(
    own_key: &CephxKey,
    result_bl: &[u8],
) -> Result<ServiceSecrets, CephxError> {
    let mut r = Reader::new(result_bl, "rotating keys reply");
    let op = r.u16()?;
    let status = r.i32()?;
    if op != CEPHX_GET_ROTATING_KEY {
        return Err(CephxError::Crypto(format!("reply to request {op:#x}")));
    }
    if status != 0 {
        return Err(CephxError::Refused(status));
    }
    let plain = decrypt_enc_bl(own_key, r.blob()?)?;
    let mut p = Reader::new(&plain, "RotatingSecrets");
    let _v = p.u8()?;
    let n = p.count(8 + 1 + 12 + 8)?;
    let mut rotating = BTreeMap::new();
    for _ in 0..n {
        let id = p.u64()?;
        let _ev = p.u8()?;
        let key = crypto_key(&mut p)?;
        let expires = utime(&mut p)?;
        rotating.insert(id, RotatingSecret { key, expires });
    }
    let max_ver = p.u64()?;
    Ok(ServiceSecrets {
        own_key: None,
        rotating,
        max_ver,
    })
}

/// What a verified ticket says about the client.
#[derive(Clone)]
pub struct VerifiedTicket {
    pub name: EntityName,
    pub global_id: u64,
    pub expires: SystemTime,
    pub allow_all: bool,
    /// The caps for this service: the encoded cap *string* (`allow *`, `allow profile osd`).
    pub caps: String,
    pub session_key: CephxKey,
}

impl fmt::Debug for VerifiedTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedTicket")
            .field("name", &self.name.to_string())
            .field("global_id", &self.global_id)
            .field("allow_all", &self.allow_all)
            .field("caps", &self.caps)
            .finish_non_exhaustive()
    }
}

/// A decoded and verified authorizer (one AUTH_REQUEST or AUTH_REQUEST_MORE payload).
#[derive(Debug, Clone)]
pub struct Authorizer {
    pub ticket: VerifiedTicket,
    pub secret_id: u64,
    pub nonce: u64,
    /// `Some(server_challenge + 1)` on the second round.
    pub challenge_plus_one: Option<u64>,
}

/// Why an authorizer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizerError {
    #[error("ticket for service {0:#x}, not mgr")]
    WrongService(u32),
    #[error("no secret with id {0} (rotating keys not fetched yet, or stale)")]
    UnknownSecret(u64),
    #[error("ticket global_id {ticket} does not match the authorizer's {claimed}")]
    GlobalIdMismatch { ticket: u64, claimed: u64 },
    #[error("ticket expired")]
    Expired,
    #[error("wrong answer to our challenge")]
    BadChallenge,
    #[error(transparent)]
    Cephx(#[from] CephxError),
}

impl From<DecodeError> for AuthorizerError {
    fn from(e: DecodeError) -> Self {
        AuthorizerError::Cephx(CephxError::Decode(e))
    }
}

/// `cephx_verify_authorizer` up to (not including) the challenge check: decodes part A,
/// decrypts the ticket with the secret it names, checks service, global id and expiry,
/// and decrypts part B (`CephXAuthorize`) with the ticket's session key.
pub fn verify_authorizer(
    secrets: &ServiceSecrets,
    payload: &[u8],
    now: SystemTime,
) -> Result<Authorizer, AuthorizerError> {
    let mut r = Reader::new(payload, "cephx authorizer");
    let _v = r.u8()?;
    let global_id = r.u64()?;
    let service = r.u32()?;
    if service != ENTITY_MGR {
        return Err(AuthorizerError::WrongService(service));
    }
    let _bv = r.u8()?;
    let secret_id = r.u64()?;
    let blob = r.blob()?;
    let key = secrets
        .key_for(secret_id)
        .ok_or(AuthorizerError::UnknownSecret(secret_id))?;
    let info = decrypt_enc_bl(key, blob)?;
    // CephXServiceTicketInfo{u8 1, AuthTicket, CryptoKey session_key}
    let mut t = Reader::new(&info, "CephXServiceTicketInfo");
    let _iv = t.u8()?;
    let _tv = t.u8()?;
    let name = EntityName::decode(&mut t)?;
    let ticket_gid = t.u64()?;
    let _auid = t.u64()?;
    let _created = utime(&mut t)?;
    let expires = utime(&mut t)?;
    let _cv = t.u8()?;
    let allow_all = t.bool()?;
    let caps_bl = t.blob()?;
    let _flags = t.u32()?;
    let session_key = crypto_key(&mut t)?;
    if ticket_gid != global_id {
        return Err(AuthorizerError::GlobalIdMismatch {
            ticket: ticket_gid,
            claimed: global_id,
        });
    }
    if expires < now {
        return Err(AuthorizerError::Expired);
    }
    let caps = if caps_bl.is_empty() {
        String::new()
    } else {
        Reader::new(caps_bl, "caps").string()?
    };
    // Part B: encode_encrypt(CephXAuthorize{u8 v, u64 nonce, [u8 have_challenge, u64 +1]}).
    let enc_b = r.blob()?;
    let b = decrypt_enc_bl(&session_key, enc_b)?;
    let mut br = Reader::new(&b, "CephXAuthorize");
    let bv = br.u8()?;
    let nonce = br.u64()?;
    let mut challenge_plus_one = None;
    if bv >= 2 {
        let have = br.bool()?;
        let plus_one = br.u64()?;
        if have {
            challenge_plus_one = Some(plus_one);
        }
    }
    Ok(Authorizer {
        ticket: VerifiedTicket {
            name,
            global_id,
            expires,
            allow_all,
            caps,
            session_key,
        },
        secret_id,
        nonce,
        challenge_plus_one,
    })
}

/// AUTH_REPLY_MORE payload: `encode_encrypt_enc_bl(CephXAuthorizeChallenge{u8 1, u64})`.
pub fn challenge_payload(session_key: &CephxKey, challenge: u64) -> Result<Vec<u8>, CephxError> {
    let mut w = Writer::new();
    w.u8(1).u64(challenge);
    encrypt_enc_bl(session_key, &w.into_vec())
}

/// AUTH_DONE payload: `encode_encrypt(CephXAuthorizeReply{u8 1, u64 nonce + 1})` in crc
/// mode; `{u8 2, u64 nonce + 1, string connection_secret}` with a secure-mode secret.
pub fn authorize_reply(
    session_key: &CephxKey,
    nonce: u64,
    connection_secret: Option<&[u8]>,
) -> Result<Vec<u8>, CephxError> {
    let mut w = Writer::new();
    match connection_secret.filter(|s| !s.is_empty()) {
        // v2 carries the secure-mode connection secret (`CephXAuthorizeReply`).
        Some(secret) => {
            w.u8(2).u64(nonce.wrapping_add(1)).blob(secret);
        }
        None => {
            w.u8(1).u64(nonce.wrapping_add(1));
        }
    }
    encrypt_with_len(session_key, &w.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_round_trip_and_wrong_keys_fail() {
        let k = CephxKey::from_base64("AQC9mAlrfiRzEhAAW1rmh81R5CiOjuNIpHmaMw==").unwrap();
        let ct = encrypt_enc_bl(&k, b"hello").unwrap();
        assert_eq!(decrypt_enc_bl(&k, &ct).unwrap(), b"hello");
        let other = CephxKey::from_base64("AQBzYgpr4GZFLRAAGdRS7mnH1zGM3DkBN6xvNg==").unwrap();
        assert!(decrypt_enc_bl(&other, &ct).is_err());
        assert!(
            verify_authorizer(&ServiceSecrets::default(), &[1, 2, 3], SystemTime::now()).is_err()
        );
    }

    #[test]
    fn rotating_request_is_the_observed_32_bytes() {
        let m = rotating_request(1);
        assert_eq!(m.front.len(), 32);
        assert_eq!(m.ty(), types::AUTH);
    }
}
