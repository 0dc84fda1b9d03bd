//! Corona Network events (seed 002): identities, contact pairing, event check-in, the five-status
//! machine and the on-device infection-status cascade, as specified in `spec/events.md`.
//!
//! * [`identity`]: permanent identity keys, discovery keys and fingerprints (§3).
//! * [`pairing`]: the 64-byte pairing QR, the committed PairingHello exchange, PairingConfirm and
//!   signed contact updates (§5).
//! * [`status`]: the five statuses and the transition table (§6).
//! * [`messages`]: the strict binary codecs of every message (§4, §5, §7).
//! * [`event`](mod@event): the event as a sans-IO state machine (§7).
//! * [`device`]: the participant's device: polling, High Risk inference and the cascade (§8, §9).
//!
//! Time is always an explicit `now: u64` in Unix seconds. The module needs the `alloc` feature.

pub mod device;
#[allow(clippy::module_inception)]
pub mod event;
pub mod identity;
pub mod messages;
pub mod pairing;
pub mod status;

use crate::error::ErrorCode;
use crate::wire::WireError;

pub use device::{Device, EventHandle};
pub use event::{Accepted, CheckInQr, Event, Phase};
pub use identity::{fingerprint, DiscoveryKey, IdentityKey, SecretSeed};
pub use pairing::{Contact, ContactBook, ContactUpdate, Initiator, Joiner, PairingQr, Role};
pub use status::{Cause, Status, StatusState};

/// One day in seconds (`spec/events.md §1`).
pub const DAY: u64 = 86_400;
/// Reports and stats continue for this long after an event's end (`spec/events.md §7.5`).
pub const GRACE: u64 = 14 * DAY;
/// Read-only archive after the grace period (`spec/events.md §7.5`).
pub const ARCHIVE: u64 = 30 * DAY;
/// An event not ended by `start + MAX_EVENT_DURATION` is treated as ended then (`spec/events.md §7.5`).
pub const MAX_EVENT_DURATION: u64 = 7 * DAY;
/// Suspected decays to Unknown after this long (`spec/events.md §6.2`).
pub const SUSPECTED_DECAY: u64 = 14 * DAY;
/// Negative decays to Unknown after this long (`spec/events.md §6.2`).
pub const NEGATIVE_DECAY: u64 = 14 * DAY;
/// High Risk expires (false alarm) this long after its onset (`spec/events.md §9.4`).
pub const HIGH_RISK_EXPIRY: u64 = 14 * DAY;
/// Tolerated clock difference for request and report times (`spec/events.md §7.3`).
pub const MAX_SKEW: u64 = 300;
/// Largest `hops` of a High Risk status (`spec/events.md §6.3`).
pub const MAX_HOPS: u8 = 3;
/// Longest reporter name in bytes (`spec/events.md §7.4`).
pub const MAX_NAME_LEN: usize = 64;
/// Longest report message in bytes (`spec/events.md §7.4`).
pub const MAX_MESSAGE_LEN: usize = 280;

/// Every way an `event` operation can fail (`spec/events.md §10`, error table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EventError {
    /// Input ended inside a field.
    Truncated,
    /// Bytes after the last field.
    TrailingBytes,
    /// Output buffer too small (API-only).
    BufferTooSmall,
    /// First byte is not the expected message tag.
    UnknownTag,
    /// Status byte not in `0..=4`.
    BadStatus,
    /// Hops inconsistent with the status.
    BadHops,
    /// Name or message too long, or not UTF-8.
    BadText,
    /// Pairing role not 0 or 1.
    BadRole,
    /// Public key not canonical or of small order.
    BadKey,
    /// Check-in credential signature invalid.
    BadCredentialSig,
    /// Pseudonym signature invalid.
    BadPseudonymSig,
    /// Permanent identity signature invalid.
    BadIdentitySig,
    /// Event signature on an ack or stats invalid.
    BadEventSig,
    /// Pairing MAC or confirmation invalid.
    BadMac,
    /// A PairingHello that does not open the joiner's commitment.
    BadCommitment,
    /// PairingHello from the receiver's own role.
    PairingRole,
    /// Pairing with one's own identity.
    PairingSelf,
    /// A second pairing session for a QR that already has one.
    PairingBusy,
    /// Pairing call out of order (API-only).
    PairingState,
    /// Contact update from a non-contact.
    ContactUnknown,
    /// The event has ended (check-in, credential issue, ending twice).
    Closed,
    /// Report during the read-only archive.
    Archived,
    /// The event is deleted.
    Deleted,
    /// Check-in credential never issued.
    CheckInUnknown,
    /// Check-in credential already used.
    CheckInBurned,
    /// Pseudonym already checked in.
    PseudonymExists,
    /// Pseudonym not checked in.
    PseudonymUnknown,
    /// Stats request time outside the tolerated skew.
    RequestStale,
    /// A report reveals another identity than an earlier one.
    IdentitySwap,
    /// Counter or sequence number not increasing.
    Replay,
    /// Times inconsistent (since after time, future, going back).
    TimeInvalid,
    /// Infectious since after the event's end.
    NotRelevant,
    /// Not an edge of the transition table.
    TransitionRefused,
    /// A time edge taken before its duration.
    TransitionTooEarly,
    /// Stats of another event, or an unknown event handle.
    WrongEvent,
    /// Ack for another pseudonym or counter.
    WrongPseudonym,
    /// A bounded table is full (`spec/events.md §11`, Bounded state).
    TableFull,
}

