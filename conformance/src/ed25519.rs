//! The project's one Ed25519 rule on raw inputs (`spec/ed25519.md §6`): generator and check
//! handler for the group type `ed25519-verify`, and the signature-crafting helpers that the
//! protocols' generators share to carry the same edges into their own message formats.
//!
//! Every crafted signature is classified by the properties that decide how *other* verifiers
//! treat it ([`Props`]: the encoding class and order of `A` and `R`, the range of `S`, and which
//! equations hold when the encodings are read leniently), so that a case carried into another
//! message format can be shown to keep the properties of the case it carries.

use contact_tracing::ed25519::{self, Ed25519Error};
use contact_tracing::error::ErrorCode;
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use ed25519_dalek::{Signer, SigningKey};
use rand_core::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha512};

use crate::vector::{
    hex, hex_array, hex_field, rng, FileBuilder, Group, Handler, Protocol, Test, Verdict,
};

/// This part of the runner: the shared rule, checked on raw inputs.
pub fn protocol() -> Protocol {
    Protocol {
        name: "ed25519",
        handler,
        error_codes,
        generate,
        corpus: Vec::new,
    }
}

fn handler(group_type: &str) -> Option<Handler> {
    match group_type {
        "ed25519-verify" => Some(check_verify),
        _ => None,
    }
}

fn error_codes() -> Vec<&'static str> {
    Ed25519Error::ALL.iter().map(|e| e.code()).collect()
}

fn check_verify(_: &Group, t: &Test) -> Result<Verdict, String> {
    let public = hex_array::<32>(t, "publicKey")?;
    let message = hex_field(t, "message")?;
    let signature = hex_array::<64>(t, "signature")?;
    // API consistency (no output read): a decoded key keeps its bytes, and verifying through it
    // decides as the one-shot function does.
    if let Ok(key) = ed25519::PublicKey::from_bytes(&public) {
        if key.as_bytes() != &public
            || key.verify(&[&message], &signature)
                != ed25519::verify(&public, &[&message], &signature)
        {
            return Err("PublicKey disagrees with the one-shot verify".into());
        }
    }
    match ed25519::verify(&public, &[&message], &signature) {
        Ok(()) => Ok(Verdict::Valid),
        Err(e) if e.to_string() != e.code() => {
            Err(format!("{e:?} displays as `{e}`, not as its code"))
        }
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

// ---------------------------------------------------------------------------------------------
// Scalars and encodings

/// The group order ℓ, little-endian.
pub(crate) const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `a + b` as 256-bit little-endian integers; panics on overflow (a generator bug).
pub(crate) fn add_le(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(carry, 0, "256-bit overflow");
    out
}

/// `a − b` as 256-bit little-endian integers, `a ≥ b`.
pub(crate) fn sub_le(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in 0..32 {
        let mut v = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = 0;
        if v < 0 {
            v += 256;
            borrow = 1;
        }
        out[i] = v as u8;
    }
    assert_eq!(borrow, 0, "negative difference");
    out
}

/// The little-endian encoding of a small integer.
pub(crate) fn le_int(n: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(&n.to_le_bytes());
    out
}

/// `p + v` for `v < 19` (fits in 255 bits): a non-canonical encoding of `y = v`, sign bit clear.
pub(crate) fn y_plus_p(v: u8) -> [u8; 32] {
    assert!(v < 19);
    let mut enc = [0xffu8; 32];
    enc[31] = 0x7f;
    enc[0] = 0xed + v;
    enc
}

/// `bytes` with the sign bit (bit 255) set.
pub(crate) fn with_sign(mut bytes: [u8; 32]) -> [u8; 32] {
    bytes[31] |= 0x80;
    bytes
}

/// The canonical encodings of the eight points of small order, in the order of
/// `spec/ed25519.md §5`: the identity, order 2, the two of order 4, the four of order 8.
pub(crate) fn small_order_encodings() -> [[u8; 32]; 8] {
    let mut out = [[0u8; 32]; 8];
    // EIGHT_TORSION[i] = [i]T for a generator T of order 8.
    for (slot, i) in out.iter_mut().zip([0usize, 4, 2, 6, 1, 7, 3, 5]) {
        *slot = EIGHT_TORSION[i].compress().to_bytes();
    }
    out
}

/// The order (1, 2, 4 or 8) of a point of small order.
pub(crate) fn torsion_order(p: &EdwardsPoint) -> u32 {
    let mut q = *p;
    let mut n = 1;
    while !q.is_identity() {
        q += p;
        n += 1;
    }
    n
}

/// The smallest `y` (as one low byte) whose encoding, with sign bit clear, is off the curve.
pub(crate) fn off_curve_encoding() -> [u8; 32] {
    let mut candidate = [0u8; 32];
    for y in 2u8.. {
        candidate[0] = y;
        if CompressedEdwardsY(candidate).decompress().is_none() {
            return candidate;
        }
    }
    unreachable!()
}

/// The first `y + p` (`2 ≤ y < 19`) that decodes leniently to a point not of small order.
pub(crate) fn non_canonical_point_encoding() -> [u8; 32] {
    for y in 2u8..19 {
        let enc = y_plus_p(y);
        if let Some(p) = CompressedEdwardsY(enc).decompress() {
            if !p.is_small_order() && p.compress().to_bytes() != enc {
                return enc;
            }
        }
    }
    unreachable!()
}

/// The first `y + p` (`2 ≤ y < 19`) that does not decode at all, even leniently.
pub(crate) fn non_canonical_off_curve_encoding() -> [u8; 32] {
    (2u8..19)
        .map(y_plus_p)
        .find(|e| CompressedEdwardsY(*e).decompress().is_none())
        .expect("some y + p is off the curve")
}

// ---------------------------------------------------------------------------------------------
// Signing with crafted components

/// The secret scalar and public key of an RFC 8032 seed.
pub(crate) fn expand(seed: &[u8; 32]) -> (Scalar, [u8; 32]) {
    let h = Sha512::digest(seed);
    let mut a = [0u8; 32];
    a.copy_from_slice(&h[..32]);
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    let a = Scalar::from_bytes_mod_order(a);
    (a, (ED25519_BASEPOINT_POINT * a).compress().to_bytes())
}

/// `k = SHA-512(R || A || M) mod ℓ` over the given bytes.
pub(crate) fn challenge(r: &[u8; 32], a: &[u8; 32], message: &[u8]) -> Scalar {
    Scalar::from_bytes_mod_order_wide(
        &Sha512::new()
            .chain_update(r)
            .chain_update(a)
            .chain_update(message)
            .finalize()
            .into(),
    )
}

/// `R || (r + k·a)` with `k` over `big_r`, `a_bytes` and `message`: the signature by the secret
/// scalar `a` with nonce `r`, where `big_r` and `a_bytes` may be any encodings (crafted points).
pub(crate) fn raw_sign(
    a: &Scalar,
    a_bytes: &[u8; 32],
    r: &Scalar,
    big_r: &[u8; 32],
    message: &[u8],
) -> [u8; 64] {
    let s = r + challenge(big_r, a_bytes, message) * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(big_r);
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

/// `sig` with `S` replaced.
pub(crate) fn with_s(sig: &[u8; 64], s: &[u8; 32]) -> [u8; 64] {
    let mut out = *sig;
    out[32..].copy_from_slice(s);
    out
}

// ---------------------------------------------------------------------------------------------
// Properties of a signature, as other verifiers see them

/// The order of a decodable point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    /// `[8]P = 0` (the eight torsion points, the identity included).
    Small,
    /// A prime-order point plus a nonzero torsion point.
    Mixed,
    /// In the prime-order subgroup and not the identity.
    Prime,
}

/// How 32 bytes encode a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// The canonical encoding (`spec/ed25519.md §2`).
    Canonical,
    /// `y ≥ p` (decodes leniently to `y − p`, if at all).
    YOverflow,
    /// `y < p` and the sign bit set on `x = 0` (`y = 1` or `y = p − 1`).
    SignedZeroX,
    /// No point has this `y`.
    OffCurve,
}

/// The encoding class of 32 bytes and, if they decode leniently, the order of the point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PointClass {
    pub(crate) encoding: Encoding,
    pub(crate) order: Option<Order>,
}

