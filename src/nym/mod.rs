//! Nym swap, mailbox and client of seed 001 (`spec/nym.md`): blind contact addresses, the
//! nymserver's SURB store, mailbox servers, health-authority tokens and the notification chain.
//!
//! Builds on [`crate::mix`]: every Swap, upload fragment, notification and dummy is one
//! fixed-size mix packet (380 bytes at 4 hops).
//!
//! * [`ContactAddress`] / [`nym_key`] / [`seal_blob`]: contact addresses and the blob (`§3.1`).
//! * [`SwapRequest`], [`Fragment`], [`Upload`], [`ClientMessage`], [`LogEntry`],
//!   [`PollResponse`]: strict codecs (`§3`, `§5`, `§6`).
//! * [`Nymserver`] over a [`NymStore`] (`§3.4`, `§6.5`); [`Mailbox`] over a [`MailboxStore`]
//!   (`§5`); [`authority::Authority`], [`authority::Token`], [`authority::SpentSet`] (`§6.2`).
//! * [`Client`]: address supply, broadcast, contact log, infection, chain extension and the
//!   five-step update schedule (`§7`).
//!
//! ```
//! use contact_tracing::mix::{create_surb, Geometry, MailboxAddress, MixSecret, RouteHop};
//! use contact_tracing::nym::authority::Authority;
//! use contact_tracing::nym::{
//!     nym_key, seal_blob, ContactAddress, NotificationBody, Nymserver, NymserverSecret,
//!     SendOutcome, SwapOutcome, SwapRequest,
//! };
//!
//! let g = Geometry::FOUR_HOPS;
//! let route: Vec<RouteHop> = [1u8, 2, 3, 10]
//!     .iter()
//!     .map(|n| RouteHop { entity: *n, key_select: 0, public_key: MixSecret::from_bytes([*n; 32]).public_key() })
//!     .collect();
//! // The client: a contact address K and a SURB to its mailbox, sealed under K.
//! let k = ContactAddress::from_seed(&[7; 32]).address();
//! let (surb, _secret) = create_surb(g, &route, &MailboxAddress([9; 36]), &[1; 32], &[2; 32])?;
//! let swap = SwapRequest { key: nym_key(&k), authentication: [0; 32], blob: seal_blob(&k, &surb)? };
//! assert_eq!(swap.encode().len(), 238); // fills the 4-hop payload exactly
//!
//! // The nymserver stores it; a Send with K (from an authorised upload) replies through the SURB.
//! let ha = Authority::from_seed(&[3; 32]);
//! let mut ns = Nymserver::new(g, NymserverSecret::from_bytes([4; 32]), ha.public());
//! assert_eq!(ns.swap(1_700_000_000, &swap)?, SwapOutcome::Created);
//! let body = NotificationBody {
//!     case_id: [5; 16], chain_token: [6; 16], generation: 0, disease: 1, time: 1_699_990_000, duration: 3,
//! };
//! let SendOutcome::Sent(first_hop, packet) = ns.send(1_700_000_000, &k, &body)? else { unreachable!() };
//! assert_eq!((first_hop, packet.as_bytes().len()), (1, 380));
//! // A second message waits for the client to re-arm the address.
//! assert_eq!(ns.send(1_700_000_000, &k, &body)?, SendOutcome::Queued);
//! # Ok::<(), contact_tracing::nym::NymError>(())
//! ```

#[cfg(feature = "alloc")]
mod address;
#[cfg(feature = "alloc")]
pub mod authority;
#[cfg(feature = "alloc")]
mod client;
#[cfg(feature = "alloc")]
mod log;
#[cfg(feature = "alloc")]
mod mailbox;
#[cfg(feature = "alloc")]
mod messages;
#[cfg(feature = "alloc")]
mod nymserver;

use crate::error::ErrorCode;
use crate::mix::MixError;
use crate::wire::WireError;

#[cfg(feature = "alloc")]
pub use address::{
    ack_message_key, blob_mask, chain_distance, chain_element, chain_seed, chain_step, nym_key,
    open_blob, resend_key, seal_blob, validate_blob, verify_response, Challenge, ContactAddress,
    Response, RESPONSE_LEN,
};
#[cfg(feature = "alloc")]
pub use client::{
    read_payload, read_status, AddressState, Client, ClientConfig, ClientEvent, ClientPolicy,
    Outgoing, OutgoingKind, Reading, UploadResult,
};
#[cfg(feature = "alloc")]
pub use log::{ContactLog, LogEntry, NymserverSecret};
#[cfg(feature = "alloc")]
pub use mailbox::{Mailbox, MailboxEntry, MailboxLimits, MailboxStore, MemoryMailboxStore};
#[cfg(feature = "alloc")]
pub use messages::{
    fragment_upload, Ack, ClientMessage, Fragment, Notification, NotificationBody, NymMessage,
    PollResponse, SealedRecord, StatusRequest, SwapRequest, Upload, UploadState, UploadStatus,
    UPLOAD_RESULT_CODES,
};
#[cfg(feature = "alloc")]
pub use nymserver::{
    Case, CaseMember, Delivery, MemoryNymStore, NymEntry, NymStore, Nymserver, NymserverLimits,
    Queued, SendOutcome, ServerOutput, SwapOutcome, UploadReport,
};

