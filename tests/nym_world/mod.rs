//! A world for the nym protocol over the shared hostile network (`tests/hostile_net`): an
//! authority, five mixes, a mailbox server, a nymserver (both also mixes) and many clients. Shared
//! by `tests/nym_end_to_end.rs`, `tests/nym_hostile.rs` and `examples/nym_simulation.rs`.
//!
//! Time is stepped: every packet a client or server sends goes into the network with its
//! departure time (a mix's delay included) and is handled when it arrives, so the network may
//! drop, duplicate, delay, reorder or replay it. Polls (direct request and answer, spec/nym.md
//! §5.2) cross the same network. The world keeps the ground truth (who owns which address, who
//! logged whom) and checks the properties of issue 11 as it goes: no packet is processed twice by
//! any node, no table exceeds its bound.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use contact_tracing::mix::{
    unpad, DelayDistribution, DiscoveryDocument, EntityEntry, Geometry, MailboxAddress, Mix,
    Outcome, Roles, SECONDS_PER_DAY,
};
use contact_tracing::nym::authority::{ApprovalMode, Authority, Token};
use contact_tracing::nym::{
    AddressState, Client, ClientConfig, ClientEvent, ClientPolicy, Mailbox, MailboxLimits,
    MailboxStore, NotificationBody, NymStore, Nymserver, NymserverLimits, NymserverSecret,
    Outgoing, OutgoingKind, PollResponse, ServerOutput, SwapOutcome, UploadReport, SLOT_SECONDS,
};
use ed25519_dalek::SigningKey;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

#[path = "../hostile_net/mod.rs"]
pub mod hostile_net;

pub use hostile_net::{DropWhen, Envelope, Faults, NetStats, Network};

pub const MAILBOX: u8 = 10;
pub const NYMSERVER: u8 = 20;
pub const MIXES: [u8; 5] = [1, 2, 3, 4, 5];
pub const START: u64 = 20_000 * SECONDS_PER_DAY;
/// Host cadence: every client ticks and polls what is due this often.
pub const TICK: u64 = SLOT_SECONDS;

/// Where a network message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dest {
    /// A mix, the mailbox server or the nymserver.
    Node(u8),
    /// A client (poll answers).
    Client(usize),
}

/// What crosses the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// A mix packet.
    Packet(Vec<u8>),
    /// A poll request: the mailbox address.
    Poll {
        client: usize,
        mailbox: MailboxAddress,
    },
    /// A poll answer.
    Served {
        mailbox: MailboxAddress,
        bytes: Vec<u8>,
    },
}

/// Traffic categories counted per client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cat {
    Sent(OutgoingKind),
    PollSent,
    PollReceived,
}

fn build_doc(
    nodes: &mut BTreeMap<u8, Mix>,
    identities: &BTreeMap<u8, SigningKey>,
    now: u64,
    rng: &mut ChaCha20Rng,
) -> DiscoveryDocument {
    let mut entries = Vec::new();
    for (n, m) in nodes.iter_mut() {
        m.rotate(now, rng);
        let roles = match *n {
            MAILBOX => Roles::MAILBOX.union(Roles::MIX),
            NYMSERVER => Roles::NYMSERVER.union(Roles::MIX),
            _ => Roles::MIX,
        };
        let (first, keys) = m.keyring().published(now);
        entries.push(EntityEntry::new_signed(*n, roles, &identities[n], first, keys).unwrap());
    }
    let doc = DiscoveryDocument::new(now, entries).unwrap();
    DiscoveryDocument::decode(&doc.encode()).unwrap()
}

/// Packets the adversary has been told to drop (their bytes as the client sent them).
pub type DropSet = Rc<RefCell<BTreeSet<Vec<u8>>>>;

