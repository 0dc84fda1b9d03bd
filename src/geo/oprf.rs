//! The hardened salt mode: RFC 9497 OPRF (mode 0x00, ristretto255-SHA512) on the blinded cell,
//! keyed per time block (`spec/geo.md §6`).

use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;
use voprf::{BlindedElement, EvaluationElement, OprfClient, OprfServer, Ristretto255};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::grid::{CellId, CELL_ID_LEN};
use super::time::TimeBlock;
use super::GeoError;
use crate::labels::geo as labels;

/// Length of an encoded ristretto255 element (blinded or evaluation element).
pub const ELEMENT_LEN: usize = 32;
/// Length of an OPRF output (`Nh`, SHA-512).
pub const OPRF_OUTPUT_LEN: usize = 64;

const INPUT_LEN: usize = labels::OPRF_INPUT.bytes.len() + CELL_ID_LEN;
const INFO_LEN: usize = labels::OPRF_KEY.bytes.len() + TimeBlock::LEN;

/// Yields the explicit blind scalar to `voprf`'s `Scalar::random` (64 bytes reduced mod ℓ: the
/// 32 canonical scalar bytes followed by zeros reduce to the scalar itself), then zeros.
struct FixedBlind {
    bytes: [u8; 32],
    used: bool,
}

impl RngCore for FixedBlind {
    fn next_u32(&mut self) -> u32 {
        0
    }
    fn next_u64(&mut self) -> u64 {
        0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.fill(0);
        if !self.used {
            for (d, s) in dest.iter_mut().zip(self.bytes.iter()) {
                *d = *s;
            }
            self.used = true;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

// Not a random generator: it only carries a caller-chosen blind (an explicit ephemeral secret).
impl CryptoRng for FixedBlind {}

impl Drop for FixedBlind {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

fn check_blind(blind: &[u8; 32]) -> Result<(), GeoError> {
    let s: Option<Scalar> = Scalar::from_canonical_bytes(*blind).into();
    match s {
        Some(s) if s != Scalar::ZERO => Ok(()),
        _ => Err(GeoError::InvalidBlind),
    }
}

/// Length of a DeriveKeyPair seed (`Ns`, RFC 9497 §4.1).
pub const SEED_LEN: usize = 32;
/// Longest `info` of DeriveKeyPair and longest OPRF input: both are length-prefixed with two bytes.
pub const MAX_OPRF_STRING: usize = u16::MAX as usize;

/// RFC 9497 `DeriveKeyPair(seed, info)` for mode OPRF; returns `skS` (32 bytes, little-endian).
/// Checks, in order (`spec/geo.md §6`): `seed` is 32 bytes, `info` at most 65 535 bytes; both
/// and RFC 9497's `DeriveKeyPairError` are `GEO_DERIVE_KEY_PAIR_FAILED`.
pub fn oprf_derive_key_raw(seed: &[u8], info: &[u8]) -> Result<[u8; 32], GeoError> {
    if seed.len() != SEED_LEN || info.len() > MAX_OPRF_STRING {
        return Err(GeoError::DeriveKeyPairFailed);
    }
    let server = OprfServer::<Ristretto255>::new_from_seed(seed, info)
        .map_err(|_| GeoError::DeriveKeyPairFailed)?;
    let mut out = [0u8; 32];
    out.copy_from_slice(&server.serialize());
    Ok(out)
}

/// RFC 9497 `Blind(input)` with an explicit blind scalar; returns `blindedElement`. Checks, in
/// order (`spec/geo.md §6`): the blind is canonical and non-zero (`GEO_INVALID_BLIND`); the input
/// is at most 65 535 bytes and does not hash to the identity (`GEO_INVALID_INPUT`).
pub fn oprf_blind_raw(input: &[u8], blind: &[u8; 32]) -> Result<[u8; ELEMENT_LEN], GeoError> {
    let (element, is_identity) = oprf_blind_flagged(input, blind)?;
    // The flag is as public as the element the client is about to send.
    if bool::from(is_identity) {
        return Err(GeoError::InvalidInput);
    }
    Ok(element)
}

/// The constant-time core of [`oprf_blind_raw`]: the same checks of the blind and the input
/// length, then `blind · HashToGroup(input)` and, without branching on it, whether that is the
/// identity (RFC 9497's `InvalidInputError`: `r·P` is the identity only if `P` is, as `r ≠ 0` in
/// a prime-order group; no input is known to hash to it). The input is secret, the element is
/// sent to the server: a caller that checks timing declassifies the flag with the element.
pub fn oprf_blind_flagged(
    input: &[u8],
    blind: &[u8; 32],
) -> Result<([u8; ELEMENT_LEN], subtle::Choice), GeoError> {
    check_blind(blind)?;
    check_input(input)?;
    let mut rng = FixedBlind {
        bytes: *blind,
        used: false,
    };
    let res =
        OprfClient::<Ristretto255>::blind(input, &mut rng).map_err(|_| GeoError::InvalidInput)?;
    let mut out = [0u8; ELEMENT_LEN];
    out.copy_from_slice(&res.message.serialize());
    let is_identity = out.ct_eq(&[0u8; ELEMENT_LEN]);
    Ok((out, is_identity))
}

fn check_input(input: &[u8]) -> Result<(), GeoError> {
    if input.len() > MAX_OPRF_STRING {
        Err(GeoError::InvalidInput)
    } else {
        Ok(())
    }
}

/// RFC 9497 `BlindEvaluate(skS, blindedElement)`. Checks, in order: `skS` is a canonical
/// non-zero scalar (`GEO_INVALID_KEY`); the element is a canonical, non-identity ristretto255
/// encoding of 32 bytes (`GEO_INVALID_ELEMENT`).
pub fn oprf_evaluate_raw(sk: &[u8; 32], blinded: &[u8]) -> Result<[u8; ELEMENT_LEN], GeoError> {
    let server = OprfServer::<Ristretto255>::new_with_key(sk).map_err(|_| GeoError::InvalidKey)?;
    evaluate_with(&server, blinded)
}

fn evaluate_with(
    server: &OprfServer<Ristretto255>,
    blinded: &[u8],
) -> Result<[u8; ELEMENT_LEN], GeoError> {
    if blinded.len() != ELEMENT_LEN {
        return Err(GeoError::InvalidElement);
    }
    let element = BlindedElement::<Ristretto255>::deserialize(blinded)
        .map_err(|_| GeoError::InvalidElement)?;
    let mut out = [0u8; ELEMENT_LEN];
    out.copy_from_slice(&server.blind_evaluate(&element).serialize());
    Ok(out)
}

/// RFC 9497 `Finalize(input, blind, evaluationElement)`: the 64-byte output. Checks, in order:
/// the blind (`GEO_INVALID_BLIND`), the input length (`GEO_INVALID_INPUT`), the element
/// (`GEO_INVALID_ELEMENT`).
pub fn oprf_finalize_raw(
    input: &[u8],
    blind: &[u8; 32],
    evaluation: &[u8],
) -> Result<OprfOutput, GeoError> {
    check_blind(blind)?;
    check_input(input)?;
    let client =
        OprfClient::<Ristretto255>::deserialize(blind).map_err(|_| GeoError::InvalidBlind)?;
    if evaluation.len() != ELEMENT_LEN {
        return Err(GeoError::InvalidElement);
    }
    let eval = EvaluationElement::<Ristretto255>::deserialize(evaluation)
        .map_err(|_| GeoError::InvalidElement)?;
    let out = client
        .finalize(input, &eval)
        .map_err(|_| GeoError::InvalidInput)?;
    let mut bytes = [0u8; OPRF_OUTPUT_LEN];
    bytes.copy_from_slice(&out);
    Ok(OprfOutput(bytes))
}

/// A salt server's 32-byte OPRF seed (`spec/geo.md §6`). Zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct OprfSeed([u8; 32]);

impl OprfSeed {
    /// The seed with these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        OprfSeed(bytes)
    }

    /// `info = LABEL_OPRF_KEY || s u8 || k u64 BE` of a block.
    pub fn block_info(block: &TimeBlock) -> [u8; INFO_LEN] {
        let mut info = [0u8; INFO_LEN];
        let (l, b) = info.split_at_mut(labels::OPRF_KEY.bytes.len());
        l.copy_from_slice(labels::OPRF_KEY.bytes);
        b.copy_from_slice(&block.to_bytes());
        info
    }

    /// `skS` of a block: `DeriveKeyPair(seed, info)` (`spec/geo.md §6`).
    pub fn block_key(&self, block: &TimeBlock) -> Result<[u8; 32], GeoError> {
        oprf_derive_key_raw(&self.0, &Self::block_info(block))
    }

    /// The server's answer to a blinded element for `block` (`spec/geo.md §6`).
    pub fn evaluate(&self, block: &TimeBlock, blinded: &[u8]) -> Result<[u8; 32], GeoError> {
        let server = OprfServer::<Ristretto255>::new_from_seed(&self.0, &Self::block_info(block))
            .map_err(|_| GeoError::DeriveKeyPairFailed)?;
        evaluate_with(&server, blinded)
    }
}

impl core::fmt::Debug for OprfSeed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("OprfSeed(<redacted>)")
    }
}

/// The 64-byte OPRF output of a cell and block (`spec/geo.md §6`). Zeroized, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct OprfOutput(pub(crate) [u8; OPRF_OUTPUT_LEN]);

impl OprfOutput {
    /// The output bytes.
    pub fn as_bytes(&self) -> &[u8; OPRF_OUTPUT_LEN] {
        &self.0
    }
}

impl PartialEq for OprfOutput {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for OprfOutput {}

impl core::fmt::Debug for OprfOutput {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("OprfOutput(<redacted>)")
    }
}

/// A client's pending OPRF evaluation of one cell: the blind and the input (`spec/geo.md §6`).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct OprfClientState {
    blind: [u8; 32],
    input: [u8; INPUT_LEN],
}

