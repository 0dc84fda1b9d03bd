//! A seeded hostile network shared by the end-to-end simulations (`tests/nym_world`, the mix
//! network, the event cascade, encounter reports) and `examples/nym_simulation`.
//!
//! Packets are handed to [`Network::send`] with the time they leave and a destination; they come
//! out of [`Network::deliver_due`] at the time they arrive. Between the two the network may, at
//! the rates of [`Faults`] and from one ChaCha20 stream (so every run is reproducible from its
//! seed):
//!
//! * **drop** a packet;
//! * **duplicate** it (the copy takes its own path, so it may arrive before or after the original);
//! * **delay** it by `1..=max_delay` seconds;
//! * **reorder** it: deliver it after packets sent later in the same second;
//! * **replay** it: an attacker keeps a copy and injects it again `1..=max_replay_delay` seconds
//!   later (a replay is never dropped or delayed further: it is the attacker's own packet).
//!
//! An [`Adversary`] sees every packet first and may drop the ones it chooses (for example "the
//! first replace Swap of client 3"); its drops are counted apart from random loss.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// Fault rates, each a probability in `[0, 1]` applied independently to every packet sent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Faults {
    /// Probability that a packet is lost.
    pub drop: f64,
    /// Probability that a packet is delivered twice.
    pub duplicate: f64,
    /// Probability that a packet is delayed.
    pub delay: f64,
    /// Largest delay in seconds (at least 1 when `delay > 0`).
    pub max_delay: u64,
    /// Probability that a packet is delivered after later packets of the same second.
    pub reorder: f64,
    /// Probability that an attacker records the packet and injects a copy later.
    pub replay: f64,
    /// Largest replay delay in seconds (at least 1 when `replay > 0`).
    pub max_replay_delay: u64,
}

impl Faults {
    /// A perfect network: every packet arrives once, in order, when sent.
    pub const NONE: Faults = Faults {
        drop: 0.0,
        duplicate: 0.0,
        delay: 0.0,
        max_delay: 0,
        reorder: 0.0,
        replay: 0.0,
        max_replay_delay: 0,
    };

    /// Every fault at the same `rate` (the "loss rates 0, 1%, 5% and 20%"): drops,
    /// duplicates, delays of up to `max_delay` seconds, reordering and replays of up to an hour.
    pub fn uniform(rate: f64, max_delay: u64) -> Faults {
        Faults {
            drop: rate,
            duplicate: rate,
            delay: rate,
            max_delay: max_delay.max(1),
            reorder: rate,
            replay: rate,
            max_replay_delay: 3_600,
        }
    }

    /// Only random loss at `rate`.
    pub fn loss_only(rate: f64) -> Faults {
        Faults {
            drop: rate,
            ..Faults::NONE
        }
    }
}

/// What happened to the packets, for the figures the simulations print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Packets handed to `send`.
    pub sent: u64,
    /// Dropped at random.
    pub dropped: u64,
    /// Dropped by the adversary.
    pub dropped_by_adversary: u64,
    /// Extra copies delivered.
    pub duplicated: u64,
    /// Packets delayed.
    pub delayed: u64,
    /// Packets delivered after later ones.
    pub reordered: u64,
    /// Copies injected by the attacker.
    pub replayed: u64,
    /// Packets (originals, copies and replays) handed out by `deliver_due`.
    pub delivered: u64,
}

/// One packet on its way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope<A, P> {
    /// Where it goes.
    pub to: A,
    /// The bytes (or any value) carried.
    pub packet: P,
    /// When it was sent.
    pub sent_at: u64,
    /// Whether this is an attacker's replay or a duplicate rather than the original.
    pub copy: Copy,
}

/// Which instance of a packet an envelope is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copy {
    /// The packet as sent.
    Original,
    /// A duplicate made by the network.
    Duplicate,
    /// An attacker's replay.
    Replay,
}

/// Chooses packets to drop: called once per packet sent, before any random fault.
pub trait Adversary<A, P> {
    /// Whether to drop this packet.
    fn drops(&mut self, envelope: &Envelope<A, P>) -> bool;
}

/// An adversary that drops nothing.
pub struct Passive;

impl<A, P> Adversary<A, P> for Passive {
    fn drops(&mut self, _: &Envelope<A, P>) -> bool {
        false
    }
}

/// An adversary given as a closure.
pub struct DropWhen<F>(pub F);

impl<A, P, F: FnMut(&Envelope<A, P>) -> bool> Adversary<A, P> for DropWhen<F> {
    fn drops(&mut self, envelope: &Envelope<A, P>) -> bool {
        (self.0)(envelope)
    }
}

