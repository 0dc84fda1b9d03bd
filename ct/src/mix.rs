//! Constant-time cases of the `mix` protocol (`spec/mix.md §14`): LIONESS, the mix's DH path
//! (shared secret, key derivation, header stream, blinding, payload decryption) and the header
//! MAC comparison. Secrets: the mix's day key and everything derived from the shared secret.

use contact_tracing::mix::{blind, header_mac_matches, shared_secret, HopKeys, Lioness};

use crate::taint::{public, secret};

fn lioness() {
    let key = std::hint::black_box([0x3cu8; 192]);
    let mut block = std::hint::black_box([0x5au8; 239]);
    secret(&key);
    secret(&block);
    let c = Lioness::new(&key);
    let enc = c.encrypt(&mut block);
    // The block length is public; the result only reports it.
    public(&enc);
    assert!(enc.is_ok());
    let dec = c.decrypt(&mut block);
    public(&dec);
    assert!(dec.is_ok());
    public(&block);
    assert_eq!(block, [0x5au8; 239]);
}

fn dh_path() {
    let sk = std::hint::black_box([0x77u8; 32]);
    secret(&sk);
    // alpha, beta and the payload arrive on the wire: public.
    let alpha = std::hint::black_box([9u8; 32]);
    let mut routing = std::hint::black_box([0u8; 110]);
    let mut payload = std::hint::black_box([0x11u8; 239]);
    let s = shared_secret(&sk, &alpha);
    let keys = HopKeys::derive(&s);
    keys.stream_xor(&mut routing);
    let next_alpha = blind(&alpha, keys.blinding());
    let r = keys.lioness().decrypt(&mut payload);
    public(&r);
    assert!(r.is_ok());
    // What the mix sends on is public.
    public(&next_alpha);
    public(&routing);
    public(&payload);
    assert_ne!(next_alpha, alpha);
}

fn mac_compare() {
    let s = std::hint::black_box([0x42u8; 32]);
    secret(&s);
    let keys = HopKeys::derive(&s);
    let alpha = [9u8; 32];
    let beta = [0u8; 92];
    // A received gamma, and the correct one (secret until the decision is made).
    let wrong = std::hint::black_box([0u8; 16]);
    let right = contact_tracing::mix::header_mac(keys.mu(), 7, &alpha, &beta);
    let ok_wrong = header_mac_matches(keys.mu(), 7, &alpha, &beta, &wrong);
    let ok_right = header_mac_matches(keys.mu(), 7, &alpha, &beta, &right);
    // The accept/reject decision is public.
    public(&ok_wrong);
    public(&ok_right);
    assert!(!ok_wrong);
    assert!(ok_right);
}

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[
    ("mix/lioness", lioness),
    ("mix/dh_path", dh_path),
    ("mix/mac_compare", mac_compare),
];
