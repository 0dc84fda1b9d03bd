//! Mix packets of seed 001 (`spec/mix.md`): a compact Sphinx header, a LIONESS payload,
//! single-use reply blocks (SURBs), replay tags and daily mix keys.
//!
//! Sizes are set by [`Geometry`]: for the seed's 4 hops a packet is 380 bytes (header 141,
//! payload 239) and carries 238 message bytes. The hop count is a network parameter (1..=16).
//!
//! # API for the layer above (nym, mailbox, clients)
//!
//! Everything takes its randomness and time as arguments; nothing does I/O.
//!
//! **Discovery and routes.** [`DiscoveryDocument::decode`] checks every field as it reads it and
//! verifies every entity's Ed25519 signature by the one rule of `spec/ed25519.md`;
//! [`route_candidates`] lists the entities and day keys a route may use (`valid_until` lets a
//! SURB route outlive today) and [`select_route`] draws `r - 1` distinct mixes plus the final
//! entity and a day key for each hop from them, giving a `Vec<`[`RouteHop`]`>`.
//!
//! **Forward packets** (to a mailbox or to the nymserver): [`create_forward`] /
//! [`create_forward_with_rng`] take the route, a [`Destination`] (`Mailbox(MailboxAddress)` or
//! `Nymserver`) and a message of at most [`Geometry::max_message_len`] bytes, and return
//! `(first_hop, Packet)`: send `packet.as_bytes()` to entity `first_hop`.
//!
//! **SURBs.** [`create_surb`] / [`create_surb_with_rng`] return `(Surb, SurbSecret)`. The
//! [`Surb`] (header 141 + first hop 1 + MessageKey 32 = 174 bytes at 4 hops, [`Surb::encode`]) is
//! what the client hands to the replier (inside a Swap); the [`SurbSecret`] (hop secrets and the
//! MessageKey; [`SurbSecret::to_bytes`]) stays with the client. The replier calls
//! [`Surb::reply`]`(message)` and sends the returned packet to the returned first hop. The
//! mailbox stores the delivered payload; the client reads it with
//! [`SurbSecret::open_reply`]`(payload)`. A SURB works once: the first mix drops a reuse.
//!
//! **Receiving.** At the final hop [`Mix::process`] yields [`Outcome::Deliver`] (mailbox
//! address + payload) or [`Outcome::Swap`] (payload). A forward payload is opened with
//! [`unpad`]; a SURB reply payload only by its creator's [`SurbSecret::open_reply`].
//!
//! **Mixes.** A [`Mix`] owns a [`Keyring`] of day keys, a [`ReplayStore`] (in-memory default
//! [`MemoryReplayStore`]) bounded per key day ([`Mix::set_replay_capacity`], `spec/mix.md §8.2`)
//! and a [`DelayDistribution`]. [`Mix::rotate`] creates keys 30 days ahead and drops expired keys
//! with their replay partitions; [`Mix::process`] is the state machine of `spec/mix.md §7`
//! (forward with delay, deliver, swap, or a typed drop reason).
//! [`Keyring::published`] lists the day keys that [`EntityEntry::new_signed`] signs into the
//! entity's Discovery entry; [`DiscoveryDocument::new`] collects the entries.

