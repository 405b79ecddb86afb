//! MMgrOpen / MMgrReport / MMgrConfigure against the streams a stock 16.2.15 cluster sent
//! (`../shared/research/captures/fixtures`, and `tests/fixtures/mgr_report/` when present):
//! every message decodes, re-encodes byte for byte, and every report's `packed` values
//! decode exactly against the counters its session declared.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rmgr_msgr::frame::{decode_banner, decode_frame, Tag};
use rmgr_msgr::message::{types, Message};
use rmgr_msgr::messages::mgr_report::{
    decode_packed, packed_body_len, MMgrConfigure, MMgrOpen, MMgrReport, PerfCounterType,
    PERFCOUNTER_LONGRUNAVG,
};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixture_dirs() -> Vec<PathBuf> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("../../../shared/research/captures/fixtures"),
        PathBuf::from("/work/shared/research/captures/fixtures"),
    ]
    .into_iter()
    .filter(|p| p.is_dir())
    .take(1)
    .chain(std::iter::once(here.join("tests/fixtures/mgr_report")))
    .collect()
}

fn read(name: &str) -> Vec<u8> {
    for d in fixture_dirs() {
        if let Ok(b) = std::fs::read(d.join(name)) {
            return b;
        }
    }
    panic!("{name}: fixture missing");
}

/// Messages with their raw frame bytes (a truncated tail is tolerated).
fn messages(bytes: &[u8]) -> Vec<(Message, Vec<u8>)> {
    let (_, n) = decode_banner(bytes).unwrap().unwrap();
    let mut pos = n;
    let mut out = Vec::new();
    while let Ok(Some((f, used))) = decode_frame(&bytes[pos..]) {
        let raw = bytes[pos..pos + used].to_vec();
        pos += used;
        if f.tag == Tag::Message {
            out.push((Message::from_frame(f).unwrap(), raw));
        }
    }
    out
}

#[derive(Default)]
struct Seen {
    opens: Vec<MMgrOpen>,
    reports: Vec<(MMgrReport, usize)>,
    configures: Vec<MMgrConfigure>,
}

/// Walks one client→mgr stream like the server would: the session's declared set
/// (sorted), the (global) schema, and each report's values against them.
fn walk(name: &str) -> Seen {
    let mut seen = Seen::default();
    let mut schema: BTreeMap<String, PerfCounterType> = BTreeMap::new();
    let mut declared: std::collections::BTreeSet<String> = Default::default();
    for (m, raw) in messages(&read(name)) {
        match m.ty() {
            types::MGR_OPEN => {
                assert_eq!(
                    (m.header.version, m.header.compat_version),
                    (3, 1),
                    "{name}"
                );
                let o = MMgrOpen::decode(&m).unwrap();
                assert_eq!(o.encode_front(), m.front, "{name}: MMgrOpen re-encode");
                let mut again = o.to_message();
                again.header = m.header;
                assert_eq!(again.to_wire(), raw, "{name}: MMgrOpen frame");
                declared.clear();
                seen.opens.push(o);
            }
            types::MGR_REPORT => {
                assert_eq!(
                    (m.header.version, m.header.compat_version),
                    (9, 1),
                    "{name}"
                );
                let r = MMgrReport::decode(&m).unwrap();
                assert_eq!(r.encode_front(), m.front, "{name}: MMgrReport re-encode");
                let mut again = r.to_message();
                again.header = m.header;
                assert_eq!(again.to_wire(), raw, "{name}: MMgrReport frame");
                for t in &r.declare_types {
                    schema.entry(t.path.clone()).or_insert_with(|| t.clone());
                    declared.insert(t.path.clone());
                }
                for u in &r.undeclare_types {
                    declared.remove(u);
                }
                let tys: Vec<u8> = declared.iter().map(|p| schema[p].ty).collect();
                let vals = decode_packed(&r.packed, &tys).unwrap();
                let want: usize = tys
                    .iter()
                    .map(|t| {
                        if t & PERFCOUNTER_LONGRUNAVG != 0 {
                            24
                        } else {
                            8
                        }
                    })
                    .sum();
                assert_eq!(
                    packed_body_len(&r.packed),
                    Some(want),
                    "{name}: packed length vs {} declared counters",
                    tys.len()
                );
                for (t, v) in tys.iter().zip(&vals) {
                    if t & PERFCOUNTER_LONGRUNAVG != 0 {
                        assert!(v.avgcount2 <= v.avgcount + 1_000_000, "{name}");
                    }
                }
                seen.reports.push((r, vals.len()));
            }
            types::MGR_CONFIGURE => {
                let c = MMgrConfigure::decode(&m).unwrap();
                assert_eq!(c.encode_front(), m.front, "{name}: MMgrConfigure re-encode");
                let mut again = c.to_message();
                again.header = m.header;
                assert_eq!(again.to_wire(), raw, "{name}: MMgrConfigure frame");
                seen.configures.push(c);
            }
            _ => {}
        }
    }
    seen
}

