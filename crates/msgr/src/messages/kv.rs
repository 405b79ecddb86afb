//! MKVData (54, v1/1; protocol.md §3.2): the mons' config-key store under a subscribed
//! prefix (`kv:<prefix>` in MMonSubscribe). First a full snapshot, then incrementals in
//! which an absent value deletes the key.

use crate::denc::{Reader, Writer};
use crate::error::DecodeError;
use crate::message::{types, Message};
use std::collections::BTreeMap;

/// MKVData: `u64 version, string prefix, bool incremental,
/// map<string, optional<bufferlist>> data`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MKVData {
    pub version: u64,
    pub prefix: String,
    pub incremental: bool,
    /// Full keys (prefix included); `None` = deleted (incrementals only).
    pub data: BTreeMap<String, Option<Vec<u8>>>,
}

impl MKVData {
    pub const VERSION: u16 = 1;

    pub fn decode_front(front: &[u8]) -> Result<MKVData, DecodeError> {
        let mut r = Reader::new(front, "MKVData");
        let version = r.u64()?;
        let prefix = r.string()?;
        let incremental = r.bool()?;
        let pairs = r.seq(5, |r| {
            let k = r.string()?;
            let v = if r.bool()? {
                Some(r.blob()?.to_vec())
            } else {
                None
            };
            Ok((k, v))
        })?;
        r.finish()?;
        Ok(MKVData {
            version,
            prefix,
            incremental,
            data: pairs.into_iter().collect(),
        })
    }

    pub fn encode_front(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u64(self.version)
            .string(&self.prefix)
            .bool(self.incremental);
        let pairs: Vec<_> = self.data.iter().collect();
        w.seq(&pairs, |w, (k, v)| {
            w.string(k);
            match v {
                Some(b) => {
                    w.bool(true).blob(b);
                }
                None => {
                    w.bool(false);
                }
            }
        });
        w.into_vec()
    }

    pub fn to_message(&self) -> Message {
        Message::new(types::KV_DATA, Self::VERSION, 1, self.encode_front())
    }

    /// Applies this update to a mirror of the prefix: a full snapshot replaces every key
    /// under the prefix; an incremental sets and deletes.
    pub fn apply(&self, mirror: &mut BTreeMap<String, Vec<u8>>) {
        if !self.incremental {
            mirror.retain(|k, _| !k.starts_with(&self.prefix));
        }
        for (k, v) in &self.data {
            match v {
                Some(v) => {
                    mirror.insert(k.clone(), v.clone());
                }
                None => {
                    mirror.remove(k);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_of(version: u64, incremental: bool, items: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
        let mut b = version.to_le_bytes().to_vec();
        b.extend_from_slice(&4u32.to_le_bytes());
        b.extend_from_slice(b"mgr/");
        b.push(u8::from(incremental));
        b.extend_from_slice(&(items.len() as u32).to_le_bytes());
        for (k, v) in items {
            b.extend_from_slice(&(k.len() as u32).to_le_bytes());
            b.extend_from_slice(k.as_bytes());
            match v {
                Some(v) => {
                    b.push(1);
                    b.extend_from_slice(&(v.len() as u32).to_le_bytes());
                    b.extend_from_slice(v);
                }
                None => b.push(0),
            }
        }
        b
    }

    #[test]
    fn full_then_incremental() {
        let full = MKVData::decode_front(&bytes_of(
            3,
            false,
            &[
                ("mgr/devicehealth/last_scrape", Some(b"x")),
                ("mgr/telemetry/report_id", Some(b"abc")),
            ],
        ))
        .unwrap();
        assert_eq!(full.version, 3);
        assert_eq!(full.prefix, "mgr/");
        assert!(!full.incremental);
        let mut mirror = BTreeMap::new();
        mirror.insert("mgr/stale".to_string(), b"old".to_vec());
        full.apply(&mut mirror);
        assert_eq!(mirror.len(), 2);
        assert_eq!(mirror["mgr/telemetry/report_id"], b"abc");

        let inc = MKVData::decode_front(&bytes_of(
            4,
            true,
            &[
                ("mgr/devicehealth/last_scrape", None),
                ("mgr/x/y", Some(b"v")),
            ],
        ))
        .unwrap();
        assert!(inc.incremental);
        inc.apply(&mut mirror);
        assert_eq!(
            mirror.keys().collect::<Vec<_>>(),
            ["mgr/telemetry/report_id", "mgr/x/y"]
        );
        assert_eq!(MKVData::decode_front(&inc.encode_front()).unwrap(), inc);
    }

    #[test]
    fn rejects_truncation_and_absurd_counts() {
        let b = bytes_of(1, false, &[("mgr/a", Some(b"1"))]);
        assert!(MKVData::decode_front(&b[..b.len() - 1]).is_err());
        let mut bad = bytes_of(1, false, &[]);
        let n = bad.len();
        bad[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(MKVData::decode_front(&bad).is_err());
    }
}
