//! Domain-separation labels of TCN (`spec/tcn.md §3`). `H_TCK` and `H_TCN` are fixed by the TCN
//! v0.4 protocol and kept byte-for-byte for compatibility with its reference implementation.

use super::Label;

/// The bytes of [`H_TCK`], as an array for fixed-layout hashing.
pub const H_TCK_BYTES: [u8; 5] = *b"H_TCK";
/// The bytes of [`H_TCN`], as an array for fixed-layout hashing.
pub const H_TCN_BYTES: [u8; 5] = *b"H_TCN";

/// Prefix of every temporary-contact-key hash: `tck_0` and the ratchet (`spec/tcn.md §3.1`).
pub const H_TCK: Label = Label {
    bytes: &H_TCK_BYTES,
    spec: "spec/tcn.md#31-key-schedule",
};

/// Prefix of the temporary-contact-number hash (`spec/tcn.md §3.1`).
pub const H_TCN: Label = Label {
    bytes: &H_TCN_BYTES,
    spec: "spec/tcn.md#31-key-schedule",
};

/// Seed of the deterministic batch-verification weights (`spec/tcn.md §5.3`). Local to this
/// crate: it never appears on the wire, and any port may choose its own weights.
pub const BATCH_WEIGHTS: Label = Label {
    bytes: b"contact-tracing/v1/tcn/batch-verify-weights",
    spec: "spec/tcn.md#53-batch-verification",
};

/// Every label of this protocol, for the registry check.
pub const ALL: &[Label] = &[H_TCK, H_TCN, BATCH_WEIGHTS];
