//! Test-only work counters (`spec/tcn.md §8.1`, the "work of one `match_reports` call" row): every
//! SHA-256 compression of the TCN hash functions, every report whose signature checks 1–3 and
//! challenge are computed, and every signature weighed in a batch equation, counted per thread so
//! that tests running in parallel do not disturb each other. Compiled only into unit tests; the
//! library itself has no counters.

use core::cell::Cell;

std::thread_local! {
    static COMPRESSIONS: Cell<u64> = const { Cell::new(0) };
    static PREPARED: Cell<u64> = const { Cell::new(0) };
    static WEIGHED: Cell<u64> = const { Cell::new(0) };
    static EQUATIONS: Cell<u64> = const { Cell::new(0) };
}

/// What this thread has done since the last [`reset`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Work {
    /// SHA-256 compressions (64-byte blocks) of `H_TCK` / `H_TCN`.
    pub(crate) compressions: u64,
    /// Reports prepared for verification (checks 1–3 and the challenge `k`, once each).
    pub(crate) prepared: u64,
    /// Signatures weighed in batch equations, summed over the equations.
    pub(crate) weighed: u64,
    /// Batch equations (multi-scalar multiplications) evaluated.
    pub(crate) equations: u64,
}

fn add(counter: &'static std::thread::LocalKey<Cell<u64>>, n: usize) {
    counter.with(|c| c.set(c.get().saturating_add(n as u64)));
}

pub(crate) fn compressed(blocks: usize) {
    add(&COMPRESSIONS, blocks);
}

pub(crate) fn prepared() {
    add(&PREPARED, 1);
}

pub(crate) fn equation(signatures: usize) {
    add(&WEIGHED, signatures);
    add(&EQUATIONS, 1);
}

/// Sets this thread's counters to zero.
pub(crate) fn reset() {
    for c in [&COMPRESSIONS, &PREPARED, &WEIGHED, &EQUATIONS] {
        c.with(|c| c.set(0));
    }
}

/// This thread's counters.
pub(crate) fn read() -> Work {
    Work {
        compressions: COMPRESSIONS.with(Cell::get),
        prepared: PREPARED.with(Cell::get),
        weighed: WEIGHED.with(Cell::get),
        equations: EQUATIONS.with(Cell::get),
    }
}
