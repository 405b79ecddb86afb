//! Ceph's strict numeric parsers (`src/common/strtol.cc` as built into 16.2.15) on top of
//! emulations of the glibc primitives they call (`strtoll`, `strtod`), with the exact error
//! texts the mon returns. Pure functions over `&str`; a NUL byte ends the text wherever the C
//! code received a `c_str()` (callers cut it first with [`c_str`]).

/// What a C function taking `const char*` sees of a Rust string: everything before the first NUL.
pub(crate) fn c_str(s: &str) -> &str {
    match s.find('\0') {
        Some(i) => s.get(..i).unwrap_or(""),
        None => s,
    }
}

/// `isspace()` in the C locale.
pub(crate) fn c_isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Result of [`strtoll`]: the value glibc returns, how many bytes it consumed (0 when no
/// digits were found, as `endptr == nptr`), and whether `errno` was set to `ERANGE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrtollResult {
    pub value: i64,
    pub consumed: usize,
    pub erange: bool,
}

/// glibc `strtoll(s, &end, 10)`: leading C-locale whitespace, an optional sign, decimal digits;
/// saturates at `LLONG_MIN`/`LLONG_MAX` with `ERANGE`.
pub(crate) fn strtoll(s: &[u8]) -> StrtollResult {
    let mut i = 0;
    while i < s.len() && c_isspace(s[i]) {
        i += 1;
    }
    let mut negative = false;
    if let Some(&c) = s.get(i) {
        if c == b'+' || c == b'-' {
            negative = c == b'-';
            i += 1;
        }
    }
    let digits_start = i;
    // accumulate the magnitude as u64 and clamp; i64::MIN's magnitude is 2^63
    let limit: u64 = if negative {
        1u64 << 63
    } else {
        i64::MAX as u64
    };
    let mut mag: u64 = 0;
    let mut overflow = false;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        let d = u64::from(c - b'0');
        match mag.checked_mul(10).and_then(|m| m.checked_add(d)) {
            Some(m) if m <= limit => mag = m,
            _ => overflow = true,
        }
        i += 1;
    }
    if i == digits_start {
        return StrtollResult {
            value: 0,
            consumed: 0,
            erange: false,
        };
    }
    let value = if overflow {
        if negative {
            i64::MIN
        } else {
            i64::MAX
        }
    } else if negative {
        // mag <= 2^63 here
        0i64.wrapping_sub_unsigned(mag)
    } else {
        i64::try_from(mag).unwrap_or(i64::MAX)
    };
    StrtollResult {
        value,
        consumed: i,
        erange: overflow,
    }
}

/// `strict_strtoll(str, 10, &err)`.
pub(crate) fn strict_strtoll(s: &str) -> Result<i64, String> {
    let r = strtoll(s.as_bytes());
    if r.consumed == 0 || r.consumed != s.len() {
        return Err(format!("Expected option value to be integer, got '{s}'"));
    }
    if r.erange {
        return Err(format!("The option value '{s}' seems to be invalid"));
    }
    Ok(r.value)
}

/// `strict_strtol(str, 10, &err)`: `strict_strtoll` narrowed to `int`.
pub(crate) fn strict_strtol(s: &str) -> Result<i32, String> {
    let v = strict_strtoll(s)?;
    i32::try_from(v).map_err(|_| format!("The option value '{s}' seems to be invalid"))
}

/// `strict_strtob`: `true`/`false` in any case, else an `int` (non-zero is true).
pub(crate) fn strict_strtob(s: &str) -> Result<bool, String> {
    if s.eq_ignore_ascii_case("false") {
        Ok(false)
    } else if s.eq_ignore_ascii_case("true") {
        Ok(true)
    } else {
        strict_strtol(s).map(|v| v != 0)
    }
}

/// Whether the parsed integer may be negative (`std::numeric_limits<T>::is_signed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signedness {
    Signed,
    Unsigned,
}

