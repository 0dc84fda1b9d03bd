//! Geo Trace salted location hashes (seed 004), as specified in `spec/geo.md`.
//!
//! A GPS sample becomes 30 [`RiskPoint`]s: its cell in each of the three offset hexagonal layers
//! A, B, C of an integer-only grid ([`Location`], [`CellId`]), times ten [`TimeBlock`]s (the current
//! and next block of 5, 10, 20, 40 and 80 minutes). Each risk point is hashed with a salt from a
//! rate-limited [`SaltServer`] chosen from the coarse D cell, either a classic per-block salt
//! ([`SaltKey`]) or, in the hardened mode, an RFC 9497 OPRF evaluation on the blinded cell
//! ([`OprfSeed`], [`OprfClientState`]). The [`UploadRecord`]s go to the [`CentralServer`], which marks
//! hashes and users at risk when a user reports positive.
//!
//! ```
//! use contact_tracing::geo::{Location, risk_points, SaltKey, risk_hash_classic};
//!
//! let here = Location::new(48_857_673, 2_294_044)?; // micro-degrees
//! let points = risk_points(&here, 1_700_000_000);
//! assert_eq!(points.len(), 30);
//! let key = SaltKey::from_bytes([7u8; 32]);
//! let salt = key.salt(&points[0].block());
//! let hash = risk_hash_classic(&salt, &points[0]);
//! assert_eq!(hash.as_bytes().len(), 32);
//! # Ok::<(), contact_tracing::geo::GeoError>(())
//! ```

#[cfg(feature = "alloc")]
mod central;
mod cos_table;
mod filter;
mod grid;
mod hash;
#[cfg(feature = "alloc")]
mod limit;
mod oprf;
#[cfg(feature = "alloc")]
mod salt;
mod time;

use crate::error::ErrorCode;
use crate::wire::WireError;

#[cfg(feature = "alloc")]
pub use central::{
    CentralConfig, CentralServer, CentralStorage, MemoryStorage, QueryAnswer, RiskyRecord,
};
pub use cos_table::COS_Q30;
#[cfg(feature = "alloc")]
pub use filter::{home_cell, HomeScrubber, HOME_RADIUS_E6, MIN_NIGHT_SAMPLES};
pub use filter::{is_night, Sample, SampleFilter, MAX_ACCURACY_CM, MIN_SAMPLE_SPACING_S};
pub use grid::{
    lattice_lookup, scale_q30, CellId, LatticeParams, Layer, Location, PlanePoint,
    MATCH_DISTANCE_E6, SCALE,
};
pub use hash::{
    risk_hash_classic, risk_hash_oprf, RiskHash, UploadRecord, UserId, UPLOAD_RECORD_LEN,
};
#[cfg(feature = "alloc")]
pub use limit::{ClientKey, ClientLimits, Refused, MAX_TABLE_CLIENTS, V6_PREFIX_SLOTS};
pub use oprf::{
    oprf_blind_flagged, oprf_blind_raw, oprf_derive_key_raw, oprf_evaluate_raw, oprf_finalize_raw,
    OprfClientState, OprfOutput, OprfSeed, ELEMENT_LEN, MAX_OPRF_STRING, OPRF_OUTPUT_LEN, SEED_LEN,
};
#[cfg(feature = "alloc")]
pub use salt::{
    ItemAnswer, OprfItem, OprfRequest, SaltItem, SaltRequest, SaltResponse, SaltServer,
    SaltServerConfig,
};
pub use salt_key::{Salt, SaltKey};
#[cfg(feature = "alloc")]
pub use time::RiskPointSet;
pub use time::{risk_points, time_blocks, BlockSize, RiskPoint, TimeBlock, RISK_KEY_LEN};

mod salt_key;

/// Every way a geo operation can fail (`spec/geo.md §11`, error table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum GeoError {
    /// Latitude outside ±90° (`§2.1`).
    LatitudeOutOfRange,
    /// Longitude outside ±180° (`§2.1`).
    LongitudeOutOfRange,
    /// The input ended inside a field.
    Truncated,
    /// Bytes follow the value.
    TrailingBytes,
    /// API only: the output buffer is too small.
    BufferTooSmall,
    /// A cell id's layer byte is above 3 (`§2.6`).
    InvalidLayer,
    /// A cell id's zone byte is above 59 (`§2.6`).
    InvalidZone,
    /// A cell id's centre lies outside its zone (`§2.6`).
    CellOutOfRange,
    /// The sample's accuracy is worse than 10 m (`§3.1`).
    SampleInaccurate,
    /// The sample is less than 300 s after the last kept one (`§3.1`).
    SampleTooSoon,
    /// A block size outside {5, 10, 20, 40, 80} minutes (`§4.1`).
    InvalidBlockSize,
    /// A salt-server count outside 1 ..= 65 535 (`§5.1`).
    InvalidServerCount,
    /// A configuration value outside its range (`§3.2`, `§8.2`, `§9.1`).
    InvalidConfig,
    /// The client asked within its rate-limit window (`§8.3`).
    RateLimited,
    /// The admission table holds as many clients of this address family as allowed (`§8.3`).
    ServerBusy,
    /// The admission table holds as many clients of this IPv6 /48 as allowed (`§8.3`).
    PrefixBusy,
    /// A request without items (`§8.3`).
    EmptyRequest,
    /// More items than the server allows per request (`§8.3`).
    TooManyItems,
    /// The upload would take a user past `max_records_per_user` (`§9.3`).
    UserQuota,
    /// The central store holds `max_records` records or `max_marks` marks (`§9.3`).
    StoreFull,
    /// A time block after the next one (`§8.3`).
    BlockInFuture,
    /// A time block that ended more than `max_past_s` ago (`§8.3`).
    BlockExpired,
    /// Not a canonical, non-identity ristretto255 element (`§6`).
    InvalidElement,
    /// A blind scalar that is zero or not canonical (`§6`).
    InvalidBlind,
    /// RFC 9497 `DeriveKeyPair` refused: seed not 32 bytes, `info` longer than 65 535 bytes,
    /// or `DeriveKeyPairError` (`§6`).
    DeriveKeyPairFailed,
    /// An OPRF input longer than 65 535 bytes, or RFC 9497 `InvalidInputError` (`§6`).
    InvalidInput,
    /// A server key `skS` that is not a canonical non-zero scalar (`§6`, raw API).
    InvalidKey,
    /// An unknown response status byte (`§10`).
    InvalidStatus,
}

