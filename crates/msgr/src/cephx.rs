//! The client side of cephx against a mon (protocol.md §2.1, §2.2), on the `rados` crate's
//! cephx primitives (AES-128-CBC keys, the encrypted envelope, ticket and request structs).
//!
//! What we add on top: the AUTH_DONE decoding with *encrypted* ticket blobs (the reply to a
//! global_id reclaim that presents the old ticket, which `rados`' own client handler cannot
//! read), the request that carries that old ticket, and the AUTH_SIGNATURE HMAC.
//! Sans-IO: bytes in, bytes or tickets out.

use crate::addr::{EntityName, ENTITY_AUTH};
use crate::denc::{Reader, Writer};
use crate::error::{CephxError, DecodeError};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use rados::auth::protocol::{
    CephXAuthenticate, CephXChallengeBlob, CephXEncryptedEnvelope, CephXRequestHeader,
    CephXServiceTicket, CEPHX_GET_AUTH_SESSION_KEY,
};
use rados::auth::{CephXTicketBlob, CryptoKey};
use rados::Denc;
use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

/// `AUTH_MODE_MON`: the first byte of an AUTH_REQUEST payload to a mon.
pub const AUTH_MODE_MON: u8 = 10;
/// The tickets a manager daemon asks for besides AUTH: MON|MDS|OSD|MGR|AUTH (observed 0x37).
pub const MGR_WANT_KEYS: u32 = 0x37;

/// A cephx secret. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct CephxKey(CryptoKey);

impl CephxKey {
    /// A keyring's `key = …` value (base64 of an encoded CryptoKey).
    pub fn from_base64(s: &str) -> Result<CephxKey, CephxError> {
        let k = CryptoKey::from_base64(s.trim()).map_err(|e| CephxError::Crypto(e.to_string()))?;
        k.aes_key_bytes()
            .map_err(|e| CephxError::Crypto(e.to_string()))?;
        Ok(CephxKey(k))
    }

    pub(crate) fn from_crypto(k: CryptoKey) -> CephxKey {
        CephxKey(k)
    }

    pub fn crypto(&self) -> &CryptoKey {
        &self.0
    }

    /// The 16 raw AES bytes (the HMAC key of AUTH_SIGNATURE).
    pub fn secret(&self) -> Result<&[u8], CephxError> {
        self.0
            .aes_key_bytes()
            .map_err(|e| CephxError::Crypto(e.to_string()))
    }

    /// `encode_encrypt(T)`: envelope {u8 1, magic, T}, encrypted, without the length prefix.
    pub fn encrypt_envelope<T: Denc>(&self, payload: T) -> Result<Vec<u8>, CephxError> {
        let mut plain = Vec::new();
        CephXEncryptedEnvelope { payload }
            .encode(&mut plain, 0)
            .map_err(|e| CephxError::Crypto(e.to_string()))?;
        let ct = self
            .0
            .encrypt(&plain)
            .map_err(|e| CephxError::Crypto(e.to_string()))?;
        Ok(ct.to_vec())
    }

    /// Decrypts `ciphertext` and checks the envelope's magic; returns what follows it.
    pub fn decrypt_envelope<T: Denc>(&self, ciphertext: &[u8]) -> Result<T, CephxError> {
        let plain = self
            .0
            .decrypt(ciphertext)
            .map_err(|e| CephxError::Crypto(e.to_string()))?;
        let mut p: &[u8] = &plain;
        let env = CephXEncryptedEnvelope::<T>::decode(&mut p, 0)
            .map_err(|e| CephxError::Crypto(e.to_string()))?;
        Ok(env.payload)
    }
}

impl fmt::Debug for CephxKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CephxKey(<redacted>)")
    }
}

/// The AUTH_REQUEST payload to a mon: `u8 AUTH_MODE_MON, EntityName, u64 global_id`
/// (0 the first time, the previous id to reclaim it). Also the auth-none payload.
pub fn initial_request(name: &EntityName, global_id: u64) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(AUTH_MODE_MON);
    name.encode(&mut w);
    w.u64(global_id);
    w.into_vec()
}

