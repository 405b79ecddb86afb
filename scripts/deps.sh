#!/usr/bin/env bash
# Installs the Debian packages rmgr's build and tests need, when any is missing.
# Idempotent; needs root (or sudo) only when something has to be installed.
set -euo pipefail
# ceph-mgr: Debian's modules and mgr_module.py, run unmodified by the tests.
# ceph-mon, ceph-osd, python3-rados, jq: the lab (../shared/ceph-lab) the cluster tests
# start; installed here once, so concurrent tests never race for the package manager.
pkgs=(ceph-common ceph-mgr ceph-mon ceph-osd python3-rados jq python3-ceph-argparse libpython3-dev pkg-config python3-pytest python3-cryptography bc)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "deps: cargo not found: install Rust (rustup) first" >&2; exit 1; }
