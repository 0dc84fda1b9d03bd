//! Constant-time cases of the `encounter` protocol (`spec/encounter.md §14`): the Ed25519 →
//! X25519 key conversion from a seed, the X25519 DH with its zero test and the pair-secret
//! derivation, and the report-MAC check. Secrets: the seed, `a`, `K`, `S`, the report key.

use contact_tracing::encounter::{
    x25519_shared, ContactRecord, IdentityKey, InfectionReport, PairSecret, PeerKey,
};

use crate::taint::{public, secret};

fn key_conversion() {
    let seed = std::hint::black_box([0x21u8; 32]);
    secret(&seed);
    let id = IdentityKey::from_seed(seed);
    // Whether construction succeeded and the public keys are public.
    public(&id.is_ok());
    let id = id.expect("seed path cannot fail");
    let (pk, u) = (id.public_key(), id.montgomery_u());
    public(&pk);
    public(&u);
    assert_eq!(PeerKey::from_bytes(&pk).expect("valid").montgomery_u(), u);
}

fn dh_and_pair_secret() {
    let own = IdentityKey::from_seed([0x31; 32]).expect("own");
    let peer = IdentityKey::from_seed([0x32; 32]).expect("peer");
    let a = std::hint::black_box(*own.x25519_secret());
    secret(&a);
    let (k, is_zero) = x25519_shared(&a, &peer.montgomery_u());
    // The zero test's outcome is public (it only fires on hostile input).
    public(&is_zero);
    assert!(!bool::from(is_zero));
    let s = PairSecret::from_shared(&k, &own.public_key(), &peer.public_key());
    let id = s.pair_id();
    let day = s.day_id(20_000);
    public(&id);
    public(&day);
    let key = s.report_key_to_peer();
    // The report key stays secret; it is only dropped (and zeroized).
    drop(key);
}

fn mac_check() {
    let own = IdentityKey::from_seed([0x41; 32]).expect("own");
    let peer = IdentityKey::from_seed([0x42; 32]).expect("peer");
    let theirs = ContactRecord::new(peer.encounter(&own.peer_key()).expect("pair"), 1);
    let mine = ContactRecord::new(own.encounter(&peer.peer_key()).expect("pair"), 1);
    let report = InfectionReport::decode(&std::hint::black_box(sample_report(&theirs)))
        .expect("well-formed");
    let key = mine.secret().report_key_from_peer();
    secret(&*key);
    for r in [report.clone(), tampered(&report)] {
        let ok = r.mac_is_valid(&key);
        public(&ok);
        println!("encounter/mac_check: valid = {ok}");
    }
}

fn sample_report(contact: &ContactRecord) -> [u8; contact_tracing::encounter::REPORT_LEN] {
    use contact_tracing::encounter::{Attestation, AttestationFields, ReportType};
    let att = Attestation::issue(
        &[0x43; 32],
        AttestationFields {
            issued_at: 1,
            not_after: 2,
            window_start_day: 0,
            disease_code: 1,
            report_type: ReportType::Confirmed,
            cert_nonce: [0; 16],
            subject_commitment: Attestation::commitment_for(
                &[0x44; 32],
                &contact.secret().own_key(),
            ),
        },
    )
    .expect("issue");
    InfectionReport::create(contact, &att, &[0x44; 32])
        .expect("the attestation commits to the contact's own key")
        .encode()
}

fn tampered(r: &InfectionReport) -> InfectionReport {
    let mut mac = r.mac();
    mac[31] ^= 1;
    InfectionReport::from_parts(r.pair_id(), *r.attestation(), r.bind_key(), mac)
}

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[
    ("encounter/key_conversion", key_conversion),
    ("encounter/dh_and_pair_secret", dh_and_pair_secret),
    ("encounter/mac_check", mac_check),
];