impl OprfClientState {
    /// `input = LABEL_OPRF_INPUT || cell_id`.
    pub fn input_for(cell: &CellId) -> [u8; INPUT_LEN] {
        let mut input = [0u8; INPUT_LEN];
        let (l, c) = input.split_at_mut(labels::OPRF_INPUT.bytes.len());
        l.copy_from_slice(labels::OPRF_INPUT.bytes);
        c.copy_from_slice(&cell.to_bytes());
        input
    }

    /// Blinds `cell` with an explicit blind scalar; returns the state and `blindedElement`.
    pub fn blind(cell: &CellId, blind: [u8; 32]) -> Result<(Self, [u8; ELEMENT_LEN]), GeoError> {
        let input = Self::input_for(cell);
        let blinded = oprf_blind_raw(&input, &blind)?;
        Ok((OprfClientState { blind, input }, blinded))
    }

    /// Blinds `cell` with a blind drawn from `rng`.
    pub fn blind_random(
        cell: &CellId,
        rng: &mut impl rand_core::CryptoRngCore,
    ) -> Result<(Self, [u8; ELEMENT_LEN]), GeoError> {
        loop {
            let mut wide = [0u8; 64];
            rng.fill_bytes(&mut wide);
            let s = Scalar::from_bytes_mod_order_wide(&wide);
            wide.zeroize();
            if s != Scalar::ZERO {
                return Self::blind(cell, s.to_bytes());
            }
        }
    }