/// `CephXServerChallenge{u8 v, u64 server_challenge}` from AUTH_REPLY_MORE.
pub fn decode_server_challenge(payload: &[u8]) -> Result<u64, DecodeError> {
    let mut r = Reader::new(payload, "CephXServerChallenge");
    r.u8()?;
    let c = r.u64()?;
    r.finish()?;
    Ok(c)
}

/// `cephx_calc_client_server_challenge`: encrypt {server, client} challenge with our
/// secret and xor-fold the whole `encode_encrypt` output — *including* its le32 length
/// prefix — in complete 8-byte words.
pub fn challenge_key(
    key: &CephxKey,
    server_challenge: u64,
    client_challenge: u64,
) -> Result<u64, CephxError> {
    let ct = key.encrypt_envelope(CephXChallengeBlob {
        server_challenge,
        client_challenge,
    })?;
    let len =
        u32::try_from(ct.len()).map_err(|_| CephxError::Crypto("ciphertext too long".into()))?;
    let mut folded = len.to_le_bytes().to_vec();
    folded.extend_from_slice(&ct);
    Ok(folded
        .chunks_exact(8)
        .map(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            u64::from_le_bytes(a)
        })
        .fold(0, |acc, w| acc ^ w))
}

/// The AUTH_REQUEST_MORE payload: `CephXRequestHeader{GET_AUTH_SESSION_KEY}` +
/// `CephXAuthenticate` v3 with our old AUTH ticket when we reclaim a global_id (mons with
/// `auth_allow_insecure_global_id_reclaim = false` refuse a reclaim without it).
pub fn authenticate_request(
    key: &CephxKey,
    server_challenge: u64,
    client_challenge: u64,
    old_ticket: Option<&CephXTicketBlob>,
    want_keys: u32,
) -> Result<Vec<u8>, CephxError> {
    let k = challenge_key(key, server_challenge, client_challenge)?;
    let req = CephXAuthenticate::new(
        client_challenge,
        k,
        old_ticket.cloned().unwrap_or_default(),
        want_keys,
    );
    let mut out = Vec::new();
    CephXRequestHeader {
        request_type: CEPHX_GET_AUTH_SESSION_KEY,
    }
    .encode(&mut out, 0)
    .map_err(|e| CephxError::Crypto(e.to_string()))?;
    req.encode(&mut out, 0)
        .map_err(|e| CephxError::Crypto(e.to_string()))?;
    Ok(out)
}

/// A ticket for one service, as the mon handed it out.
#[derive(Clone)]
pub struct ServiceTicket {
    pub session_key: CephxKey,
    pub blob: CephXTicketBlob,
    pub validity: Duration,
    pub obtained: SystemTime,
}

impl fmt::Debug for ServiceTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceTicket")
            .field("secret_id", &self.blob.secret_id)
            .field("validity", &self.validity)
            .finish_non_exhaustive()
    }
}

/// What a successful cephx login yields. Its `Debug` shows no key material.
#[derive(Clone)]
pub struct Tickets {
    pub global_id: u64,
    /// By service (`ENTITY_AUTH`, `ENTITY_MON`, `ENTITY_OSD`, …).
    pub by_service: BTreeMap<u32, ServiceTicket>,
    /// `None` in crc mode.
    pub connection_secret: Option<Vec<u8>>,
}

