//! Sender-side construction with an accumulated blinding scalar (`spec/mix.md §4`).

use alloc::vec::Vec;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::{clamp_integer, Scalar};
use rand_core::CryptoRngCore;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::geometry::{
    pad_into, Geometry, DELIVER_MARKER, FINAL_BLOCK_LEN, KEY_SELECT_COUNT, MAC_LEN, PER_HOP_LEN,
};
use super::hop::{header_mac, stream_xor, HopKeys};
use super::{MailboxAddress, MixError};

/// One hop of a route: who, which day key, and that key (`spec/mix.md §4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteHop {
    /// Entity number (`0..=254`) from the Discovery document.
    pub entity: u8,
    /// Key select of the chosen day key (`0..=59`).
    pub key_select: u8,
    /// The entity's X25519 public key for that day.
    pub public_key: [u8; 32],
}

/// Where the final hop hands the payload (`spec/mix.md §2.2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    /// `FLAGS = 0x00`: Receive at a mailbox server, stored under this address.
    Mailbox(MailboxAddress),
    /// `FLAGS = 0x01`: a Swap operation at the nymserver.
    Nymserver,
}

impl Destination {
    /// The 38-byte final block `0xFF | FLAGS | MAILBOX`.
    pub fn final_block(&self) -> [u8; FINAL_BLOCK_LEN] {
        let mut f = [0u8; FINAL_BLOCK_LEN];
        let (head, mailbox) = f.split_at_mut(2);
        match self {
            Destination::Mailbox(m) => {
                head.copy_from_slice(&[DELIVER_MARKER, 0x00]);
                mailbox.copy_from_slice(&m.0);
            }
            Destination::Nymserver => head.copy_from_slice(&[DELIVER_MARKER, 0x01]),
        }
        f
    }
}

/// A wire packet of `M(r)` bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Packet(Vec<u8>);

impl core::fmt::Debug for Packet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Packet({} bytes)", self.0.len())
    }
}

impl Packet {
    /// The packet bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// The packet bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
    pub(crate) fn from_vec(v: Vec<u8>) -> Self {
        Packet(v)
    }
}

/// The sender's view of a built header: what vectors and SURBs need.
#[doc(hidden)]
pub struct HeaderBuild {
    /// The header bytes (`H`).
    pub header: Vec<u8>,
    /// `s_0 .. s_{r-1}`.
    pub shared_secrets: Vec<Zeroizing<[u8; 32]>>,
    /// `alpha_0 .. alpha_{r-1}`.
    pub alphas: Vec<[u8; 32]>,
}

/// The u-coordinates (canonical, as an X25519 ladder outputs them) of the points of small order
/// on Curve25519 and its twist: `0`, `1`, `p - 1` and the two points of order 8
/// (`spec/mix.md §4`, `MIX-BUILD-1`).
const SMALL_ORDER_U: [[u8; 32]; 5] = [
    [0; 32],
    {
        let mut u = [0u8; 32];
        u[0] = 1;
        u
    },
    {
        let mut u = [0xffu8; 32];
        u[0] = 0xec;
        u[31] = 0x7f;
        u
    },
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ],
];

/// Whether the canonical u-coordinate `s` is a point of small order, compared in constant time.
fn has_small_order(s: &[u8; 32]) -> bool {
    let hit = SMALL_ORDER_U
        .iter()
        .fold(subtle::Choice::from(0), |acc, u| acc | s.ct_eq(u));
    bool::from(hit)
}

fn check_route(geometry: Geometry, route: &[RouteHop]) -> Result<(), MixError> {
    if route.len() != geometry.hops() {
        return Err(MixError::BadHopCount);
    }
    if route
        .iter()
        .any(|h| h.entity == DELIVER_MARKER || h.key_select >= KEY_SELECT_COUNT)
    {
        return Err(MixError::BadRoute);
    }
    Ok(())
}