    /// Unblinds the server's `evaluationElement` into the OPRF output.
    pub fn finalize(&self, evaluation: &[u8]) -> Result<OprfOutput, GeoError> {
        oprf_finalize_raw(&self.input, &self.blind, evaluation)
    }
}

impl core::fmt::Debug for OprfClientState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("OprfClientState(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{Layer, Location};

    fn h<const N: usize>(s: &str) -> [u8; N] {
        hex::decode(s).unwrap().try_into().unwrap()
    }

    // RFC 9497 Appendix A.1.1 (OPRF, ristretto255-SHA512).
    #[test]
    fn rfc9497_a_1_1() {
        let seed = [0xa3u8; 32];
        let sk = oprf_derive_key_raw(&seed, b"test key").unwrap();
        assert_eq!(
            hex::encode(sk),
            "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e"
        );
        let blind: [u8; 32] = h("64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706");
        let be = oprf_blind_raw(&[0x00], &blind).unwrap();
        assert_eq!(
            hex::encode(be),
            "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c"
        );
        let ev = oprf_evaluate_raw(&sk, &be).unwrap();
        assert_eq!(
            hex::encode(ev),
            "7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e"
        );
        let out = oprf_finalize_raw(&[0x00], &blind, &ev).unwrap();
        assert_eq!(
            hex::encode(out.as_bytes()),
            "527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6"
        );
    }

    #[test]
    fn round_trip_matches_and_rejects_bad_inputs() {
        let seed = OprfSeed::from_bytes([5; 32]);
        let cell = Location::new(10, 20).unwrap().cell(Layer::B);
        let block = TimeBlock::containing(crate::geo::BlockSize::M20, 1_000_000);
        let (s1, b1) = OprfClientState::blind(&cell, [3; 32]).unwrap();
        let (s2, b2) = OprfClientState::blind(&cell, [4; 32]).unwrap();
        assert_ne!(b1, b2);
        let o1 = s1.finalize(&seed.evaluate(&block, &b1).unwrap()).unwrap();
        let o2 = s2.finalize(&seed.evaluate(&block, &b2).unwrap()).unwrap();
        assert_eq!(o1, o2);
        assert_eq!(
            OprfClientState::blind(&cell, [0; 32]).err(),
            Some(GeoError::InvalidBlind)
        );
        assert_eq!(
            OprfClientState::blind(&cell, [0xff; 32]).err(),
            Some(GeoError::InvalidBlind)
        );
        assert_eq!(
            seed.evaluate(&block, &[0; 32]),
            Err(GeoError::InvalidElement)
        );
        assert_eq!(
            seed.evaluate(&block, &[0xff; 32]),
            Err(GeoError::InvalidElement)
        );
        assert_eq!(
            seed.evaluate(&block, &b1[..31]),
            Err(GeoError::InvalidElement)
        );
        assert_eq!(s1.finalize(&[0; 32]), Err(GeoError::InvalidElement));
    }
}
