//! Property tests: frames and the mon-session messages round-trip, and no decoder panics
//! or over-allocates on arbitrary bytes (they return errors).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use rmgr_msgr::control::Control;
use rmgr_msgr::frame::{decode_banner, decode_frame, encode_frame, Frame, Tag};
use rmgr_msgr::messages::mon::{MMonSubscribe, SubscribeItem};
use rmgr_msgr::{EntityAddr, MMgrBeacon, MgrMap, ModuleInfo, ModuleOption, MonCommand};
use std::collections::{BTreeMap, BTreeSet};

fn small_string() -> impl Strategy<Value = String> {
    "[a-z_/ =,.0-9]{0,12}"
}

fn module_option() -> impl Strategy<Value = ModuleOption> {
    (
        small_string(),
        0u8..11,
        0u8..3,
        any::<u32>(),
        small_string(),
        proptest::collection::btree_set(small_string(), 0..3),
    )
        .prop_map(
            |(name, ty, level, flags, default_value, enum_allowed)| ModuleOption {
                name,
                ty,
                level,
                flags,
                default_value,
                enum_allowed,
                ..ModuleOption::default()
            },
        )
}

fn module_info() -> impl Strategy<Value = ModuleInfo> {
    (
        small_string(),
        any::<bool>(),
        small_string(),
        proptest::collection::vec(module_option(), 0..3),
    )
        .prop_map(|(name, can_run, error_string, opts)| ModuleInfo {
            name,
            can_run,
            error_string,
            module_options: opts.into_iter().map(|o| (o.name.clone(), o)).collect(),
        })
}

fn addr() -> impl Strategy<Value = EntityAddr> {
    (any::<[u8; 4]>(), any::<u16>(), any::<u32>()).prop_map(|(ip, port, nonce)| {
        EntityAddr::msgr2(std::net::SocketAddr::from((ip, port)), nonce)
    })
}

proptest! {
    #[test]
    fn frames_round_trip(tag in 1u8..21, segs in proptest::collection::vec(
        proptest::collection::vec(any::<u8>(), 0..64), 4)) {
        let tag = Tag::from_u8(tag).unwrap();
        let s = [&segs[0][..], &segs[1][..], &segs[2][..], &segs[3][..]];
        let bytes = encode_frame(tag, s);
        let (f, n) = decode_frame(&bytes).unwrap().unwrap();
        prop_assert_eq!(n, bytes.len());
        prop_assert_eq!(f.tag, tag);
        for (got, want) in f.segments.iter().zip(s) {
            prop_assert_eq!(&got[..], want);
        }
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), tag in 1u8..21) {
        let _ = decode_banner(&bytes);
        let _ = decode_frame(&bytes);
        let f = Frame::control(Tag::from_u8(tag).unwrap(), bytes.clone());
        let _ = Control::decode(&f);
        let _ = MgrMap::decode(&bytes);
        let _ = MMgrBeacon::decode_front(&bytes);
        let _ = MMonSubscribe::decode_front(&bytes, 3);
        let _ = rmgr_msgr::messages::mon::decode_mon_map(&bytes);
        let _ = rmgr_msgr::messages::mon::decode_config(&bytes);
    }

    #[test]
    fn beacons_round_trip(
        gid in any::<u64>(),
        available in any::<bool>(),
        name in small_string(),
        fsid in any::<[u8; 16]>(),
        addrs in proptest::collection::vec(addr(), 0..2),
        modules in proptest::collection::vec(module_info(), 0..3),
        cmds in proptest::collection::vec((small_string(), small_string(), any::<u64>()), 0..3),
        meta in proptest::collection::btree_map(small_string(), small_string(), 0..4),
    ) {
        // Module names are a set on the wire.
        let mut seen = BTreeSet::new();
        let modules: Vec<ModuleInfo> = modules.into_iter().filter(|m| seen.insert(m.name.clone())).collect();
        let b = MMgrBeacon {
            server_addrs: addrs.clone(),
            gid,
            available,
            name,
            fsid,
            command_descs: cmds.into_iter().map(|(cmd, help, flags)| MonCommand {
                cmd, help, module: "mgr".into(), perm: "r".into(), flags }).collect(),
            metadata: meta,
            services: BTreeMap::new(),
            available_modules: modules,
            mgr_features: gid ^ 0x55,
            clients: vec![("c".into(), addrs)],
        };
        let front = b.encode_front();
        prop_assert_eq!(MMgrBeacon::decode_front(&front).unwrap(), b);
    }

    #[test]
    fn mgrmaps_round_trip(
        epoch in any::<u32>(),
        gid in any::<u64>(),
        modules in proptest::collection::btree_set(small_string(), 0..4),
        available_modules in proptest::collection::vec(module_info(), 0..3),
        addrs in proptest::collection::vec(addr(), 0..2),
    ) {
        let m = MgrMap {
            epoch,
            active_addrs: addrs,
            active_gid: gid,
            available: gid % 2 == 0,
            active_name: "x".into(),
            modules,
            available_modules,
            always_on_modules: [(16u32, ["status".to_string()].into_iter().collect())].into_iter().collect(),
            ..MgrMap::default()
        };
        prop_assert_eq!(MgrMap::decode(&m.encode()).unwrap(), m);
    }

    #[test]
    fn subscriptions_round_trip(items in proptest::collection::btree_map(small_string(), (any::<u64>(), 0u8..2), 0..5)) {
        let s = MMonSubscribe {
            what: items.into_iter().map(|(what, (start, flags))| SubscribeItem { what, start, flags }).collect(),
            hostname: "h".into(),
        };
        prop_assert_eq!(MMonSubscribe::decode_front(&s.encode_front(), 3).unwrap(), s);
    }
}
