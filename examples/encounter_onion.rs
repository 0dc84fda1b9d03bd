//! Load an onion service's Tor key file (or make one from a seed), print its v3 address and
//! broadcast frame, derive the pair secret with a peer's address and show the derived ids.
//!
//! `cargo run --example encounter_onion [path/to/hs_ed25519_secret_key] [peer-address.onion]`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use contact_tracing::encounter::{day_of, BroadcastFrame, IdentityKey, OnionAddress};

fn main() {
    let mut args = std::env::args().skip(1);
    let me = match args.next() {
        Some(path) => {
            let file = std::fs::read(&path).expect("read key file");
            IdentityKey::from_tor_secret_key_file(&file, None).expect("a Tor v3 secret key file")
        }
        None => IdentityKey::from_seed([7u8; 32]).expect("seed"),
    };
    let my_address = OnionAddress::from_key(me.peer_key());
    println!("address:   {my_address}");
    let frame = BroadcastFrame::new(me.peer_key()).encode();
    println!("frame:     {} ({} bytes)", hex::encode(frame), frame.len());
    let peer = args
        .next()
        .unwrap_or_else(|| "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion".into());
    let peer = OnionAddress::parse(&peer).expect("a valid v3 address");
    let secret = me.encounter(peer.key()).expect("a usable peer key");
    println!("peer:      {peer}");
    println!("pair_id:   {}", hex::encode(secret.pair_id()));
    println!(
        "day_id:    {}",
        hex::encode(secret.day_id(day_of(1_728_000_000)))
    );
}
