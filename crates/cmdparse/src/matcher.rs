//! Matching words against one signature: `ceph_argparse`'s `validate_one`, `matchnum` (the
//! score used to pick candidates) and `validate` (the real parse).
//!
//! argparse deep-copies the signature for every call and mutates per-descriptor counters
//! (`numseen`, and `n` for `n=N` lists) while it walks the words; a keyword argument can bump
//! the counters of a descriptor that has not been reached yet. [`Seen`] holds those counters,
//! one per descriptor and per call.

use std::collections::VecDeque;

use crate::argtype::{ArgType, Param};
use crate::flags;
use crate::outcome::{ArgKind, Fail};
use crate::pystr::repr_str_list;
use crate::value::PyVal;

/// Confirmation words that pre-Nautilus commands declared as strings; argparse lets them
/// through as positional values even though they start with `--`.
const LEGACY_CONFIRMATIONS: [&str; 4] = [
    "--yes-i-really-mean-it",
    "--yes-i-really-really-mean-it",
    "--yes-i-really-really-mean-it-not-faking",
    "--force",
];

#[derive(Debug, Clone, Copy)]
struct Seen {
    numseen: i64,
    n: i64,
}

impl Seen {
    fn fresh(p: &Param) -> Seen {
        Seen { numseen: 0, n: p.n }
    }
}

/// The result dict: insertion-ordered, Python `None` keys allowed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dict(Vec<(Option<String>, PyVal)>);

