//! The `Ceph*` parameter types: building one from descriptor attributes (with the checks the
//! Python constructors make) and validating a word against it (`CephXxx.valid`).
//!
//! Messages are `ceph_argparse` 16.2.15's, byte for byte. Deliberate divergences (no I/O):
//! `CephSocketpath` and `CephFilepath` accept any word unchanged instead of calling `stat`/
//! `access`; neither appears in the Pacific mon or mgr command tables.

use crate::bigint::PyInt;
use crate::descriptor::ArgSpec;
use crate::error::DescError;
use crate::goodchars::{goodset, CharSet};
use crate::ipaddr::{valid_entityaddr, valid_ipaddr};
use crate::outcome::Fail;
use crate::pynum::{float_repr, int_error_text, parse_float, parse_int};
use crate::pystr::{repr_str, repr_truncated};
use crate::value::PyVal;

/// A parameter type with its constructor arguments applied.
#[derive(Debug, Clone)]
pub(crate) enum ArgType {
    Prefix(String),
    Int(Vec<PyInt>),
    Float(Vec<f64>),
    Str {
        goodchars: String,
        goodset: CharSet,
    },
    Choices(Vec<String>),
    Bool,
    /// Types whose `valid` keeps the word as is; the payload is their `__str__`.
    Plain(&'static str),
    IpAddr,
    EntityAddr,
    Pgid,
    Name,
    OsdName,
    Fragment,
    Uuid,
}

/// One signature element, as `argdesc` holds it.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub(crate) ty: ArgType,
    /// `None` when the descriptor had no `name` (Python `None`, JSON key `"null"`).
    pub(crate) name: Option<String>,
    pub(crate) req: bool,
    /// `n=N`: a list of one or more values.
    pub(crate) many: bool,
    /// Repeat count for non-list parameters (`n=2`); 1 otherwise.
    pub(crate) n: i64,
}

/// What a Python class's `__init__` accepts: its qualified name, its keyword parameters, and
/// whether it takes `**kwargs`.
struct Ctor {
    qualname: &'static str,
    params: &'static [&'static str],
    var_kw: bool,
}

fn class_of(type_name: &str) -> Option<(Ctor, Option<ArgType>)> {
    let ctor = |qualname, params, var_kw| Ctor {
        qualname,
        params,
        var_kw,
    };
    let base = |plain| (ctor("CephArgtype", &[], true), Some(plain));
    Some(match type_name {
        "CephInt" => (ctor("CephInt", &["range"], false), None),
        "CephFloat" => (ctor("CephFloat", &["range"], false), None),
        "CephString" => (ctor("CephString", &["goodchars"], false), None),
        "CephChoices" => (ctor("CephChoices", &["strings", "tp"], true), None),
        "CephBool" => (ctor("CephBool", &["strings"], true), Some(ArgType::Bool)),
        "CephPrefix" => (ctor("CephPrefix", &["prefix"], false), None),
        "CephName" => (ctor("CephName", &[], false), Some(ArgType::Name)),
        "CephOsdName" => (ctor("CephOsdName", &[], false), Some(ArgType::OsdName)),
        "CephArgtype" => base(ArgType::Plain("<CephArgtype>")),
        "CephPoolname" => base(ArgType::Plain("<poolname>")),
        "CephObjectname" => base(ArgType::Plain("<objectname>")),
        "CephSocketpath" => base(ArgType::Plain("<admin-socket-path>")),
        "CephFilepath" => base(ArgType::Plain("<outfilename>")),
        "CephIPAddr" => base(ArgType::IpAddr),
        "CephEntityAddr" => base(ArgType::EntityAddr),
        "CephPgid" => base(ArgType::Pgid),
        "CephFragment" => base(ArgType::Fragment),
        "CephUUID" => base(ArgType::Uuid),
        _ => return None,
    })
}

fn type_error(message: String) -> DescError {
    DescError::Constructor {
        exception: "TypeError",
        message,
    }
}

fn value_error(message: String) -> DescError {
    DescError::Constructor {
        exception: "ValueError",
        message,
    }
}

/// Python `int(x)` on a Python `int` returns it; on the huge values clamp to `i64`.
fn clamp_i64(v: &PyInt) -> i64 {
    v.to_i64()
        .unwrap_or(if v.is_negative() { i64::MIN } else { i64::MAX })
}

