//! The nymserver's state machine (`spec/nym.md §3.5`, `§3.6`, `§6`): entries (Swap, Send,
//! acknowledgements), uploads (fragments, status requests) and cases (tokens, chain extension,
//! approvals), each table bounded (`spec/nym.md §9`).

mod case;
mod entry;
mod upload;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use ed25519_dalek::VerifyingKey;
use rand_core::CryptoRngCore;
use zeroize::Zeroize;

use super::authority::SpentSet;
use super::log::NymserverSecret;
use super::messages::{NotificationBody, NymMessage, SealedRecord, Upload};
use super::{NymError, ADDRESS_LEN, AUTH_LEN, CASE_ID_LEN, NYM_KEY_LEN, UPLOAD_ID_LEN};
use crate::mix::{Geometry, Packet};

pub use case::{Case, CaseMember, Delivery, UploadReport};

/// A message waiting in an entry's queue for a fresh SURB (`spec/nym.md §3.5`). The nymserver keeps
/// `K` with it because only `K` opens the next blob; `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Queued {
    /// The contact address the message is for.
    pub address: [u8; ADDRESS_LEN],
    /// Its sequence number in the entry.
    pub seq: u8,
    /// The notification.
    pub body: NotificationBody,
}

impl core::fmt::Debug for Queued {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Queued")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.address.zeroize();
    }
}

/// A nymserver entry (`spec/nym.md §3.5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NymEntry {
    /// `created + ENTRY_LIFETIME`; a Swap never changes it.
    pub expires: u64,
    /// The swap-chain element of the last accepted Swap.
    pub verifier: [u8; AUTH_LEN],
    /// The blob: the SURB with its MessageKey masked under `K`.
    pub blob: Vec<u8>,
    /// The stored SURB has been spent.
    pub used: bool,
    /// The sequence number of the next message (= messages received so far).
    pub next_seq: u8,
    /// Messages waiting for a fresh SURB, oldest first.
    pub queue: Vec<Queued>,
    /// Sealed copies of the latest messages, oldest first, at most `HISTORY_LEN`.
    pub history: Vec<SealedRecord>,
}

/// Storage behind a [`Nymserver`]: entries keyed by `nym_key(K)`.
pub trait NymStore {
    /// The entry under `key`.
    fn get(&self, key: &[u8; NYM_KEY_LEN]) -> Option<&NymEntry>;
    /// The entry under `key`, mutable.
    fn get_mut(&mut self, key: &[u8; NYM_KEY_LEN]) -> Option<&mut NymEntry>;
    /// Stores (or overwrites) an entry.
    fn insert(&mut self, key: [u8; NYM_KEY_LEN], entry: NymEntry);
    /// Removes every entry with `expires <= now`; returns how many.
    fn remove_expired(&mut self, now: u64) -> usize;
    /// Number of stored entries (expired ones count until removed).
    fn len(&self) -> usize;
    /// Whether nothing is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The in-memory default store.
#[derive(Clone, Debug, Default)]
pub struct MemoryNymStore {
    map: BTreeMap<[u8; NYM_KEY_LEN], NymEntry>,
}

impl NymStore for MemoryNymStore {
    fn get(&self, key: &[u8; NYM_KEY_LEN]) -> Option<&NymEntry> {
        self.map.get(key)
    }
    fn get_mut(&mut self, key: &[u8; NYM_KEY_LEN]) -> Option<&mut NymEntry> {
        self.map.get_mut(key)
    }
    fn insert(&mut self, key: [u8; NYM_KEY_LEN], entry: NymEntry) {
        self.map.insert(key, entry);
    }
    fn remove_expired(&mut self, now: u64) -> usize {
        let before = self.map.len();
        self.map.retain(|_, e| now < e.expires);
        before - self.map.len()
    }
    fn len(&self) -> usize {
        self.map.len()
    }
}

/// Result of a Swap (`spec/nym.md §3.5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SwapOutcome {
    /// A new entry.
    Created,
    /// Replaced; the displaced SURB was unused and carries this acknowledgement.
    Acknowledged(u8, Packet),
    /// Replaced; the displaced SURB was spent and the oldest queued message went out through the
    /// new one.
    Drained(u8, Packet),
    /// Replaced; the displaced SURB was spent, nothing was queued: the new SURB is armed.
    Rearmed,
}

