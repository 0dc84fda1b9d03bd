//! One contact address on the client: its arms (the SURBs it has sent in Swaps), what it knows of
//! the nymserver's entry, and the decisions of `spec/nym.md §7.1` (which Swap to send when, which
//! mailboxes to poll, what a payload means).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::read::{read_payload, Reading};
use super::{ClientEvent, ClientPolicy};
use crate::mix::{MailboxAddress, SurbSecret};
use crate::nym::address::ContactAddress;
use crate::nym::messages::Notification;
use crate::nym::{ADDRESS_LEN, CHAIN_LEN, ENTRY_LIFETIME, SEND_CLOSE, SWAP_WINDOW};

/// What the client knows about one of its contact addresses (`spec/nym.md §7.1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressState {
    /// Swaps sent, none known to be in force yet: not broadcast.
    Pending,
    /// The newest Swap is known to be in force and its SURB unused.
    Settled,
    /// An arm is known in force; newer Swaps are on their way.
    Updating,
    /// The newest arm known in force was spent by a notification; a re-arm is due or on its way.
    Spent,
    /// No further Swap can be authenticated (window or chain exhausted): notifications to this
    /// address may be lost, and the host was told.
    Stuck,
}

/// One SURB the client sent in a Swap, and what it still expects from its mailbox.
pub(super) struct Arm {
    pub(super) mailbox: MailboxAddress,
    pub(super) secret: SurbSecret,
    pub(super) sent_at: u64,
    pub(super) last_polled: Option<u64>,
    /// When a newer arm became known to be in force (the payload, if any, is in flight).
    pub(super) superseded_at: Option<u64>,
}

pub(super) struct Owned {
    pub(super) address: ContactAddress,
    pub(super) k: [u8; ADDRESS_LEN],
    pub(super) slot: u64,
    pub(super) created: u64,
    /// The index of the next Swap (its chain element).
    pub(super) next: usize,
    pub(super) arms: BTreeMap<usize, Arm>,
    /// The newest arm known to be (or to have been) in force.
    pub(super) known: Option<usize>,
    /// Whether that arm is known to be spent.
    pub(super) spent: bool,
    pub(super) spent_at: u64,
    pub(super) settled_at: u64,
    pub(super) last_swap_at: u64,
    /// The index of the re-arm Swap sent after the known arm was spent, if any.
    pub(super) rearm: Option<usize>,
    pub(super) stuck: bool,
    /// When the address was first known to be in force: the nymserver created its entry no later.
    confirmed_at: Option<u64>,
    /// When the Swap of the `known` arm was sent (0 if unknown).
    known_sent_at: u64,
    delivered: BTreeSet<u8>,
    lost: BTreeSet<u8>,
    /// Messages the entry is known to have received.
    count: u8,
}

impl Owned {
    pub(super) fn new(address: ContactAddress, slot: u64, now: u64) -> Self {
        let k = address.address();
        Owned {
            address,
            k,
            slot,
            created: now,
            next: 0,
            arms: BTreeMap::new(),
            known: None,
            spent: false,
            spent_at: 0,
            settled_at: 0,
            last_swap_at: now,
            rearm: None,
            stuck: false,
            confirmed_at: None,
            known_sent_at: 0,
            delivered: BTreeSet::new(),
            lost: BTreeSet::new(),
            count: 0,
        }
    }

    pub(super) fn expires(&self) -> u64 {
        self.created.saturating_add(ENTRY_LIFETIME)
    }

    /// A time at or after which the nymserver's entry refuses Sends (`spec/nym.md §7.1`,
    /// NYM-CLIENT-8): the entry was created no later than the address was confirmed.
    pub(super) fn close_at(&self) -> u64 {
        self.confirmed_at
            .unwrap_or(self.created)
            .saturating_add(ENTRY_LIFETIME - SEND_CLOSE)
    }

    /// Whether the client can learn nothing more of this address (`spec/nym.md §7.1`,
    /// NYM-CLIENT-8): it was never confirmed (so never broadcast), or a Swap sent after the entry
    /// closed was acknowledged (its count covers every message the entry accepted) and every
    /// message below that count was delivered or reported lost (no superseded arm is left).
    pub(super) fn finished(&self) -> bool {
        let Some(known) = self.known else {
            return true;
        };
        self.state() == AddressState::Settled
            && self.known_sent_at >= self.close_at()
            && self.arms.range(..known).next().is_none()
    }