pub(crate) fn classify_point(bytes: &[u8; 32]) -> PointClass {
    let mut y = *bytes;
    y[31] &= 0x7f;
    let overflow = y[1..31].iter().all(|b| *b == 0xff) && y[31] == 0x7f && y[0] >= 0xed;
    let point = CompressedEdwardsY(*bytes).decompress();
    let order = point.map(|p| {
        if p.is_small_order() {
            Order::Small
        } else if p.is_torsion_free() {
            Order::Prime
        } else {
            Order::Mixed
        }
    });
    let encoding = match point {
        _ if overflow => Encoding::YOverflow,
        None => Encoding::OffCurve,
        Some(p) if p.compress().to_bytes() != *bytes => Encoding::SignedZeroX,
        Some(_) => Encoding::Canonical,
    };
    PointClass { encoding, order }
}

/// The range of `S`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SClass {
    /// `S = 0`.
    Zero,
    /// `0 < S < ℓ`.
    Canonical,
    /// `ℓ ≤ S < 2^253`: passes a check of the top three bits only.
    Unreduced,
    /// `S ≥ 2^253`.
    HighBits,
}

pub(crate) fn classify_s(s: &[u8; 32]) -> SClass {
    if s.iter().all(|b| *b == 0) {
        SClass::Zero
    } else if bool::from(Scalar::from_canonical_bytes(*s).is_some()) {
        SClass::Canonical
    } else if s[31] & 0xe0 == 0 {
        SClass::Unreduced
    } else {
        SClass::HighBits
    }
}

/// Which verification equations hold when `A` and `R` are decoded leniently (`y` reduced mod
/// `p`, a sign bit on `x = 0` ignored) and `S` is reduced mod ℓ: the verdicts of the verifiers
/// that skip this rule's encoding checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Equations {
    /// `[S]B = R + [k]A`.
    pub(crate) cofactorless: bool,
    /// `[8]([S]B − R − [k]A) = 0`.
    pub(crate) cofactored: bool,
    /// `[8]R + [8k mod ℓ]A = [8S mod ℓ]B`, the "pre-reduced" cofactored check of some libraries.
    pub(crate) pre_reduced: bool,
    /// `[S]B = R + [k']A` with `k'` hashed over the *re-encoded* `R` and `A` (canonical bytes):
    /// what a library that decodes leniently and hashes its own encodings decides.
    pub(crate) cofactorless_reencoded: bool,
    /// The cofactored equation with `k'`.
    pub(crate) cofactored_reencoded: bool,
}

