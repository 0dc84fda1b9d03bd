//! Floods of every bounded table of `spec/geo.md §11` from the outside: each bound holds, the
//! refusals are the typed ones of the spec, and the honest traffic the spec promises still gets
//! through.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use contact_tracing::geo::{
    BlockSize, CentralConfig, CentralServer, CentralStorage, ClientKey, ClientLimits, GeoError,
    MemoryStorage, OprfRequest, OprfSeed, RiskHash, SaltItem, SaltKey, SaltRequest, SaltResponse,
    SaltServer, SaltServerConfig, UploadRecord, UserId,
};

const NOW: u64 = 1_700_000_000;

fn v6(prefix: u32, subnet: u16) -> ClientKey {
    let p = prefix.to_be_bytes();
    let s = subnet.to_be_bytes();
    ClientKey::V6([0x20, 0x01, p[1], p[2], p[3], 0, s[0], s[1]])
}

fn v4(i: u32) -> ClientKey {
    ClientKey::from_ipv4((0x0a00_0000 | i).to_be_bytes())
}

fn salt_server(limits: ClientLimits) -> SaltServer {
    SaltServer::new(
        SaltServerConfig {
            clients: limits,
            ..SaltServerConfig::default()
        },
        SaltKey::from_bytes([1; 32]),
        OprfSeed::from_bytes([2; 32]),
    )
    .unwrap()
}

fn request(now: u64) -> SaltRequest {
    SaltRequest {
        items: vec![SaltItem {
            size: 5,
            index: now / 300,
        }],
    }
}

fn ask(s: &mut SaltServer, c: ClientKey, now: u64) -> Result<(), GeoError> {
    s.handle_classic(c, now, &request(now))
        .map(|r| assert!(r.items[0].is_ok()))
        .map_err(|r| r.error)
}

const LIMITS: ClientLimits = ClientLimits {
    window_s: 3600,
    max_v4_clients: 500,
    max_v6_clients: 1000,
    max_clients_per_v6_prefix: 16,
};