    /// Past the entry's expiry (no more Swaps): after `forget_after + routine_poll` an address
    /// that is not [`Owned::finished`] is reported `AddressLost` (`spec/nym.md §7.1`,
    /// NYM-CLIENT-8), and may then be pruned.
    pub(super) fn end_of_life(
        &mut self,
        now: u64,
        policy: &ClientPolicy,
        events: &mut Vec<ClientEvent>,
    ) {
        let linger = policy.forget_after.saturating_add(policy.routine_poll);
        if !self.stuck && !self.finished() && now >= self.expires().saturating_add(linger) {
            self.stuck = true;
            events.push(ClientEvent::AddressLost { address: self.k });
        }
    }

    fn newest_sent(&self) -> Option<usize> {
        self.next.checked_sub(1)
    }

    pub(super) fn state(&self) -> AddressState {
        match (self.stuck, self.known, self.spent) {
            (true, _, _) => AddressState::Stuck,
            (_, None, _) => AddressState::Pending,
            (_, Some(_), true) => AddressState::Spent,
            (_, Some(k), false) if Some(k) == self.newest_sent() => AddressState::Settled,
            _ => AddressState::Updating,
        }
    }

    /// Whether the next Swap can still be authenticated: its element exists and lies within
    /// `SWAP_WINDOW` of every element the nymserver may hold (`spec/nym.md §7.1`, NYM-CLIENT-5).
    pub(super) fn can_swap(&self) -> bool {
        self.next <= CHAIN_LEN && self.next <= self.known.unwrap_or(0).saturating_add(SWAP_WINDOW)
    }

    /// When the next Swap is due, if one is (`spec/nym.md §7.1`, the "Swap due" column).
    pub(super) fn swap_due(&self, policy: &ClientPolicy) -> Option<u64> {
        if self.stuck {
            return None;
        }
        match self.state() {
            AddressState::Pending if self.next == 1 => {
                Some(self.last_swap_at.saturating_add(policy.confirm_after))
            }
            AddressState::Spent if self.last_swap_at < self.spent_at => Some(self.spent_at),
            // No acknowledgement can come for a re-arm (the SURB it displaced was spent): the
            // Swap after it, which displaces the re-armed SURB, confirms it.
            AddressState::Spent if self.is_rearm_confirm() => {
                Some(self.last_swap_at.saturating_add(policy.confirm_after))
            }
            AddressState::Pending | AddressState::Spent | AddressState::Updating => {
                Some(self.last_swap_at.saturating_add(policy.retry_after))
            }
            // SPEC: spec/nym.md#address-machine (NYM-CLIENT-8: updated until a Swap sent after
            // the entry closed is acknowledged)
            AddressState::Settled => {
                let close = self.close_at();
                let at = self.settled_at.saturating_add(policy.update_after);
                (self.known_sent_at < close).then_some(at.min(close))
            }
            AddressState::Stuck => None,
        }
    }

    /// Whether the next Swap is the one that confirms a re-arm.
    pub(super) fn is_rearm_confirm(&self) -> bool {
        self.spent && self.rearm.is_some_and(|r| r + 1 == self.next)
    }

    /// Whether the mailbox of arm `index` is due for a poll at `now` (`spec/nym.md §7.6`).
    pub(super) fn poll_due(&self, index: usize, now: u64, policy: &ClientPolicy) -> bool {
        let Some(arm) = self.arms.get(&index) else {
            return false;
        };
        let routine = self.state() == AddressState::Settled && self.known == Some(index);
        let interval = if routine {
            policy.routine_poll
        } else {
            policy.urgent_poll
        };
        let since = arm.last_polled.unwrap_or(arm.sent_at).max(arm.sent_at);
        now >= since.saturating_add(interval)
    }

    fn deliver(&mut self, n: Notification, events: &mut Vec<ClientEvent>) {
        self.count = self.count.max(n.seq.saturating_add(1));
        if self.delivered.insert(n.seq) {
            events.push(ClientEvent::Notified {
                address: self.k,
                notification: n,
            });
        }
    }

