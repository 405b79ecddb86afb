#!/usr/bin/env bash
# regen.sh - recapture rmgr's fixtures from real labs (stock ceph-mgr 16.2.15, run as root):
#   crates/core/fixtures/empty.json           0 OSDs, no pool: rmgr's standalone default state
#   crates/core/fixtures/lab-3osd.json        3 OSDs, pool "lab", 4 KiB writes running
#   crates/core/fixtures/config_options.json  get('config_options'), the same in every capture
#   crates/core/fixtures/*.extra.json         computed names, servers, metadata, perf schema
# Raw captures are kept in /tmp/fixture_capture/. About 2 minutes.
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
OUT=$(realpath "$HERE/../../crates/core/fixtures")
mkdir -p "$OUT"
"$HERE/capture.sh" empty /tmp/fixture_capture/empty.raw.json
"$HERE/capture.sh" lab-3osd /tmp/fixture_capture/lab-3osd.raw.json
/usr/bin/python3 "$HERE/split.py" /tmp/fixture_capture/empty.raw.json "$OUT/empty" --config-options "$OUT/config_options.json"
/usr/bin/python3 "$HERE/split.py" /tmp/fixture_capture/lab-3osd.raw.json "$OUT/lab-3osd"
ls -l "$OUT"
