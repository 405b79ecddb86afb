//! Choosing a command for a list of CLI words: `ceph_argparse.parse_json_funcsigs` (compiling
//! a description set) and `validate_command` (scoring every command, then validating the best
//! candidates in order), with the exact stderr text the `ceph` CLI prints.

use serde_json::{Map, Value};

use crate::argtype::Param;
use crate::descriptor::{CommandDesc, SigItem};
use crate::error::DescError;
use crate::flags;
use crate::matcher::{matchnum, validate};
use crate::outcome::{ArgKind, Fail};
use crate::pystr::{repr_json, repr_str};
use crate::usage::concise_sig;

/// What the `ceph` CLI makes of a list of words.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Validation {
    /// The JSON command it would send; key order is `prefix`, arguments in match order,
    /// `target`, `poll`.
    Command(Map<String, Value>),
    /// A command was identified but the words do not fit it; `stderr` is everything
    /// argparse printed (`Invalid command: ...` and the usage line, possibly preceded by a
    /// `<word> not valid: ...` line). The CLI then exits with EINVAL.
    Invalid {
        /// Exact stderr text, newline-terminated lines.
        stderr: String,
    },
    /// No command fits; `stderr` is `no valid command found; N closest matches:` and up to ten
    /// usage lines.
    NoMatch {
        /// Exact stderr text, newline-terminated lines.
        stderr: String,
    },
    /// argparse itself raises a non-argument exception (the CLI dies with a traceback), e.g.
    /// `ValueError: invalid literal for int() with base 10: 'x'` for the IPv4 address
    /// `1.2.3.4:x`, or a description set it cannot compile.
    Crash {
        /// `"<ExceptionClass>: <message>"`.
        exception: String,
    },
}

#[derive(Debug, Clone)]
struct Compiled {
    params: Vec<Param>,
    flags: u32,
    help: String,
    usage: String,
    /// Number of required descriptors: fewer is tried first.
    grade: usize,
}

/// A description set compiled for matching; build once, validate many word lists.
#[derive(Debug, Clone, Default)]
pub struct CommandTable {
    cmds: Vec<Compiled>,
}

