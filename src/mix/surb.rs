//! Single-use reply blocks (`spec/mix.md §6`).

use alloc::vec::Vec;
use hkdf::Hkdf;
use rand_core::CryptoRngCore;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::geometry::{pad_into, unpad, Geometry, DELIVER_MARKER, KEY_SELECT_COUNT};
use super::hop::HopKeys;
use super::lioness::{Lioness, LIONESS_KEY_LEN};
use super::packet::{build_header, Destination, Packet, RouteHop};
use super::{MailboxAddress, MixError};
use crate::labels::mix as labels;
use crate::wire::Reader;

/// The replier's LIONESS key `K = HKDF(salt = "", IKM = message_key, info = surb-reply-key, 192)`
/// (`spec/mix.md §6.2`, `MIX-SURB-2`).
pub fn reply_key(message_key: &[u8; 32]) -> Zeroizing<[u8; LIONESS_KEY_LEN]> {
    let hk = Hkdf::<Sha256>::new(None, message_key);
    let mut k = Zeroizing::new([0u8; LIONESS_KEY_LEN]);
    // 192 <= 255 * 32: cannot fail.
    let _ = hk.expand(labels::SURB_REPLY_KEY.bytes, k.as_mut());
    k
}

/// A SURB: `header | first_hop | message_key` (`spec/mix.md §6.1`). Given to the replier.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Surb {
    header: Vec<u8>,
    first_hop: u8,
    message_key: [u8; 32],
}

impl core::fmt::Debug for Surb {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Surb")
            .field("header_len", &self.header.len())
            .field("first_hop", &self.first_hop)
            .finish_non_exhaustive()
    }
}

impl Surb {
    /// The header (`H` bytes).
    pub fn header(&self) -> &[u8] {
        &self.header
    }
    /// The entity the reply is sent to.
    pub fn first_hop(&self) -> u8 {
        self.first_hop
    }
    /// The 32-byte MessageKey.
    pub fn message_key(&self) -> &[u8; 32] {
        &self.message_key
    }

    /// The wire form, `H + 33` bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.header.len() + 33);
        v.extend_from_slice(&self.header);
        v.push(self.first_hop);
        v.extend_from_slice(&self.message_key);
        v
    }

    /// Strict decoding for a network of `geometry` (`spec/mix.md §6.1`, `MIX-SURB-1`).
    pub fn decode(geometry: Geometry, bytes: &[u8]) -> Result<Self, MixError> {
        let mut r = Reader::new(bytes);
        let header = r.bytes(geometry.header_len())?.to_vec();
        let first_hop = r.u8()?;
        let message_key = r.array::<32>()?;
        r.finish()?;
        let ks = header.first().copied().unwrap_or(u8::MAX);
        if first_hop == DELIVER_MARKER || ks >= KEY_SELECT_COUNT {
            return Err(MixError::MalformedSurb);
        }
        Ok(Surb {
            header,
            first_hop,
            message_key,
        })
    }

    /// The replier's side (`spec/mix.md §6.2`): a packet carrying `message` back to the SURB's
    /// creator, and the entity to send it to.
    pub fn reply(&self, message: &[u8]) -> Result<(u8, Packet), MixError> {
        let mut payload = Zeroizing::new(alloc::vec![0u8; self.header.len() + 98]);
        pad_into(message, &mut payload)?;
        Lioness::new(&reply_key(&self.message_key)).encrypt(&mut payload)?;
        let mut bytes = self.header.clone();
        bytes.extend_from_slice(&payload);
        Ok((self.first_hop, Packet::from_vec(bytes)))
    }
}

/// What a SURB's creator keeps to read the reply: `s_0..s_{r-1}` and the MessageKey
/// (`spec/mix.md §6.3`). Zeroized on drop; `Debug` prints nothing secret.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SurbSecret {
    hop_secrets: Vec<[u8; 32]>,
    message_key: [u8; 32],
}

impl core::fmt::Debug for SurbSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SurbSecret({} hops, <secret>)", self.hop_secrets.len())
    }
}

impl SurbSecret {
    /// The hop count of the SURB.
    pub fn hops(&self) -> usize {
        self.hop_secrets.len()
    }

    /// Reads a reply delivered through the SURB (`spec/mix.md §6.2`, `MIX-SURB-3`).
    pub fn open_reply(&self, payload: &[u8]) -> Result<Vec<u8>, MixError> {
        let g = Geometry::new(u8::try_from(self.hops()).map_err(|_| MixError::BadHopCount)?)?;
        if payload.len() != g.payload_len() {
            return Err(MixError::BadLength);
        }
        let mut p = Zeroizing::new(payload.to_vec());
        for s in self.hop_secrets.iter().rev() {
            HopKeys::derive(s).lioness().encrypt(&mut p)?;
        }
        Lioness::new(&reply_key(&self.message_key)).decrypt(&mut p)?;
        Ok(unpad(&p)?.to_vec())
    }

    /// `r | s_0 | ... | s_{r-1} | message_key`.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut v = Zeroizing::new(Vec::with_capacity(1 + 32 * self.hops() + 32));
        v.push(u8::try_from(self.hops()).unwrap_or(0));
        for s in &self.hop_secrets {
            v.extend_from_slice(s);
        }
        v.extend_from_slice(&self.message_key);
        v
    }

    /// Strict decoding of [`SurbSecret::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MixError> {
        let mut r = Reader::new(bytes);
        let g = Geometry::new(r.u8()?)?;
        let mut hop_secrets = Vec::with_capacity(g.hops());
        for _ in 0..g.hops() {
            hop_secrets.push(r.array::<32>()?);
        }
        let message_key = r.array::<32>()?;
        r.finish()?;
        Ok(SurbSecret {
            hop_secrets,
            message_key,
        })
    }
}

/// Creates a SURB whose reply is delivered to `mailbox` along `route` (`spec/mix.md §6.2`).
///
/// `ephemeral` and `message_key` are 32 fresh random bytes each.
pub fn create_surb(
    geometry: Geometry,
    route: &[RouteHop],
    mailbox: &MailboxAddress,
    ephemeral: &[u8; 32],
    message_key: &[u8; 32],
) -> Result<(Surb, SurbSecret), MixError> {
    let built = build_header(geometry, route, &Destination::Mailbox(*mailbox), ephemeral)?;
    let first_hop = route
        .first()
        .map(|h| h.entity)
        .ok_or(MixError::BadHopCount)?;
    let hop_secrets = built.shared_secrets.iter().map(|s| **s).collect();
    Ok((
        Surb {
            header: built.header.clone(),
            first_hop,
            message_key: *message_key,
        },
        SurbSecret {
            hop_secrets,
            message_key: *message_key,
        },
    ))
}

/// [`create_surb`] with the ephemeral secret and MessageKey drawn from `rng`.
pub fn create_surb_with_rng(
    geometry: Geometry,
    route: &[RouteHop],
    mailbox: &MailboxAddress,
    rng: &mut impl CryptoRngCore,
) -> Result<(Surb, SurbSecret), MixError> {
    let mut e = Zeroizing::new([0u8; 32]);
    let mut k = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(e.as_mut());
    rng.fill_bytes(k.as_mut());
    create_surb(geometry, route, mailbox, &e, &k)
}
