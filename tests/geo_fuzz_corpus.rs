//! Replays the committed `geo` fuzz corpora (`fuzz/corpus/geo_*`) through the fuzz bodies on
//! stable, plus a short deterministic random sweep of every geo target.
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
fn replay_geo_corpora() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut n = 0;
    for (name, _) in contact_tracing::fuzzing::targets().filter(|(n, _)| n.starts_with("geo_")) {
        let dir = root.join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let data = std::fs::read(e.path()).unwrap();
            assert!(contact_tracing::fuzzing::run(name, &data));
            n += 1;
        }
    }
    assert!(n >= 50, "only {n} corpus files replayed");
}

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
