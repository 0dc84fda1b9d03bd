//! Contact addresses, the SURB blob, the swap chain, the acknowledgement and resend keys, and the
//! broadcast exchange (`spec/nym.md §3.1`–`§3.3`, `§4`).

use alloc::vec::Vec;
use ed25519_dalek::{Signer, SigningKey};
use hkdf::Hkdf;
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{NymError, ADDRESS_LEN, AUTH_LEN, CHAIN_LEN, NYM_KEY_LEN};
use crate::labels::nym as labels;
use crate::mix::{Geometry, Surb};
use crate::wire::Reader;

/// Length of a broadcast response `K || S_K(N)` (`spec/nym.md §4`).
pub const RESPONSE_LEN: usize = ADDRESS_LEN + 64;

/// A broadcast challenge `N`: 16 fresh random bytes (`spec/nym.md §4`).
pub type Challenge = [u8; 16];

fn hkdf32(ikm: &[u8], info: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let hk = Hkdf::<Sha256>::new(None, ikm);
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 <= 255 * 32: cannot fail.
    let _ = hk.expand_multi_info(info, out.as_mut());
    out
}

/// `nym_key(K) = H("…/nym-key" || K)`: the nymserver's lookup key (`spec/nym.md §3.1`, NYM-ADDR-1).
pub fn nym_key(address: &[u8; ADDRESS_LEN]) -> [u8; NYM_KEY_LEN] {
    // SPEC: spec/nym.md#address (NYM-ADDR-1)
    let mut h = Sha256::new();
    h.update(labels::NYM_KEY.bytes);
    h.update(address);
    h.finalize().into()
}

/// `blob_mask(K, header, first_hop) = HKDF(salt = "", IKM = K, info = "…/blob-mask" || header ||
/// first_hop, 32)`: what hides the SURB's MessageKey in the blob (`spec/nym.md §3.2`).
pub fn blob_mask(address: &[u8; ADDRESS_LEN], header: &[u8], first_hop: u8) -> Zeroizing<[u8; 32]> {
    hkdf32(address, &[labels::BLOB_MASK.bytes, header, &[first_hop]])
}

/// The SURB rules of `spec/mix.md §6.1` on a blob or a SURB of `geometry`: exact length, first hop
/// not `0xFF`, key select below 60. The nymserver checks them when a Swap arrives, without `K`.
pub fn validate_blob(geometry: Geometry, blob: &[u8]) -> Result<(), NymError> {
    // SPEC: spec/nym.md#blob (NYM-BLOB-2: structure checked at the Swap, before any state change)
    Surb::decode(geometry, blob)
        .map(|_| ())
        .map_err(|_| NymError::BadBlob)
}

/// `blob = header || first_hop || (message_key XOR blob_mask(K, header, first_hop))`
/// (`spec/nym.md §3.2`, NYM-BLOB-1).
pub fn seal_blob(address: &[u8; ADDRESS_LEN], surb: &Surb) -> Result<Vec<u8>, NymError> {
    // SPEC: spec/nym.md#blob (NYM-BLOB-1)
    let mask = blob_mask(address, surb.header(), surb.first_hop());
    let mut b = Vec::with_capacity(surb.header().len() + 33);
    b.extend_from_slice(surb.header());
    b.push(surb.first_hop());
    b.extend(
        surb.message_key()
            .iter()
            .zip(mask.iter())
            .map(|(k, m)| k ^ m),
    );
    Ok(b)
}

/// Recovers the SURB from a blob with `K` (`spec/nym.md §3.2`): fails only if the blob breaks the
/// SURB rules (`NYM_BAD_BLOB`). With the wrong `K` it yields a SURB with a wrong MessageKey,
/// whose replies its owner cannot read.
pub fn open_blob(
    geometry: Geometry,
    address: &[u8; ADDRESS_LEN],
    blob: &[u8],
) -> Result<Surb, NymError> {
    validate_blob(geometry, blob)?;
    let h = geometry.header_len();
    let (head, masked) = blob.split_at(h + 1);
    let (header, first_hop) = head.split_at(h);
    let first_hop = first_hop.first().copied().ok_or(NymError::BadBlob)?;
    let mask = blob_mask(address, header, first_hop);
    let mut plain = Zeroizing::new(head.to_vec());
    plain.extend(masked.iter().zip(mask.iter()).map(|(k, m)| k ^ m));
    Surb::decode(geometry, &plain).map_err(|_| NymError::BadBlob)
}

