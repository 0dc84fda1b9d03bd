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
    oprf_blind_raw, BlockSize, CentralConfig, CentralServer, CentralStorage, ClientKey,
    ClientLimits, GeoError, MemoryStorage, OprfItem, OprfRequest, OprfSeed, Refused, RiskHash,
    SaltItem, SaltKey, SaltRequest, SaltResponse, SaltServer, SaltServerConfig, TimeBlock,
    UploadRecord, UserId,
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
    let (mut admitted, mut busy) = (0, 0);
    for p in 0..2000u32 {
        for subnet in 0..16u16 {
            match ask(&mut s, v6(p, subnet), NOW + 100) {
                Ok(()) => admitted += 1,
                Err(GeoError::ServerBusy) => busy += 1,
                Err(e) => panic!("{e:?}"),
            }
        }
    }
    // The flood takes exactly the room the honest clients left, and nothing of theirs.
    assert_eq!(admitted, LIMITS.max_v6_clients - 50);
    assert_eq!(busy, 2000 * 16 - admitted);
    assert_eq!(s.v6_clients(), LIMITS.max_v6_clients);
    for p in 0..50 {
        assert_eq!(s.last_request(&v6(10_000 + p, 1)), Some(NOW));
    }
}

#[test]
fn an_ipv4_flood_does_not_touch_ipv6() {
    let mut s = salt_server(LIMITS);
    let mut busy = 0;
    for i in 0..100_000 {
        match ask(&mut s, v4(i), NOW) {
            Ok(()) => assert!(i < 500, "{i}"),
            Err(GeoError::ServerBusy) => busy += 1,
            Err(e) => panic!("{i}: {e:?}"),
        }
    }
    assert_eq!(busy, 100_000 - LIMITS.max_v4_clients);
    assert_eq!(s.v4_clients(), LIMITS.max_v4_clients);
    assert_eq!(s.v6_clients(), 0);
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

/// One upload of one fresh record (a new user each time, so no quota is met).
fn put(c: &mut CentralServer, client: ClientKey, now: u64, user: u32) -> Result<(), GeoError> {
    c.upload(client, now, &[record(user, 1)])
        .map(|n| assert_eq!(n, 1))
        .map_err(|r| r.error)
}

/// The /48 of `v6(prefix, _)`, as the getters take it.
fn prefix48(prefix: u32) -> [u8; 6] {
    let p = prefix.to_be_bytes();
    [0x20, 0x01, p[1], p[2], p[3], 0]
}

#[test]
fn the_central_admission_table_is_bounded_like_the_salt_servers() {
    let mut c = central(1_000_000);
    let mut busy = 0;
    for subnet in 0..5000u16 {
        match put(&mut c, v6(7, subnet), NOW, u32::from(subnet)) {
            Ok(()) => assert!(subnet < 16),
            Err(GeoError::PrefixBusy) => busy += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(busy, 5000 - 16);
    assert_eq!(c.clients(), 16);
    assert_eq!(c.v6_prefix_clients(&prefix48(7)), 16);
    assert_eq!((c.v4_clients(), c.v6_clients()), (0, 16));
    assert_eq!(put(&mut c, v6(8, 1), NOW, 99_999), Ok(()));
    assert_eq!(put(&mut c, v4(5), NOW, 99_998), Ok(()));
}

/// The central table's IPv6 family bound, flooded from many /48s: every /48 holds at most
/// `max_clients_per_v6_prefix`, the family at most `max_v6_clients` (`GEO_SERVER_BUSY` past it),
/// IPv4 is untouched, and honest IPv6 clients already in the table keep their entries and are
/// readmitted after their window without a capacity check (`spec/geo.md §8.3`, `§9.3`, `§11`).
#[test]
fn a_flood_from_many_48s_fills_only_the_central_ipv6_table() {
    let mut c = central(1_000_000);
    let limits = c.config().clients;
    let (window, per48, max_v6) = (
        limits.window_s,
        limits.max_clients_per_v6_prefix,
        limits.max_v6_clients,
    );
    let mut user = 0u32;
    let mut next_user = || {
        user += 1;
        user
    };
    // Honest clients first: 10 IPv6 (one per /48) and 10 IPv4.
    for p in 0..10 {
        assert_eq!(put(&mut c, v6(50_000 + p, 1), NOW, next_user()), Ok(()));
        assert_eq!(put(&mut c, v4(p), NOW, next_user()), Ok(()));
    }
    // The flood: 200 /48s × 20 /64s.
    let (mut ok, mut prefix_busy, mut server_busy) = (0, 0, 0);
    for p in 0..200u32 {
        for subnet in 0..20u16 {
            match put(&mut c, v6(p, subnet), NOW + 1, next_user()) {
                Ok(()) => ok += 1,
                Err(GeoError::PrefixBusy) => prefix_busy += 1,
                Err(GeoError::ServerBusy) => server_busy += 1,
                Err(e) => panic!("{e:?}"),
            }
            assert!(c.v6_clients() <= max_v6);
            assert!(c.v6_prefix_clients(&prefix48(p)) <= per48);
        }
    }
    // The flood got exactly the room left: whole /48s of 16, then a part of one.
    let room = max_v6 - 10;
    let full_48s = room / per48;
    assert_eq!(ok, room);
    assert_eq!(prefix_busy, full_48s * (20 - per48));
    assert_eq!(server_busy, 200 * 20 - ok - prefix_busy);
    assert_eq!(c.v6_clients(), max_v6);
    for p in 0..full_48s as u32 {
        assert_eq!(c.v6_prefix_clients(&prefix48(p)), per48);
    }
    assert_eq!(
        c.v6_prefix_clients(&prefix48(full_48s as u32)),
        room % per48
    );
    assert_eq!(c.v6_prefix_clients(&prefix48(199)), 0);
    // A new IPv6 client of an untouched /48 is refused typed: the table is full of live entries.
    assert_eq!(
        put(&mut c, v6(60_000, 1), NOW + 2, next_user()),
        Err(GeoError::ServerBusy)
    );
    // IPv4 is not affected: known clients are rate limited as usual, new ones admitted.
    assert_eq!(
        c.upload(v4(0), NOW + 2, &[record(next_user(), 1)]),
        Err(Refused {
            error: GeoError::RateLimited,
            retry_at: Some(NOW + window),
        })
    );
    for i in 100..150 {
        assert_eq!(put(&mut c, v4(i), NOW + 2, next_user()), Ok(()));
    }
    assert_eq!(c.v4_clients(), 60);
    // The honest IPv6 clients kept their entries, and after their window they are readmitted
    // without a capacity check although the flood's entries are still live.
    for p in 0..10 {
        assert_eq!(c.last_upload(&v6(50_000 + p, 1)), Some(NOW));
        assert_eq!(
            put(&mut c, v6(50_000 + p, 1), NOW + window, next_user()),
            Ok(())
        );
    }
    assert_eq!(c.v6_clients(), max_v6);
    // Once the flood's window has passed, its entries are pruned on demand.
    assert_eq!(
        put(&mut c, v6(60_000, 1), NOW + 1 + window, next_user()),
        Ok(())
    );
    assert_eq!(c.v6_clients(), 10 + 1);
}

/// The central table's IPv4 family bound: a flood of IPv4 addresses is refused
/// `GEO_SERVER_BUSY` past `max_v4_clients` and does not touch IPv6.
#[test]
fn an_ipv4_flood_fills_only_the_central_ipv4_table() {
    let mut c = central(1_000_000);
    let max_v4 = c.config().clients.max_v4_clients;
    let window = c.config().clients.window_s;
    assert_eq!(put(&mut c, v6(1, 1), NOW, 0), Ok(()));
    let mut busy = 0;
    for i in 0..20_000u32 {
        match put(&mut c, v4(i), NOW, 1 + i) {
            Ok(()) => assert!((i as usize) < max_v4, "{i}"),
            Err(GeoError::ServerBusy) => busy += 1,
            Err(e) => panic!("{i}: {e:?}"),
        }
        assert!(c.v4_clients() <= max_v4);
    }
    assert_eq!(busy, 20_000 - max_v4);
    assert_eq!((c.v4_clients(), c.v6_clients()), (max_v4, 1));
    for p in 2..102 {
        assert_eq!(put(&mut c, v6(p, 1), NOW + 1, 100_000 + p), Ok(()));
    }
    assert_eq!(c.v6_clients(), 101);
    // One window later the IPv4 table is pruned on demand.
    assert_eq!(put(&mut c, v4(50_000), NOW + window, 200_000), Ok(()));
    assert_eq!(c.v4_clients(), 1);
}

/// Items of one request (`spec/geo.md §8.3` rows 5–6, `§11`): exactly `max_salts` classic items
/// and `max_evaluations` OPRF items are answered, one more is refused `GEO_TOO_MANY_ITEMS` (and
/// costs the client its window), and a flood of over-long requests leaves honest requests answered.
#[test]
fn request_item_limits_hold_under_a_flood() {
    let mut s = salt_server(LIMITS);
    let max_salts = s.config().max_salts;
    let max_evals = s.config().max_evaluations;
    assert_eq!(
        (max_salts, max_evals),
        (90, 400),
        "the defaults of spec/geo.md §8.2"
    );
    let block = TimeBlock::new(BlockSize::M5, NOW / 300);
    let classic = |n: usize| SaltRequest {
        items: vec![SaltItem::from(block); n],
    };
    let blinded = oprf_blind_raw(b"geo bounded", &{
        let mut b = [0u8; 32];
        b[0] = 7;
        b
    })
    .unwrap();
    let oprf = |n: usize| OprfRequest {
        items: vec![
            OprfItem {
                size: 5,
                index: block.index(),
                blinded,
            };
            n
        ],
    };
    let salt = *SaltKey::from_bytes([1; 32]).salt(&block).as_bytes();
    let eval = OprfSeed::from_bytes([2; 32])
        .evaluate(&block, &blinded)
        .unwrap();

    // n = max: every item answered.
    let r = s.handle_classic(v4(1), NOW, &classic(max_salts)).unwrap();
    assert_eq!(r.items, vec![Ok(salt); max_salts]);
    let r = s.handle_oprf(v4(2), NOW, &oprf(max_evals)).unwrap();
    assert_eq!(r.items, vec![Ok(eval); max_evals]);
    // n = max + 1, and the format's largest count: refused, typed.
    for (client, n) in [(3, max_salts + 1), (4, 65_535)] {
        let bytes = classic(n).to_bytes().unwrap();
        let req = SaltRequest::from_bytes(&bytes).unwrap();
        assert_eq!(
            s.handle_classic(v4(client), NOW, &req).unwrap_err(),
            Refused {
                error: GeoError::TooManyItems,
                retry_at: None
            }
        );
    }
    for (client, n) in [(5, max_evals + 1), (6, 65_535)] {
        let bytes = oprf(n).to_bytes().unwrap();
        let req = OprfRequest::from_bytes(&bytes).unwrap();
        assert_eq!(
            s.handle_oprf(v4(client), NOW, &req).unwrap_err(),
            Refused {
                error: GeoError::TooManyItems,
                retry_at: None
            }
        );
    }
    // The refused request spent the client's window (row 6: the slot stays consumed).
    assert_eq!(
        s.handle_classic(v4(3), NOW + 1, &classic(1))
            .unwrap_err()
            .error,
        GeoError::RateLimited
    );
    // A flood of over-long requests from fresh addresses of both families: each is refused
    // typed and answers nothing; honest requests in between are answered in full.
    for i in 0..300u32 {
        let now = NOW + 2;
        assert_eq!(
            s.handle_classic(v4(1000 + i), now, &classic(max_salts + 1))
                .unwrap_err()
                .error,
            GeoError::TooManyItems
        );
        assert_eq!(
            s.handle_oprf(v6(i, 1), now, &oprf(max_evals + 1))
                .unwrap_err()
                .error,
            GeoError::TooManyItems
        );
        if i % 100 == 0 {
            let r = s.handle_classic(v6(5000 + i, 2), now, &classic(max_salts));
            assert_eq!(r.unwrap().items.len(), max_salts);
        }
    }
    assert!(s.v4_clients() <= LIMITS.max_v4_clients);
    assert!(s.v6_clients() <= LIMITS.max_v6_clients);
    let r = s.handle_oprf(v6(9000, 9), NOW + 3, &oprf(1)).unwrap();
    assert_eq!(r.items, vec![Ok(eval)]);
    // And the client whose request was answered asks again after its window.
    let r = s.handle_classic(v4(1), NOW + LIMITS.window_s, &classic(1));
    assert_eq!(r.unwrap().items.len(), 1);
}
