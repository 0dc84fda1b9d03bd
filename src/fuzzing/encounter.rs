//! Fuzz-target bodies of the `encounter` protocol (`spec/encounter.md`).

use crate::encounter::{
    Attestation, AuthorityKey, ContactRecord, EncounterError, InfectionReport, OnionAddress,
    PairSecret, Policy, Receiver, ReportType,
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

fn h32(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks(2)) {
        let v = |c: u8| (c as char).to_digit(16).unwrap() as u8;
        *o = (v(pair[0]) << 4) | v(pair[1]);
    }
    out
}

/// The receiver's side of the vectors' main scenario (`vectors/encounter/report_receive_test.json`
/// tcId 1): own B = RFC 8032 TEST 2, peer A = TEST 1, `S` as derived there, met on day 19995.
fn contact() -> ContactRecord {
    let secret = PairSecret::from_parts(
        h32("76e41e622e4678d3727fb710b8c87f9a64966b8770bd3002f524fda1596897f3"),
        h32("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
        h32("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
    );
    ContactRecord::from_parts(secret, 19_995, 1)
}

/// The pinned authority key (HA = RFC 8032 TEST 3), validated once per process under `std`.
fn authority() -> AuthorityKey {
    let make = || {
        AuthorityKey::new(
            &h32("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
            1_700_000_000,
            1_800_000_000,
            false,
        )
        .unwrap()
    };
    #[cfg(feature = "std")]
    {
        static KEY: std::sync::OnceLock<AuthorityKey> = std::sync::OnceLock::new();
        *KEY.get_or_init(make)
    }
    #[cfg(not(feature = "std"))]
    make()
}

/// `encounter_receiver`: the receiver of the vectors' main scenario never panics on any input;
/// an accepted report decodes, and offering it again is a replay.
pub fn encounter_receiver(data: &[u8]) {
    let contacts = [contact()];
    let keys = [authority()];
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encounter::IdentityKey;

    #[test]
    fn receiver_fixture_is_the_derived_contact() {
        let a = IdentityKey::from_seed(h32(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        ))
        .unwrap();
        let b = IdentityKey::from_seed(h32(
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        ))
        .unwrap();
        assert_eq!(
            contact(),
            ContactRecord::new(b.encounter(&a.peer_key()).unwrap(), 19_995)
        );
    }
}