#[test]
fn the_mgrs_own_mgrclient_open_and_reports() {
    let s = walk("authnone-mgr-selfclient-to-mgr-47000to6800.bin");
    assert_eq!(s.opens.len(), 1);
    let o = &s.opens[0];
    assert_eq!(o.daemon_name, "x");
    assert!(!o.service_daemon);
    assert!(o.service_name.is_empty());
    let cfg = o.config().unwrap().expect("a running config");
    assert!(!cfg.config.is_empty());
    assert!(!o.config_defaults_bl.is_empty());
    assert!(!s.reports.is_empty());
    let (first, n) = &s.reports[0];
    assert_eq!(first.daemon_name, "x");
    assert!(!first.declare_types.is_empty());
    assert_eq!(*n, first.declare_types.len());
    assert!(first
        .declare_types
        .iter()
        .any(|t| t.path.starts_with("mgr.") || t.path.starts_with("objecter.")));
}

#[test]
fn the_mgr_configures_its_own_client() {
    let s = walk("authnone-mgr-selfclient-to-mgr-6800to47000.bin");
    assert!(!s.configures.is_empty());
    let c = &s.configures[0];
    assert_eq!(c.stats_period, 5);
    assert_eq!(c.stats_threshold, 5);
    assert_eq!(c, &MMgrConfigure::new(5, 5));
}

#[test]
fn the_mons_mgrclient_open_and_reports() {
    let s = walk("cephx-mon-to-mgr-cephx-45650to6809.bin");
    assert_eq!(s.opens.len(), 1);
    assert_eq!(s.opens[0].daemon_name, "a");
    assert!(!s.reports.is_empty());
    let (r, n) = &s.reports[0];
    assert!(*n > 0);
    assert_eq!(r.daemon_name, "a");
    // Only OSDs and mons send health metrics; the mon always sends SLOW_OPS.
    assert!(s.reports.iter().any(|(r, _)| r
        .daemon_health_metrics
        .iter()
        .any(|h| h.type_name() == "SLOW_OPS")));
}

#[test]
fn an_osds_open_and_reports_if_captured() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mgr_report");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".bin") {
            continue;
        }
        let s = walk(&name);
        if name.contains("osd") && name.contains("to-mgr") {
            assert_eq!(s.opens.len(), 1, "{name}");
            assert_eq!(s.opens[0].daemon_name, "0", "{name}");
            assert!(!s.opens[0].service_daemon, "{name}");
            assert!(s.reports.len() >= 2, "{name}");
            let (first, n) = &s.reports[0];
            // Threshold 5 (PRIO_USEFUL): 37 of the OSD's counters.
            assert_eq!(*n, 37, "{name}");
            assert!(first.declare_types.iter().any(|t| t.path == "osd.op_w"));
            // Later reports declare nothing new but carry every value again.
            assert!(s.reports[1..]
                .iter()
                .all(|(r, k)| r.declare_types.is_empty() && k == n));
            assert!(s.reports.iter().any(|(r, _)| r
                .daemon_health_metrics
                .iter()
                .any(|h| h.type_name() == "SLOW_OPS")));
        }
        if name.contains("mgr-to-osd") {
            assert_eq!(s.configures, vec![MMgrConfigure::new(5, 5)], "{name}");
        }
    }
}
