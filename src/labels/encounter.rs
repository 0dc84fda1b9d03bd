//! Domain-separation labels of the `encounter` protocol (`spec/encounter.md §2.1`).
//!
//! `ONION_CHECKSUM` is fixed by Tor (rend-spec-v3 §6) and kept byte-for-byte; every other label
//! has the form `contact-tracing/v1/encounter/<purpose>`.

use super::Label;

const SPEC_LABELS: &str = "spec/encounter.md#21-labels";

/// Prefix of the v3 onion address checksum (`spec/encounter.md §3.1`), inherited from Tor.
pub const ONION_CHECKSUM: Label = Label {
    bytes: b".onion checksum",
    spec: SPEC_LABELS,
};

/// HKDF salt of the pair-secret extraction (`spec/encounter.md §5.2`).
pub const EXTRACT: Label = Label {
    bytes: b"contact-tracing/v1/encounter/extract",
    spec: SPEC_LABELS,
};

/// HKDF info prefix of the pair secret `S` (`spec/encounter.md §5.2`).
pub const PAIR_SECRET: Label = Label {
    bytes: b"contact-tracing/v1/encounter/pair-secret",
    spec: SPEC_LABELS,
};

/// HKDF info of `pair_id` (`spec/encounter.md §5.3`).
pub const PAIR_ID: Label = Label {
    bytes: b"contact-tracing/v1/encounter/pair-id",
    spec: SPEC_LABELS,
};

/// HKDF info prefix of `day_id(d)` (`spec/encounter.md §5.3`).
pub const DAY_ID: Label = Label {
    bytes: b"contact-tracing/v1/encounter/day-id",
    spec: SPEC_LABELS,
};

/// HKDF info prefix of the directional report keys (`spec/encounter.md §5.3`).
pub const REPORT_KEY: Label = Label {
    bytes: b"contact-tracing/v1/encounter/report-key",
    spec: SPEC_LABELS,
};

/// HKDF salt of the rotating identity seeds (`spec/encounter.md §6.2`).
pub const ROTATION: Label = Label {
    bytes: b"contact-tracing/v1/encounter/rotation",
    spec: SPEC_LABELS,
};

/// Prefix of the authority key id hash (`spec/encounter.md §7.1`).
pub const HA_KEY_ID: Label = Label {
    bytes: b"contact-tracing/v1/encounter/ha-key-id",
    spec: SPEC_LABELS,
};

/// Prefix of the message the health authority signs (`spec/encounter.md §7.2`).
pub const ATTESTATION: Label = Label {
    bytes: b"contact-tracing/v1/encounter/attestation",
    spec: SPEC_LABELS,
};

/// Prefix of the subject commitment (`spec/encounter.md §7.2`).
pub const SUBJECT: Label = Label {
    bytes: b"contact-tracing/v1/encounter/subject",
    spec: SPEC_LABELS,
};

/// Prefix of the report MAC input (`spec/encounter.md §8.1`).
pub const REPORT_MAC: Label = Label {
    bytes: b"contact-tracing/v1/encounter/report-mac",
    spec: SPEC_LABELS,
};

/// Every label of this protocol, for the registry check.
pub const ALL: &[Label] = &[
    ONION_CHECKSUM,
    EXTRACT,
    PAIR_SECRET,
    PAIR_ID,
    DAY_ID,
    REPORT_KEY,
    ROTATION,
    HA_KEY_ID,
    ATTESTATION,
    SUBJECT,
    REPORT_MAC,
];