/// Seconds per day.
pub const DAY: u64 = 86_400;
/// Length of a contact address `K` (`spec/nym.md §2`).
pub const ADDRESS_LEN: usize = 32;
/// Length of a nymserver lookup key.
pub const NYM_KEY_LEN: usize = 32;
/// Length of a Swap authentication value (a swap-chain element).
pub const AUTH_LEN: usize = 32;
/// One contact address per slot of this many seconds (288 a day).
pub const SLOT_SECONDS: u64 = 300;
/// Life of a contact-log entry.
pub const LOG_RETENTION: u64 = 30 * DAY;
/// How long before its slot a client may create a contact address (`spec/nym.md §7.1`).
pub const MAX_SUPPLY_LEAD: u64 = DAY;
/// The last part of a nymserver entry's life, in which it refuses Sends (`spec/nym.md §3.5`, D1):
/// its owner's last Swap comes after every message it accepted (`§7.1`, NYM-CLIENT-8).
pub const SEND_CLOSE: u64 = DAY;
/// Life of a nymserver entry from its creation: it accepts Sends for longer than every log entry
/// naming its address lives, and then closes for `SEND_CLOSE`.
pub const ENTRY_LIFETIME: u64 = LOG_RETENTION + MAX_SUPPLY_LEAD + SEND_CLOSE;
/// Life of a mailbox address from first sight.
pub const MAILBOX_RETENTION: u64 = 30 * DAY;
/// Queued messages per nymserver entry.
pub const MAX_QUEUE: usize = 16;
/// Messages one nymserver entry accepts over its life (the sequence number is one byte).
pub const MAX_MESSAGES: u8 = 32;
/// Sealed copies of the latest messages kept per entry and repeated in acknowledgements.
pub const HISTORY_LEN: usize = 3;
/// How far ahead of the stored element a Swap's chain element may be.
pub const SWAP_WINDOW: usize = 128;
/// Elements in a contact address's swap chain: Swaps it can make in its life.
pub const CHAIN_LEN: usize = 512;
/// Payloads kept per mailbox address.
pub const MAX_MAILBOX_PAYLOADS: usize = 64;
/// Data bytes per upload fragment.
pub const FRAGMENT_DATA_MAX: usize = 216;
/// Header bytes of an upload fragment.
pub const FRAGMENT_HEADER_LEN: usize = 21;
/// Fragments per upload.
pub const MAX_FRAGMENTS: u16 = 1024;
/// Incomplete uploads are dropped, and completed ones forgotten, after this many seconds.
pub const UPLOAD_TIMEOUT: u64 = DAY;
/// Life of a case after its last upload.
pub const CASE_LIFETIME: u64 = ENTRY_LIFETIME;
/// Length of a health-authority token.
pub const TOKEN_LEN: usize = 92;
/// Length of an encrypted contact-log entry.
pub const LOG_ENTRY_LEN: usize = 90;
/// Length of a notification body (what the nymserver seals and sequences).
pub const NOTIFICATION_BODY_LEN: usize = 45;
/// Length of a notification message (`0x01 || seq || body`).
pub const NOTIFICATION_LEN: usize = 2 + NOTIFICATION_BODY_LEN;
/// Length of a sealed record (`seq || ciphertext || tag`).
pub const SEALED_RECORD_LEN: usize = 1 + NOTIFICATION_BODY_LEN + 16;
/// Length of a case id and of a chain token.
pub const CASE_ID_LEN: usize = 16;
/// Length of an upload id.
pub const UPLOAD_ID_LEN: usize = 16;
/// Contact-log entries a client keeps: what one upload can carry.
pub const MAX_LOG_ENTRIES: usize = 2400;

