//! Fuzz-target bodies of the `nym` protocol.

/// This protocol's targets, by name.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[];
