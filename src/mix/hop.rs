//! Per-hop cryptography and the stateless hop transformation (`spec/mix.md §3`, `§7`).

use curve25519_dalek::montgomery::MontgomeryPoint;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::geometry::{Geometry, ALPHA_LEN, MAC_LEN};
#[cfg(feature = "alloc")]
use super::geometry::{DELIVER_MARKER, KEY_SELECT_COUNT, MAILBOX_LEN};
use super::lioness::{Lioness, LIONESS_KEY_LEN};
#[cfg(feature = "alloc")]
use super::MailboxAddress;
use super::MixError;
use crate::labels::mix as labels;

/// Length of a replay tag (`spec/mix.md §3`, `MIX-TAG-1`).
pub const REPLAY_TAG_LEN: usize = 16;

/// A replay tag: `SHA-256(label | KS | gamma | beta)[0..16]`.
pub type ReplayTag = [u8; REPLAY_TAG_LEN];

/// The keys of one hop, derived from its X25519 shared secret (`spec/mix.md §3`, `MIX-KDF-1`).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct HopKeys {
    rho: [u8; 32],
    mu: [u8; 32],
    pi: [u8; LIONESS_KEY_LEN],
    b: [u8; 32],
}

impl core::fmt::Debug for HopKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HopKeys(<secret>)")
    }
}

impl HopKeys {
    /// `HKDF-SHA256(salt = hop-salt, IKM = s, info = hop-keys, 288)` split as
    /// `rho | mu | pi | b` (`spec/mix.md §3`).
    pub fn derive(shared_secret: &[u8; 32]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(labels::HOP_SALT.bytes), shared_secret);
        let mut okm = [0u8; 288];
        // 288 <= 255 * 32, so expansion cannot fail; zero keys would only follow a broken hkdf.
        let _ = hk.expand(labels::HOP_KEYS.bytes, &mut okm);
        let mut keys = HopKeys {
            rho: [0; 32],
            mu: [0; 32],
            pi: [0; LIONESS_KEY_LEN],
            b: [0; 32],
        };
        let (rho, rest) = okm.split_at(32);
        let (mu, rest) = rest.split_at(32);
        let (pi, b) = rest.split_at(LIONESS_KEY_LEN);
        keys.rho.copy_from_slice(rho);
        keys.mu.copy_from_slice(mu);
        keys.pi.copy_from_slice(pi);
        keys.b.copy_from_slice(b);
        okm.zeroize();
        keys
    }

    /// `rho`: the header stream key.
    pub fn rho(&self) -> &[u8; 32] {
        &self.rho
    }
    /// `mu`: the header MAC key.
    pub fn mu(&self) -> &[u8; 32] {
        &self.mu
    }
    /// `pi`: the 192-byte LIONESS payload key.
    pub fn pi(&self) -> &[u8; LIONESS_KEY_LEN] {
        &self.pi
    }
    /// `b`: the blinding factor (clamped when used as a scalar).
    pub fn blinding(&self) -> &[u8; 32] {
        &self.b
    }
    /// The LIONESS cipher keyed with `pi`.
    pub fn lioness(&self) -> Lioness {
        Lioness::new(&self.pi)
    }
    /// XORs `ChaCha20(rho)[0..buf.len()]` into `buf`.
    pub fn stream_xor(&self, buf: &mut [u8]) {
        stream_xor(&self.rho, buf);
    }
}

/// XORs the RFC 8439 ChaCha20 keystream (zero nonce, counter 0) into `buf`.
pub(crate) fn stream_xor(key: &[u8; 32], buf: &mut [u8]) {
    use chacha20::cipher::{KeyIvInit, StreamCipher};
    let mut c = chacha20::ChaCha20::new(key.into(), &[0u8; 12].into());
    c.apply_keystream(buf);
}

/// `gamma = HMAC-SHA256(mu, KS | alpha | beta)[0..16]` (`spec/mix.md §3`, `MIX-MAC-1`).
pub fn header_mac(mu: &[u8; 32], key_select: u8, alpha: &[u8; 32], beta: &[u8]) -> [u8; MAC_LEN] {
    let mut out = [0u8; MAC_LEN];
    if let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(mu) {
        m.update(&[key_select]);
        m.update(alpha);
        m.update(beta);
        let full = m.finalize().into_bytes();
        for (o, f) in out.iter_mut().zip(full.iter()) {
            *o = *f;
        }
    }
    out
}

