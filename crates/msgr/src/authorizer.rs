//! The client side of cephx towards a service (OSD, MDS, mgr) and towards the mon's ticket
//! service (protocol.md §2.3): authorizers built from a service ticket, the msgr2 challenge
//! round (AUTH_REPLY_MORE → AUTH_REQUEST_MORE), the authorize reply check, and the
//! `CEPHX_GET_PRINCIPAL_SESSION_KEY` exchange (MAuth / MAuthReply on the mon session) that
//! renews service tickets before they expire. Sans-IO.
//!
//! An authorizer (`CephXTicketHandler::build_authorizer`) is
//! `u8 1, u64 global_id, u32 service_id, CephXTicketBlob{u8 1, u64 secret_id, blob}` followed
//! by `encode_encrypt(CephXAuthorize{u8 2, u64 nonce, bool have_challenge,
//! u64 server_challenge + 1})` under the ticket's session key. A msgr2 server first answers
//! with an encrypted `CephXAuthorizeChallenge`; the client re-sends the same ticket with a
//! new `CephXAuthorize` carrying the challenge + 1; the server's AUTH_DONE carries
//! `encode_encrypt(CephXAuthorizeReply{u8 v, u64 nonce + 1, [connection secret]})`.

use crate::addr::ENTITY_AUTH;
use crate::cephx::{CephxKey, ServiceTicket, Tickets};
use crate::cephx_server::{decrypt_enc_bl, encrypt_with_len};
use crate::denc::{Reader, Writer};
use crate::error::CephxError;
use crate::message::{encode_paxos_header, types, Message};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// `CEPHX_GET_PRINCIPAL_SESSION_KEY`.
pub const CEPHX_GET_PRINCIPAL_SESSION_KEY: u16 = 0x0200;
/// `CEPH_AUTH_CEPHX` in MAuth's `protocol` field.
const CEPH_AUTH_CEPHX: u32 = 2;

/// An authorizer for one connection: the part that stays (ticket) and what the challenge
/// round needs (nonce, session key).
#[derive(Clone)]
pub struct CephxAuthorizer {
    session_key: CephxKey,
    /// `u8 1, global_id, service, ticket blob` (`base_bl`).
    base: Vec<u8>,
    nonce: u64,
}

impl std::fmt::Debug for CephxAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CephxAuthorizer").finish_non_exhaustive()
    }
}

impl CephxAuthorizer {
    /// `build_authorizer(global_id)` for `service` with its ticket; `nonce` is random in
    /// real use (a parameter for tests).
    pub fn new(
        global_id: u64,
        service: u32,
        ticket: &ServiceTicket,
        nonce: u64,
    ) -> CephxAuthorizer {
        let mut w = Writer::new();
        w.u8(1).u64(global_id).u32(service);
        w.u8(1).u64(ticket.blob.secret_id).blob(&ticket.blob.blob);
        CephxAuthorizer {
            session_key: ticket.session_key.clone(),
            base: w.into_vec(),
            nonce,
        }
    }

    pub fn session_key(&self) -> &CephxKey {
        &self.session_key
    }

    fn with(&self, challenge_plus_one: Option<u64>) -> Result<Vec<u8>, CephxError> {
        let mut a = Writer::new();
        a.u8(2)
            .u64(self.nonce)
            .u8(u8::from(challenge_plus_one.is_some()))
            .u64(challenge_plus_one.unwrap_or(0));
        let enc = encrypt_with_len(&self.session_key, &a.into_vec())?;
        let mut out = self.base.clone();
        out.extend_from_slice(&enc);
        Ok(out)
    }

    /// The first AUTH_REQUEST payload (no challenge yet).
    pub fn initial(&self) -> Result<Vec<u8>, CephxError> {
        self.with(None)
    }