pub(crate) fn lenient_equations(a: &[u8; 32], message: &[u8], sig: &[u8; 64]) -> Option<Equations> {
    let mut r_bytes = [0u8; 32];
    r_bytes.copy_from_slice(&sig[..32]);
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(&sig[32..]);
    let big_a = CompressedEdwardsY(*a).decompress()?;
    let big_r = CompressedEdwardsY(r_bytes).decompress()?;
    let s = Scalar::from_bytes_mod_order(s_bytes);
    let k = challenge(&r_bytes, a, message);
    let diff = ED25519_BASEPOINT_POINT * s - big_r - big_a * k;
    let k2 = challenge(
        &big_r.compress().to_bytes(),
        &big_a.compress().to_bytes(),
        message,
    );
    let diff2 = ED25519_BASEPOINT_POINT * s - big_r - big_a * k2;
    let eight = Scalar::from(8u8);
    Some(Equations {
        cofactorless: diff.is_identity(),
        cofactored: diff.mul_by_cofactor().is_identity(),
        pre_reduced: (big_r.mul_by_cofactor() + big_a * (eight * k))
            == ED25519_BASEPOINT_POINT * (eight * s),
        cofactorless_reencoded: diff2.is_identity(),
        cofactored_reencoded: diff2.mul_by_cofactor().is_identity(),
    })
}

/// Everything that decides how verifiers other than this rule treat a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Props {
    pub(crate) a: PointClass,
    pub(crate) r: PointClass,
    pub(crate) s: SClass,
    pub(crate) equations: Option<Equations>,
}

pub(crate) fn props(a: &[u8; 32], message: &[u8], sig: &[u8; 64]) -> Props {
    let mut r = [0u8; 32];
    r.copy_from_slice(&sig[..32]);
    let mut s = [0u8; 32];
    s.copy_from_slice(&sig[32..]);
    Props {
        a: classify_point(a),
        r: classify_point(&r),
        s: classify_s(&s),
        equations: lenient_equations(a, message, sig),
    }
}

// ---------------------------------------------------------------------------------------------
// Published cases

/// One case of `ed25519-speccheck` (`cases.txt`, and for 12 and 13 the earlier `cases.json`),
/// with its verdict under this project's rule (`spec/ed25519.md §5`).
pub(crate) struct SpeccheckCase {
    pub(crate) number: usize,
    pub(crate) message: &'static str,
    pub(crate) public_key: &'static str,
    pub(crate) signature: &'static str,
    pub(crate) verdict: Result<(), Ed25519Error>,
    pub(crate) about: &'static str,
}

impl SpeccheckCase {
    pub(crate) fn bytes(&self) -> (Vec<u8>, [u8; 32], [u8; 64]) {
        (
            ::hex::decode(self.message).expect("hex"),
            unhex(self.public_key),
            unhex(self.signature),
        )
    }

    pub(crate) fn props(&self) -> Props {
        let (m, a, sig) = self.bytes();
        props(&a, &m, &sig)
    }
}

pub(crate) fn unhex<const N: usize>(s: &str) -> [u8; N] {
    ::hex::decode(s)
        .expect("constant hex")
        .try_into()
        .expect("constant length")
}

pub(crate) const SPECCHECK: [SpeccheckCase; 14] = {
    use Ed25519Error::*;
    const SMALL_A: &str = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa";
    const MIXED_A: &str = "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43";
    const MIXED_A2: &str = "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d";
    const PRIME_A: &str = "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623";
    const NC_A: &str = "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    [
        SpeccheckCase {
            number: 0,
            message: "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
            public_key: SMALL_A,
            signature: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
            verdict: Err(KeySmallOrder),
            about: "small-order A, small-order R, S = 0",
        },
        SpeccheckCase {
            number: 1,
            message: "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
            public_key: SMALL_A,
            signature: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
            verdict: Err(KeySmallOrder),
            about: "small-order A, mixed-order R, 0 < S < ℓ",
        },
        SpeccheckCase {
            number: 2,
            message: "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
            public_key: MIXED_A,
            signature: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
            verdict: Ok(()),
            about: "mixed-order A, small-order R, 0 < S < ℓ",
        },
        SpeccheckCase {
            number: 3,
            message: "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
            public_key: MIXED_A2,
            signature: "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
            verdict: Ok(()),
            about: "mixed-order A and R, both equations hold",
        },
        SpeccheckCase {
            number: 4,
            message: "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
            public_key: MIXED_A2,
            signature: "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
            verdict: Ok(()),
            about: "mixed-order A and R, only the cofactored equation holds",
        },
        SpeccheckCase {
            number: 5,
            message: "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
            public_key: MIXED_A2,
            signature: "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
            verdict: Ok(()),
            about: "mixed-order A, prime-order R, only the cofactored equation holds (the \"pre-reduced\" check fails)",
        },
        SpeccheckCase {
            number: 6,
            message: "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
            public_key: PRIME_A,
            signature: "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
            verdict: Err(SNonCanonical),
            about: "S ≥ ℓ, valid once S is reduced",
        },
        SpeccheckCase {
            number: 7,
            message: "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
            public_key: PRIME_A,
            signature: "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
            verdict: Err(SNonCanonical),
            about: "S ≫ ℓ (high bits set)",
        },
        SpeccheckCase {
            number: 8,
            message: "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
            public_key: MIXED_A,
            signature: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f",
            verdict: Err(RNonCanonical),
            about: "R = (0, −1) encoded with the sign bit set",
        },
        SpeccheckCase {
            number: 9,
            message: "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
            public_key: MIXED_A,
            signature: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908",
            verdict: Err(RNonCanonical),
            about: "R = (0, −1) encoded with the sign bit set",
        },
        SpeccheckCase {
            number: 10,
            message: "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b",
            public_key: NC_A,
            signature: "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
            verdict: Err(KeyNonCanonical),
            about: "A = (0, −1) encoded with the sign bit set",
        },
        SpeccheckCase {
            number: 11,
            message: "39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f",
            public_key: NC_A,
            signature: "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
            verdict: Err(KeyNonCanonical),
            about: "A = (0, −1) encoded with the sign bit set",
        },
        SpeccheckCase {
            number: 12,
            message: "fdaebc429f4a735932a160da1301080c13280eea8bc280d1b392c6b9e6ba3a5a",
            public_key: MIXED_A,
            signature: "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f454d370c8d9fc323a41450f8d513eafeb5b0697390c1e505a0d4ddc71f566607",
            verdict: Err(RNonCanonical),
            about: "R encoded with y = p (the earlier case list)",
        },
        SpeccheckCase {
            number: 13,
            message: "84b698d39be126ff55fe45079e6c8bf64a0d7db6994560b4e96b7021eb39c1a1",
            public_key: MIXED_A,
            signature: "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f084d5b99c2a9463d9c8bd5026916996984eeec87ddf1d3be329006ace1b37b09",
            verdict: Err(RNonCanonical),
            about: "R encoded with y = p (the earlier case list)",
        },
    ]
};

