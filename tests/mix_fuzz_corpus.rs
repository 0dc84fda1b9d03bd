//! Replays the committed `mix` fuzz corpora through the fuzz bodies on stable Rust.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[test]
fn replay_mix_corpora() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut n = 0;
    for target in ["mix_process", "mix_process_mutated", "mix_discovery_decode"] {
        let dir = root.join(target);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(contact_tracing::fuzzing::run(target, &data));
            n += 1;
        }
    }
    assert!(n > 50, "corpora are missing ({n} files)");
}