pub struct World {
    pub rng: ChaCha20Rng,
    pub g: Geometry,
    pub now: u64,
    pub nodes: BTreeMap<u8, Mix>,
    identities: BTreeMap<u8, SigningKey>,
    pub doc: DiscoveryDocument,
    pub mailbox: Mailbox,
    pub nymserver: Nymserver,
    pub authority: Authority,
    pub clients: Vec<Client>,
    pub net: Network<Dest, Msg>,
    /// Packets an adversary drops, filled by the test (see [`World::drop_next`]).
    pub drop_set: DropSet,
    /// Drop the next packet of this (client, kind) (consumed when it is sent).
    drop_next: Vec<(usize, OutgoingKind)>,
    /// Drop every client packet for which this returns true.
    pub drop_rule: Option<Box<dyn FnMut(usize, OutgoingKind) -> bool>>,
    /// Drop every notification the nymserver sends when a batch is approved.
    pub drop_approved: bool,
    /// Ground truth: contact address -> owning client.
    pub owner: BTreeMap<[u8; 32], usize>,
    /// Ground truth: for each client, the addresses it logged.
    pub heard: Vec<BTreeSet<[u8; 32]>>,
    /// Events per client.
    pub events: Vec<Vec<ClientEvent>>,
    /// Bytes per client per category since the last reset.
    pub bytes: Vec<BTreeMap<Cat, u64>>,
    /// Packets processed by some node.
    pub hops: u64,
    /// Drops by reason.
    pub drops: BTreeMap<String, u64>,
    /// Nymserver results by name.
    pub results: BTreeMap<String, u64>,
    pub reports: Vec<UploadReport>,
    /// Hashes of (node, packet) processed successfully: a second one is a replay that got through.
    processed: BTreeSet<[u8; 32]>,
    /// Slots for which the world asked a client to supply, and when.
    pub supplied: u64,
    /// Meetings that could not happen because one side had no confirmed address.
    pub silent: u64,
    /// Packets sent by clients, by kind, over the whole run.
    pub sent_by_kind: BTreeMap<OutgoingKind, u64>,
    /// When the nymserver accepted each message for a client's address: `(nym_key(K), seq)` ->
    /// time (a Send of an upload or an approval, `spec/nym.md §3.5`).
    pub accepted: BTreeMap<([u8; 32], u8), u64>,
    /// When the owner first learned of each message, delivered or reported lost.
    pub learned: BTreeMap<([u8; 32], u8), u64>,
    /// `next_seq` of every client entry as last seen (to find new messages).
    seen_seqs: BTreeMap<[u8; 32], u8>,
}

impl World {
    pub fn new(n_clients: usize, seed: u8, faults: Faults) -> World {
        let mut rng = ChaCha20Rng::from_seed([seed; 32]);
        let g = Geometry::FOUR_HOPS;
        let now = START;
        let mut nodes = BTreeMap::new();
        let mut identities = BTreeMap::new();
        for n in MIXES.iter().chain([MAILBOX, NYMSERVER].iter()) {
            let mut m = Mix::new(*n, g, DelayDistribution::Uniform { min: 0, max: 20 });
            m.rotate(now, &mut rng);
            nodes.insert(*n, m);
            identities.insert(*n, SigningKey::from_bytes(&[*n; 32]));
        }
        let authority = Authority::random(&mut rng);
        let ns_secret = NymserverSecret::random(&mut rng);
        let ns_pub = ns_secret.public();
        let nymserver =
            Nymserver::new(g, ns_secret, authority.public()).with_limits(Self::ns_limits());
        let config = ClientConfig {
            geometry: g,
            mailbox_entity: MAILBOX,
            nymserver_entity: NYMSERVER,
            nymserver_key: ns_pub,
        };
        let drop_set: DropSet = Rc::new(RefCell::new(BTreeSet::new()));
        let ds = drop_set.clone();
        let net = Network::new(u64::from(seed), faults).with_adversary(DropWhen(
            move |e: &Envelope<Dest, Msg>| match &e.packet {
                Msg::Packet(p) => ds.borrow_mut().remove(p),
                _ => false,
            },
        ));
        let mut w = World {
            g,
            now,
            doc: build_doc(&mut nodes, &identities, now, &mut rng),
            nodes,
            identities,
            mailbox: Mailbox::new(g).with_limits(MailboxLimits {
                max_addresses: 1 << 18,
            }),
            nymserver,
            authority,
            clients: (0..n_clients).map(|_| Client::new(config)).collect(),
            net,
            drop_set,
            drop_next: Vec::new(),
            drop_rule: None,
            drop_approved: false,
            owner: BTreeMap::new(),
            heard: vec![BTreeSet::new(); n_clients],
            events: vec![Vec::new(); n_clients],
            bytes: vec![BTreeMap::new(); n_clients],
            hops: 0,
            drops: BTreeMap::new(),
            results: BTreeMap::new(),
            reports: Vec::new(),
            processed: BTreeSet::new(),
            supplied: 0,
            silent: 0,
            sent_by_kind: BTreeMap::new(),
            accepted: BTreeMap::new(),
            learned: BTreeMap::new(),
            seen_seqs: BTreeMap::new(),
            rng,
        };
        w.publish();
        w
    }

