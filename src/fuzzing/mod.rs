//! Fuzz-target bodies, shared by `fuzz/` (cargo-fuzz, nightly) and by the stable test that replays
//! the committed corpora (`tests/fuzz_corpus.rs`). Not part of the public API: hidden from docs,
//! may change at any time.
//!
//! Each protocol's file exports `TARGETS`, a table of `(target name, body)`; a body panics only when
//! it finds a bug (a failed invariant), never on hostile input. Targets that need a dev-dependency
//! oracle (the `tcn` crate) live in `fuzz/fuzz_targets/` and `tests/` instead.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::type_complexity
)]

pub mod encounter;
pub mod event;
pub mod geo;
pub mod mix;
pub mod nym;
pub mod tcn;

/// Every target body in this module, by name.
pub fn targets() -> impl Iterator<Item = (&'static str, fn(&[u8]))> {
    [
        tcn::TARGETS,
        encounter::TARGETS,
        mix::TARGETS,
        nym::TARGETS,
        event::TARGETS,
        geo::TARGETS,
    ]
    .into_iter()
    .flat_map(|t| t.iter().copied())
}

/// Runs the body of `target` on `data`; `false` if no such target is defined here.
pub fn run(target: &str, data: &[u8]) -> bool {
    match targets().find(|(name, _)| *name == target) {
        Some((_, body)) => {
            body(data);
            true
        }
        None => false,
    }
}
