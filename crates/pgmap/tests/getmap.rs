//! `pg getmap`: the stock manager's binary PGMap (captured in rmgr-mgrcmds' goldens) decodes
//! with [`decode_full`], and [`PgMap::encode_full`] of the same content gives the same bytes.

use rmgr_pgmap::pgmap::PgMap;
use rmgr_pgmap::time::UTime;
use rmgr_pgmap::types::PgId;
use rmgr_pgmap::wire::decode_full;
use serde_json::Value;

fn b64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=' && c != b'\n').collect();
    for ch in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in ch.iter().enumerate() {
            n |= (val(c) as u32) << (18 - 6 * i);
        }
        for i in 0..ch.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

fn stock(dir: &str) -> (Vec<u8>, String, Value) {
    let base = format!(
        "{}/../mgrcmds/tests/golden/{}",
        env!("CARGO_MANIFEST_DIR"),
        dir
    );
    let cases: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{base}/cases.json")).expect("golden"),
    )
    .expect("golden");
    let inputs: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{base}/inputs.json")).expect("golden"),
    )
    .expect("golden");
    let c = cases
        .as_array()
        .expect("golden")
        .iter()
        .find(|c| c["name"].as_str().unwrap_or("").starts_with("pg_getmap"))
        .expect("golden");
    let b = b64(c["outb"]["b64"].as_str().expect("golden"));
    assert_eq!(b.len() as u64, c["outb"]["len"].as_u64().expect("golden"));
    (b, c["outs"].as_str().expect("golden").to_string(), inputs)
}

#[test]
fn stock_getmap_decodes_and_reencodes() {
    for dir in [".", "reweight"] {
        let (b, outs, inputs) = stock(dir);
        let m = decode_full(&b).expect("decode");
        assert_eq!(m.unread, 0, "{dir}: unread tail");
        assert_eq!(outs, format!("got pgmap version {}", m.version));
        let dump = &inputs["pg_dump"];
        assert_eq!(
            m.pg_stat.len(),
            dump["pg_stats"].as_array().expect("golden").len(),
            "{dir}"
        );
        assert_eq!(
            m.osd_stat.len(),
            dump["osd_stats"].as_array().expect("golden").len(),
            "{dir}"
        );
        assert_eq!(
            m.last_osdmap_epoch as u64,
            dump["last_osdmap_epoch"].as_u64().expect("golden")
        );
        assert_eq!(
            m.pool_statfs.len(),
            dump["pool_statfs"].as_array().expect("golden").len()
        );
        // same pgids as the pg_dump taken next to it
        for (id, st) in &m.pg_stat {
            let pgid = format!("{}.{:x}", id.pool, id.seed);
            let j = dump["pg_stats"]
                .as_array()
                .expect("golden")
                .iter()
                .find(|p| p["pgid"] == pgid.as_str())
                .expect("pgid in pg_dump");
            assert_eq!(
                j["acting"]
                    .as_array()
                    .expect("golden")
                    .iter()
                    .map(|x| x.as_i64().expect("golden") as i32)
                    .collect::<Vec<_>>(),
                st.acting
            );
        }

        // our encoder, over the same content, inserted in the stock iteration order
        let mut pm = PgMap::default();
        pm.version = m.version;
        // (libstdc++ links a node into an empty bucket at the list head: inserting in the
        // reverse of the stock iteration order reproduces it)
        for (id, st) in m.pg_stat.iter().rev() {
            pm.pg_stat.insert(PgId::new(id.pool, id.seed), st.clone());
        }
        for (o, st) in m.osd_stat.iter().rev() {
            pm.osd_stat.insert(*o, st.clone());
        }
        pm.last_osdmap_epoch = m.last_osdmap_epoch;
        pm.last_pg_scan = m.last_pg_scan;
        pm.stamp = UTime::new(m.stamp.sec, m.stamp.nsec);
        for (k, st) in &m.pool_statfs {
            pm.pool_statfs.insert(*k, st.clone());
        }
        let ours = pm.encode_full();
        let back = decode_full(&ours).expect("decode ours");
        // same content (the iteration order of a larger unordered_map depends on its
        // insertion and rehash history, which a re-insertion cannot always reproduce)
        let sorted = |v: &rmgr_pgmap::wire::FullPgMap| {
            let mut v = v.clone();
            v.pg_stat.sort_by_key(|x| x.0);
            v.osd_stat.sort_by_key(|x| x.0);
            v
        };
        assert!(sorted(&back) == sorted(&m), "{dir}: decode(encode(x)) != x");
        if dir != "." {
            assert_eq!(ours.len(), b.len(), "{dir}");
            continue;
        }
        // the small map: byte-exact
        if ours != b {
            let at = ours.iter().zip(&b).position(|(x, y)| x != y);
            panic!(
                "{dir}: bytes differ at {:?} (ours {} bytes, stock {})",
                at,
                ours.len(),
                b.len()
            );
        }
    }
}
