//! Encounter Diffie-Hellman between Tor v3 onion identities and health-authority-signed infection
//! reports (seed 000), as specified in `spec/encounter.md`.
//!
//! * [`OnionAddress`]: strict v3 address codec (`§3.1`, `§3.2`).
//! * [`IdentityKey`], [`PeerKey`]: identity keys from a seed, Tor's expanded form or Tor's key
//!   file, peer-key validation and the Ed25519 → X25519 conversion (`§3.3`, `§3.4`).
//! * [`BroadcastFrame`]: what a phone advertises (`§4`).
//! * [`PairSecret`], [`ContactRecord`]: the encounter secret and the identifiers derived from it
//!   (`§5`).
//! * [`RotationSchedule`]: rotating identities from a master secret (`§6`).
//! * [`AuthorityKey`], [`Attestation`], [`InfectionReport`]: the health authority's signed
//!   attestation and the report sent to each contact (`§7`, `§8`).
//! * [`Receiver`], [`ReplayCache`]: the ordered receiver checks and the bounded replay cache (`§9`).
//! * [`ContactBook`]: a bounded contact store (`§9.4`).
//! * [`LoadGovernor`]: inbound-load accounting that decides when to take the service down (`§10`).

mod address;
mod authority;
#[cfg(feature = "alloc")]
mod contacts;
mod crypto;
mod frame;
mod keys;
mod load;
mod receiver;
mod report;
mod rotation;
mod secret;

use crate::error::ErrorCode;
use crate::wire::WireError;

pub use address::{OnionAddress, ADDRESS_LEN, BASE32_LEN};
pub use authority::{Attestation, AttestationFields, AuthorityKey, ReportType, ATTESTATION_LEN};
#[cfg(feature = "alloc")]
pub use contacts::{ContactBook, ContactLimits, Recorded};
pub use frame::{BroadcastFrame, FRAME_LEN, FRAME_VERSION, LEGACY_BLE_SERVICE_DATA_CAPACITY};
pub use keys::{
    x25519_contributory, x25519_shared, IdentityKey, PeerKey, TOR_PUBLIC_HEADER,
    TOR_PUBLIC_KEY_FILE_LEN, TOR_SECRET_HEADER, TOR_SECRET_KEY_FILE_LEN,
};
pub use load::{LoadGovernor, LoadInput, LoadOutput, LoadParams};
pub use receiver::{
    ContactStore, Notification, Policy, ReceiveOutcome, Receiver, ReplayCache, DEFAULT_MAX_SKEW,
    DEFAULT_MAX_VALIDITY,
};
pub use report::{InfectionReport, REPORT_LEN};
pub use rotation::RotationSchedule;
pub use secret::{day_of, ContactRecord, PairSecret, CONTACT_HORIZON_DAYS, SECONDS_PER_DAY};

