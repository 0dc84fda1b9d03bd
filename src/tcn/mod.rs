//! Temporary Contact Numbers, protocol v0.4 (seed 003), as specified in `spec/tcn.md`.
//!
//! A reporter holds a [`ReportAuthorizationKey`] (rak). From it a chain of
//! [`TemporaryContactKey`]s (tck) is ratcheted, and each key yields one 16-byte
//! [`TemporaryContactNumber`] (tcn) to broadcast. To report, the phone signs a [`SignedReport`]
//! disclosing `tck_{j1-1}`; anyone can then recompute `tcn_j1 ..= tcn_j2` and compare them with the
//! numbers they observed, which the [`Matcher`] does in bulk.
//!
//! Byte compatibility with the TCN reference crate (`tcn` 0.4.1) is tested differentially; the
//! places where this crate is deliberately stricter are listed in `spec/tcn.md §7`.

mod hash;
mod keys;
#[cfg(feature = "alloc")]
mod matcher;
mod report;
mod signature;
#[cfg(test)]
pub(crate) mod work;

use crate::error::ErrorCode;
use crate::wire::WireError;

pub use keys::{
    ReportAuthorizationKey, ReportVerificationKey, TemporaryContactKey, TemporaryContactNumber,
};
#[cfg(feature = "alloc")]
pub use matcher::{Match, MatchOutcome, Matcher, ObservedSet};
#[cfg(feature = "alloc")]
pub use report::verify_batch;
pub use report::{MemoType, Report, SignedReport, TcnIter, MAX_MEMO_LEN};

/// Every way a TCN operation can fail (`spec/tcn.md §6`, error table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TcnError {
    /// The input ended before the report was complete.
    Truncated,
    /// Bytes follow the signature.
    TrailingBytes,
    /// The caller's output buffer is too small for the encoding.
    BufferTooSmall,
    /// `j1` is 0: `tck_0` is not bound to `rvk`, so no report may start there.
    J1Zero,
    /// `j2 < j1`: the disclosed range is empty.
    J2BeforeJ1,
    /// Memo data longer than 255 bytes.
    MemoTooLong,
    /// A memo type that is not allocated (`spec/tcn.md §4.2`).
    UnknownMemoType,
    /// The ratchet cannot go past index 65535.
    IndexExhausted,
    /// `rvk` is not the canonical encoding of a curve point.
    RvkInvalid,
    /// `rvk` is a point of small order.
    RvkSmallOrder,
    /// The signature's `R` is not the canonical encoding of a curve point.
    SignatureRInvalid,
    /// The signature's `s` is not reduced modulo the group order.
    SignatureSNonCanonical,
    /// The verification equation does not hold.
    SignatureMismatch,
}

impl TcnError {
    /// Every error, in the order of the spec's error table.
    pub const ALL: [TcnError; 13] = [
        TcnError::Truncated,
        TcnError::TrailingBytes,
        TcnError::BufferTooSmall,
        TcnError::J1Zero,
        TcnError::J2BeforeJ1,
        TcnError::MemoTooLong,
        TcnError::UnknownMemoType,
        TcnError::IndexExhausted,
        TcnError::RvkInvalid,
        TcnError::RvkSmallOrder,
        TcnError::SignatureRInvalid,
        TcnError::SignatureSNonCanonical,
        TcnError::SignatureMismatch,
    ];
}

impl ErrorCode for TcnError {
    fn code(&self) -> &'static str {
        match self {
            TcnError::Truncated => "TCN_TRUNCATED",
            TcnError::TrailingBytes => "TCN_TRAILING_BYTES",
            TcnError::BufferTooSmall => "TCN_BUFFER_TOO_SMALL",
            TcnError::J1Zero => "TCN_J1_ZERO",
            TcnError::J2BeforeJ1 => "TCN_J2_BEFORE_J1",
            TcnError::MemoTooLong => "TCN_MEMO_TOO_LONG",
            TcnError::UnknownMemoType => "TCN_UNKNOWN_MEMO_TYPE",
            TcnError::IndexExhausted => "TCN_INDEX_EXHAUSTED",
            TcnError::RvkInvalid => "TCN_RVK_INVALID",
            TcnError::RvkSmallOrder => "TCN_RVK_SMALL_ORDER",
            TcnError::SignatureRInvalid => "TCN_SIG_R_INVALID",
            TcnError::SignatureSNonCanonical => "TCN_SIG_S_NONCANONICAL",
            TcnError::SignatureMismatch => "TCN_SIG_MISMATCH",
        }
    }
}

impl From<WireError> for TcnError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Truncated => TcnError::Truncated,
            WireError::TrailingBytes => TcnError::TrailingBytes,
            WireError::BufferTooSmall => TcnError::BufferTooSmall,
            // The memo is the only length-prefixed field; a `Report` never holds more than 255
            // bytes of it, so this arm is unreachable, and the mapping says what it would mean.
            WireError::LengthOverflow => TcnError::MemoTooLong,
        }
    }
}

impl core::fmt::Display for TcnError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TcnError {}
