//! Identities, discovery keys and fingerprints (`spec/events.md §3`), and the labelled Ed25519
//! signing and verification of `spec/events.md §1` (the one rule of `spec/ed25519.md`).

use alloc::vec::Vec;

use ed25519_dalek::{Signer, SigningKey};
use sha3::{Digest, Sha3_256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::EventError;
use crate::labels::{event as labels, Label};

/// 32 secret bytes: the seed of an Ed25519 key or a pairing secret. Zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretSeed([u8; 32]);

impl SecretSeed {
    /// Wraps 32 secret bytes (from an RNG in practice; explicit for tests and vectors).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SecretSeed(bytes)
    }

    /// Draws a fresh seed from `rng`.
    pub fn random(rng: &mut impl rand_core::CryptoRngCore) -> Self {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        SecretSeed(b)
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl core::fmt::Debug for SecretSeed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretSeed(..)")
    }
}

/// An Ed25519 signing key with labelled signing (`spec/events.md §1`). Used for permanent
/// identities, event identities, pseudonyms and check-in credentials.
#[derive(Clone)]
pub struct IdentityKey {
    key: SigningKey,
}

impl IdentityKey {
    /// The key with this 32-byte seed.
    pub fn from_seed(seed: &SecretSeed) -> Self {
        IdentityKey {
            key: SigningKey::from_bytes(seed.as_bytes()),
        }
    }

    /// The 32-byte public key.
    pub fn public(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// `Sign(k, label, parts...)` of `spec/events.md §1`.
    pub fn sign(&self, label: Label, parts: &[&[u8]]) -> [u8; 64] {
        let msg = concat(label, parts);
        self.key.sign(&msg).to_bytes()
    }
}

impl core::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IdentityKey")
            .field("public", &self.public())
            .finish_non_exhaustive()
    }
}

/// A rotating discovery (rendezvous address) key (`spec/events.md §3.1`). Only its 32-byte public
/// key travels; the onion-address encoding belongs to `spec/encounter.md`.
#[derive(Clone, Debug)]
pub struct DiscoveryKey(IdentityKey);

impl DiscoveryKey {
    /// The key with this seed.
    pub fn from_seed(seed: &SecretSeed) -> Self {
        DiscoveryKey(IdentityKey::from_seed(seed))
    }

    /// The 32-byte address public key.
    pub fn public(&self) -> [u8; 32] {
        self.0.public()
    }
}

/// `fingerprint(pub) = SHA3-256(FINGERPRINT || pub)` (`spec/events.md §3.2`).
pub fn fingerprint(public: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha3_256::new();
    h.update(labels::FINGERPRINT.bytes);
    h.update(public);
    h.finalize().into()
}

fn concat(label: Label, parts: &[&[u8]]) -> Vec<u8> {
    let len = label.bytes.len() + parts.iter().map(|p| p.len()).sum::<usize>();
    let mut msg = Vec::with_capacity(len);
    msg.extend_from_slice(label.bytes);
    for p in parts {
        msg.extend_from_slice(p);
    }
    msg
}

/// Decodes a public key: check 1 of `spec/ed25519.md §3` (canonical encoding, not of small
/// order), `EVENT_BAD_KEY` otherwise (`spec/events.md §1`).
pub fn public_key(public: &[u8; 32]) -> Result<crate::ed25519::PublicKey, EventError> {
    crate::ed25519::PublicKey::from_bytes(public).map_err(|_| EventError::BadKey)
}

/// `Verify(A, label, parts, sig)` of `spec/events.md §1`: the rule of `spec/ed25519.md` over
/// `label || parts`; check 1 fails with `EVENT_BAD_KEY`, checks 2-4 with `on_bad_sig`.
pub fn verify(
    public: &[u8; 32],
    label: Label,
    parts: &[&[u8]],
    sig: &[u8; 64],
    on_bad_sig: EventError,
) -> Result<(), EventError> {
    let key = public_key(public)?;
    let msg = concat(label, parts);
    key.verify(&[&msg], sig).map_err(|_| on_bad_sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_labels_separate() {
        let k = IdentityKey::from_seed(&SecretSeed::from_bytes([1; 32]));
        let sig = k.sign(labels::REPORT_ACK, &[b"ab", b"c"]);
        let pk = k.public();
        assert_eq!(
            verify(
                &pk,
                labels::REPORT_ACK,
                &[b"abc"],
                &sig,
                EventError::BadEventSig
            ),
            Ok(())
        );
        assert_eq!(
            verify(
                &pk,
                labels::CHECKIN_ACK,
                &[b"abc"],
                &sig,
                EventError::BadEventSig
            ),
            Err(EventError::BadEventSig)
        );
        // identity point (small order) is refused as a key
        let mut id = [0u8; 32];
        id[0] = 1;
        assert_eq!(public_key(&id).err(), Some(EventError::BadKey));
        assert!(!std::format!("{:?}", SecretSeed::from_bytes([7; 32])).contains('7'));
        assert_ne!(fingerprint(&pk), fingerprint(&[0; 32]));
    }
}
