//! Property tests of the nym codecs and the contact log (spec/nym.md §3, §6).
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use contact_tracing::mix::{create_surb, Geometry, MailboxAddress, MixSecret, RouteHop};
use contact_tracing::nym::authority::{ApprovalMode, Authority};
use contact_tracing::nym::{
    chain_distance, chain_element, fragment_upload, open_blob, seal_blob, Ack, ClientMessage,
    Fragment, LogEntry, Notification, NotificationBody, NymError, NymMessage, NymserverSecret,
    SealedRecord, Upload, FRAGMENT_DATA_MAX, SWAP_WINDOW,
};
use proptest::prelude::*;

fn route() -> Vec<RouteHop> {
    [1u8, 2, 3, 10]
        .iter()
        .map(|n| RouteHop {
            entity: *n,
            key_select: 7,
            public_key: MixSecret::from_bytes([*n; 32]).public_key(),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn log_entry_round_trip(k in any::<[u8; 32]>(), e in any::<[u8; 32]>(), time in any::<u64>(),
                            duration in any::<u16>(), flip in 0usize..90) {
        let ns = NymserverSecret::from_bytes([4; 32]);
        let entry = LogEntry::seal(&ns.public(), &k, time, duration, &e).unwrap();
        let bytes = entry.encode();
        let back = LogEntry::decode(&bytes).unwrap();
        prop_assert_eq!(*back.open(&ns).unwrap(), k);
        // Any single-bit change is rejected (tag, AD or a different ephemeral).
        let mut b = bytes;
        b[flip] ^= 1;
        let r = LogEntry::decode(&b).unwrap().open(&ns);
        prop_assert!(matches!(r, Err(NymError::LogDecrypt) | Err(NymError::WeakKey)));
    }

    #[test]
    fn blob_round_trip(k in any::<[u8; 32]>(), eph in any::<[u8; 32]>(), mk in any::<[u8; 32]>()) {
        let g = Geometry::FOUR_HOPS;
        let surb = create_surb(g, &route(), &MailboxAddress([1; 36]), &eph, &mk).unwrap().0;
        let blob = seal_blob(&k, &surb).unwrap();
        prop_assert_eq!(blob.len(), g.surb_len());
        prop_assert_eq!(open_blob(g, &k, &blob).unwrap(), surb);
    }

    #[test]
    fn uploads_fragment_and_reassemble(n in 0usize..40, id in any::<[u8; 16]>(), ext in any::<bool>()) {
        let ns = NymserverSecret::from_bytes([4; 32]);
        let entries: Vec<LogEntry> = (0..n)
            .map(|i| LogEntry::seal(&ns.public(), &[i as u8; 32], i as u64, 1, &[i as u8 ^ 0x5a; 32]).unwrap())
            .collect();
        let up = if ext {
            Upload::Extension { case_id: [1; 16], address: [2; 32], chain_token: [3; 16], entries }
        } else {
            let t = Authority::from_seed(&[1; 32]).issue([5; 16], 1, 2, ApprovalMode::Authority, 9);
            Upload::Infection { token: t, entries }
        };
        let bytes = up.encode();
        prop_assert_eq!(Upload::decode(&bytes).unwrap(), up);
        let frags = fragment_upload(&bytes, id).unwrap();
        let mut joined = Vec::new();
        for (i, f) in frags.iter().enumerate() {
            prop_assert!(f.len() < Geometry::FOUR_HOPS.max_message_len());
            let m = NymMessage::decode(Geometry::FOUR_HOPS, f).unwrap();
            let NymMessage::Fragment(Fragment { index, count, data, .. }) = m else { panic!("not a fragment") };
            prop_assert_eq!((usize::from(index), usize::from(count)), (i, frags.len()));
            prop_assert!(data.len() <= FRAGMENT_DATA_MAX);
            joined.extend_from_slice(&data);
        }
        prop_assert_eq!(joined, bytes);
    }

    #[test]
    fn notification_round_trip(seq in any::<u8>(), case_id in any::<[u8; 16]>(), ct in any::<[u8; 16]>(), g in any::<u8>(),
                               d in any::<u16>(), t in any::<u64>(), du in any::<u16>()) {
        let body = NotificationBody { case_id, chain_token: ct, generation: g, disease: d, time: t, duration: du };
        let m = ClientMessage::Notification(Notification { seq, body });
        let b = m.encode();
        prop_assert_eq!(b.len(), 47);
        prop_assert_eq!(ClientMessage::decode(&b).unwrap(), m);
    }

    #[test]
    fn sealed_records_open_only_under_their_address(k in any::<[u8; 32]>(), other in any::<[u8; 32]>(), seq in any::<u8>(),
                                                    case_id in any::<[u8; 16]>(), flip in 0usize..62) {
        let body = NotificationBody { case_id, chain_token: [1; 16], generation: 0, disease: 7, time: 9, duration: 1 };
        let r = SealedRecord::seal(&k, seq, &body);
        prop_assert_eq!(r.open(&k).unwrap(), body);
        prop_assume!(k != other);
        prop_assert_eq!(r.open(&other), Err(NymError::BadReply));
        // Any bit of the record changed (the seq is the nonce) fails.
        let mut b = r.encode();
        b[flip] ^= 1;
        let m = ClientMessage::Ack(Ack { element: [0; 32], count: 1, records: vec![r] }).encode();
        let mut m2 = m.clone();
        m2[35 + flip] ^= 1;
        let ClientMessage::Ack(a) = ClientMessage::decode(&m2).unwrap() else { panic!("ack") };
        prop_assert_eq!(a.records[0].open(&k), Err(NymError::BadReply));
        let _ = b;
    }

    #[test]
    fn chain_distance_finds_exactly_the_steps(seed in any::<[u8; 32]>(), i in 0usize..40, j in 0usize..40) {
        let ei = chain_element(&seed, i).unwrap();
        let ej = chain_element(&seed, j).unwrap();
        let d = chain_distance(&ej, &ei, SWAP_WINDOW);
        if j > i && j - i <= SWAP_WINDOW {
            prop_assert_eq!(d, Some(j - i));
        } else {
            prop_assert_eq!(d, None);
        }
    }
}
