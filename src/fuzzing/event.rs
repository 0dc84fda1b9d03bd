//! Fuzz-target bodies of the `event` protocol.

/// This protocol's targets, by name.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[];
