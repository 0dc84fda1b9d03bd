//! Domain-separation labels of the `encounter` protocol (`spec/encounter.md`).

use super::Label;

/// Every label of this protocol, for the registry check.
pub const ALL: &[Label] = &[];
