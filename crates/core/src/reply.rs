//! What every command returns: Ceph's `(retval, outbuf, outs)` triple.

use serde_json::Value;

/// A parsed command: the JSON object a client sent (`prefix` plus arguments).
pub type CmdMap = serde_json::Map<String, Value>;

/// `(retval, stdout bytes, status text)`, exactly what the `ceph` CLI receives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandReply {
    pub rc: i32,
    pub outb: Vec<u8>,
    pub outs: String,
}

impl CommandReply {
    pub fn ok(outb: impl Into<Vec<u8>>) -> Self {
        CommandReply {
            rc: 0,
            outb: outb.into(),
            outs: String::new(),
        }
    }

    pub fn ok_status(outs: impl Into<String>) -> Self {
        CommandReply {
            rc: 0,
            outb: Vec::new(),
            outs: outs.into(),
        }
    }

    /// An error reply; `errno` may be given positive or negative.
    pub fn err(errno: i32, outs: impl Into<String>) -> Self {
        CommandReply {
            rc: -errno.abs(),
            outb: Vec::new(),
            outs: outs.into(),
        }
    }

    pub fn with_status(mut self, outs: impl Into<String>) -> Self {
        self.outs = outs.into();
        self
    }

    pub fn is_ok(&self) -> bool {
        self.rc >= 0
    }
}

/// Reads a string argument; Ceph's C++ handlers answer a mistyped one with EINVAL.
pub(crate) fn arg_str<'a>(cmd: &'a CmdMap, key: &str) -> Result<Option<&'a str>, CommandReply> {
    match cmd.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(CommandReply::err(
            crate::errno::EINVAL,
            format!("bad or missing field '{key}'"),
        )),
    }
}

pub(crate) fn require_str<'a>(cmd: &'a CmdMap, key: &str) -> Result<&'a str, CommandReply> {
    arg_str(cmd, key)?.ok_or_else(|| {
        CommandReply::err(
            crate::errno::EINVAL,
            format!("bad or missing field '{key}'"),
        )
    })
}

/// A boolean argument: JSON bools, or the CLI's legacy `--force`-style strings.
pub(crate) fn arg_flag(cmd: &CmdMap, key: &str) -> bool {
    match cmd.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => {
            s == "true" || s == "True" || s.starts_with("--") || s == "1" || s == key
        }
        Some(Value::Number(n)) => n.as_i64().is_some_and(|v| v != 0),
        _ => false,
    }
}
