//! An in-memory world for the nym protocol: an authority, five mixes, a mailbox server, a
//! nymserver (both also mixes) and many clients. Shared by `tests/nym_end_to_end.rs` and
//! `examples/nym_simulation.rs`. Every client↔server message crosses the mix network as a
//! fixed-size packet; polling is a direct Serve exchange (spec/nym.md §5.2).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet};

use contact_tracing::mix::{
    unpad, DelayDistribution, DiscoveryDocument, EntityEntry, Geometry, MailboxAddress, Mix,
    Outcome, Roles, SECONDS_PER_DAY,
};
use contact_tracing::nym::authority::{ApprovalMode, Authority, Token};
use contact_tracing::nym::{
    Client, ClientConfig, ClientEvent, Mailbox, Notification, Nymserver, NymserverSecret, Outgoing,
    PollResponse, ServerOutput,
};
use ed25519_dalek::SigningKey;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

pub const MAILBOX: u8 = 10;
pub const NYMSERVER: u8 = 20;
pub const MIXES: [u8; 5] = [1, 2, 3, 4, 5];
pub const START: u64 = 20_000 * SECONDS_PER_DAY;

/// Traffic categories counted per client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cat {
    /// Create Swaps of new contact addresses.
    Supply,
    /// Update scheme: replacement Swaps and dummies.
    Update,
    /// Re-arm Swaps after a notification.
    Rearm,
    /// Upload fragments.
    Upload,
    /// Poll requests (sent).
    PollSent,
    /// Poll responses (received).
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
    // Clients see the document as decoded from the wire (signatures checked).
    DiscoveryDocument::decode(&doc.encode()).unwrap()
}

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
    /// Ground truth (harness only): contact address -> owning client.
    pub owner: BTreeMap<[u8; 32], usize>,
    /// Ground truth: for each client, the addresses it logged.
    pub heard: Vec<BTreeSet<[u8; 32]>>,
    /// Events per client.
    pub events: Vec<Vec<ClientEvent>>,
    /// Bytes per client per category for the current day.
    pub bytes: Vec<BTreeMap<Cat, u64>>,
    pub packets: u64,
    pub drops: BTreeMap<String, u64>,
    pub swap_results: BTreeMap<String, u64>,
    pub reports: Vec<contact_tracing::nym::UploadReport>,
}

impl World {
    pub fn new(n_clients: usize, seed: u8) -> World {
        let mut rng = ChaCha20Rng::from_seed([seed; 32]);
        let g = Geometry::FOUR_HOPS;
        let now = START;
        let mut nodes = BTreeMap::new();
        let mut identities = BTreeMap::new();
        for n in MIXES.iter().chain([MAILBOX, NYMSERVER].iter()) {
            let mut m = Mix::new(*n, g, DelayDistribution::Fixed(0));
            m.rotate(now, &mut rng);
            nodes.insert(*n, m);
            identities.insert(*n, SigningKey::from_bytes(&[*n; 32]));
        }
        let authority = Authority::random(&mut rng);
        let ns_secret = NymserverSecret::random(&mut rng);
        let ns_pub = ns_secret.public();
        let nymserver = Nymserver::new(g, ns_secret, authority.public());
        let config = ClientConfig {
            geometry: g,
            mailbox_entity: MAILBOX,
            nymserver_entity: NYMSERVER,
            nymserver_key: ns_pub,
        };
        let mut w = World {
            g,
            now,
            doc: build_doc(&mut nodes, &identities, now, &mut rng),
            nodes,
            identities,
            mailbox: Mailbox::new(g),
            nymserver,
            authority,
            clients: (0..n_clients).map(|_| Client::new(config)).collect(),
            owner: BTreeMap::new(),
            heard: vec![BTreeSet::new(); n_clients],
            events: vec![Vec::new(); n_clients],
            bytes: vec![BTreeMap::new(); n_clients],
            packets: 0,
            drops: BTreeMap::new(),
            swap_results: BTreeMap::new(),
            reports: Vec::new(),
            rng,
        };
        w.publish();
        w
    }

    /// Rotates every node's day keys and publishes a fresh Discovery document.
    pub fn publish(&mut self) {
        self.doc = build_doc(&mut self.nodes, &self.identities, self.now, &mut self.rng);
    }

    fn count(&mut self, c: usize, cat: Cat, n: u64) {
        *self.bytes[c].entry(cat).or_default() += n;
    }

