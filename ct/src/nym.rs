//! Constant-time cases of the `nym` protocol: the contact-address secret (Ed25519 seed) signing a
//! broadcast challenge, and the contact address `K` keying the SURB blob (it stays secret from the
//! nymserver until a log naming it is uploaded).

use contact_tracing::mix::{create_surb, Geometry, MailboxAddress, MixSecret, RouteHop};
use contact_tracing::nym::{seal_blob, ContactAddress};

use crate::taint::{public, secret};

fn respond_to_challenge() {
    let mut seed = std::hint::black_box([0x21u8; 32]);
    secret(&seed);
    let a = ContactAddress::from_seed(&seed);
    let k = a.address();
    public(&k);
    let resp = a.respond(&[7; 16]);
    // Both halves of the answer are broadcast.
    public(&resp.signature);
    public(&resp.address);
    assert_eq!(resp.address, k);
    seed.fill(0);
}

fn seal_surb_blob() {
    let route: Vec<RouteHop> = [1u8, 2, 3, 10]
        .iter()
        .map(|n| RouteHop {
            entity: *n,
            key_select: 7,
            public_key: MixSecret::from_bytes([*n; 32]).public_key(),
        })
        .collect();
    let surb = create_surb(
        Geometry::FOUR_HOPS,
        &route,
        &MailboxAddress([4; 36]),
        &[5; 32],
        &[6; 32],
    )
    .expect("valid route")
    .0;
    let k = std::hint::black_box([0x42u8; 32]);
    secret(&k);
    let blob = seal_blob(&k, &surb).expect("174 bytes");
    public(blob.as_slice());
    assert_eq!(blob.len(), 174);
}

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[
    ("nym/respond_to_challenge", respond_to_challenge),
    ("nym/seal_surb_blob", seal_surb_blob),
];
