//! Fuzz-target bodies of the `mix` protocol (`spec/mix.md §7`, `§9`).

#[cfg(feature = "alloc")]
mod bodies {
    use alloc::vec::Vec;

    use crate::mix::{
        create_forward, key_select_for_day, DelayDistribution, Destination, DiscoveryDocument,
        Geometry, MailboxAddress, Mix, MixError, MixSecret, Outcome, RouteHop, Surb, SurbSecret,
        SECONDS_PER_DAY,
    };

    const NOW: u64 = 1_700_000_000;
    const G: Geometry = Geometry::FOUR_HOPS;

    fn today() -> u32 {
        u32::try_from(NOW / SECONDS_PER_DAY).unwrap()
    }

    /// A mix holding the key of today and of 3 days ago (the key of the valid packet).
    fn mix() -> Mix {
        let mut m = Mix::new(1, G, DelayDistribution::Uniform { min: 0, max: 9 });
        m.keyring_mut()
            .insert(today(), MixSecret::from_bytes([0x55; 32]));
        m.keyring_mut()
            .insert(today() - 3, MixSecret::from_bytes([0x77; 32]));
        m
    }

    /// The valid packet the mutation target starts from (also a corpus seed).
    pub fn valid_packet() -> Vec<u8> {
        let route: Vec<RouteHop> = (0..4u8)
            .map(|i| {
                let secret = if i == 0 { [0x77; 32] } else { [i; 32] };
                RouteHop {
                    entity: i + 1,
                    key_select: key_select_for_day(today() - 3),
                    public_key: MixSecret::from_bytes(secret).public_key(),
                }
            })
            .collect();
        create_forward(
            G,
            &route,
            &Destination::Mailbox(MailboxAddress([9; 36])),
            b"fuzz",
            &[0x41; 32],
        )
        .unwrap()
        .1
        .into_bytes()
    }

    fn check(m: &mut Mix, data: &[u8]) -> Result<(), MixError> {
        let mut rng = rand_core_zero::Zero;
        let first = m.process(NOW, data, &mut rng);
        if let Ok(p) = &first {
            assert!(p.delay <= 9);
            match &p.outcome {
                Outcome::Forward { packet, .. } => assert_eq!(packet.len(), G.packet_len()),
                Outcome::Deliver { payload, .. } | Outcome::Swap { payload } => {
                    assert_eq!(payload.len(), G.payload_len())
                }
            }
        }
        // Whatever passed the MAC is recorded: the same bytes again are a replay.
        if matches!(first, Ok(_) | Err(MixError::MalformedAddress)) {
            assert_eq!(m.process(NOW, data, &mut rng), Err(MixError::Replay));
        }
        first.map(|_| ())
    }

    /// `mix_process`: `process` on arbitrary bytes never panics; accepted packets keep the
    /// geometry; anything authenticated is then a replay.
    pub fn mix_process(data: &[u8]) {
        let _ = check(&mut mix(), data);
    }

    /// `mix_process_mutated`: `data` is a list of `(offset u16 BE, xor byte)` edits applied to a
    /// valid packet (a valid packet itself when a seed is 380 bytes long is used directly).
    /// Any change to the header must be dropped; a changed payload
    /// is still processed (no payload integrity, spec D2).
    pub fn mix_process_mutated(data: &[u8]) {
        let mut packet = if data.len() == G.packet_len() {
            data.to_vec()
        } else {
            valid_packet()
        };
        let reference = valid_packet();
        if data.len() != G.packet_len() {
            for edit in data.chunks_exact(3) {
                let off = usize::from(u16::from_be_bytes([edit[0], edit[1]])) % packet.len();
                packet[off] ^= edit[2];
            }
        }
        let result = check(&mut mix(), &packet);
        let header = G.header_len();
        // The MAC covers every header byte after KS, including bit 255 of alpha.
        if packet[..header] == reference[..header] {
            assert!(result.is_ok(), "unchanged header rejected: {result:?}");
        } else {
            assert!(result.is_err(), "changed header accepted");
        }
    }

    /// `mix_discovery_decode`: decoding never panics; what decodes re-encodes to the input.
    pub fn mix_discovery_decode(data: &[u8]) {
        if let Ok(doc) = DiscoveryDocument::decode(data) {
            assert_eq!(doc.encode(), data);
            assert!(doc.entities().len() <= 255);
        }
    }

    /// `mix_surb_decode`: SURB and SURB-secret decoding never panic; what decodes re-encodes to
    /// the input; a decoded SURB can be replied through and a decoded secret can open a payload
    /// (`spec/mix.md §6`).
    pub fn mix_surb_decode(data: &[u8]) {
        if let Ok(s) = Surb::decode(G, data) {
            assert_eq!(s.encode(), data);
            let (first, packet) = s.reply(b"fuzz").unwrap();
            assert_eq!(first, s.first_hop());
            assert_eq!(packet.as_bytes().len(), G.packet_len());
            assert!(s.reply(&[0; 239]).is_err());
        }
        if let Ok(secret) = SurbSecret::from_bytes(data) {
            assert_eq!(*secret.to_bytes(), data);
            let g = Geometry::new(u8::try_from(secret.hops()).unwrap()).unwrap();
            let payload = alloc::vec![0x5a; g.payload_len()];
            match secret.open_reply(&payload) {
                Ok(m) => assert!(m.len() < g.payload_len()),
                Err(e) => assert_eq!(e, MixError::BadPadding),
            }
            assert_eq!(secret.open_reply(&payload[1..]), Err(MixError::BadLength));
        }
    }

    /// A deterministic all-zero "RNG" for the delay: keeps runs reproducible.
    mod rand_core_zero {
        pub struct Zero;
        impl rand_core::RngCore for Zero {
            fn next_u32(&mut self) -> u32 {
                0
            }
            fn next_u64(&mut self) -> u64 {
                0
            }
            fn fill_bytes(&mut self, dest: &mut [u8]) {
                dest.fill(0);
            }
            fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
                dest.fill(0);
                Ok(())
            }
        }
        impl rand_core::CryptoRng for Zero {}
    }
}

#[cfg(feature = "alloc")]
pub use bodies::{
    mix_discovery_decode, mix_process, mix_process_mutated, mix_surb_decode, valid_packet,
};

/// This protocol's targets, by name.
#[allow(clippy::type_complexity)]
#[cfg(feature = "alloc")]
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("mix_process", mix_process),
    ("mix_process_mutated", mix_process_mutated),
    ("mix_discovery_decode", mix_discovery_decode),
    ("mix_surb_decode", mix_surb_decode),
];

/// This protocol's targets, by name (none without `alloc`).
#[allow(clippy::type_complexity)]
#[cfg(not(feature = "alloc"))]
pub const TARGETS: &[(&str, fn(&[u8]))] = &[];
