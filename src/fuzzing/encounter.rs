//! Fuzz-target bodies of the `encounter` protocol (`spec/encounter.md`).

use crate::encounter::{
    Attestation, AuthorityKey, ContactRecord, EncounterError, IdentityKey, InfectionReport,
    OnionAddress, Policy, Receiver, ReportType,
};

/// `encounter_address_parse`: parsing never panics; whatever parses prints in the canonical
/// lowercase form and parses back to the same key.
pub fn encounter_address_parse(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(addr) = OnionAddress::parse(text) {
        let canonical = addr.encode();
        assert!(
            canonical.eq_ignore_ascii_case(data),
            "canonical form differs beyond case"
        );
        let again = OnionAddress::parse(core::str::from_utf8(&canonical).unwrap()).unwrap();
        assert_eq!(again, addr);
    }
}

/// `encounter_attestation_decode`: decoding never panics and re-encodes byte-exactly.
pub fn encounter_attestation_decode(data: &[u8]) {
    if let Ok(att) = Attestation::decode(data) {
        assert_eq!(&att.encode()[..], data);
    }
}

/// `encounter_report_decode`: decoding never panics and re-encodes byte-exactly.
pub fn encounter_report_decode(data: &[u8]) {
    if let Ok(report) = InfectionReport::decode(data) {
        assert_eq!(&report.encode()[..], data);
    }
}

const T1_SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];
const T2_SEED: [u8; 32] = [
    0x4c, 0xcd, 0x08, 0x9b, 0x28, 0xff, 0x96, 0xda, 0x9d, 0xb6, 0xc3, 0x46, 0xec, 0x11, 0x4e, 0x0f,
    0x5b, 0x8a, 0x31, 0x9f, 0x35, 0xab, 0xa6, 0x24, 0xda, 0x8c, 0xf6, 0xed, 0x4f, 0xb8, 0xa6, 0xfb,
];
const T3_PK: [u8; 32] = [
    0xfc, 0x51, 0xcd, 0x8e, 0x62, 0x18, 0xa1, 0xa3, 0x8d, 0xa4, 0x7e, 0xd0, 0x02, 0x30, 0xf0, 0x58,
    0x08, 0x16, 0xed, 0x13, 0xba, 0x33, 0x03, 0xac, 0x5d, 0xeb, 0x91, 0x15, 0x48, 0x90, 0x80, 0x25,
];

/// `encounter_receiver`: the receiver of the vectors' main scenario (B = RFC 8032 TEST 2 with
/// contact A = TEST 1 on day 19995, HA = TEST 3) never panics on any input; an accepted report
/// decodes, and offering it again is a replay.
pub fn encounter_receiver(data: &[u8]) {
    let a = IdentityKey::from_seed(T1_SEED).unwrap();
    let b = IdentityKey::from_seed(T2_SEED).unwrap();
    let contacts = [ContactRecord::new(
        b.encounter(&a.peer_key()).unwrap(),
        19_995,
    )];
    let keys = [AuthorityKey::new(&T3_PK, 1_700_000_000, 1_800_000_000, false).unwrap()];
    let types = [
        ReportType::Confirmed,
        ReportType::Likely,
        ReportType::Revocation,
    ];
    let policy = Policy::new(&[1], &types);
    let now = 1_728_000_100;
    let mut rx = Receiver::<4>::new();
    if let Ok(n) = rx.receive(data, &contacts[..], &keys, &policy, now) {
        let report = InfectionReport::decode(data).unwrap();
        assert_eq!(n.pair_id, report.pair_id());
        assert_eq!(
            rx.receive(data, &contacts[..], &keys, &policy, now + 1),
            Err(EncounterError::Replayed)
        );
    }
}

/// This protocol's targets, by name.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("encounter_address_parse", encounter_address_parse),
    ("encounter_attestation_decode", encounter_attestation_decode),
    ("encounter_report_decode", encounter_report_decode),
    ("encounter_receiver", encounter_receiver),
];