impl Param {
    /// A literal word (`CephPrefix` named `prefix`).
    pub(crate) fn literal(word: &str) -> Param {
        Param {
            ty: ArgType::Prefix(word.to_string()),
            name: Some("prefix".to_string()),
            req: true,
            many: false,
            n: 1,
        }
    }

    /// `parse_funcsig` + `argdesc.__init__` + the type's constructor for one parameter.
    /// `sig_repr` renders the whole signature for the "has no type" message.
    pub(crate) fn compile(
        spec: &ArgSpec,
        sig_repr: impl FnOnce() -> String,
    ) -> Result<Param, DescError> {
        let Some(type_name) = spec.get("type") else {
            return Err(DescError::NoType { sig: sig_repr() });
        };
        let Some((ctor, simple)) = class_of(type_name) else {
            return Err(DescError::UnknownType {
                type_name: type_name.to_string(),
            });
        };
        let kwargs: Vec<(&str, &str)> = spec
            .attrs()
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "type" | "name" | "n" | "req"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // argdesc(t, name=, n=, req=, **kwargs): `self`/`t` collide with its own parameters.
        if let Some((k, _)) = kwargs.iter().find(|(k, _)| matches!(*k, "self" | "t")) {
            return Err(type_error(format!(
                "argdesc.__init__() got multiple values for argument '{k}'"
            )));
        }
        let (many, n) = match spec.get("n") {
            None => (false, 1),
            Some("n" | "N") => (true, 1),
            Some(text) => match parse_int(text, 10) {
                Ok(v) => (false, clamp_i64(&v)),
                Err(e) => return Err(value_error(int_error_text(text, 10, &e))),
            },
        };
        for (k, _) in &kwargs {
            if *k == "self" {
                return Err(type_error(format!(
                    "{}.__init__() got multiple values for argument 'self'",
                    ctor.qualname
                )));
            }
            if !ctor.var_kw && !ctor.params.contains(k) {
                return Err(type_error(format!(
                    "{}.__init__() got an unexpected keyword argument '{k}'",
                    ctor.qualname
                )));
            }
        }
        let kw = |key: &str| kwargs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let ty = match simple {
            Some(ty) => ty,
            None => match type_name {
                "CephInt" => ArgType::Int(parse_int_range(kw("range").unwrap_or(""))?),
                "CephFloat" => ArgType::Float(parse_float_range(kw("range").unwrap_or(""))?),
                "CephString" => {
                    let goodchars = kw("goodchars").unwrap_or("");
                    let Some(set) = goodset(goodchars) else {
                        return Err(value_error(format!(
                            "CephString(): \"{goodchars}\" is not a valid RE"
                        )));
                    };
                    ArgType::Str {
                        goodchars: goodchars.to_string(),
                        goodset: set,
                    }
                }
                "CephChoices" => match kw("tp") {
                    // `tp` is meant to be an Enum class; a string is iterated instead.
                    Some("") => ArgType::Choices(Vec::new()),
                    Some(_) => {
                        return Err(DescError::Constructor {
                            exception: "AttributeError",
                            message: "'str' object has no attribute 'value'".to_string(),
                        })
                    }
                    None => ArgType::Choices(
                        kw("strings")
                            .unwrap_or("")
                            .split('|')
                            .map(str::to_string)
                            .collect(),
                    ),
                },
                _ => ArgType::Prefix(kw("prefix").unwrap_or("").to_string()),
            },
        };
        Ok(Param {
            ty,
            name: spec.get("name").map(str::to_string),
            req: spec.req(),
            many,
            n,
        })
    }

    pub(crate) fn is_prefix(&self) -> bool {
        matches!(self.ty, ArgType::Prefix(_))
    }

    pub(crate) fn is_string(&self) -> bool {
        matches!(self.ty, ArgType::Str { .. })
    }

    pub(crate) fn is_bool(&self) -> bool {
        matches!(self.ty, ArgType::Bool)
    }

    pub(crate) fn is_choices(&self) -> bool {
        matches!(self.ty, ArgType::Choices(_))
    }

