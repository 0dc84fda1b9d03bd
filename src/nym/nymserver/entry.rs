//! Entries: Swap (create, replace with acknowledgement, drain, re-arm) and Send
//! (`spec/nym.md §3.5`, `§3.6`).

use alloc::vec::Vec;
use subtle::ConstantTimeEq;

use super::{NymEntry, NymStore, Nymserver, Queued, SendOutcome, SwapOutcome};
use crate::mix::{Packet, Surb};
use crate::nym::address::{ack_message_key, chain_distance, nym_key, open_blob, validate_blob};
use crate::nym::messages::{
    Ack, ClientMessage, Notification, NotificationBody, SealedRecord, SwapRequest,
};
use crate::nym::{
    NymError, ADDRESS_LEN, AUTH_LEN, ENTRY_LIFETIME, HISTORY_LEN, MAX_MESSAGES, MAX_QUEUE,
    NYM_KEY_LEN, SEND_CLOSE, SWAP_WINDOW,
};

/// Whether `element` is the stored element or one of the `SWAP_WINDOW` before it: a Swap that was
/// already applied (`spec/nym.md §3.5`, NYM-SWAP-3).
fn is_stale(element: &[u8; AUTH_LEN], stored: &[u8; AUTH_LEN]) -> bool {
    bool::from(element.ct_eq(stored)) || chain_distance(stored, element, SWAP_WINDOW).is_some()
}

fn push_history(entry: &mut NymEntry, record: SealedRecord) {
    entry.history.push(record);
    if entry.history.len() > HISTORY_LEN {
        entry.history.remove(0);
    }
}

fn notification(seq: u8, body: &NotificationBody) -> Vec<u8> {
    ClientMessage::Notification(Notification { seq, body: *body }).encode()
}

impl<S: NymStore> Nymserver<S> {
    /// `Swap(key, authentication, blob)` at `now` (`spec/nym.md §3.5`, NYM-SWAP-1..5). The checks
    /// run in the table's order; a refused Swap changes nothing.
    pub fn swap(&mut self, now: u64, req: &SwapRequest) -> Result<SwapOutcome, NymError> {
        // SPEC: spec/nym.md#nymserver (NYM-SWAP-1: the blob's SURB structure, before anything else)
        validate_blob(self.geometry, &req.blob)?;
        let geometry = self.geometry;
        let state = self.store.get(&req.key).map(|e| now < e.expires);
        if state != Some(true) {
            // Absent, or expired but not yet removed (overwritten in place).
            // SPEC: spec/nym.md#bounded-state (entries: a create is refused when full)
            if state.is_none() && self.store.len() >= self.limits.max_entries {
                return Err(NymError::Capacity);
            }
            self.store.insert(
                req.key,
                NymEntry {
                    expires: now.saturating_add(ENTRY_LIFETIME),
                    verifier: req.authentication,
                    blob: req.blob.clone(),
                    used: false,
                    next_seq: 0,
                    queue: Vec::new(),
                    history: Vec::new(),
                },
            );
            return Ok(SwapOutcome::Created);
        }
        let entry = self
            .store
            .get_mut(&req.key)
            .ok_or(NymError::UnknownAddress)?;
        // SPEC: spec/nym.md#nymserver (NYM-SWAP-2: the element leads to the stored one in
        // 1..=SWAP_WINDOW steps)
        if chain_distance(&req.authentication, &entry.verifier, SWAP_WINDOW).is_none() {
            // SPEC: spec/nym.md#nymserver (NYM-SWAP-3: an element already used is stale)
            if is_stale(&req.authentication, &entry.verifier) {
                return Err(NymError::StaleSwap);
            }
            return Err(NymError::BadAuthentication);
        }
        let displaced_verifier = entry.verifier;
        let displaced_blob = core::mem::replace(&mut entry.blob, req.blob.clone());
        entry.verifier = req.authentication;
        if !entry.used {
            // SPEC: spec/nym.md#ack (NYM-SWAP-4: the unused displaced SURB carries the
            // acknowledgement)
            let ack = ClientMessage::Ack(Ack {
                element: req.authentication,
                count: entry.next_seq,
                records: entry.history.clone(),
            })
            .encode();
            let (hop, packet) =
                reply_with_key(geometry, &displaced_blob, &displaced_verifier, &ack)?;
            return Ok(SwapOutcome::Acknowledged(hop, packet));
        }
        if entry.queue.is_empty() {
            // SPEC: spec/nym.md#nymserver (NYM-SWAP-5: re-armed)
            entry.used = false;
            return Ok(SwapOutcome::Rearmed);
        }
        // SPEC: spec/nym.md#nymserver (NYM-SWAP-5: the oldest queued message goes out through the
        // new SURB, which was checked above and so always opens)
        let item = entry.queue.remove(0);
        let surb = open_blob(geometry, &item.address, &entry.blob)?;
        let (hop, packet) = surb
            .reply(&notification(item.seq, &item.body))
            .map_err(|_| NymError::BadBlob)?;
        Ok(SwapOutcome::Drained(hop, packet))
    }

