//! The mix: day keys, replay cache and the `process` state machine (`spec/mix.md §7`, `§8`).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use curve25519_dalek::montgomery::MontgomeryPoint;
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::geometry::{Geometry, KEY_SELECT_COUNT};
use super::hop::{Outcome, PacketView, ReplayTag};
use super::packet::Packet;
use super::MixError;

/// Seconds per day; `day(now) = now / 86400` (`spec/mix.md §8`).
pub const SECONDS_PER_DAY: u64 = 86_400;
/// A day key is live for 30 days from the day it comes into force.
pub const KEY_LIFETIME_DAYS: u32 = 30;
/// Day keys are generated and published 30 days before they come into force.
pub const KEY_PUBLISH_AHEAD_DAYS: u32 = 30;
/// Most day keys a keyring holds after [`Keyring::rotate`]: 30 live and 30 ahead
/// (`spec/mix.md §8.2`).
pub const MAX_HELD_DAYS: usize = 60;
/// Default bound of one day's replay-cache partition (`spec/mix.md §8.2`): 2^21 tags, about
/// 2.4 times the share of one key day at the design load of 10 packets per second.
pub const DEFAULT_REPLAY_CAPACITY_PER_DAY: usize = 2_097_152;

/// The day number of `now` (Unix seconds), saturating at `u32::MAX`.
pub fn day_of(now: u64) -> u32 {
    u32::try_from(now / SECONDS_PER_DAY).unwrap_or(u32::MAX)
}

/// `KS = d mod 60` (`spec/mix.md §8.1`).
pub fn key_select_for_day(day: u32) -> u8 {
    u8::try_from(day % u32::from(KEY_SELECT_COUNT)).unwrap_or(0)
}

/// Resolves a key select at `now` to the live day it names (`spec/mix.md §8.1`, §7.1 steps 2–3).
///
/// `MIX_UNKNOWN_KEY_SELECT` for a reserved value, `MIX_KEY_EXPIRED` if the day it names in the
/// last 60 days is older than the 30-day lifetime.
pub fn resolve_key_select(key_select: u8, now: u64) -> Result<u32, MixError> {
    // SPEC: spec/mix.md#process (MIX-PROC-2)
    if key_select >= KEY_SELECT_COUNT {
        return Err(MixError::UnknownKeySelect);
    }
    let today = day_of(now);
    let n = u32::from(KEY_SELECT_COUNT);
    let back = (today % n + n - u32::from(key_select)) % n;
    // SPEC: spec/mix.md#process (MIX-PROC-3)
    let day = today.checked_sub(back).ok_or(MixError::KeyExpired)?;
    if back >= KEY_LIFETIME_DAYS {
        return Err(MixError::KeyExpired);
    }
    Ok(day)
}

/// A mix's X25519 secret for one day. Zeroized on drop; `Debug` prints only the public key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MixSecret([u8; 32]);

impl core::fmt::Debug for MixSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MixSecret(public: {:02x?})", self.public_key())
    }
}

impl MixSecret {
    /// A secret from 32 bytes (clamped when used).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        MixSecret(bytes)
    }
    /// A fresh secret from `rng`.
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        MixSecret(b)
    }
    /// The raw secret bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// `X25519(secret, 9)`.
    pub fn public_key(&self) -> [u8; 32] {
        MontgomeryPoint::mul_base_clamped(self.0).to_bytes()
    }
}

/// Storage of replay tags, partitioned by key day (`spec/mix.md §8.2`, size `§8.3`).
pub trait ReplayStore {
    /// Whether `tag` was recorded under `day`.
    fn contains(&self, day: u32, tag: &ReplayTag) -> bool;
    /// How many tags are recorded under `day` (what the partition bound of `spec/mix.md §8.2`
    /// is checked against).
    fn day_len(&self, day: u32) -> usize;
    /// Records `tag` under `day`.
    fn insert(&mut self, day: u32, tag: ReplayTag);
    /// Forgets every tag of `day` (its key expired).
    fn drop_day(&mut self, day: u32);
}

/// The in-memory [`ReplayStore`]: one B-tree set of 16-byte tags per day.
#[derive(Clone, Debug, Default)]
pub struct MemoryReplayStore {
    days: BTreeMap<u32, BTreeSet<ReplayTag>>,
}

