//! A minimal arbitrary-precision signed integer, standing in for Python's `int`.
//!
//! `ceph_argparse` parses `CephInt`/`CephOsdName` words with Python's unbounded `int()`, then
//! compares them with the descriptor range and formats them into error texts. To reproduce
//! those texts for any word we need exact comparison and decimal formatting of big values;
//! nothing else (no arithmetic between big values).

use std::cmp::Ordering;

/// CPython 3.11's default `sys.get_int_max_str_digits()`: converting an `int` with more
/// decimal digits than this to or from a decimal string raises `ValueError`.
pub(crate) const MAX_STR_DIGITS: usize = 4300;

/// The `ValueError` text CPython raises when formatting an `int` above [`MAX_STR_DIGITS`].
pub(crate) const TOO_MANY_DIGITS_TO_STR: &str = "Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit";

/// Sign and magnitude; the magnitude is little-endian base 2^32 without high zero limbs,
/// and zero is never negative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PyInt {
    neg: bool,
    mag: Vec<u32>,
}

impl PyInt {
    pub(crate) fn zero() -> PyInt {
        PyInt {
            neg: false,
            mag: Vec::new(),
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.mag.is_empty()
    }

    pub(crate) fn is_negative(&self) -> bool {
        self.neg
    }

    /// Builds a value from digit values (each `< base`), most significant first.
    pub(crate) fn from_digits(neg: bool, digits: &[u32], base: u32) -> PyInt {
        let mut v = PyInt::zero();
        if base.is_power_of_two() {
            // O(n) bit packing so that long hex words stay cheap.
            let bits = base.trailing_zeros();
            let mut acc: u64 = 0;
            let mut nacc: u32 = 0;
            for &d in digits.iter().rev() {
                acc |= u64::from(d) << nacc;
                nacc += bits;
                if nacc >= 32 {
                    v.mag.push((acc & 0xffff_ffff) as u32);
                    acc >>= 32;
                    nacc -= 32;
                }
            }
            if nacc > 0 {
                v.mag.push((acc & 0xffff_ffff) as u32);
            }
        } else {
            for &d in digits {
                v.mul_add(base, d);
            }
        }
        v.trim();
        v.neg = neg && !v.is_zero();
        v
    }

    pub(crate) fn from_i64(x: i64) -> PyInt {
        let neg = x < 0;
        let m = x.unsigned_abs();
        let mut v = PyInt {
            neg,
            mag: vec![(m & 0xffff_ffff) as u32, (m >> 32) as u32],
        };
        v.trim();
        v.neg = neg && !v.is_zero();
        v
    }

    fn trim(&mut self) {
        while self.mag.last() == Some(&0) {
            self.mag.pop();
        }
    }

    fn mul_add(&mut self, mul: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in self.mag.iter_mut() {
            let t = u64::from(*limb) * u64::from(mul) + carry;
            *limb = (t & 0xffff_ffff) as u32;
            carry = t >> 32;
        }
        if carry > 0 {
            self.mag.push(carry as u32);
        }
    }

    /// Divides the magnitude in place, returning the remainder.
    fn divmod_small(mag: &mut Vec<u32>, div: u32) -> u32 {
        let mut rem: u64 = 0;
        for limb in mag.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / u64::from(div)) as u32;
            rem = cur % u64::from(div);
        }
        while mag.last() == Some(&0) {
            mag.pop();
        }
        rem as u32
    }

    /// `str(int)`, or `Err` with CPython's text when the value has more than
    /// [`MAX_STR_DIGITS`] decimal digits.
    pub(crate) fn to_decimal(&self) -> Result<String, String> {
        // 4300 decimal digits need about 14284 bits; anything far above cannot fit.
        if self.mag.len() > 460 {
            return Err(TOO_MANY_DIGITS_TO_STR.to_string());
        }
        let mut mag = self.mag.clone();
        let mut chunks = Vec::new();
        while !mag.is_empty() {
            chunks.push(Self::divmod_small(&mut mag, 1_000_000_000));
        }
        let mut out = String::new();
        if self.neg {
            out.push('-');
        }
        match chunks.split_last() {
            None => out.push('0'),
            Some((top, rest)) => {
                out.push_str(&top.to_string());
                for c in rest.iter().rev() {
                    out.push_str(&format!("{c:09}"));
                }
            }
        }
        let ndigits = out.len() - usize::from(self.neg);
        if ndigits > MAX_STR_DIGITS {
            return Err(TOO_MANY_DIGITS_TO_STR.to_string());
        }
        Ok(out)
    }

    /// The value as `i64` if it fits.
    pub(crate) fn to_i64(&self) -> Option<i64> {
        let m = self.magnitude_u64()?;
        if self.neg {
            if m <= 1u64 << 63 {
                Some((m as i64).wrapping_neg())
            } else {
                None
            }
        } else {
            i64::try_from(m).ok()
        }
    }

    fn magnitude_u64(&self) -> Option<u64> {
        match self.mag.as_slice() {
            [] => Some(0),
            [a] => Some(u64::from(*a)),
            [a, b] => Some(u64::from(*a) | (u64::from(*b) << 32)),
            _ => None,
        }
    }

    /// JSON number as Python's `json.dumps` would write it, within what `serde_json` can hold:
    /// values outside `i64`/`u64` degrade to the nearest `f64` (documented divergence).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        if let Some(i) = self.to_i64() {
            return serde_json::Value::from(i);
        }
        if !self.neg {
            if let Some(u) = self.magnitude_u64() {
                return serde_json::Value::from(u);
            }
        }
        let mut f = 0.0f64;
        for limb in self.mag.iter().rev() {
            f = f * 4_294_967_296.0 + f64::from(*limb);
        }
        if self.neg {
            f = -f;
        }
        serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }

    fn cmp_mag(a: &[u32], b: &[u32]) -> Ordering {
        a.len()
            .cmp(&b.len())
            .then_with(|| a.iter().rev().cmp(b.iter().rev()))
    }
}