/// Result of a Send (`spec/nym.md §3.5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Sent through the SURB: the entity to hand it to and the packet.
    Sent(u8, Packet),
    /// Appended to the entry's queue.
    Queued,
    /// The queue is full: kept only as a sealed copy, repeated in the next acknowledgement.
    Recorded,
}

/// What [`Nymserver::handle_message`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerOutput {
    /// A Swap was applied.
    Swap(SwapOutcome),
    /// A fragment was stored; the upload is not complete.
    FragmentStored,
    /// A fragment equal to a stored one, or of an upload already processed: nothing changed.
    FragmentDuplicate,
    /// An upload completed and was processed.
    Upload(UploadReport),
    /// The answer to a status request: the entity to hand it to and the packet.
    Status(u8, Packet),
}

/// The bounds of a nymserver (`spec/nym.md §9`, Bounded state): a setting of the deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NymserverLimits {
    /// Entries stored at once (expired ones count until removed): a create beyond is refused.
    pub max_entries: usize,
    /// Partial uploads at once: the oldest is evicted for a new one.
    pub max_partial_uploads: usize,
    /// Records of processed uploads: the oldest is evicted for a new one.
    pub max_completed_uploads: usize,
    /// Open cases: an infection upload beyond is refused.
    pub max_cases: usize,
    /// Members of one case: an upload that could exceed it is refused.
    pub max_case_members: usize,
    /// Batches held for approval: an upload that would hold another is refused.
    pub max_pending_batches: usize,
    /// Redeemed token serials: a redemption beyond is refused.
    pub max_spent: usize,
}

impl Default for NymserverLimits {
    fn default() -> Self {
        NymserverLimits {
            max_entries: 1 << 22,
            max_partial_uploads: 256,
            max_completed_uploads: 4096,
            max_cases: 1 << 16,
            max_case_members: 1 << 16,
            max_pending_batches: 1024,
            max_spent: 1 << 20,
        }
    }
}

#[derive(Clone, Debug)]
struct PartialUpload {
    count: u16,
    started: u64,
    fragments: BTreeMap<u16, Vec<u8>>,
}

#[derive(Clone, Copy, Debug)]
struct CompletedUpload {
    result: Result<(), NymError>,
    expires: u64,
}

type Batch = Vec<(zeroize::Zeroizing<[u8; ADDRESS_LEN]>, NotificationBody)>;

/// The nymserver (`spec/nym.md §3.5`, `§6`): a sans-IO state machine over a [`NymStore`].
pub struct Nymserver<S: NymStore = MemoryNymStore> {
    geometry: Geometry,
    secret: NymserverSecret,
    authority: VerifyingKey,
    store: S,
    limits: NymserverLimits,
    spent: SpentSet,
    uploads: BTreeMap<[u8; UPLOAD_ID_LEN], PartialUpload>,
    completed: BTreeMap<[u8; UPLOAD_ID_LEN], CompletedUpload>,
    cases: BTreeMap<[u8; CASE_ID_LEN], Case>,
    pending: BTreeMap<([u8; CASE_ID_LEN], u32), Batch>,
}

