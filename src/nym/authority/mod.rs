//! The health authority: one-time tokens and batch approvals (`spec/nym.md §6.2`, `§6.5`).

mod token;

/// The authority's Ed25519 verification key (re-exported from `ed25519-dalek`).
pub use ed25519_dalek::VerifyingKey;
pub use token::{Approval, ApprovalMode, Authority, SpentSet, Token, APPROVAL_LEN};