    /// The AUTH_REQUEST_MORE payload answering the server's AUTH_REPLY_MORE
    /// (`encode_encrypt_enc_bl(CephXAuthorizeChallenge{u8 1, u64 challenge})`).
    pub fn answer_challenge(&self, reply_more: &[u8]) -> Result<Vec<u8>, CephxError> {
        let plain = decrypt_enc_bl(&self.session_key, reply_more)?;
        let mut r = Reader::new(&plain, "CephXAuthorizeChallenge");
        let _v = r.u8()?;
        let challenge = r.u64()?;
        self.with(Some(challenge.wrapping_add(1)))
    }

    /// Checks AUTH_DONE's payload: `encode_encrypt(CephXAuthorizeReply)` must carry our
    /// nonce + 1 (`CephXAuthorizer::verify_reply`). Returns the connection secret a v2
    /// reply carries (secure mode), if any.
    pub fn verify_reply(&self, payload: &[u8]) -> Result<Option<Vec<u8>>, CephxError> {
        let mut r = Reader::new(payload, "CephXAuthorizeReply");
        let ct = r.blob()?;
        let plain = decrypt_enc_bl(&self.session_key, ct)?;
        let mut p = Reader::new(&plain, "CephXAuthorizeReply");
        let v = p.u8()?;
        let plus_one = p.u64()?;
        if plus_one != self.nonce.wrapping_add(1) {
            return Err(CephxError::Crypto(
                "the service's authorize reply does not match our nonce".into(),
            ));
        }
        if v >= 2 {
            let secret = p.blob()?;
            if !secret.is_empty() {
                return Ok(Some(secret.to_vec()));
            }
        }
        Ok(None)
    }
}

/// When a ticket should be renewed: once three quarters of its validity have passed (as
/// `CephXTicketHandler` sets `renew_after`).
pub fn renew_at(t: &ServiceTicket) -> SystemTime {
    t.obtained + t.validity.mul_f64(0.75)
}

/// The services among `want` whose tickets are missing or due for renewal at `now`.
pub fn services_due(tickets: &Tickets, want: u32, now: SystemTime) -> u32 {
    let mut due = 0;
    let mut bit = 1u32;
    while bit != 0 && bit <= want {
        if want & bit != 0 && bit != ENTITY_AUTH {
            match tickets.by_service.get(&bit) {
                Some(t) if renew_at(t) > now => {}
                _ => due |= bit,
            }
        }
        bit <<= 1;
    }
    due
}

/// The MAuth front asking the mon for new tickets for `services` (a bitmask of entity
/// types): Paxos header, `u32 protocol = cephx`, `bufferlist {CephXRequestHeader{0x0200},
/// authorizer (AUTH ticket), CephXServiceTicketRequest{u8 1, u32 keys}}`,
/// `u32 monmap_epoch`. The answer is an MAuthReply for [`decode_principal_reply`].
pub fn principal_request(
    tickets: &Tickets,
    services: u32,
    monmap_epoch: u32,
    nonce: u64,
) -> Result<Message, CephxError> {
    let auth = tickets
        .auth()
        .ok_or_else(|| CephxError::Crypto("no AUTH ticket to renew service tickets with".into()))?;
    let authorizer = CephxAuthorizer::new(tickets.global_id, ENTITY_AUTH, auth, nonce);
    let mut payload = Writer::new();
    payload.raw(&CEPHX_GET_PRINCIPAL_SESSION_KEY.to_le_bytes());
    payload.raw(&authorizer.initial()?);
    payload.u8(1).u32(services);
    let mut w = Writer::new();
    encode_paxos_header(&mut w);
    w.u32(CEPH_AUTH_CEPHX);
    w.blob(&payload.into_vec());
    w.u32(monmap_epoch);
    Ok(Message::new(types::AUTH, 1, 1, w.into_vec()))
}