/// Python repr of a signature, for the "has no type" message.
fn sig_repr(sig: &[SigItem]) -> String {
    let parts: Vec<String> = sig
        .iter()
        .map(|item| match item {
            SigItem::Literal(w) => repr_str(w),
            SigItem::Arg(spec) => {
                let obj: Map<String, Value> = spec
                    .attrs()
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                repr_json(&Value::Object(obj))
            }
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// `parse_funcsig` for one command.
fn compile(desc: &CommandDesc) -> Result<Compiled, DescError> {
    let params = desc
        .sig
        .iter()
        .map(|item| match item {
            SigItem::Literal(w) => Ok(Param::literal(w)),
            SigItem::Arg(spec) => Param::compile(spec, || sig_repr(&desc.sig)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let grade = params.iter().filter(|p| p.req).count();
    Ok(Compiled {
        params,
        flags: desc.flags,
        help: desc.help.clone(),
        usage: concise_sig(&desc.sig),
        grade,
    })
}

impl CommandTable {
    /// Compiles every description; the first one argparse would refuse is the error.
    pub fn new(descs: &[CommandDesc]) -> Result<CommandTable, DescError> {
        let cmds = descs.iter().map(compile).collect::<Result<Vec<_>, _>>()?;
        Ok(CommandTable { cmds })
    }

    /// Number of commands.
    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    /// Whether the table has no commands.
    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// `validate_command(sigdict, words)`.
    pub fn validate(&self, words: &[String]) -> Validation {
        match self.select(words) {
            Ok(v) => v,
            Err(exception) => Validation::Crash { exception },
        }
    }

    fn select(&self, args: &[String]) -> Result<Validation, String> {
        // Scores are doubled so that "+0.5 for a full match" stays integral.
        let mut best2 = 0usize;
        let mut bestcmds: Vec<&Compiled> = Vec::new();
        for cmd in &self.cmds {
            if cmd.flags & flags::OBSOLETE != 0 {
                continue;
            }
            let matched = matchnum(args, &cmd.params, true)?;
            let mut score2 = matched * 2;
            if matched >= best2 / 2 && matched == matchnum(args, &cmd.params, false)? {
                score2 += 1;
            }
            if score2 < best2 {
                continue;
            }
            if score2 > best2 {
                best2 = score2;
                bestcmds.clear();
            }
            bestcmds.push(cmd);
        }

        let mut sorted = bestcmds.clone();
        sorted.sort_by_key(|c| c.grade);

        let mut stderr = String::new();
        let mut ex: Option<String> = None;
        let mut found: Option<(&Compiled, Option<crate::matcher::Dict>)> = None;
        for cmd in sorted {
            match validate(args, &cmd.params, cmd.flags, &mut stderr) {
                Ok(d) => {
                    found = Some((cmd, Some(d)));
                    break;
                }
                Err(Fail::Crash(c)) => return Err(c),
                Err(Fail::Arg(ArgKind::Prefix | ArgKind::TooFew, _)) => {}
                Err(Fail::Arg(ArgKind::Missing, msg)) => {
                    ex = Some(msg);
                    if bestcmds.len() == 1 {
                        found = Some((cmd, None));
                    }
                    break;
                }
                Err(Fail::Arg(ArgKind::Other, msg)) => {
                    ex = Some(msg);
                    found = Some((cmd, None));
                    break;
                }
            }
        }

        match found {
            Some((_, Some(d))) if !d.is_empty() => Ok(Validation::Command(d.to_json_map())),
            Some((cmd, _)) => {
                stderr.push_str(&format!(
                    "Invalid command: {}\n{} :  {}\n",
                    ex.as_deref().unwrap_or("None"),
                    cmd.usage,
                    cmd.help
                ));
                Ok(Validation::Invalid { stderr })
            }
            None => {
                let shown: Vec<&Compiled> = bestcmds
                    .into_iter()
                    .filter(|c| c.flags & (flags::DEPRECATED | flags::HIDDEN) == 0)
                    .take(10)
                    .collect();
                stderr.push_str(&format!(
                    "no valid command found; {} closest matches:\n",
                    shown.len()
                ));
                for c in shown {
                    stderr.push_str(&c.usage);
                    stderr.push('\n');
                }
                Ok(Validation::NoMatch { stderr })
            }
        }
    }
}

/// The `ceph` CLI's `validate_command` over a description set. A set argparse cannot compile
/// yields [`Validation::Crash`] with the [`DescError`] text. To validate many word lists,
/// build a [`CommandTable`] once instead.
pub fn validate_command(descs: &[CommandDesc], words: &[String]) -> Validation {
    match CommandTable::new(descs) {
        Ok(table) => table.validate(words),
        Err(e) => Validation::Crash {
            exception: e.to_string(),
        },
    }
}

/// `'cli' in cmd['avail']` for the value kinds JSON can hold.
fn avail_has_cli(avail: &Value) -> Result<bool, DescError> {
    match avail {
        Value::String(s) => Ok(s.contains("cli")),
        Value::Array(items) => Ok(items.iter().any(|v| v.as_str() == Some("cli"))),
        Value::Object(o) => Ok(o.contains_key("cli")),
        _ => Err(DescError::Shape("'avail' is not iterable".to_string())),
    }
}

/// `parse_json_funcsigs(json, 'cli')` plus the type checks of every parameter: the
/// descriptions the CLI would use, in order (entries whose `avail` excludes `cli` are
/// dropped), or the error argparse raises for the first unusable one.
pub fn parse_descriptions(json: &str) -> Result<Vec<CommandDesc>, DescError> {
    let v: Value = serde_json::from_str(json).map_err(|e| DescError::Json(e.to_string()))?;
    let obj = v
        .as_object()
        .ok_or_else(|| DescError::Shape("description set is not a JSON object".to_string()))?;
    let mut out = Vec::with_capacity(obj.len());
    for (tag, cmd) in obj {
        let cmd_obj = cmd
            .as_object()
            .ok_or_else(|| DescError::Shape(format!("JSON descriptor {tag} is not an object")))?;
        if !cmd_obj.contains_key("sig") {
            return Err(DescError::NoSig { tag: tag.clone() });
        }
        if let Some(avail) = cmd_obj.get("avail") {
            if !avail_has_cli(avail)? {
                continue;
            }
        }
        let desc = CommandDesc::from_json_tagged(cmd, tag)?;
        compile(&desc)?;
        out.push(desc);
    }
    Ok(out)
}
