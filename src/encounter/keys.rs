//! Identity keys (`spec/encounter.md §3.3`), peer-key validation and the Ed25519 → X25519
//! conversion (`§3.4`), and the checked X25519 function of `§5.1`.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::secret::PairSecret;
use super::EncounterError;

/// Header of Tor's `hs_ed25519_secret_key` file: `== ed25519v1-secret: type0 ==` and 3 NULs.
pub const TOR_SECRET_HEADER: [u8; 32] = *b"== ed25519v1-secret: type0 ==\0\0\0";
/// Header of Tor's `hs_ed25519_public_key` file: `== ed25519v1-public: type0 ==` and 3 NULs.
pub const TOR_PUBLIC_HEADER: [u8; 32] = *b"== ed25519v1-public: type0 ==\0\0\0";
/// Length of `hs_ed25519_secret_key`: header and the 64-byte expanded key `a || RH`.
pub const TOR_SECRET_KEY_FILE_LEN: usize = 96;
/// Length of `hs_ed25519_public_key`: header and the 32-byte key.
pub const TOR_PUBLIC_KEY_FILE_LEN: usize = 64;

/// A peer's Ed25519 identity key that passed every check of §3.4, with its Montgomery `u`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerKey {
    edwards: [u8; 32],
    u: [u8; 32],
}

impl PeerKey {
    /// Validates a 32-byte Ed25519 key (§3.4, steps 1–4 in order) and converts it to X25519.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, EncounterError> {
        let point = validate_point(bytes)?;
        Ok(PeerKey {
            edwards: *bytes,
            u: point.to_montgomery().to_bytes(),
        })
    }

    /// The 32-byte Edwards encoding (what the onion address and the broadcast frame carry).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.edwards
    }

    /// The Montgomery `u` coordinate, `(1 + y) / (1 − y)`: the key's X25519 public key.
    pub fn montgomery_u(&self) -> [u8; 32] {
        self.u
    }
}

