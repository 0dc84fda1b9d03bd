//! Domain-separation labels of the `event` protocol (`spec/event.md`).

use super::Label;

/// Every label of this protocol, for the registry check.
pub const ALL: &[Label] = &[];