#[test]
fn one_48_cannot_fill_the_ipv6_table() {
    let mut s = salt_server(LIMITS);
    let mut busy = 0;
    for subnet in 0..20_000u16 {
        match ask(&mut s, v6(7, subnet), NOW) {
            Ok(()) => {}
            Err(GeoError::PrefixBusy) => busy += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(busy, 20_000 - 16);
    assert_eq!(s.v6_prefix_clients(&[0x20, 0x01, 0, 0, 7, 0]), 16);
    // Every other /48 and every IPv4 client still gets through.
    for p in 100..150 {
        assert_eq!(ask(&mut s, v6(p, 1), NOW + 1), Ok(()));
    }
    for i in 0..100 {
        assert_eq!(ask(&mut s, v4(i), NOW + 1), Ok(()));
    }
    assert!(s.v6_clients() <= LIMITS.max_v6_clients);
}

#[test]
fn many_48s_fill_the_ipv6_table_but_not_the_ipv4_one() {
    let mut s = salt_server(LIMITS);
    // Honest clients first: 50 IPv6 (one per /48) and 100 IPv4.
    for p in 0..50 {
        assert_eq!(ask(&mut s, v6(10_000 + p, 1), NOW), Ok(()));
    }
    for i in 0..100 {
        assert_eq!(ask(&mut s, v4(i), NOW), Ok(()));
    }
    // The flood: 1000 /48s × 16 /64s, over three windows.
    for round in 0..3u64 {
        let t = NOW + 10 + round * 3600;
        let mut refused = 0;
        for p in 0..1000u32 {
            for subnet in 0..16u16 {
                match ask(&mut s, v6(p, subnet), t) {
                    Ok(()) | Err(GeoError::RateLimited) => {}
                    Err(GeoError::ServerBusy | GeoError::PrefixBusy) => refused += 1,
                    Err(e) => panic!("{e:?}"),
                }
                assert!(s.v6_clients() <= LIMITS.max_v6_clients);
            }
        }
        assert!(refused > 14_000, "round {round}: {refused}");
        // IPv4 is never affected: every honest IPv4 client is answered once per window.
        for i in 0..100 {
            assert_eq!(
                ask(&mut s, v4(i), t + 1),
                if round == 0 {
                    Err(GeoError::RateLimited)
                } else {
                    Ok(())
                }
            );
        }
        // New IPv4 clients too, up to their own table's bound.
        assert_eq!(ask(&mut s, v4(1000 + round as u32), t + 2), Ok(()));
        assert!(s.v4_clients() <= LIMITS.max_v4_clients);
    }
    // During the first window the honest IPv6 clients kept their entries (nothing of theirs had
    // expired, so nothing was pruned): they were rate limited, never refused as busy.
    assert!(s.clients() <= LIMITS.max_v4_clients + LIMITS.max_v6_clients);
}

#[test]
fn honest_ipv6_clients_keep_their_entries_within_their_window() {
    let mut s = salt_server(LIMITS);
    for p in 0..50 {
        assert_eq!(ask(&mut s, v6(10_000 + p, 1), NOW), Ok(()));
    }
    for p in 0..2000u32 {
        for subnet in 0..16u16 {
            let _ = ask(&mut s, v6(p, subnet), NOW + 100);
        }
    }
    for p in 0..50 {
        assert_eq!(s.last_request(&v6(10_000 + p, 1)), Some(NOW));
    }
}

#[test]
fn an_ipv4_flood_does_not_touch_ipv6() {
    let mut s = salt_server(LIMITS);
    for i in 0..100_000 {
        let _ = ask(&mut s, v4(i), NOW);
    }
    assert_eq!(s.v4_clients(), LIMITS.max_v4_clients);
    for p in 0..100 {
        assert_eq!(ask(&mut s, v6(p, 1), NOW + 1), Ok(()));
    }
    // One window later the IPv4 table is pruned on demand and new clients get in.
    assert_eq!(ask(&mut s, v4(200_000), NOW + 3600), Ok(()));
    assert_eq!(s.v4_clients(), 1);
}

#[test]
fn an_oversized_count_allocates_nothing_and_is_refused() {
    let mut bytes = vec![0xff, 0xff];
    bytes.extend_from_slice(&[5, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(SaltRequest::from_bytes(&bytes), Err(GeoError::Truncated));
    assert_eq!(OprfRequest::from_bytes(&bytes), Err(GeoError::Truncated));
    assert_eq!(
        SaltResponse::from_bytes(&[0xff, 0xff, 1]),
        Err(GeoError::Truncated)
    );
}

fn record(user: u32, hash: u32) -> UploadRecord {
    let mut h = [0u8; 32];
    h[..4].copy_from_slice(&hash.to_be_bytes());
    let mut u = [0u8; 16];
    u[..4].copy_from_slice(&user.to_be_bytes());
    UploadRecord {
        hash: RiskHash(h),
        user: UserId(u),
        size: BlockSize::M5,
    }
}

fn central(max_records: usize) -> CentralServer {
    central_with(max_records, max_records)
}

fn central_with(max_records: usize, max_marks: usize) -> CentralServer {
    CentralServer::new(
        CentralConfig {
            incubation_s: 86_400,
            clients: ClientLimits {
                window_s: 1800,
                ..LIMITS
            },
            max_records_per_upload: 100,
            max_records_per_user: 300,
            max_records,
            max_marks,
            ..CentralConfig::default()
        },
        MemoryStorage::new(),
    )
    .unwrap()
}

#[test]
fn one_address_cannot_flood_the_central_store() {
    let mut c = central(10_000);
    let attacker = v4(1);
    let mut stored = 0;
    for i in 0..1000u32 {
        let recs: Vec<_> = (0..100).map(|j| record(1_000_000 + i, j)).collect();
        match c.upload(attacker, NOW + u64::from(i), &recs) {
            Ok(n) => stored += n,
            Err(r) => assert_eq!(r.error, GeoError::RateLimited),
        }
    }
    assert_eq!(stored, 100);
    let big: Vec<_> = (0..101).map(|j| record(5, j)).collect();
    assert_eq!(
        c.upload(v4(2), NOW, &big).unwrap_err().error,
        GeoError::TooManyItems
    );
    // Honest uploads from other addresses go through.
    for u in 0..50 {
        let recs: Vec<_> = (0..30).map(|j| record(u, j)).collect();
        assert_eq!(c.upload(v4(100 + u), NOW + 5, &recs), Ok(30));
    }
}

#[test]
fn a_user_id_cannot_grow_past_its_quota() {
    let mut c = central(100_000);
    let mut refused = 0;
    for i in 0..20u32 {
        let recs: Vec<_> = (0..100).map(|j| record(9, i * 100 + j)).collect();
        match c.upload(v4(i), NOW, &recs) {
            Ok(_) => {}
            Err(r) => {
                assert_eq!(r.error, GeoError::UserQuota);
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 17);
    assert_eq!(c.storage().user_record_count(&record(9, 0).user), 300);
}

#[test]
fn a_full_store_refuses_typed_and_honest_users_still_query_and_report() {
    let mut c = central(2004);
    // Honest users upload first; one shares a hash with the positive case.
    assert_eq!(c.upload(v4(1), NOW, &[record(1, 1), record(1, 2)]), Ok(2));
    assert_eq!(c.upload(v4(2), NOW, &[record(2, 2), record(2, 3)]), Ok(2));
    // A flood of fresh user ids from many addresses fills the store.
    let mut refused = 0;
    for a in 0..100u32 {
        let recs: Vec<_> = (0..100)
            .map(|j| record(10_000 + a, 1_000_000 + a * 100 + j))
            .collect();
        match c.upload(v4(1000 + a), NOW + 1, &recs) {
            Ok(_) => {}
            Err(r) => {
                assert_eq!(r.error, GeoError::StoreFull);
                refused += 1;
            }
        }
        assert!(c.storage().record_count() <= 2004);
    }
    assert_eq!(refused, 80);
    // New honest data is refused with a typed error (the client keeps it and retries) ...
    assert_eq!(
        c.upload(v4(3), NOW + 2, &[record(3, 3)]).unwrap_err().error,
        GeoError::StoreFull
    );
    // ... but a refresh of held records is admitted, reports and queries work.
    assert_eq!(c.upload(v4(4), NOW + 2, &[record(1, 1)]), Ok(0));
    assert_eq!(c.report_positive(&record(1, 0).user, NOW + 3), Ok(2));
    assert_eq!(c.query(&record(2, 0).user).exposure(), Some(1));
    // Expiry frees room and the retried upload goes through.
    c.expire(NOW + 1 + 86_400);
    assert_eq!(c.upload(v4(3), NOW + 86_402, &[record(3, 3)]), Ok(1));
}

#[test]
fn marks_are_bounded_and_a_refused_report_marks_nothing() {
    let mut c = central_with(5000, 950);
    for a in 0..9u32 {
        let recs: Vec<_> = (0..100).map(|j| record(a, a * 100 + j)).collect();
        assert_eq!(c.upload(v4(a), NOW, &recs), Ok(100));
    }
    for a in 0..9u32 {
        assert_eq!(c.report_positive(&record(a, 0).user, NOW + 1), Ok(100));
    }
    assert_eq!(c.storage().mark_count(), 900);
    assert_eq!(
        c.upload(
            v4(50),
            NOW,
            &(0..100).map(|j| record(50, 5000 + j)).collect::<Vec<_>>()
        ),
        Ok(100)
    );
    assert_eq!(
        c.report_positive(&record(50, 0).user, NOW + 2),
        Err(GeoError::StoreFull)
    );
    assert_eq!(c.storage().mark_count(), 900);
    assert_eq!(c.query(&record(50, 0).user).exposure(), None);
    // Earlier marks are untouched; re-reporting them is a refresh and is admitted.
    assert_eq!(c.report_positive(&record(3, 0).user, NOW + 3), Ok(100));
}

#[test]
fn the_central_admission_table_is_bounded_like_the_salt_servers() {
    let mut c = central(1_000_000);
    for subnet in 0..5000u16 {
        let _ = c.upload(v6(7, subnet), NOW, &[record(u32::from(subnet), 1)]);
    }
    assert_eq!(c.clients(), 16);
    assert_eq!(c.upload(v6(8, 1), NOW, &[record(99_999, 1)]), Ok(1));
    assert_eq!(c.upload(v4(5), NOW, &[record(99_998, 1)]), Ok(1));
}