impl core::fmt::Debug for PeerKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PeerKey(")?;
        for b in self.edwards {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// §3.4: decompress, canonical, not small order, torsion-free.
pub(crate) fn validate_point(bytes: &[u8; 32]) -> Result<EdwardsPoint, EncounterError> {
    let point = CompressedEdwardsY(*bytes)
        .decompress()
        .ok_or(EncounterError::KeyNotOnCurve)?;
    if point.compress().to_bytes() != *bytes {
        return Err(EncounterError::KeyNoncanonical);
    }
    if point.is_small_order() {
        return Err(EncounterError::KeySmallOrder);
    }
    if !point.is_torsion_free() {
        return Err(EncounterError::KeyTorsion);
    }
    Ok(point)
}

/// `X25519(scalar, u)` (RFC 7748 §5, the scalar is clamped), failing with
/// [`EncounterError::ZeroSharedSecret`] when the output is all zero, tested in constant time
/// (`spec/encounter.md §5.1` step 3). Accepts any `u`; the encounter path validates `u` first.
pub fn x25519_contributory(
    scalar: &[u8; 32],
    u: &[u8; 32],
) -> Result<Zeroizing<[u8; 32]>, EncounterError> {
    let (k, is_zero) = x25519_shared(scalar, u);
    if bool::from(is_zero) {
        return Err(EncounterError::ZeroSharedSecret);
    }
    Ok(k)
}

/// The branch-free part of [`x25519_contributory`]: `X25519(scalar, u)` and whether it is all
/// zero, as a [`Choice`](subtle::Choice) computed in constant time. The caller decides; the
/// constant-time harness declassifies only the `Choice` (`ct/src/encounter.rs`).
pub fn x25519_shared(scalar: &[u8; 32], u: &[u8; 32]) -> (Zeroizing<[u8; 32]>, subtle::Choice) {
    let k = Zeroizing::new(MontgomeryPoint(*u).mul_clamped(*scalar).to_bytes());
    let is_zero = k.ct_eq(&[0u8; 32]);
    (k, is_zero)
}

fn clamp(mut k: [u8; 32]) -> [u8; 32] {
    if let Some(b) = k.first_mut() {
        *b &= 248;
    }
    if let Some(b) = k.last_mut() {
        *b &= 127;
        *b |= 64;
    }
    k
}

/// An own onion identity (§3.3): the clamped secret scalar `a`, the prefix key `RH`, the Ed25519
/// key `A` and its X25519 `u`. Zeroized on drop; `Debug` shows only `A`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct IdentityKey {
    a: [u8; 32],
    rh: [u8; 32],
    public: [u8; 32],
    u: [u8; 32],
}

impl IdentityKey {
    /// The identity whose RFC 8032 seed is `seed` (§3.3 path 1): `a = clamp(SHA-512(seed)[0..32])`.
    pub fn from_seed(seed: [u8; 32]) -> Result<Self, EncounterError> {
        Self::from_seed_checked(seed, None)
    }

    /// Like [`IdentityKey::from_seed`], also checking the public key against `expected`.
    pub fn from_seed_checked(
        seed: [u8; 32],
        expected: Option<&[u8; 32]>,
    ) -> Result<Self, EncounterError> {
        let seed = Zeroizing::new(seed);
        let h = Zeroizing::new(<[u8; 64]>::from(Sha512::digest(*seed)));
        let (lo, hi) = h.split_at(32);
        let a = Zeroizing::new(clamp(
            lo.try_into().map_err(|_| EncounterError::KeyfileLength)?,
        ));
        let rh: [u8; 32] = hi.try_into().map_err(|_| EncounterError::KeyfileLength)?;
        // Self-check step 1 holds by construction (`a` was clamped just above), so the seed path
        // skips it and stays free of secret-dependent branches (`ct/src/encounter.rs`).
        let point = ED25519_BASEPOINT_POINT * Scalar::from_bytes_mod_order(*a);
        let public = point.compress().to_bytes();
        if let Some(want) = expected {
            if *want != public {
                return Err(EncounterError::PublicMismatch);
            }
        }
        Ok(IdentityKey {
            a: *a,
            rh,
            public,
            u: point.to_montgomery().to_bytes(),
        })
    }

    /// The identity of Tor's 64-byte expanded secret key `a || RH` (§3.3 path 2); `a` is used
    /// as-is, never hashed again. Fails with [`EncounterError::SecretNotClamped`] or, when
    /// `expected` is given and differs, [`EncounterError::PublicMismatch`].
    pub fn from_expanded(
        expanded: &[u8; 64],
        expected: Option<&[u8; 32]>,
    ) -> Result<Self, EncounterError> {
        let (a, rh) = expanded.split_at(32);
        let a = Zeroizing::new(<[u8; 32]>::try_from(a).map_err(|_| EncounterError::KeyfileLength)?);
        let rh = <[u8; 32]>::try_from(rh).map_err(|_| EncounterError::KeyfileLength)?;
        Self::from_scalar_parts(&a, rh, expected)
    }

    /// The identity of a Tor `hs_ed25519_secret_key` file (§3.3 path 3).
    pub fn from_tor_secret_key_file(
        file: &[u8],
        expected: Option<&[u8; 32]>,
    ) -> Result<Self, EncounterError> {
        if file.len() != TOR_SECRET_KEY_FILE_LEN {
            return Err(EncounterError::KeyfileLength);
        }
        let (header, body) = file.split_at(32);
        if header != TOR_SECRET_HEADER {
            return Err(EncounterError::KeyfileHeader);
        }
        let expanded =
            Zeroizing::new(<[u8; 64]>::try_from(body).map_err(|_| EncounterError::KeyfileLength)?);
        Self::from_expanded(&expanded, expected)
    }

    /// The key in a Tor `hs_ed25519_public_key` file (§3.3 path 3), not yet validated.
    pub fn public_from_tor_public_key_file(file: &[u8]) -> Result<[u8; 32], EncounterError> {
        if file.len() != TOR_PUBLIC_KEY_FILE_LEN {
            return Err(EncounterError::KeyfileLength);
        }
        let (header, key) = file.split_at(32);
        if header != TOR_PUBLIC_HEADER {
            return Err(EncounterError::KeyfileHeader);
        }
        key.try_into().map_err(|_| EncounterError::KeyfileLength)
    }

    /// The self-check of §3.3 and the derived public values.
    fn from_scalar_parts(
        a: &[u8; 32],
        rh: [u8; 32],
        expected: Option<&[u8; 32]>,
    ) -> Result<Self, EncounterError> {
        // Edwards side: A = [a mod ℓ]B, as Tor computes it.
        let point = ED25519_BASEPOINT_POINT * Scalar::from_bytes_mod_order(*a);
        let u = point.to_montgomery().to_bytes();
        // Montgomery side: X25519(a, 9), which clamps a.
        let x = MontgomeryPoint::mul_base_clamped(*a).to_bytes();
        if !bool::from(x.ct_eq(&u)) {
            return Err(EncounterError::SecretNotClamped);
        }
        let public = point.compress().to_bytes();
        if let Some(want) = expected {
            if *want != public {
                return Err(EncounterError::PublicMismatch);
            }
        }
        Ok(IdentityKey {
            a: *a,
            rh,
            public,
            u,
        })
    }

    /// The Ed25519 identity key `A`.
    pub fn public_key(&self) -> [u8; 32] {
        self.public
    }

    /// `A` as a [`PeerKey`] (for encoding an address or a frame).
    pub fn peer_key(&self) -> PeerKey {
        PeerKey {
            edwards: self.public,
            u: self.u,
        }
    }

    /// The X25519 public key `u(A)`.
    pub fn montgomery_u(&self) -> [u8; 32] {
        self.u
    }

    /// The X25519 secret `a` (clamped): what libsodium's `sk_to_curve25519` returns.
    pub fn x25519_secret(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.a)
    }

    /// The 64-byte expanded form `a || RH` that Tor keeps.
    pub fn to_expanded(&self) -> Zeroizing<[u8; 64]> {
        let mut out = Zeroizing::new([0u8; 64]);
        let (a, rh) = out.split_at_mut(32);
        a.copy_from_slice(&self.a);
        rh.copy_from_slice(&self.rh);
        out
    }

    /// Tor's `hs_ed25519_secret_key` file content: `TOR_SECRET_HEADER || a || RH`.
    pub fn to_tor_secret_key_file(&self) -> Zeroizing<[u8; TOR_SECRET_KEY_FILE_LEN]> {
        let mut out = Zeroizing::new([0u8; TOR_SECRET_KEY_FILE_LEN]);
        let (header, body) = out.split_at_mut(32);
        header.copy_from_slice(&TOR_SECRET_HEADER);
        body.copy_from_slice(&*self.to_expanded());
        out
    }

    /// Tor's `hs_ed25519_public_key` file content: `TOR_PUBLIC_HEADER || A`.
    pub fn to_tor_public_key_file(&self) -> [u8; TOR_PUBLIC_KEY_FILE_LEN] {
        let mut out = [0u8; TOR_PUBLIC_KEY_FILE_LEN];
        let (header, body) = out.split_at_mut(32);
        header.copy_from_slice(&TOR_PUBLIC_HEADER);
        body.copy_from_slice(&self.public);
        out
    }

    /// The pair secret with `peer` (§5.1, §5.2): fails with [`EncounterError::SelfEncounter`] or
    /// [`EncounterError::ZeroSharedSecret`].
    pub fn encounter(&self, peer: &PeerKey) -> Result<PairSecret, EncounterError> {
        if peer.edwards == self.public {
            return Err(EncounterError::SelfEncounter);
        }
        let k = x25519_contributory(&self.a, &peer.u)?;
        Ok(PairSecret::derive(&k, &self.public, &peer.edwards))
    }
}

