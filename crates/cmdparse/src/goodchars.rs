//! `CephString(goodchars=...)`: which characters a string parameter may contain.
//!
//! `ceph_argparse` keeps the characters of Python's `string.printable` for which
//! `re.match(goodchars, c)` succeeds, and rejects any word with a character outside that set.
//! With the default `goodchars=''` every printable character matches, so a plain `CephString`
//! rejects non-printable and non-ASCII characters. Descriptors use bracket classes such as
//! `[A-Za-z0-9-_.]`, whose Python syntax (a `-` after a range is literal) differs from the
//! `regex` crate's, so bracket classes are evaluated here with `sre_parse` rules; any other
//! pattern falls back to the `regex` crate.

/// Python's `string.printable`, in its order.
pub(crate) const PRINTABLE: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c";

/// A set of ASCII characters, bit `c` for character `c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CharSet(u128);

impl CharSet {
    /// Every character of [`PRINTABLE`]: U+0020..=U+007E plus `\t\n\x0b\x0c\r`.
    const ALL_PRINTABLE: CharSet =
        CharSet((((1u128 << 0x7f) - 1) & !((1u128 << 0x20) - 1)) | (0x1f << 9));

    pub(crate) fn contains(self, c: char) -> bool {
        let u = u32::from(c);
        u < 128 && (self.0 >> u) & 1 == 1
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn from_fn(f: impl Fn(char) -> bool) -> CharSet {
        let mut bits = 0u128;
        for c in PRINTABLE.chars() {
            if f(c) {
                bits |= 1u128 << u32::from(c);
            }
        }
        CharSet(bits)
    }
}

/// The `goodset` for a `goodchars` pattern, or `None` where Python's `re.compile` fails.
pub(crate) fn goodset(pattern: &str) -> Option<CharSet> {
    if pattern.is_empty() {
        return Some(CharSet::ALL_PRINTABLE);
    }
    if let Some(rest) = pattern.strip_prefix('[') {
        if let Some(class) = parse_bracket(rest) {
            return match class {
                Err(()) => None,
                Ok((items, negate, tail)) => {
                    let matches_one = |c: char| items.iter().any(|it| it.matches(c)) != negate;
                    match tail {
                        "" | "+" => Some(CharSet::from_fn(matches_one)),
                        // An empty match still counts for `re.match`.
                        "*" | "?" => Some(CharSet::from_fn(|_| true)),
                        _ => regex_goodset(pattern),
                    }
                }
            };
        }
    }
    regex_goodset(pattern)
}

fn regex_goodset(pattern: &str) -> Option<CharSet> {
    let re = regex::Regex::new(&format!("^(?:{pattern})")).ok()?;
    Some(CharSet::from_fn(|c| {
        re.is_match(c.encode_utf8(&mut [0u8; 4]))
    }))
}

#[derive(Debug, Clone, Copy)]
enum ClassItem {
    Literal(u32),
    Range(u32, u32),
    Digit(bool),
    Space(bool),
    Word(bool),
}

impl ClassItem {
    fn matches(self, c: char) -> bool {
        let u = u32::from(c);
        match self {
            ClassItem::Literal(x) => u == x,
            ClassItem::Range(lo, hi) => lo <= u && u <= hi,
            ClassItem::Digit(neg) => c.is_ascii_digit() != neg,
            ClassItem::Space(neg) => matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c') != neg,
            ClassItem::Word(neg) => (c.is_ascii_alphanumeric() || c == '_') != neg,
        }
    }

    fn literal(self) -> Option<u32> {
        match self {
            ClassItem::Literal(x) => Some(x),
            _ => None,
        }
    }
}

type Bracket<'a> = Result<(Vec<ClassItem>, bool, &'a str), ()>;

/// Parses the inside of `[...]` (after the `[`) like `sre_parse`. Returns `None` when the
/// syntax is outside what is modelled here (let the fallback decide), `Some(Err)` when
/// Python would raise, else the items, the negation flag and the text after `]`.
fn parse_bracket(s: &str) -> Option<Bracket<'_>> {
    let chars: Vec<char> = s.chars().collect();
    let mut pos = 0usize;
    let negate = chars.first() == Some(&'^');
    if negate {
        pos += 1;
    }
    let mut items: Vec<ClassItem> = Vec::new();
    loop {
        let Some(&this) = chars.get(pos) else {
            return Some(Err(())); // unterminated character set
        };
        pos += 1;
        if this == ']' && !items.is_empty() {
            break;
        }
        let code1 = if this == '\\' {
            match class_escape(&chars, &mut pos)? {
                Ok(c) => c,
                Err(()) => return Some(Err(())),
            }
        } else {
            ClassItem::Literal(u32::from(this))
        };
        if chars.get(pos) == Some(&'-') {
            pos += 1;
            let Some(&that) = chars.get(pos) else {
                return Some(Err(()));
            };
            pos += 1;
            if that == ']' {
                items.push(code1);
                items.push(ClassItem::Literal(u32::from('-')));
                break;
            }
            let code2 = if that == '\\' {
                match class_escape(&chars, &mut pos)? {
                    Ok(c) => c,
                    Err(()) => return Some(Err(())),
                }
            } else {
                ClassItem::Literal(u32::from(that))
            };
            match (code1.literal(), code2.literal()) {
                (Some(lo), Some(hi)) if lo <= hi => items.push(ClassItem::Range(lo, hi)),
                _ => return Some(Err(())), // bad character range
            }
        } else {
            items.push(code1);
        }
    }
    let tail_start: usize = chars.iter().take(pos).map(|c| c.len_utf8()).sum();
    let tail = s.get(tail_start..)?;
    Some(Ok((items, negate, tail)))
}