/// One step of the swap chain: `H("…/swap-chain" || x)` (`spec/nym.md §3.3`).
pub fn chain_step(x: &[u8; AUTH_LEN]) -> [u8; AUTH_LEN] {
    let mut h = Sha256::new();
    h.update(labels::SWAP_CHAIN.bytes);
    h.update(x);
    h.finalize().into()
}

/// The chain's last element `e_N = HKDF(salt = "", IKM = k, info = "…/swap-chain-seed", 32)`,
/// from the contact address's secret seed `k` (`spec/nym.md §3.3`).
pub fn chain_seed(secret_seed: &[u8; 32]) -> Zeroizing<[u8; AUTH_LEN]> {
    hkdf32(secret_seed, &[labels::SWAP_CHAIN_SEED.bytes])
}

/// Element `e_i = step^(N − i)(e_N)` of the chain of secret seed `k`, `0 <= i <= N`; `None` past
/// the end (`spec/nym.md §3.3`). The create Swap carries `e_0`, the i-th Swap after it `e_i`.
pub fn chain_element(secret_seed: &[u8; 32], index: usize) -> Option<Zeroizing<[u8; AUTH_LEN]>> {
    let steps = CHAIN_LEN.checked_sub(index)?;
    let mut e = chain_seed(secret_seed);
    for _ in 0..steps {
        *e = chain_step(&e);
    }
    Some(e)
}

/// The number of steps `j` in `1..=window` with `step^j(element) = stored`, if any: how far a
/// Swap's element is ahead of the stored one (`spec/nym.md §3.4`, NYM-SWAP-2). Every comparison
/// is constant time and all `window` steps are computed.
pub fn chain_distance(
    element: &[u8; AUTH_LEN],
    stored: &[u8; AUTH_LEN],
    window: usize,
) -> Option<usize> {
    let mut x = *element;
    let mut found = None;
    for j in 1..=window {
        x = chain_step(&x);
        if bool::from(x.ct_eq(stored)) && found.is_none() {
            found = Some(j);
        }
    }
    found
}

/// `ack_message_key(e) = HKDF(salt = "", IKM = e, info = "…/ack-key", 32)`: the MessageKey the
/// nymserver uses to acknowledge, through a displaced SURB, the Swap that displaced it; `e` is the
/// displaced SURB's own chain element (`spec/nym.md §3.5`).
pub fn ack_message_key(element: &[u8; AUTH_LEN]) -> Zeroizing<[u8; 32]> {
    hkdf32(element, &[labels::ACK_KEY.bytes])
}

/// `resend_key(K) = HKDF(salt = "", IKM = K, info = "…/resend-key", 32)`: the ChaCha20-Poly1305
/// key of the sealed copies of notifications (`spec/nym.md §3.6`).
pub fn resend_key(address: &[u8; ADDRESS_LEN]) -> Zeroizing<[u8; 32]> {
    hkdf32(address, &[labels::RESEND_KEY.bytes])
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

    /// Element `e_index` of this address's swap chain (`spec/nym.md §3.3`).
    pub fn chain_element(&self, index: usize) -> Option<Zeroizing<[u8; AUTH_LEN]>> {
        chain_element(&self.seed(), index)
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

/// Verifies `S_K(N)` by the one Ed25519 rule (`spec/ed25519.md`) and returns `K`
/// (`spec/nym.md §4`, step 3). Every check of the rule raises `NYM_BAD_BROADCAST_SIGNATURE`.
pub fn verify_response(
    challenge: &Challenge,
    response: &Response,
) -> Result<[u8; ADDRESS_LEN], NymError> {
    // SPEC: spec/nym.md#broadcast (NYM-BCAST-1: the one Ed25519 rule, which also refuses a
    // non-canonical or small-order K)
    crate::ed25519::verify(
        &response.address,
        &[labels::BROADCAST.bytes, challenge],
        &response.signature,
    )
    .map_err(|_| NymError::BadBroadcastSignature)?;
    Ok(response.address)
}