impl core::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IdentityKey")
            .field("public", &self.peer_key())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h32(s: &str) -> [u8; 32] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    #[test]
    fn rfc8032_keys_convert_like_libsodium() {
        let t1 = IdentityKey::from_seed(h32(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        ))
        .unwrap();
        assert_eq!(
            hex::encode(t1.public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            hex::encode(t1.montgomery_u()),
            "d85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e"
        );
        assert_eq!(
            hex::encode(*t1.x25519_secret()),
            "307c83864f2833cb427a2ef1c00a013cfdff2768d980c0a3a520f006904de94f"
        );
        // The same key through ed25519-dalek.
        let sk = ed25519_dalek::SigningKey::from_bytes(&h32(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        ));
        assert_eq!(
            sk.verifying_key().to_montgomery().to_bytes(),
            t1.montgomery_u()
        );
    }

    #[test]
    fn arti_expanded_key_is_not_hashed_again() {
        let mut exp = [0u8; 64];
        exp[..32].copy_from_slice(&h32(
            "d8c7ff0e31295b66540d789af3e3df992038a9592eea01d8b7cba06d6e66d159",
        ));
        exp[32..].copy_from_slice(&h32(
            "4d6167696320576f7264733a20737065697373636f62616c742062697669756d",
        ));
        let id = IdentityKey::from_expanded(&exp, None).unwrap();
        assert_eq!(
            hex::encode(id.montgomery_u()),
            "bd59dd97ad2d1786e6fbb310efd3c50fd0f2a0ba15613463008fc2714bcb4c31"
        );
        assert_eq!(&hex::encode(id.public_key())[..8], "833990b0");
        // Treating `a` as a seed (hashing it again) is caught by the public-key check.
        let wrong =
            IdentityKey::from_seed_checked(exp[..32].try_into().unwrap(), Some(&id.public_key()));
        assert_eq!(wrong.unwrap_err(), EncounterError::PublicMismatch);
        // Tor file round trip.
        let file = id.to_tor_secret_key_file();
        let again = IdentityKey::from_tor_secret_key_file(&*file, Some(&id.public_key())).unwrap();
        assert_eq!(again.public_key(), id.public_key());
        let mut bad = *file;
        bad[5] ^= 1;
        assert_eq!(
            IdentityKey::from_tor_secret_key_file(&bad, None).unwrap_err(),
            EncounterError::KeyfileHeader
        );
    }

    #[test]
    fn seed_and_tor_file_paths_agree() {
        let id = IdentityKey::from_seed([7u8; 32]).unwrap();
        let via_file =
            IdentityKey::from_tor_secret_key_file(&*id.to_tor_secret_key_file(), None).unwrap();
        assert_eq!(*via_file.x25519_secret(), *id.x25519_secret());
        assert_eq!(via_file.public_key(), id.public_key());
        // libsodium's 64-byte `seed || A` form is not an expanded key.
        let mut libsodium = [0u8; 64];
        libsodium[..32].copy_from_slice(&[7u8; 32]);
        libsodium[32..].copy_from_slice(&id.public_key());
        assert!(IdentityKey::from_expanded(&libsodium, Some(&id.public_key())).is_err());
    }

    #[test]
    fn sign_flip_is_a_distinct_valid_key_with_the_same_u() {
        let a = h32("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        let mut neg = a;
        neg[31] ^= 0x80;
        let (p, n) = (
            PeerKey::from_bytes(&a).unwrap(),
            PeerKey::from_bytes(&neg).unwrap(),
        );
        assert_eq!(p.montgomery_u(), n.montgomery_u());
        assert_ne!(p, n);
    }

    #[test]
    fn small_order_and_noncanonical_rejected() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            PeerKey::from_bytes(&identity),
            Err(EncounterError::KeySmallOrder)
        );
        let mut identity_signed = identity;
        identity_signed[31] = 0x80;
        assert_eq!(
            PeerKey::from_bytes(&identity_signed),
            Err(EncounterError::KeyNoncanonical)
        );
        assert_eq!(
            x25519_contributory(&[9u8; 32], &[0u8; 32]).unwrap_err(),
            EncounterError::ZeroSharedSecret
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]

        /// Differential against ed25519-dalek / x25519-dalek: the seed path gives dalek's
        /// Ed25519 key, its `to_montgomery()`, the clamped `to_scalar_bytes()`, and the same DH.
        #[test]
        fn seed_path_matches_dalek(s1 in proptest::array::uniform32(0u8..), s2 in proptest::array::uniform32(0u8..)) {
            let id = IdentityKey::from_seed(s1).unwrap();
            let sk = ed25519_dalek::SigningKey::from_bytes(&s1);
            proptest::prop_assert_eq!(id.public_key(), sk.verifying_key().to_bytes());
            proptest::prop_assert_eq!(id.montgomery_u(), sk.verifying_key().to_montgomery().to_bytes());
            proptest::prop_assert_eq!(*id.x25519_secret(), clamp(sk.to_scalar_bytes()));
            let other = IdentityKey::from_seed(s2).unwrap();
            let ours = x25519_contributory(&id.x25519_secret(), &other.montgomery_u()).unwrap();
            let theirs = x25519_dalek::StaticSecret::from(sk.to_scalar_bytes())
                .diffie_hellman(&x25519_dalek::PublicKey::from(other.montgomery_u()));
            proptest::prop_assert_eq!(*ours, *theirs.as_bytes());
            // The expanded form round-trips through the Tor key file to the same identity.
            let again = IdentityKey::from_tor_secret_key_file(&*id.to_tor_secret_key_file(), Some(&id.public_key())).unwrap();
            proptest::prop_assert_eq!(*again.x25519_secret(), *id.x25519_secret());
        }
    }
}