// ---------------------------------------------------------------------------------------------
// Stand-ins: points of a published case's class whose discrete log we know

/// The torsion component of `p`: `p − [8⁻¹ mod ℓ]([8]p)`.
pub(crate) fn torsion_part(p: &EdwardsPoint) -> EdwardsPoint {
    let inv8 = Scalar::from(8u8).invert();
    p - p.mul_by_cofactor() * inv8
}

/// A point of the same class as the published encoding `published` whose prime-order part has a
/// known discrete log: the published bytes themselves when the point has no prime-order part
/// (small order, in any encoding), else `[x]B` plus the published point's torsion component.
/// Returns the encoding and the discrete log of its prime-order part.
pub(crate) fn stand_in(published: &[u8; 32], x: &Scalar) -> ([u8; 32], Scalar) {
    let point = CompressedEdwardsY(*published)
        .decompress()
        .expect("published points decode leniently");
    if point.is_small_order() {
        return (*published, Scalar::ZERO);
    }
    assert_eq!(
        point.compress().to_bytes(),
        *published,
        "non-canonical points of large order have no stand-in"
    );
    let p = ED25519_BASEPOINT_POINT * x + torsion_part(&point);
    (p.compress().to_bytes(), *x)
}

/// A signature carried into another message format.
pub(crate) struct Carried {
    pub(crate) public: [u8; 32],
    pub(crate) message: Vec<u8>,
    pub(crate) signature: [u8; 64],
}

/// Carries a published case into another message format: `message(A, counter)` builds the
/// message for a public key encoding and a counter (for instance a memo); `A` and `R` are
/// stand-ins of the published ones (their exact bytes when they have no prime-order part), `S`
/// is derived from the secret scalars `a` and `r`, and the counter is searched until every
/// property of [`Props`] equals the published case's, so the case keeps its meaning for every
/// verifier, not only for this rule.
pub(crate) fn carry(
    case: &SpeccheckCase,
    a: &Scalar,
    r: &Scalar,
    message: impl Fn(&[u8; 32], u32) -> Vec<u8>,
) -> Carried {
    let (_, published_a, published_sig) = case.bytes();
    let mut published_r = [0u8; 32];
    published_r.copy_from_slice(&published_sig[..32]);
    let want = case.props();
    let (a_bytes, a_log) = stand_in(&published_a, a);
    let (r_bytes, r_log) = stand_in(&published_r, r);
    let reencode = |b: &[u8; 32]| {
        CompressedEdwardsY(*b)
            .decompress()
            .map(|p| p.compress().to_bytes())
            .unwrap_or(*b)
    };
    for counter in 0..4096 {
        let m = message(&a_bytes, counter);
        for k in [
            challenge(&r_bytes, &a_bytes, &m),
            challenge(&reencode(&r_bytes), &reencode(&a_bytes), &m),
        ] {
            let s = (r_log + k * a_log).to_bytes();
            let s = match want.s {
                SClass::Zero | SClass::Canonical => s,
                SClass::Unreduced => add_le(&s, &ELL),
                SClass::HighBits => (0..8).fold(s, |acc, _| add_le(&acc, &ELL)),
            };
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&r_bytes);
            sig[32..].copy_from_slice(&s);
            if props(&a_bytes, &m, &sig) == want {
                return Carried {
                    public: a_bytes,
                    message: m,
                    signature: sig,
                };
            }
        }
    }
    panic!("speccheck case {} cannot be carried", case.number);
}

// ---------------------------------------------------------------------------------------------
// The vector file

/// RFC 8032 §7.1 TEST 1–3: (secret seed, public key, message, signature).
const RFC8032: [(&str, &str, &str, &str); 3] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
];