    /// `str(argdesc)`, as used in "missing required parameter x(<string>)".
    pub(crate) fn describe(&self) -> String {
        let bare = match &self.ty {
            ArgType::Prefix(_) => true,
            ArgType::Choices(strings) => strings.len() == 1,
            _ => false,
        };
        let mut s = if bare {
            self.ty.describe()
        } else {
            let mut s = format!(
                "{}({})",
                self.name.as_deref().unwrap_or("None"),
                self.ty.describe()
            );
            if self.many {
                s.push_str("...");
            }
            s
        };
        if !self.req {
            s = format!("[{s}]");
        }
        s
    }
}

fn parse_int_range(text: &str) -> Result<Vec<PyInt>, DescError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split('|')
        .map(|x| parse_int(x, 10).map_err(|e| value_error(int_error_text(x, 10, &e))))
        .collect()
}

fn parse_float_range(text: &str) -> Result<Vec<f64>, DescError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split('|')
        .map(|x| {
            parse_float(x).ok_or_else(|| {
                value_error(format!(
                    "could not convert string to float: {}",
                    repr_str(x)
                ))
            })
        })
        .collect()
}

/// `str(int)` inside a message; past 4300 digits Python raises instead.
fn int_text(v: &PyInt) -> Result<String, Fail> {
    v.to_decimal().map_err(|e| Fail::crash("ValueError", e))
}

fn int_list_text(range: &[PyInt]) -> Result<String, Fail> {
    let parts = range.iter().map(int_text).collect::<Result<Vec<_>, _>>()?;
    Ok(format!("[{}]", parts.join(", ")))
}

fn float_list_text(range: &[f64]) -> String {
    let parts: Vec<String> = range.iter().map(|f| float_repr(*f)).collect();
    format!("[{}]", parts.join(", "))
}

impl ArgType {
    /// The type instance's `__str__`.
    pub(crate) fn describe(&self) -> String {
        match self {
            ArgType::Prefix(p) => p.clone(),
            ArgType::Int(range) => {
                let t = |v: &PyInt| v.to_decimal().unwrap_or_default();
                match range.as_slice() {
                    [lo] => format!("<int[{}-]>", t(lo)),
                    [lo, hi] => format!("<int[{}-{}]>", t(lo), t(hi)),
                    _ => "<int>".to_string(),
                }
            }
            ArgType::Float(range) => match range.as_slice() {
                [lo] => format!("<float[{}-]>", float_repr(*lo)),
                [lo, hi] => format!("<float[{}-{}]>", float_repr(*lo), float_repr(*hi)),
                _ => "<float>".to_string(),
            },
            ArgType::Str { goodchars, .. } => {
                if goodchars.is_empty() {
                    "<string>".to_string()
                } else {
                    format!("<string(goodchars {goodchars})>")
                }
            }
            ArgType::Choices(strings) => strings.join("|"),
            ArgType::Bool => "<bool>".to_string(),
            ArgType::Plain(s) => (*s).to_string(),
            ArgType::IpAddr => "<IPaddr[:port]>".to_string(),
            ArgType::EntityAddr => "<EntityAddr>".to_string(),
            ArgType::Pgid => "<pgid>".to_string(),
            ArgType::Name => "<name (type.id)>".to_string(),
            ArgType::OsdName => "<osdname (id|osd.id)>".to_string(),
            ArgType::Fragment => "<CephFS fragment ID (0xvvv/bbb)>".to_string(),
            ArgType::Uuid => "<uuid>".to_string(),
        }
    }