impl MemoryReplayStore {
    /// Total number of recorded tags.
    pub fn len(&self) -> usize {
        self.days.values().map(BTreeSet::len).sum()
    }
    /// Whether no tag is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Days that have a partition.
    pub fn days(&self) -> impl Iterator<Item = u32> + '_ {
        self.days.keys().copied()
    }
}

impl ReplayStore for MemoryReplayStore {
    fn contains(&self, day: u32, tag: &ReplayTag) -> bool {
        self.days.get(&day).is_some_and(|s| s.contains(tag))
    }
    fn day_len(&self, day: u32) -> usize {
        self.days.get(&day).map_or(0, BTreeSet::len)
    }
    fn insert(&mut self, day: u32, tag: ReplayTag) {
        self.days.entry(day).or_default().insert(tag);
    }
    fn drop_day(&mut self, day: u32) {
        self.days.remove(&day);
    }
}

/// A mix's day keys (`spec/mix.md §8`).
#[derive(Clone, Debug, Default)]
pub struct Keyring {
    keys: BTreeMap<u32, MixSecret>,
}

impl Keyring {
    /// An empty keyring.
    pub fn new() -> Self {
        Self::default()
    }
    /// Installs `secret` as the key of `day` (replacing any).
    pub fn insert(&mut self, day: u32, secret: MixSecret) {
        self.keys.insert(day, secret);
    }
    /// The secret of `day`, if held.
    pub fn secret(&self, day: u32) -> Option<&MixSecret> {
        self.keys.get(&day)
    }
    /// Held days, ascending.
    pub fn days(&self) -> impl Iterator<Item = u32> + '_ {
        self.keys.keys().copied()
    }
    /// Number of held day keys (at most [`MAX_HELD_DAYS`] after [`Keyring::rotate`]).
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    /// Public keys of consecutive held days starting at the first held day that is live at
    /// `now`: what a Discovery entry lists (`spec/mix.md §8.2`, `MIX-KEYS-2`).
    pub fn published(&self, now: u64) -> (u32, Vec<[u8; 32]>) {
        let today = day_of(now);
        let first = today.saturating_sub(KEY_LIFETIME_DAYS - 1);
        let mut start = None;
        let mut keys = Vec::new();
        for (&d, s) in self.keys.range(first..) {
            match start {
                None => start = Some(d),
                Some(st) if d != st + u32::try_from(keys.len()).unwrap_or(u32::MAX) => break,
                _ => {}
            }
            keys.push(s.public_key());
            if keys.len() >= super::discovery::MAX_KEYS_PER_ENTRY {
                break;
            }
        }
        (start.unwrap_or(today), keys)
    }
    /// Generates missing keys for days `today ..= today + 30` and destroys keys of days
    /// `<= today - 30`; returns the destroyed days (`spec/mix.md §8.2`, `MIX-KEYS-1`).
    pub fn rotate(&mut self, now: u64, rng: &mut impl CryptoRngCore) -> Vec<u32> {
        let today = day_of(now);
        for d in today..=today.saturating_add(KEY_PUBLISH_AHEAD_DAYS) {
            self.keys.entry(d).or_insert_with(|| MixSecret::random(rng));
        }
        let expired: Vec<u32> = self
            .keys
            .keys()
            .copied()
            .filter(|&d| d.saturating_add(KEY_LIFETIME_DAYS) <= today)
            .collect();
        for d in &expired {
            self.keys.remove(d);
        }
        expired
    }
}

/// How a mix draws the delay of each packet, in seconds (`spec/mix.md §7.2`, `MIX-DELAY-1`): local policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelayDistribution {
    /// Always `n` seconds (0 for tests and vectors).
    Fixed(u64),
    /// Uniform over `min..=max` by rejection sampling on `rng.next_u64()`.
    Uniform {
        /// Smallest delay.
        min: u64,
        /// Largest delay.
        max: u64,
    },
}

impl DelayDistribution {
    /// Draws one delay.
    pub fn sample(&self, rng: &mut impl CryptoRngCore) -> u64 {
        match *self {
            DelayDistribution::Fixed(n) => n,
            DelayDistribution::Uniform { min, max } => {
                let (lo, hi) = if min <= max { (min, max) } else { (max, min) };
                let span = u128::from(hi - lo) + 1;
                if span > u128::from(u64::MAX) {
                    return rng.next_u64();
                }
                let span = span as u64;
                let zone = u64::MAX - (u64::MAX % span + 1) % span;
                loop {
                    let u = rng.next_u64();
                    if u <= zone {
                        return lo + u % span;
                    }
                }
            }
        }
    }
}

