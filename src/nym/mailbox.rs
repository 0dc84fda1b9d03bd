//! The mailbox server's state machine (`spec/nym.md §5`).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::{NymError, MAILBOX_RETENTION, MAX_MAILBOX_PAYLOADS};
use crate::mix::{Geometry, MailboxAddress};

/// What a mailbox server stores per address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxEntry {
    /// When the address was first seen.
    pub first_seen: u64,
    /// The payloads, in arrival order.
    pub payloads: Vec<Vec<u8>>,
}

/// Storage behind a [`Mailbox`].
pub trait MailboxStore {
    /// The entry of `address`.
    fn get(&self, address: &MailboxAddress) -> Option<&MailboxEntry>;
    /// The entry of `address`, mutable.
    fn get_mut(&mut self, address: &MailboxAddress) -> Option<&mut MailboxEntry>;
    /// Stores a new entry.
    fn insert(&mut self, address: MailboxAddress, entry: MailboxEntry);
    /// Removes every entry with `first_seen + retention <= now`; returns how many.
    fn remove_expired(&mut self, now: u64, retention: u64) -> usize;
    /// Number of stored addresses.
    fn len(&self) -> usize;
    /// Whether nothing is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The in-memory default store.
#[derive(Clone, Debug, Default)]
pub struct MemoryMailboxStore {
    map: BTreeMap<MailboxAddress, MailboxEntry>,
}

impl MailboxStore for MemoryMailboxStore {
    fn get(&self, address: &MailboxAddress) -> Option<&MailboxEntry> {
        self.map.get(address)
    }
    fn get_mut(&mut self, address: &MailboxAddress) -> Option<&mut MailboxEntry> {
        self.map.get_mut(address)
    }
    fn insert(&mut self, address: MailboxAddress, entry: MailboxEntry) {
        self.map.insert(address, entry);
    }
    fn remove_expired(&mut self, now: u64, retention: u64) -> usize {
        let before = self.map.len();
        self.map
            .retain(|_, e| now < e.first_seen.saturating_add(retention));
        before - self.map.len()
    }
    fn len(&self) -> usize {
        self.map.len()
    }
}

/// The bounds of a mailbox server (`spec/nym.md §9`, Bounded state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MailboxLimits {
    /// Mailbox addresses stored at once (expired ones count until purged).
    pub max_addresses: usize,
}

impl Default for MailboxLimits {
    fn default() -> Self {
        MailboxLimits {
            max_addresses: 1 << 20,
        }
    }
}

/// A mailbox server (`spec/nym.md §5.1`): Receive, Serve, 30-day deletion.
#[derive(Clone, Debug)]
pub struct Mailbox<S: MailboxStore = MemoryMailboxStore> {
    geometry: Geometry,
    store: S,
    limits: MailboxLimits,
}

impl Mailbox<MemoryMailboxStore> {
    /// A mailbox with the in-memory store and the default limits.
    pub fn new(geometry: Geometry) -> Self {
        Self::with_store(geometry, MemoryMailboxStore::default())
    }
}

impl<S: MailboxStore> Mailbox<S> {
    /// A mailbox over `store` with the default limits.
    pub fn with_store(geometry: Geometry, store: S) -> Self {
        Mailbox {
            geometry,
            store,
            limits: MailboxLimits::default(),
        }
    }

    /// Replaces the limits (a setting of the deployment).
    pub fn with_limits(mut self, limits: MailboxLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> MailboxLimits {
        self.limits
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// `Receive(address, payload)` at `now` (`spec/nym.md §5.1`): checks in the table's order.
    pub fn receive(
        &mut self,
        now: u64,
        address: MailboxAddress,
        payload: &[u8],
    ) -> Result<(), NymError> {
        // SPEC: spec/nym.md#mailbox-state (NYM-MBX-2: length first)
        if payload.len() != self.geometry.payload_len() {
            return Err(NymError::BadLength);
        }
        let live = self
            .store
            .get(&address)
            .map(|e| now < e.first_seen.saturating_add(MAILBOX_RETENTION));
        match (live, self.store.get_mut(&address)) {
            (Some(true), Some(e)) => {
                if e.payloads.len() >= MAX_MAILBOX_PAYLOADS {
                    return Err(NymError::MailboxFull);
                }
                e.payloads.push(payload.to_vec());
            }
            (present, _) => {
                // SPEC: spec/nym.md#bounded-state (mailbox addresses: a new address is refused
                // when the store is full; an expired one is overwritten in place)
                if present.is_none() && self.store.len() >= self.limits.max_addresses {
                    return Err(NymError::Capacity);
                }
                // Absent, or expired but not yet purged: a new first sight.
                self.store.insert(
                    address,
                    MailboxEntry {
                        first_seen: now,
                        payloads: alloc::vec![payload.to_vec()],
                    },
                );
            }
        }
        Ok(())
    }

    /// `Serve(address)` at `now`: every stored payload, or none (`spec/nym.md §5.1`).
    pub fn serve(&self, now: u64, address: &MailboxAddress) -> Vec<Vec<u8>> {
        match self.store.get(address) {
            // SPEC: spec/nym.md#mailbox-state (NYM-MBX-1)
            Some(e) if now < e.first_seen.saturating_add(MAILBOX_RETENTION) => e.payloads.clone(),
            _ => Vec::new(),
        }
    }

    /// Deletes addresses 30 days after first sight; returns how many.
    pub fn expire(&mut self, now: u64) -> usize {
        self.store.remove_expired(now, MAILBOX_RETENTION)
    }
}
