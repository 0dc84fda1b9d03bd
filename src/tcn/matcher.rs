//! The receiving side: matching published reports against observed numbers (`spec/tcn.md §8`).
//!
//! The observed set is an open-addressing hash table of 16-byte numbers. TCNs are outputs of
//! SHA-256, so their first eight bytes are already uniformly distributed and serve as the hash;
//! a probe costs one cache line. Reports are verified once each, in batches, then every disclosed
//! number is recomputed (three SHA-256 compressions) and looked up. Memory is the observed set plus
//! the matches found: reports are borrowed, never copied.

use alloc::vec::Vec;

use super::keys::TemporaryContactNumber;
use super::report::{verify_batch, Report, SignedReport};
use super::TcnError;

/// A set of observed temporary contact numbers, tuned for lookups.
#[derive(Clone, Debug)]
pub struct ObservedSet {
    /// Power-of-two table; the all-zero entry marks an empty slot.
    slots: Vec<[u8; 16]>,
    len: usize,
    /// Whether the (astronomically unlikely) all-zero number was inserted.
    has_zero: bool,
}

impl Default for ObservedSet {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl ObservedSet {
    /// An empty set with room for `n` numbers before it grows.
    pub fn with_capacity(n: usize) -> Self {
        let slots = n.saturating_mul(2).max(16).next_power_of_two();
        ObservedSet {
            slots: alloc::vec![[0u8; 16]; slots],
            len: 0,
            has_zero: false,
        }
    }

    /// Number of distinct numbers in the set.
    pub fn len(&self) -> usize {
        self.len + usize::from(self.has_zero)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    fn home(&self, tcn: &[u8; 16]) -> usize {
        let mut head = [0u8; 8];
        head.iter_mut().zip(tcn.iter()).for_each(|(d, s)| *d = *s);
        (u64::from_le_bytes(head) as usize) & self.mask()
    }

    /// The slots to probe for `tcn`, in order: linear probing from its home slot, once around
    /// the table at most, so that no probe sequence can run forever.
    fn probe(&self, tcn: &[u8; 16]) -> impl Iterator<Item = usize> {
        let mask = self.mask();
        let home = self.home(tcn);
        (0..self.slots.len()).map(move |step| (home + step) & mask)
    }

    /// Adds a number; returns whether it was new.
    pub fn insert(&mut self, tcn: TemporaryContactNumber) -> bool {
        if tcn.0 == [0u8; 16] {
            return !core::mem::replace(&mut self.has_zero, true);
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        for i in self.probe(&tcn.0) {
            let Some(slot) = self.slots.get_mut(i) else {
                break;
            };
            if *slot == tcn.0 {
                return false;
            }
            if *slot == [0u8; 16] {
                *slot = tcn.0;
                self.len += 1;
                return true;
            }
        }
        false
    }

    fn grow(&mut self) {
        let doubled = alloc::vec![[0u8; 16]; self.slots.len() * 2];
        let old = core::mem::replace(&mut self.slots, doubled);
        self.len = 0;
        for tcn in old.into_iter().filter(|t| *t != [0u8; 16]) {
            self.insert(TemporaryContactNumber(tcn));
        }
    }

    /// Whether the set holds `tcn`.
    #[inline]
    pub fn contains(&self, tcn: &TemporaryContactNumber) -> bool {
        if tcn.0 == [0u8; 16] {
            return self.has_zero;
        }
        // The load factor stays at or below 1/2, so an empty slot ends every probe sequence.
        for i in self.probe(&tcn.0) {
            match self.slots.get(i) {
                Some(slot) if *slot == tcn.0 => return true,
                Some(slot) if *slot != [0u8; 16] => {}
                _ => return false,
            }
        }
        false
    }
}

impl FromIterator<TemporaryContactNumber> for ObservedSet {
    fn from_iter<I: IntoIterator<Item = TemporaryContactNumber>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut set = ObservedSet::with_capacity(iter.size_hint().0);
        for tcn in iter {
            set.insert(tcn);
        }
        set
    }
}

/// One observed number found in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    /// Position of the report in the input.
    pub report: usize,
    /// The TCN index within that report's key chain.
    pub index: u16,
    /// The matching number.
    pub tcn: TemporaryContactNumber,
}

/// What a run of the matcher found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatchOutcome {
    /// Every match, ordered by report position and then index.
    pub matches: Vec<Match>,
    /// Reports that failed verification, with their position and error; they are not scanned.
    pub rejected: Vec<(usize, TcnError)>,
}

/// Matches reports against an [`ObservedSet`].
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    observed: ObservedSet,
}

/// Reports verified per multi-scalar multiplication: large enough for Pippenger's method to pay
/// off, small enough that a forged report forces little re-checking.
const VERIFY_CHUNK: usize = 256;

impl Matcher {
    /// A matcher over the numbers this device observed.
    pub fn new(observed: ObservedSet) -> Self {
        Matcher { observed }
    }

    /// The observed set.
    pub fn observed(&self) -> &ObservedSet {
        &self.observed
    }

    /// Scans one report that the caller has already verified, appending its matches.
    pub fn scan(&self, report: &Report, position: usize, out: &mut Vec<Match>) {
        for (index, tcn) in report.indexed_temporary_contact_numbers() {
            if self.observed.contains(&tcn) {
                out.push(Match {
                    report: position,
                    index,
                    tcn,
                });
            }
        }
    }

    /// Verifies every report once (in batches, `spec/tcn.md §5.3`) and scans those that pass.
    pub fn match_reports(&self, reports: &[SignedReport]) -> MatchOutcome {
        let mut outcome = MatchOutcome::default();
        let mut offset = 0;
        for chunk in reports.chunks(VERIFY_CHUNK) {
            for (i, (report, verdict)) in chunk.iter().zip(verify_batch(chunk)).enumerate() {
                match verdict {
                    Ok(()) => {
                        self.scan(report.unverified_report(), offset + i, &mut outcome.matches)
                    }
                    Err(e) => outcome.rejected.push((offset + i, e)),
                }
            }
            offset += chunk.len();
        }
        outcome
    }

    /// [`Matcher::match_reports`] on `threads` threads; the outcome is identical.
    #[cfg(feature = "std")]
    pub fn match_reports_parallel(&self, reports: &[SignedReport], threads: usize) -> MatchOutcome {
        let threads = threads.max(1);
        let per_thread = reports.len().div_ceil(threads).max(1);
        let parts: Vec<(usize, MatchOutcome)> = std::thread::scope(|scope| {
            let handles: Vec<_> = reports
                .chunks(per_thread)
                .enumerate()
                .map(|(k, chunk)| {
                    (
                        k * per_thread,
                        scope.spawn(move || self.match_reports(chunk)),
                    )
                })
                .collect();
            handles
                .into_iter()
                .map(|(offset, h)| (offset, h.join().unwrap_or_default()))
                .collect()
        });
        let mut outcome = MatchOutcome::default();
        for (offset, part) in parts {
            outcome
                .matches
                .extend(part.matches.into_iter().map(|m| Match {
                    report: m.report + offset,
                    ..m
                }));
            outcome
                .rejected
                .extend(part.rejected.into_iter().map(|(i, e)| (i + offset, e)));
        }
        outcome
    }
}
