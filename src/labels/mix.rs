//! Domain-separation labels of the `mix` protocol (`spec/mix.md`).

use super::Label;

/// Every label of this protocol, for the registry check.
pub const ALL: &[Label] = &[];
