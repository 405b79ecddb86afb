//! A cursor over a borrowed byte slice whose reads return `None` when the slice runs out,
//! so a streaming decoder can say "incomplete" without ever indexing past the end.

pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(crate) fn used(&self) -> usize {
        self.pos
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    pub(crate) fn u32_be(&mut self) -> Option<u32> {
        let b: [u8; 4] = self.take(4)?.try_into().ok()?;
        Some(u32::from_be_bytes(b))
    }

    pub(crate) fn i32_be(&mut self) -> Option<i32> {
        let b: [u8; 4] = self.take(4)?.try_into().ok()?;
        Some(i32::from_be_bytes(b))
    }

    /// Reads a u32 BE length and checks it against `max` *before* anything is sized from
    /// it; then the field itself. `Ok(None)` means the buffer ends too early.
    pub(crate) fn len_prefixed(
        &mut self,
        field: &'static str,
        max: usize,
    ) -> Result<Option<&'a [u8]>, super::ProtocolError> {
        let Some(len) = self.u32_be() else {
            return Ok(None);
        };
        let len_usize = usize::try_from(len).unwrap_or(usize::MAX);
        if len_usize > max {
            return Err(super::ProtocolError::TooLong {
                field,
                len: u64::from(len),
                max,
            });
        }
        Ok(self.take(len_usize))
    }
}

/// Appends a u32 BE length and the bytes, after checking the length against `max`.
pub(crate) fn put_len_prefixed(
    out: &mut Vec<u8>,
    field: &'static str,
    bytes: &[u8],
    max: usize,
) -> Result<(), super::ProtocolError> {
    let too_long = || super::ProtocolError::TooLong {
        field,
        len: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        max,
    };
    if bytes.len() > max {
        return Err(too_long());
    }
    let len = u32::try_from(bytes.len()).map_err(|_| too_long())?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}
