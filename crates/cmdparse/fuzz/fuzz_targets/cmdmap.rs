//! Fuzz target: arbitrary bytes as a command's JSON (`cmdmap_from_json`), whole and split in
//! two buffers (the result must not depend on the split). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmgr_cmdparse::cmdmap_from_json;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let whole = cmdmap_from_json(&[&text]);
    let mid = (0..=text.len() / 2)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let (a, b) = text.split_at(mid);
    assert_eq!(cmdmap_from_json(&[a, b]), whole);
});