/// Every way an `encounter` operation can fail (`spec/encounter.md §12`, error table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncounterError {
    /// The address does not end in `.onion` (§3.2 step 1).
    AddrNoSuffix,
    /// The address has a subdomain (§3.2 step 2).
    AddrSubdomain,
    /// The address label is not 56 characters (§3.2 step 3).
    AddrLength,
    /// A character outside the base32 alphabet (§3.2 step 4).
    AddrAlphabet,
    /// Letters of both cases (§3.2 step 5).
    AddrMixedCase,
    /// The version byte is not 3 (§3.2 step 6).
    AddrVersion,
    /// The checksum does not match (§3.2 step 7).
    AddrChecksum,
    /// The key does not decompress to a curve point (§3.4 step 1).
    KeyNotOnCurve,
    /// The key is not the canonical encoding of its point (§3.4 step 2).
    KeyNoncanonical,
    /// The key is a point of small order (§3.4 step 3).
    KeySmallOrder,
    /// The key has a torsion component (§3.4 step 4).
    KeyTorsion,
    /// A Tor key file of the wrong length (§3.3).
    KeyfileLength,
    /// A Tor key file with the wrong header (§3.3).
    KeyfileHeader,
    /// The secret scalar is not clamped: X25519 and Ed25519 would use different scalars (§3.3).
    SecretNotClamped,
    /// The identity's public key differs from the expected one (§3.3).
    PublicMismatch,
    /// The peer key equals the own key (§5.1 step 1).
    SelfEncounter,
    /// The X25519 output is all zero (§5.1 step 3).
    ZeroSharedSecret,
    /// A broadcast frame of the wrong length (§4).
    FrameLength,
    /// A broadcast frame of an unknown version (§4).
    FrameVersion,
    /// Rotation parameters out of range (§6.2).
    RotationParams,
    /// The requested epoch is not live (§6.2).
    EpochNotLive,
    /// An attestation of the wrong length (§7.2).
    AttestationLength,
    /// An attestation of an unknown version (§7.2).
    AttestationVersion,
    /// An attestation with the wrong kind byte (§7.2).
    AttestationKind,
    /// A report type that is not allocated (§7.2).
    ReportTypeUnknown,
    /// A report of the wrong length (§8.1).
    ReportLength,
    /// A report of an unknown version (§8.1).
    ReportVersion,
    /// A report with the wrong kind byte (§8.1).
    ReportKind,
    /// No contact record has this `pair_id` (§9.2 step 2).
    NotAContact,
    /// The report MAC does not verify (§9.2 step 3).
    BadMac,
    /// No pinned authority key has this key id (§9.2 step 4a).
    UnknownKeyId,
    /// The authority key is revoked (§9.2 step 4b).
    KeyRevoked,
    /// The attestation was issued outside the key's validity window (§9.2 step 4c).
    KeyOutsideValidity,
    /// The authority signature does not verify (§9.2 step 5).
    BadSignature,
    /// Issued in the future beyond the allowed skew (§9.2 step 6a).
    IssuedInFuture,
    /// `not_after ≤ issued_at` or a validity longer than allowed (§9.2 step 6b, §7.3).
    ValidityTooLong,
    /// The attestation has expired (§9.2 step 6c).
    Expired,
    /// No recorded encounter falls in the contagious window (§9.2 step 6d).
    OutsideWindow,
    /// The disease code is not accepted by the policy (§9.2 step 7a).
    DiseaseNotAccepted,
    /// The report type is not accepted by the policy (§9.2 step 7b).
    ReportTypeNotAccepted,
    /// The subject commitment does not open to the contact's key (§9.2 step 8).
    BadCommitment,
    /// This `(cert_nonce, pair_id)` was already accepted (§9.3).
    Replayed,
    /// The replay cache has no free slot (§9.3).
    ReplayCacheFull,
    /// Contact-store limits out of range (§9.4).
    ContactLimits,
    /// The day's quota of new contact records is used up (§9.4).
    ContactQuota,
    /// The contact store is full of unexpired records (§9.4).
    ContactStoreFull,
    /// Load-governor parameters out of range (§10).
    DdosParams,
    /// The caller's output buffer is too small (API only).
    BufferTooSmall,
}

impl EncounterError {
    /// Every error, in the order of the spec's error table.
    pub const ALL: [EncounterError; 48] = [
        EncounterError::AddrNoSuffix,
        EncounterError::AddrSubdomain,
        EncounterError::AddrLength,
        EncounterError::AddrAlphabet,
        EncounterError::AddrMixedCase,
        EncounterError::AddrVersion,
        EncounterError::AddrChecksum,
        EncounterError::KeyNotOnCurve,
        EncounterError::KeyNoncanonical,
        EncounterError::KeySmallOrder,
        EncounterError::KeyTorsion,
        EncounterError::KeyfileLength,
        EncounterError::KeyfileHeader,
        EncounterError::SecretNotClamped,
        EncounterError::PublicMismatch,
        EncounterError::SelfEncounter,
        EncounterError::ZeroSharedSecret,
        EncounterError::FrameLength,
        EncounterError::FrameVersion,
        EncounterError::RotationParams,
        EncounterError::EpochNotLive,
        EncounterError::AttestationLength,
        EncounterError::AttestationVersion,
        EncounterError::AttestationKind,
        EncounterError::ReportTypeUnknown,
        EncounterError::ReportLength,
        EncounterError::ReportVersion,
        EncounterError::ReportKind,
        EncounterError::NotAContact,
        EncounterError::BadMac,
        EncounterError::UnknownKeyId,
        EncounterError::KeyRevoked,
        EncounterError::KeyOutsideValidity,
        EncounterError::BadSignature,
        EncounterError::IssuedInFuture,
        EncounterError::ValidityTooLong,
        EncounterError::Expired,
        EncounterError::OutsideWindow,
        EncounterError::DiseaseNotAccepted,
        EncounterError::ReportTypeNotAccepted,
        EncounterError::BadCommitment,
        EncounterError::Replayed,
        EncounterError::ReplayCacheFull,
        EncounterError::ContactLimits,
        EncounterError::ContactQuota,
        EncounterError::ContactStoreFull,
        EncounterError::DdosParams,
        EncounterError::BufferTooSmall,
    ];

    /// Codes that only the API can raise (no vector can trigger them), per `spec/encounter.md §12`.
    pub const API_ONLY: [EncounterError; 1] = [EncounterError::BufferTooSmall];
}