impl fmt::Debug for Tickets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tickets")
            .field("global_id", &self.global_id)
            .field("by_service", &self.by_service)
            .field(
                "connection_secret",
                &self.connection_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Tickets {
    pub fn auth(&self) -> Option<&ServiceTicket> {
        self.by_service.get(&ENTITY_AUTH)
    }
}

/// Decodes one `cephx_build_service_ticket_reply` list. `ticket_key` decrypts each
/// CephXServiceTicket (our own secret for the AUTH ticket, the new AUTH session key for the
/// extra tickets); `old_session_key` decrypts ticket blobs sent encrypted (`ticket_enc`).
fn decode_ticket_reply(
    r: &mut Reader<'_>,
    ticket_key: &CephxKey,
    old_session_key: Option<&CephxKey>,
    now: SystemTime,
    out: &mut BTreeMap<u32, ServiceTicket>,
) -> Result<(), CephxError> {
    let _v = r.u8()?;
    let n = r.count(4 + 1 + 4 + 1 + 4)?;
    for _ in 0..n {
        let service = r.u32()?;
        let _sv = r.u8()?;
        let ct = r.blob()?;
        let st: CephXServiceTicket = ticket_key.decrypt_envelope(ct)?;
        let ticket_enc = r.u8()?;
        let blob_bytes: Vec<u8> = if ticket_enc != 0 {
            let key = old_session_key.ok_or_else(|| {
                CephxError::Crypto("encrypted ticket blob but no previous session key".into())
            })?;
            let inner: Bytes = key.decrypt_envelope(r.blob()?)?;
            inner.to_vec()
        } else {
            r.blob()?.to_vec()
        };
        let mut b: &[u8] = &blob_bytes;
        let blob = CephXTicketBlob::decode(&mut b, 0).map_err(|e| {
            CephxError::Decode(DecodeError::invalid("CephXTicketBlob", e.to_string()))
        })?;
        out.insert(
            service,
            ServiceTicket {
                session_key: CephxKey::from_crypto(st.session_key),
                blob,
                validity: st.validity,
                obtained: now,
            },
        );
    }
    Ok(())
}

/// Decodes the AUTH_DONE payload of a GET_AUTH_SESSION_KEY exchange (protocol.md §2.2 step
/// 4): response header, the AUTH ticket, the connection secret, the extra tickets.
pub fn decode_auth_done(
    key: &CephxKey,
    global_id: u64,
    payload: &[u8],
    old_session_key: Option<&CephxKey>,
    now: SystemTime,
) -> Result<Tickets, CephxError> {
    let mut r = Reader::new(payload, "cephx AUTH_DONE");
    let request_type = r.u16()?;
    let status = r.i32()?;
    if request_type != CEPHX_GET_AUTH_SESSION_KEY {
        return Err(CephxError::Crypto(format!(
            "reply to request type {request_type:#x}"
        )));
    }
    if status != 0 {
        return Err(CephxError::Refused(status));
    }
    let mut by_service = BTreeMap::new();
    decode_ticket_reply(&mut r, key, old_session_key, now, &mut by_service)?;
    let auth_key = by_service
        .get(&ENTITY_AUTH)
        .map(|t| t.session_key.clone())
        .ok_or_else(|| CephxError::Crypto("no AUTH ticket in the reply".into()))?;
    let mut connection_secret = None;
    if !r.is_empty() {
        let cbl = r.blob()?;
        if !cbl.is_empty() {
            let mut cr = Reader::new(cbl, "connection secret");
            let ct = cr.blob()?;
            let secret: Bytes = auth_key.decrypt_envelope(ct)?;
            if !secret.is_empty() {
                connection_secret = Some(secret.to_vec());
            }
        }
    }
    if !r.is_empty() {
        let extra = r.blob()?;
        if !extra.is_empty() {
            let mut er = Reader::new(extra, "extra tickets");
            decode_ticket_reply(&mut er, &auth_key, None, now, &mut by_service)?;
        }
    }
    Ok(Tickets {
        global_id,
        by_service,
        connection_secret,
    })
}

/// AUTH_SIGNATURE: HMAC-SHA256 keyed with the session key over every byte received on the
/// connection so far; 32 zero bytes without a session key (auth none).
pub fn auth_signature(
    session_key: Option<&CephxKey>,
    bytes: &[u8],
) -> Result<[u8; 32], CephxError> {
    let Some(k) = session_key else {
        return Ok([0u8; 32]);
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(k.secret()?)
        .map_err(|e| CephxError::Crypto(e.to_string()))?;
    mac.update(bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(&mac.finalize().into_bytes());
    Ok(out)
}
