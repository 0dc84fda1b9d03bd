//! Constant-time cases of the `event` protocol.

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[];
