//! The nymserver's state machine (`spec/nym.md §3.4`, `§3.5`, `§6`).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use ed25519_dalek::VerifyingKey;
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::address::{nym_key, open_blob, swap_auth};
use super::authority::{Approval, ApprovalMode, SpentSet};
use super::log::{LogEntry, NymserverSecret};
use super::messages::{ClientMessage, Fragment, Notification, NymMessage, SwapRequest, Upload};
use super::{
    NymError, ADDRESS_LEN, AUTH_LEN, CASE_ID_LEN, ENTRY_LIFETIME, LOG_RETENTION, MAX_QUEUE,
    NYM_KEY_LEN, UPLOAD_TIMEOUT,
};
use crate::labels::nym as labels;
use crate::mix::{Geometry, Packet};

/// A nymserver entry (`spec/nym.md §3.4`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NymEntry {
    /// `created + ENTRY_LIFETIME`.
    pub expires: u64,
    /// The stored SURB has been spent.
    pub used: bool,
    /// Messages waiting for a fresh SURB, oldest first.
    pub queue: Vec<Vec<u8>>,
    /// The encrypted SURB.
    pub blob: Vec<u8>,
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
    /// Number of stored entries.
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

/// Result of a Swap (`spec/nym.md §3.4`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SwapOutcome {
    /// A new entry.
    Created,
    /// The blob was replaced; `Some` when a queued message was sent through the new SURB.
    Replaced(Option<(u8, Packet)>),
}

/// Result of a Send (`spec/nym.md §3.4`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Sent through the SURB: the packet and the entity to hand it to.
    Sent(u8, Packet),
    /// Appended to the entry's queue.
    Queued,
}

/// A member of a case (`spec/nym.md §6.5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseMember {
    /// `H(label || chain_token)`.
    pub token_hash: [u8; 32],
    /// Generation (0 = contact of the index case).
    pub generation: u8,
    /// Already extended the chain.
    pub redeemed: bool,
}

/// A case (`spec/nym.md §6.5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// Disease code from the token.
    pub disease: u16,
    /// Chain steps allowed (from the token).
    pub max_generation: u8,
    /// Approval policy (from the token).
    pub approval: ApprovalMode,
    /// Members by `nym_key(K)`.
    pub members: BTreeMap<[u8; NYM_KEY_LEN], CaseMember>,
    /// Next batch number.
    pub next_batch: u32,
}

/// What processing an upload did (`spec/nym.md §6.5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadReport {
    /// The case.
    pub case_id: [u8; CASE_ID_LEN],
    /// The batch number of this upload's notifications.
    pub batch: u32,
    /// Generation of the notified contacts.
    pub generation: u8,
    /// Log entries that failed to open.
    pub undecryptable: usize,
    /// Contacts notified (or held for approval).
    pub matched: usize,
    /// `true` when the batch waits for an [`Approval`].
    pub held: bool,
    /// Packets to send now.
    pub packets: Vec<(u8, Packet)>,
}

/// What [`Nymserver::handle_message`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerOutput {
    /// A Swap was applied.
    Swap(SwapOutcome),
    /// A fragment was stored; the upload is not complete.
    FragmentStored,
    /// An upload completed and was processed.
    Upload(UploadReport),
}

#[derive(Clone, Debug)]
struct PartialUpload {
    count: u16,
    started: u64,
    fragments: BTreeMap<u16, Vec<u8>>,
}

type Batch = Vec<(Zeroizing<[u8; ADDRESS_LEN]>, Vec<u8>)>;

/// The nymserver (`spec/nym.md §3.4`, `§6`): a sans-IO state machine over a [`NymStore`].
pub struct Nymserver<S: NymStore = MemoryNymStore> {
    geometry: Geometry,
    secret: NymserverSecret,
    authority: VerifyingKey,
    store: S,
    spent: SpentSet,
    uploads: BTreeMap<[u8; 16], PartialUpload>,
    cases: BTreeMap<[u8; CASE_ID_LEN], Case>,
    pending: BTreeMap<([u8; CASE_ID_LEN], u32), Batch>,
}