    /// `Send(K, body)` at `now` (`spec/nym.md §3.5`, NYM-SEND-1..4). Internal to token-authorised
    /// uploads in a deployment; public for tests and vectors.
    pub fn send(
        &mut self,
        now: u64,
        address: &[u8; ADDRESS_LEN],
        body: &NotificationBody,
    ) -> Result<SendOutcome, NymError> {
        let key: [u8; NYM_KEY_LEN] = nym_key(address);
        // SPEC: spec/nym.md#nymserver (NYM-SEND-1: absent, expired, or in its last SEND_CLOSE,
        // when its owner may have sent its last Swap)
        let open = self
            .store
            .get(&key)
            .is_some_and(|e| now < e.expires.saturating_sub(SEND_CLOSE));
        if !open {
            return Err(NymError::UnknownAddress);
        }
        let geometry = self.geometry;
        let entry = self.store.get_mut(&key).ok_or(NymError::UnknownAddress)?;
        // SPEC: spec/nym.md#nymserver (NYM-SEND-2: messages per entry)
        if entry.next_seq >= MAX_MESSAGES {
            return Err(NymError::Capacity);
        }
        let seq = entry.next_seq;
        let outcome = if !entry.used {
            // SPEC: spec/nym.md#send (NYM-SEND-3: unmask the MessageKey with K, reply through the
            // SURB)
            let surb = open_blob(geometry, address, &entry.blob)?;
            let (hop, packet) = surb
                .reply(&notification(seq, body))
                .map_err(|_| NymError::BadBlob)?;
            entry.used = true;
            SendOutcome::Sent(hop, packet)
        } else if entry.queue.len() < MAX_QUEUE {
            entry.queue.push(Queued {
                address: *address,
                seq,
                body: *body,
            });
            SendOutcome::Queued
        } else {
            // SPEC: spec/nym.md#nymserver (NYM-SEND-4: queue full, kept in the history only)
            SendOutcome::Recorded
        };
        entry.next_seq = seq + 1;
        push_history(entry, SealedRecord::seal(address, seq, body));
        Ok(outcome)
    }
}

/// A reply through the SURB of `blob` with the MessageKey `ack_message_key(element)`
/// (`spec/nym.md §3.5`): what the nymserver can send without `K`.
fn reply_with_key(
    geometry: crate::mix::Geometry,
    blob: &[u8],
    element: &[u8; AUTH_LEN],
    message: &[u8],
) -> Result<(u8, Packet), NymError> {
    let h = geometry.header_len();
    let mut surb = blob.get(..=h).ok_or(NymError::BadBlob)?.to_vec();
    surb.extend_from_slice(ack_message_key(element).as_ref());
    let surb = Surb::decode(geometry, &surb).map_err(|_| NymError::BadBlob)?;
    surb.reply(message).map_err(|_| NymError::BadBlob)
}