/// One test of the file, with the verdict the generator intends (asserted against the library).
struct Case {
    comment: String,
    flags: Vec<&'static str>,
    public: [u8; 32],
    message: Vec<u8>,
    signature: [u8; 64],
    want: Result<(), Ed25519Error>,
}

fn sig_of(r: &[u8; 32], s: &[u8; 32]) -> [u8; 64] {
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(r);
    sig[32..].copy_from_slice(s);
    sig
}

/// The non-canonical encodings of `spec/ed25519.md §2`, one of each class, with a name and
/// whether the point they decode to (leniently) has small order.
pub(crate) fn non_canonical_encodings() -> Vec<(&'static str, [u8; 32])> {
    let mut one = [0u8; 32];
    one[0] = 1;
    let minus_one = small_order_encodings()[1];
    let max = [0xffu8; 32];
    let mut max_y = max;
    max_y[31] = 0x7f;
    vec![
        (
            "y = p (decodes leniently to y = 0, a point of order 4)",
            y_plus_p(0),
        ),
        ("y = p with the sign bit set", with_sign(y_plus_p(0))),
        ("y = p + 1 (decodes leniently to the identity)", y_plus_p(1)),
        ("y = p + 1 with the sign bit set", with_sign(y_plus_p(1))),
        (
            "y = y0 + p for a point y0 of large order",
            non_canonical_point_encoding(),
        ),
        (
            "y = y0 + p for a point y0 of large order, sign bit set",
            with_sign(non_canonical_point_encoding()),
        ),
        (
            "y = y0 + p where y0 is off the curve",
            non_canonical_off_curve_encoding(),
        ),
        ("y = 2^255 − 1, sign bit clear", max_y),
        ("y = 2^255 − 1, sign bit set (all bytes 0xff)", max),
        ("the identity (y = 1) with the sign bit set", with_sign(one)),
        (
            "(0, −1) (y = p − 1) with the sign bit set",
            with_sign(minus_one),
        ),
        ("y off the curve, sign bit clear", off_curve_encoding()),
        (
            "y off the curve, sign bit set",
            with_sign(off_curve_encoding()),
        ),
    ]
}

