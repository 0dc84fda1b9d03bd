//! Replays the committed `nym` fuzz corpora (vector seeds and inputs found by short fuzz runs)
//! through the fuzz bodies on stable Rust.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[test]
fn replay_nym_corpora() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut n = 0;
    for (target, _) in contact_tracing::fuzzing::nym::TARGETS {
        let dir = root.join(target);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(contact_tracing::fuzzing::run(target, &data));
            n += 1;
        }
    }
    assert!(n > 50, "corpora are missing ({n} files)");
}