    pub fn ns_limits() -> NymserverLimits {
        NymserverLimits {
            max_entries: 1 << 18,
            max_partial_uploads: 64,
            max_completed_uploads: 256,
            max_cases: 64,
            max_case_members: 4096,
            max_pending_batches: 64,
            max_spent: 1024,
        }
    }

    /// Rotates every node's day keys and publishes a fresh Discovery document.
    pub fn publish(&mut self) {
        self.doc = build_doc(&mut self.nodes, &self.identities, self.now, &mut self.rng);
    }

    fn count(&mut self, c: usize, cat: Cat, n: u64) {
        *self.bytes[c].entry(cat).or_default() += n;
    }

    fn bump(map: &mut BTreeMap<String, u64>, key: impl Into<String>) {
        *map.entry(key.into()).or_default() += 1;
    }

    /// The adversary drops the next packet client `c` sends of kind `kind`.
    pub fn drop_next(&mut self, c: usize, kind: OutgoingKind) {
        self.drop_next.push((c, kind));
    }

    /// Client `c` sends `out` into the network.
    pub fn send(&mut self, c: usize, out: Vec<Outgoing>) {
        for o in out {
            self.count(c, Cat::Sent(o.kind), o.packet.as_bytes().len() as u64);
            *self.sent_by_kind.entry(o.kind).or_default() += 1;
            let ruled = self.drop_rule.as_mut().is_some_and(|r| r(c, o.kind));
            if let Some(i) = self.drop_next.iter().position(|x| *x == (c, o.kind)) {
                self.drop_next.remove(i);
                self.drop_set
                    .borrow_mut()
                    .insert(o.packet.as_bytes().to_vec());
            } else if ruled {
                self.drop_set
                    .borrow_mut()
                    .insert(o.packet.as_bytes().to_vec());
            }
            self.net.send(
                self.now,
                Dest::Node(o.first_hop),
                Msg::Packet(o.packet.into_bytes()),
            );
        }
    }