/// §4 without route validation: any bytes in `route` and `final_block`. Used for negative vectors.
#[doc(hidden)]
pub fn build_header_unchecked(
    geometry: Geometry,
    route: &[RouteHop],
    final_block: &[u8; FINAL_BLOCK_LEN],
    ephemeral: &[u8; 32],
) -> Result<HeaderBuild, MixError> {
    let r = geometry.hops();
    if route.len() != r {
        return Err(MixError::BadHopCount);
    }
    let l = geometry.beta_len();
    // Accumulated scalar x_i (spec/mix.md §4, MIX-BUILD-1).
    let mut x = Scalar::from_bytes_mod_order(clamp_integer(*ephemeral));
    let mut secrets = Vec::with_capacity(r);
    let mut alphas = Vec::with_capacity(r);
    let mut keys = Vec::with_capacity(r);
    for hop in route {
        let alpha = MontgomeryPoint::mul_base(&x).to_bytes();
        let s = Zeroizing::new((MontgomeryPoint(hop.public_key) * x).to_bytes());
        // SPEC: spec/mix.md#construction (MIX-BUILD-1): s_i of small order (exactly when P_i
        // has small order) is refused.
        if has_small_order(&s) {
            x.zeroize();
            return Err(MixError::WeakKey);
        }
        let k = HopKeys::derive(&s);
        x *= Scalar::from_bytes_mod_order(clamp_integer(*k.blinding()));
        alphas.push(alpha);
        secrets.push(s);
        keys.push(k);
    }
    x.zeroize();
    // Filler (MIX-BUILD-2).
    let mut filler: Vec<u8> = Vec::with_capacity(PER_HOP_LEN * r);
    let mut stream = Zeroizing::new(alloc::vec![0u8; l + PER_HOP_LEN]);
    for k in keys.iter().take(r.saturating_sub(1)) {
        filler.extend_from_slice(&[0u8; PER_HOP_LEN]);
        stream.fill(0);
        k.stream_xor(&mut stream);
        let start = stream.len() - filler.len();
        for (f, s) in filler.iter_mut().zip(stream.iter().skip(start)) {
            *f ^= s;
        }
    }
    // Routing, innermost first (MIX-BUILD-3).
    let (last_keys, last_alpha, last_hop) = match (keys.last(), alphas.last(), route.last()) {
        (Some(k), Some(a), Some(h)) => (k, a, h),
        _ => return Err(MixError::BadHopCount),
    };
    // l = 20 + 18r >= 38 = FINAL_BLOCK_LEN and the filler is exactly l - 38 bytes.
    let mut beta = Vec::with_capacity(l);
    let mut last = *final_block;
    last_keys.stream_xor(&mut last);
    beta.extend_from_slice(&last);
    beta.extend_from_slice(&filler);
    let mut gamma = header_mac(last_keys.mu(), last_hop.key_select, last_alpha, &beta);
    let hops = route.windows(2).zip(keys.iter()).zip(alphas.iter());
    for ((pair, k), alpha) in hops.rev() {
        let (this, next) = match pair {
            [this, next] => (this, next),
            _ => return Err(MixError::BadHopCount),
        };
        let mut nb = Vec::with_capacity(l);
        nb.push(next.entity);
        nb.push(next.key_select);
        nb.extend_from_slice(&gamma);
        nb.extend_from_slice(beta.get(..l - PER_HOP_LEN).unwrap_or_default());
        stream_xor(k.rho(), &mut nb);
        beta = nb;
        gamma = header_mac(k.mu(), this.key_select, alpha, &beta);
    }
    let (first_hop, first_alpha) = match (route.first(), alphas.first()) {
        (Some(h), Some(a)) => (h, a),
        _ => return Err(MixError::BadHopCount),
    };
    let mut header = Vec::with_capacity(geometry.header_len());
    header.push(first_hop.key_select);
    header.extend_from_slice(first_alpha);
    header.extend_from_slice(&gamma);
    header.extend_from_slice(&beta);
    debug_assert_eq!(header.len(), geometry.header_len());
    debug_assert_eq!(gamma.len(), MAC_LEN);
    Ok(HeaderBuild {
        header,
        shared_secrets: secrets,
        alphas,
    })
}

/// Builds a header for `route` ending in `destination` (`spec/mix.md §4`).
#[doc(hidden)]
pub fn build_header(
    geometry: Geometry,
    route: &[RouteHop],
    destination: &Destination,
    ephemeral: &[u8; 32],
) -> Result<HeaderBuild, MixError> {
    check_route(geometry, route)?;
    build_header_unchecked(geometry, route, &destination.final_block(), ephemeral)
}

/// Onion-encrypts a padded payload: LIONESS-Encrypt with `pi_{r-1}` first, `pi_0` last (`MIX-BUILD-4`).
pub(crate) fn encrypt_payload(
    secrets: &[Zeroizing<[u8; 32]>],
    payload: &mut [u8],
) -> Result<(), MixError> {
    for s in secrets.iter().rev() {
        HopKeys::derive(s).lioness().encrypt(payload)?;
    }
    Ok(())
}

/// Creates a forward packet carrying `message` along `route` to `destination` (`spec/mix.md §4`).
///
/// `ephemeral` is 32 fresh random bytes (see [`create_forward_with_rng`]). Returns the entity to
/// send the packet to (`route[0].entity`) and the packet.
pub fn create_forward(
    geometry: Geometry,
    route: &[RouteHop],
    destination: &Destination,
    message: &[u8],
    ephemeral: &[u8; 32],
) -> Result<(u8, Packet), MixError> {
    if message.len() > geometry.max_message_len() {
        return Err(MixError::MessageTooLong);
    }
    let built = build_header(geometry, route, destination, ephemeral)?;
    let mut payload = Zeroizing::new(alloc::vec![0u8; geometry.payload_len()]);
    pad_into(message, &mut payload)?;
    encrypt_payload(&built.shared_secrets, &mut payload)?;
    let mut bytes = built.header;
    bytes.extend_from_slice(&payload);
    let first = route
        .first()
        .map(|h| h.entity)
        .ok_or(MixError::BadHopCount)?;
    Ok((first, Packet(bytes)))
}

/// [`create_forward`] with the ephemeral secret drawn from `rng`.
pub fn create_forward_with_rng(
    geometry: Geometry,
    route: &[RouteHop],
    destination: &Destination,
    message: &[u8],
    rng: &mut impl CryptoRngCore,
) -> Result<(u8, Packet), MixError> {
    let mut e = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(e.as_mut());
    create_forward(geometry, route, destination, message, &e)
}
