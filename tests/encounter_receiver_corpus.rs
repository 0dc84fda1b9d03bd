//! The committed `encounter_receiver` corpus reaches the receiver's accepting path, so fuzzing
//! starts past the checks (the corpora themselves are replayed by `tests/fuzz_corpus.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
#![cfg(feature = "alloc")]

use std::path::Path;

#[test]
fn receiver_corpus_contains_accepted_reports() {
    use contact_tracing::encounter::{
        AuthorityKey, ContactRecord, IdentityKey, Policy, Receiver, ReportType,
    };
    let h = |s: &str| -> [u8; 32] { hex::decode(s).unwrap().try_into().unwrap() };
    let a = IdentityKey::from_seed(h(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    ))
    .unwrap();
    let b = IdentityKey::from_seed(h(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    ))
    .unwrap();
    let contacts = vec![ContactRecord::new(
        b.encounter(&a.peer_key()).unwrap(),
        19_995,
    )];
    let keys = [AuthorityKey::new(
        &h("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
        1_700_000_000,
        1_800_000_000,
        false,
    )
    .unwrap()];
    let types = [ReportType::Confirmed];
    let policy = Policy::new(&[1], &types);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/encounter_receiver");
    let accepted = std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            let data = std::fs::read(e.as_ref().unwrap().path()).unwrap();
            Receiver::<1>::new()
                .receive(&data, &contacts, &keys, &policy, 1_728_000_100)
                .is_ok()
        })
        .count();
    assert!(accepted >= 1, "no seed reaches the accepting path");
}