    /// `valid(s, partial)`: the value to store, or why the word does not fit.
    pub(crate) fn valid(&self, s: &str, partial: bool) -> Result<PyVal, Fail> {
        let ok = |v: &str| Ok(PyVal::Str(v.to_string()));
        match self {
            ArgType::Prefix(prefix) => {
                let hit = if partial {
                    prefix.starts_with(s)
                } else {
                    s == prefix
                };
                if hit {
                    ok(s)
                } else {
                    Err(Fail::Arg(
                        crate::outcome::ArgKind::Prefix,
                        format!("no match for {s}"),
                    ))
                }
            }
            ArgType::Int(range) => {
                let Ok(val) = parse_int(s, 0) else {
                    return Err(Fail::other(format!("{s} doesn't represent an int")));
                };
                let out = match range.as_slice() {
                    [lo, hi] => val < *lo || val > *hi,
                    [lo] => val < *lo,
                    _ => false,
                };
                if out {
                    return Err(Fail::other(format!(
                        "{} not in range {}",
                        int_text(&val)?,
                        int_list_text(range)?
                    )));
                }
                Ok(PyVal::Int(val))
            }
            ArgType::Float(range) => {
                let Some(val) = parse_float(s) else {
                    return Err(Fail::other(format!("{s} doesn't represent a float")));
                };
                let out = match range.as_slice() {
                    [lo, hi] => val < *lo || val > *hi,
                    [lo] => val < *lo,
                    _ => false,
                };
                if out {
                    return Err(Fail::other(format!(
                        "{} not in range {}",
                        float_repr(val),
                        float_list_text(range)
                    )));
                }
                Ok(PyVal::Float(val))
            }
            ArgType::Str { goodset, .. } => {
                if !goodset.is_empty() {
                    let mut bad = String::new();
                    for c in s.chars() {
                        if !goodset.contains(c) && !bad.contains(c) {
                            bad.push(c);
                        }
                    }
                    if !bad.is_empty() {
                        return Err(Fail::other(format!("invalid chars {bad} in {s}")));
                    }
                }
                ok(s)
            }
            ArgType::Choices(strings) => {
                let hit = if partial {
                    strings.iter().any(|t| t.starts_with(s))
                } else {
                    strings.iter().any(|t| t == s)
                };
                if hit {
                    ok(s)
                } else {
                    Err(Fail::other(format!("{s} not in {}", self.describe())))
                }
            }
            ArgType::Bool => match s.to_lowercase().as_str() {
                "true" | "1" => Ok(PyVal::Bool(true)),
                "false" | "0" => Ok(PyVal::Bool(false)),
                _ => Err(Fail::other(format!("{s} not one of 'true', 'false'"))),
            },
            ArgType::Plain(_) => ok(s),
            ArgType::IpAddr => valid_ipaddr(s).map(PyVal::Str),
            ArgType::EntityAddr => valid_entityaddr(s).map(PyVal::Str),
            ArgType::Pgid => valid_pgid(s),
            ArgType::Name => valid_name(s),
            ArgType::OsdName => valid_osdname(s),
            ArgType::Fragment => valid_fragment(s),
            ArgType::Uuid => valid_uuid(s),
        }
    }
}

fn valid_pgid(s: &str) -> Result<PyVal, Fail> {
    let Some((pool, pgnum)) = s.split_once('.') else {
        return Err(Fail::other("pgid has no ."));
    };
    let Ok(pool_id) = parse_int(pool, 10) else {
        return Err(Fail::other(format!("pool {pool} not integer")));
    };
    if pool_id.is_negative() {
        return Err(Fail::other(format!("pool {} < 0", int_text(&pool_id)?)));
    }
    if parse_int(pgnum, 16).is_err() {
        return Err(Fail::other(format!("pgnum {pgnum} not hex integer")));
    }
    Ok(PyVal::Str(s.to_string()))
}

fn valid_name(s: &str) -> Result<PyVal, Fail> {
    if matches!(s, "*" | "mgr" | "mon") {
        return Ok(PyVal::Str(s.to_string()));
    }
    let Some((t, i)) = s.split_once('.') else {
        return Err(Fail::other(format!("CephName: no . in {s}")));
    };
    if !matches!(t, "osd" | "mon" | "client" | "mds" | "mgr") {
        return Err(Fail::other(format!("unknown type {t}")));
    }
    if t == "osd" && i != "*" && parse_int(i, 10).is_err() {
        return Err(Fail::other(format!("osd id {i} not integer")));
    }
    Ok(PyVal::Str(s.to_string()))
}

fn valid_osdname(s: &str) -> Result<PyVal, Fail> {
    if s == "*" {
        return Ok(PyVal::Str(s.to_string()));
    }
    let i = match s.split_once('.') {
        Some((t, i)) => {
            if t != "osd" {
                return Err(Fail::other(format!("unknown type {t}")));
            }
            i
        }
        None => s,
    };
    let Ok(id) = parse_int(i, 10) else {
        return Err(Fail::other(format!("osd id {i} not integer")));
    };
    if id.is_negative() {
        return Err(Fail::other(format!(
            "osd id {} is less than 0",
            int_text(&id)?
        )));
    }
    Ok(PyVal::Int(id))
}

