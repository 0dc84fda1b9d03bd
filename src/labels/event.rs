//! Domain-separation labels of the `event` protocol (`spec/events.md §2`).

use super::Label;

macro_rules! event_labels {
    ($($(#[$doc:meta])* $name:ident = $bytes:literal, $spec:literal;)*) => {
        $( $(#[$doc])* pub const $name: Label = Label { bytes: $bytes, spec: $spec }; )*
        /// Every label of this protocol, for the registry check.
        pub const ALL: &[Label] = &[$($name),*];
    };
}

event_labels! {
    /// Fingerprint of a public key (`spec/events.md §3.2`).
    FINGERPRINT = b"contact-tracing/v1/event/fingerprint", "spec/events.md#32-fingerprint";
    /// Pairing MAC key derivation (`spec/events.md §5.2`).
    PAIRING_KEY = b"contact-tracing/v1/event/pairing-key", "spec/events.md#52-pairing-qr-payload";
    /// Pairing QR transcript hash (`spec/events.md §5.2`).
    PAIRING_TRANSCRIPT = b"contact-tracing/v1/event/pairing-transcript", "spec/events.md#52-pairing-qr-payload";
    /// PairingCommit: the joiner's hash commitment to its hello, and the commit's MAC
    /// (`spec/events.md §5.3`).
    PAIRING_COMMIT = b"contact-tracing/v1/event/pairing-commit", "spec/events.md#53-pairingcommit";
    /// PairingHello signature (`spec/events.md §5.4`).
    PAIRING_HELLO = b"contact-tracing/v1/event/pairing-hello", "spec/events.md#54-pairinghello";
    /// PairingHello MAC (`spec/events.md §5.4`).
    PAIRING_MAC = b"contact-tracing/v1/event/pairing-mac", "spec/events.md#54-pairinghello";
    /// PairingConfirm MAC (`spec/events.md §5.5`).
    PAIRING_CONFIRM = b"contact-tracing/v1/event/pairing-confirm", "spec/events.md#55-pairingconfirm-and-the-confirmation-code";
    /// Six-digit confirmation code (`spec/events.md §5.5`).
    PAIRING_SAS = b"contact-tracing/v1/event/pairing-sas", "spec/events.md#55-pairingconfirm-and-the-confirmation-code";
    /// ContactUpdate signature (`spec/events.md §5.6`).
    CONTACT_UPDATE = b"contact-tracing/v1/event/contact-update", "spec/events.md#56-contactupdate";
    /// CheckIn signature by the single-use credential (`spec/events.md §7.2`).
    CHECKIN_CREDENTIAL = b"contact-tracing/v1/event/checkin-credential", "spec/events.md#72-checkin-and-checkinack";
    /// CheckIn signature by the pseudonym (`spec/events.md §7.2`).
    CHECKIN_PSEUDONYM = b"contact-tracing/v1/event/checkin-pseudonym", "spec/events.md#72-checkin-and-checkinack";
    /// CheckInAck signature by the event (`spec/events.md §7.2`).
    CHECKIN_ACK = b"contact-tracing/v1/event/checkin-ack", "spec/events.md#72-checkin-and-checkinack";
    /// StatsRequest signature (`spec/events.md §7.3`).
    STATS_REQUEST = b"contact-tracing/v1/event/stats-request", "spec/events.md#73-statsrequest-and-stats";
    /// Stats signature by the event (`spec/events.md §7.3`).
    STATS_RESPONSE = b"contact-tracing/v1/event/stats-response", "spec/events.md#73-statsrequest-and-stats";
    /// Report signature by the pseudonym (`spec/events.md §7.4`).
    REPORT_PSEUDONYM = b"contact-tracing/v1/event/report-pseudonym", "spec/events.md#74-report-and-reportack";
    /// Report signature by the permanent identity: the identity reveal (`spec/events.md §7.4`).
    REPORT_IDENTITY = b"contact-tracing/v1/event/report-identity", "spec/events.md#74-report-and-reportack";
    /// ReportAck signature by the event (`spec/events.md §7.4`).
    REPORT_ACK = b"contact-tracing/v1/event/report-ack", "spec/events.md#74-report-and-reportack";
}
