//! The report wire format, its strict decoder and verification (`spec/tcn.md §4, §5`).

use super::keys::TemporaryContactNumber;
use super::{hash, signature, TcnError};
use crate::wire::{Reader, Writer};

/// Longest memo data a report can carry: its length is one byte.
pub const MAX_MEMO_LEN: usize = 255;

/// A memo type byte (`spec/tcn.md §4.2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoType(pub u8);

impl MemoType {
    /// `0x00`: CoEpi symptom report v1.
    pub const COEPI_SYMPTOM_V1: MemoType = MemoType(0x00);
    /// `0x01`: CovidWatch test result v1.
    pub const COVIDWATCH_TEST_RESULT_V1: MemoType = MemoType(0x01);
    /// `0x02`: ito report v1 (allocated after `tcn` 0.4.1 was released).
    pub const ITO_REPORT_V1: MemoType = MemoType(0x02);

    /// Whether the type is allocated; only allocated types are created or accepted.
    pub fn is_allocated(self) -> bool {
        self.0 <= 0x02
    }
}

/// The signed part of a report: `rvk || tck_{j1-1} || le_u16(j1) || le_u16(j2) || memo`.
#[derive(Clone, PartialEq, Eq)]
pub struct Report {
    rvk: [u8; 32],
    tck_prev: [u8; 32],
    j1: u16,
    j2: u16,
    memo_type: MemoType,
    memo_len: u8,
    memo: [u8; MAX_MEMO_LEN],
}

impl Report {
    /// Length of the fixed fields before the memo data.
    pub const HEADER_LEN: usize = 70;
    /// Length of the longest report (255 bytes of memo data).
    pub const MAX_LEN: usize = Self::HEADER_LEN + MAX_MEMO_LEN;

    /// A report from fields that the caller has checked (`spec/tcn.md §5.1` step 1, in
    /// [`super::ReportAuthorizationKey::create_report`]); only the memo length is checked again,
    /// because the type holds at most 255 bytes.
    pub(crate) fn new(
        rvk: [u8; 32],
        tck_prev: [u8; 32],
        j1: u16,
        j2: u16,
        memo_type: MemoType,
        memo_data: &[u8],
    ) -> Result<Self, TcnError> {
        let memo_len = u8::try_from(memo_data.len()).map_err(|_| TcnError::MemoTooLong)?;
        let mut memo = [0u8; MAX_MEMO_LEN];
        memo.iter_mut().zip(memo_data).for_each(|(d, s)| *d = *s);
        Ok(Report {
            rvk,
            tck_prev,
            j1,
            j2,
            memo_type,
            memo_len,
            memo,
        })
    }

    /// The field rules of `spec/tcn.md §4.3`, in their fixed order.
    fn check_fields(&self) -> Result<(), TcnError> {
        if self.j1 == 0 {
            return Err(TcnError::J1Zero);
        }
        if self.j2 < self.j1 {
            return Err(TcnError::J2BeforeJ1);
        }
        if !self.memo_type.is_allocated() {
            return Err(TcnError::UnknownMemoType);
        }
        Ok(())
    }

    /// The report verification key.
    pub fn rvk(&self) -> super::ReportVerificationKey {
        super::ReportVerificationKey(self.rvk)
    }

    /// The first disclosed index.
    pub fn j1(&self) -> u16 {
        self.j1
    }

    /// The last disclosed index (inclusive).
    pub fn j2(&self) -> u16 {
        self.j2
    }

    /// The memo type.
    pub fn memo_type(&self) -> MemoType {
        self.memo_type
    }

    /// The memo data.
    pub fn memo_data(&self) -> &[u8] {
        self.memo.get(..usize::from(self.memo_len)).unwrap_or(&[])
    }

    /// `tck_{j1-1}`, the key the report discloses.
    pub fn disclosed_key(&self) -> &[u8; 32] {
        &self.tck_prev
    }

    /// The disclosed numbers `tcn_j1 ..= tcn_j2` (`spec/tcn.md §5.4`), paired with their index.
    pub fn indexed_temporary_contact_numbers(&self) -> TcnIter {
        TcnIter {
            chain: hash::Chain::new(&self.rvk, &self.tck_prev),
            next: u32::from(self.j1),
            last: u32::from(self.j2),
        }
    }

    /// The disclosed numbers `tcn_j1 ..= tcn_j2` (`spec/tcn.md §5.4`).
    pub fn temporary_contact_numbers(&self) -> impl Iterator<Item = TemporaryContactNumber> {
        self.indexed_temporary_contact_numbers().map(|(_, tcn)| tcn)
    }

    /// Length of the encoding: 70 bytes plus the memo data.
    pub fn encoded_len(&self) -> usize {
        Self::HEADER_LEN + usize::from(self.memo_len)
    }

    /// Writes the encoding into `buf` and returns its length.
    pub fn encode_into(&self, buf: &mut [u8]) -> Result<usize, TcnError> {
        let mut w = Writer::new(buf);
        self.write(&mut w)?;
        Ok(w.written())
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), TcnError> {
        w.put(&self.rvk)?;
        w.put(&self.tck_prev)?;
        w.u16_le(self.j1)?;
        w.u16_le(self.j2)?;
        w.u8(self.memo_type.0)?;
        w.bytes_u8_prefixed(self.memo_data())?;
        Ok(())
    }

    /// Reads the fields without checking them (structure only).
    fn read(r: &mut Reader<'_>) -> Result<Self, TcnError> {
        let rvk = r.array()?;
        let tck_prev = r.array()?;
        let j1 = r.u16_le()?;
        let j2 = r.u16_le()?;
        let memo_type = MemoType(r.u8()?);
        let memo_data = r.bytes_u8_prefixed()?;
        let memo_len = u8::try_from(memo_data.len()).map_err(|_| TcnError::MemoTooLong)?;
        let mut memo = [0u8; MAX_MEMO_LEN];
        memo.iter_mut().zip(memo_data).for_each(|(d, s)| *d = *s);
        Ok(Report {
            rvk,
            tck_prev,
            j1,
            j2,
            memo_type,
            memo_len,
            memo,
        })
    }
}