impl GeoError {
    /// Every error, in the order of the spec's error table.
    pub const ALL: [GeoError; 28] = [
        GeoError::LatitudeOutOfRange,
        GeoError::LongitudeOutOfRange,
        GeoError::Truncated,
        GeoError::TrailingBytes,
        GeoError::BufferTooSmall,
        GeoError::InvalidLayer,
        GeoError::InvalidZone,
        GeoError::CellOutOfRange,
        GeoError::SampleInaccurate,
        GeoError::SampleTooSoon,
        GeoError::InvalidBlockSize,
        GeoError::InvalidServerCount,
        GeoError::InvalidConfig,
        GeoError::RateLimited,
        GeoError::ServerBusy,
        GeoError::PrefixBusy,
        GeoError::EmptyRequest,
        GeoError::TooManyItems,
        GeoError::UserQuota,
        GeoError::StoreFull,
        GeoError::BlockInFuture,
        GeoError::BlockExpired,
        GeoError::InvalidElement,
        GeoError::InvalidBlind,
        GeoError::DeriveKeyPairFailed,
        GeoError::InvalidInput,
        GeoError::InvalidKey,
        GeoError::InvalidStatus,
    ];

    /// Codes the spec marks as API-only (no vector can trigger them).
    pub const API_ONLY: [GeoError; 1] = [GeoError::BufferTooSmall];
}

impl ErrorCode for GeoError {
    fn code(&self) -> &'static str {
        match self {
            GeoError::LatitudeOutOfRange => "GEO_LAT_OUT_OF_RANGE",
            GeoError::LongitudeOutOfRange => "GEO_LON_OUT_OF_RANGE",
            GeoError::Truncated => "GEO_TRUNCATED",
            GeoError::TrailingBytes => "GEO_TRAILING_BYTES",
            GeoError::BufferTooSmall => "GEO_BUFFER_TOO_SMALL",
            GeoError::InvalidLayer => "GEO_INVALID_LAYER",
            GeoError::InvalidZone => "GEO_INVALID_ZONE",
            GeoError::CellOutOfRange => "GEO_CELL_OUT_OF_RANGE",
            GeoError::SampleInaccurate => "GEO_SAMPLE_INACCURATE",
            GeoError::SampleTooSoon => "GEO_SAMPLE_TOO_SOON",
            GeoError::InvalidBlockSize => "GEO_INVALID_BLOCK_SIZE",
            GeoError::InvalidServerCount => "GEO_INVALID_SERVER_COUNT",
            GeoError::InvalidConfig => "GEO_INVALID_CONFIG",
            GeoError::RateLimited => "GEO_RATE_LIMITED",
            GeoError::ServerBusy => "GEO_SERVER_BUSY",
            GeoError::PrefixBusy => "GEO_PREFIX_BUSY",
            GeoError::EmptyRequest => "GEO_EMPTY_REQUEST",
            GeoError::TooManyItems => "GEO_TOO_MANY_ITEMS",
            GeoError::UserQuota => "GEO_USER_QUOTA",
            GeoError::StoreFull => "GEO_STORE_FULL",
            GeoError::BlockInFuture => "GEO_BLOCK_IN_FUTURE",
            GeoError::BlockExpired => "GEO_BLOCK_EXPIRED",
            GeoError::InvalidElement => "GEO_INVALID_ELEMENT",
            GeoError::InvalidBlind => "GEO_INVALID_BLIND",
            GeoError::DeriveKeyPairFailed => "GEO_DERIVE_KEY_PAIR_FAILED",
            GeoError::InvalidInput => "GEO_INVALID_INPUT",
            GeoError::InvalidKey => "GEO_INVALID_KEY",
            GeoError::InvalidStatus => "GEO_INVALID_STATUS",
        }
    }
}

impl From<WireError> for GeoError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Truncated => GeoError::Truncated,
            WireError::TrailingBytes => GeoError::TrailingBytes,
            _ => GeoError::BufferTooSmall,
        }
    }
}

impl core::fmt::Display for GeoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for GeoError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        use std::format;
        let cell = Location::new(1, 1).unwrap().cell(Layer::A);
        let (state, _) = OprfClientState::blind(&cell, [3; 32]).unwrap();
        for s in [
            format!("{:?}", SaltKey::from_bytes([7; 32])),
            format!("{:?}", Salt::from_bytes([7; 32])),
            format!("{:?}", OprfSeed::from_bytes([7; 32])),
            format!("{state:?}"),
            format!("{:?}", UserId([7; 16])),
        ] {
            assert!(s.contains("redacted") && !s.contains('7'), "{s}");
        }
    }

    #[test]
    fn codes_are_distinct_and_prefixed() {
        let codes: std::vec::Vec<_> = GeoError::ALL.iter().map(|e| e.code()).collect();
        for (i, a) in codes.iter().enumerate() {
            assert!(a.starts_with("GEO_"));
            assert!(!codes[i + 1..].contains(a), "{a} twice");
        }
    }
}
