//! The broadcast frame (`spec/encounter.md §4`).

use super::keys::PeerKey;
use super::EncounterError;

/// Frame version byte.
pub const FRAME_VERSION: u8 = 0x01;
/// Encoded frame length.
pub const FRAME_LEN: usize = 33;
/// Service-data payload bytes left in a 31-byte legacy BLE advertisement after the flags AD
/// (3 bytes) and a 16-bit-UUID service-data AD header (4 bytes): the frame does not fit (§4).
pub const LEGACY_BLE_SERVICE_DATA_CAPACITY: usize = 31 - 3 - 4;

/// What a phone advertises: a version byte and the current identity key (§4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BroadcastFrame {
    key: PeerKey,
}

impl BroadcastFrame {
    /// The frame advertising `key`.
    pub fn new(key: PeerKey) -> Self {
        BroadcastFrame { key }
    }

    /// The advertised key.
    pub fn key(&self) -> &PeerKey {
        &self.key
    }

    /// `0x01 || A`.
    pub fn encode(&self) -> [u8; FRAME_LEN] {
        let mut out = [0u8; FRAME_LEN];
        let (v, k) = out.split_at_mut(1);
        v.copy_from_slice(&[FRAME_VERSION]);
        k.copy_from_slice(self.key.as_bytes());
        out
    }

    /// Whether the frame fits a legacy advertisement (it does not; see §4 for the GATT fallback).
    pub const fn fits_legacy_advertisement() -> bool {
        FRAME_LEN <= LEGACY_BLE_SERVICE_DATA_CAPACITY
    }

    /// Strict decoding: length, version, then peer-key validation (§3.4).
    pub fn decode(bytes: &[u8]) -> Result<Self, EncounterError> {
        if bytes.len() != FRAME_LEN {
            return Err(EncounterError::FrameLength);
        }
        let (v, k) = bytes.split_at(1);
        if v != [FRAME_VERSION] {
            return Err(EncounterError::FrameVersion);
        }
        let k: [u8; 32] = k.try_into().map_err(|_| EncounterError::FrameLength)?;
        Ok(BroadcastFrame {
            key: PeerKey::from_bytes(&k)?,
        })
    }
}
