//! The Python value a module sees for a stored option string (`get_python_typed_option_value`,
//! module_loading.md §5.4): the same conversion serves `_ceph_get_module_option`,
//! `_ceph_get_option` and `_ceph_get_foreign_option`.

pub use crate::python::number::PyConversionError;
use crate::python::number::{py_float_from_string, py_long_from_string, PyInt};
use crate::strtol::c_str;
use crate::types::OptionType;

/// A converted option value, ready to become a Python object.
#[derive(Clone, Debug, PartialEq)]
pub enum TypedValue {
    Str(String),
    Int(i64),
    /// A Python `int` beyond `i64` (e.g. a `size` of `15E`), as decimal digits with an
    /// optional leading `-`; build it with `int(text)` on the Python side.
    BigInt(String),
    Float(f64),
    Bool(bool),
}

/// Convert stored option text by declared type; `Err` is the `ValueError` text, e.g.
/// `invalid literal for int() with base 10: '1K'` or `could not convert string to float: '5m'`.
/// The C++ side hands Python a C string, so everything from the first NUL on is dropped.
pub fn typed_value(ty: OptionType, stored: &str) -> Result<TypedValue, String> {
    python_typed_value(ty, stored).map_err(|e| e.message)
}

/// [`typed_value`] with the Python exception class (`ValueError` or `UnicodeDecodeError`).
pub fn python_typed_value(ty: OptionType, stored: &str) -> Result<TypedValue, PyConversionError> {
    let s = c_str(stored);
    match ty {
        OptionType::Int | OptionType::Uint | OptionType::Size => {
            py_long_from_string(s).map(|i| match i {
                PyInt::Small(v) => TypedValue::Int(v),
                PyInt::Big(t) => TypedValue::BigInt(t),
            })
        }
        OptionType::Float | OptionType::Secs | OptionType::Millisecs => {
            py_float_from_string(s).map(TypedValue::Float)
        }
        OptionType::Bool => Ok(TypedValue::Bool(matches!(
            s,
            "1" | "true" | "True" | "on" | "yes"
        ))),
        OptionType::Str | OptionType::Addr | OptionType::Addrvec | OptionType::Uuid => {
            Ok(TypedValue::Str(s.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformance_e_cases() {
        // E12 / E13: the raw text the module itself set, before the mon normalised it
        assert_eq!(
            typed_value(OptionType::Secs, "5m"),
            Err("could not convert string to float: '5m'".to_string())
        );
        assert_eq!(
            typed_value(OptionType::Secs, "300"),
            Ok(TypedValue::Float(300.0))
        );
        assert_eq!(
            typed_value(OptionType::Size, "1K"),
            Err("invalid literal for int() with base 10: '1K'".to_string())
        );
        assert_eq!(
            typed_value(OptionType::Size, "1024"),
            Ok(TypedValue::Int(1024))
        );
        // E20
        assert_eq!(
            typed_value(OptionType::Str, "20/20"),
            Ok(TypedValue::Str("20/20".into()))
        );
        assert_eq!(
            typed_value(OptionType::Bool, "true"),
            Ok(TypedValue::Bool(true))
        );
        assert_eq!(
            typed_value(OptionType::Float, "0.950000"),
            Ok(TypedValue::Float(0.95))
        );
        assert_eq!(
            typed_value(OptionType::Secs, "2"),
            Ok(TypedValue::Float(2.0))
        );
        assert_eq!(
            typed_value(OptionType::Size, "4294967296"),
            Ok(TypedValue::Int(4_294_967_296))
        );
        // E6/E9/E14
        assert_eq!(typed_value(OptionType::Int, "7"), Ok(TypedValue::Int(7)));
        assert_eq!(
            typed_value(OptionType::Addr, "1.2.3.4:80"),
            Ok(TypedValue::Str("1.2.3.4:80".into()))
        );
        assert_eq!(
            typed_value(OptionType::Millisecs, "100"),
            Ok(TypedValue::Float(100.0))
        );
    }

    #[test]
    fn bool_words() {
        for t in ["1", "true", "True", "on", "yes"] {
            assert_eq!(
                typed_value(OptionType::Bool, t),
                Ok(TypedValue::Bool(true)),
                "{t}"
            );
        }
        for f in ["TRUE", "0", "false", "False", "", "2", "Yes", "maybe"] {
            assert_eq!(
                typed_value(OptionType::Bool, f),
                Ok(TypedValue::Bool(false)),
                "{f}"
            );
        }
    }

    #[test]
    fn big_and_nul() {
        assert_eq!(
            typed_value(OptionType::Size, "17293822569102704640"),
            Ok(TypedValue::BigInt("17293822569102704640".into()))
        );
        assert_eq!(
            typed_value(OptionType::Str, "a\0b"),
            Ok(TypedValue::Str("a".into()))
        );
        assert_eq!(typed_value(OptionType::Int, "1\0x"), Ok(TypedValue::Int(1)));
        assert_eq!(
            python_typed_value(OptionType::Int, "010").map_err(|e| e.exception),
            Err("ValueError")
        );
    }
}