/// An encoded `CryptoKey`: `u16 type, utime created, u16 len, secret` (AES-128 only).
fn crypto_key(r: &mut Reader<'_>) -> Result<CephxKey, CephxError> {
    let ty = r.u16()?;
    let sec = r.u32()?;
    let nsec = r.u32()?;
    let len = usize::from(r.u16()?);
    let secret = r.bytes(len)?;
    if ty != 1 || len != 16 {
        return Err(CephxError::Crypto(format!(
            "unsupported key (type {ty}, {len} bytes)"
        )));
    }
    Ok(CephxKey::from_crypto(rados::auth::CryptoKey {
        crypto_type: ty,
        created: std::time::UNIX_EPOCH + Duration::new(u64::from(sec), nsec.min(999_999_999)),
        secret: bytes::Bytes::copy_from_slice(secret),
    }))
}

/// Is this MAuthReply's `result_bl` the answer to [`principal_request`]?
pub fn is_principal_reply(result_bl: &[u8]) -> bool {
    result_bl.get(..2) == Some(&CEPHX_GET_PRINCIPAL_SESSION_KEY.to_le_bytes()[..])
}

/// Decodes the renewed tickets in an MAuthReply's `result_bl`: `CephXResponseHeader{u16
/// 0x0200, i32 status}` and a `cephx_build_service_ticket_reply` list whose
/// `CephXServiceTicket`s are encrypted with the AUTH ticket's session key.
pub fn decode_principal_reply(
    auth_session_key: &CephxKey,
    result_bl: &[u8],
    now: SystemTime,
) -> Result<BTreeMap<u32, ServiceTicket>, CephxError> {
    let mut r = Reader::new(result_bl, "principal session key reply");
    let op = r.u16()?;
    let status = r.i32()?;
    if op != CEPHX_GET_PRINCIPAL_SESSION_KEY {
        return Err(CephxError::Crypto(format!("reply to request {op:#x}")));
    }
    if status != 0 {
        return Err(CephxError::Refused(status));
    }
    let mut out = BTreeMap::new();
    let _v = r.u8()?;
    let n = r.count(4 + 1 + 4 + 1 + 4)?;
    for _ in 0..n {
        let service = r.u32()?;
        let _sv = r.u8()?;
        let ct = r.blob()?;
        // CephXServiceTicket{u8 1, CryptoKey session_key, utime validity}
        let plain = decrypt_enc_bl(auth_session_key, ct)?;
        let mut st = Reader::new(&plain, "CephXServiceTicket");
        let _stv = st.u8()?;
        let session_key = crypto_key(&mut st)?;
        let vsec = st.u32()?;
        let vnsec = st.u32()?;
        let enc = r.u8()?;
        if enc != 0 {
            return Err(CephxError::Crypto(
                "encrypted ticket blob in a service ticket reply".into(),
            ));
        }
        let blob_bytes = r.blob()?;
        let mut b = Reader::new(blob_bytes, "CephXTicketBlob");
        let _bv = b.u8()?;
        let secret_id = b.u64()?;
        let blob = b.blob()?.to_vec();
        out.insert(
            service,
            ServiceTicket {
                session_key,
                blob: rados::auth::CephXTicketBlob::new(secret_id, blob.into()),
                validity: Duration::new(u64::from(vsec), vnsec.min(999_999_999)),
                obtained: now,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::addr::{EntityName, ENTITY_MGR, ENTITY_OSD};
    use crate::cephx_server::{
        authorize_reply, challenge_payload, encrypt_enc_bl, verify_authorizer, RotatingSecret,
        ServiceSecrets,
    };
    use std::time::UNIX_EPOCH;

    pub(crate) const SERVICE_SECRET: &str = "AQC9mAlrfiRzEhAAW1rmh81R5CiOjuNIpHmaMw==";
    pub(crate) const SESSION_KEY: &str = "AQBzYgpr4GZFLRAAGdRS7mnH1zGM3DkBN6xvNg==";

    /// A ticket for `service` as a mon would mint it (`CephXServiceTicketInfo` under the
    /// service's rotating secret `secret_id`).
    pub(crate) fn mint_ticket(
        secret: &CephxKey,
        secret_id: u64,
        name: &EntityName,
        global_id: u64,
        caps: &str,
        expires: SystemTime,
    ) -> ServiceTicket {
        let session_key = CephxKey::from_base64(SESSION_KEY).unwrap_or_else(|e| panic!("{e}"));
        let mut info = Writer::new();
        info.u8(1).u8(2);
        name.encode(&mut info);
        let exp = expires.duration_since(UNIX_EPOCH).unwrap_or_default();
        info.u64(global_id).u64(0).u32(0).u32(0);
        info.u32(exp.as_secs() as u32).u32(exp.subsec_nanos());
        let mut capsw = Writer::new();
        capsw.string(caps);
        info.u8(1).u8(0).blob(&capsw.into_vec()).u32(0);
        // CryptoKey: u16 type, utime created, u16 len, secret
        let raw = session_key
            .secret()
            .unwrap_or_else(|e| panic!("{e}"))
            .to_vec();
        info.u16(1).u32(0).u32(0).u16(16).raw(&raw);
        let blob = encrypt_enc_bl(secret, &info.into_vec()).unwrap_or_else(|e| panic!("{e}"));
        ServiceTicket {
            session_key,
            blob: rados::auth::CephXTicketBlob::new(secret_id, blob.into()),
            validity: Duration::from_secs(3600),
            obtained: SystemTime::now(),
        }
    }

    pub(crate) fn secrets(secret_id: u64) -> (CephxKey, ServiceSecrets) {
        let secret = CephxKey::from_base64(SERVICE_SECRET).unwrap_or_else(|e| panic!("{e}"));
        let mut s = ServiceSecrets::default();
        s.rotating.insert(
            secret_id,
            RotatingSecret {
                key: secret.clone(),
                expires: SystemTime::now() + Duration::from_secs(3600),
            },
        );
        (secret, s)
    }

    #[test]
    fn our_authorizer_passes_cephx_verification_with_the_challenge_round() {
        let (secret, server) = secrets(7);
        let name = EntityName::mgr("x");
        let t = mint_ticket(
            &secret,
            7,
            &name,
            4242,
            "allow *",
            SystemTime::now() + Duration::from_secs(600),
        );
        let a = CephxAuthorizer::new(4242, ENTITY_MGR, &t, 0x1234);
        let first = a.initial().unwrap();
        let v = verify_authorizer(&server, &first, SystemTime::now()).unwrap();
        assert_eq!(v.ticket.name, name);
        assert_eq!(v.ticket.global_id, 4242);
        assert_eq!(v.ticket.caps, "allow *");
        assert_eq!(v.nonce, 0x1234);
        assert_eq!(v.challenge_plus_one, None);
        let more = challenge_payload(&v.ticket.session_key, 99).unwrap();
        let second = a.answer_challenge(&more).unwrap();
        let v2 = verify_authorizer(&server, &second, SystemTime::now()).unwrap();
        assert_eq!(v2.challenge_plus_one, Some(100));
        let done = authorize_reply(&v2.ticket.session_key, v2.nonce, None).unwrap();
        assert_eq!(a.verify_reply(&done).unwrap(), None);
        let secret = [9u8; 64];
        let done = authorize_reply(&v2.ticket.session_key, v2.nonce, Some(&secret)).unwrap();
        assert_eq!(a.verify_reply(&done).unwrap(), Some(secret.to_vec()));
        let wrong = authorize_reply(&v2.ticket.session_key, 1, None).unwrap();
        assert!(a.verify_reply(&wrong).is_err());
        // Another service's secret cannot read the ticket.
        let (_, other) = secrets(8);
        assert!(verify_authorizer(&other, &first, SystemTime::now()).is_err());
    }

    #[test]
    fn services_due_and_the_principal_request() {
        let (secret, _) = secrets(1);
        let name = EntityName::mgr("x");
        let exp = SystemTime::now() + Duration::from_secs(600);
        let auth = mint_ticket(&secret, 1, &name, 9, "", exp);
        let mut osd = mint_ticket(&secret, 1, &name, 9, "", exp);
        let mut by_service = BTreeMap::new();
        by_service.insert(ENTITY_AUTH, auth);
        by_service.insert(ENTITY_OSD, osd.clone());
        let mut tickets = Tickets {
            global_id: 9,
            by_service,
            connection_secret: None,
        };
        let now = SystemTime::now();
        // MDS missing, OSD fresh.
        assert_eq!(services_due(&tickets, 0x37, now), 0x02 | 0x01 | 0x10);
        osd.obtained = now - Duration::from_secs(3000);
        tickets.by_service.insert(ENTITY_OSD, osd);
        assert_eq!(services_due(&tickets, ENTITY_OSD, now), ENTITY_OSD);
        let m = principal_request(&tickets, ENTITY_OSD | 0x02, 3, 5).unwrap();
        assert_eq!(m.ty(), types::AUTH);
        let mut r = Reader::new(&m.front, "MAuth");
        crate::message::decode_paxos_header(&mut r).unwrap();
        assert_eq!(r.u32().unwrap(), 2);
        let bl = r.blob().unwrap().to_vec();
        assert_eq!(r.u32().unwrap(), 3);
        assert!(is_principal_reply(&bl));
        // After the header: an AUTH authorizer the AUTH service's secret verifies …
        let mut p = Reader::new(&bl[2..], "authorizer");
        assert_eq!(p.u8().unwrap(), 1);
        assert_eq!(p.u64().unwrap(), 9);
        assert_eq!(p.u32().unwrap(), ENTITY_AUTH);
        // … and the request for OSD|MDS at the end.
        assert_eq!(&bl[bl.len() - 5..], &[1, 0x06, 0, 0, 0]);
    }

    #[test]
    fn principal_replies_decode_with_the_auth_session_key() {
        let auth_key = CephxKey::from_base64(SESSION_KEY).unwrap();
        let new_key = CephxKey::from_base64(SERVICE_SECRET).unwrap();
        // One OSD ticket: CephXServiceTicket{1, key, validity 3600 s}.
        let mut st = Writer::new();
        st.u8(1);
        st.u16(1)
            .u32(0)
            .u32(0)
            .u16(16)
            .raw(new_key.secret().unwrap());
        st.u32(3600).u32(0);
        let ct = encrypt_enc_bl(&auth_key, &st.into_vec()).unwrap();
        let mut bl = Writer::new();
        bl.u16(CEPHX_GET_PRINCIPAL_SESSION_KEY).i32(0);
        bl.u8(1).u32(1);
        bl.u32(ENTITY_OSD).u8(1).blob(&ct).u8(0);
        let mut tb = Writer::new();
        tb.u8(1).u64(77).blob(b"opaque");
        bl.blob(&tb.into_vec());
        let bl = bl.into_vec();
        assert!(is_principal_reply(&bl));
        let now = SystemTime::now();
        let got = decode_principal_reply(&auth_key, &bl, now).unwrap();
        let t = &got[&ENTITY_OSD];
        assert_eq!(t.blob.secret_id, 77);
        assert_eq!(&t.blob.blob[..], b"opaque");
        assert_eq!(t.validity, Duration::from_secs(3600));
        assert_eq!(t.session_key.secret().unwrap(), new_key.secret().unwrap());
        // A refusal.
        let mut no = Writer::new();
        no.u16(CEPHX_GET_PRINCIPAL_SESSION_KEY).i32(-13);
        assert!(matches!(
            decode_principal_reply(&auth_key, &no.into_vec(), now),
            Err(CephxError::Refused(-13))
        ));
    }
}
