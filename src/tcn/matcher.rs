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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcn::work;
    use crate::tcn::{MemoType, ReportAuthorizationKey};
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn range(r: &SignedReport) -> u64 {
        let r = r.unverified_report();
        u64::from(r.j2()) - u64::from(r.j1()) + 1
    }

    /// `spec/tcn.md §8.1`, the matches and work rows, measured: a call flooded with many
    /// republished copies of a maximal report (`j1 = 1, j2 = 65 535`), forged copies of it and a
    /// few honest reports costs exactly `3 × (j2 − j1 + 1)` SHA-256 compressions per valid report
    /// and none for a rejected one, prepares each report's signature once, weighs each signature in
    /// one batch equation per chunk (plus at most `⌈log2 256⌉ = 8` more in a chunk with a forgery),
    /// and yields at most `min(j2 − j1 + 1, len())` matches per report, however often it repeats.
    #[test]
    fn the_work_and_matches_of_one_call_are_bounded() {
        let mut rng = ChaCha20Rng::seed_from_u64(81);
        let attacker = ReportAuthorizationKey::generate(&mut rng);
        let flood = attacker
            .create_report(MemoType::COEPI_SYMPTOM_V1, b"", 1, u16::MAX)
            .unwrap();
        let flood_numbers: Vec<TemporaryContactNumber> = flood
            .unverified_report()
            .temporary_contact_numbers()
            .collect();
        let mut forged_bytes = flood.to_vec();
        forged_bytes[102] ^= 1; // the low byte of S: still canonical, fails the equation
        let forged = SignedReport::decode(&forged_bytes).unwrap();
        let honest: Vec<SignedReport> = (0..3u16)
            .map(|k| {
                ReportAuthorizationKey::generate(&mut rng)
                    .create_report(MemoType::COEPI_SYMPTOM_V1, b"", 10 + k, 14 + k)
                    .unwrap()
            })
            .collect();
        let honest_numbers: Vec<Vec<TemporaryContactNumber>> = honest
            .iter()
            .map(|r| r.unverified_report().temporary_contact_numbers().collect())
            .collect();

        // Observed: 40 of the attacker's numbers, all 5 of the first honest report's, 1 of the
        // second's, none of the third's.
        let mut observed = ObservedSet::default();
        for tcn in flood_numbers.iter().step_by(1600).take(40) {
            observed.insert(*tcn);
        }
        for tcn in &honest_numbers[0] {
            observed.insert(*tcn);
        }
        observed.insert(honest_numbers[1][3]);
        assert_eq!(observed.len(), 46);

        // 12 flood copies and 2 forged copies, the honest reports in between.
        let mut reports = Vec::new();
        for i in 0..12 {
            reports.push(flood.clone());
            if i % 6 == 5 {
                reports.push(forged.clone());
            }
            if i % 4 == 1 {
                reports.push(honest[i / 4].clone());
            }
        }
        let n = reports.len();
        assert_eq!(n, 12 + 2 + 3);

        let matcher = Matcher::new(observed.clone());
        work::reset();
        let outcome = matcher.match_reports(&reports);
        let spent = work::read();

        let rejected: Vec<usize> = outcome.rejected.iter().map(|(i, _)| *i).collect();
        assert_eq!(rejected.len(), 2);
        assert!(outcome
            .rejected
            .iter()
            .all(|(i, e)| *e == TcnError::SignatureMismatch && reports[*i] == forged));
        // Work: exactly three compressions per disclosed number of each valid report, none for a
        // rejected one; each bounded by 3 × 65 535 = 196 605.
        let valid_numbers: u64 = (0..n)
            .filter(|i| !rejected.contains(i))
            .map(|i| range(&reports[i]))
            .sum();
        assert_eq!(spent.compressions, 3 * valid_numbers);
        assert_eq!(valid_numbers, 12 * 65_535 + 3 * 5);
        assert!(reports.iter().all(|r| 3 * range(r) <= 196_605));
        // One preparation per report; every signature weighed in the chunk's equation, and the
        // bisection that isolates the forgeries weighs each at most 8 more times.
        assert_eq!(spent.prepared, n as u64);
        assert!(spent.weighed >= n as u64);
        assert!(spent.weighed <= n as u64 * (1 + 8), "{spent:?}");
        // Matches: at most min(j2 − j1 + 1, len()) per report position.
        for (i, r) in reports.iter().enumerate() {
            let got = outcome.matches.iter().filter(|m| m.report == i).count() as u64;
            assert!(
                got <= range(r).min(observed.len() as u64),
                "report {i}: {got}"
            );
            let want = if rejected.contains(&i) {
                0
            } else if *r == flood {
                40
            } else if *r == honest[0] {
                5 // the range binds: min(5, 46)
            } else if *r == honest[1] {
                1
            } else {
                0
            };
            assert_eq!(got, want, "report {i}");
        }
        assert_eq!(outcome.matches.len(), 12 * 40 + 5 + 1);

        // Without forgeries each signature is weighed exactly once: one equation per chunk.
        let clean: Vec<SignedReport> = reports.iter().filter(|r| **r != forged).cloned().collect();
        work::reset();
        let outcome = matcher.match_reports(&clean);
        let spent = work::read();
        assert!(outcome.rejected.is_empty());
        assert_eq!(
            (spent.prepared, spent.weighed, spent.equations),
            (clean.len() as u64, clean.len() as u64, 1)
        );
        assert_eq!(spent.compressions, 3 * valid_numbers);
        // A small observed set binds the other side of the min: a copy of the longest report
        // matches at most len() = 2 numbers.
        let small: ObservedSet = [flood_numbers[0], flood_numbers[65_534]]
            .into_iter()
            .collect();
        let outcome = Matcher::new(small).match_reports(&alloc::vec![flood.clone(); 20]);
        assert_eq!(outcome.matches.len(), 20 * 2);
    }

    /// A chunk of 256 reports with one forgery: the bisection weighs every signature at most
    /// `1 + ⌈log2 256⌉ = 9` times, and the forged report's range is never hashed.
    #[test]
    fn a_forgery_costs_a_logarithmic_number_of_equations() {
        let mut rng = ChaCha20Rng::seed_from_u64(82);
        let good = ReportAuthorizationKey::generate(&mut rng)
            .create_report(MemoType::COEPI_SYMPTOM_V1, b"", 1, 1)
            .unwrap();
        let mut bytes = good.to_vec();
        bytes[100] ^= 2;
        let bad = SignedReport::decode(&bytes).unwrap();
        let mut reports = alloc::vec![good; VERIFY_CHUNK];
        reports[77] = bad;
        let matcher = Matcher::new(ObservedSet::default());
        work::reset();
        let outcome = matcher.match_reports(&reports);
        let spent = work::read();
        assert_eq!(
            outcome.rejected,
            alloc::vec![(77, TcnError::SignatureMismatch)]
        );
        assert_eq!(spent.prepared, VERIFY_CHUNK as u64);
        assert_eq!(spent.compressions, 3 * (VERIFY_CHUNK as u64 - 1));
        // The failing path: 256, 128, …, 1 (9 equations) plus the sibling of each but the root
        // (8 equations): 256 + 2 × (128 + 64 + … + 1) signatures weighed.
        assert_eq!(spent.equations, 9 + 8);
        assert_eq!(spent.weighed, 256 + 2 * 255);
        assert!(spent.weighed <= 9 * VERIFY_CHUNK as u64);
    }
}