/// Every way a nym operation can fail (`spec/nym.md §8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NymError {
    /// The input ended early.
    Truncated,
    /// Bytes follow the value.
    TrailingBytes,
    /// Unknown type byte or length class.
    Malformed,
    /// A mailbox payload that is not `P` bytes.
    BadLength,
    /// A SURB (in a blob or a status request) that breaks `spec/mix.md §6.1`.
    BadBlob,
    /// A Swap whose chain element does not lead to the stored one.
    BadAuthentication,
    /// A Swap whose chain element was already used: delayed, duplicated or replayed.
    StaleSwap,
    /// Send to an absent or expired entry.
    UnknownAddress,
    /// A bounded table is full (`spec/nym.md §9`).
    Capacity,
    /// The mailbox address holds the maximum number of payloads.
    MailboxFull,
    /// Upload fragment fields are inconsistent.
    BadFragment,
    /// A token with an invalid policy byte.
    TokenMalformed,
    /// A token whose signature does not verify.
    TokenBadSignature,
    /// A token past its expiry.
    TokenExpired,
    /// A token or chain token already redeemed.
    TokenSpent,
    /// An all-zero X25519 output.
    WeakKey,
    /// A contact-log entry whose tag does not verify.
    LogDecrypt,
    /// No such case.
    UnknownCase,
    /// The address is not a member of the case.
    NotInCase,
    /// The chain token does not match.
    BadChainToken,
    /// The case's policy forbids another generation.
    ChainLimit,
    /// A batch approval with a bad signature or for an unknown batch.
    BadApproval,
    /// The broadcast response's signature does not verify.
    BadBroadcastSignature,
    /// A mailbox payload that is neither a notification nor an acknowledgement for its arm.
    BadReply,
    /// An error of the mix layer (API only).
    Mix,
}

impl NymError {
    /// Every error, in the order of the spec's error table.
    pub const ALL: [NymError; 25] = [
        NymError::Truncated,
        NymError::TrailingBytes,
        NymError::Malformed,
        NymError::BadLength,
        NymError::BadBlob,
        NymError::BadAuthentication,
        NymError::StaleSwap,
        NymError::UnknownAddress,
        NymError::Capacity,
        NymError::MailboxFull,
        NymError::BadFragment,
        NymError::TokenMalformed,
        NymError::TokenBadSignature,
        NymError::TokenExpired,
        NymError::TokenSpent,
        NymError::WeakKey,
        NymError::LogDecrypt,
        NymError::UnknownCase,
        NymError::NotInCase,
        NymError::BadChainToken,
        NymError::ChainLimit,
        NymError::BadApproval,
        NymError::BadBroadcastSignature,
        NymError::BadReply,
        NymError::Mix,
    ];

    /// Codes the spec marks as API-only: no vector carries them.
    pub const API_ONLY: [NymError; 1] = [NymError::Mix];
}

impl ErrorCode for NymError {
    fn code(&self) -> &'static str {
        match self {
            NymError::Truncated => "NYM_TRUNCATED",
            NymError::TrailingBytes => "NYM_TRAILING_BYTES",
            NymError::Malformed => "NYM_MALFORMED",
            NymError::BadLength => "NYM_BAD_LENGTH",
            NymError::BadBlob => "NYM_BAD_BLOB",
            NymError::BadAuthentication => "NYM_BAD_AUTHENTICATION",
            NymError::StaleSwap => "NYM_STALE_SWAP",
            NymError::UnknownAddress => "NYM_UNKNOWN_ADDRESS",
            NymError::Capacity => "NYM_CAPACITY",
            NymError::MailboxFull => "NYM_MAILBOX_FULL",
            NymError::BadFragment => "NYM_BAD_FRAGMENT",
            NymError::TokenMalformed => "NYM_TOKEN_MALFORMED",
            NymError::TokenBadSignature => "NYM_TOKEN_BAD_SIGNATURE",
            NymError::TokenExpired => "NYM_TOKEN_EXPIRED",
            NymError::TokenSpent => "NYM_TOKEN_SPENT",
            NymError::WeakKey => "NYM_WEAK_KEY",
            NymError::LogDecrypt => "NYM_LOG_DECRYPT",
            NymError::UnknownCase => "NYM_UNKNOWN_CASE",
            NymError::NotInCase => "NYM_NOT_IN_CASE",
            NymError::BadChainToken => "NYM_BAD_CHAIN_TOKEN",
            NymError::ChainLimit => "NYM_CHAIN_LIMIT",
            NymError::BadApproval => "NYM_BAD_APPROVAL",
            NymError::BadBroadcastSignature => "NYM_BAD_BROADCAST_SIGNATURE",
            NymError::BadReply => "NYM_BAD_REPLY",
            NymError::Mix => "NYM_MIX",
        }
    }
}

impl From<WireError> for NymError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::TrailingBytes => NymError::TrailingBytes,
            _ => NymError::Truncated,
        }
    }
}

impl From<MixError> for NymError {
    fn from(_: MixError) -> Self {
        NymError::Mix
    }
}

impl core::fmt::Display for NymError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for NymError {}

#[cfg(all(test, feature = "alloc"))]
mod tests;
