//! Typed option values (`Option::value_t`) and `Option::parse_value`: the per-type parse,
//! the min/max/enum checks with their error texts, and the normalised text (`to_str`).

use std::cmp::Ordering;

use serde_json::Value as Json;

use crate::addr::{format_addrvec, parse_addr_prefix, parse_addrvec, EntityAddr};
use crate::strtol::{
    c_str, lexical_cast_u64, scanf_int, strict_iecstrtoll, strict_si_cast, strict_strtob,
    strict_strtod, Signedness,
};
use crate::timespan::parse_timespan;
use crate::types::OptionType;
use crate::uuid::{format_uuid, parse_uuid};

const EINVAL: i32 = 22;
const ERANGE: i32 = 34;

/// A rejected value: the errno the mon replies with and the text after
/// `error parsing value: `.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// Positive errno (`EINVAL`, or `ERANGE` from the `debug_*` validator); the mon command
    /// returns its negation.
    pub errno: i32,
    /// The message, without the `error parsing value: ` prefix; may be empty (addr, uuid).
    pub message: String,
}

impl ParseError {
    fn invalid(message: String) -> Self {
        ParseError {
            errno: EINVAL,
            message,
        }
    }

    /// The mon's return code (`-errno`).
    pub fn rc(&self) -> i32 {
        -self.errno
    }
}

/// A pre-parse hook of a native option (`Option::validator`) that may rewrite the text.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validator {
    /// The `debug_<subsys>` validator: `N` or `N/M` with 0 ≤ N, M ≤ 99; a lone `N` is
    /// rewritten to `N/N`.
    DebugLevel,
    /// `rbd_default_pool`: a value that is empty or contains `@` or `/` silently becomes `rbd`.
    RbdPoolName,
}

impl Validator {
    fn apply(&self, raw: &str) -> Result<String, ParseError> {
        match self {
            Validator::DebugLevel => debug_level(raw),
            Validator::RbdPoolName => Ok(rbd_pool_name(raw)),
        }
    }
}

/// `sscanf(value, "%d/%d", &m, &n)` and the range checks of the subsystem validator.
fn debug_level(raw: &str) -> Result<String, ParseError> {
    let s = c_str(raw).as_bytes();
    let range = || ParseError {
        errno: ERANGE,
        message: "value must be in range [0, 99]".into(),
    };
    let Some((m, used)) = scanf_int(s) else {
        return Err(ParseError::invalid(
            "value must take the form N or N/M, where N and M are integers".into(),
        ));
    };
    let n = if s.get(used) == Some(&b'/') {
        s.get(used + 1..).and_then(scanf_int).map(|(n, _)| n)
    } else {
        None
    };
    if !(0..=99).contains(&m) {
        return Err(range());
    }
    match n {
        Some(n) if !(0..=99).contains(&n) => Err(range()),
        Some(_) => Ok(raw.to_string()),
        None => Ok(format!("{m}/{m}")),
    }
}

/// The pool-name validator (`^[^@/]+$`, else reset to `rbd` without an error).
fn rbd_pool_name(raw: &str) -> String {
    if raw.is_empty() || raw.contains(['@', '/']) {
        "rbd".to_string()
    } else {
        raw.to_string()
    }
}

/// One parsed value of a known type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Int(i64),
    Uint(u64),
    Str(String),
    Float(f64),
    Bool(bool),
    Addr(EntityAddr),
    Addrvec(Vec<EntityAddr>),
    Uuid([u8; 16]),
    Size(u64),
    Secs(i64),
    Millisecs(u64),
}

impl Value {
    /// What the `Option` constructor stores before any default is set.
    pub(crate) fn zero(ty: OptionType) -> Value {
        match ty {
            OptionType::Int => Value::Int(0),
            OptionType::Uint => Value::Uint(0),
            OptionType::Str => Value::Str(String::new()),
            OptionType::Float => Value::Float(0.0),
            OptionType::Bool => Value::Bool(false),
            OptionType::Addr => Value::Addr(EntityAddr::NONE),
            OptionType::Addrvec => Value::Addrvec(Vec::new()),
            OptionType::Uuid => Value::Uuid([0; 16]),
            OptionType::Size => Value::Size(0),
            OptionType::Secs => Value::Secs(0),
            OptionType::Millisecs => Value::Millisecs(0),
        }
    }

    /// `Option::to_str` (stream output of the value).
    pub(crate) fn to_text(&self) -> String {
        match self {
            Value::Int(v) | Value::Secs(v) => v.to_string(),
            Value::Uint(v) | Value::Size(v) | Value::Millisecs(v) => v.to_string(),
            Value::Str(s) => s.clone(),
            Value::Float(f) => format_fixed(*f),
            Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
            Value::Addr(a) => a.to_string(),
            Value::Addrvec(v) => format_addrvec(v),
            Value::Uuid(u) => format_uuid(u),
        }
    }