impl Dict {
    fn get_mut(&mut self, key: &Option<String>) -> Option<&mut PyVal> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn contains(&self, key: &Option<String>) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// `d[key] = value`: replaces in place, or appends.
    fn set(&mut self, key: Option<String>, value: PyVal) {
        match self.get_mut(&key) {
            Some(slot) => *slot = value,
            None => self.0.push((key, value)),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `json.dumps` of the dict (a `None` key is written as `"null"`).
    pub(crate) fn to_json_map(&self) -> serde_json::Map<String, serde_json::Value> {
        self.0
            .iter()
            .map(|(k, v)| (k.clone().unwrap_or_else(|| "null".to_string()), v.to_json()))
            .collect()
    }
}

fn validate_one(
    word: &str,
    p: &Param,
    seen: &mut Seen,
    is_kwarg: bool,
    partial: bool,
) -> Result<Vec<PyVal>, Fail> {
    // A positional CephString list keeps commas; everything else splits on them.
    let allow_csv = is_kwarg || !p.is_string();
    let vals = if p.many && allow_csv {
        word.split(',')
            .map(|part| p.ty.valid(part, partial))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        vec![p.ty.valid(word, partial)?]
    };
    seen.numseen = seen.numseen.saturating_add(1);
    if p.many {
        seen.n = seen.numseen.saturating_add(1);
    }
    Ok(vals)
}

/// `matchnum(args, sig, partial)`: how many leading required descriptors the words match.
/// `Err` is a crash (a non-argparse exception).
pub(crate) fn matchnum(args: &[String], sig: &[Param], partial: bool) -> Result<usize, String> {
    let mut next = 0usize;
    let mut matchcnt = 0usize;
    for p in sig {
        let mut seen = Seen::fresh(p);
        while seen.numseen < seen.n {
            let Some(word) = args.get(next) else {
                return Ok(matchcnt);
            };
            next += 1;
            // Partial matching only for the last word typed ("osd po" → "osd pool ...").
            let last = next == args.len();
            // Fast path for literals (most commands fail on their first one): same outcome
            // as `validate_one` without building the value or the error text.
            if let (ArgType::Prefix(prefix), false) = (&p.ty, p.many) {
                let hit = if partial && last {
                    prefix.starts_with(word.as_str())
                } else {
                    word == prefix
                };
                if hit {
                    seen.numseen = seen.numseen.saturating_add(1);
                    continue;
                }
                if p.req {
                    return Ok(matchcnt);
                }
                next -= 1;
                break;
            }
            match validate_one(word, p, &mut seen, false, partial && last) {
                Ok(_) => {}
                Err(Fail::Crash(c)) => return Err(c),
                Err(Fail::Arg(..)) => {
                    if p.req {
                        return Ok(matchcnt);
                    }
                    next -= 1;
                    break;
                }
            }
        }
        if p.req {
            matchcnt += 1;
        }
    }
    Ok(matchcnt)
}

/// `--name=value` (`KWARG_EQUALS`, `--([^=]+)=(.+)` with `re.match`: the value stops at a
/// newline and must not be empty).
fn kwarg_equals(word: &str) -> Option<(&str, &str)> {
    let (k, v) = word.strip_prefix("--")?.split_once('=')?;
    let v = v.split('\n').next().unwrap_or("");
    if k.is_empty() || v.is_empty() {
        return None;
    }
    Some((k, v))
}

/// `--name` (`KWARG_SPACE`, `--([^=]+)`).
fn kwarg_space(word: &str) -> Option<&str> {
    let k = word.strip_prefix("--")?.split('=').next().unwrap_or("");
    (!k.is_empty()).then_some(k)
}

fn store_arg(p: &Param, vals: Vec<PyVal>, d: &mut Dict) -> Result<(), Fail> {
    let key = p.name.clone();
    if p.many {
        match d.get_mut(&key) {
            None => d.set(key, PyVal::List(vals)),
            Some(PyVal::List(existing)) => existing.extend(vals),
            Some(PyVal::Str(_)) => {
                return Err(Fail::crash(
                    "TypeError",
                    "can only concatenate str (not \"list\") to str",
                ))
            }
            Some(other) => {
                return Err(Fail::crash(
                    "TypeError",
                    format!(
                        "unsupported operand type(s) for +=: '{}' and 'list'",
                        other.type_name()
                    ),
                ))
            }
        }
        return Ok(());
    }
    let Some(val) = vals.into_iter().last() else {
        return Ok(());
    };
    if p.is_prefix() && d.contains(&key) {
        // Literals accumulate into one space-joined "prefix".
        let word = match &val {
            PyVal::Str(s) => s.clone(),
            _ => String::new(),
        };
        match d.get_mut(&key) {
            Some(PyVal::Str(s)) => {
                s.push(' ');
                s.push_str(&word);
            }
            Some(PyVal::List(items)) => {
                items.extend(
                    format!(" {word}")
                        .chars()
                        .map(|c| PyVal::Str(c.to_string())),
                );
            }
            Some(other) => {
                return Err(Fail::crash(
                    "TypeError",
                    format!(
                        "unsupported operand type(s) for +=: '{}' and 'str'",
                        other.type_name()
                    ),
                ))
            }
            None => {}
        }
        return Ok(());
    }
    d.set(key, val);
    Ok(())
}

/// `validate(args, sig, flags)`. Lines argparse prints to stderr on the way are appended to
/// `stderr`.
pub(crate) fn validate(
    args: &[String],
    sig: &[Param],
    cmd_flags: u32,
    stderr: &mut String,
) -> Result<Dict, Fail> {
    let mut myargs: VecDeque<&str> = args.iter().map(String::as_str).collect();
    let reqsiglen = sig.iter().filter(|p| p.req).count();
    let mut matchcnt = 0usize;
    let mut d = Dict::default();
    let mut save_exception: Option<(String, String)> = None;
    let mut seen: Vec<Seen> = sig.iter().map(Seen::fresh).collect();
    // `arg_descs_by_name`: the last non-literal descriptor with that name.
    let by_name = |k: &str| {
        sig.iter()
            .rposition(|p| !p.is_prefix() && p.name.as_deref() == Some(k))
    };
    let injectargs = args.first().is_some_and(|w| w == "injectargs");

    for (idx, p) in sig.iter().enumerate() {
        if let Some(s) = seen.get_mut(idx) {
            s.numseen = 0;
        }
        while let Some(state) = seen.get(idx).copied() {
            if state.numseen >= state.n {
                break;
            }
            let myarg = myargs.pop_front();
            if myarg.is_none() && (!p.req || d.contains(&p.name)) {
                break;
            }

            if let Some(word) = myarg.filter(|w| !w.is_empty()) {
                let mut kwarg: Option<(usize, String)> = None;
                if let Some((k, v)) = kwarg_equals(word) {
                    if let Some(j) = by_name(&k.replace('-', "_")) {
                        kwarg = Some((j, v.to_string()));
                    }
                } else if let Some(k) = kwarg_space(word) {
                    if let Some(j) = by_name(&k.replace('-', "_")) {
                        if sig.get(j).is_some_and(Param::is_bool) {
                            kwarg = Some((j, "true".to_string()));
                        } else if let Some(value) = myargs.pop_front() {
                            kwarg = Some((j, value.to_string()));
                        }
                    }
                }
                if let Some((j, value)) = kwarg {
                    if let (Some(kp), Some(kseen)) = (sig.get(j), seen.get_mut(j)) {
                        let vals = validate_one(&value, kp, kseen, true, false)?;
                        matchcnt += 1;
                        store_arg(kp, vals, &mut d)?;
                    }
                    continue;
                }
            }

            if let Some(word) = myarg {
                if word.starts_with("--")
                    && !(p.is_choices() || LEGACY_CONFIRMATIONS.contains(&word) || injectargs)
                {
                    return Err(Fail::other(format!("Unexpected argument '{word}'")));
                }
            }

            let Some(word) = myarg else {
                // Out of words for a required descriptor.
                if p.many && state.numseen < 1 {
                    return Err(Fail::other(format!(
                        "saw {} of {}, expected at least 1",
                        state.numseen,
                        p.describe()
                    )));
                }
                if !p.many && state.numseen < state.n {
                    if state.numseen == 0 && state.n == 1 {
                        return Err(Fail::Arg(
                            ArgKind::Missing,
                            format!("missing required parameter {}", p.describe()),
                        ));
                    }
                    return Err(Fail::other(format!(
                        "saw {} of {}, expected {}",
                        state.numseen,
                        p.describe(),
                        state.n
                    )));
                }
                break;
            };

            let Some(pseen) = seen.get_mut(idx) else {
                break;
            };
            match validate_one(word, p, pseen, false, false) {
                Ok(vals) => {
                    matchcnt += 1;
                    store_arg(p, vals, &mut d)?;
                    save_exception = None;
                }
                Err(Fail::Arg(kind, msg)) => {
                    if p.req {
                        return Err(Fail::Arg(kind, msg));
                    }
                    // Optional: give the word to the next descriptor.
                    save_exception = Some((word.to_string(), msg));
                    myargs.push_front(word);
                    break;
                }
                Err(crash) => return Err(crash),
            }
        }
    }

    if matchcnt < reqsiglen {
        return Err(Fail::Arg(
            ArgKind::TooFew,
            "not enough arguments given".to_string(),
        ));
    }
    if !myargs.is_empty() {
        if let Some((word, msg)) = save_exception {
            stderr.push_str(&format!("{word} not valid:  {msg}\n"));
        }
        let rest: Vec<&str> = myargs.into_iter().collect();
        return Err(Fail::other(format!(
            "unused arguments: {}",
            repr_str_list(&rest)
        )));
    }
    if cmd_flags & flags::MGR != 0 {
        d.set(Some("target".to_string()), PyVal::MgrTarget);
    }
    if cmd_flags & flags::POLL != 0 {
        d.set(Some("poll".to_string()), PyVal::Bool(true));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kwarg_forms() {
        assert_eq!(kwarg_equals("--x=val"), Some(("x", "val")));
        assert_eq!(kwarg_equals("--x=a=b"), Some(("x", "a=b")));
        assert_eq!(kwarg_equals("--x=a\nb"), Some(("x", "a")));
        assert_eq!(kwarg_equals("--x="), None);
        assert_eq!(kwarg_equals("--=x"), None);
        assert_eq!(kwarg_equals("--x=\nb"), None);
        assert_eq!(kwarg_space("--x="), Some("x"));
        assert_eq!(kwarg_space("--x"), Some("x"));
        assert_eq!(kwarg_space("--"), None);
        assert_eq!(kwarg_space("--=x"), None);
        assert_eq!(kwarg_space("-x"), None);
    }
}
