//! The client (`spec/nym.md §4`, `§6.4`, `§7`): address supply and confirmation, broadcast, the
//! contact log, reading mailboxes, updates and re-arms, and uploads that are retried until the
//! nymserver has them.

mod address;
mod read;

use alloc::vec::Vec;
use rand_core::CryptoRngCore;

pub use address::AddressState;
pub use read::{read_payload, read_status, Reading};

use address::{Arm, Owned};

use super::address::{seal_blob, verify_response, Challenge, ContactAddress, Response};
use super::authority::Token;
use super::log::{ContactLog, LogEntry};
use super::messages::{
    fragment_upload, Notification, NotificationBody, StatusRequest, SwapRequest, Upload,
    UploadState,
};
use super::{
    nym_key, NymError, ADDRESS_LEN, DAY, MAX_SUPPLY_LEAD, SLOT_SECONDS, UPLOAD_ID_LEN,
    UPLOAD_TIMEOUT,
};
use crate::mix::{
    create_forward_with_rng, create_surb_with_rng, select_route, Destination, DiscoveryDocument,
    Geometry, MailboxAddress, Packet, SurbSecret, MAILBOX_LEN,
};

/// Static configuration of a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// The network geometry.
    pub geometry: Geometry,
    /// Entity number of the client's mailbox server.
    pub mailbox_entity: u8,
    /// Entity number of the nymserver.
    pub nymserver_entity: u8,
    /// The nymserver's X25519 key for contact logs.
    pub nymserver_key: [u8; 32],
}

/// The client's timing: local policy, not part of the protocol (`spec/nym.md §7.6`). Ports may
/// choose other values; the defaults are what the bandwidth figures of `§7.7` assume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientPolicy {
    /// After a create, the confirming Swap is sent this much later.
    pub confirm_after: u64,
    /// A Swap whose outcome is still unknown after this long is followed by another.
    pub retry_after: u64,
    /// A settled address is updated (new SURB, new mailbox) this long after it settled.
    pub update_after: u64,
    /// Mailboxes that may hold an awaited payload are polled this often.
    pub urgent_poll: u64,
    /// The mailbox of a settled address is polled this often (it receives only notifications).
    pub routine_poll: u64,
    /// A superseded arm whose payload has not arrived after this long is forgotten.
    pub forget_after: u64,
    /// An unfinished upload's status is asked for this often.
    pub status_after: u64,
    /// Extra life of a SURB's mix keys beyond the next scheduled update.
    pub surb_slack: u64,
}

impl Default for ClientPolicy {
    fn default() -> Self {
        ClientPolicy {
            confirm_after: 60,
            retry_after: 1800,
            update_after: DAY,
            urgent_poll: 600,
            routine_poll: DAY,
            forget_after: DAY,
            status_after: 1800,
            surb_slack: DAY,
        }
    }
}

/// Why the client sends a packet (for accounting; `spec/nym.md §7.7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutgoingKind {
    /// The create Swap of a new address.
    Create,
    /// The Swap that confirms a new address (its acknowledgement proves the entry exists).
    Confirm,
    /// The daily update of a settled address: new SURB, new mailbox.
    Update,
    /// The Swap after a notification spent the SURB.
    Rearm,
    /// A Swap sent because the previous one's outcome stayed unknown.
    Retry,
    /// An upload fragment, first sending.
    Fragment,
    /// An upload fragment sent again because the nymserver lacked it.
    Resend,
    /// An upload status request.
    Status,
}

/// A packet to hand to entity `first_hop`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The first hop.
    pub first_hop: u8,
    /// The 380-byte (at 4 hops) packet.
    pub packet: Packet,
    /// Why it is sent.
    pub kind: OutgoingKind,
}

/// How an upload ended (`spec/nym.md §7.5`).
pub type UploadResult = Result<(), NymError>;

