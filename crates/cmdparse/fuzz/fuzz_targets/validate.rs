//! Fuzz target: arbitrary descriptors and CLI words through the whole CLI path
//! (`CommandDesc::from_descriptor` → JSON round trip → `parse_descriptions` →
//! `CommandTable::validate`). Must never panic.
//!
//! Input layout: text up to the first NUL is descriptors, one per line (the first character
//! of a line, if it is a digit, picks the flags); the rest is words, one per line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmgr_cmdparse::{
    descriptions_json, parse_descriptions, validate_command, CommandDesc, CommandTable,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (desc_part, word_part) = text.split_once('\0').unwrap_or((&text, ""));
    let descs: Vec<CommandDesc> = desc_part
        .lines()
        .map(|line| {
            let (flags, body) = match line.chars().next().and_then(|c| c.to_digit(10)) {
                Some(d) => (d * 8, &line[1..]),
                None => (0, line),
            };
            CommandDesc::from_descriptor(body, "help", "mgr", "rw", flags)
        })
        .collect();
    let words: Vec<String> = word_part.lines().map(str::to_string).collect();

    for d in &descs {
        let back = CommandDesc::from_json(&d.to_json());
        assert_eq!(back.as_ref(), Ok(d), "JSON round trip");
        let _ = d.prefix();
        let _ = d.concise_sig();
    }
    let _ = validate_command(&descs, &words);
    if let Ok(parsed) = parse_descriptions(&descriptions_json(&descs).to_string()) {
        if let Ok(table) = CommandTable::new(&parsed) {
            let _ = table.validate(&words);
        }
    }
});