/// The result of [`Mix::process`]: what to do, after how many seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Processed {
    /// Seconds to wait before acting.
    pub delay: u64,
    /// Forward, deliver or swap.
    pub outcome: Outcome,
}

impl Processed {
    /// For a forward: the next entity and the packet.
    pub fn forward(&self) -> Option<(u8, Packet)> {
        match &self.outcome {
            Outcome::Forward { next, packet } => Some((*next, Packet::from_vec(packet.clone()))),
            _ => None,
        }
    }
}

/// One mix (also a mailbox server or nymserver): the state machine of `spec/mix.md §7`.
#[derive(Debug)]
pub struct Mix<S: ReplayStore = MemoryReplayStore> {
    number: u8,
    geometry: Geometry,
    keyring: Keyring,
    replay: S,
    replay_capacity: usize,
    delay: DelayDistribution,
}

impl Mix<MemoryReplayStore> {
    /// A mix with the in-memory replay store and no keys yet.
    pub fn new(number: u8, geometry: Geometry, delay: DelayDistribution) -> Self {
        Self::with_store(number, geometry, delay, MemoryReplayStore::default())
    }
}

impl<S: ReplayStore> Mix<S> {
    /// A mix with a caller-provided replay store.
    pub fn with_store(number: u8, geometry: Geometry, delay: DelayDistribution, store: S) -> Self {
        Mix {
            number,
            geometry,
            keyring: Keyring::new(),
            replay: store,
            replay_capacity: DEFAULT_REPLAY_CAPACITY_PER_DAY,
            delay,
        }
    }
    /// This mix's entity number.
    pub fn number(&self) -> u8 {
        self.number
    }
    /// The network geometry.
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }
    /// The day keys.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }
    /// The day keys, mutable (to install fixed keys).
    pub fn keyring_mut(&mut self) -> &mut Keyring {
        &mut self.keyring
    }
    /// The replay store.
    pub fn replay_store(&self) -> &S {
        &self.replay
    }
    /// The bound of each day's replay-cache partition (`spec/mix.md §8.2`; default
    /// [`DEFAULT_REPLAY_CAPACITY_PER_DAY`]).
    pub fn replay_capacity(&self) -> usize {
        self.replay_capacity
    }
    /// Sets the bound of each day's replay-cache partition. When a partition holds this many
    /// tags, further packets on that day's key are dropped with `MIX_REPLAY_CACHE_FULL` until the
    /// key expires; already recorded tags stay, so replays are still dropped.
    pub fn set_replay_capacity(&mut self, per_day: usize) {
        self.replay_capacity = per_day;
    }
    /// Key rotation (`spec/mix.md §8.2`): create keys 30 days ahead, destroy expired keys and
    /// drop their replay partitions. Returns the destroyed days.
    pub fn rotate(&mut self, now: u64, rng: &mut impl CryptoRngCore) -> Vec<u32> {
        let dropped = self.keyring.rotate(now, rng);
        for d in &dropped {
            self.replay.drop_day(*d);
        }
        dropped
    }

    /// Processes one packet at time `now` (`spec/mix.md §7`). `Err` is a silent drop with its
    /// reason; the state changes only when the MAC verified (the tag is recorded).
    pub fn process(
        &mut self,
        now: u64,
        packet: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<Processed, MixError> {
        let view = PacketView::parse(self.geometry, packet)?;
        let day = resolve_key_select(view.key_select(), now)?;
        // SPEC: spec/mix.md#process (MIX-PROC-4)
        let secret = self.keyring.secret(day).ok_or(MixError::UnknownKeySelect)?;
        let tag = view.replay_tag();
        // SPEC: spec/mix.md#process (MIX-PROC-5)
        if self.replay.contains(day, &tag) {
            return Err(MixError::Replay);
        }
        // SPEC: spec/mix.md#process (MIX-PROC-5b): the partition bound, still before any DH.
        if self.replay.day_len(day) >= self.replay_capacity {
            return Err(MixError::ReplayCacheFull);
        }
        let auth = view.authenticate(secret.as_bytes())?;
        // SPEC: spec/mix.md#process (MIX-PROC-8): recorded only after the MAC passed.
        self.replay.insert(day, tag);
        let outcome = auth.finish()?;
        let delay = self.delay.sample(rng);
        Ok(Processed { delay, outcome })
    }
}