/// `strict_si_cast<int64_t|uint64_t>`: decimal with an optional trailing SI prefix
/// `K M G T P E` (powers of 1000). `B` is "recognised" but not stripped, so `5B` fails in
/// `strtoll`. Returns the value as i128 so both target types fit.
pub(crate) fn strict_si_cast(s: &str, sign: Signedness) -> Result<i128, String> {
    if s.is_empty() {
        return Err("strict_sistrtoll: value not specified".to_string());
    }
    let bytes = s.as_bytes();
    let mut n = s;
    let mut m: u32 = 0;
    if bytes
        .iter()
        .any(|&b| !(b.is_ascii_digit() || b == b'+' || b == b'-'))
    {
        let last = bytes.last().copied().unwrap_or(0);
        m = match last {
            b'K' => 3,
            b'M' => 6,
            b'G' => 9,
            b'T' => 12,
            b'P' => 15,
            b'E' => 18,
            b'B' => 0,
            _ => return Err("strict_si_cast: unit prefix not recognized".to_string()),
        };
        if m >= 3 {
            // the unit is one ASCII byte, so this is a char boundary
            n = s.get(..s.len() - 1).unwrap_or("");
        }
    }
    // strict_strtoll's error is kept when it fails (ll is then 0 and passes the checks below)
    let ll = strict_strtoll(n)?;
    if ll < 0 && sign == Signedness::Unsigned {
        return Err("strict_sistrtoll: value should not be negative".to_string());
    }
    let coefficient: i128 = 10i128.pow(m);
    let (min, max): (i128, i128) = match sign {
        Signedness::Signed => (i128::from(i64::MIN), i128::from(i64::MAX)),
        Signedness::Unsigned => (0, i128::from(u64::MAX)),
    };
    // integer division truncates toward zero, like the C++ clamp bounds
    let v = i128::from(ll);
    if v < min / coefficient || v > max / coefficient {
        return Err("strict_sistrtoll: value out of range".to_string());
    }
    Ok(v * coefficient)
}

/// `strict_iecstrtoll` (`strict_iec_cast<uint64_t>`) as built into 16.2.15: an integer with
/// an optional IEC/legacy prefix (`K`, `Ki`, `KB`, … powers of 1024); only the first byte of
/// the unit selects the multiplier.
pub(crate) fn strict_iecstrtoll(s: &str) -> Result<u64, String> {
    if s.is_empty() {
        return Err("strict_iecstrtoll: value not specified".to_string());
    }
    let bytes = s.as_bytes();
    let mut n = s;
    let mut m: u32 = 0;
    if let Some(u) = bytes
        .iter()
        .position(|&b| !(b.is_ascii_digit() || b == b'+' || b == b'-'))
    {
        n = s.get(..u).unwrap_or("");
        let unit = bytes.get(u..).unwrap_or(&[]);
        let front = unit.first().copied().unwrap_or(0);
        let back = unit.last().copied().unwrap_or(0);
        if back == b'i' && front == b'B' {
            return Err("strict_iecstrtoll: illegal prefix \"Bi\"".to_string());
        }
        if unit.len() > 2 {
            return Err("strict_iecstrtoll: illegal prefix (length > 2)".to_string());
        }
        m = match front {
            b'K' => 10,
            b'M' => 20,
            b'G' => 30,
            b'T' => 40,
            b'P' => 50,
            b'E' => 60,
            b'B' => 0,
            _ => return Err("strict_iecstrtoll: unit prefix not recognized".to_string()),
        };
    }
    let ll = strict_strtoll(n)?;
    if ll < 0 {
        return Err("strict_iecstrtoll: value should not be negative".to_string());
    }
    let v = u64::try_from(ll).unwrap_or(0);
    if v > u64::MAX >> m {
        return Err("strict_iecstrtoll: value seems to be too large".to_string());
    }
    Ok(v << m)
}

/// glibc `strtod` result: value, bytes consumed (0 = nothing parsed), `ERANGE`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StrtodResult {
    pub value: f64,
    pub consumed: usize,
    pub erange: bool,
}