impl<S: NymStore> core::fmt::Debug for Nymserver<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Nymserver")
            .field("entries", &self.store.len())
            .field("partial_uploads", &self.uploads.len())
            .field("cases", &self.cases.len())
            .field("pending_batches", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Nymserver<MemoryNymStore> {
    /// A nymserver with the in-memory store and the default limits.
    pub fn new(geometry: Geometry, secret: NymserverSecret, authority: VerifyingKey) -> Self {
        Self::with_store(geometry, secret, authority, MemoryNymStore::default())
    }
}

impl<S: NymStore> Nymserver<S> {
    /// A nymserver over `store`, pinning the authority's key, with the default limits.
    pub fn with_store(
        geometry: Geometry,
        secret: NymserverSecret,
        authority: VerifyingKey,
        store: S,
    ) -> Self {
        let limits = NymserverLimits::default();
        Nymserver {
            geometry,
            secret,
            authority,
            store,
            limits,
            spent: SpentSet::with_limit(limits.max_spent),
            uploads: BTreeMap::new(),
            completed: BTreeMap::new(),
            cases: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }

    /// Replaces the limits (a setting of the deployment; `spec/nym.md §9`).
    pub fn with_limits(mut self, limits: NymserverLimits) -> Self {
        self.limits = limits;
        self.spent.set_limit(limits.max_spent);
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> NymserverLimits {
        self.limits
    }
    /// The public key clients encrypt their logs to.
    pub fn public_key(&self) -> [u8; 32] {
        self.secret.public()
    }
    /// The network geometry.
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }
    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }
    /// The store, mutable (bulk loading, tests).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }
    /// A case by id.
    pub fn case(&self, case_id: &[u8; CASE_ID_LEN]) -> Option<&Case> {
        self.cases.get(case_id)
    }
    /// Number of open cases (expired ones count until removed).
    pub fn cases(&self) -> usize {
        self.cases.len()
    }
    /// Number of batches waiting for approval.
    pub fn pending_batches(&self) -> usize {
        self.pending.len()
    }
    /// Number of partial uploads.
    pub fn partial_uploads(&self) -> usize {
        self.uploads.len()
    }
    /// Number of records of processed uploads.
    pub fn completed_uploads(&self) -> usize {
        self.completed.len()
    }
    /// Number of redeemed token serials.
    pub fn spent_tokens(&self) -> usize {
        self.spent.len()
    }

    fn live(&self, key: &[u8; NYM_KEY_LEN], now: u64) -> bool {
        self.store.get(key).is_some_and(|e| now < e.expires)
    }

    /// Handles the unpadded payload of a packet whose final hop is this nymserver
    /// (`spec/nym.md §3.4`).
    pub fn handle_message(
        &mut self,
        now: u64,
        message: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<ServerOutput, NymError> {
        match NymMessage::decode(self.geometry, message)? {
            NymMessage::Swap(req) => self.swap(now, &req).map(ServerOutput::Swap),
            NymMessage::Fragment(f) => self.add_fragment(now, f, rng),
            NymMessage::Status(req) => {
                let (hop, packet) = self.status(now, &req)?;
                Ok(ServerOutput::Status(hop, packet))
            }
        }
    }

    /// Processes a reassembled upload directly (`spec/nym.md §6.6`); uploads arriving as packets
    /// go through [`Nymserver::handle_message`], which also records their result.
    pub fn handle_upload(
        &mut self,
        now: u64,
        upload: &Upload,
        rng: &mut impl CryptoRngCore,
    ) -> Result<UploadReport, NymError> {
        self.process_upload(now, upload, rng)
    }

    /// Removes expired entries, stale partial uploads, forgotten upload records, expired spent
    /// serials and expired cases with their held batches; returns the number of entries removed.
    pub fn expire(&mut self, now: u64) -> usize {
        self.uploads
            .retain(|_, p| now < p.started.saturating_add(super::UPLOAD_TIMEOUT));
        self.completed.retain(|_, c| now < c.expires);
        self.spent.purge(now);
        self.cases.retain(|_, c| now < c.expires);
        let cases = &self.cases;
        self.pending.retain(|(id, _), _| cases.contains_key(id));
        self.store.remove_expired(now)
    }
}