    fn handle(&mut self, env: Envelope<Dest, Msg>) {
        let now = self.now;
        match (env.to, env.packet) {
            (Dest::Node(hop), Msg::Packet(bytes)) => {
                assert_eq!(
                    bytes.len(),
                    self.g.packet_len(),
                    "every packet is 380 bytes"
                );
                self.hops += 1;
                let node = self.nodes.get_mut(&hop).expect("known entity");
                let p = match node.process(now, &bytes, &mut self.rng) {
                    Ok(p) => p,
                    Err(e) => {
                        Self::bump(&mut self.drops, format!("{e:?}"));
                        return;
                    }
                };
                let digest: [u8; 32] = Sha256::new()
                    .chain_update([hop])
                    .chain_update(&bytes)
                    .finalize()
                    .into();
                assert!(
                    self.processed.insert(digest),
                    "a replayed packet was processed twice"
                );
                let at = now + p.delay;
                match p.outcome {
                    Outcome::Forward { next, packet } => {
                        self.net.send(at, Dest::Node(next), Msg::Packet(packet))
                    }
                    Outcome::Deliver { mailbox, payload } => {
                        assert_eq!(hop, MAILBOX);
                        if let Err(e) = self.mailbox.receive(now, mailbox, &payload) {
                            Self::bump(&mut self.results, format!("mailbox {e:?}"));
                        }
                    }
                    Outcome::Swap { payload } => {
                        assert_eq!(hop, NYMSERVER);
                        let m = unpad(&payload).unwrap().to_vec();
                        let out = self.nymserver.handle_message(now, &m, &mut self.rng);
                        let mut packets = Vec::new();
                        let key = match out {
                            Ok(ServerOutput::Swap(s)) => match s {
                                SwapOutcome::Created => "created".to_string(),
                                SwapOutcome::Acknowledged(h, p) => {
                                    packets.push((h, p));
                                    "acknowledged".into()
                                }
                                SwapOutcome::Drained(h, p) => {
                                    packets.push((h, p));
                                    "drained".into()
                                }
                                SwapOutcome::Rearmed => "rearmed".into(),
                            },
                            Ok(ServerOutput::FragmentStored) => "fragment".into(),
                            Ok(ServerOutput::FragmentDuplicate) => "fragment duplicate".into(),
                            Ok(ServerOutput::Status(h, p)) => {
                                packets.push((h, p));
                                "status".into()
                            }
                            Ok(ServerOutput::Upload(r)) => {
                                packets.extend(r.delivery.packets.iter().cloned());
                                self.reports.push(r);
                                self.note_accepted();
                                "upload".into()
                            }
                            Err(e) => format!("{e:?}"),
                        };
                        Self::bump(&mut self.results, key);
                        for (h, p) in packets {
                            self.net
                                .send(at, Dest::Node(h), Msg::Packet(p.into_bytes()));
                        }
                    }
                }
            }
            (Dest::Node(_), Msg::Poll { client, mailbox }) => {
                let payloads = self.mailbox.serve(now, &mailbox);
                let bytes = PollResponse { payloads }.encode();
                self.net
                    .send(now, Dest::Client(client), Msg::Served { mailbox, bytes });
            }
            (Dest::Client(c), Msg::Served { mailbox, bytes }) => {
                self.count(c, Cat::PollReceived, bytes.len() as u64);
                let got = PollResponse::decode(self.g, &bytes).unwrap();
                let (events, out) = self.clients[c]
                    .handle_poll(now, &mailbox, &got.payloads, &self.doc, &mut self.rng)
                    .unwrap();
                self.note_events(c, events);
                self.send(c, out);
            }
            (to, m) => panic!("misrouted {m:?} to {to:?}"),
        }
        self.check_bounds();
    }

    /// Records when the nymserver accepted messages for clients' addresses (after an upload or an
    /// approval: the only places that Send).
    fn note_accepted(&mut self) {
        for k in self.owner.keys() {
            let key = contact_tracing::nym::nym_key(k);
            let Some(e) = self.nymserver.store().get(&key) else {
                continue;
            };
            let seen = self.seen_seqs.entry(key).or_default();
            for seq in *seen..e.next_seq {
                self.accepted.insert((key, seq), self.now);
            }
            *seen = (*seen).max(e.next_seq);
        }
    }

    /// Keeps client `c`'s events, and when it first learned of each message.
    fn note_events(&mut self, c: usize, events: Vec<ClientEvent>) {
        for e in &events {
            let (address, seqs) = match e {
                ClientEvent::Notified {
                    address,
                    notification,
                } => (address, vec![notification.seq]),
                ClientEvent::NotificationsLost { address, seqs } => (address, seqs.clone()),
                _ => continue,
            };
            let key = contact_tracing::nym::nym_key(address);
            for seq in seqs {
                self.learned.entry((key, seq)).or_insert(self.now);
            }
        }
        self.events[c].extend(events);
    }

    /// Messages accepted for a client's address whose owner has not learned of them yet.
    pub fn unlearned(&self) -> usize {
        self.accepted
            .keys()
            .filter(|m| !self.learned.contains_key(m))
            .count()
    }

    /// The longest time, in seconds, from a message's acceptance to its owner learning of it.
    pub fn longest_learn(&self) -> u64 {
        self.accepted
            .iter()
            .filter_map(|(m, t)| self.learned.get(m).map(|l| l - t))
            .max()
            .unwrap_or(0)
    }

    /// Every table stays within its bound (contract 6).
    pub fn check_bounds(&self) {
        let l = Self::ns_limits();
        let ns = &self.nymserver;
        assert!(ns.store().len() <= l.max_entries);
        assert!(ns.partial_uploads() <= l.max_partial_uploads);
        assert!(ns.completed_uploads() <= l.max_completed_uploads);
        assert!(ns.cases() <= l.max_cases);
        assert!(ns.pending_batches() <= l.max_pending_batches);
        assert!(ns.spent_tokens() <= l.max_spent);
        assert!(self.mailbox.store().len() <= self.mailbox.limits().max_addresses);
    }

