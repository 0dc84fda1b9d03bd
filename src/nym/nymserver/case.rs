//! Cases: infection uploads, chain extension, batches and approvals (`spec/nym.md §6.6`).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{Batch, NymStore, Nymserver, SendOutcome};
use crate::labels::nym as labels;
use crate::mix::Packet;
use crate::nym::address::nym_key;
use crate::nym::authority::{Approval, ApprovalMode};
use crate::nym::log::LogEntry;
use crate::nym::messages::{NotificationBody, Upload};
use crate::nym::{NymError, CASE_ID_LEN, CASE_LIFETIME, LOG_RETENTION, NYM_KEY_LEN};

/// A member of a case (`spec/nym.md §6.6`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseMember {
    /// `H(label || chain_token)`.
    pub token_hash: [u8; 32],
    /// Generation (0 = contact of the index case).
    pub generation: u8,
    /// Already extended the chain.
    pub redeemed: bool,
}

/// A case (`spec/nym.md §6.6`).
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
    /// `CASE_LIFETIME` after its last processed upload.
    pub expires: u64,
}

/// What sending a batch did (`spec/nym.md §6.6`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Delivery {
    /// Packets to send now: one per contact whose SURB was armed.
    pub packets: Vec<(u8, Packet)>,
    /// Contacts whose entry was spent: queued, or kept in the entry's history.
    pub queued: usize,
    /// Contacts whose Send was refused (the entry expired, or its messages are exhausted).
    pub failed: usize,
}

/// What processing an upload did (`spec/nym.md §6.6`).
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
    /// The Sends of an automatic batch (empty when held).
    pub delivery: Delivery,
}

fn chain_token_hash(token: &[u8; CASE_ID_LEN]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(labels::CHAIN_TOKEN.bytes);
    h.update(token);
    h.finalize().into()
}

impl<S: NymStore> Nymserver<S> {
    fn room_for(&self, members: usize, entries: usize, approval: ApprovalMode) -> bool {
        members.saturating_add(entries) <= self.limits.max_case_members
            && (approval == ApprovalMode::Automatic
                || self.pending.len() < self.limits.max_pending_batches)
    }

    /// Processes a reassembled upload (`spec/nym.md §6.6`); the checks run in the order of its
    /// tables and a refused upload changes nothing. Randomness is drawn in this order: the case id
    /// (infection only), then one 16-byte chain token per new member in log order.
    pub(super) fn process_upload(
        &mut self,
        now: u64,
        upload: &Upload,
        rng: &mut impl CryptoRngCore,
    ) -> Result<UploadReport, NymError> {
        let (case_id, generation, entries) = match upload {
            Upload::Infection { token, entries } => {
                // SPEC: spec/nym.md#case (NYM-CASE-1: token checks, then room, then the case)
                self.spent.check(token, &self.authority, now)?;
                if self.cases.len() >= self.limits.max_cases
                    || !self.room_for(0, entries.len(), token.approval)
                {
                    return Err(NymError::Capacity);
                }
                self.spent.record(token);
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
                        expires: now.saturating_add(CASE_LIFETIME),
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
                // SPEC: spec/nym.md#case (NYM-CASE-2, checks in this order)
                let case = self
                    .cases
                    .get(case_id)
                    .filter(|c| now < c.expires)
                    .ok_or(NymError::UnknownCase)?;
                let member = case
                    .members
                    .get(&nym_key(address))
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
                    .filter(|g| *g <= case.max_generation)
                    .ok_or(NymError::ChainLimit)?;
                if !self.room_for(case.members.len(), entries.len(), case.approval) {
                    return Err(NymError::Capacity);
                }
                let case = self.cases.get_mut(case_id).ok_or(NymError::UnknownCase)?;
                if let Some(m) = case.members.get_mut(&nym_key(address)) {
                    m.redeemed = true;
                }
                case.expires = case.expires.max(now.saturating_add(CASE_LIFETIME));
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
        let mut seen = BTreeSet::new();
        let mut batch: Batch = Vec::new();
        let case = self.cases.get(&case_id).ok_or(NymError::UnknownCase)?;
        let (disease, approval) = (case.disease, case.approval);
        let mut new_members = Vec::new();
        // SPEC: spec/nym.md#case (NYM-CASE-4: entries in log order, skipped by the first rule that
        // applies)
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
            if !seen.insert(key) || case.members.contains_key(&key) || !self.live(&key, now) {
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
            let body = NotificationBody {
                case_id,
                chain_token,
                generation,
                disease,
                time: e.time,
                duration: e.duration,
            };
            batch.push((Zeroizing::new(*address), body));
        }
        let case = self.cases.get_mut(&case_id).ok_or(NymError::UnknownCase)?;
        case.members.extend(new_members);
        let batch_no = case.next_batch;
        case.next_batch = case.next_batch.saturating_add(1);
        let matched = batch.len();
        let (held, delivery) = match approval {
            ApprovalMode::Automatic => (false, self.send_batch(now, batch)),
            ApprovalMode::Authority => {
                self.pending.insert((case_id, batch_no), batch);
                (true, Delivery::default())
            }
        };
        Ok(UploadReport {
            case_id,
            batch: batch_no,
            generation,
            undecryptable,
            matched,
            held,
            delivery,
        })
    }

    fn send_batch(&mut self, now: u64, batch: Batch) -> Delivery {
        let mut d = Delivery::default();
        for (address, body) in batch {
            match self.send(now, &address, &body) {
                Ok(SendOutcome::Sent(hop, p)) => d.packets.push((hop, p)),
                Ok(SendOutcome::Queued | SendOutcome::Recorded) => d.queued += 1,
                Err(_) => d.failed += 1,
            }
        }
        d
    }

    /// Applies the authority's decision on a held batch (`spec/nym.md §6.6`, NYM-APPROVE-1):
    /// the signature first, then the batch; a refused approval changes nothing.
    pub fn approve(&mut self, now: u64, approval: &Approval) -> Result<Delivery, NymError> {
        // SPEC: spec/nym.md#case (NYM-APPROVE-1)
        approval.verify(&self.authority)?;
        let live = self
            .cases
            .get(&approval.case_id)
            .is_some_and(|c| now < c.expires);
        if !live {
            return Err(NymError::BadApproval);
        }
        let batch = self
            .pending
            .remove(&(approval.case_id, approval.batch))
            .ok_or(NymError::BadApproval)?;
        if approval.approve {
            Ok(self.send_batch(now, batch))
        } else {
            Ok(Delivery::default())
        }
    }
}
