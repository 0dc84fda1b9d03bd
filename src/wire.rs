//! The strict wire codec shared by every protocol (`spec/vectors.md §6`, "Encoding rules").
//!
//! [`Reader`] walks a byte slice and never reads past its end: every read returns
//! [`WireError::Truncated`] instead of panicking. [`Reader::finish`] rejects trailing bytes, so a
//! decoder written as "read every field, then `finish()`" accepts exactly one length per value.
//! [`Writer`] fills a caller-provided buffer and fails with [`WireError::BufferTooSmall`] rather than
//! writing out of bounds.
//!
//! Integers are fixed-width. Each protocol's spec states the byte order of each field; both are
//! offered because TCN (seed 003) fixes little-endian indices for compatibility.
//!
//! [`WireError`] has no stable code of its own: no spec defines one. Every protocol maps it to the
//! codes of its own error table (`TCN_TRUNCATED`, `MIX_TRAILING_BYTES`, …) through a `From` impl.

/// A structural decoding or encoding failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// The input ended before a field was complete.
    Truncated,
    /// Bytes remained after the last field of a value.
    TrailingBytes,
    /// The output buffer is smaller than the encoding.
    BufferTooSmall,
    /// A length-prefixed field is longer than its prefix can express.
    LengthOverflow,
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            WireError::Truncated => "input truncated",
            WireError::TrailingBytes => "trailing bytes after value",
            WireError::BufferTooSmall => "output buffer too small",
            WireError::LengthOverflow => "field too long for its length prefix",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for WireError {}

/// A bounds-checked cursor over an input byte slice.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Starts reading at the beginning of `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Reader { rest: input }
    }

    /// Number of bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Reads the next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if n > self.rest.len() {
            return Err(WireError::Truncated);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// Reads the next `N` bytes into an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// Reads one byte.
    pub fn u8(&mut self) -> Result<u8, WireError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    /// Reads a little-endian `u16`.
    pub fn u16_le(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// Reads a big-endian `u16`.
    pub fn u16_be(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian `u32`.
    pub fn u32_be(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian `u64`.
    pub fn u64_be(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Reads a one-byte length prefix and then that many bytes.
    pub fn bytes_u8_prefixed(&mut self) -> Result<&'a [u8], WireError> {
        let n = self.u8()?;
        self.bytes(usize::from(n))
    }

    /// Reads a big-endian two-byte length prefix and then that many bytes.
    pub fn bytes_u16_prefixed(&mut self) -> Result<&'a [u8], WireError> {
        let n = self.u16_be()?;
        self.bytes(usize::from(n))
    }

    /// Succeeds only if every input byte has been read.
    pub fn finish(self) -> Result<(), WireError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(WireError::TrailingBytes)
        }
    }
}

/// Decodes a value that must span `input` exactly: runs `read`, then rejects trailing bytes.
pub fn decode_exact<'a, T, E>(
    input: &'a [u8],
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<WireError>,
{
    let mut reader = Reader::new(input);
    let value = read(&mut reader)?;
    reader.finish()?;
    Ok(value)
}

/// A bounds-checked cursor over an output buffer.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    written: usize,
}