//! # Example: a SURB round trip (what the nym layer does)
//!
//! ```
//! use contact_tracing::mix::*;
//! use rand_core::{CryptoRng, RngCore};
//! # struct Rng(u64);
//! # impl RngCore for Rng {
//! #     fn next_u32(&mut self) -> u32 { self.next_u64() as u32 }
//! #     fn next_u64(&mut self) -> u64 { self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); self.0 }
//! #     fn fill_bytes(&mut self, d: &mut [u8]) { for b in d { *b = self.next_u64() as u8; } }
//! #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), rand_core::Error> { self.fill_bytes(d); Ok(()) }
//! # }
//! # impl CryptoRng for Rng {}
//! # let mut rng = Rng(1); // use a real CSPRNG (e.g. OsRng) in practice
//! let g = Geometry::FOUR_HOPS;
//! let now = 1_700_000_000;
//! // Four entities; entity 3 is the client's mailbox server.
//! let mut mixes: Vec<Mix> = (0..4).map(|n| Mix::new(n, g, DelayDistribution::Fixed(0))).collect();
//! let route: Vec<RouteHop> = mixes
//!     .iter_mut()
//!     .map(|m| {
//!         m.rotate(now, &mut rng);
//!         let day = day_of(now);
//!         let public_key = m.keyring().secret(day).unwrap().public_key();
//!         RouteHop { entity: m.number(), key_select: key_select_for_day(day), public_key }
//!     })
//!     .collect();
//! let mailbox = MailboxAddress([7; 36]);
//! // Client: create the SURB (174 bytes on the wire) and keep the secret.
//! let (surb, kept) = create_surb_with_rng(g, &route, &mailbox, &mut rng)?;
//! let wire = surb.encode();
//! // Replier (nymserver): reply through the SURB.
//! let (mut next, packet) = Surb::decode(g, &wire)?.reply(b"exposure notification")?;
//! let mut bytes = packet.into_bytes();
//! // The network: each entity processes the packet.
//! let stored = loop {
//!     let m = mixes.iter_mut().find(|m| m.number() == next).unwrap();
//!     match m.process(now, &bytes, &mut rng)?.outcome {
//!         Outcome::Forward { next: n, packet } => { next = n; bytes = packet; }
//!         Outcome::Deliver { mailbox: at, payload } => { assert_eq!(at, mailbox); break payload; }
//!         Outcome::Swap { .. } => unreachable!(),
//!     }
//! };
//! // Client: fetch the mailbox and open the reply.
//! assert_eq!(kept.open_reply(&stored)?, b"exposure notification");
//! # Ok::<(), MixError>(())
//! ```

mod geometry;
mod hop;
mod lioness;

#[cfg(feature = "alloc")]
mod discovery;
#[cfg(feature = "alloc")]
mod node;
#[cfg(feature = "alloc")]
mod packet;
#[cfg(feature = "alloc")]
mod route;
#[cfg(feature = "alloc")]
mod surb;

use crate::error::ErrorCode;
use crate::wire::WireError;

pub use geometry::{
    pad_into, unpad, Geometry, ALPHA_LEN, DELIVER_MARKER, FINAL_BLOCK_LEN, KEY_SELECT_COUNT,
    MAC_LEN, MAILBOX_LEN, PER_HOP_LEN,
};
pub use hop::{
    blind, header_mac, header_mac_matches, replay_tag, shared_secret, Authenticated, HopKeys,
    PacketView, ReplayTag, REPLAY_TAG_LEN,
};
#[cfg(feature = "alloc")]
pub use hop::{process_hop, Outcome};
pub use lioness::{Lioness, LIONESS_KEY_LEN};

#[cfg(feature = "alloc")]
pub use discovery::{DiscoveryDocument, EntityEntry, Roles, MAX_KEYS_PER_ENTRY};
#[cfg(feature = "alloc")]
pub use node::{
    day_of, key_select_for_day, resolve_key_select, DelayDistribution, Keyring, MemoryReplayStore,
    Mix, MixSecret, Processed, ReplayStore, DEFAULT_REPLAY_CAPACITY_PER_DAY, KEY_LIFETIME_DAYS,
    KEY_PUBLISH_AHEAD_DAYS, MAX_HELD_DAYS, SECONDS_PER_DAY,
};
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub use packet::{build_header, build_header_unchecked, HeaderBuild};
#[cfg(feature = "alloc")]
pub use packet::{create_forward, create_forward_with_rng, Destination, Packet, RouteHop};
#[cfg(feature = "alloc")]
pub use route::{route_candidates, select_route, RouteCandidate, RouteCandidates};
#[cfg(feature = "alloc")]
pub use surb::{create_surb, create_surb_with_rng, reply_key, Surb, SurbSecret};

/// A 36-byte mailbox address: where a mailbox server stores a delivered payload
/// (`spec/mix.md §2.2`). Knowing it is the capability to read the mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailboxAddress(pub [u8; MAILBOX_LEN]);

