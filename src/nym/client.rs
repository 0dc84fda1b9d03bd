//! The client: address supply, broadcast, contact log, notifications, infection upload, chain
//! extension and the five-step update schedule (`spec/nym.md §4`, `§6.3`, `§7`).

use alloc::vec::Vec;
use rand_core::CryptoRngCore;

use super::address::{seal_blob, swap_auth, verify_response, Challenge, ContactAddress, Response};
use super::authority::Token;
use super::log::{ContactLog, LogEntry};
use super::messages::{fragment_upload, ClientMessage, Notification, SwapRequest, Upload};
use super::{nym_key, NymError, ADDRESS_LEN, AUTH_LEN, DAY, ENTRY_LIFETIME, SLOT_SECONDS};
use crate::mix::{
    create_forward_with_rng, create_surb_with_rng, select_route, Destination, DiscoveryDocument,
    Geometry, MailboxAddress, Packet, Surb, SurbSecret, MAILBOX_LEN,
};

/// Step 1 of the update scheme runs this long after an address was (re)armed (`spec/nym.md §7.3`).
pub const UPDATE_AFTER: u64 = DAY;
/// The waits of steps 2 and 4 (`spec/nym.md §7.3`).
pub const UPDATE_WAIT: u64 = 3 * 3600;

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

/// A packet to hand to entity `first_hop`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The first hop.
    pub first_hop: u8,
    /// The 380-byte (at 4 hops) packet.
    pub packet: Packet,
}

/// What the client found in a mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// A notification for contact address `address`: ask the user.
    Notified {
        /// The client's own contact address that was notified.
        address: [u8; ADDRESS_LEN],
        /// The notification.
        notification: Notification,
    },
    /// One of the client's own dummies.
    Dummy,
}

struct Arm {
    mailbox: MailboxAddress,
    surb: Surb,
    secret: SurbSecret,
    auth: [u8; AUTH_LEN],
    read: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Swapped,
    DummySent,
}

struct Owned {
    address: ContactAddress,
    k: [u8; ADDRESS_LEN],
    slot: u64,
    created: u64,
    armed_at: u64,
    current: Arm,
    old: Option<(Arm, u64, Stage)>,
}

/// A client (`spec/nym.md §7`). Sans-IO: every call takes `now`, the Discovery document and an RNG
/// where needed, and returns the packets to send.
pub struct Client {
    config: ClientConfig,
    addresses: Vec<Owned>,
    log: ContactLog,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("addresses", &self.addresses.len())
            .field("log_entries", &self.log.entries().len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with no addresses and an empty log.
    pub fn new(config: ClientConfig) -> Self {
        Client {
            config,
            addresses: Vec::new(),
            log: ContactLog::new(),
        }
    }

    /// The contact log.
    pub fn log(&self) -> &ContactLog {
        &self.log
    }

    /// The client's live contact addresses `K`.
    pub fn addresses(&self) -> impl Iterator<Item = [u8; ADDRESS_LEN]> + '_ {
        self.addresses.iter().map(|a| a.k)
    }

