//! Contact-log entries encrypted to the nymserver (`spec/nym.md §6.3`).

use alloc::vec::Vec;
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce, Tag};
use hkdf::Hkdf;
use rand_core::CryptoRngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::{NymError, ADDRESS_LEN, LOG_ENTRY_LEN, LOG_RETENTION, MAX_LOG_ENTRIES};
use crate::labels::nym as labels;
use crate::wire::{Reader, Writer};

/// The nymserver's static X25519 secret for contact logs. Zeroized on drop, never printed.
#[derive(Clone)]
pub struct NymserverSecret(StaticSecret);

impl core::fmt::Debug for NymserverSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "NymserverSecret(public {:02x?}, <secret>)",
            self.public()
        )
    }
}

impl NymserverSecret {
    /// From 32 secret bytes (clamped by X25519).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        NymserverSecret(StaticSecret::from(bytes))
    }
    /// A fresh secret from `rng`.
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        let mut b = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(b.as_mut());
        Self::from_bytes(*b)
    }
    /// The public key `NS` that clients encrypt to.
    pub fn public(&self) -> [u8; 32] {
        PublicKey::from(&self.0).to_bytes()
    }
}

fn entry_key(
    e_pub: &[u8; 32],
    ns: &[u8; 32],
    ss: &[u8; 32],
) -> Result<Zeroizing<[u8; 32]>, NymError> {
    // SPEC: spec/nym.md#log (all-zero shared secret -> NYM_WEAK_KEY)
    if bool::from(ss.ct_eq(&[0u8; 32])) {
        return Err(NymError::WeakKey);
    }
    let mut salt = Vec::with_capacity(labels::LOG_SALT.bytes.len() + 64);
    salt.extend_from_slice(labels::LOG_SALT.bytes);
    salt.extend_from_slice(e_pub);
    salt.extend_from_slice(ns);
    let hk = Hkdf::<Sha256>::new(Some(&salt), ss);
    let mut k = Zeroizing::new([0u8; 32]);
    let _ = hk.expand(labels::LOG_KEY.bytes, k.as_mut());
    Ok(k)
}

/// One encrypted contact-log entry, 90 bytes (`spec/nym.md §6.3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// The ephemeral public key `E`.
    pub ephemeral: [u8; 32],
    /// The encrypted contact address.
    pub ciphertext: [u8; ADDRESS_LEN],
    /// The Poly1305 tag.
    pub tag: [u8; 16],
    /// Start of the contact (seconds).
    pub time: u64,
    /// Approximate duration in slots.
    pub duration: u16,
}

impl LogEntry {
    fn ad(time: u64, duration: u16) -> [u8; 10] {
        let mut ad = [0u8; 10];
        let (t, d) = ad.split_at_mut(8);
        t.copy_from_slice(&time.to_be_bytes());
        d.copy_from_slice(&duration.to_be_bytes());
        ad
    }

    /// Encrypts `address` to the nymserver key `ns` with ephemeral secret `e` (`spec/nym.md §6.3`).
    pub fn seal(
        ns: &[u8; 32],
        address: &[u8; ADDRESS_LEN],
        time: u64,
        duration: u16,
        ephemeral_secret: &[u8; 32],
    ) -> Result<Self, NymError> {
        let e = StaticSecret::from(*ephemeral_secret);
        let e_pub = PublicKey::from(&e).to_bytes();
        let ss = Zeroizing::new(e.diffie_hellman(&PublicKey::from(*ns)).to_bytes());
        let key = entry_key(&e_pub, ns, &ss)?;
        let aead = ChaCha20Poly1305::new(Key::from_slice(key.as_ref()));
        let mut ct = *address;
        let tag = aead
            .encrypt_in_place_detached(
                Nonce::from_slice(&[0u8; 12]),
                &Self::ad(time, duration),
                &mut ct,
            )
            .map_err(|_| NymError::LogDecrypt)?;
        let mut t = [0u8; 16];
        t.copy_from_slice(tag.as_slice());
        Ok(LogEntry {
            ephemeral: e_pub,
            ciphertext: ct,
            tag: t,
            time,
            duration,
        })
    }