    /// Delivers everything that arrives up to `until` (handling each arrival at its time), then
    /// sets the clock to `until`.
    pub fn run_network(&mut self, until: u64) {
        while let Some(t) = self.net.next_arrival() {
            if t > until {
                break;
            }
            self.now = self.now.max(t);
            if let Some(env) = self.net.deliver_next(t) {
                self.handle(env);
            }
        }
        self.now = until;
    }

    /// One host cadence for every client: tick (Swaps, status requests), then poll what is due.
    pub fn tick_all(&mut self) {
        for c in 0..self.clients.len() {
            let (events, out) = self.clients[c]
                .tick(self.now, &self.doc, &mut self.rng)
                .unwrap();
            self.note_events(c, events);
            self.send(c, out);
            for mailbox in self.clients[c].poll_addresses(self.now) {
                self.count(c, Cat::PollSent, mailbox.0.len() as u64);
                self.net.send(
                    self.now,
                    Dest::Node(MAILBOX),
                    Msg::Poll { client: c, mailbox },
                );
            }
        }
    }

    /// Runs the world from now to `until` in host cadences.
    pub fn advance(&mut self, until: u64) {
        while self.now < until {
            let next = (self.now / TICK + 1) * TICK;
            self.run_network(next.min(until));
            if self.now % TICK == 0 {
                if self.now % SECONDS_PER_DAY == 0 {
                    self.publish();
                    self.nymserver.expire(self.now);
                    self.mailbox.expire(self.now);
                    for c in &mut self.clients {
                        c.prune(self.now);
                    }
                }
                self.tick_all();
            }
        }
    }

    /// Client `c` creates the contact address of `slot`.
    pub fn supply(&mut self, c: usize, slot: u64) {
        let out = self.clients[c]
            .supply(self.now, slot, &self.doc, &mut self.rng)
            .unwrap();
        let (k, _, _) = self.clients[c].addresses().last().unwrap();
        self.owner.insert(k, c);
        self.supplied += 1;
        self.send(c, vec![out]);
    }

    /// `a` and `b` meet: each challenges the other and logs a verified answer. A side without a
    /// confirmed address for the current slot stays silent (spec/nym.md §4).
    pub fn meet(&mut self, a: usize, b: usize, duration: u16) {
        for (x, y) in [(a, b), (b, a)] {
            let mut n = [0u8; 16];
            self.rng.fill_bytes(&mut n);
            let Some(resp) = self.clients[y].respond(self.now, &n) else {
                self.silent += 1;
                continue;
            };
            let mut bad = resp;
            bad.signature[0] ^= 1;
            assert!(self.clients[x]
                .record(self.now, &n, &bad, duration, &mut self.rng)
                .is_err());
            self.clients[x]
                .record(self.now, &n, &resp, duration, &mut self.rng)
                .unwrap();
            self.heard[x].insert(resp.address);
        }
    }

    /// The authority issues a token; client `c` uploads its log.
    pub fn report_infection(
        &mut self,
        c: usize,
        max_generation: u8,
        approval: ApprovalMode,
    ) -> Token {
        let token = self.authority.issue_with_rng(
            840,
            max_generation,
            approval,
            self.now + 2 * SECONDS_PER_DAY,
            &mut self.rng,
        );
        let (_, out) = self.clients[c]
            .report_infection(self.now, &token, &self.doc, &mut self.rng)
            .unwrap();
        self.send(c, out);
        token
    }

    /// The authority approves every held batch of the reports so far.
    pub fn approve_all(&mut self) {
        self.approve_held();
        self.note_accepted();
    }

    fn approve_held(&mut self) {
        let held: Vec<UploadReport> = self.reports.iter().filter(|r| r.held).cloned().collect();
        for r in held {
            let approval = self.authority.approve(r.case_id, r.batch, true);
            if let Ok(d) = self.nymserver.approve(self.now, &approval) {
                for (h, p) in d.packets {
                    if self.drop_approved {
                        self.drop_set.borrow_mut().insert(p.as_bytes().to_vec());
                    }
                    self.net
                        .send(self.now, Dest::Node(h), Msg::Packet(p.into_bytes()));
                }
            }
        }
    }

