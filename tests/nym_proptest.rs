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
    fragment_upload, open_blob, seal_blob, ClientMessage, Fragment, LogEntry, Notification,
    NymError, NymMessage, NymserverSecret, Upload, FRAGMENT_DATA_MAX,
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
    fn notification_round_trip(case_id in any::<[u8; 16]>(), ct in any::<[u8; 16]>(), g in any::<u8>(),
                               d in any::<u16>(), t in any::<u64>(), du in any::<u16>()) {
        let m = ClientMessage::Notification(Notification {
            case_id, chain_token: ct, generation: g, disease: d, time: t, duration: du,
        });
        let b = m.encode();
        prop_assert_eq!(b.len(), 46);
        prop_assert_eq!(ClientMessage::decode(&b).unwrap(), m);
    }
}
