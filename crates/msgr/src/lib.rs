//! rmgr-msgr: the Ceph wire as a manager speaks it to the mons.
//!
//! Layout (protocol core first, I/O last):
//! - [`denc`]: Ceph's little-endian encoding (checked reader, writer, `ENCODE_START` blocks);
//! - [`addr`]: `entity_addr_t`, `entity_addrvec_t`, `EntityName`;
//! - [`frame`]: msgr2.1 banner and frames in crc mode (preamble, segments, crcs) and secure
//!   mode (AES-128-GCM, [`frame::FrameTx`] / [`frame::FrameRx`]);
//! - [`control`]: control-frame payloads (HELLO … SERVER_IDENT, keepalives);
//! - [`message`]: `ceph_msg_header2` and MESSAGE frames;
//! - [`messages`]: what the manager sends and receives (MMgrBeacon, MgrMap, MMonSubscribe,
//!   MonMap, MConfig, MMonCommand/Ack, MKVData);
//! - [`cephx`]: client-side cephx on the `rados` crate's primitives;
//! - [`handshake`]: the sans-IO client handshake state machine;
//! - [`conf`]: `ceph.conf` and keyring lookup for `mgr.<id>`;
//! - [`mgr_client`]: a daemon's MgrClient session with the active manager (MMgrOpen,
//!   MMgrReport);
//! - [`session`]: [`MonSession`], the tokio task that keeps us logged in, beaconing and
//!   subscribed (maps, config, the `mgr/` config-keys), sending mon commands, hunting
//!   through the mons on failure.
//!
//! Everything but `session` is sans-IO and tested from bytes (including the captures of a
//! real 16.2.15 cluster in `tests/`).

pub mod addr;
pub mod authorizer;
pub mod cephx;
pub mod cephx_server;
pub mod conf;
pub mod control;
pub mod denc;
pub mod error;
pub mod frame;
pub mod handshake;
pub mod message;
pub mod messages;
pub mod mgr_client;
pub mod peer_client;
pub mod server;
pub mod server_handshake;
pub mod session;

pub use addr::{EntityAddr, EntityName};
pub use cephx::CephxKey;
pub use conf::CephConf;
pub use error::{CephxError, ConfError, DecodeError, FrameError, HandshakeError};
pub use messages::mgr_beacon::{MMgrBeacon, MonCommand, PACIFIC_FEATURES_ALL};
pub use messages::mgr_map::{MgrMap, ModuleInfo, ModuleOption, StandbyInfo};
pub use messages::mon::MonMapInfo;
pub use session::{
    BeaconContent, MapEpochs, MgrDigest, MonCommandReply, MonCommander, MonSender, MonSession,
    MonSessionConfig, SessionError, SessionStatus,
};