    fn arm(
        &self,
        now: u64,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Arm, NymError> {
        let g = self.config.geometry;
        let mut mb = [0u8; MAILBOX_LEN];
        rng.fill_bytes(&mut mb);
        let mailbox = MailboxAddress(mb);
        let valid_until = now.saturating_add(UPDATE_AFTER + 3 * UPDATE_WAIT);
        let route = select_route(doc, self.config.mailbox_entity, g, now, valid_until, rng)?;
        let (surb, secret) = create_surb_with_rng(g, &route, &mailbox, rng)?;
        Ok(Arm {
            mailbox,
            surb,
            secret,
            auth: [0; AUTH_LEN],
            read: 0,
        })
    }

    fn to_nymserver(
        &self,
        now: u64,
        message: &[u8],
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Outgoing, NymError> {
        let g = self.config.geometry;
        let route = select_route(doc, self.config.nymserver_entity, g, now, now, rng)?;
        let (first_hop, packet) =
            create_forward_with_rng(g, &route, &Destination::Nymserver, message, rng)?;
        Ok(Outgoing { first_hop, packet })
    }

    /// A Swap installing `arm` for address `k`; `previous` is the auth of the current blob.
    fn swap_packet(
        &self,
        now: u64,
        k: &[u8; ADDRESS_LEN],
        arm: &mut Arm,
        previous: [u8; AUTH_LEN],
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Outgoing, NymError> {
        let blob = seal_blob(k, &arm.surb)?;
        arm.auth = swap_auth(&blob);
        let req = SwapRequest {
            key: nym_key(k),
            authentication: previous,
            blob,
        };
        self.to_nymserver(now, &req.encode(), doc, rng)
    }

    /// Creates the contact address of slot `now / SLOT_SECONDS` and its create Swap
    /// (`spec/nym.md §7.1`).
    pub fn supply(
        &mut self,
        now: u64,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Outgoing, NymError> {
        let address = ContactAddress::random(rng);
        let k = address.address();
        let mut arm = self.arm(now, doc, rng)?;
        let out = self.swap_packet(now, &k, &mut arm, [0; AUTH_LEN], doc, rng)?;
        self.addresses.push(Owned {
            address,
            k,
            slot: now / SLOT_SECONDS,
            created: now,
            armed_at: now,
            current: arm,
            old: None,
        });
        Ok(out)
    }

    /// Answers a broadcast challenge with the address of the current slot, or the newest one
    /// (`spec/nym.md §4`).
    pub fn respond(&self, now: u64, challenge: &Challenge) -> Option<Response> {
        let slot = now / SLOT_SECONDS;
        self.addresses
            .iter()
            .find(|a| a.slot == slot)
            .or_else(|| self.addresses.last())
            .map(|a| a.address.respond(challenge))
    }

    /// Verifies a response to our `challenge` and logs the address encrypted to the nymserver
    /// (`spec/nym.md §4` step 3, `§6.3`).
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
        self.log.push(e);
        Ok(())
    }

    /// Drops log entries older than 30 days and addresses past their nymserver life.
    pub fn prune(&mut self, now: u64) {
        self.log.prune(now);
        self.addresses
            .retain(|a| now < a.created.saturating_add(ENTRY_LIFETIME));
    }

    /// The mailboxes to poll now: every current one, and old ones at step 5 of the schedule.
    pub fn poll_addresses(&self, now: u64) -> Vec<MailboxAddress> {
        let mut v = Vec::new();
        for a in &self.addresses {
            v.push(a.current.mailbox);
            if let Some((old, t0, Stage::DummySent)) = &a.old {
                if now >= t0.saturating_add(2 * UPDATE_WAIT) {
                    v.push(old.mailbox);
                }
            }
        }
        v
    }

    /// Handles a poll answer for `mailbox` (`spec/nym.md §7.2`): opens new payloads, re-arms a
    /// notified address, finishes step 5 of the schedule. Returns events and packets to send.
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
        let Some(i) = self.addresses.iter().position(|a| {
            a.current.mailbox == *mailbox || a.old.as_ref().is_some_and(|o| o.0.mailbox == *mailbox)
        }) else {
            return Ok((events, out));
        };
        let mut rearm = false;
        let mut finished_old = false;
        if let Some(a) = self.addresses.get_mut(i) {
            let k = a.k;
            let is_current = a.current.mailbox == *mailbox;
            let arm = if is_current {
                &mut a.current
            } else {
                match a.old.as_mut() {
                    Some(o) => &mut o.0,
                    None => return Ok((events, out)),
                }
            };
            for p in payloads.iter().skip(arm.read) {
                arm.read += 1;
                let Ok(m) = arm.secret.open_reply(p) else {
                    continue;
                };
                match ClientMessage::decode(&m) {
                    Ok(ClientMessage::Notification(n)) => {
                        events.push(ClientEvent::Notified {
                            address: k,
                            notification: n,
                        });
                        rearm |= is_current;
                    }
                    Ok(ClientMessage::Dummy(_)) => events.push(ClientEvent::Dummy),
                    Err(_) => {}
                }
            }
            finished_old = !is_current;
        }
        if finished_old {
            if let Some(a) = self.addresses.get_mut(i) {
                a.old = None;
            }
        }
        if rearm {
            // SPEC: spec/nym.md#rearm (re-arm with a fresh SURB to a fresh mailbox)
            let mut arm = self.arm(now, doc, rng)?;
            let (k, prev) = match self.addresses.get(i) {
                Some(a) => (a.k, a.current.auth),
                None => return Ok((events, out)),
            };
            out.push(self.swap_packet(now, &k, &mut arm, prev, doc, rng)?);
            if let Some(a) = self.addresses.get_mut(i) {
                a.current = arm;
                a.armed_at = now;
            }
        }
        Ok((events, out))
    }

    /// Runs the five-step update schedule (`spec/nym.md §7.3`) for every address.
    pub fn tick(
        &mut self,
        now: u64,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Outgoing>, NymError> {
        let mut out = Vec::new();
        for i in 0..self.addresses.len() {
            let (step1, step3) = match self.addresses.get(i) {
                Some(a) => match &a.old {
                    None => (
                        now >= a.armed_at.saturating_add(UPDATE_AFTER)
                            && now.saturating_add(UPDATE_AFTER)
                                < a.created.saturating_add(ENTRY_LIFETIME),
                        false,
                    ),
                    Some((_, t0, Stage::Swapped)) => (false, now >= t0.saturating_add(UPDATE_WAIT)),
                    Some(_) => (false, false),
                },
                None => continue,
            };
            if step1 {
                // Step 1: swap to a SURB for a fresh mailbox.
                let mut arm = self.arm(now, doc, rng)?;
                let (k, prev) = match self.addresses.get(i) {
                    Some(a) => (a.k, a.current.auth),
                    None => continue,
                };
                out.push(self.swap_packet(now, &k, &mut arm, prev, doc, rng)?);
                if let Some(a) = self.addresses.get_mut(i) {
                    let old = core::mem::replace(&mut a.current, arm);
                    a.old = Some((old, now, Stage::Swapped));
                    a.armed_at = now;
                }
            } else if step3 {
                // Step 3: a dummy to the old mailbox through the old SURB's own header.
                let mut d = [0u8; 32];
                rng.fill_bytes(&mut d);
                let msg = ClientMessage::Dummy(d).encode();
                if let Some(a) = self.addresses.get_mut(i) {
                    if let Some((old, _, stage)) = a.old.as_mut() {
                        let (first_hop, packet) = old.surb.reply(&msg)?;
                        out.push(Outgoing { first_hop, packet });
                        *stage = Stage::DummySent;
                    }
                }
            }
        }
        Ok(out)
    }

    fn upload(
        &self,
        now: u64,
        upload: &Upload,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Outgoing>, NymError> {
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        fragment_upload(&upload.encode(), id)?
            .iter()
            .map(|m| self.to_nymserver(now, m, doc, rng))
            .collect()
    }

    /// Uploads the contact log with an HA token (`spec/nym.md §6.4`, type `0x01`).
    pub fn report_infection(
        &mut self,
        now: u64,
        token: &Token,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Outgoing>, NymError> {
        self.log.prune(now);
        let up = Upload::Infection {
            token: *token,
            entries: self.log.entries().to_vec(),
        };
        self.upload(now, &up, doc, rng)
    }

    /// After the user agreed: extends the chain with the notified address and the own log
    /// (`spec/nym.md §6.4`, type `0x02`).
    pub fn extend_chain(
        &mut self,
        now: u64,
        address: &[u8; ADDRESS_LEN],
        notification: &Notification,
        doc: &DiscoveryDocument,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<Outgoing>, NymError> {
        self.log.prune(now);
        let up = Upload::Extension {
            case_id: notification.case_id,
            address: *address,
            chain_token: notification.chain_token,
            entries: self.log.entries().to_vec(),
        };
        self.upload(now, &up, doc, rng)
    }
}
