//! Domain-separation labels of the `nym` protocol (`spec/nym.md`).

use super::Label;

/// Every label of this protocol, for the registry check.
pub const ALL: &[Label] = &[];