/// The replay tag of a header (`spec/mix.md §3`, `MIX-TAG-1`): `address = gamma | beta`.
pub fn replay_tag(key_select: u8, address: &[u8]) -> ReplayTag {
    let mut h = Sha256::new();
    h.update(labels::REPLAY_TAG.bytes);
    h.update([key_select]);
    h.update(address);
    let full = h.finalize();
    let mut out = [0u8; REPLAY_TAG_LEN];
    for (o, f) in out.iter_mut().zip(full.iter()) {
        *o = *f;
    }
    out
}

/// `s = X25519(secret, alpha)` (`spec/mix.md §7` step 6, before its all-zero check).
pub fn shared_secret(secret: &[u8; 32], alpha: &[u8; 32]) -> [u8; 32] {
    MontgomeryPoint(*alpha).mul_clamped(*secret).to_bytes()
}

/// `alpha' = X25519(b, alpha)`: the group element for the next hop (`spec/mix.md §7`).
pub fn blind(alpha: &[u8; 32], blinding: &[u8; 32]) -> [u8; 32] {
    MontgomeryPoint(*alpha).mul_clamped(*blinding).to_bytes()
}

/// Whether `gamma` equals `MAC(mu, KS | alpha | beta)`, compared in constant time
/// (`spec/mix.md §3`, `MIX-MAC-1`). The comparison does not branch; the returned `bool` is the
/// public accept/reject decision.
pub fn header_mac_matches(
    mu: &[u8; 32],
    key_select: u8,
    alpha: &[u8; 32],
    beta: &[u8],
    gamma: &[u8],
) -> bool {
    let expected = header_mac(mu, key_select, alpha, beta);
    bool::from(expected.ct_eq(gamma))
}

/// `X25519(secret, alpha)`, failing with `MIX_WEAK_KEY` on an all-zero result.
pub(crate) fn x25519_checked(secret: &[u8; 32], alpha: &[u8; 32]) -> Result<[u8; 32], MixError> {
    let s = shared_secret(secret, alpha);
    if bool::from(s.ct_eq(&[0u8; 32])) {
        return Err(MixError::WeakKey);
    }
    Ok(s)
}

/// A packet split into its fields, length-checked (`spec/mix.md §2.1`, §7 step 1).
#[derive(Clone, Copy, Debug)]
pub struct PacketView<'a> {
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    geometry: Geometry,
    key_select: u8,
    alpha: [u8; 32],
    address: &'a [u8],
    payload: &'a [u8],
}

impl<'a> PacketView<'a> {
    /// Splits `packet`; `MIX_BAD_LENGTH` unless it is exactly `M(r)` bytes (`MIX-PROC-1`).
    pub fn parse(geometry: Geometry, packet: &'a [u8]) -> Result<Self, MixError> {
        // SPEC: spec/mix.md#process (MIX-PROC-1)
        if packet.len() != geometry.packet_len() {
            return Err(MixError::BadLength);
        }
        let (&key_select, rest) = packet.split_first().ok_or(MixError::BadLength)?;
        let (alpha, rest) = rest
            .split_first_chunk::<ALPHA_LEN>()
            .ok_or(MixError::BadLength)?;
        let (address, payload) = rest.split_at(geometry.address_len());
        Ok(PacketView {
            geometry,
            key_select,
            alpha: *alpha,
            address,
            payload,
        })
    }

    /// The clear key-select byte.
    pub fn key_select(&self) -> u8 {
        self.key_select
    }
    /// The group element `alpha`.
    pub fn alpha(&self) -> &[u8; 32] {
        &self.alpha
    }
    /// The Address `gamma | beta`.
    pub fn address(&self) -> &'a [u8] {
        self.address
    }
    /// The payload.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
    /// This packet's replay tag (`MIX-TAG-1`).
    pub fn replay_tag(&self) -> ReplayTag {
        replay_tag(self.key_select, self.address)
    }

    /// Steps 6–7 of `spec/mix.md §7.1`: DH with `secret`, key derivation, constant-time MAC check.
    pub fn authenticate(&self, secret: &[u8; 32]) -> Result<Authenticated<'a>, MixError> {
        // SPEC: spec/mix.md#process (MIX-PROC-6)
        let mut shared = x25519_checked(secret, &self.alpha)?;
        let keys = HopKeys::derive(&shared);
        shared.zeroize();
        let (gamma, beta) = self.address.split_at(MAC_LEN);
        // SPEC: spec/mix.md#process (MIX-PROC-7)
        if !header_mac_matches(keys.mu(), self.key_select, &self.alpha, beta, gamma) {
            return Err(MixError::BadMac);
        }
        Ok(Authenticated { view: *self, keys })
    }
}

