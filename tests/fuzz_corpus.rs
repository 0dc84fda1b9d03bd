//! Replays every committed fuzz corpus (`fuzz/corpus/<target>/`) through the target bodies on
//! stable Rust, so `cargo test` catches a regression that the nightly fuzzer once covered.
//! Targets whose body needs a dev-dependency oracle are replayed by their own test
//! (`tcn_differential` by `tests/tcn_differential.rs`).
#![cfg(feature = "alloc")]

use std::path::Path;

const REPLAYED_ELSEWHERE: &[&str] = &["tcn_differential"];

#[test]
fn replay_all_corpora() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut targets = 0;
    let mut inputs = 0;
    for entry in std::fs::read_dir(&root).expect("fuzz/corpus exists") {
        let dir = entry.unwrap().path();
        let target = dir.file_name().unwrap().to_str().unwrap().to_string();
        if REPLAYED_ELSEWHERE.contains(&target.as_str()) {
            continue;
        }
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap();
            assert!(
                contact_tracing::fuzzing::run(&target, &data),
                "corpus directory {target} has no target body in src/fuzzing/"
            );
            inputs += 1;
        }
        targets += 1;
    }
    assert!(targets >= 2 && inputs > 0, "no corpora found");
}

/// Every target body has a committed corpus, and every fuzz target wrapper names a known body.
#[test]
fn every_target_has_a_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, _) in contact_tracing::fuzzing::targets() {
        let corpus = root.join("corpus").join(name);
        assert!(corpus.is_dir(), "target {name} has no corpus directory");
        let seeds = std::fs::read_dir(&corpus).unwrap().count();
        assert!(seeds > 0, "target {name} has an empty corpus");
        assert!(
            root.join("fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "target {name} has no wrapper"
        );
    }
}