impl<'a> Writer<'a> {
    /// Starts writing at the beginning of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, written: 0 }
    }

    /// Number of bytes written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Appends `bytes`.
    pub fn put(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        let end = self
            .written
            .checked_add(bytes.len())
            .ok_or(WireError::BufferTooSmall)?;
        let slot = self
            .buf
            .get_mut(self.written..end)
            .ok_or(WireError::BufferTooSmall)?;
        slot.copy_from_slice(bytes);
        self.written = end;
        Ok(())
    }

    /// Appends one byte.
    pub fn u8(&mut self, v: u8) -> Result<(), WireError> {
        self.put(&[v])
    }

    /// Appends a little-endian `u16`.
    pub fn u16_le(&mut self, v: u16) -> Result<(), WireError> {
        self.put(&v.to_le_bytes())
    }

    /// Appends a big-endian `u16`.
    pub fn u16_be(&mut self, v: u16) -> Result<(), WireError> {
        self.put(&v.to_be_bytes())
    }

    /// Appends a big-endian `u32`.
    pub fn u32_be(&mut self, v: u32) -> Result<(), WireError> {
        self.put(&v.to_be_bytes())
    }

    /// Appends a big-endian `u64`.
    pub fn u64_be(&mut self, v: u64) -> Result<(), WireError> {
        self.put(&v.to_be_bytes())
    }

    /// Appends a one-byte length prefix and `bytes`; fails if `bytes` is longer than 255.
    pub fn bytes_u8_prefixed(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        let n = u8::try_from(bytes.len()).map_err(|_| WireError::LengthOverflow)?;
        self.u8(n)?;
        self.put(bytes)
    }

    /// Appends a big-endian two-byte length prefix and `bytes`; fails if longer than 65535.
    pub fn bytes_u16_prefixed(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        let n = u16::try_from(bytes.len()).map_err(|_| WireError::LengthOverflow)?;
        self.u16_be(n)?;
        self.put(bytes)
    }

    /// Returns the number of bytes written, failing if the buffer was not filled exactly.
    pub fn finish_exact(self) -> Result<usize, WireError> {
        if self.written == self.buf.len() {
            Ok(self.written)
        } else {
            Err(WireError::BufferTooSmall)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reader_rejects_truncation_and_trailing() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16_be(), Ok(0x0102));
        assert_eq!(r.u16_be(), Err(WireError::Truncated));
        assert_eq!(r.clone().finish(), Err(WireError::TrailingBytes));
        assert_eq!(r.u8(), Ok(3));
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn decode_exact_rejects_trailing_bytes() {
        let read = |r: &mut Reader<'_>| r.u16_le();
        assert_eq!(decode_exact(&[1, 0], read), Ok(1));
        assert_eq!(
            decode_exact(&[1, 0, 0], read),
            Err(WireError::TrailingBytes)
        );
        assert_eq!(decode_exact(&[1], read), Err(WireError::Truncated));
    }

    #[test]
    fn writer_never_overflows() {
        let mut buf = [0u8; 3];
        let mut w = Writer::new(&mut buf);
        assert_eq!(w.u16_le(0x0201), Ok(()));
        assert_eq!(w.u16_le(0x0403), Err(WireError::BufferTooSmall));
        assert_eq!(w.u8(9), Ok(()));
        assert_eq!(w.finish_exact(), Ok(3));
        assert_eq!(buf, [1, 2, 9]);
    }

    #[test]
    fn prefixes_refuse_overlong_fields() {
        let mut buf = [0u8; 300];
        assert_eq!(
            Writer::new(&mut buf).bytes_u8_prefixed(&[0; 256]),
            Err(WireError::LengthOverflow)
        );
        assert_eq!(Writer::new(&mut buf).bytes_u8_prefixed(&[0; 255]), Ok(()));
        let big = std::vec![0u8; 65536];
        let mut out = std::vec![0u8; 70000];
        assert_eq!(
            Writer::new(&mut out).bytes_u16_prefixed(&big),
            Err(WireError::LengthOverflow)
        );
    }

    proptest! {
        #[test]
        fn prefixed_round_trip(data in proptest::collection::vec(any::<u8>(), 0..300), tail in 0usize..3) {
            let mut buf = std::vec![0u8; data.len() + 2 + tail];
            let mut w = Writer::new(&mut buf);
            w.bytes_u16_prefixed(&data).unwrap();
            let n = w.written();
            prop_assert_eq!(n, data.len() + 2);
            let got = decode_exact(&buf[..n], |r| r.bytes_u16_prefixed().map(<[u8]>::to_vec));
            prop_assert_eq!(got, Ok(data.clone()));
            if tail > 0 {
                let got = decode_exact(&buf[..n + tail], |r| r.bytes_u16_prefixed().map(<[u8]>::to_vec));
                prop_assert_eq!(got, Err(WireError::TrailingBytes));
            }
        }
    }
}
