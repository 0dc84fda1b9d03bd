//! The signed Discovery document (`spec/mix.md §9`).

use alloc::vec::Vec;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::geometry::DELIVER_MARKER;
use super::MixError;
use crate::ed25519::PublicKey;
use crate::labels::mix as labels;
use crate::wire::Reader;

/// Most day keys one entry may list (30 live + 30 published ahead).
pub const MAX_KEYS_PER_ENTRY: usize = 60;
/// The document version this crate reads and writes.
pub const DISCOVERY_VERSION: u8 = 0x01;

/// An entity's roles: a bit set (`spec/mix.md §9`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Roles(u8);

impl Roles {
    /// Relays packets.
    pub const MIX: Roles = Roles(0x01);
    /// Stores payloads for mailbox addresses.
    pub const MAILBOX: Roles = Roles(0x02);
    /// Runs the nym swap service.
    pub const NYMSERVER: Roles = Roles(0x04);
    const KNOWN: u8 = 0x07;

    /// Roles from the wire byte; `None` if zero or with unknown bits.
    pub fn from_bits(b: u8) -> Option<Self> {
        (b != 0 && b & !Self::KNOWN == 0).then_some(Roles(b))
    }
    /// The wire byte.
    pub fn bits(self) -> u8 {
        self.0
    }
    /// Whether every role of `other` is present.
    pub fn contains(self, other: Roles) -> bool {
        self.0 & other.0 == other.0
    }
    /// The union.
    pub fn union(self, other: Roles) -> Roles {
        Roles(self.0 | other.0)
    }
}

/// One entity of the document: number, roles, identity, day keys, self-signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityEntry {
    number: u8,
    roles: Roles,
    identity: VerifyingKey,
    first_day: u32,
    keys: Vec<[u8; 32]>,
    signature: Signature,
}

fn signed_message(
    number: u8,
    roles: Roles,
    identity: &[u8; 32],
    first_day: u32,
    keys: &[[u8; 32]],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(labels::DISCOVERY_ENTRY.bytes.len() + 39 + 32 * keys.len());
    m.extend_from_slice(labels::DISCOVERY_ENTRY.bytes);
    m.push(number);
    m.push(roles.bits());
    m.extend_from_slice(identity);
    m.extend_from_slice(&first_day.to_be_bytes());
    m.push(u8::try_from(keys.len()).unwrap_or(0));
    for k in keys {
        m.extend_from_slice(k);
    }
    m
}

impl EntityEntry {
    /// Signs an entry with the entity's long-term key. Fails with
    /// `MIX_DISCOVERY_NONCANONICAL` for number 0xFF or a key count outside 1..=60.
    pub fn new_signed(
        number: u8,
        roles: Roles,
        identity: &SigningKey,
        first_day: u32,
        keys: Vec<[u8; 32]>,
    ) -> Result<Self, MixError> {
        if number == DELIVER_MARKER || keys.is_empty() || keys.len() > MAX_KEYS_PER_ENTRY {
            return Err(MixError::DiscoveryNonCanonical);
        }
        let vk = identity.verifying_key();
        let sig = identity.sign(&signed_message(
            number,
            roles,
            vk.as_bytes(),
            first_day,
            &keys,
        ));
        Ok(EntityEntry {
            number,
            roles,
            identity: vk,
            first_day,
            keys,
            signature: sig,
        })
    }

    /// Entity number, `0..=254`.
    pub fn number(&self) -> u8 {
        self.number
    }
    /// Roles.
    pub fn roles(&self) -> Roles {
        self.roles
    }
    /// Long-term Ed25519 identity.
    pub fn identity(&self) -> &VerifyingKey {
        &self.identity
    }
    /// Day of the first listed key.
    pub fn first_day(&self) -> u32 {
        self.first_day
    }
    /// Listed X25519 public keys, one per day from [`Self::first_day`].
    pub fn keys(&self) -> &[[u8; 32]] {
        &self.keys
    }
    /// The public key of `day`, if listed.
    pub fn key_for_day(&self, day: u32) -> Option<[u8; 32]> {
        let i = usize::try_from(day.checked_sub(self.first_day)?).ok()?;
        self.keys.get(i).copied()
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(self.number);
        out.push(self.roles.bits());
        out.extend_from_slice(self.identity.as_bytes());
        out.extend_from_slice(&self.first_day.to_be_bytes());
        out.push(u8::try_from(self.keys.len()).unwrap_or(0));
        for k in &self.keys {
            out.extend_from_slice(k);
        }
        out.extend_from_slice(&self.signature.to_bytes());
    }

