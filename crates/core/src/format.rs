//! Output formats of built-in commands: `json`, `json-pretty`, `plain`.
//!
//! Ceph's formatter falls back to the command's default for a name it does not know
//! (conformance D17: `service dump` with `format=bogus` answers JSON-pretty); `xml` and
//! `yaml` are accepted names that rmgr renders as JSON-pretty.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    Json,
    JsonPretty,
    Plain,
}

impl Format {
    /// The format asked for in `cmd["format"]`, or `default` when absent or unknown.
    pub fn from_cmd(cmd: &crate::CmdMap, default: Format) -> Format {
        match cmd.get("format").and_then(Value::as_str) {
            Some("json") => Format::Json,
            Some("json-pretty") | Some("xml") | Some("xml-pretty") | Some("yaml") => {
                Format::JsonPretty
            }
            Some("plain") => Format::Plain,
            _ => default,
        }
    }

    pub fn is_json(self) -> bool {
        matches!(self, Format::Json | Format::JsonPretty)
    }
}

/// Renders a value in a JSON format (pretty output ends with a newline, as Ceph's does).
pub fn to_json_bytes<T: Serialize + ?Sized>(v: &T, fmt: Format) -> Vec<u8> {
    let res = match fmt {
        Format::Json => serde_json::to_vec(v),
        _ => serde_json::to_vec_pretty(v).map(|mut b| {
            b.push(b'\n');
            b
        }),
    };
    // Serializing a serde_json::Value or plain data cannot fail; an empty body is the
    // least surprising answer if a future type makes it fail.
    res.unwrap_or_default()
}

/// Renders rows as a left-aligned text table with a header, two spaces between columns.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let n = cells.len();
        let mut l = String::new();
        for (i, c) in cells.into_iter().enumerate() {
            l.push_str(c);
            if i + 1 < n {
                let w = widths.get(i).copied().unwrap_or(0);
                l.push_str(&" ".repeat(w.saturating_sub(c.chars().count()) + 2));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}
