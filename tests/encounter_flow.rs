//! End to end (`spec/encounter.md §1`): rotating identities broadcast frames, both phones derive
//! the same pair secret, the HA attests the reporter's committed identity, the report is
//! accepted once by the contact and rejected as a replay, and an outsider's copy is useless.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use contact_tracing::encounter::{
    day_of, Attestation, AttestationFields, AuthorityKey, BroadcastFrame, ContactRecord,
    EncounterError, IdentityKey, InfectionReport, OnionAddress, Policy, Receiver, ReportType,
    RotationSchedule,
};

#[test]
fn encounter_report_receive() {
    let schedule = RotationSchedule::DEFAULT;
    let t_meet = 1_728_000_000u64;
    let alice = schedule.current(&[1u8; 32], t_meet).unwrap();
    let bob = schedule.current(&[2u8; 32], t_meet).unwrap();

    // Frames over the air; each side validates the other's key.
    let from_bob = BroadcastFrame::decode(&BroadcastFrame::new(bob.peer_key()).encode()).unwrap();
    let from_alice =
        BroadcastFrame::decode(&BroadcastFrame::new(alice.peer_key()).encode()).unwrap();
    let day = day_of(t_meet);
    let alice_rec = ContactRecord::new(alice.encounter(from_bob.key()).unwrap(), day);
    let bob_rec = ContactRecord::new(bob.encounter(from_alice.key()).unwrap(), day);
    assert_eq!(alice_rec.pair_id(), bob_rec.pair_id());

    // Alice tests positive: the HA signs a commitment to her identity of that epoch.
    let ha_seed = [9u8; 32];
    let ha_pk = ed25519_dalek::SigningKey::from_bytes(&ha_seed)
        .verifying_key()
        .to_bytes();
    let bind_key = [0x5au8; 32];
    let t_test = t_meet + 3 * 86_400;
    let att = Attestation::issue(
        &ha_seed,
        AttestationFields {
            issued_at: t_test,
            not_after: t_test + 7 * 86_400,
            window_start_day: day - 2,
            disease_code: 1,
            report_type: ReportType::Confirmed,
            cert_nonce: [7u8; 16],
            subject_commitment: Attestation::commitment_for(&bind_key, &alice.public_key()),
        },
    )
    .unwrap();
    let report = InfectionReport::create(&alice_rec, &att, &bind_key)
        .unwrap()
        .encode();
    // Alice sends it to Bob's onion address.
    let bob_addr = OnionAddress::from_key(*from_bob.key()).to_string();
    assert_eq!(
        OnionAddress::parse(&bob_addr).unwrap().key(),
        &bob.peer_key()
    );

    let keys = [AuthorityKey::new(&ha_pk, 0, u64::MAX, false).unwrap()];
    let types = [ReportType::Confirmed];
    let policy = Policy::new(&[1], &types);
    let mut rx = Receiver::<8>::new();
    let contacts = vec![bob_rec];
    let n = rx
        .receive(&report, &contacts, &keys, &policy, t_test + 60)
        .unwrap();
    assert_eq!(n.pair_id, alice_rec.pair_id());
    assert_eq!(
        rx.receive(&report, &contacts, &keys, &policy, t_test + 61),
        Err(EncounterError::Replayed)
    );
    // Carol never met Bob, and Alice's attestation is not hers: the library refuses to build the
    // report (§8.2), and a report built by hand on Carol's record is not for Bob.
    let carol = IdentityKey::from_seed([3u8; 32]).unwrap();
    let carol_rec = ContactRecord::new(carol.encounter(&alice.peer_key()).unwrap(), day);
    assert_eq!(
        InfectionReport::create(&carol_rec, &att, &bind_key),
        Err(EncounterError::BadCommitment)
    );
    let stray = InfectionReport::from_parts(carol_rec.pair_id(), att, bind_key, [0u8; 32]).encode();
    assert_eq!(
        rx.receive(&stray, &contacts, &keys, &policy, t_test + 62),
        Err(EncounterError::NotAContact)
    );
}
