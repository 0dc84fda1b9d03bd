//! One test per decision of `spec/tcn.md §7`, each showing both what this crate does and what the
//! reference `tcn` 0.4.1 does with the same input, so a change on either side is noticed.
#![cfg(feature = "alloc")]

use contact_tracing::tcn::{
    MemoType, ReportAuthorizationKey, SignedReport, TcnError, TemporaryContactKey,
};

const KTV_RAK: &str = "577cfdae21fee71579211ab02c418ee0948bacab613cf69d0a4a5ae5a1557dbb";

fn seed() -> [u8; 32] {
    hex::decode(KTV_RAK).unwrap().try_into().unwrap()
}

fn reference(bytes: &[u8]) -> Result<tcn::Report, tcn::Error> {
    tcn::SignedReport::read(bytes).and_then(|r| r.verify())
}

fn report(memo_type: u8, memo: &[u8], j1: u16, j2: u16) -> Vec<u8> {
    ReportAuthorizationKey::from_seed(seed())
        .create_report(MemoType(memo_type), memo, j1, j2)
        .unwrap()
        .to_vec()
}

/// §7.1: j2 is inclusive. The published report (j1 = 2, j2 = 10) discloses 9 numbers here, 8 there.
#[test]
fn j2_is_inclusive() {
    let bytes = report(0, b"symptom data", 2, 10);
    let ours = SignedReport::decode(&bytes).unwrap();
    assert_eq!(
        ours.verify().unwrap().temporary_contact_numbers().count(),
        9
    );
    assert_eq!(
        reference(&bytes)
            .unwrap()
            .temporary_contact_numbers()
            .count(),
        8
    );
    // j1 = j2 discloses one number here and none in the reference.
    let single = report(0, b"", 4, 4);
    assert_eq!(
        SignedReport::decode(&single)
            .unwrap()
            .verify()
            .unwrap()
            .temporary_contact_numbers()
            .count(),
        1
    );
    assert_eq!(
        reference(&single)
            .unwrap()
            .temporary_contact_numbers()
            .count(),
        0
    );
}

/// §7.2: exact length. Trailing bytes are refused here and ignored by the reference.
#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = report(0, b"x", 1, 2);
    bytes.push(0);
    assert_eq!(
        SignedReport::decode(&bytes).unwrap_err(),
        TcnError::TrailingBytes
    );
    assert!(reference(&bytes).is_ok());
}

/// §7.2: a memo length larger than the data leaves the signature short: both refuse.
#[test]
fn short_memo_is_refused() {
    let mut bytes = report(0, b"abc", 1, 2);
    bytes[69] = 4;
    assert_eq!(
        SignedReport::decode(&bytes).unwrap_err(),
        TcnError::Truncated
    );
    assert!(reference(&bytes).is_err());
}

/// §7.3: memo types 0x00..0x02 are accepted; the reference knows only 0x00 and 0x01.
#[test]
fn memo_type_policy() {
    let ito = report(2, b"ito", 1, 2);
    assert!(SignedReport::decode(&ito).unwrap().verify().is_ok());
    assert!(reference(&ito).is_err());
    let key = ReportAuthorizationKey::from_seed(seed());
    for t in [0x03u8, 0x80, 0xfe, 0xff] {
        assert_eq!(
            key.create_report(MemoType(t), b"", 1, 2).unwrap_err(),
            TcnError::UnknownMemoType
        );
    }
}

/// §7.4: j1 = 0 is an error on creation here; the reference silently creates j1 = 1.
#[test]
fn j1_zero_is_an_error() {
    let key = ReportAuthorizationKey::from_seed(seed());
    assert_eq!(
        key.create_report(MemoType(0), b"", 0, 3).unwrap_err(),
        TcnError::J1Zero
    );
    let theirs = tcn::ReportAuthorizationKey::read(&seed()[..]).unwrap();
    let mut bytes = Vec::new();
    theirs
        .create_report(tcn::MemoType::CoEpiV1, vec![], 0, 3)
        .unwrap()
        .write(&mut bytes)
        .unwrap();
    assert_eq!(
        u16::from_le_bytes([bytes[64], bytes[65]]),
        1,
        "the reference rewrote j1 to 1"
    );
    assert_eq!(bytes, report(0, b"", 1, 3));
}

/// §7.5: j2 < j1 is an error here; the reference creates and accepts an empty report.
#[test]
fn j2_before_j1_is_an_error() {
    let key = ReportAuthorizationKey::from_seed(seed());
    assert_eq!(
        key.create_report(MemoType(0), b"", 5, 4).unwrap_err(),
        TcnError::J2BeforeJ1
    );
    let theirs = tcn::ReportAuthorizationKey::read(&seed()[..]).unwrap();
    let mut bytes = Vec::new();
    theirs
        .create_report(tcn::MemoType::CoEpiV1, vec![], 5, 4)
        .unwrap()
        .write(&mut bytes)
        .unwrap();
    assert_eq!(
        reference(&bytes)
            .unwrap()
            .temporary_contact_numbers()
            .count(),
        0
    );
    assert_eq!(
        SignedReport::decode(&bytes).unwrap_err(),
        TcnError::J2BeforeJ1
    );
}

/// §7.6: the ratchet stops at 65535, and a report can still disclose tcn_65535.
#[test]
fn index_65535() {
    let key = ReportAuthorizationKey::from_seed(seed());
    let mut tck = key.initial_temporary_contact_key();
    while tck.index() < 65535 {
        tck = tck.ratchet().unwrap();
    }
    assert_eq!(tck.ratchet().unwrap_err(), TcnError::IndexExhausted);
    let last = tck.temporary_contact_number();
    let bytes = report(0, b"", 65535, 65535);
    let numbers: Vec<_> = SignedReport::decode(&bytes)
        .unwrap()
        .verify()
        .unwrap()
        .temporary_contact_numbers()
        .collect();
    assert_eq!(numbers, vec![last]);
    assert_eq!(
        reference(&bytes)
            .unwrap()
            .temporary_contact_numbers()
            .count(),
        0
    );
    let restored = TemporaryContactKey::from_parts(65535, key.verification_key(), *tck.to_bytes());
    assert_eq!(restored.temporary_contact_number(), last);
}

/// §7.7: the Ed25519 rule. The committed vectors carry crafted signatures; here each flag class
/// is checked against both implementations.
#[test]
fn signature_rule_edges() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/tcn/report_verify_test.json"
    ))
    .unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut seen = [0usize; 3]; // CofactoredOnly, SmallOrderR, NonCanonicalS
    for test in file["testGroups"][0]["tests"].as_array().unwrap() {
        let id = &test["tcId"];
        let has_flag = |f: &str| test["flags"].as_array().unwrap().iter().any(|x| x == f);
        let bytes = hex::decode(test["signedReport"].as_str().unwrap()).unwrap();
        let ours = SignedReport::decode(&bytes).and_then(|r| r.verify().map(|_| ()));
        let theirs = reference(&bytes);
        if has_flag("CofactoredOnly") {
            assert!(ours.is_ok() && theirs.is_err(), "tcId {id}");
            seen[0] += 1;
        }
        if has_flag("SmallOrderR") {
            assert!(
                ours.is_ok() && theirs.is_err(),
                "tcId {id}: the reference blocklists small-order R"
            );
            seen[1] += 1;
        }
        if has_flag("NonCanonicalS") {
            assert!(ours.is_err() && theirs.is_err(), "tcId {id}");
            seen[2] += 1;
        }
    }
    // Every class is present (the vectors hold several of each).
    assert!(
        seen.iter().all(|n| *n > 0),
        "edge vectors per class: {seen:?}"
    );
}