    pub fn notifications(&self, c: usize) -> Vec<([u8; 32], NotificationBody, u8)> {
        self.events[c]
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Notified {
                    address,
                    notification,
                } => Some((*address, notification.body, notification.seq)),
                _ => None,
            })
            .collect()
    }

    pub fn lost(&self, c: usize) -> Vec<([u8; 32], u8)> {
        self.events[c]
            .iter()
            .flat_map(|e| match e {
                ClientEvent::NotificationsLost { address, seqs } => {
                    seqs.iter().map(|s| (*address, *s)).collect::<Vec<_>>()
                }
                _ => Vec::new(),
            })
            .collect()
    }

    pub fn count_events(&self, f: impl Fn(&ClientEvent) -> bool) -> usize {
        self.events.iter().flatten().filter(|e| f(e)).count()
    }

    /// Clients owning an address that `c` logged.
    pub fn contacts_of(&self, c: usize) -> BTreeSet<usize> {
        self.heard[c].iter().map(|k| self.owner[k]).collect()
    }

    /// The property of issue 11: every message the nymserver accepted for an address was
    /// delivered to its owner at most once, and delivered or reported lost. Returns
    /// (messages, delivered, reported lost).
    pub fn check_exactly_once_or_known(&self) -> (usize, usize, usize) {
        let (mut total, mut delivered, mut lost) = (0, 0, 0);
        for (k, c) in &self.owner {
            let key = contact_tracing::nym::nym_key(k);
            let Some(e) = self.nymserver.store().get(&key) else {
                continue;
            };
            let got = self.notifications(*c);
            let gone = self.lost(*c);
            for seq in 0..e.next_seq {
                total += 1;
                let n = got.iter().filter(|(a, _, s)| a == k && *s == seq).count();
                let l = gone.iter().any(|(a, s)| a == k && *s == seq);
                assert!(n <= 1, "client {c}: message {seq} delivered {n} times");
                assert!(
                    n == 1 || l,
                    "client {c}: message {seq} neither delivered nor reported lost"
                );
                delivered += n;
                lost += usize::from(n == 0 && l);
            }
        }
        (total, delivered, lost)
    }

    /// Addresses whose owner was told they can no longer be swapped.
    pub fn stuck(&self) -> usize {
        self.clients
            .iter()
            .flat_map(|c| c.addresses())
            .filter(|(_, _, s)| *s == AddressState::Stuck)
            .count()
    }
}

/// How long after the nymserver accepts a message its owner learns of it (reads it, its sealed
/// copy, or its loss) under the default policy, except with probability `(1 − s)^96` (spec/nym.md
/// §7.7, NYM-READ-5): the next update is due within `update_after`; 96 rounds of `retry_after`
/// then bring an acknowledgement, read within `urgent_poll`; a loss report may wait
/// `forget_after` for older arms. A message whose packet arrives is read within `routine_poll`,
/// which is shorter.
pub fn learn_bound() -> u64 {
    let p = ClientPolicy::default();
    p.update_after + 96 * p.retry_after + p.urgent_poll + p.forget_after
}

/// The parameters of a run of [`scenario`].
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    pub clients: usize,
    /// Meeting periods per day (each client broadcasts one address per period).
    pub periods: u64,
    /// Days with meetings; the index case reports at the end of the second.
    pub days: u64,
    /// Days run after the last meeting so that every Swap, acknowledgement and upload settles.
    pub settle_days: u64,
    /// How long before its slot a client supplies an address.
    pub lead: u64,
    pub faults: Faults,
    pub seed: u8,
    /// Random meetings per period among clients 4.. .
    pub meetings: usize,
}

impl Scenario {
    pub fn small(faults: Faults, seed: u8) -> Scenario {
        Scenario {
            clients: 12,
            periods: 4,
            days: 2,
            settle_days: 2,
            lead: 6 * 3600,
            faults,
            seed,
            meetings: 3,
        }
    }
}

