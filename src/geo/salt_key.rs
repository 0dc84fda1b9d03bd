//! The classic salt of `spec/geo.md §5.2`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::time::TimeBlock;
use crate::labels::geo as labels;

/// A salt server's 32-byte classic secret `K` (`spec/geo.md §5.2`). Zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SaltKey([u8; 32]);

impl SaltKey {
    /// The key with these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SaltKey(bytes)
    }

    /// `salt = HMAC-SHA-256(K, LABEL_SALT || s u8 || k u64 BE)` (`spec/geo.md §5.2`).
    pub fn salt(&self, block: &TimeBlock) -> Salt {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        let mut out = [0u8; 32];
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) {
            mac.update(labels::SALT.bytes);
            mac.update(&block.to_bytes());
            out.copy_from_slice(&mac.finalize().into_bytes());
        }
        Salt(out)
    }
}

impl core::fmt::Debug for SaltKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SaltKey(<redacted>)")
    }
}

/// A 32-byte classic salt for one time block (`spec/geo.md §5.2`). Zeroized on drop, never printed,
/// compared in constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Salt(pub(crate) [u8; 32]);

impl Salt {
    /// The salt with these bytes (as received from a salt server).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Salt(bytes)
    }

    /// The salt's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl ConstantTimeEq for Salt {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for Salt {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Salt {}

impl core::fmt::Debug for Salt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Salt(<redacted>)")
    }
}
