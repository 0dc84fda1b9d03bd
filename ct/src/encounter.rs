//! Constant-time cases of the `encounter` protocol.

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[];
