//! Constant-time cases of the `geo` protocol.

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[];