impl core::fmt::Debug for Report {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Report")
            .field("rvk", &self.rvk())
            .field("j1", &self.j1)
            .field("j2", &self.j2)
            .field("memo_type", &self.memo_type)
            .field("memo_len", &self.memo_len)
            .finish_non_exhaustive()
    }
}

/// Iterator over the numbers a report discloses, from `j1` through `j2` inclusive.
///
/// Each step ratchets once and hashes once; it never ratchets past the last disclosed index, so
/// a report ending at 65535 needs no key beyond the ratchet's end.
#[derive(Clone)]
pub struct TcnIter {
    chain: hash::Chain,
    next: u32,
    last: u32,
}

impl core::fmt::Debug for TcnIter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TcnIter")
            .field("next", &self.next)
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

impl Iterator for TcnIter {
    type Item = (u16, TemporaryContactNumber);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next > self.last {
            return None;
        }
        let index = u16::try_from(self.next).ok()?;
        self.next += 1;
        Some((index, TemporaryContactNumber(self.chain.step(index))))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from((self.last + 1).saturating_sub(self.next)).unwrap_or(0);
        (n, Some(n))
    }
}

impl ExactSizeIterator for TcnIter {}

/// A report with its Ed25519 signature: the TCN wire format (`spec/tcn.md §4.1`).
#[derive(Clone, PartialEq, Eq)]
pub struct SignedReport {
    report: Report,
    signature: [u8; 64],
}

impl SignedReport {
    /// Length of the shortest signed report (empty memo).
    pub const MIN_LEN: usize = Report::HEADER_LEN + 64;
    /// Length of the longest signed report (255 bytes of memo data).
    pub const MAX_LEN: usize = Report::MAX_LEN + 64;

    pub(crate) fn from_parts(report: Report, signature: [u8; 64]) -> Self {
        SignedReport { report, signature }
    }

    /// Strictly decodes a signed report (`spec/tcn.md §4.3`): exact length, no trailing bytes,
    /// `j1 > 0`, `j2 >= j1`, an allocated memo type. Does not verify the signature.
    pub fn decode(bytes: &[u8]) -> Result<Self, TcnError> {
        let mut r = Reader::new(bytes);
        let report = Report::read(&mut r)?;
        let signature = r.array()?;
        r.finish()?;
        report.check_fields()?;
        Ok(SignedReport { report, signature })
    }

    /// Length of the encoding.
    pub fn encoded_len(&self) -> usize {
        self.report.encoded_len() + 64
    }

    /// Writes the encoding into `buf` and returns its length.
    pub fn encode_into(&self, buf: &mut [u8]) -> Result<usize, TcnError> {
        let mut w = Writer::new(buf);
        self.report.write(&mut w)?;
        w.put(&self.signature)?;
        Ok(w.written())
    }

    /// The encoding as a vector.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec![0u8; self.encoded_len()];
        // The buffer has exactly the encoded length, so encoding cannot fail.
        let _ = self.encode_into(&mut out);
        out
    }

    /// The 64-byte signature `R || s`.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// The report, *without* any signature check. Use [`SignedReport::verify`] unless the
    /// signature was checked elsewhere (for example by [`verify_batch`]).
    pub fn unverified_report(&self) -> &Report {
        &self.report
    }

    /// Verifies the signature by the rule of `spec/tcn.md §5.2` and returns the report.
    pub fn verify(&self) -> Result<&Report, TcnError> {
        signature::prepare(self)?
            .verify_single()
            .map_err(signature::code)?;
        Ok(&self.report)
    }

    /// Encodes the signed part into a stack buffer and passes it to `f`.
    pub(crate) fn with_signed_bytes<T>(&self, f: impl FnOnce(&[u8]) -> T) -> Result<T, TcnError> {
        let mut buf = [0u8; Report::MAX_LEN];
        let n = self.report.encode_into(&mut buf)?;
        Ok(f(buf.get(..n).unwrap_or(&[])))
    }
}

impl core::fmt::Debug for SignedReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignedReport")
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

/// Verifies many reports at once (`spec/tcn.md §5.3`) and returns one verdict per report, equal
/// to what [`SignedReport::verify`] returns for it.
///
/// Encoding checks run per report; the equations of all well-formed reports are checked in one
/// multi-scalar multiplication. If that fails, the batch is split in halves until the bad reports
/// are isolated, so a batch with few forgeries costs little more than one without.
#[cfg(feature = "alloc")]
pub fn verify_batch(reports: &[SignedReport]) -> alloc::vec::Vec<Result<(), TcnError>> {
    use alloc::vec::Vec;
    let mut verdicts: Vec<Result<(), TcnError>> = Vec::with_capacity(reports.len());
    let mut prepared = Vec::with_capacity(reports.len());
    let mut positions = Vec::with_capacity(reports.len());
    for (i, report) in reports.iter().enumerate() {
        match signature::prepare(report) {
            Ok(p) => {
                prepared.push(p);
                positions.push(i);
                verdicts.push(Ok(()));
            }
            Err(e) => verdicts.push(Err(e)),
        }
    }
    let mut failed = Vec::new();
    signature::find_failures(&prepared, 0, &mut failed);
    for k in failed {
        if let Some(slot) = positions.get(k).and_then(|&i| verdicts.get_mut(i)) {
            *slot = Err(TcnError::SignatureMismatch);
        }
    }
    verdicts
}