/// Every way a mix operation can fail (`spec/mix.md §11`). The drop reasons of
/// [`Mix::process`] come first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MixError {
    /// The packet is not exactly `M(r)` bytes.
    BadLength,
    /// The key select is reserved (60..=255) or names a day key the mix does not hold.
    UnknownKeySelect,
    /// The key select names a day key that expired (or is not yet in force).
    KeyExpired,
    /// The packet's replay tag was already recorded.
    Replay,
    /// The replay-cache partition of the packet's key day is full (`spec/mix.md §8.2`).
    ReplayCacheFull,
    /// An X25519 output is all-zero (low-order group element or public key).
    WeakKey,
    /// The header MAC does not verify.
    BadMac,
    /// The decrypted routing block is not a valid forward or final block.
    MalformedAddress,
    /// The payload padding is invalid.
    BadPadding,
    /// The message is longer than `P - 1` bytes (creating side).
    MessageTooLong,
    /// Hop count outside 1..=16, or a route of the wrong length (API; SURB secret decoding).
    BadHopCount,
    /// A route names entity 0xFF or a reserved key select (creating side).
    BadRoute,
    /// LIONESS block of at most 32 bytes.
    LionessBlockSize,
    /// The input ended early.
    Truncated,
    /// Bytes follow the value.
    TrailingBytes,
    /// A SURB names first hop 0xFF or a reserved key select.
    MalformedSurb,
    /// Unknown Discovery document version.
    DiscoveryVersion,
    /// A Discovery document that is not in canonical form.
    DiscoveryNonCanonical,
    /// A Discovery identity key that is not a valid Ed25519 point.
    DiscoveryBadKey,
    /// A Discovery entry signature fails, or a pinned identity differs.
    DiscoveryBadSignature,
    /// Not enough mixes, or no eligible day key, for the requested route (creating side).
    RouteUnavailable,
}

impl MixError {
    /// Every error, in the order of the spec's error table.
    pub const ALL: [MixError; 21] = [
        MixError::BadLength,
        MixError::UnknownKeySelect,
        MixError::KeyExpired,
        MixError::Replay,
        MixError::ReplayCacheFull,
        MixError::WeakKey,
        MixError::BadMac,
        MixError::MalformedAddress,
        MixError::BadPadding,
        MixError::MessageTooLong,
        MixError::BadHopCount,
        MixError::BadRoute,
        MixError::LionessBlockSize,
        MixError::Truncated,
        MixError::TrailingBytes,
        MixError::MalformedSurb,
        MixError::DiscoveryVersion,
        MixError::DiscoveryNonCanonical,
        MixError::DiscoveryBadKey,
        MixError::DiscoveryBadSignature,
        MixError::RouteUnavailable,
    ];

    /// Codes the spec marks as API-only: none. Every code, including those of the creating side
    /// (`MIX_MESSAGE_TOO_LONG`, `MIX_BAD_ROUTE`, `MIX_LIONESS_BLOCK_SIZE`,
    /// `MIX_ROUTE_UNAVAILABLE`), has vectors (`spec/mix.md §11`).
    pub const API_ONLY: [MixError; 0] = [];
}

impl ErrorCode for MixError {
    fn code(&self) -> &'static str {
        match self {
            MixError::BadLength => "MIX_BAD_LENGTH",
            MixError::UnknownKeySelect => "MIX_UNKNOWN_KEY_SELECT",
            MixError::KeyExpired => "MIX_KEY_EXPIRED",
            MixError::Replay => "MIX_REPLAY",
            MixError::ReplayCacheFull => "MIX_REPLAY_CACHE_FULL",
            MixError::WeakKey => "MIX_WEAK_KEY",
            MixError::BadMac => "MIX_BAD_MAC",
            MixError::MalformedAddress => "MIX_MALFORMED_ADDRESS",
            MixError::BadPadding => "MIX_BAD_PADDING",
            MixError::MessageTooLong => "MIX_MESSAGE_TOO_LONG",
            MixError::BadHopCount => "MIX_BAD_HOP_COUNT",
            MixError::BadRoute => "MIX_BAD_ROUTE",
            MixError::LionessBlockSize => "MIX_LIONESS_BLOCK_SIZE",
            MixError::Truncated => "MIX_TRUNCATED",
            MixError::TrailingBytes => "MIX_TRAILING_BYTES",
            MixError::MalformedSurb => "MIX_MALFORMED_SURB",
            MixError::DiscoveryVersion => "MIX_DISCOVERY_VERSION",
            MixError::DiscoveryNonCanonical => "MIX_DISCOVERY_NONCANONICAL",
            MixError::DiscoveryBadKey => "MIX_DISCOVERY_BAD_KEY",
            MixError::DiscoveryBadSignature => "MIX_DISCOVERY_BAD_SIGNATURE",
            MixError::RouteUnavailable => "MIX_ROUTE_UNAVAILABLE",
        }
    }
}

impl From<WireError> for MixError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::TrailingBytes => MixError::TrailingBytes,
            _ => MixError::Truncated,
        }
    }
}

impl core::fmt::Display for MixError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for MixError {}

#[cfg(all(test, feature = "alloc"))]
mod tests;