/// glibc `strtod` in the C locale: whitespace, sign, then `inf`/`infinity`/`nan`/`nan(...)`,
/// a hex float (`0x1.8p3`) or a decimal float. `ERANGE` on overflow to ±inf and on underflow
/// (a non-zero input that lands in the subnormal range or at zero).
pub(crate) fn strtod(s: &[u8]) -> StrtodResult {
    let none = StrtodResult {
        value: 0.0,
        consumed: 0,
        erange: false,
    };
    let mut i = 0;
    while i < s.len() && c_isspace(s[i]) {
        i += 1;
    }
    let mut negative = false;
    if let Some(&c) = s.get(i) {
        if c == b'+' || c == b'-' {
            negative = c == b'-';
            i += 1;
        }
    }
    let sign = |v: f64| if negative { -v } else { v };
    let rest = s.get(i..).unwrap_or(&[]);
    if starts_with_ci(rest, b"inf") {
        let len = if starts_with_ci(rest, b"infinity") {
            8
        } else {
            3
        };
        return StrtodResult {
            value: sign(f64::INFINITY),
            consumed: i + len,
            erange: false,
        };
    }
    if starts_with_ci(rest, b"nan") {
        let mut len = 3;
        // optional "(n-char-sequence)"
        if rest.get(3) == Some(&b'(') {
            let mut j = 4;
            while let Some(&c) = rest.get(j) {
                if c.is_ascii_alphanumeric() || c == b'_' {
                    j += 1;
                } else {
                    break;
                }
            }
            if rest.get(j) == Some(&b')') {
                len = j + 1;
            }
        }
        return StrtodResult {
            value: sign(f64::NAN),
            consumed: i + len,
            erange: false,
        };
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] == b'x' || rest[1] == b'X') {
        if let Some((v, len, erange)) = parse_hex_float(rest.get(2..).unwrap_or(&[])) {
            return StrtodResult {
                value: sign(v),
                consumed: i + 2 + len,
                erange,
            };
        }
        // "0x" without hex digits parses as the decimal "0", stopping at the 'x'
        return StrtodResult {
            value: sign(0.0),
            consumed: i + 1,
            erange: false,
        };
    }
    // decimal: digits [. digits] [e [sign] digits]
    let mut j = 0;
    let mut mantissa_digits = 0;
    let mut nonzero = false;
    while let Some(&c) = rest.get(j) {
        if !c.is_ascii_digit() {
            break;
        }
        nonzero |= c != b'0';
        mantissa_digits += 1;
        j += 1;
    }
    if rest.get(j) == Some(&b'.') {
        let mut k = j + 1;
        while let Some(&c) = rest.get(k) {
            if !c.is_ascii_digit() {
                break;
            }
            nonzero |= c != b'0';
            mantissa_digits += 1;
            k += 1;
        }
        if mantissa_digits > 0 {
            j = k;
        }
    }
    if mantissa_digits == 0 {
        return none;
    }
    if matches!(rest.get(j), Some(b'e') | Some(b'E')) {
        let mut k = j + 1;
        if matches!(rest.get(k), Some(b'+') | Some(b'-')) {
            k += 1;
        }
        let exp_start = k;
        while let Some(&c) = rest.get(k) {
            if !c.is_ascii_digit() {
                break;
            }
            k += 1;
        }
        if k > exp_start {
            j = k;
        }
    }
    let text = std::str::from_utf8(rest.get(..j).unwrap_or(&[])).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    // glibc reports underflow only for an inexact result that lands below DBL_MIN
    let erange = v.is_infinite()
        || (nonzero && (v == 0.0 || (v < f64::MIN_POSITIVE && !decimal_is_exact(text, v))));
    StrtodResult {
        value: sign(v),
        consumed: i + j,
        erange,
    }
}

/// Whether the decimal text (no sign) denotes exactly the (positive, finite) double `v`.
fn decimal_is_exact(text: &str, v: f64) -> bool {
    canonical_decimal(text) == canonical_decimal(&format!("{v:.1100e}"))
}