/// What a run measured (issue 11's figures).
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// Messages the nymserver accepted for clients' addresses.
    pub messages: usize,
    /// Delivered to their owner (exactly once each).
    pub delivered: usize,
    /// Reported lost to their owner.
    pub lost: usize,
    /// The longest time (seconds) from a message's acceptance until its owner learned of it.
    pub longest_learn: u64,
    /// How long the world ran after the last meeting day (seconds): the settle days, and more
    /// while some owner had not yet learned of a message.
    pub ran_after_meetings: u64,
    /// Swaps sent again because an earlier one's outcome stayed unknown.
    pub retried: u64,
    /// Fragments sent again.
    pub resent: u64,
    /// Contacts of the index case (addresses it logged) and how many were told (notified or lost).
    pub contacts: usize,
    pub contacts_told: usize,
    /// Contacts of the chain extension and how many of them were told.
    pub chain_contacts: usize,
    pub chain_told: usize,
    /// Uploads done / failed as the clients learned it.
    pub uploads_done: usize,
    pub uploads_failed: usize,
    /// Addresses confirmed, supplied, stuck; meetings a side could not answer.
    pub confirmed: usize,
    pub supplied: u64,
    pub stuck: usize,
    pub silent: u64,
    /// Network statistics and mix drops.
    pub net: NetStats,
    pub replays_dropped: u64,
    /// Bytes per client per day, by category, averaged over the meeting days.
    pub per_day: BTreeMap<Cat, f64>,
    pub results: BTreeMap<String, u64>,
}

fn told(w: &World, k: &[u8; 32], case: &[u8; 16]) -> bool {
    let c = w.owner[k];
    w.notifications(c)
        .iter()
        .any(|(a, n, _)| a == k && n.case_id == *case)
        || w.lost(c).iter().any(|(a, _)| a == k)
}

/// Runs the notification chain over the hostile network: clients supply and confirm addresses,
/// meet, A (client 0) reports, the authority approves, B (client 1) extends the chain when it is
/// notified. Checks the properties of issue 11 and returns the figures.
pub fn scenario(s: Scenario) -> (World, Figures) {
    scenario_with(s, |_| {})
}

