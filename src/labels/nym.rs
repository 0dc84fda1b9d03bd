//! Domain-separation labels of the `nym` protocol (`spec/nym.md §2`).

use super::Label;

/// Prefix of the nymserver lookup key `nym_key(K)` (`spec/nym.md §3.1`).
pub const NYM_KEY: Label = Label {
    bytes: b"contact-tracing/v1/nym/nym-key",
    spec: "spec/nym.md#address",
};
/// HKDF info prefix of the mask over a blob's MessageKey (`spec/nym.md §3.2`).
pub const BLOB_MASK: Label = Label {
    bytes: b"contact-tracing/v1/nym/blob-mask",
    spec: "spec/nym.md#blob",
};
/// Prefix of one step of the swap chain (`spec/nym.md §3.3`).
pub const SWAP_CHAIN: Label = Label {
    bytes: b"contact-tracing/v1/nym/swap-chain",
    spec: "spec/nym.md#chain",
};
/// HKDF info of the swap chain's last element, from the address secret (`spec/nym.md §3.3`).
pub const SWAP_CHAIN_SEED: Label = Label {
    bytes: b"contact-tracing/v1/nym/chain-seed",
    spec: "spec/nym.md#chain",
};
/// HKDF info of the MessageKey of an acknowledgement (`spec/nym.md §3.5`).
pub const ACK_KEY: Label = Label {
    bytes: b"contact-tracing/v1/nym/ack-key",
    spec: "spec/nym.md#ack",
};
/// HKDF info of the key of sealed notification copies (`spec/nym.md §3.6`).
pub const RESEND_KEY: Label = Label {
    bytes: b"contact-tracing/v1/nym/resend-key",
    spec: "spec/nym.md#history",
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
    BLOB_MASK,
    SWAP_CHAIN,
    SWAP_CHAIN_SEED,
    ACK_KEY,
    RESEND_KEY,
    BROADCAST,
    LOG_SALT,
    LOG_KEY,
    HA_TOKEN,
    HA_APPROVAL,
    CHAIN_TOKEN,
];