    /// `value_t` ordering between two values of the same type.
    fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) | (Value::Secs(a), Value::Secs(b)) => Some(a.cmp(b)),
            (Value::Uint(a), Value::Uint(b))
            | (Value::Size(a), Value::Size(b))
            | (Value::Millisecs(a), Value::Millisecs(b)) => Some(a.cmp(b)),
            (Value::Str(a), Value::Str(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::Addr(a), Value::Addr(b)) => Some(a.cmp(b)),
            (Value::Addrvec(a), Value::Addrvec(b)) => Some(a.cmp(b)),
            (Value::Uuid(a), Value::Uuid(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// `Option::dump_value`: numbers and bools typed, everything else as its text.
    pub(crate) fn to_json(&self) -> Json {
        match self {
            Value::Int(v) => Json::from(*v),
            Value::Uint(v) => Json::from(*v),
            Value::Str(s) => Json::from(s.clone()),
            Value::Float(f) => json_float(*f),
            Value::Bool(b) => Json::from(*b),
            other => Json::from(other.to_text()),
        }
    }
}

/// `std::fixed` with the default precision (`%f`), with glibc's spellings of inf and NaN.
pub(crate) fn format_fixed(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    format!("{f:.6}")
}

/// A double as the mon's JSON formatter writes it (`%.17g`): integral values below 1e17 come
/// out without a fraction, which we mirror with an integer; inf/NaN (not JSON) become null.
pub(crate) fn json_float(f: f64) -> Json {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e17 {
        // exact: |f| < 1e17 < 2^63
        #[allow(clippy::cast_possible_truncation)]
        return Json::from(f as i64);
    }
    serde_json::Number::from_f64(f)
        .map(Json::Number)
        .unwrap_or(Json::Null)
}

/// Parse text as a value of `ty` (no validator, no bounds). Types whose parser takes a C
/// string in Ceph stop at the first NUL.
pub(crate) fn parse_typed(ty: OptionType, raw: &str) -> Result<Value, ParseError> {
    let inv = ParseError::invalid;
    match ty {
        OptionType::Int => strict_si_cast(c_str(raw), Signedness::Signed)
            .map(|v| Value::Int(i64::try_from(v).unwrap_or(0)))
            .map_err(inv),
        OptionType::Uint => strict_si_cast(c_str(raw), Signedness::Unsigned)
            .map(|v| Value::Uint(u64::try_from(v).unwrap_or(0)))
            .map_err(inv),
        OptionType::Str => Ok(Value::Str(raw.to_string())),
        OptionType::Float => strict_strtod(c_str(raw)).map(Value::Float).map_err(inv),
        OptionType::Bool => strict_strtob(c_str(raw)).map(Value::Bool).map_err(inv),
        OptionType::Addr => parse_addr_prefix(c_str(raw).as_bytes())
            .map(|(a, _)| Value::Addr(a))
            .ok_or_else(|| inv(String::new())),
        OptionType::Addrvec => parse_addrvec(c_str(raw).as_bytes())
            .map(Value::Addrvec)
            .ok_or_else(|| inv(String::new())),
        OptionType::Uuid => parse_uuid(c_str(raw))
            .map(Value::Uuid)
            .ok_or_else(|| inv(String::new())),
        OptionType::Size => strict_iecstrtoll(c_str(raw)).map(Value::Size).map_err(inv),
        OptionType::Secs => parse_timespan(raw).map(Value::Secs).map_err(inv),
        OptionType::Millisecs => lexical_cast_u64(raw).map(Value::Millisecs).map_err(inv),
    }
}

/// Everything `Option::parse_value` consults besides the text.
pub(crate) struct Schema<'a> {
    pub ty: OptionType,
    pub min: Option<Value>,
    pub max: Option<Value>,
    pub enum_allowed: &'a [String],
    pub validator: Option<Validator>,
}

impl Schema<'_> {
    /// `Option::parse_value`: validator, typed parse, `validate()`, then the normalised text.
    pub(crate) fn parse_value(&self, raw: &str) -> Result<(Value, String), ParseError> {
        let rewritten;
        let text = match &self.validator {
            Some(v) => {
                rewritten = v.apply(raw)?;
                rewritten.as_str()
            }
            None => raw,
        };
        let value = parse_typed(self.ty, text)?;
        self.validate(&value)?;
        let normalised = value.to_text();
        Ok((value, normalised))
    }

    /// `Option::validate`: min, max, then enum (str only).
    fn validate(&self, value: &Value) -> Result<(), ParseError> {
        if let Some(min) = &self.min {
            if value.compare(min) == Some(Ordering::Less) {
                return Err(ParseError::invalid(format!(
                    "Value '{}' is below minimum {}",
                    value.to_text(),
                    min.to_text()
                )));
            }
        }
        if let Some(max) = &self.max {
            if value.compare(max) == Some(Ordering::Greater) {
                return Err(ParseError::invalid(format!(
                    "Value '{}' exceeds maximum {}",
                    value.to_text(),
                    max.to_text()
                )));
            }
        }
        if let Value::Str(s) = value {
            if !self.enum_allowed.is_empty() && !self.enum_allowed.iter().any(|e| e == s) {
                return Err(ParseError::invalid(format!(
                    "'{}' is not one of the permitted values: {}",
                    s,
                    self.enum_allowed.join(", ")
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(ty: OptionType) -> Schema<'static> {
        Schema {
            ty,
            min: None,
            max: None,
            enum_allowed: &[],
            validator: None,
        }
    }

    fn ok(ty: OptionType, raw: &str) -> String {
        match plain(ty).parse_value(raw) {
            Ok((_, s)) => s,
            Err(e) => panic!("{ty:?} {raw:?}: {e:?}"),
        }
    }

    fn err(ty: OptionType, raw: &str) -> String {
        match plain(ty).parse_value(raw) {
            Ok((_, s)) => panic!("{ty:?} {raw:?} accepted as {s:?}"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn per_type_normalisation() {
        assert_eq!(ok(OptionType::Int, "1K"), "1000");
        assert_eq!(ok(OptionType::Int, "5\0K"), "5");
        assert_eq!(ok(OptionType::Uint, "-0"), "0");
        assert_eq!(ok(OptionType::Float, "1e3"), "1000.000000");
        assert_eq!(ok(OptionType::Float, "-0"), "-0.000000");
        assert_eq!(ok(OptionType::Float, "-nan"), "-nan");
        assert_eq!(ok(OptionType::Float, "inf"), "inf");
        assert_eq!(ok(OptionType::Bool, "TRUE"), "true");
        assert_eq!(ok(OptionType::Bool, " 1"), "true");
        assert_eq!(ok(OptionType::Bool, "true\0x"), "true");
        assert_eq!(ok(OptionType::Str, "a\0b"), "a\0b");
        assert_eq!(ok(OptionType::Secs, "2h"), "7200");
        assert_eq!(ok(OptionType::Size, "1K"), "1024");
        assert_eq!(ok(OptionType::Millisecs, "-1"), "18446744073709551615");
        assert_eq!(ok(OptionType::Addr, "1.2.3.4:80"), "v2:1.2.3.4:80/0");
        assert_eq!(ok(OptionType::Addrvec, "[-]"), "-");
        assert_eq!(
            ok(OptionType::Uuid, "0123456789ABCDEF0123456789ABCDEF"),
            "01234567-89ab-cdef-0123-456789abcdef"
        );
        assert_eq!(err(OptionType::Addr, "x"), "");
        assert_eq!(err(OptionType::Uuid, "x"), "");
        assert_eq!(err(OptionType::Secs, "abc"), "expected digit");
        assert_eq!(
            err(OptionType::Millisecs, " 5"),
            "bad lexical cast: source type value could not be interpreted as target"
        );
    }

    #[test]
    fn debug_validator() {
        let s = Schema {
            ty: OptionType::Str,
            min: None,
            max: None,
            enum_allowed: &[],
            validator: Some(Validator::DebugLevel),
        };
        let p = |raw: &str| {
            s.parse_value(raw)
                .map(|(_, t)| t)
                .map_err(|e| (e.errno, e.message))
        };
        assert_eq!(p("20"), Ok("20/20".into()));
        assert_eq!(p("20/5"), Ok("20/5".into()));
        assert_eq!(p("20/abc"), Ok("20/20".into()));
        assert_eq!(p("0x5"), Ok("0/0".into()));
        assert_eq!(p("1/2/3"), Ok("1/2/3".into()));
        assert_eq!(p("5/ 7"), Ok("5/ 7".into()));
        assert_eq!(p("4294967301"), Ok("5/5".into()));
        assert_eq!(p("5/4294967301"), Ok("5/4294967301".into()));
        let form = "value must take the form N or N/M, where N and M are integers".to_string();
        let range = "value must be in range [0, 99]".to_string();
        assert_eq!(p("abc"), Err((22, form.clone())));
        assert_eq!(p(""), Err((22, form.clone())));
        assert_eq!(p("/5"), Err((22, form)));
        assert_eq!(p("100"), Err((34, range.clone())));
        assert_eq!(p("5/-1"), Err((34, range.clone())));
        assert_eq!(p("99999999999999999999"), Err((34, range)));
    }

    #[test]
    fn bounds_and_enum() {
        let allowed = vec!["a".to_string(), "b".to_string()];
        let s = Schema {
            ty: OptionType::Str,
            min: None,
            max: None,
            enum_allowed: &allowed,
            validator: None,
        };
        assert_eq!(
            s.parse_value("c").map_err(|e| e.message),
            Err("'c' is not one of the permitted values: a, b".to_string())
        );
        let s = Schema {
            ty: OptionType::Float,
            min: Some(Value::Float(0.5)),
            max: Some(Value::Float(2.5)),
            enum_allowed: &[],
            validator: None,
        };
        assert_eq!(
            s.parse_value("3").map_err(|e| e.message),
            Err("Value '3.000000' exceeds maximum 2.500000".to_string())
        );
        // NaN compares false both ways, so it passes the bounds
        assert!(s.parse_value("nan").is_ok());
    }

    #[test]
    fn json_floats() {
        assert_eq!(json_float(15.0), Json::from(15));
        assert_eq!(json_float(0.95), Json::from(0.95));
        assert_eq!(json_float(1e17), Json::from(1e17));
        assert_eq!(json_float(f64::NAN), Json::Null);
    }
}