    /// Decodes one entry, checking each field as soon as it is read, in the order of the entry
    /// table (`spec/mix.md §9.1`): the first failing check decides. `previous` is the number of
    /// the entry before it, if any (numbers strictly ascend).
    fn decode(r: &mut Reader<'_>, previous: Option<u8>) -> Result<Self, MixError> {
        // SPEC: spec/mix.md#discovery (MIX-DISC-2)
        let number = r.u8()?;
        if number == DELIVER_MARKER || previous.is_some_and(|p| p >= number) {
            return Err(MixError::DiscoveryNonCanonical);
        }
        let roles = Roles::from_bits(r.u8()?).ok_or(MixError::DiscoveryNonCanonical)?;
        let identity = r.array::<32>()?;
        // Check 1 of the one Ed25519 rule (spec/ed25519.md §3) runs when the identity is read.
        let public = PublicKey::from_bytes(&identity).map_err(|_| MixError::DiscoveryBadKey)?;
        let vk = VerifyingKey::from_bytes(&identity).map_err(|_| MixError::DiscoveryBadKey)?;
        let first_day = r.u32_be()?;
        let n = usize::from(r.u8()?);
        if n == 0 || n > MAX_KEYS_PER_ENTRY {
            return Err(MixError::DiscoveryNonCanonical);
        }
        let mut keys = Vec::with_capacity(n);
        for _ in 0..n {
            keys.push(r.array::<32>()?);
        }
        let sig = r.array::<64>()?;
        // SPEC: spec/mix.md#discovery (MIX-DISC-1): checks 2-4 of spec/ed25519.md §3.
        public
            .verify(
                &[&signed_message(number, roles, &identity, first_day, &keys)],
                &sig,
            )
            .map_err(|_| MixError::DiscoveryBadSignature)?;
        Ok(EntityEntry {
            number,
            roles,
            identity: vk,
            first_day,
            keys,
            signature: Signature::from_bytes(&sig),
        })
    }
}

/// The Discovery document: every entity's signed entry (`spec/mix.md §9`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveryDocument {
    published: u64,
    entities: Vec<EntityEntry>,
}

impl DiscoveryDocument {
    /// A document from entries; they are sorted by number. Fails with
    /// `MIX_DISCOVERY_NONCANONICAL` for an empty list or duplicate numbers.
    pub fn new(published: u64, mut entities: Vec<EntityEntry>) -> Result<Self, MixError> {
        entities.sort_by_key(|e| e.number);
        if entities.is_empty()
            || entities
                .windows(2)
                .any(|w| matches!(w, [a, b] if a.number >= b.number))
        {
            return Err(MixError::DiscoveryNonCanonical);
        }
        Ok(DiscoveryDocument {
            published,
            entities,
        })
    }
    /// The informational publication time.
    pub fn published(&self) -> u64 {
        self.published
    }
    /// All entries, ascending by number.
    pub fn entities(&self) -> &[EntityEntry] {
        &self.entities
    }
    /// The entry of entity `number`.
    pub fn entity(&self, number: u8) -> Option<&EntityEntry> {
        self.entities
            .binary_search_by_key(&number, |e| e.number)
            .ok()
            .and_then(|i| self.entities.get(i))
    }

    /// The wire form.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.push(DISCOVERY_VERSION);
        out.extend_from_slice(&self.published.to_be_bytes());
        out.push(u8::try_from(self.entities.len()).unwrap_or(0));
        for e in &self.entities {
            e.encode_into(&mut out);
        }
        out
    }

    /// Strict decoding with signature verification (`spec/mix.md §9.1`, `MIX-DISC-1`, `MIX-DISC-2`):
    /// every field is checked as soon as it is read, so the first failing check decides.
    pub fn decode(bytes: &[u8]) -> Result<Self, MixError> {
        let mut r = Reader::new(bytes);
        if r.u8()? != DISCOVERY_VERSION {
            return Err(MixError::DiscoveryVersion);
        }
        let published = r.u64_be()?;
        let count = r.u8()?;
        if count == 0 {
            return Err(MixError::DiscoveryNonCanonical);
        }
        let mut entities: Vec<EntityEntry> = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let previous = entities.last().map(|p| p.number);
            entities.push(EntityEntry::decode(&mut r, previous)?);
        }
        r.finish()?;
        Ok(DiscoveryDocument {
            published,
            entities,
        })
    }

    /// Checks that each pinned `(number, identity)` is present with that identity; else
    /// `MIX_DISCOVERY_BAD_SIGNATURE`.
    pub fn check_pinned(&self, pinned: &[(u8, VerifyingKey)]) -> Result<(), MixError> {
        for (n, vk) in pinned {
            match self.entity(*n) {
                Some(e) if e.identity == *vk => {}
                _ => return Err(MixError::DiscoveryBadSignature),
            }
        }
        Ok(())
    }
}