/// The network: packets in flight ordered by arrival time, then by a sequence number that
/// reordering perturbs.
pub struct Network<A, P> {
    rng: ChaCha20Rng,
    faults: Faults,
    adversary: Box<dyn Adversary<A, P>>,
    /// (arrival time, order key) -> envelope.
    in_flight: BTreeMap<(u64, u64), Envelope<A, P>>,
    next_seq: u64,
    stats: NetStats,
}

impl<A: Clone, P: Clone> Network<A, P> {
    /// A network with the given faults, drawing its randomness from `seed`.
    pub fn new(seed: u64, faults: Faults) -> Self {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..].copy_from_slice(b"contact-tracing hostile network!"[..24].as_ref());
        Network {
            rng: ChaCha20Rng::from_seed(key),
            faults,
            adversary: Box::new(Passive),
            in_flight: BTreeMap::new(),
            next_seq: 0,
            stats: NetStats::default(),
        }
    }

    /// Installs an adversary (replacing any earlier one).
    pub fn with_adversary(mut self, adversary: impl Adversary<A, P> + 'static) -> Self {
        self.adversary = Box::new(adversary);
        self
    }

    /// The fault rates.
    pub fn faults(&self) -> Faults {
        self.faults
    }

    /// The counters so far.
    pub fn stats(&self) -> NetStats {
        self.stats
    }

    /// Packets still in flight (including scheduled replays).
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The earliest arrival time of a packet in flight.
    pub fn next_arrival(&self) -> Option<u64> {
        self.in_flight.keys().next().map(|(t, _)| *t)
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.rng.next_u64() as f64) < p * (u64::MAX as f64)
    }

    fn up_to(&mut self, max: u64) -> u64 {
        1 + self.rng.next_u64() % max.max(1)
    }

    fn schedule(&mut self, at: u64, envelope: Envelope<A, P>, late_in_second: bool) {
        // Sequence numbers grow by 2^20 per packet; a reordered packet is pushed behind the
        // next 2^20 packets of its second, which in these simulations means "all of them".
        self.next_seq += 1 << 20;
        let key = if late_in_second {
            self.next_seq + (1 << 40)
        } else {
            self.next_seq
        };
        self.in_flight.insert((at, key), envelope);
    }

    /// Sends `packet` to `to` at time `now`.
    pub fn send(&mut self, now: u64, to: A, packet: P) {
        self.stats.sent += 1;
        let envelope = Envelope {
            to,
            packet,
            sent_at: now,
            copy: Copy::Original,
        };
        if self.adversary.drops(&envelope) {
            self.stats.dropped_by_adversary += 1;
            return;
        }
        if self.chance(self.faults.replay) {
            let at = now + self.up_to(self.faults.max_replay_delay);
            let replay = Envelope {
                copy: Copy::Replay,
                ..envelope.clone()
            };
            self.stats.replayed += 1;
            self.schedule(at, replay, false);
        }
        if self.chance(self.faults.drop) {
            self.stats.dropped += 1;
            return;
        }
        let copies = if self.chance(self.faults.duplicate) {
            self.stats.duplicated += 1;
            2
        } else {
            1
        };
        for i in 0..copies {
            let mut at = now;
            if self.chance(self.faults.delay) {
                self.stats.delayed += 1;
                at += self.up_to(self.faults.max_delay);
            }
            let late = self.chance(self.faults.reorder);
            if late {
                self.stats.reordered += 1;
            }
            let copy = if i == 0 {
                Copy::Original
            } else {
                Copy::Duplicate
            };
            self.schedule(
                at,
                Envelope {
                    copy,
                    ..envelope.clone()
                },
                late,
            );
        }
    }

    /// Removes and returns, in arrival order, every packet that has arrived by `now`.
    pub fn deliver_due(&mut self, now: u64) -> Vec<Envelope<A, P>> {
        let later = self.in_flight.split_off(&(now + 1, 0));
        let due = std::mem::replace(&mut self.in_flight, later);
        self.stats.delivered += due.len() as u64;
        due.into_values().collect()
    }

    /// Removes and returns the first packet to arrive, if it arrives by `now`.
    pub fn deliver_next(&mut self, now: u64) -> Option<Envelope<A, P>> {
        let (&(at, key), _) = self.in_flight.iter().next()?;
        if at > now {
            return None;
        }
        self.stats.delivered += 1;
        self.in_flight.remove(&(at, key))
    }
}
