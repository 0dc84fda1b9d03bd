//! Domain-separation labels of the `nym` protocol (`spec/nym.md §2`).

use super::Label;

/// Prefix of the nymserver lookup key `nym_key(K)` (`spec/nym.md §3.1`).
pub const NYM_KEY: Label = Label {
    bytes: b"contact-tracing/v1/nym/nym-key",
    spec: "spec/nym.md#address",
};
/// HKDF info of the blob's LIONESS key (`spec/nym.md §3.1`).
pub const BLOB_KEY: Label = Label {
    bytes: b"contact-tracing/v1/nym/blob-key",
    spec: "spec/nym.md#address",
};
/// Prefix of the Swap authentication hash (`spec/nym.md §3.1`).
pub const SWAP_AUTH: Label = Label {
    bytes: b"contact-tracing/v1/nym/swap-auth",
    spec: "spec/nym.md#address",
};
/// Prefix of the signed broadcast challenge (`spec/nym.md §4`).
pub const BROADCAST: Label = Label {
    bytes: b"contact-tracing/v1/nym/broadcast",
    spec: "spec/nym.md#broadcast",
};
/// HKDF salt prefix of a contact-log entry key (`spec/nym.md §6.3`).
pub const LOG_SALT: Label = Label {
    bytes: b"contact-tracing/v1/nym/log-salt",
    spec: "spec/nym.md#log",
};
/// HKDF info of a contact-log entry key (`spec/nym.md §6.3`).
pub const LOG_KEY: Label = Label {
    bytes: b"contact-tracing/v1/nym/log-key",
    spec: "spec/nym.md#log",
};
/// Prefix of the message signed in a health-authority token (`spec/nym.md §6.2`).
pub const HA_TOKEN: Label = Label {
    bytes: b"contact-tracing/v1/nym/ha-token",
    spec: "spec/nym.md#token",
};
/// Prefix of the message signed in a batch approval (`spec/nym.md §6.5`).
pub const HA_APPROVAL: Label = Label {
    bytes: b"contact-tracing/v1/nym/ha-approval",
    spec: "spec/nym.md#case",
};
/// Prefix of the stored hash of a chain token (`spec/nym.md §6.5`).
pub const CHAIN_TOKEN: Label = Label {
    bytes: b"contact-tracing/v1/nym/chain-token",
    spec: "spec/nym.md#case",
};

/// Every label of this protocol, for the registry check.
pub const ALL: &[Label] = &[
    NYM_KEY,
    BLOB_KEY,
    SWAP_AUTH,
    BROADCAST,
    LOG_SALT,
    LOG_KEY,
    HA_TOKEN,
    HA_APPROVAL,
    CHAIN_TOKEN,
];
