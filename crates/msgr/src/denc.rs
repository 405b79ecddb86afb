//! Ceph's little-endian "denc" encoding, as far as the manager's messages need it: integers,
//! strings, bufferlists, containers, and `ENCODE_START` blocks.
//!
//! [`Reader`] decodes from a borrowed slice: every length is checked against what is left
//! (so a hostile count never sizes an allocation) and against a named maximum, and
//! [`Reader::block`] skips the unknown tail of a newer encoder's block, which is how Ceph
//! keeps old decoders working. [`Writer`] appends to a `Vec`.

use crate::error::DecodeError;

/// Longest string or bufferlist we accept inside a message (a MgrMap with every module's
/// option schema is ~200 KB; an OSDMap blob can be several MB).
pub const MAX_BLOB: usize = 64 << 20;

/// A cursor over encoded bytes.
#[derive(Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// What is being decoded, for error messages.
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8], what: &'static str) -> Reader<'a> {
        Reader { buf, pos: 0, what }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Fails unless every byte was consumed.
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Trailing {
                what: self.what,
                extra: self.remaining(),
            })
        }
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(DecodeError::Short {
                what: self.what,
                need: n,
                have: self.remaining(),
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.bytes(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.u8()? != 0)
    }

    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub fn uuid(&mut self) -> Result<[u8; 16], DecodeError> {
        self.array()
    }

    /// A `u32` length, checked against `max` and against what is left.
    fn len(&mut self, max: usize) -> Result<usize, DecodeError> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(DecodeError::TooLong {
                what: self.what,
                len: n,
                max,
            });
        }
        if n > self.remaining() {
            return Err(DecodeError::Short {
                what: self.what,
                need: n,
                have: self.remaining(),
            });
        }
        Ok(n)
    }

    /// `bufferlist`: le32 length + bytes.
    pub fn blob(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.len(MAX_BLOB)?;
        self.bytes(n)
    }

    /// `std::string` (UTF-8 is not enforced by Ceph: invalid bytes are replaced).
    pub fn string(&mut self) -> Result<String, DecodeError> {
        Ok(String::from_utf8_lossy(self.blob()?).into_owned())
    }

    /// A container count: each element takes at least `min_elem` bytes, so a count the
    /// remaining bytes cannot hold is rejected before anything is allocated.
    pub fn count(&mut self, min_elem: usize) -> Result<usize, DecodeError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_elem.max(1)) > self.remaining() {
            return Err(DecodeError::BadCount {
                what: self.what,
                count: n,
                remaining: self.remaining(),
            });
        }
        Ok(n)
    }

    /// `vector<T>` / `set<T>` / `list<T>`.
    pub fn seq<T>(
        &mut self,
        min_elem: usize,
        mut f: impl FnMut(&mut Reader<'a>) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let n = self.count(min_elem)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(f(self)?);
        }
        Ok(v)
    }

    pub fn strings(&mut self) -> Result<Vec<String>, DecodeError> {
        self.seq(4, |r| r.string())
    }

    /// `map<string, string>`.
    pub fn string_map(&mut self) -> Result<Vec<(String, String)>, DecodeError> {
        self.seq(8, |r| Ok((r.string()?, r.string()?)))
    }

    /// An `ENCODE_START(v, compat)` block: `f` reads the fields it knows (it gets the
    /// struct version); whatever a newer encoder appended is skipped.
    /// Fails when the encoder's `compat` is newer than `understood`.
    pub fn block<T>(
        &mut self,
        understood: u8,
        f: impl FnOnce(&mut Reader<'a>, u8) -> Result<T, DecodeError>,
    ) -> Result<T, DecodeError> {
        let v = self.u8()?;
        let compat = self.u8()?;
        if compat > understood {
            return Err(DecodeError::Incompatible {
                what: self.what,
                compat,
                understood,
            });
        }
        let n = self.len(MAX_BLOB)?;
        let body = self.bytes(n)?;
        let mut inner = Reader::new(body, self.what);
        let out = f(&mut inner, v)?;
        // Newer encoders append fields: skipping them is Ceph's DECODE_FINISH.
        Ok(out)
    }
}

/// An output buffer with Ceph's encodings.
#[derive(Default, Debug, Clone)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer { buf: Vec::new() }
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }

    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self
    }

    pub fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    /// A length that the wire carries as le32; longer data cannot be encoded by Ceph either.
    fn len32(&mut self, n: usize) -> &mut Self {
        let n = u32::try_from(n).expect("encoded item longer than 4 GiB");
        self.u32(n)
    }

    pub fn blob(&mut self, b: &[u8]) -> &mut Self {
        self.len32(b.len());
        self.raw(b)
    }

    pub fn string(&mut self, s: &str) -> &mut Self {
        self.blob(s.as_bytes())
    }

    pub fn seq<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Writer, &T)) -> &mut Self {
        self.len32(items.len());
        for i in items {
            f(self, i);
        }
        self
    }

    pub fn strings<S: AsRef<str>>(&mut self, items: &[S]) -> &mut Self {
        self.seq(items, |w, s| {
            w.string(s.as_ref());
        })
    }

    pub fn string_map<K: AsRef<str>, V: AsRef<str>>(&mut self, items: &[(K, V)]) -> &mut Self {
        self.seq(items, |w, (k, v)| {
            w.string(k.as_ref()).string(v.as_ref());
        })
    }

    /// `ENCODE_START(v, compat)` … `ENCODE_FINISH`.
    pub fn block(&mut self, v: u8, compat: u8, f: impl FnOnce(&mut Writer)) -> &mut Self {
        self.u8(v).u8(compat);
        let at = self.buf.len();
        self.u32(0);
        f(self);
        let body = self.buf.len() - at - 4;
        let body = u32::try_from(body).expect("encoded block longer than 4 GiB");
        self.buf[at..at + 4].copy_from_slice(&body.to_le_bytes());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_skip_fields_a_newer_encoder_appended() {
        let mut w = Writer::new();
        w.block(3, 1, |w| {
            w.u32(7).string("extra field");
        });
        w.u8(9);
        let mut r = Reader::new(&w.buf, "test");
        let (v, x) = r.block(1, |r, v| Ok((v, r.u32()?))).unwrap();
        assert_eq!((v, x), (3, 7));
        assert_eq!(r.u8().unwrap(), 9);
        r.finish().unwrap();
    }

    #[test]
    fn counts_larger_than_the_input_are_rejected_before_allocating() {
        let mut w = Writer::new();
        w.u32(u32::MAX);
        let mut r = Reader::new(&w.buf, "test");
        assert!(matches!(
            r.strings(),
            Err(DecodeError::BadCount { count, .. }) if count == u32::MAX as usize
        ));
    }

    #[test]
    fn incompatible_blocks_are_refused() {
        let mut w = Writer::new();
        w.block(9, 9, |w| {
            w.u8(0);
        });
        let mut r = Reader::new(&w.buf, "test");
        assert!(matches!(
            r.block(8, |r, _| r.u8()),
            Err(DecodeError::Incompatible { compat: 9, .. })
        ));
    }
}