/// What the client learned (`spec/nym.md §7.1`, `§7.5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// The address's Swaps are known to be in force: it may be broadcast.
    Confirmed {
        /// The contact address.
        address: [u8; ADDRESS_LEN],
    },
    /// A notification for contact address `address` (delivered once): ask the user.
    Notified {
        /// The client's own contact address that was notified.
        address: [u8; ADDRESS_LEN],
        /// The notification.
        notification: Notification,
    },
    /// The nymserver sent these messages to `address` and they cannot arrive any more: the user
    /// was exposed (to an unknown case) around the address's slot.
    NotificationsLost {
        /// The contact address.
        address: [u8; ADDRESS_LEN],
        /// The lost messages' sequence numbers.
        seqs: Vec<u8>,
    },
    /// A payload that was neither a notification nor an acknowledgement spent the arm.
    Garbled {
        /// The contact address.
        address: [u8; ADDRESS_LEN],
    },
    /// No further Swap can be authenticated: notifications to this address may be lost.
    AddressLost {
        /// The contact address.
        address: [u8; ADDRESS_LEN],
    },
    /// An upload was processed by the nymserver with this result.
    UploadDone {
        /// The upload.
        upload_id: [u8; UPLOAD_ID_LEN],
        /// The nymserver's result.
        result: UploadResult,
    },
    /// An upload could not be completed within `UPLOAD_TIMEOUT`: it was not processed.
    UploadFailed {
        /// The upload.
        upload_id: [u8; UPLOAD_ID_LEN],
    },
}

struct PendingUpload {
    id: [u8; UPLOAD_ID_LEN],
    fragments: Vec<Vec<u8>>,
    started: u64,
    status: Option<(MailboxAddress, SurbSecret)>,
    last_status: u64,
}

