//! Constant-time cases of the `event` protocol (`spec/events.md §11`): signing with the permanent
//! identity key (the report's identity reveal), the check-in signatures by the single-use
//! credential and the pseudonym, and the pairing commit (the joiner's hello, signed and MACed under
//! the key from the QR secret, hashed into a commitment that is MACed again).

use contact_tracing::event::identity::IdentityKey;
use contact_tracing::event::pairing::{Joiner, PairingQr};
use contact_tracing::event::{CheckInQr, SecretSeed};
use contact_tracing::labels::event as labels;

use crate::taint::{public, secret};

fn sign_identity_reveal() {
    let seed = std::hint::black_box([0x21u8; 32]);
    secret(&seed);
    let key = IdentityKey::from_seed(&SecretSeed::from_bytes(seed));
    let pk = key.public();
    public(&pk);
    let sig = key.sign(labels::REPORT_IDENTITY, &[&[7u8; 32], b"report body"]);
    public(&sig);
    assert_ne!(sig, [0; 64]);
}

fn check_in_signatures() {
    let cred = std::hint::black_box([0x31u8; 32]);
    let nym = std::hint::black_box([0x32u8; 32]);
    secret(&cred);
    secret(&nym);
    let qr = CheckInQr {
        event: [1; 32],
        address: [2; 32],
        credential: SecretSeed::from_bytes(cred),
    };
    let msg = qr.check_in(&SecretSeed::from_bytes(nym));
    // Everything in the CheckIn message is published.
    public(&msg.credential);
    public(&msg.pseudonym);
    public(&msg.credential_sig);
    public(&msg.pseudonym_sig);
    assert_eq!(msg.encode().len(), 193);
}

fn pairing_commit() {
    let pairing_secret = std::hint::black_box([0x41u8; 32]);
    let id_seed = std::hint::black_box([0x42u8; 32]);
    secret(&pairing_secret);
    secret(&id_seed);
    let qr = PairingQr {
        secret: SecretSeed::from_bytes(pairing_secret),
        rendezvous: [3; 32],
    };
    let key = IdentityKey::from_seed(&SecretSeed::from_bytes(id_seed));
    let (_joiner, commit) = Joiner::start(&qr, &key, [4; 32], [5; 32]);
    public(commit.as_slice());
    assert_eq!(commit.len(), 65);
}

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[
    ("event/sign_identity_reveal", sign_identity_reveal),
    ("event/check_in_signatures", check_in_signatures),
    ("event/pairing_commit", pairing_commit),
];