    /// Delivers a packet through the network until it is stored, handed to the nymserver, or
    /// dropped; follows packets the nymserver sends in turn.
    pub fn deliver(&mut self, first_hop: u8, packet: Vec<u8>) {
        let mut queue = vec![(first_hop, packet)];
        while let Some((hop, bytes)) = queue.pop() {
            assert_eq!(
                bytes.len(),
                self.g.packet_len(),
                "every packet is 380 bytes"
            );
            self.packets += 1;
            let node = self.nodes.get_mut(&hop).expect("known entity");
            let p = match node.process(self.now, &bytes, &mut self.rng) {
                Ok(p) => p,
                Err(e) => {
                    *self.drops.entry(format!("{e:?}")).or_default() += 1;
                    continue;
                }
            };
            match p.outcome {
                Outcome::Forward { next, packet } => queue.push((next, packet)),
                Outcome::Deliver { mailbox, payload } => {
                    assert_eq!(hop, MAILBOX);
                    self.mailbox.receive(self.now, mailbox, &payload).unwrap();
                }
                Outcome::Swap { payload } => {
                    assert_eq!(hop, NYMSERVER);
                    let m = unpad(&payload).unwrap().to_vec();
                    match self.nymserver.handle_message(self.now, &m, &mut self.rng) {
                        Ok(ServerOutput::Swap(s)) => {
                            let key = match s {
                                contact_tracing::nym::SwapOutcome::Created => "created",
                                contact_tracing::nym::SwapOutcome::Replaced(None) => "replaced",
                                contact_tracing::nym::SwapOutcome::Replaced(Some((h, p))) => {
                                    queue.push((h, p.into_bytes()));
                                    "replaced+queued"
                                }
                            };
                            *self.swap_results.entry(key.into()).or_default() += 1;
                        }
                        Ok(ServerOutput::FragmentStored) => {}
                        Ok(ServerOutput::Upload(r)) => {
                            for (h, p) in &r.packets {
                                queue.push((*h, p.as_bytes().to_vec()));
                            }
                            self.reports.push(r);
                        }
                        Err(e) => *self.swap_results.entry(format!("{e:?}")).or_default() += 1,
                    }
                }
            }
        }
    }

    pub fn send(&mut self, c: usize, cat: Cat, out: Vec<Outgoing>) {
        for o in out {
            self.count(c, cat, o.packet.as_bytes().len() as u64);
            self.deliver(o.first_hop, o.packet.into_bytes());
        }
    }

    /// Client `c` creates the contact address of the current slot.
    pub fn supply(&mut self, c: usize) {
        let out = self.clients[c]
            .supply(self.now, &self.doc, &mut self.rng)
            .unwrap();
        let k = self.clients[c].addresses().last().unwrap();
        self.owner.insert(k, c);
        self.send(c, Cat::Supply, vec![out]);
    }

    /// `a` and `b` meet: each challenges the other and logs the answer.
    pub fn meet(&mut self, a: usize, b: usize, duration: u16) {
        for (x, y) in [(a, b), (b, a)] {
            let mut n = [0u8; 16];
            self.rng.fill_bytes(&mut n);
            let resp = self.clients[y].respond(self.now, &n).unwrap();
            // A tampered answer is refused.
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

    /// Every client runs its update schedule.
    pub fn tick_all(&mut self) {
        for c in 0..self.clients.len() {
            let out = self.clients[c]
                .tick(self.now, &self.doc, &mut self.rng)
                .unwrap();
            self.send(c, Cat::Update, out);
        }
    }

    /// Client `c` polls all its mailboxes and handles the answers.
    pub fn poll(&mut self, c: usize) {
        for a in self.clients[c].poll_addresses(self.now) {
            let payloads = self.mailbox.serve(self.now, &a);
            let resp = PollResponse { payloads };
            let wire = resp.encode();
            self.count(c, Cat::PollSent, a.0.len() as u64);
            self.count(c, Cat::PollReceived, wire.len() as u64);
            let got = PollResponse::decode(self.g, &wire).unwrap();
            let (events, out) = self.clients[c]
                .handle_poll(self.now, &a, &got.payloads, &self.doc, &mut self.rng)
                .unwrap();
            self.events[c].extend(events);
            self.send(c, Cat::Rearm, out);
        }
    }

    pub fn poll_all(&mut self) {
        for c in 0..self.clients.len() {
            self.poll(c);
        }
    }

    /// The authority issues a token; client `c` uploads its log.
    pub fn report_infection(&mut self, c: usize, max_generation: u8) -> Token {
        let token = self.authority.issue_with_rng(
            840,
            max_generation,
            ApprovalMode::Authority,
            self.now + SECONDS_PER_DAY,
            &mut self.rng,
        );
        let out = self.clients[c]
            .report_infection(self.now, &token, &self.doc, &mut self.rng)
            .unwrap();
        self.send(c, Cat::Upload, out);
        token
    }

    /// The authority approves the last held batch.
    pub fn approve_last(&mut self) {
        let r = self.reports.last().expect("an upload").clone();
        assert!(r.held, "the case requires approval");
        let approval = self.authority.approve(r.case_id, r.batch, true);
        let packets = self.nymserver.approve(self.now, &approval).unwrap();
        for (h, p) in packets {
            self.deliver(h, p.into_bytes());
        }
    }

    pub fn notifications(&self, c: usize) -> Vec<([u8; 32], Notification)> {
        self.events[c]
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Notified {
                    address,
                    notification,
                } => Some((*address, *notification)),
                ClientEvent::Dummy => None,
            })
            .collect()
    }

    /// Clients owning an address that `c` logged.
    pub fn contacts_of(&self, c: usize) -> BTreeSet<usize> {
        self.heard[c].iter().map(|k| self.owner[k]).collect()
    }

    pub fn mailbox_of(&self, a: MailboxAddress) -> usize {
        self.mailbox.serve(self.now, &a).len()
    }
}
