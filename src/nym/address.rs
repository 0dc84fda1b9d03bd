//! Contact addresses, the encrypted SURB blob and the broadcast exchange (`spec/nym.md §3.1`, `§4`).

use alloc::vec::Vec;
use ed25519_dalek::{Signer, SigningKey};
use hkdf::Hkdf;
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{NymError, ADDRESS_LEN, AUTH_LEN, NYM_KEY_LEN};
use crate::labels::nym as labels;
use crate::mix::{Geometry, Lioness, Surb, LIONESS_KEY_LEN};
use crate::wire::Reader;

/// Length of a broadcast response `K || S_K(N)` (`spec/nym.md §4`).
pub const RESPONSE_LEN: usize = ADDRESS_LEN + 64;

/// A broadcast challenge `N`: 16 fresh random bytes (`spec/nym.md §4`).
pub type Challenge = [u8; 16];

/// `nym_key(K) = H("…/nym-key" || K)`: the nymserver's lookup key (`spec/nym.md §3.1`, NYM-ADDR-1).
pub fn nym_key(address: &[u8; ADDRESS_LEN]) -> [u8; NYM_KEY_LEN] {
    // SPEC: spec/nym.md#address (NYM-ADDR-1)
    let mut h = Sha256::new();
    h.update(labels::NYM_KEY.bytes);
    h.update(address);
    h.finalize().into()
}

/// `blob_key(K)`: the 192-byte LIONESS key of the blob (`spec/nym.md §3.1`).
pub fn blob_key(address: &[u8; ADDRESS_LEN]) -> Zeroizing<[u8; LIONESS_KEY_LEN]> {
    let hk = Hkdf::<Sha256>::new(None, address);
    let mut k = Zeroizing::new([0u8; LIONESS_KEY_LEN]);
    // 192 <= 255 * 32: cannot fail.
    let _ = hk.expand(labels::BLOB_KEY.bytes, k.as_mut());
    k
}

/// `auth(blob) = H("…/swap-auth" || blob)` (`spec/nym.md §3.1`).
pub fn swap_auth(blob: &[u8]) -> [u8; AUTH_LEN] {
    let mut h = Sha256::new();
    h.update(labels::SWAP_AUTH.bytes);
    h.update(blob);
    h.finalize().into()
}

/// `blob = LIONESS-Encrypt(blob_key(K), SURB)` (`spec/nym.md §3.1`, NYM-ADDR-2).
pub fn seal_blob(address: &[u8; ADDRESS_LEN], surb: &Surb) -> Result<Vec<u8>, NymError> {
    // SPEC: spec/nym.md#address (NYM-ADDR-2)
    let mut b = surb.encode();
    Lioness::new(&blob_key(address))
        .encrypt(&mut b)
        .map_err(|_| NymError::BadBlob)?;
    Ok(b)
}

/// Decrypts a blob with `K` and decodes the SURB strictly (`spec/nym.md §3.5`).
pub fn open_blob(
    geometry: Geometry,
    address: &[u8; ADDRESS_LEN],
    blob: &[u8],
) -> Result<Surb, NymError> {
    if blob.len() != geometry.surb_len() {
        return Err(NymError::BadBlob);
    }
    let mut b = Zeroizing::new(blob.to_vec());
    Lioness::new(&blob_key(address))
        .decrypt(&mut b)
        .map_err(|_| NymError::BadBlob)?;
    // SPEC: spec/nym.md#send (a blob that is not a SURB is NYM_BAD_BLOB)
    Surb::decode(geometry, &b).map_err(|_| NymError::BadBlob)
}

/// A contact address: an Ed25519 key pair whose public key `K` is broadcast
/// (`spec/nym.md §3.1`, decision D1). The secret is zeroized on drop and never printed.
#[derive(Clone)]
pub struct ContactAddress {
    signing: SigningKey,
}

impl core::fmt::Debug for ContactAddress {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ContactAddress({:02x?}, <secret>)", self.address())
    }
}

impl ContactAddress {
    /// From a 32-byte secret seed `k`.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        ContactAddress {
            signing: SigningKey::from_bytes(seed),
        }
    }

    /// A fresh address drawn from `rng`.
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        Self::from_seed(&seed)
    }

    /// The secret seed (for storage by the client).
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// The public contact address `K`.
    pub fn address(&self) -> [u8; ADDRESS_LEN] {
        self.signing.verifying_key().to_bytes()
    }

    /// Answers a challenge: `K || S_K(N)` (`spec/nym.md §4`).
    pub fn respond(&self, challenge: &Challenge) -> Response {
        let mut msg = Vec::with_capacity(labels::BROADCAST.bytes.len() + 16);
        msg.extend_from_slice(labels::BROADCAST.bytes);
        msg.extend_from_slice(challenge);
        Response {
            address: self.address(),
            signature: self.signing.sign(&msg).to_bytes(),
        }
    }
}

/// A broadcast response `K || S_K(N)` (`spec/nym.md §4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response {
    /// The contact address `K`.
    pub address: [u8; ADDRESS_LEN],
    /// `Ed25519-Sign(k, label || N)`.
    pub signature: [u8; 64],
}

impl Response {
    /// The 96-byte wire form.
    pub fn encode(&self) -> [u8; RESPONSE_LEN] {
        let mut out = [0u8; RESPONSE_LEN];
        let (a, s) = out.split_at_mut(ADDRESS_LEN);
        a.copy_from_slice(&self.address);
        s.copy_from_slice(&self.signature);
        out
    }

    /// Strict decoding: exactly 96 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        let address = r.array::<ADDRESS_LEN>()?;
        let signature = r.array::<64>()?;
        r.finish()?;
        Ok(Response { address, signature })
    }
}

/// Verifies `S_K(N)` strictly and returns `K` (`spec/nym.md §4`, step 3).
pub fn verify_response(
    challenge: &Challenge,
    response: &Response,
) -> Result<[u8; ADDRESS_LEN], NymError> {
    // The project's one Ed25519 rule (spec/ed25519.md), which also refuses a non-canonical or
    // small-order `K`.
    crate::ed25519::verify(
        &response.address,
        &[labels::BROADCAST.bytes, challenge],
        &response.signature,
    )
    .map_err(|_| NymError::BadBroadcastSignature)?;
    Ok(response.address)
}