fn cases() -> Vec<Case> {
    use Ed25519Error::*;
    let mut out = Vec::new();
    let mut add = |comment: String,
                   flags: &[&'static str],
                   public: [u8; 32],
                   message: &[u8],
                   signature: [u8; 64],
                   want: Result<(), Ed25519Error>| {
        out.push(Case {
            comment,
            flags: flags.to_vec(),
            public,
            message: message.to_vec(),
            signature,
            want,
        })
    };

    // Published known answers.
    for (i, (seed, public, message, signature)) in RFC8032.iter().enumerate() {
        let key = SigningKey::from_bytes(&unhex(seed));
        let message = ::hex::decode(message).expect("hex");
        assert_eq!(hex(key.verifying_key().to_bytes()), *public, "RFC 8032 key");
        assert_eq!(
            hex(key.sign(&message).to_bytes()),
            *signature,
            "RFC 8032 signature"
        );
        add(
            format!("RFC 8032 §7.1 TEST {}", i + 1),
            &["Ktv"],
            unhex(public),
            &message,
            unhex(signature),
            Ok(()),
        );
    }
    for case in &SPECCHECK {
        let (m, a, sig) = case.bytes();
        let mut flags = vec!["Ktv"];
        match case.verdict {
            Ok(()) if !case.props().equations.is_some_and(|e| e.cofactorless) => {
                flags.push("CofactoredOnly")
            }
            _ => {}
        }
        add(
            format!("ed25519-speccheck case {}: {}", case.number, case.about),
            &flags,
            a,
            &m,
            sig,
            case.verdict,
        );
    }

    // Honest signatures over messages around the SHA-512 block boundaries (the hash input is
    // 64 bytes of R and A, then the message).
    let mut stream = rng("ed25519 verify");
    let mut seed = [0u8; 32];
    stream.fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    let public = key.verifying_key().to_bytes();
    let (a, _) = expand(&seed);
    for len in [0usize, 1, 47, 48, 64, 65, 200] {
        let mut m = vec![0u8; len];
        stream.fill_bytes(&mut m);
        add(
            format!("honest signature, {len}-byte message"),
            &["Honest"],
            public,
            &m,
            key.sign(&m).to_bytes(),
            Ok(()),
        );
    }
    let m = b"contact-tracing ed25519 vectors".to_vec();
    let honest = key.sign(&m).to_bytes();
    let mut flipped = m.clone();
    flipped[0] ^= 1;
    add(
        "message changed after signing".into(),
        &["Modified"],
        public,
        &flipped,
        honest,
        Err(Mismatch),
    );
    let mut other_a = public;
    other_a[0] ^= 1;
    let other_verdict = ed25519::verify(&other_a, &[&m], &honest);
    add(
        "one bit of A changed".into(),
        &["Modified"],
        other_a,
        &m,
        honest,
        other_verdict,
    );
    for (byte, bit, what) in [
        (0usize, 1u8, "R, low bit"),
        (32, 1, "S, low bit"),
        (63, 0x10, "S, bit 252"),
    ] {
        let mut sig = honest;
        sig[byte] ^= bit;
        let verdict = ed25519::verify(&public, &[&m], &sig);
        add(
            format!("one bit of {what} changed"),
            &["Modified"],
            public,
            &m,
            sig,
            verdict,
        );
    }

    // Every point of small order as A: R = [r]B and S = r satisfy the cofactored equation (and,
    // for the identity, the cofactorless one), so only check 1b refuses them.
    let r = Scalar::from_bytes_mod_order(le_int(0x5eed));
    let r_point = (ED25519_BASEPOINT_POINT * r).compress().to_bytes();
    for (i, enc) in small_order_encodings().iter().enumerate() {
        let order = torsion_order(&CompressedEdwardsY(*enc).decompress().expect("torsion"));
        add(
            format!("A is small-order point {i} (order {order}); the cofactored equation holds"),
            &["SmallOrderA"],
            *enc,
            &m,
            sig_of(&r_point, r.as_bytes()),
            Err(KeySmallOrder),
        );
    }
    // Every point of small order as R, allowed: S = k·a makes [S]B − [k]A − R = −R.
    for (i, enc) in small_order_encodings().iter().enumerate() {
        let order = torsion_order(&CompressedEdwardsY(*enc).decompress().expect("torsion"));
        let sig = raw_sign(&a, &public, &Scalar::ZERO, enc, &m);
        let flags: &[&str] = if order == 1 {
            &["SmallOrderR"]
        } else {
            &["SmallOrderR", "CofactoredOnly"]
        };
        add(
            format!("R is small-order point {i} (order {order}), S = k·a"),
            flags,
            public,
            &m,
            sig,
            Ok(()),
        );
    }

    // Every class of non-canonical encoding, as A and as R. Where the point decodes leniently to
    // a point of small order, the signature passes the cofactored equation of a lenient verifier.
    for (what, enc) in non_canonical_encodings() {
        let small = CompressedEdwardsY(enc)
            .decompress()
            .is_some_and(|p| p.is_small_order());
        let mut flags = vec!["NonCanonicalA"];
        if small {
            flags.push("TwoViolations");
        }
        let comment = if small {
            format!("A: {what}; also of small order (checks 1a and 1b), 1a decides")
        } else {
            format!("A: {what}")
        };
        add(
            comment,
            &flags,
            enc,
            &m,
            sig_of(&r_point, r.as_bytes()),
            Err(KeyNonCanonical),
        );
    }
    for (what, enc) in non_canonical_encodings() {
        let sig = raw_sign(&a, &public, &Scalar::ZERO, &enc, &m);
        add(
            format!("R: {what}"),
            &["NonCanonicalR"],
            public,
            &m,
            sig,
            Err(RNonCanonical),
        );
    }

    // S at and around ℓ.
    let s_cases: [(&str, [u8; 32], Result<(), Ed25519Error>); 7] = [
        ("S = 0", [0u8; 32], Err(Mismatch)),
        (
            "S = ℓ − 1, the largest canonical scalar",
            sub_le(&ELL, &le_int(1)),
            Err(Mismatch),
        ),
        ("S = ℓ", ELL, Err(SNonCanonical)),
        ("S = ℓ + 1", add_le(&ELL, &le_int(1)), Err(SNonCanonical)),
        (
            "S = 2^253 − 1 (the top three bits clear)",
            {
                let mut b = [0xffu8; 32];
                b[31] = 0x1f;
                b
            },
            Err(SNonCanonical),
        ),
        (
            "S = 2^253",
            {
                let mut b = [0u8; 32];
                b[31] = 0x20;
                b
            },
            Err(SNonCanonical),
        ),
        ("S = 2^256 − 1", [0xffu8; 32], Err(SNonCanonical)),
    ];
    for (what, s, want) in s_cases {
        add(
            format!("{what}, with an honest R"),
            &["SBoundary"],
            public,
            &m,
            sig_of(&honest[..32].try_into().expect("32"), &s),
            want,
        );
    }
    // S + ℓ and S + 8ℓ of honest signatures: valid once reduced. Search for an S + ℓ below 2^253,
    // which passes a check of the top three bits only.
    for counter in 0u32.. {
        let mut mm = m.clone();
        mm.extend_from_slice(&counter.to_le_bytes());
        let sig = key.sign(&mm).to_bytes();
        let s: [u8; 32] = sig[32..].try_into().expect("32");
        let unreduced = add_le(&s, &ELL);
        if classify_s(&unreduced) == SClass::Unreduced {
            add(
                "S + ℓ of an honest signature, below 2^253 (top three bits clear)".into(),
                &["NonCanonicalS"],
                public,
                &mm,
                with_s(&sig, &unreduced),
                Err(SNonCanonical),
            );
            let high = (0..8).fold(s, |acc, _| add_le(&acc, &ELL));
            add(
                "S + 8ℓ of an honest signature (above 2^255)".into(),
                &["NonCanonicalS"],
                public,
                &mm,
                with_s(&sig, &high),
                Err(SNonCanonical),
            );
            break;
        }
    }

    // Mixed-order A (torsion of order 2, 4 and 8), and R with torsion of each order: valid under
    // the cofactored equation.
    let b = ED25519_BASEPOINT_POINT;
    for (i, order) in [(4usize, 2u32), (2, 4), (1, 8)] {
        let t = EIGHT_TORSION[i];
        assert_eq!(torsion_order(&t), order);
        let mixed = (b * a + t).compress().to_bytes();
        let nonce = Scalar::from_bytes_mod_order(le_int(0x1000 + u64::from(order)));
        let r_enc = (b * nonce).compress().to_bytes();
        // Search for a message for which the cofactorless equation fails too (k·T ≠ 0).
        let (mm, sig) = (0u32..)
            .map(|c| {
                let mut mm = m.clone();
                mm.extend_from_slice(&c.to_le_bytes());
                let sig = raw_sign(&a, &mixed, &nonce, &r_enc, &mm);
                (mm, sig)
            })
            .find(|(mm, sig)| lenient_equations(&mixed, mm, sig).is_some_and(|e| !e.cofactorless))
            .expect("found");
        add(format!("A has a torsion component of order {order} (mixed order); valid by the cofactored equation only"), &["MixedOrderA", "CofactoredOnly"], mixed, &mm, sig, Ok(()));
        let r_mixed = (b * nonce + t).compress().to_bytes();
        let sig = raw_sign(&a, &public, &nonce, &r_mixed, &m);
        add(
            format!(
                "R has a torsion component of order {order}; valid by the cofactored equation only"
            ),
            &["CofactoredOnly"],
            public,
            &m,
            sig,
            Ok(()),
        );
    }
    // A mixed-order A whose torsion vanishes in k·A: both equations hold.
    let t = EIGHT_TORSION[1];
    let mixed = (b * a + t).compress().to_bytes();
    let nonce = Scalar::from_bytes_mod_order(le_int(0x2000));
    let r_enc = (b * nonce).compress().to_bytes();
    let (mm, sig) = (0u32..)
        .map(|c| {
            let mut mm = m.clone();
            mm.extend_from_slice(&c.to_le_bytes());
            (mm.clone(), raw_sign(&a, &mixed, &nonce, &r_enc, &mm))
        })
        .find(|(mm, sig)| lenient_equations(&mixed, mm, sig).is_some_and(|e| e.cofactorless))
        .expect("found");
    add(
        "A of mixed order (torsion of order 8) and k ≡ 0 mod 8: both equations hold".into(),
        &["MixedOrderA"],
        mixed,
        &mm,
        sig,
        Ok(()),
    );

    // Two checks broken at once, for every pair of the five checks: the earlier check decides.
    let nc_a = non_canonical_point_encoding();
    let nc_r = non_canonical_point_encoding();
    let small_a = small_order_encodings()[4];
    let big_s = ELL;
    let prime_r = r_point;
    let wrong_s = (r + Scalar::ONE).to_bytes();
    let honest_r: [u8; 32] = honest[..32].try_into().expect("32");
    let pairs: [(&str, [u8; 32], [u8; 64], Ed25519Error); 11] = [
        ("1a+1b: A is the identity with the sign bit set", with_sign(le_int(1)), sig_of(&prime_r, r.as_bytes()), KeyNonCanonical),
        ("1a+2: A non-canonical (y + p), R non-canonical (y + p)", nc_a, sig_of(&nc_r, r.as_bytes()), KeyNonCanonical),
        ("1a+3: A non-canonical (y + p), S = ℓ", nc_a, sig_of(&prime_r, &big_s), KeyNonCanonical),
        ("1a+4: A non-canonical (y + p), the equation fails even leniently", nc_a, sig_of(&prime_r, &wrong_s), KeyNonCanonical),
        ("1b+2: A of small order (order 8), R non-canonical (y + p)", small_a, sig_of(&nc_r, r.as_bytes()), KeySmallOrder),
        ("1b+3: A of small order, S = ℓ", small_a, sig_of(&prime_r, &big_s), KeySmallOrder),
        ("1b+4: A of small order, the equation fails even cofactored", small_a, sig_of(&prime_r, &wrong_s), KeySmallOrder),
        ("2+3: R non-canonical (y + p), S = ℓ", public, sig_of(&nc_r, &big_s), RNonCanonical),
        ("2+4: R non-canonical (y + p), the equation fails even leniently", public, sig_of(&nc_r, &wrong_s), RNonCanonical),
        ("3+4: S = ℓ + 1, and the equation fails even with S reduced", public, sig_of(&honest_r, &add_le(&ELL, &le_int(1))), SNonCanonical),
        ("all five: A non-canonical and (leniently) small, R non-canonical, S ≥ ℓ, equation fails", with_sign(small_order_encodings()[1]), sig_of(&with_sign(le_int(1)), &[0xffu8; 32]), KeyNonCanonical),
    ];
    for (what, public_key, sig, want) in pairs {
        add(
            what.into(),
            &["TwoViolations"],
            public_key,
            &m,
            sig,
            Err(want),
        );
    }
    out
}

fn verify_file() -> Value {
    let mut f = FileBuilder::new(
        "ed25519",
        "ed25519-verify",
        "spec/ed25519.md#3-the-rule",
        &[
            "The project's one Ed25519 verification rule (spec/ed25519.md) on raw inputs.",
            "Generated by `cargo run -p conformance -- generate` from fixed seeds; do not edit by hand.",
        ],
    );
    f.note("Ktv", "BASIC", "Published known-answer test, byte for byte: RFC 8032 §7.1 TEST 1–3, or a case of ed25519-speccheck (cases.txt; cases 12 and 13 from its earlier cases.json), numbered as in spec/ed25519.md §5.");
    f.note(
        "Honest",
        "BASIC",
        "An RFC 8032 signature by a key from a fixed-seed stream.",
    );
    f.note(
        "Modified",
        "MODIFIED_PARAMETER",
        "An honest signature with one bit of the message, A, R or S changed.",
    );
    f.note("SmallOrderA", "EDGE_CASE", "A is one of the eight points of small order, canonically encoded; the signature satisfies the cofactored equation, so only check 1b refuses it.");
    f.note(
        "SmallOrderR",
        "EDGE_CASE",
        "R is one of the eight points of small order, which the rule allows; S = k·a.",
    );
    f.note("NonCanonicalA", "EDGE_CASE", "A is not the canonical encoding of a point (y ≥ p, a sign bit on x = 0, or off the curve). Where it decodes leniently to a small-order point, a lenient cofactored verifier accepts the signature.");
    f.note("NonCanonicalR", "SIGNATURE_MALLEABILITY", "R is not the canonical encoding of a point. Where it decodes leniently to a small-order point, a lenient cofactored verifier accepts the signature.");
    f.note(
        "NonCanonicalS",
        "SIGNATURE_MALLEABILITY",
        "S ≥ ℓ, valid once reduced mod ℓ.",
    );
    f.note(
        "SBoundary",
        "EDGE_CASE",
        "S at or near ℓ, 2^253 and 2^256 − 1.",
    );
    f.note(
        "MixedOrderA",
        "EDGE_CASE",
        "A has a nonzero torsion component but is not of small order; the rule accepts it.",
    );
    f.note(
        "CofactoredOnly",
        "DEFINED",
        "Valid by the cofactored equation only: the cofactorless equation [S]B = R + [k]A fails.",
    );
    f.note("TwoViolations", "EDGE_CASE", "Breaks two (or more) checks of spec/ed25519.md §3 at once; the earliest check's code is expected.");
    f.group("ed25519-verify", json!({}));
    for case in cases() {
        let got = ed25519::verify(&case.public, &[&case.message], &case.signature);
        assert_eq!(got, case.want, "ed25519-verify: {}", case.comment);
        let lenient = lenient_equations(&case.public, &case.message, &case.signature);
        if case.flags.contains(&"CofactoredOnly") {
            assert!(
                lenient.is_some_and(|e| e.cofactored && !e.cofactorless),
                "not cofactored-only: {}",
                case.comment
            );
        }
        if case.flags.contains(&"SmallOrderA") || case.flags.contains(&"SmallOrderR") {
            assert!(
                lenient.is_some_and(|e| e.cofactored),
                "a lenient cofactored verifier should accept: {}",
                case.comment
            );
        }
        let fields = json!({
            "publicKey": hex(case.public),
            "message": hex(&case.message),
            "signature": hex(case.signature),
        });
        match got {
            Ok(()) => f.valid(&case.comment, &case.flags, fields),
            Err(e) => f.invalid(&case.comment, &case.flags, e.code(), fields),
        };
    }
    f.finish()
}

fn generate() -> Vec<(String, Value)> {
    vec![("ed25519/verify_test.json".into(), verify_file())]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every published case keeps its properties and its verdict when carried into another
    /// message format (here: a fixed prefix, the public key, then the counter).
    #[test]
    fn every_published_case_can_be_carried() {
        let a = Scalar::from_bytes_mod_order(le_int(12345));
        let r = Scalar::from_bytes_mod_order(le_int(67890));
        for case in &SPECCHECK {
            let carried = carry(case, &a, &r, |public, counter| {
                let mut m = b"prefix".to_vec();
                m.extend_from_slice(public);
                m.extend_from_slice(&counter.to_le_bytes());
                m
            });
            assert_eq!(
                props(&carried.public, &carried.message, &carried.signature),
                case.props()
            );
            assert_eq!(
                ed25519::verify(&carried.public, &[&carried.message], &carried.signature),
                case.verdict,
                "case {}",
                case.number
            );
        }
    }

    /// `spec/ed25519.md §5`'s table of the published cases says, for each case, which equations
    /// a lenient verifier finds to hold and the verdict here; both are recomputed from the bytes.
    #[test]
    fn spec_table_of_published_cases_matches_the_bytes() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/ed25519.md"))
                .expect("spec");
        let word = |cofactorless: bool, cofactored: bool| match (cofactorless, cofactored) {
            (true, _) => "both",
            (false, true) => "cofactored",
            (false, false) => "neither",
        };
        let mut rows = 0;
        for line in doc.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let Some(number) = cells.get(1).and_then(|c| c.parse::<usize>().ok()) else {
                continue;
            };
            if cells.len() != 9 {
                continue;
            }
            let case = &SPECCHECK[number];
            let e = case.props().equations.expect("decodes leniently");
            assert!(
                cells[5].starts_with(word(e.cofactorless, e.cofactored)),
                "case {number}: received-bytes column `{}`",
                cells[5]
            );
            assert!(
                cells[6].starts_with(word(e.cofactorless_reencoded, e.cofactored_reencoded)),
                "case {number}: re-encoded column `{}`",
                cells[6]
            );
            let verdict = match case.verdict {
                Ok(()) => "valid".to_string(),
                Err(err) => format!("`{}`", err.code()),
            };
            assert_eq!(cells[7], verdict, "case {number}: verdict");
            rows += 1;
        }
        assert_eq!(rows, SPECCHECK.len(), "one row per published case");
    }
}