/// A packet whose MAC verified: the keys are known, the routing not yet parsed.
#[derive(Debug)]
pub struct Authenticated<'a> {
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    view: PacketView<'a>,
    keys: HopKeys,
}

/// What one hop does with an authenticated packet (`spec/mix.md §7.3`, transition table).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg(feature = "alloc")]
pub enum Outcome {
    /// Send `packet` to entity `next`.
    Forward {
        /// Entity number of the next hop.
        next: u8,
        /// The transformed packet (same length).
        packet: alloc::vec::Vec<u8>,
    },
    /// Store `payload` under `mailbox` (Receive at a mailbox server).
    Deliver {
        /// The mailbox address from the final block.
        mailbox: MailboxAddress,
        /// The fully decrypted payload (`P` bytes, still padded; SURB replies stay encrypted).
        payload: alloc::vec::Vec<u8>,
    },
    /// Hand `payload` to the nymserver layer (Swap).
    Swap {
        /// The fully decrypted payload (`P` bytes, padded: the nymserver calls [`super::unpad`]).
        payload: alloc::vec::Vec<u8>,
    },
}

impl Authenticated<'_> {
    /// The derived hop keys.
    pub fn keys(&self) -> &HopKeys {
        &self.keys
    }

    /// The decrypted routing information `B = (beta | 0^18) XOR ChaCha20(rho)` (`L + 18` bytes).
    #[cfg(feature = "alloc")]
    pub fn routing(&self) -> alloc::vec::Vec<u8> {
        let beta = self.view.address.get(MAC_LEN..).unwrap_or_default();
        let mut b = alloc::vec![0u8; beta.len() + super::geometry::PER_HOP_LEN];
        if let Some(head) = b.get_mut(..beta.len()) {
            head.copy_from_slice(beta);
        }
        self.keys.stream_xor(&mut b);
        b
    }

    /// Steps 9–10 of `spec/mix.md §7.1`: parse the routing, blind alpha, decrypt the payload.
    #[cfg(feature = "alloc")]
    pub fn finish(self) -> Result<Outcome, MixError> {
        let routing = self.routing();
        let g = self.view.geometry;
        let mut payload = self.view.payload.to_vec();
        let (&next, rest) = routing.split_first().ok_or(MixError::MalformedAddress)?;
        let (&flags, rest) = rest.split_first().ok_or(MixError::MalformedAddress)?;
        // SPEC: spec/mix.md#process (MIX-PROC-9)
        if next == DELIVER_MARKER {
            let mailbox: [u8; MAILBOX_LEN] = rest
                .get(..MAILBOX_LEN)
                .and_then(|m| m.try_into().ok())
                .ok_or(MixError::MalformedAddress)?;
            let outcome = match flags {
                0x00 => Outcome::Deliver {
                    mailbox: MailboxAddress(mailbox),
                    payload: alloc::vec::Vec::new(),
                },
                0x01 if mailbox == [0u8; MAILBOX_LEN] => Outcome::Swap {
                    payload: alloc::vec::Vec::new(),
                },
                _ => return Err(MixError::MalformedAddress),
            };
            self.keys.lioness().decrypt(&mut payload)?;
            return Ok(match outcome {
                Outcome::Deliver { mailbox, .. } => Outcome::Deliver { mailbox, payload },
                _ => Outcome::Swap { payload },
            });
        }
        if flags >= KEY_SELECT_COUNT {
            return Err(MixError::MalformedAddress);
        }
        let alpha_next = blind(&self.view.alpha, self.keys.blinding());
        self.keys.lioness().decrypt(&mut payload)?;
        let mut packet = alloc::vec::Vec::with_capacity(g.packet_len());
        packet.push(flags);
        packet.extend_from_slice(&alpha_next);
        packet.extend_from_slice(rest);
        packet.extend_from_slice(&payload);
        Ok(Outcome::Forward { next, packet })
    }
}

/// One hop without key store or replay cache: parse, authenticate with `secret`, transform.
///
/// This is `spec/mix.md §7` steps 1, 6, 7, 9, 10; [`super::Mix::process`] adds the key lookup,
/// the replay cache and the delay.
#[cfg(feature = "alloc")]
pub fn process_hop(
    geometry: Geometry,
    secret: &[u8; 32],
    packet: &[u8],
) -> Result<Outcome, MixError> {
    PacketView::parse(geometry, packet)?
        .authenticate(secret)?
        .finish()
}