    fn learn_in_force(
        &mut self,
        index: usize,
        sent_at: Option<u64>,
        spent: bool,
        now: u64,
        events: &mut Vec<ClientEvent>,
    ) {
        if self.known.map_or(true, |k| index >= k) {
            if self.known.is_none() {
                self.confirmed_at = Some(now);
                events.push(ClientEvent::Confirmed { address: self.k });
            }
            if self.known != Some(index) {
                self.known_sent_at = sent_at.unwrap_or(0);
            } else if let Some(t) = sent_at {
                self.known_sent_at = t;
            }
            if self.known != Some(index) || spent {
                self.settled_at = now;
            }
            self.known = Some(index);
            self.spent = spent;
            if spent {
                self.spent_at = now;
            }
            for (i, a) in self.arms.iter_mut() {
                if *i < index && a.superseded_at.is_none() {
                    a.superseded_at = Some(now);
                }
            }
        }
    }

    /// Reports as lost every message the entry is known to have received that was neither
    /// delivered nor can still arrive: once no superseded arm is left whose payload is in flight
    /// (`spec/nym.md §7.3`, NYM-READ-4).
    pub(super) fn settle_losses(&mut self, events: &mut Vec<ClientEvent>) {
        let known = self.known.unwrap_or(0);
        if self.arms.range(..known).next().is_some() {
            return;
        }
        let seqs: Vec<u8> = (0..self.count)
            .filter(|s| !self.delivered.contains(s) && !self.lost.contains(s))
            .collect();
        if !seqs.is_empty() {
            self.lost.extend(seqs.iter().copied());
            events.push(ClientEvent::NotificationsLost {
                address: self.k,
                seqs,
            });
        }
    }

    /// Handles the payloads served for arm `index`'s mailbox (`spec/nym.md §7.1`, the payload
    /// rows). An arm expects one payload; the first is read and the arm is done.
    pub(super) fn handle_payloads(
        &mut self,
        index: usize,
        now: u64,
        payloads: &[Vec<u8>],
        events: &mut Vec<ClientEvent>,
    ) {
        let Some(arm) = self.arms.get_mut(&index) else {
            return;
        };
        arm.last_polled = Some(now);
        let Some(payload) = payloads.first() else {
            return;
        };
        let Some(element) = self.address.chain_element(index) else {
            return;
        };
        let reading = read_payload(&self.k, &arm.secret, &element, payload);
        let sent_at = arm.sent_at;
        self.arms.remove(&index);
        match reading {
            Ok(Reading::Notification(n)) => {
                // SPEC: spec/nym.md#address-machine (a notification: the arm was in force, spent)
                self.deliver(n, events);
                self.learn_in_force(index, Some(sent_at), true, now, events);
            }
            Ok(Reading::Ack {
                ack,
                steps,
                notifications,
            }) => {
                // SPEC: spec/nym.md#address-machine (an acknowledgement: the displacing arm is in
                // force, unused; the arms between were never installed)
                let newer = index.saturating_add(steps);
                self.count = self.count.max(ack.count);
                for n in notifications {
                    self.deliver(n, events);
                }
                let between: Vec<usize> =
                    self.arms.range(index + 1..newer).map(|(i, _)| *i).collect();
                for i in between {
                    self.arms.remove(&i);
                }
                let newer_sent = self.arms.get(&newer).map(|a| a.sent_at);
                self.learn_in_force(newer, newer_sent, false, now, events);
            }
            Err(_) => {
                // SPEC: spec/nym.md#address-machine (an unreadable payload: the arm is spent)
                events.push(ClientEvent::Garbled { address: self.k });
                self.learn_in_force(index, Some(sent_at), true, now, events);
            }
        }
        self.settle_losses(events);
    }

    /// Forgets superseded arms whose payload did not arrive in time (`spec/nym.md §7.6`).
    pub(super) fn forget_stale(
        &mut self,
        now: u64,
        policy: &ClientPolicy,
        events: &mut Vec<ClientEvent>,
    ) {
        let before = self.arms.len();
        self.arms.retain(|_, a| {
            a.superseded_at
                .map_or(true, |t| now < t.saturating_add(policy.forget_after))
        });
        if self.arms.len() != before {
            self.settle_losses(events);
        }
    }
}
