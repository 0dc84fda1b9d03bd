//! Constant-time cases of the `nym` protocol.

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[];