impl EventError {
    /// Every error, in the order of the spec's error table.
    pub const ALL: [EventError; 37] = [
        EventError::Truncated,
        EventError::TrailingBytes,
        EventError::BufferTooSmall,
        EventError::UnknownTag,
        EventError::BadStatus,
        EventError::BadHops,
        EventError::BadText,
        EventError::BadRole,
        EventError::BadKey,
        EventError::BadCredentialSig,
        EventError::BadPseudonymSig,
        EventError::BadIdentitySig,
        EventError::BadEventSig,
        EventError::BadMac,
        EventError::BadCommitment,
        EventError::PairingRole,
        EventError::PairingSelf,
        EventError::PairingBusy,
        EventError::PairingState,
        EventError::ContactUnknown,
        EventError::Closed,
        EventError::Archived,
        EventError::Deleted,
        EventError::CheckInUnknown,
        EventError::CheckInBurned,
        EventError::PseudonymExists,
        EventError::PseudonymUnknown,
        EventError::RequestStale,
        EventError::IdentitySwap,
        EventError::Replay,
        EventError::TimeInvalid,
        EventError::NotRelevant,
        EventError::TransitionRefused,
        EventError::TransitionTooEarly,
        EventError::WrongEvent,
        EventError::WrongPseudonym,
        EventError::TableFull,
    ];

    /// Errors the spec marks as API-only (no vector can trigger them from bytes).
    pub const API_ONLY: [EventError; 1] = [EventError::BufferTooSmall];
}

impl ErrorCode for EventError {
    fn code(&self) -> &'static str {
        match self {
            EventError::Truncated => "EVENT_TRUNCATED",
            EventError::TrailingBytes => "EVENT_TRAILING_BYTES",
            EventError::BufferTooSmall => "EVENT_BUFFER_TOO_SMALL",
            EventError::UnknownTag => "EVENT_UNKNOWN_TAG",
            EventError::BadStatus => "EVENT_BAD_STATUS",
            EventError::BadHops => "EVENT_BAD_HOPS",
            EventError::BadText => "EVENT_BAD_TEXT",
            EventError::BadRole => "EVENT_BAD_ROLE",
            EventError::BadKey => "EVENT_BAD_KEY",
            EventError::BadCredentialSig => "EVENT_BAD_CREDENTIAL_SIG",
            EventError::BadPseudonymSig => "EVENT_BAD_PSEUDONYM_SIG",
            EventError::BadIdentitySig => "EVENT_BAD_IDENTITY_SIG",
            EventError::BadEventSig => "EVENT_BAD_EVENT_SIG",
            EventError::BadMac => "EVENT_BAD_MAC",
            EventError::BadCommitment => "EVENT_BAD_COMMITMENT",
            EventError::PairingRole => "EVENT_PAIRING_ROLE",
            EventError::PairingSelf => "EVENT_PAIRING_SELF",
            EventError::PairingBusy => "EVENT_PAIRING_BUSY",
            EventError::PairingState => "EVENT_PAIRING_STATE",
            EventError::ContactUnknown => "EVENT_CONTACT_UNKNOWN",
            EventError::Closed => "EVENT_CLOSED",
            EventError::Archived => "EVENT_ARCHIVED",
            EventError::Deleted => "EVENT_DELETED",
            EventError::CheckInUnknown => "EVENT_CHECKIN_UNKNOWN",
            EventError::CheckInBurned => "EVENT_CHECKIN_BURNED",
            EventError::PseudonymExists => "EVENT_PSEUDONYM_EXISTS",
            EventError::PseudonymUnknown => "EVENT_PSEUDONYM_UNKNOWN",
            EventError::RequestStale => "EVENT_REQUEST_STALE",
            EventError::IdentitySwap => "EVENT_IDENTITY_SWAP",
            EventError::Replay => "EVENT_REPLAY",
            EventError::TimeInvalid => "EVENT_TIME_INVALID",
            EventError::NotRelevant => "EVENT_NOT_RELEVANT",
            EventError::TransitionRefused => "EVENT_TRANSITION_REFUSED",
            EventError::TransitionTooEarly => "EVENT_TRANSITION_TOO_EARLY",
            EventError::WrongEvent => "EVENT_WRONG_EVENT",
            EventError::WrongPseudonym => "EVENT_WRONG_PSEUDONYM",
            EventError::TableFull => "EVENT_TABLE_FULL",
        }
    }
}

impl From<WireError> for EventError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Truncated => EventError::Truncated,
            WireError::TrailingBytes => EventError::TrailingBytes,
            _ => EventError::BufferTooSmall,
        }
    }
}

impl core::fmt::Display for EventError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EventError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_prefixed() {
        let mut codes: std::vec::Vec<_> = EventError::ALL.iter().map(|e| e.code()).collect();
        assert!(codes.iter().all(|c| c.starts_with("EVENT_")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), EventError::ALL.len());
    }
}