impl ErrorCode for EncounterError {
    fn code(&self) -> &'static str {
        use EncounterError as E;
        match self {
            E::AddrNoSuffix => "ENCOUNTER_ADDR_NO_SUFFIX",
            E::AddrSubdomain => "ENCOUNTER_ADDR_SUBDOMAIN",
            E::AddrLength => "ENCOUNTER_ADDR_LENGTH",
            E::AddrAlphabet => "ENCOUNTER_ADDR_ALPHABET",
            E::AddrMixedCase => "ENCOUNTER_ADDR_MIXED_CASE",
            E::AddrVersion => "ENCOUNTER_ADDR_VERSION",
            E::AddrChecksum => "ENCOUNTER_ADDR_CHECKSUM",
            E::KeyNotOnCurve => "ENCOUNTER_KEY_NOT_ON_CURVE",
            E::KeyNoncanonical => "ENCOUNTER_KEY_NONCANONICAL",
            E::KeySmallOrder => "ENCOUNTER_KEY_SMALL_ORDER",
            E::KeyTorsion => "ENCOUNTER_KEY_TORSION",
            E::KeyfileLength => "ENCOUNTER_KEYFILE_LENGTH",
            E::KeyfileHeader => "ENCOUNTER_KEYFILE_HEADER",
            E::SecretNotClamped => "ENCOUNTER_SECRET_NOT_CLAMPED",
            E::PublicMismatch => "ENCOUNTER_PUBLIC_MISMATCH",
            E::SelfEncounter => "ENCOUNTER_SELF_ENCOUNTER",
            E::ZeroSharedSecret => "ENCOUNTER_ZERO_SHARED_SECRET",
            E::FrameLength => "ENCOUNTER_FRAME_LENGTH",
            E::FrameVersion => "ENCOUNTER_FRAME_VERSION",
            E::RotationParams => "ENCOUNTER_ROTATION_PARAMS",
            E::EpochNotLive => "ENCOUNTER_EPOCH_NOT_LIVE",
            E::AttestationLength => "ENCOUNTER_ATTESTATION_LENGTH",
            E::AttestationVersion => "ENCOUNTER_ATTESTATION_VERSION",
            E::AttestationKind => "ENCOUNTER_ATTESTATION_KIND",
            E::ReportTypeUnknown => "ENCOUNTER_REPORT_TYPE_UNKNOWN",
            E::ReportLength => "ENCOUNTER_REPORT_LENGTH",
            E::ReportVersion => "ENCOUNTER_REPORT_VERSION",
            E::ReportKind => "ENCOUNTER_REPORT_KIND",
            E::NotAContact => "ENCOUNTER_NOT_A_CONTACT",
            E::BadMac => "ENCOUNTER_BAD_MAC",
            E::UnknownKeyId => "ENCOUNTER_UNKNOWN_KEY_ID",
            E::KeyRevoked => "ENCOUNTER_KEY_REVOKED",
            E::KeyOutsideValidity => "ENCOUNTER_KEY_OUTSIDE_VALIDITY",
            E::BadSignature => "ENCOUNTER_BAD_SIGNATURE",
            E::IssuedInFuture => "ENCOUNTER_ISSUED_IN_FUTURE",
            E::ValidityTooLong => "ENCOUNTER_VALIDITY_TOO_LONG",
            E::Expired => "ENCOUNTER_EXPIRED",
            E::OutsideWindow => "ENCOUNTER_OUTSIDE_WINDOW",
            E::DiseaseNotAccepted => "ENCOUNTER_DISEASE_NOT_ACCEPTED",
            E::ReportTypeNotAccepted => "ENCOUNTER_REPORT_TYPE_NOT_ACCEPTED",
            E::BadCommitment => "ENCOUNTER_BAD_COMMITMENT",
            E::Replayed => "ENCOUNTER_REPLAYED",
            E::ReplayCacheFull => "ENCOUNTER_REPLAY_CACHE_FULL",
            E::ContactLimits => "ENCOUNTER_CONTACT_LIMITS",
            E::ContactQuota => "ENCOUNTER_CONTACT_QUOTA",
            E::ContactStoreFull => "ENCOUNTER_CONTACT_STORE_FULL",
            E::DdosParams => "ENCOUNTER_DDOS_PARAMS",
            E::BufferTooSmall => "ENCOUNTER_BUFFER_TOO_SMALL",
        }
    }
}

impl From<WireError> for EncounterError {
    fn from(_: WireError) -> Self {
        // Every structure of this protocol has a fixed length checked before reading, so the only
        // wire error that can reach here is an encoder's short buffer.
        EncounterError::BufferTooSmall
    }
}

impl core::fmt::Display for EncounterError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EncounterError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_prefixed() {
        for (i, a) in EncounterError::ALL.iter().enumerate() {
            assert!(a.code().starts_with("ENCOUNTER_"));
            for b in EncounterError::ALL.iter().skip(i + 1) {
                assert_ne!(a.code(), b.code());
            }
        }
    }
}
