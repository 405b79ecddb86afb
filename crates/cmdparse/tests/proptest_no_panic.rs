//! Property tests: nothing in the public API panics on arbitrary input, and descriptors
//! survive a JSON round trip.
//!
//! Inputs are arbitrary descriptor strings, arbitrary word lists (against the Pacific mon table
//! and against tables built from the arbitrary descriptors), arbitrary description JSON and
//! arbitrary bytes for `cmdmap_from_json`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use proptest::prelude::*;
use rmgr_cmdparse::{
    cmdmap_from_json, descriptions_json, parse_descriptions, validate_command, CommandDesc,
    CommandTable,
};

fn mon_table() -> &'static CommandTable {
    static TABLE: OnceLock<CommandTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let text = include_str!("data/mon_command_descriptions.json");
        CommandTable::new(&parse_descriptions(text).unwrap()).unwrap()
    })
}

/// Words biased towards the grammar's interesting characters and real command words.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{0,8}",
        "--[a-z_=-]{0,10}",
        "[-0-9xobe._,+ ]{0,8}",
        "[\\[\\]:.0-9a-fv/]{0,14}",
        ".{0,6}",
        prop::sample::select(vec![
            "osd",
            "pool",
            "create",
            "ls",
            "status",
            "config",
            "set",
            "mgr",
            "fs",
            "volume",
            "injectargs",
            "--force",
            "--yes-i-really-mean-it",
            "*",
            "osd.1",
            "1.a",
            "true",
        ])
        .prop_map(str::to_string),
    ]
}

fn words() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(word(), 0..7)
}

/// Descriptor strings mixing literals and `key=value` parameters.
fn descriptor() -> impl Strategy<Value = String> {
    let param = (
        prop::sample::select(vec![
            "CephString",
            "CephInt",
            "CephFloat",
            "CephChoices",
            "CephBool",
            "CephPoolname",
            "CephOsdName",
            "CephName",
            "CephPgid",
            "CephUUID",
            "CephIPAddr",
            "CephEntityAddr",
            "CephFragment",
            "CephPrefix",
            "CephArgtype",
            "CephBogus",
        ]),
        "[a-z_]{0,5}",
        prop::option::of(prop::sample::select(vec![
            "req=false",
            "req=true",
            "n=N",
            "n=2",
            "n=0",
            "n=-1",
            "n=x",
            "range=0|10",
            "range=1",
            "range=a",
            "strings=a|b",
            "strings=",
            "goodchars=[a-z]",
            "goodchars=[",
            "prefix=p",
            "allowempty=true",
            "tp=x",
            "self=1",
        ])),
    )
        .prop_map(|(t, name, extra)| match extra {
            Some(e) => format!("name={name},type={t},{e}"),
            None => format!("name={name},type={t}"),
        });
    let item = prop_oneof![3 => "[a-z]{1,5}", 3 => param, 1 => "[ -~]{0,12}"];
    prop::collection::vec(item, 0..6).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn descriptor_round_trips(s in descriptor(), raw in ".{0,40}") {
        for text in [s.as_str(), raw.as_str()] {
            let d = CommandDesc::from_descriptor(text, "h", "m", "r", 8);
            let back = CommandDesc::from_json(&d.to_json()).unwrap();
            prop_assert_eq!(&back, &d);
            let _ = d.prefix();
            let _ = d.concise_sig();
        }
    }

    #[test]
    fn arbitrary_descriptors_and_words(descs in prop::collection::vec(descriptor(), 1..4), ws in words()) {
        let descs: Vec<CommandDesc> = descs
            .iter()
            .enumerate()
            .map(|(i, s)| CommandDesc::from_descriptor(s, "h", "m", "r", (i as u32 * 13) % 64))
            .collect();
        let _ = validate_command(&descs, &ws);
        let json = descriptions_json(&descs).to_string();
        let _ = parse_descriptions(&json);
    }

    #[test]
    fn mon_table_words(ws in words()) {
        let _ = mon_table().validate(&ws);
    }

    #[test]
    fn cmdmap_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = cmdmap_from_json(&[&text]);
    }

    #[test]
    fn cmdmap_json_like(s in "[{}\\[\\]\",:0-9a-z.eE+-]{0,40}", split in 0usize..40) {
        let at = (0..=split.min(s.len())).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        let (a, b) = s.split_at(at);
        let joined = cmdmap_from_json(&[&s]);
        prop_assert_eq!(cmdmap_from_json(&[a, b]), joined);
    }

    #[test]
    fn description_json_arbitrary(s in ".{0,80}") {
        let _ = parse_descriptions(&s);
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&s) {
            let _ = CommandDesc::from_json(&v);
        }
    }
}
