#!/usr/bin/env bash
# Builds rmgr and runs the daemon standalone on its embedded store.
# Extra arguments go to `rmgr serve` (e.g. --data DIR --id NAME).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
export PYO3_PYTHON=/usr/bin/python3
unset CEPH_ARGS CEPH_KEYRING CEPH_CONF
cargo build --release -p rmgr
exec target/release/rmgr serve "$@"
