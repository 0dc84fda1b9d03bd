//! Fuzz-target bodies of the `encounter` protocol.

/// This protocol's targets, by name.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[];