impl<S: NymStore> core::fmt::Debug for Nymserver<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Nymserver")
            .field("entries", &self.store.len())
            .field("cases", &self.cases.len())
            .field("pending_batches", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Nymserver<MemoryNymStore> {
    /// A nymserver with the in-memory store.
    pub fn new(geometry: Geometry, secret: NymserverSecret, authority: VerifyingKey) -> Self {
        Self::with_store(geometry, secret, authority, MemoryNymStore::default())
    }
}

fn chain_token_hash(token: &[u8; CASE_ID_LEN]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(labels::CHAIN_TOKEN.bytes);
    h.update(token);
    h.finalize().into()
}

impl<S: NymStore> Nymserver<S> {
    /// A nymserver over `store`, pinning the authority's key.
    pub fn with_store(
        geometry: Geometry,
        secret: NymserverSecret,
        authority: VerifyingKey,
        store: S,
    ) -> Self {
        Nymserver {
            geometry,
            secret,
            authority,
            store,
            spent: SpentSet::new(),
            uploads: BTreeMap::new(),
            cases: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }

    /// The public key clients encrypt their logs to.
    pub fn public_key(&self) -> [u8; 32] {
        self.secret.public()
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
    /// Number of batches waiting for approval.
    pub fn pending_batches(&self) -> usize {
        self.pending.len()
    }

    fn live(&self, key: &[u8; NYM_KEY_LEN], now: u64) -> bool {
        self.store.get(key).is_some_and(|e| now < e.expires)
    }

    /// `Swap(key, authentication, blob)` at `now` (`spec/nym.md §3.4`, NYM-SWAP).
    pub fn swap(&mut self, now: u64, req: &SwapRequest) -> Result<SwapOutcome, NymError> {
        if req.blob.len() != self.geometry.surb_len() {
            return Err(NymError::Malformed);
        }
        if !self.live(&req.key, now) {
            // SPEC: spec/nym.md#nymserver (NYM-SWAP-1: create needs an all-zero authentication)
            if !bool::from(req.authentication.ct_eq(&[0u8; AUTH_LEN])) {
                return Err(NymError::BadAuthentication);
            }
            self.store.insert(
                req.key,
                NymEntry {
                    expires: now.saturating_add(ENTRY_LIFETIME),
                    used: false,
                    queue: Vec::new(),
                    blob: req.blob.clone(),
                },
            );
            return Ok(SwapOutcome::Created);
        }
        let entry = self
            .store
            .get_mut(&req.key)
            .ok_or(NymError::UnknownAddress)?;
        // SPEC: spec/nym.md#nymserver (NYM-SWAP-2: replace needs auth(current blob), constant time)
        // SPEC: spec/nym.md#nymserver (NYM-SWAP-4: otherwise no state change)
        if !bool::from(swap_auth(&entry.blob).ct_eq(&req.authentication)) {
            return Err(NymError::BadAuthentication);
        }
        entry.blob = req.blob.clone();
        entry.used = false;
        if entry.queue.is_empty() {
            return Ok(SwapOutcome::Replaced(None));
        }
        // SPEC: spec/nym.md#nymserver (NYM-SWAP-3: a re-arm drains one queued message; if the
        // new blob does not open, the Swap still applies and the message stays queued)
        Ok(SwapOutcome::Replaced(self.send_queued(&req.key).ok()))
    }

    fn send_queued(&mut self, key: &[u8; NYM_KEY_LEN]) -> Result<(u8, Packet), NymError> {
        // The blob can only be opened with K, which the nymserver does not keep: queued messages
        // are stored as `K || message` (see `send`).
        let entry = self.store.get_mut(key).ok_or(NymError::UnknownAddress)?;
        if entry.queue.is_empty() {
            return Err(NymError::UnknownAddress);
        }
        let item = entry.queue.remove(0);
        let (addr, msg) = item.split_at(ADDRESS_LEN.min(item.len()));
        let address: [u8; ADDRESS_LEN] = addr.try_into().map_err(|_| NymError::BadBlob)?;
        let surb = match open_blob(self.geometry, &address, &entry.blob) {
            Ok(s) => s,
            Err(e) => {
                entry.queue.insert(0, item);
                return Err(e);
            }
        };
        let (hop, packet) = surb.reply(msg).map_err(|_| NymError::Malformed)?;
        entry.used = true;
        Ok((hop, packet))
    }

    /// `Send(K, message)` at `now` (`spec/nym.md §3.4`, NYM-SEND). Internal to token-authorised
    /// uploads in a deployment; public for tests and vectors.
    pub fn send(
        &mut self,
        now: u64,
        address: &[u8; ADDRESS_LEN],
        message: &[u8],
    ) -> Result<SendOutcome, NymError> {
        let key = nym_key(address);
        // SPEC: spec/nym.md#nymserver (NYM-SEND-1)
        if !self.live(&key, now) {
            return Err(NymError::UnknownAddress);
        }
        if message.len() > self.geometry.max_message_len() {
            return Err(NymError::Malformed);
        }
        let geometry = self.geometry;
        let entry = self.store.get_mut(&key).ok_or(NymError::UnknownAddress)?;
        if entry.used {
            // SPEC: spec/nym.md#nymserver (NYM-SEND-3)
            if entry.queue.len() >= MAX_QUEUE {
                return Err(NymError::QueueFull);
            }
            let mut item = address.to_vec();
            item.extend_from_slice(message);
            entry.queue.push(item);
            return Ok(SendOutcome::Queued);
        }
        // SPEC: spec/nym.md#send (NYM-SEND-2: decrypt the blob with K, reply through the SURB)
        let surb = open_blob(geometry, address, &entry.blob)?;
        let (hop, packet) = surb.reply(message).map_err(|_| NymError::Malformed)?;
        entry.used = true;
        Ok(SendOutcome::Sent(hop, packet))
    }

    /// Handles the unpadded payload of a packet whose final hop is this nymserver
    /// (`spec/nym.md §3.3`).
    pub fn handle_message(
        &mut self,
        now: u64,
        message: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<ServerOutput, NymError> {
        match NymMessage::decode(self.geometry, message)? {
            NymMessage::Swap(req) => self.swap(now, &req).map(ServerOutput::Swap),
            NymMessage::Fragment(f) => match self.add_fragment(now, f)? {
                None => Ok(ServerOutput::FragmentStored),
                Some(bytes) => {
                    let upload = Upload::decode(&bytes)?;
                    self.handle_upload(now, &upload, rng)
                        .map(ServerOutput::Upload)
                }
            },
        }
    }

    /// Stores a fragment; returns the reassembled upload when complete (`spec/nym.md §6.1`).
    pub fn add_fragment(&mut self, now: u64, f: Fragment) -> Result<Option<Vec<u8>>, NymError> {
        let p = self.uploads.entry(f.upload_id).or_insert(PartialUpload {
            count: f.count,
            started: now,
            fragments: BTreeMap::new(),
        });
        // SPEC: spec/nym.md#fragment (NYM-FRAG-1)
        if p.count != f.count {
            return Err(NymError::BadFragment);
        }
        match p.fragments.get(&f.index) {
            Some(d) if *d != f.data => return Err(NymError::BadFragment),
            Some(_) => return Ok(None),
            None => {
                p.fragments.insert(f.index, f.data);
            }
        }
        if p.fragments.len() < usize::from(p.count) {
            return Ok(None);
        }
        let done = self.uploads.remove(&f.upload_id);
        Ok(done.map(|p| p.fragments.into_values().flatten().collect()))
    }

    /// Processes a reassembled upload (`spec/nym.md §6.5`). Randomness is drawn in this order:
    /// the case id (infection only), then one 16-byte chain token per new member in log order.
    pub fn handle_upload(
        &mut self,
        now: u64,
        upload: &Upload,
        rng: &mut impl CryptoRngCore,
    ) -> Result<UploadReport, NymError> {
        let (case_id, generation, entries) = match upload {
            Upload::Infection { token, entries } => {
                // SPEC: spec/nym.md#case (NYM-CASE-1)
                self.spent.redeem(token, &self.authority, now)?;
                // SPEC: spec/nym.md#case (NYM-CASE-3: case id first, then chain tokens)
                let mut case_id = [0u8; CASE_ID_LEN];
                rng.fill_bytes(&mut case_id);
                self.cases.insert(
                    case_id,
                    Case {
                        disease: token.disease,
                        max_generation: token.max_generation,
                        approval: token.approval,
                        members: BTreeMap::new(),
                        next_batch: 0,
                    },
                );
                (case_id, 0u8, entries)
            }
            Upload::Extension {
                case_id,
                address,
                chain_token,
                entries,
            } => {
                // SPEC: spec/nym.md#case (NYM-CASE-2)
                let case = self.cases.get_mut(case_id).ok_or(NymError::UnknownCase)?;
                let max = case.max_generation;
                let member = case
                    .members
                    .get_mut(&nym_key(address))
                    .ok_or(NymError::NotInCase)?;
                if !bool::from(member.token_hash.ct_eq(&chain_token_hash(chain_token))) {
                    return Err(NymError::BadChainToken);
                }
                if member.redeemed {
                    return Err(NymError::TokenSpent);
                }
                let next = member
                    .generation
                    .checked_add(1)
                    .ok_or(NymError::ChainLimit)?;
                if next > max {
                    return Err(NymError::ChainLimit);
                }
                member.redeemed = true;
                (*case_id, next, entries)
            }
        };
        self.process_log(now, case_id, generation, entries, rng)
    }

    fn process_log(
        &mut self,
        now: u64,
        case_id: [u8; CASE_ID_LEN],
        generation: u8,
        entries: &[LogEntry],
        rng: &mut impl CryptoRngCore,
    ) -> Result<UploadReport, NymError> {
        let mut undecryptable = 0;
        let mut seen: BTreeMap<[u8; NYM_KEY_LEN], ()> = BTreeMap::new();
        let mut batch: Batch = Vec::new();
        let case = self.cases.get(&case_id).ok_or(NymError::UnknownCase)?;
        let (disease, approval) = (case.disease, case.approval);
        let mut new_members = Vec::new();
        for e in entries {
            let address = match e.open(&self.secret) {
                Ok(a) => a,
                Err(_) => {
                    undecryptable += 1;
                    continue;
                }
            };
            if now >= e.time.saturating_add(LOG_RETENTION) {
                continue;
            }
            let key = nym_key(&address);
            if seen.insert(key, ()).is_some() || case.members.contains_key(&key) {
                continue;
            }
            if !self.live(&key, now) {
                continue;
            }
            let mut chain_token = [0u8; CASE_ID_LEN];
            rng.fill_bytes(&mut chain_token);
            new_members.push((
                key,
                CaseMember {
                    token_hash: chain_token_hash(&chain_token),
                    generation,
                    redeemed: false,
                },
            ));
            let msg = ClientMessage::Notification(Notification {
                case_id,
                chain_token,
                generation,
                disease,
                time: e.time,
                duration: e.duration,
            })
            .encode();
            batch.push((address, msg));
        }
        let case = self.cases.get_mut(&case_id).ok_or(NymError::UnknownCase)?;
        case.members.extend(new_members);
        let batch_no = case.next_batch;
        case.next_batch = case.next_batch.saturating_add(1);
        let matched = batch.len();
        let (held, packets) = match approval {
            ApprovalMode::Automatic => (false, self.send_batch(now, batch)),
            ApprovalMode::Authority => {
                self.pending.insert((case_id, batch_no), batch);
                (true, Vec::new())
            }
        };
        Ok(UploadReport {
            case_id,
            batch: batch_no,
            generation,
            undecryptable,
            matched,
            held,
            packets,
        })
    }

    fn send_batch(&mut self, now: u64, batch: Batch) -> Vec<(u8, Packet)> {
        let mut out = Vec::new();
        for (address, msg) in batch {
            if let Ok(SendOutcome::Sent(hop, p)) = self.send(now, &address, &msg) {
                out.push((hop, p));
            }
        }
        out
    }

    /// Applies the authority's decision on a held batch (`spec/nym.md §6.5`).
    pub fn approve(
        &mut self,
        now: u64,
        approval: &Approval,
    ) -> Result<Vec<(u8, Packet)>, NymError> {
        approval.verify(&self.authority)?;
        let batch = self
            .pending
            .remove(&(approval.case_id, approval.batch))
            .ok_or(NymError::BadApproval)?;
        if approval.approve {
            Ok(self.send_batch(now, batch))
        } else {
            Ok(Vec::new())
        }
    }

    /// Removes expired entries, stale partial uploads and expired spent serials.
    pub fn expire(&mut self, now: u64) -> usize {
        self.uploads
            .retain(|_, p| now < p.started.saturating_add(UPLOAD_TIMEOUT));
        self.spent.purge(now);
        self.store.remove_expired(now)
    }
}