fn valid_fragment(s: &str) -> Result<PyVal, Fail> {
    let Some((val, bits)) = s.split_once('/') else {
        return Err(Fail::other(format!("{s}: no /")));
    };
    if bits.contains('/') {
        return Err(Fail::crash(
            "ValueError",
            "too many values to unpack (expected 2)",
        ));
    }
    if !val.starts_with("0x") {
        return Err(Fail::other(format!("{val} not a hex integer")));
    }
    // Pacific calls int(val) in base 10 on a string starting with "0x": never an integer.
    Err(Fail::other(format!("can't convert {val} to integer")))
}

fn valid_uuid(s: &str) -> Result<PyVal, Fail> {
    let hex = s.replace("urn:", "").replace("uuid:", "");
    let hex = hex.trim_matches(|c| c == '{' || c == '}').replace('-', "");
    if hex.chars().count() != 32 {
        return Err(Fail::other(format!(
            "invalid UUID {s}: badly formed hexadecimal UUID string"
        )));
    }
    if parse_int(&hex, 16).is_err() {
        return Err(Fail::other(format!(
            "invalid UUID {s}: invalid literal for int() with base 16: {}",
            repr_truncated(&hex, 200)
        )));
    }
    Ok(PyVal::Str(s.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::descriptor::{CommandDesc, SigItem};

    fn param(desc: &str) -> Result<Param, DescError> {
        let d = CommandDesc::from_descriptor(&format!("x {desc}"), "", "", "", 0);
        match d.sig.get(1) {
            Some(SigItem::Arg(spec)) => Param::compile(spec, || "sig".to_string()),
            _ => panic!("not an arg"),
        }
    }

    fn err_text(desc: &str, word: &str) -> String {
        match param(desc).unwrap().ty.valid(word, false) {
            Err(Fail::Arg(_, m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn constructor_errors() {
        assert_eq!(
            param("name=x,type=CephString,allowempty=true")
                .unwrap_err()
                .to_string(),
            "TypeError: CephString.__init__() got an unexpected keyword argument 'allowempty'"
        );
        assert_eq!(
            param("name=x,type=CephBogus").unwrap_err().to_string(),
            "JsonFormat: unknown type CephBogus"
        );
        assert_eq!(
            param("name=x,type=CephInt,range=a")
                .unwrap_err()
                .to_string(),
            "ValueError: invalid literal for int() with base 10: 'a'"
        );
        assert_eq!(
            param("name=x,type=CephFloat,range=a")
                .unwrap_err()
                .to_string(),
            "ValueError: could not convert string to float: 'a'"
        );
        assert_eq!(
            param("name=x,type=CephString,goodchars=[")
                .unwrap_err()
                .to_string(),
            "ValueError: CephString(): \"[\" is not a valid RE"
        );
        assert_eq!(
            param("name=x,type=CephName,positional=1")
                .unwrap_err()
                .to_string(),
            "TypeError: CephName.__init__() got an unexpected keyword argument 'positional'"
        );
        assert_eq!(
            param("name=x,type=CephString,n=x").unwrap_err().to_string(),
            "ValueError: invalid literal for int() with base 10: 'x'"
        );
        assert_eq!(
            param("name=x,type=CephPoolname,self=1")
                .unwrap_err()
                .to_string(),
            "TypeError: argdesc.__init__() got multiple values for argument 'self'"
        );
        assert!(param("name=x,type=CephChoices,strings=a,bogus=1").is_ok());
        assert!(param("name=x,type=CephPoolname,whatever=1").is_ok());
    }

    #[test]
    fn describe_like_argdesc_str() {
        assert_eq!(
            param("name=n,type=CephInt,range=1|10").unwrap().describe(),
            "n(<int[1-10]>)"
        );
        assert_eq!(
            param("name=n,type=CephInt,range=0").unwrap().describe(),
            "n(<int[0-]>)"
        );
        assert_eq!(
            param("name=f,type=CephFloat,range=0.0|1,req=false")
                .unwrap()
                .describe(),
            "[f(<float[0.0-1.0]>)]"
        );
        assert_eq!(
            param("name=i,type=CephString,n=N").unwrap().describe(),
            "i(<string>)..."
        );
        assert_eq!(
            param("name=c,type=CephChoices,strings=--force")
                .unwrap()
                .describe(),
            "--force"
        );
        assert_eq!(
            param("name=c,type=CephChoices,strings=a|b")
                .unwrap()
                .describe(),
            "c(a|b)"
        );
    }

    #[test]
    fn type_messages() {
        assert_eq!(
            err_text("name=n,type=CephInt,range=1|10", "11"),
            "11 not in range [1, 10]"
        );
        assert_eq!(
            err_text("name=n,type=CephInt,range=0", "-1"),
            "-1 not in range [0]"
        );
        assert_eq!(
            err_text("name=n,type=CephInt", "abc"),
            "abc doesn't represent an int"
        );
        assert_eq!(
            err_text("name=f,type=CephFloat,range=0.0|1.0", "2"),
            "2.0 not in range [0.0, 1.0]"
        );
        assert_eq!(
            err_text("name=f,type=CephFloat", "x"),
            "x doesn't represent a float"
        );
        assert_eq!(
            err_text("name=m,type=CephChoices,strings=on|off|warn", "maybe"),
            "maybe not in on|off|warn"
        );
        assert_eq!(
            err_text("name=b,type=CephBool", "maybe"),
            "maybe not one of 'true', 'false'"
        );
        assert_eq!(
            err_text(
                "name=n,type=CephString,goodchars=[A-Za-z0-9-_.]",
                "bad/name"
            ),
            "invalid chars / in bad/name"
        );
        assert_eq!(
            err_text("name=s,type=CephString", "é"),
            "invalid chars é in é"
        );
        assert_eq!(err_text("name=p,type=CephPgid", "1"), "pgid has no .");
        assert_eq!(
            err_text("name=p,type=CephPgid", "x.1"),
            "pool x not integer"
        );
        assert_eq!(err_text("name=p,type=CephPgid", "-01.1"), "pool -1 < 0");
        assert_eq!(
            err_text("name=p,type=CephPgid", "1.zz"),
            "pgnum zz not hex integer"
        );
        assert_eq!(
            err_text("name=w,type=CephName", "osd.x"),
            "osd id x not integer"
        );
        assert_eq!(
            err_text("name=w,type=CephName", "rgw.a"),
            "unknown type rgw"
        );
        assert_eq!(
            err_text("name=w,type=CephName", "nodot"),
            "CephName: no . in nodot"
        );
        assert_eq!(
            err_text("name=i,type=CephOsdName", "mon.3"),
            "unknown type mon"
        );
        assert_eq!(
            err_text("name=i,type=CephOsdName", "-1"),
            "osd id -1 is less than 0"
        );
        assert_eq!(
            err_text("name=u,type=CephUUID", "nope"),
            "invalid UUID nope: badly formed hexadecimal UUID string"
        );
        assert_eq!(
            err_text("name=u,type=CephUUID", &"g".repeat(32)),
            format!(
                "invalid UUID {0}: invalid literal for int() with base 16: '{0}'",
                "g".repeat(32)
            )
        );
        assert_eq!(
            err_text("name=f,type=CephFragment", "0x1/3"),
            "can't convert 0x1 to integer"
        );
        assert_eq!(
            err_text("name=f,type=CephFragment", "1/3"),
            "1 not a hex integer"
        );
        assert_eq!(err_text("name=f,type=CephFragment", "13"), "13: no /");
    }

    #[test]
    fn type_values() {
        let v = |d: &str, w: &str| param(d).unwrap().ty.valid(w, false).unwrap().to_json();
        assert_eq!(v("name=n,type=CephInt", "0x0a"), serde_json::json!(10));
        assert_eq!(v("name=i,type=CephOsdName", "osd.3"), serde_json::json!(3));
        assert_eq!(v("name=i,type=CephOsdName", "*"), serde_json::json!("*"));
        assert_eq!(v("name=b,type=CephBool", "TRUE"), serde_json::json!(true));
        assert_eq!(v("name=b,type=CephBool", "0"), serde_json::json!(false));
        assert_eq!(v("name=f,type=CephFloat", "1e3"), serde_json::json!(1000.0));
        assert_eq!(
            v(
                "name=u,type=CephUUID",
                "urn:uuid:12345678-1234-5678-1234-567812345678"
            ),
            serde_json::json!("urn:uuid:12345678-1234-5678-1234-567812345678")
        );
        for w in ["osd.3", "client.admin", "mgr", "*", "osd.*"] {
            assert_eq!(v("name=w,type=CephName", w), serde_json::json!(w));
        }
        assert!(param("name=c,type=CephChoices,strings=--force")
            .unwrap()
            .ty
            .valid("--f", true)
            .is_ok());
    }
}
