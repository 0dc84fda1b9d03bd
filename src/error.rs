//! Stable error codes (`spec/vectors.md §5`).
//!
//! Every error type of every protocol implements [`ErrorCode`]. The code is the string that test
//! vectors carry in their `error` field, so a port in another language can check that it rejects an
//! input *for the same reason* as this crate. Codes are part of the specification: they are listed
//! in each `spec/<protocol>.md` error table and never change meaning once published.

/// An error with a stable, specification-defined code.
pub trait ErrorCode {
    /// The stable code of this error, e.g. `"TCN_J1_ZERO"`.
    fn code(&self) -> &'static str;
}
