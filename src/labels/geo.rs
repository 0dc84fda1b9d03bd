//! Domain-separation labels of the `geo` protocol (`spec/geo.md`).

use super::Label;

/// Every label of this protocol, for the registry check.
pub const ALL: &[Label] = &[];