/// A client (`spec/nym.md §7`). Sans-IO: every call takes `now`, the Discovery document and an RNG
/// where needed, and returns the packets to send.
pub struct Client {
    config: ClientConfig,
    policy: ClientPolicy,
    addresses: Vec<Owned>,
    log: ContactLog,
    uploads: Vec<PendingUpload>,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("addresses", &self.addresses.len())
            .field("log_entries", &self.log.entries().len())
            .field("uploads", &self.uploads.len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with no addresses, an empty log and the default policy.
    pub fn new(config: ClientConfig) -> Self {
        Client {
            config,
            policy: ClientPolicy::default(),
            addresses: Vec::new(),
            log: ContactLog::new(),
            uploads: Vec::new(),
        }
    }

    /// Replaces the timing policy.
    pub fn with_policy(mut self, policy: ClientPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Replaces the contact log's bound (at most `MAX_LOG_ENTRIES`).
    pub fn with_log_limit(mut self, limit: usize) -> Self {
        self.log = ContactLog::with_limit(limit);
        self
    }

    /// The timing policy.
    pub fn policy(&self) -> ClientPolicy {
        self.policy
    }

    /// The contact log.
    pub fn log(&self) -> &ContactLog {
        &self.log
    }

    /// The client's live contact addresses `K`, with their slot and state.
    pub fn addresses(&self) -> impl Iterator<Item = ([u8; ADDRESS_LEN], u64, AddressState)> + '_ {
        self.addresses.iter().map(|a| (a.k, a.slot, a.state()))
    }

    /// Number of uploads still in progress.
    pub fn pending_uploads(&self) -> usize {
        self.uploads.len()
    }

    fn new_arm(
        &self,
        now: u64,
        valid_until: u64,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(crate::mix::Surb, Arm), NymError> {
        let g = self.config.geometry;
        let mut mb = [0u8; MAILBOX_LEN];
        rng.fill_bytes(&mut mb);
        let mailbox = MailboxAddress(mb);
        let route = select_route(doc, self.config.mailbox_entity, g, now, valid_until, rng)?;
        let (surb, secret) = create_surb_with_rng(g, &route, &mailbox, rng)?;
        Ok((
            surb,
            Arm {
                mailbox,
                secret,
                sent_at: now,
                last_polled: None,
                superseded_at: None,
            },
        ))
    }

    fn to_nymserver(
        &self,
        now: u64,
        message: &[u8],
        kind: OutgoingKind,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Outgoing, NymError> {
        let g = self.config.geometry;
        let route = select_route(doc, self.config.nymserver_entity, g, now, now, rng)?;
        let (first_hop, packet) =
            create_forward_with_rng(g, &route, &Destination::Nymserver, message, rng)?;
        Ok(Outgoing {
            first_hop,
            packet,
            kind,
        })
    }

    /// The next Swap of address `i`: a fresh SURB to a fresh mailbox, authenticated by the next
    /// chain element (`spec/nym.md §7.1`).
    fn swap(
        &mut self,
        i: usize,
        now: u64,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
        events: &mut Vec<ClientEvent>,
    ) -> Result<Option<Outgoing>, NymError> {
        let Some(a) = self.addresses.get(i) else {
            return Ok(None);
        };
        if !a.can_swap() {
            // SPEC: spec/nym.md#address-machine (NYM-CLIENT-5: window or chain exhausted)
            let k = a.k;
            if let Some(a) = self.addresses.get_mut(i) {
                a.stuck = true;
            }
            events.push(ClientEvent::AddressLost { address: k });
            return Ok(None);
        }
        let index = a.next;
        let k = a.k;
        let element = a.address.chain_element(index).ok_or(NymError::Mix)?;
        let valid_until = now
            .saturating_add(self.policy.update_after)
            .saturating_add(self.policy.surb_slack)
            .min(a.expires());
        let (surb, arm) = self.new_arm(now, valid_until, doc, rng)?;
        let req = SwapRequest {
            key: nym_key(&k),
            authentication: *element,
            blob: seal_blob(&k, &surb)?,
        };
        let kind = match (index, a.state()) {
            (0, _) => OutgoingKind::Create,
            (1, AddressState::Pending) => OutgoingKind::Confirm,
            (_, AddressState::Settled) => OutgoingKind::Update,
            (_, AddressState::Spent) if a.last_swap_at < a.spent_at => OutgoingKind::Rearm,
            (_, AddressState::Spent) if a.is_rearm_confirm() => OutgoingKind::Confirm,
            _ => OutgoingKind::Retry,
        };
        let out = self.to_nymserver(now, &req.encode(), kind, doc, rng)?;
        if let Some(a) = self.addresses.get_mut(i) {
            a.arms.insert(index, arm);
            if kind == OutgoingKind::Rearm {
                a.rearm = Some(index);
            }
            a.next = index + 1;
            a.last_swap_at = now;
        }
        Ok(Some(out))
    }

    /// Creates a contact address for slot `slot` and its create Swap (`spec/nym.md §7.2`). The
    /// slot must start no more than `MAX_SUPPLY_LEAD − SLOT_SECONDS` after `now` and not have
    /// ended (`NYM_MALFORMED` otherwise): the address is broadcast only once confirmed, so supply
    /// ahead.
    pub fn supply(
        &mut self,
        now: u64,
        slot: u64,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Outgoing, NymError> {
        let start = slot.saturating_mul(SLOT_SECONDS);
        // SPEC: spec/nym.md#supply (NYM-CLIENT-1: the entry outlives every log entry naming K)
        if slot < now / SLOT_SECONDS || start > now.saturating_add(MAX_SUPPLY_LEAD - SLOT_SECONDS) {
            return Err(NymError::Malformed);
        }
        let address = ContactAddress::random(rng);
        self.addresses.push(Owned::new(address, slot, now));
        let i = self.addresses.len() - 1;
        let mut events = Vec::new();
        match self.swap(i, now, doc, rng, &mut events) {
            Ok(Some(out)) => Ok(out),
            Ok(None) => Err(NymError::Mix),
            Err(e) => {
                self.addresses.pop();
                Err(e)
            }
        }
    }

    /// Answers a broadcast challenge with a confirmed address of the current slot; `None` if the
    /// client has none, and then the host stays silent (`spec/nym.md §4`, NYM-BCAST-2).
    pub fn respond(&self, now: u64, challenge: &Challenge) -> Option<Response> {
        let slot = now / SLOT_SECONDS;
        // SPEC: spec/nym.md#broadcast (NYM-BCAST-2: only a confirmed address of this slot)
        self.addresses
            .iter()
            .find(|a| a.slot == slot && a.known.is_some() && !a.stuck)
            .map(|a| a.address.respond(challenge))
    }

    /// Verifies a response to our `challenge` and logs the address encrypted to the nymserver
    /// (`spec/nym.md §4` step 3, `§6.4`); `NYM_CAPACITY` when the log is full.
    pub fn record(
        &mut self,
        now: u64,
        challenge: &Challenge,
        response: &Response,
        duration: u16,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(), NymError> {
        let k = verify_response(challenge, response)?;
        let e = LogEntry::seal_with_rng(&self.config.nymserver_key, &k, now, duration, rng)?;
        self.log.push(e)
    }

    /// Drops log entries older than 30 days (`spec/nym.md §7.6`: local policy beyond NYM-LOG-1)
    /// and addresses past their nymserver life of which nothing more can be learned: finished,
    /// or reported `AddressLost` (`§7.1`, NYM-CLIENT-8).
    pub fn prune(&mut self, now: u64) {
        self.log.prune(now);
        self.addresses
            .retain(|a| now < a.expires() || !(a.finished() || a.stuck));
    }

    /// The mailboxes due for a poll at `now` (`spec/nym.md §7.6`).
    pub fn poll_addresses(&self, now: u64) -> Vec<MailboxAddress> {
        let mut v = Vec::new();
        for a in &self.addresses {
            for (i, arm) in &a.arms {
                if a.poll_due(*i, now, &self.policy) {
                    v.push(arm.mailbox);
                }
            }
        }
        for u in &self.uploads {
            if let Some((mb, _)) = &u.status {
                v.push(*mb);
            }
        }
        v
    }

    /// Handles a poll answer for `mailbox` (`spec/nym.md §7.1`, `§7.5`). Returns what the client
    /// learned and the packets to send (a re-arm after a notification is sent by the next
    /// [`Client::tick`]; missing upload fragments are resent at once).
    pub fn handle_poll(
        &mut self,
        now: u64,
        mailbox: &MailboxAddress,
        payloads: &[Vec<u8>],
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Vec<ClientEvent>, Vec<Outgoing>), NymError> {
        let mut events = Vec::new();
        let mut out = Vec::new();
        let found = self.addresses.iter().enumerate().find_map(|(i, a)| {
            a.arms
                .iter()
                .find(|(_, arm)| arm.mailbox == *mailbox)
                .map(|(x, _)| (i, *x))
        });
        if let Some((i, x)) = found {
            if let Some(a) = self.addresses.get_mut(i) {
                a.handle_payloads(x, now, payloads, &mut events);
            }
            return Ok((events, out));
        }
        if let Some(u) = self
            .uploads
            .iter()
            .position(|u| u.status.as_ref().is_some_and(|s| s.0 == *mailbox))
        {
            self.handle_status(u, now, payloads, doc, rng, &mut events, &mut out)?;
        }
        Ok((events, out))
    }

    /// Runs the per-address machine and the upload retries (`spec/nym.md §7.1`, `§7.5`): sends the
    /// Swaps and status requests that are due, forgets stale arms and failed uploads.
    pub fn tick(
        &mut self,
        now: u64,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Vec<ClientEvent>, Vec<Outgoing>), NymError> {
        let mut events = Vec::new();
        let mut out = Vec::new();
        for i in 0..self.addresses.len() {
            let policy = self.policy;
            let due = match self.addresses.get_mut(i) {
                Some(a) => {
                    a.forget_stale(now, &policy, &mut events);
                    if now < a.expires() {
                        a.swap_due(&policy).is_some_and(|t| now >= t)
                    } else {
                        a.end_of_life(now, &policy, &mut events);
                        false
                    }
                }
                None => false,
            };
            if due {
                if let Some(o) = self.swap(i, now, doc, rng, &mut events)? {
                    out.push(o);
                }
            }
        }
        self.tick_uploads(now, doc, rng, &mut events, &mut out)?;
        Ok((events, out))
    }

    fn start_upload(
        &mut self,
        now: u64,
        upload: &Upload,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<([u8; UPLOAD_ID_LEN], Vec<Outgoing>), NymError> {
        let mut id = [0u8; UPLOAD_ID_LEN];
        rng.fill_bytes(&mut id);
        let fragments = fragment_upload(&upload.encode(), id)?;
        let out = fragments
            .iter()
            .map(|m| self.to_nymserver(now, m, OutgoingKind::Fragment, doc, rng))
            .collect::<Result<Vec<_>, _>>()?;
        self.uploads.push(PendingUpload {
            id,
            fragments,
            started: now,
            status: None,
            last_status: now,
        });
        Ok((id, out))
    }

    /// Uploads the contact log with an HA token (`spec/nym.md §6.5`, type `0x01`); the client
    /// keeps the fragments and asks for the upload's status until the nymserver has processed it.
    pub fn report_infection(
        &mut self,
        now: u64,
        token: &Token,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<([u8; UPLOAD_ID_LEN], Vec<Outgoing>), NymError> {
        self.log.prune(now);
        let up = Upload::Infection {
            token: *token,
            entries: self.log.entries().to_vec(),
        };
        self.start_upload(now, &up, doc, rng)
    }

    /// After the user agreed: extends the chain with the notified address and the own log
    /// (`spec/nym.md §6.5`, type `0x02`).
    pub fn extend_chain(
        &mut self,
        now: u64,
        address: &[u8; ADDRESS_LEN],
        notification: &NotificationBody,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<([u8; UPLOAD_ID_LEN], Vec<Outgoing>), NymError> {
        self.log.prune(now);
        let up = Upload::Extension {
            case_id: notification.case_id,
            address: *address,
            chain_token: notification.chain_token,
            entries: self.log.entries().to_vec(),
        };
        self.start_upload(now, &up, doc, rng)
    }

    fn tick_uploads(
        &mut self,
        now: u64,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
        events: &mut Vec<ClientEvent>,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), NymError> {
        let timeout = UPLOAD_TIMEOUT.saturating_sub(self.policy.status_after);
        let failed: Vec<[u8; UPLOAD_ID_LEN]> = self
            .uploads
            .iter()
            .filter(|u| now >= u.started.saturating_add(timeout))
            .map(|u| u.id)
            .collect();
        for id in failed {
            // SPEC: spec/nym.md#client-upload (NYM-CLIENT-7: the client learns the upload failed)
            events.push(ClientEvent::UploadFailed { upload_id: id });
        }
        self.uploads
            .retain(|u| now < u.started.saturating_add(timeout));
        for i in 0..self.uploads.len() {
            let due = self
                .uploads
                .get(i)
                .is_some_and(|u| now >= u.last_status.saturating_add(self.policy.status_after));
            if !due {
                continue;
            }
            let id = match self.uploads.get(i) {
                Some(u) => u.id,
                None => continue,
            };
            let valid_until = now.saturating_add(self.policy.status_after);
            let (surb, arm) = self.new_arm(now, valid_until, doc, rng)?;
            let req = StatusRequest {
                upload_id: id,
                surb,
            };
            out.push(self.to_nymserver(now, &req.encode(), OutgoingKind::Status, doc, rng)?);
            if let Some(u) = self.uploads.get_mut(i) {
                u.status = Some((arm.mailbox, arm.secret));
                u.last_status = now;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_status(
        &mut self,
        u: usize,
        now: u64,
        payloads: &[Vec<u8>],
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
        events: &mut Vec<ClientEvent>,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), NymError> {
        let Some(p) = payloads.first() else {
            return Ok(());
        };
        let status = match self.uploads.get(u).and_then(|up| up.status.as_ref()) {
            Some((_, secret)) => read_status(secret, p),
            None => return Ok(()),
        };
        let Some(upload) = self.uploads.get_mut(u) else {
            return Ok(());
        };
        upload.status = None;
        let status = match status {
            Ok(s) if s.upload_id == upload.id => s,
            _ => return Ok(()),
        };
        // SPEC: spec/nym.md#client-upload (NYM-CLIENT-6: resend what the nymserver lacks)
        let resend: Vec<Vec<u8>> = match &status.state {
            UploadState::Done(result) => {
                events.push(ClientEvent::UploadDone {
                    upload_id: upload.id,
                    result: *result,
                });
                self.uploads.remove(u);
                return Ok(());
            }
            UploadState::Unknown => upload.fragments.clone(),
            UploadState::Partial { have, .. } => upload
                .fragments
                .iter()
                .enumerate()
                .filter(|(i, _)| have.get(i / 8).map_or(true, |b| b & (1 << (i % 8)) == 0))
                .map(|(_, f)| f.clone())
                .collect(),
        };
        for m in resend {
            out.push(self.to_nymserver(now, &m, OutgoingKind::Resend, doc, rng)?);
        }
        Ok(())
    }
}
