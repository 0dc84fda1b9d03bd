//! Constant-time cases of the `mix` protocol.

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[];
