#!/usr/bin/env bash
# Runs every rmgr test: unit, integration (admin socket with Debian's `ceph` CLI, the
# differential test against python3-ceph-argparse, the store's crash test) and doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
# Build pyo3 against Debian's interpreter, not whatever python3 is first on PATH.
export PYO3_PYTHON=/usr/bin/python3
# A daemon's own keyring/config must not be overridden by the caller's environment.
unset CEPH_ARGS CEPH_KEYRING CEPH_CONF
status=0
cargo test --workspace --all-targets --no-fail-fast || status=$?
cargo test --workspace --doc || status=$?
# rmgr's own mgr_module package, including its differential test against Debian's.
/usr/bin/python3 -m pytest python/tests -q -p no:cacheprovider || status=$?
exit $status
