//! Risk hashes and the upload record (`spec/geo.md §7`).

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::oprf::OprfOutput;
use super::salt_key::Salt;
use super::time::{BlockSize, RiskPoint};
use super::GeoError;
use crate::labels::geo as labels;

/// A 32-byte risk hash (`spec/geo.md §7.2`). Ordered and hashable so servers can index it;
/// [`ConstantTimeEq`] for comparisons that must not leak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RiskHash(pub [u8; 32]);

impl RiskHash {
    /// The hash bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl ConstantTimeEq for RiskHash {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

/// Classic risk hash `SHA-256(LABEL_RISK_CLASSIC || salt || key)` (`spec/geo.md §7.2`).
pub fn risk_hash_classic(salt: &Salt, point: &RiskPoint) -> RiskHash {
    RiskHash(
        Sha256::new()
            .chain_update(labels::RISK_CLASSIC.bytes)
            .chain_update(salt.as_bytes())
            .chain_update(point.key())
            .finalize()
            .into(),
    )
}

/// OPRF-mode risk hash `SHA-256(LABEL_RISK_OPRF || oprf_output || key)` (`spec/geo.md §7.2`).
pub fn risk_hash_oprf(output: &OprfOutput, point: &RiskPoint) -> RiskHash {
    RiskHash(
        Sha256::new()
            .chain_update(labels::RISK_OPRF.bytes)
            .chain_update(output.as_bytes())
            .chain_update(point.key())
            .finalize()
            .into(),
    )
}

/// A user's 16-byte random identifier, shared only with the central server (`spec/geo.md §7.3`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub [u8; 16]);

impl ConstantTimeEq for UserId {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

impl core::fmt::Debug for UserId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The id links every upload of a user: never printed.
        f.write_str("UserId(<redacted>)")
    }
}

/// Length of an encoded upload record.
pub const UPLOAD_RECORD_LEN: usize = 49;

/// The upload record `risk_hash (32) || user_id (16) || s u8` (`spec/geo.md §7.3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadRecord {
    /// The risk hash.
    pub hash: RiskHash,
    /// The uploading user.
    pub user: UserId,
    /// The block size of the hashed risk point.
    pub size: BlockSize,
}

impl UploadRecord {
    /// The 49-byte encoding.
    pub fn to_bytes(&self) -> [u8; UPLOAD_RECORD_LEN] {
        let mut out = [0u8; UPLOAD_RECORD_LEN];
        let (h, rest) = out.split_at_mut(32);
        let (u, s) = rest.split_at_mut(16);
        h.copy_from_slice(&self.hash.0);
        u.copy_from_slice(&self.user.0);
        s.copy_from_slice(&[self.size.minutes()]);
        out
    }

    /// Strict decoding: exact length, known block size (`spec/geo.md §7.3`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, GeoError> {
        let (hash, user, size) = crate::wire::decode_exact(bytes, |r| {
            Ok::<_, GeoError>((r.array::<32>()?, r.array::<16>()?, r.u8()?))
        })?;
        Ok(UploadRecord {
            hash: RiskHash(hash),
            user: UserId(user),
            size: BlockSize::from_minutes(size)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{risk_points, Location, SaltKey};

    #[test]
    fn record_round_trip_and_errors() {
        let loc = Location::new(1, 2).unwrap();
        let p = risk_points(&loc, 600)[3];
        let salt = SaltKey::from_bytes([1; 32]).salt(&p.block());
        let rec = UploadRecord {
            hash: risk_hash_classic(&salt, &p),
            user: UserId([9; 16]),
            size: p.block().size(),
        };
        let bytes = rec.to_bytes();
        assert_eq!(UploadRecord::from_bytes(&bytes), Ok(rec));
        assert_eq!(
            UploadRecord::from_bytes(&bytes[..48]),
            Err(GeoError::Truncated)
        );
        let mut bad = bytes;
        bad[48] = 6;
        assert_eq!(
            UploadRecord::from_bytes(&bad),
            Err(GeoError::InvalidBlockSize)
        );
        let mut long = bytes.to_vec();
        long.push(1);
        assert_eq!(
            UploadRecord::from_bytes(&long),
            Err(GeoError::TrailingBytes)
        );
    }

    #[test]
    fn hash_depends_on_salt_and_key() {
        let loc = Location::new(1, 2).unwrap();
        let pts = risk_points(&loc, 600);
        let k = SaltKey::from_bytes([1; 32]);
        let h0 = risk_hash_classic(&k.salt(&pts[0].block()), &pts[0]);
        let h1 = risk_hash_classic(&k.salt(&pts[1].block()), &pts[1]);
        let h0b = risk_hash_classic(&SaltKey::from_bytes([2; 32]).salt(&pts[0].block()), &pts[0]);
        assert_ne!(h0, h1);
        assert_ne!(h0, h0b);
    }
}