    /// [`LogEntry::seal`] with the ephemeral secret from `rng`.
    pub fn seal_with_rng(
        ns: &[u8; 32],
        address: &[u8; ADDRESS_LEN],
        time: u64,
        duration: u16,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, NymError> {
        let mut e = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(e.as_mut());
        Self::seal(ns, address, time, duration, &e)
    }

    /// Decrypts the contact address with the nymserver secret (`spec/nym.md §6.3`).
    pub fn open(&self, secret: &NymserverSecret) -> Result<Zeroizing<[u8; ADDRESS_LEN]>, NymError> {
        let ss = Zeroizing::new(
            secret
                .0
                .diffie_hellman(&PublicKey::from(self.ephemeral))
                .to_bytes(),
        );
        let key = entry_key(&self.ephemeral, &secret.public(), &ss)?;
        let aead = ChaCha20Poly1305::new(Key::from_slice(key.as_ref()));
        let mut pt = Zeroizing::new(self.ciphertext);
        aead.decrypt_in_place_detached(
            Nonce::from_slice(&[0u8; 12]),
            &Self::ad(self.time, self.duration),
            pt.as_mut(),
            Tag::from_slice(&self.tag),
        )
        .map_err(|_| NymError::LogDecrypt)?;
        Ok(pt)
    }

    /// The 90-byte wire form.
    pub fn encode(&self) -> [u8; LOG_ENTRY_LEN] {
        let mut out = [0u8; LOG_ENTRY_LEN];
        let mut w = Writer::new(&mut out);
        // Exactly 90 bytes: cannot fail.
        let _ = w.put(&self.ephemeral);
        let _ = w.put(&self.ciphertext);
        let _ = w.put(&self.tag);
        let _ = w.u64_be(self.time);
        let _ = w.u16_be(self.duration);
        out
    }

    /// Reads one entry from `r`.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, NymError> {
        Ok(LogEntry {
            ephemeral: r.array()?,
            ciphertext: r.array()?,
            tag: r.array()?,
            time: r.u64_be()?,
            duration: r.u16_be()?,
        })
    }

    /// Strict decoding: exactly 90 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        let e = Self::read(&mut r)?;
        r.finish()?;
        Ok(e)
    }
}

/// The client's contact log with 30-day retention and a bound on its length (`spec/nym.md §6.3`,
/// NYM-LOG-1, `§9` Bounded state).
#[derive(Clone, Debug)]
pub struct ContactLog {
    entries: Vec<LogEntry>,
    limit: usize,
}

impl Default for ContactLog {
    fn default() -> Self {
        Self::with_limit(MAX_LOG_ENTRIES)
    }
}

impl ContactLog {
    /// An empty log holding at most `MAX_LOG_ENTRIES` entries (what one upload carries).
    pub fn new() -> Self {
        Self::default()
    }
    /// An empty log holding at most `limit` entries (at most `MAX_LOG_ENTRIES`).
    pub fn with_limit(limit: usize) -> Self {
        ContactLog {
            entries: Vec::new(),
            limit: limit.min(MAX_LOG_ENTRIES),
        }
    }
    /// The bound on the number of entries.
    pub fn limit(&self) -> usize {
        self.limit
    }
    /// Appends an entry; `NYM_CAPACITY` when the log is full (the entry is not stored).
    pub fn push(&mut self, entry: LogEntry) -> Result<(), NymError> {
        // SPEC: spec/nym.md#bounded-state (contact log)
        if self.entries.len() >= self.limit {
            return Err(NymError::Capacity);
        }
        self.entries.push(entry);
        Ok(())
    }
    /// Drops entries with `now >= time + LOG_RETENTION`; returns how many were dropped.
    pub fn prune(&mut self, now: u64) -> usize {
        let before = self.entries.len();
        // SPEC: spec/nym.md#log (NYM-LOG-1)
        self.entries
            .retain(|e| now < e.time.saturating_add(LOG_RETENTION));
        before - self.entries.len()
    }
    /// The entries, oldest first.
    pub fn entries(&self) -> &[LogEntry] {
        &self.entries
    }
}