/// Significant digits and the power of ten of the first one, of `d[.d][e±x]` text.
fn canonical_decimal(text: &str) -> Option<(String, i64)> {
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (text.get(..i)?, text.get(i + 1..)?.parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (int_part, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = format!("{int_part}{frac}");
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all
        .trim_start_matches('0')
        .trim_end_matches('0')
        .to_string();
    let int_len = i64::try_from(int_part.len()).ok()?;
    let lead = i64::try_from(lead).ok()?;
    Some((digits, exp + int_len - lead - 1))
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s.iter().zip(prefix).all(|(a, b)| a.eq_ignore_ascii_case(b))
}

/// The part of a hex float after "0x": hex digits [. hex digits] [p [sign] decimal digits].
/// Returns (magnitude, bytes consumed, erange) or None when there is no hex digit.
fn parse_hex_float(s: &[u8]) -> Option<(f64, usize, bool)> {
    let mut j = 0;
    let mut digits: Vec<u8> = Vec::new();
    let mut frac_digits: i64 = 0;
    while let Some(&c) = s.get(j) {
        match hex_val(c) {
            Some(d) => digits.push(d),
            None => break,
        }
        j += 1;
    }
    if s.get(j) == Some(&b'.') {
        let mut k = j + 1;
        let mut any = !digits.is_empty();
        while let Some(&c) = s.get(k) {
            match hex_val(c) {
                Some(d) => {
                    digits.push(d);
                    frac_digits += 1;
                    any = true;
                }
                None => break,
            }
            k += 1;
        }
        if any {
            j = k;
        }
    }
    if digits.is_empty() {
        return None;
    }
    let mut exp: i64 = 0;
    if matches!(s.get(j), Some(b'p') | Some(b'P')) {
        let mut k = j + 1;
        let mut eneg = false;
        if let Some(&c) = s.get(k) {
            if c == b'+' || c == b'-' {
                eneg = c == b'-';
                k += 1;
            }
        }
        let start = k;
        let mut e: i64 = 0;
        while let Some(&c) = s.get(k) {
            if !c.is_ascii_digit() {
                break;
            }
            e = e.saturating_mul(10).saturating_add(i64::from(c - b'0'));
            k += 1;
        }
        if k > start {
            exp = if eneg { -e } else { e };
            j = k;
        }
    }
    // value = sum(digits) * 16^-frac * 2^exp, computed exactly enough: fold the significant
    // bits into a u128 mantissa, keep track of the binary exponent, round once at the end.
    let mut mant: u128 = 0;
    let mut bin_exp: i64 = exp.saturating_sub(frac_digits.saturating_mul(4));
    let mut sticky = false;
    let mut nonzero = false;
    for &d in &digits {
        nonzero |= d != 0;
        if mant >> 120 == 0 {
            mant = (mant << 4) | u128::from(d);
        } else {
            sticky |= d != 0;
            bin_exp = bin_exp.saturating_add(4);
        }
    }
    if !nonzero {
        return Some((0.0, j, false));
    }
    let (v, inexact) = compose_binary(mant, sticky, bin_exp);
    let erange = v.is_infinite() || (inexact && v < f64::MIN_POSITIVE);
    Some((v, j, erange))
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Round `mant * 2^exp` (plus a sticky bit below `mant`) to the nearest f64, ties to even;
/// also says whether rounding lost anything.
fn compose_binary(mant: u128, sticky: bool, exp: i64) -> (f64, bool) {
    if mant == 0 {
        return (0.0, sticky);
    }
    let bits = 128 - i64::from(mant.leading_zeros());
    // the top bit of mant is worth 2^top
    let top = exp.saturating_add(bits - 1);
    if top > 1023 {
        return (f64::INFINITY, true);
    }
    // the lowest representable bit: 2^-1074 for subnormals, else 52 below the top bit
    let lsb = (top - 52).max(-1074);
    let drop = lsb - exp;
    let (mut kept, inexact) = if drop > 0 {
        if drop > 127 {
            // everything is below half an ulp unless it is exactly at it (not possible here)
            (0u128, true)
        } else {
            let d = u32::try_from(drop).unwrap_or(127);
            let kept = mant >> d;
            let rem = mant & ((1u128 << d) - 1);
            let half = 1u128 << (d - 1);
            let round_up = rem > half || (rem == half && (sticky || kept & 1 == 1));
            (if round_up { kept + 1 } else { kept }, rem != 0 || sticky)
        }
    } else {
        let d = u32::try_from(-drop).unwrap_or(0);
        (mant << d, sticky)
    };
    let mut e = lsb;
    if kept >> 53 != 0 {
        kept >>= 1;
        e += 1;
    }
    if e + 52 > 1023 && kept >> 52 != 0 {
        return (f64::INFINITY, true);
    }
    // kept < 2^53 is exact as f64; scale by 2^e in two exact steps
    #[allow(clippy::cast_precision_loss)]
    let kept_f = kept as f64;
    let half_e = e / 2;
    let pow = |p: i64| 2f64.powi(i32::try_from(p).unwrap_or(0));
    (kept_f * pow(half_e) * pow(e - half_e), inexact)
}

/// `strict_strtod`, including its check order (range error first).
pub(crate) fn strict_strtod(s: &str) -> Result<f64, String> {
    let r = strtod(s.as_bytes());
    if r.erange {
        return Err(format!(
            "strict_strtod: floating point overflow or underflow parsing '{s}'"
        ));
    }
    if r.consumed == 0 {
        return Err(format!("strict_strtod: expected double, got: '{s}'"));
    }
    if r.consumed != s.len() {
        return Err(format!(
            "strict_strtod: garbage at end of string. got: '{s}'"
        ));
    }
    Ok(r.value)
}

/// glibc `strtol` followed by a cast to `int`, as `sscanf("%d")` stores it: saturate at
/// `LONG_MIN`/`LONG_MAX`, then keep the low 32 bits. `None` when there is no digit.
pub(crate) fn scanf_int(s: &[u8]) -> Option<(i32, usize)> {
    let r = strtoll(s);
    if r.consumed == 0 {
        return None;
    }
    // truncation to the low 32 bits is what the C cast does
    #[allow(clippy::cast_possible_truncation)]
    let v = r.value as i32;
    Some((v, r.consumed))
}

/// `boost::lexical_cast<uint64_t>(str)`: optional sign, then only decimal digits; a minus
/// sign negates modulo 2^64; overflow fails.
pub(crate) fn lexical_cast_u64(s: &str) -> Result<u64, String> {
    const ERR: &str = "bad lexical cast: source type value could not be interpreted as target";
    let b = s.as_bytes();
    let (negative, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ERR.to_string());
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(d - b'0')))
            .ok_or_else(|| ERR.to_string())?;
    }
    Ok(if negative { v.wrapping_neg() } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtoll_basics() {
        assert_eq!(
            strtoll(b" -12x"),
            StrtollResult {
                value: -12,
                consumed: 4,
                erange: false
            }
        );
        assert_eq!(strtoll(b"abc").consumed, 0);
        assert_eq!(strtoll(b"-").consumed, 0);
        let r = strtoll(b"9223372036854775808");
        assert!(r.erange);
        assert_eq!(r.value, i64::MAX);
        let r = strtoll(b"-9223372036854775808");
        assert!(!r.erange);
        assert_eq!(r.value, i64::MIN);
    }

    #[test]
    fn si_cast() {
        let s = Signedness::Signed;
        let u = Signedness::Unsigned;
        assert_eq!(strict_si_cast("5K", s), Ok(5000));
        assert_eq!(strict_si_cast(" 5K", s), Ok(5000));
        assert_eq!(
            strict_si_cast(" 5", s),
            Err("strict_si_cast: unit prefix not recognized".into())
        );
        assert_eq!(
            strict_si_cast("5B", s),
            Err("Expected option value to be integer, got '5B'".into())
        );
        assert_eq!(
            strict_si_cast("K", s),
            Err("Expected option value to be integer, got ''".into())
        );
        assert_eq!(
            strict_si_cast("", s),
            Err("strict_sistrtoll: value not specified".into())
        );
        assert_eq!(
            strict_si_cast("-1", u),
            Err("strict_sistrtoll: value should not be negative".into())
        );
        assert_eq!(strict_si_cast("10E", u), Ok(10_000_000_000_000_000_000));
        assert_eq!(
            strict_si_cast("10E", s),
            Err("strict_sistrtoll: value out of range".into())
        );
        assert_eq!(
            strict_si_cast("9223372036854775808", s),
            Err("The option value '9223372036854775808' seems to be invalid".into())
        );
    }

    #[test]
    fn iec() {
        assert_eq!(strict_iecstrtoll("1K"), Ok(1024));
        assert_eq!(strict_iecstrtoll("1KB"), Ok(1024));
        assert_eq!(strict_iecstrtoll("1Ki"), Ok(1024));
        assert_eq!(strict_iecstrtoll("1KK"), Ok(1024));
        assert_eq!(strict_iecstrtoll("1BK"), Ok(1));
        assert_eq!(strict_iecstrtoll("15E"), Ok(17_293_822_569_102_704_640));
        assert_eq!(
            strict_iecstrtoll("16E"),
            Err("strict_iecstrtoll: value seems to be too large".into())
        );
        assert_eq!(
            strict_iecstrtoll("1KiB"),
            Err("strict_iecstrtoll: illegal prefix (length > 2)".into())
        );
        assert_eq!(
            strict_iecstrtoll("1BXi"),
            Err("strict_iecstrtoll: illegal prefix \"Bi\"".into())
        );
        assert_eq!(
            strict_iecstrtoll("1k"),
            Err("strict_iecstrtoll: unit prefix not recognized".into())
        );
        assert_eq!(
            strict_iecstrtoll("-5K"),
            Err("strict_iecstrtoll: value should not be negative".into())
        );
    }

    #[test]
    fn strtod_cases() {
        assert_eq!(strict_strtod("1e3"), Ok(1000.0));
        assert_eq!(strict_strtod(" 1.5"), Ok(1.5));
        assert_eq!(strict_strtod("0x1p3"), Ok(8.0));
        assert_eq!(strict_strtod("0x1.8"), Ok(1.5));
        assert_eq!(strict_strtod(".5"), Ok(0.5));
        assert_eq!(strict_strtod("5."), Ok(5.0));
        assert!(strict_strtod("nan").is_ok_and(f64::is_nan));
        assert_eq!(strict_strtod("-INFINITY"), Ok(f64::NEG_INFINITY));
        assert_eq!(
            strict_strtod("x"),
            Err("strict_strtod: expected double, got: 'x'".into())
        );
        assert_eq!(
            strict_strtod("."),
            Err("strict_strtod: expected double, got: '.'".into())
        );
        assert_eq!(
            strict_strtod("1.5 "),
            Err("strict_strtod: garbage at end of string. got: '1.5 '".into())
        );
        assert_eq!(
            strict_strtod("1e400x"),
            Err("strict_strtod: floating point overflow or underflow parsing '1e400x'".into())
        );
        assert!(strict_strtod("1e-310").is_err());
        assert_eq!(
            strict_strtod("2.2250738585072014e-308"),
            Ok(f64::MIN_POSITIVE)
        );
        assert_eq!(
            strict_strtod("0x"),
            Err("strict_strtod: garbage at end of string. got: '0x'".into())
        );
        assert_eq!(
            strict_strtod("1e"),
            Err("strict_strtod: garbage at end of string. got: '1e'".into())
        );
        // live 16.2.15: exact subnormals are fine, inexact ones are a range error
        assert_eq!(strict_strtod("0x1p-1074"), Ok(f64::from_bits(1)));
        assert!(strict_strtod("0x1p-1075").is_err());
        assert!(strict_strtod("0x1.8p-1074").is_err());
        assert!(strict_strtod("2.2250738585072011e-308").is_err());
        assert!(strict_strtod("4.9406564584124654e-324").is_err());
        assert_eq!(strict_strtod("0x1.fffffffffffffp1023"), Ok(f64::MAX));
        assert!(strict_strtod("0x1.fffffffffffff8p1023").is_err());
        assert!(strict_strtod("0x1p1024").is_err());
        assert_eq!(strict_strtod("0x1.0000000000000008p0"), Ok(1.0));
        // ties go to even, anything above half an ulp rounds up
        assert_eq!(strict_strtod("0x1.00000000000008p0"), Ok(1.0));
        assert_eq!(
            strict_strtod("0x1.00000000000009p0"),
            Ok(1.0 + f64::EPSILON)
        );
        assert_eq!(
            strict_strtod("0x1.00000000000018p0"),
            Ok(1.0 + 2.0 * f64::EPSILON)
        );
        assert_eq!(
            strict_strtod("0x1.000000000000080000000000000000001p0"),
            Ok(1.0 + f64::EPSILON)
        );
        assert_eq!(strict_strtod("0x.8p1"), Ok(1.0));
        assert_eq!(strict_strtod("0x1."), Ok(1.0));
        assert_eq!(strict_strtod("0x1p-1022"), Ok(f64::MIN_POSITIVE));
        assert!(strict_strtod("0x.p1").is_err());
        assert!(strict_strtod("nan(abc)").is_ok_and(f64::is_nan));
        assert!(strict_strtod("nan()").is_ok_and(f64::is_nan));
        assert!(strict_strtod("nan(").is_err());
        assert!(strict_strtod("1e-4000").is_err());
        assert_eq!(strict_strtod("0e-4000"), Ok(0.0));
        assert_eq!(strict_strtod("0.0000e999999"), Ok(0.0));
        let exact = format!("{:.1100e}", f64::from_bits(3));
        assert_eq!(strict_strtod(&exact), Ok(f64::from_bits(3)));
    }

    #[test]
    fn bools_and_casts() {
        assert_eq!(strict_strtob("TrUe"), Ok(true));
        assert_eq!(strict_strtob(" 2"), Ok(true));
        assert_eq!(strict_strtob("0"), Ok(false));
        assert_eq!(
            strict_strtob("yes"),
            Err("Expected option value to be integer, got 'yes'".into())
        );
        assert_eq!(
            strict_strtob("2147483648"),
            Err("The option value '2147483648' seems to be invalid".into())
        );
        assert_eq!(lexical_cast_u64("-1"), Ok(u64::MAX));
        assert_eq!(lexical_cast_u64("+5"), Ok(5));
        assert!(lexical_cast_u64(" 5").is_err());
        assert!(lexical_cast_u64("18446744073709551616").is_err());
        assert_eq!(scanf_int(b"4294967301"), Some((5, 10)));
        assert_eq!(scanf_int(b"99999999999999999999"), Some((-1, 20)));
        assert_eq!(c_str("a\0b"), "a");
    }
}