/// `_class_escape` after a backslash at `chars[*pos - 1]`. Outer `None`: not modelled
/// (`\N{...}`); inner `Err`: Python raises.
fn class_escape(chars: &[char], pos: &mut usize) -> Option<Result<ClassItem, ()>> {
    let Some(&c) = chars.get(*pos) else {
        return Some(Err(())); // bad escape (end of pattern)
    };
    *pos += 1;
    let lit = |x: u32| Some(Ok(ClassItem::Literal(x)));
    match c {
        'a' => lit(7),
        'b' => lit(8),
        'f' => lit(12),
        'n' => lit(10),
        'r' => lit(13),
        't' => lit(9),
        'v' => lit(11),
        '\\' => lit(92),
        'd' => Some(Ok(ClassItem::Digit(false))),
        'D' => Some(Ok(ClassItem::Digit(true))),
        's' => Some(Ok(ClassItem::Space(false))),
        'S' => Some(Ok(ClassItem::Space(true))),
        'w' => Some(Ok(ClassItem::Word(false))),
        'W' => Some(Ok(ClassItem::Word(true))),
        'x' | 'u' | 'U' => {
            let want = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let hex: String = chars
                .iter()
                .skip(*pos)
                .take(want)
                .take_while(|h| h.is_ascii_hexdigit())
                .collect();
            *pos += hex.len();
            if hex.len() != want {
                return Some(Err(()));
            }
            match u32::from_str_radix(&hex, 16) {
                Ok(v) if v <= 0x10ffff => lit(v),
                _ => Some(Err(())),
            }
        }
        'N' => None,
        '0'..='7' => {
            let mut v = c.to_digit(8).unwrap_or(0);
            for _ in 0..2 {
                match chars.get(*pos).and_then(|d| d.to_digit(8)) {
                    Some(d) => {
                        v = v * 8 + d;
                        *pos += 1;
                    }
                    None => break,
                }
            }
            if v > 0o377 {
                Some(Err(()))
            } else {
                lit(v)
            }
        }
        '8' | '9' => Some(Err(())),
        c if c.is_ascii_alphabetic() => Some(Err(())),
        c => lit(u32::from(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars_of(set: CharSet) -> String {
        let mut v: Vec<char> = PRINTABLE.chars().filter(|&c| set.contains(c)).collect();
        v.sort_unstable();
        v.into_iter().collect()
    }

    #[test]
    fn ceph_goodchars() {
        let Some(s) = goodset("[A-Za-z0-9-_.]") else {
            panic!("valid")
        };
        assert_eq!(
            chars_of(s),
            "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        );
        let Some(s) = goodset("[range]") else {
            panic!("valid")
        };
        assert_eq!(chars_of(s), "aegnr");
        let Some(s) = goodset("") else {
            panic!("valid")
        };
        assert_eq!(chars_of(s).len(), 100);
        let Some(s) = goodset("[^a-z]") else {
            panic!("valid")
        };
        assert!(!s.contains('q') && s.contains('Q'));
        let Some(s) = goodset("[]a]") else {
            panic!("valid")
        };
        assert_eq!(chars_of(s), "]a");
        let Some(s) = goodset("[a-]") else {
            panic!("valid")
        };
        assert_eq!(chars_of(s), "-a");
        let Some(s) = goodset("[\\w.]") else {
            panic!("valid")
        };
        assert!(s.contains('_') && s.contains('.') && !s.contains('-'));
        let Some(s) = goodset("[\\x41-\\x43]") else {
            panic!("valid")
        };
        assert_eq!(chars_of(s), "ABC");
        let Some(s) = goodset("x") else {
            panic!("valid")
        };
        assert_eq!(chars_of(s), "x");
        let Some(s) = goodset("[a-z]*") else {
            panic!("valid")
        };
        assert_eq!(chars_of(s).len(), 100);
        let Some(s) = goodset("\u{e9}") else {
            panic!("valid")
        };
        assert!(s.is_empty());
    }

    #[test]
    fn invalid_patterns() {
        for p in [
            "[", "[a", "[z-a]", "[\\d-z]", "[\\q]", "[\\x4]", "[\\9]", "(", "[a-",
        ] {
            assert!(goodset(p).is_none(), "{p:?}");
        }
    }
}