impl Ord for PyInt {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.neg, other.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => Self::cmp_mag(&self.mag, &other.mag),
            (true, true) => Self::cmp_mag(&other.mag, &self.mag),
        }
    }
}

impl PartialOrd for PyInt {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn dec(s: &str) -> PyInt {
        let (neg, body) = match s.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, s),
        };
        let digits: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
        PyInt::from_digits(neg, &digits, 10)
    }

    #[test]
    fn decimal_round_trip() {
        for s in [
            "0",
            "1",
            "-1",
            "4294967296",
            "18446744073709551616",
            "-9223372036854775808",
            "123456789012345678901234567890",
        ] {
            assert_eq!(dec(s).to_decimal().unwrap(), s);
        }
        assert_eq!(dec("-0").to_decimal().unwrap(), "0");
    }

    #[test]
    fn hex_and_order() {
        let h = PyInt::from_digits(false, &[0xf, 0xf, 0xf, 0xf, 0xf, 0xf, 0xf, 0xf, 0xf], 16);
        assert_eq!(h.to_decimal().unwrap(), "68719476735");
        assert!(dec("-5") < dec("3"));
        assert!(dec("-5") < dec("-3"));
        assert!(dec("18446744073709551616") > dec("18446744073709551615"));
        assert_eq!(PyInt::from_i64(-7), dec("-7"));
        assert_eq!(dec("9223372036854775807").to_i64(), Some(i64::MAX));
        assert_eq!(dec("-9223372036854775808").to_i64(), Some(i64::MIN));
        assert_eq!(dec("9223372036854775808").to_i64(), None);
        assert_eq!(
            dec("18446744073709551615").to_json(),
            serde_json::json!(u64::MAX)
        );
    }

    #[test]
    fn digit_limit() {
        let ok = "9".repeat(MAX_STR_DIGITS);
        assert!(dec(&ok).to_decimal().is_ok());
        let too = "9".repeat(MAX_STR_DIGITS + 1);
        assert!(dec(&too).to_decimal().is_err());
    }
}
