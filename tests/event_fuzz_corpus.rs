//! Replays the committed fuzz corpora of the `event` targets on stable (`src/fuzzing/event.rs`).
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[test]
fn replay_event_corpora() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut n = 0;
    for target in ["event_decode", "event_ops", "event_device"] {
        let dir = root.join(target);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(
                contact_tracing::fuzzing::run(target, &data),
                "{target} not registered"
            );
            n += 1;
        }
    }
    assert!(n > 100, "corpora missing: {n} files");
}
