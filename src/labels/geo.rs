//! Domain-separation labels of the `geo` protocol (`spec/geo.md §7.4`).

use super::Label;

/// Prefix of the D-cell number hash that chooses the salt server (`spec/geo.md §5.1`).
pub const D_CELL: Label = Label {
    bytes: b"contact-tracing/v1/geo/d-cell",
    spec: "spec/geo.md#51-server-choice",
};

/// Prefix of the classic salt's HMAC message (`spec/geo.md §5.2`).
pub const SALT: Label = Label {
    bytes: b"contact-tracing/v1/geo/salt",
    spec: "spec/geo.md#52-classic-salt",
};

/// Prefix of the `info` of the per-block OPRF key derivation (`spec/geo.md §6`).
pub const OPRF_KEY: Label = Label {
    bytes: b"contact-tracing/v1/geo/oprf-key",
    spec: "spec/geo.md#6-hardened-mode-salts-as-an-oblivious-prf-rfc-9497",
};

/// Prefix of the OPRF input before the cell id (`spec/geo.md §6`).
pub const OPRF_INPUT: Label = Label {
    bytes: b"contact-tracing/v1/geo/oprf-input",
    spec: "spec/geo.md#6-hardened-mode-salts-as-an-oblivious-prf-rfc-9497",
};

/// Prefix of the classic risk hash (`spec/geo.md §7.2`).
pub const RISK_CLASSIC: Label = Label {
    bytes: b"contact-tracing/v1/geo/risk-classic",
    spec: "spec/geo.md#72-risk-hash",
};

/// Prefix of the OPRF-mode risk hash (`spec/geo.md §7.2`).
pub const RISK_OPRF: Label = Label {
    bytes: b"contact-tracing/v1/geo/risk-oprf",
    spec: "spec/geo.md#72-risk-hash",
};

/// Every label of this protocol, for the registry check.
pub const ALL: &[Label] = &[D_CELL, SALT, OPRF_KEY, OPRF_INPUT, RISK_CLASSIC, RISK_OPRF];
