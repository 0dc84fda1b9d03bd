//! A short deterministic random sweep of every geo fuzz body on stable (the committed corpora are
//! replayed by `tests/fuzz_corpus.rs`).
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

#[test]
fn random_inputs_never_panic() {
    let mut rng = ChaCha20Rng::from_seed([0x6f; 32]);
    for (name, body) in contact_tracing::fuzzing::targets().filter(|(n, _)| n.starts_with("geo_")) {
        let rounds = if name == "geo_salt_server_ops" {
            40
        } else {
            400
        };
        for _ in 0..rounds {
            let len = (rng.next_u32() % 120) as usize;
            let mut data = vec![0u8; len];
            rng.fill_bytes(&mut data);
            body(&data);
        }
    }
}