/// [`scenario`] with a hook that configures the world (an adversary's rules) before it runs.
pub fn scenario_with(s: Scenario, setup: impl FnOnce(&mut World)) -> (World, Figures) {
    let mut w = World::new(s.clients, s.seed, s.faults);
    setup(&mut w);
    let period = SECONDS_PER_DAY / s.periods;
    let first_meeting = START + SECONDS_PER_DAY / 2;
    let end = first_meeting + s.days * SECONDS_PER_DAY;
    let report_at = first_meeting + 2 * SECONDS_PER_DAY - period / 2;
    let mut reported = false;
    let mut extended = false;
    let mut case = None;
    let mut gen0 = BTreeSet::new();
    let mut forced: BTreeMap<u64, Vec<(usize, usize)>> = BTreeMap::new();
    // A = 0 meets 1, 2, 10 and 11 (when there are that many); B = 1 meets 3, 5 and 10.
    let pick = |c: usize| c % s.clients.max(1);
    forced.insert(1, vec![(0, 1), (0, pick(10)), (1, 3)]);
    forced.insert(
        s.periods + 1,
        vec![(0, 2), (0, pick(11)), (1, 5), (1, pick(10))],
    );
    let mut day_bytes: Vec<BTreeMap<Cat, u64>> = Vec::new();
    let mut t = START;
    let settled = end + s.settle_days * SECONDS_PER_DAY;
    // After the settle days, the world runs on until every owner has learned of every message,
    // but never beyond `learn_bound()` after the last message was accepted (spec/nym.md §7.7,
    // NYM-READ-5): a message still unknown then fails the check below.
    while t < settled
        || (w.unlearned() > 0
            && t < w.accepted.values().max().copied().unwrap_or(0) + learn_bound())
    {
        // Supply: each client prepares the address of the period that starts `lead` from now.
        let target = t + s.lead;
        if target >= first_meeting && target < end && (target - first_meeting) % period == 0 {
            for c in 0..s.clients {
                w.supply(c, target / SLOT_SECONDS);
            }
        }
        w.advance(t);
        if t >= first_meeting && t < end && (t - first_meeting) % period == 0 {
            let j = (t - first_meeting) / period;
            for &(a, b) in forced.get(&j).map(|v| v.as_slice()).unwrap_or(&[]) {
                if a != b {
                    w.meet(a, b, 3);
                }
            }
            for _ in 0..s.meetings {
                let a = 4 + (w.rng.next_u32() as usize) % (s.clients - 4);
                let b = 4 + (w.rng.next_u32() as usize) % (s.clients - 4);
                if a != b {
                    w.meet(a, b, 1);
                }
            }
        }
        if !reported && t >= report_at {
            reported = true;
            gen0 = w.heard[0].clone();
            w.report_infection(0, 1, ApprovalMode::Authority);
        }
        // The authority approves what is held (it reviews continuously).
        if w.nymserver.pending_batches() > 0 {
            w.approve_all();
        }
        if case.is_none() {
            case = w.reports.first().map(|r| r.case_id);
        }
        if let (false, Some(id)) = (extended, case) {
            if let Some((k, n, _)) = w
                .notifications(1)
                .into_iter()
                .find(|(_, n, _)| n.case_id == id)
            {
                extended = true;
                let doc = w.doc.clone();
                let (_, out) = w.clients[1]
                    .extend_chain(w.now, &k, &n, &doc, &mut w.rng)
                    .unwrap();
                w.send(1, out);
            }
        }
        if t > START && (t - START) % SECONDS_PER_DAY == 0 {
            day_bytes.push(std::mem::take(&mut w.bytes).into_iter().fold(
                BTreeMap::new(),
                |mut acc, m| {
                    for (k, v) in m {
                        *acc.entry(k).or_default() += v;
                    }
                    acc
                },
            ));
            w.bytes = vec![BTreeMap::new(); s.clients];
        }
        t += TICK;
    }
    let (messages, delivered, lost) = w.check_exactly_once_or_known();
    let mut f = Figures {
        messages,
        delivered,
        lost,
        longest_learn: w.longest_learn(),
        ran_after_meetings: w.now.saturating_sub(end),
        supplied: w.supplied,
        silent: w.silent,
        net: w.net.stats(),
        replays_dropped: w.drops.get("Replay").copied().unwrap_or(0),
        results: w.results.clone(),
        stuck: w.stuck(),
        ..Figures::default()
    };
    f.retried = w.count_sent(OutgoingKind::Retry);
    f.resent = w.count_sent(OutgoingKind::Resend);
    f.confirmed = w.count_events(|e| matches!(e, ClientEvent::Confirmed { .. }));
    f.uploads_done = w.count_events(|e| matches!(e, ClientEvent::UploadDone { .. }));
    f.uploads_failed = w.count_events(|e| matches!(e, ClientEvent::UploadFailed { .. }));
    if let Some(case) = case {
        f.contacts = gen0.len();
        f.contacts_told = gen0.iter().filter(|k| told(&w, k, &case)).count();
        if let Some(r1) = w
            .reports
            .iter()
            .find(|r| r.case_id == case && r.generation == 1)
        {
            let _ = r1;
            let chain: BTreeSet<[u8; 32]> = w.heard[1].difference(&gen0).copied().collect();
            // Only addresses B logged before it uploaded count; the upload is B's log then.
            f.chain_contacts = chain.len();
            f.chain_told = chain.iter().filter(|k| told(&w, k, &case)).count();
        }
    }
    // Average over the meeting days (the first day is set-up only, the settle days are quiet).
    let days: Vec<&BTreeMap<Cat, u64>> = day_bytes.iter().skip(1).take(s.days as usize).collect();
    for d in &days {
        for (k, v) in d.iter() {
            *f.per_day.entry(*k).or_default() +=
                *v as f64 / s.clients as f64 / days.len().max(1) as f64;
        }
    }
    (w, f)
}

impl World {
    /// Packets of `kind` sent by all clients (counted from the byte totals of the current day and
    /// the running count).
    pub fn count_sent(&self, kind: OutgoingKind) -> u64 {
        self.sent_by_kind.get(&kind).copied().unwrap_or(0)
    }
}
