//! Domain-separation labels of the `mix` protocol (`spec/mix.md`).

use super::Label;

/// HKDF-Extract salt of the per-hop key derivation (`spec/mix.md §3`).
pub const HOP_SALT: Label = Label {
    bytes: b"contact-tracing/v1/mix/hop-salt",
    spec: "spec/mix.md#keys",
};

/// HKDF-Expand info of the per-hop key derivation (`spec/mix.md §3`).
pub const HOP_KEYS: Label = Label {
    bytes: b"contact-tracing/v1/mix/hop-keys",
    spec: "spec/mix.md#keys",
};

/// Prefix of the replay tag hash (`spec/mix.md §3`, `MIX-TAG-1`).
pub const REPLAY_TAG: Label = Label {
    bytes: b"contact-tracing/v1/mix/replay-tag",
    spec: "spec/mix.md#keys",
};

/// HKDF-Expand info turning a SURB's MessageKey into the replier's LIONESS key (`spec/mix.md §6.2`).
pub const SURB_REPLY_KEY: Label = Label {
    bytes: b"contact-tracing/v1/mix/surb-reply-key",
    spec: "spec/mix.md#surb-use",
};

/// Prefix of the message signed by each Discovery entry (`spec/mix.md §9`).
pub const DISCOVERY_ENTRY: Label = Label {
    bytes: b"contact-tracing/v1/mix/discovery-entry",
    spec: "spec/mix.md#discovery",
};

/// Every label of this protocol, for the registry check.
pub const ALL: &[Label] = &[
    HOP_SALT,
    HOP_KEYS,
    REPLAY_TAG,
    SURB_REPLY_KEY,
    DISCOVERY_ENTRY,
];
