//! Fuzz-target bodies of the `encounter` protocol (`spec/encounter.md`).

#[cfg(feature = "alloc")]
use alloc::collections::BTreeMap;
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use crate::encounter::{
    Attestation, AuthorityKey, ContactRecord, EncounterError, InfectionReport, OnionAddress,
    PairSecret, Policy, Receiver, ReportType,
};
#[cfg(feature = "alloc")]
use crate::encounter::{
    ContactBook, ContactLimits, LoadGovernor, LoadInput, LoadOutput, LoadParams, Recorded,
    ReplayCache,
};

/// `encounter_address_parse`: parsing never panics; whatever parses prints in the canonical
/// lowercase form and parses back to the same key.
pub fn encounter_address_parse(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(addr) = OnionAddress::parse(text) {
        let canonical = addr.encode();
        assert!(
            canonical.eq_ignore_ascii_case(data),
            "canonical form differs beyond case"
        );
        let again = OnionAddress::parse(core::str::from_utf8(&canonical).unwrap()).unwrap();
        assert_eq!(again, addr);
    }
}

/// `encounter_attestation_decode`: decoding never panics and re-encodes byte-exactly.
pub fn encounter_attestation_decode(data: &[u8]) {
    if let Ok(att) = Attestation::decode(data) {
        assert_eq!(&att.encode()[..], data);
    }
}

/// `encounter_report_decode`: decoding never panics and re-encodes byte-exactly.
pub fn encounter_report_decode(data: &[u8]) {
    if let Ok(report) = InfectionReport::decode(data) {
        assert_eq!(&report.encode()[..], data);
    }
}

fn h32(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks(2)) {
        let v = |c: u8| (c as char).to_digit(16).unwrap() as u8;
        *o = (v(pair[0]) << 4) | v(pair[1]);
    }
    out
}

/// The receiver's side of the vectors' main scenario (`vectors/encounter/report_receive_test.json`
/// tcId 1): own B = RFC 8032 TEST 2, peer A = TEST 1, `S` as derived there, met on day 19995.
fn contact() -> ContactRecord {
    let secret = PairSecret::from_parts(
        h32("76e41e622e4678d3727fb710b8c87f9a64966b8770bd3002f524fda1596897f3"),
        h32("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
        h32("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
    );
    ContactRecord::from_parts(secret, 19_995, 1)
}

/// The pinned authority key (HA = RFC 8032 TEST 3), validated once per process under `std`.
fn authority() -> AuthorityKey {
    let make = || {
        AuthorityKey::new(
            &h32("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
            1_700_000_000,
            1_800_000_000,
            false,
        )
        .unwrap()
    };
    #[cfg(feature = "std")]
    {
        static KEY: std::sync::OnceLock<AuthorityKey> = std::sync::OnceLock::new();
        *KEY.get_or_init(make)
    }
    #[cfg(not(feature = "std"))]
    make()
}

/// `encounter_receiver`: the receiver of the vectors' main scenario never panics on any input;
/// an accepted report decodes, and offering it again is a replay.
pub fn encounter_receiver(data: &[u8]) {
    let contacts = [contact()];
    let keys = [authority()];
    let types = [
        ReportType::Confirmed,
        ReportType::Likely,
        ReportType::Revocation,
    ];
    let policy = Policy::new(&[1], &types);
    let now = 1_728_000_100;
    let mut rx = Receiver::<4>::new();
    if let Ok(n) = rx.receive(data, &contacts[..], &keys, &policy, now) {
        let report = InfectionReport::decode(data).unwrap();
        assert_eq!(n.pair_id, report.pair_id());
        assert_eq!(
            rx.receive(data, &contacts[..], &keys, &policy, now + 1),
            Err(EncounterError::Replayed)
        );
    }
}

/// A model of the replay cache (§9.3): a list of live entries, as the table reads.
#[cfg(feature = "alloc")]
#[derive(Default)]
struct CacheModel(Vec<([u8; 16], [u8; 16], u64)>);

#[cfg(feature = "alloc")]
impl CacheModel {
    fn admit(
        &mut self,
        n: [u8; 16],
        p: [u8; 16],
        exp: u64,
        now: u64,
        cap: usize,
    ) -> Result<(), EncounterError> {
        self.0.retain(|e| e.2 > now);
        if self.0.iter().any(|e| e.0 == n && e.1 == p) {
            return Err(EncounterError::Replayed);
        }
        if self.0.len() >= cap {
            return Err(EncounterError::ReplayCacheFull);
        }
        self.0.push((n, p, exp));
        Ok(())
    }
}

/// A model of the contact store (§9.4): `pair_id → (last_day, days)` and the day's counter.
#[cfg(feature = "alloc")]
struct BookModel {
    limits: ContactLimits,
    records: BTreeMap<[u8; 16], (u32, u32)>,
    quota: (u32, u32),
}

#[cfg(feature = "alloc")]
impl BookModel {
    fn record(&mut self, id: [u8; 16], day: u32) -> Result<Recorded, EncounterError> {
        let note = |(last, days): &mut (u32, u32)| {
            if day > *last {
                *days = days.checked_shl(day - *last).unwrap_or(0) | 1;
                *last = day;
            } else if *last - day < 32 {
                *days |= 1 << (*last - day);
            }
        };
        match self.records.get_mut(&id) {
            Some(r) if day <= r.0 => {
                note(r);
                return Ok(Recorded::Updated);
            }
            _ => {}
        }
        if day > self.quota.0 {
            self.quota = (day, 0);
        }
        if self.quota.1 >= self.limits.per_day {
            return Err(EncounterError::ContactQuota);
        }
        let out = if let Some(r) = self.records.get_mut(&id) {
            note(r);
            Recorded::Updated
        } else {
            if self.records.len() >= self.limits.capacity as usize {
                let (today, keep) = (self.quota.0, self.limits.retention_days);
                self.records.retain(|_, r| today.saturating_sub(r.0) < keep);
            }
            if self.records.len() >= self.limits.capacity as usize {
                return Err(EncounterError::ContactStoreFull);
            }
            self.records.insert(id, (day, 1));
            Recorded::New
        };
        self.quota.1 += 1;
        Ok(out)
    }
}

/// `encounter_state_ops`: the replay cache, the contact store and the load governor driven by
/// arbitrary operations. The cache and the store agree with a model of their tables, no state
/// exceeds its bound, and the governor's outputs respect its parameters. Nothing panics.
#[cfg(feature = "alloc")]
pub fn encounter_state_ops(data: &[u8]) {
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next();
    let (Some(a), Some(b), Some(c)) = (next(), next(), next()) else {
        return;
    };
    let limits = ContactLimits {
        capacity: u32::from(a % 8),
        per_day: u32::from(b % 6),
        retention_days: u32::from(c % 34),
    };
    let book = ContactBook::new(limits);
    assert_eq!(book.is_err(), limits.validate().is_err());
    let mut book = book.ok();
    let mut book_model = BookModel {
        limits,
        records: BTreeMap::new(),
        quota: (0, 0),
    };
    let params = LoadParams {
        window: 1 + u64::from(a % 16),
        budget: 1 + u32::from(b % 8),
        base_cooldown: 1 + u64::from(c % 32),
        max_cooldown: 32 + u64::from(a),
    };
    let mut gov = LoadGovernor::new(params, 0).unwrap();
    let mut cache = ReplayCache::<4>::new();
    let mut cache_model = CacheModel::default();
    let (mut now, mut day) = (0u64, 0u32);
    while let Some(op) = next() {
        let arg = next().unwrap_or(0);
        match op % 6 {
            0 => now = now.saturating_add(u64::from(arg) * 7),
            1 => now = now.saturating_sub(u64::from(arg)),
            2 => {
                let (n, p) = ([arg % 5; 16], [arg / 5 % 3; 16]);
                let exp = now.saturating_add(1 + u64::from(next().unwrap_or(0)));
                let got = cache.admit(&n, &p, exp, now);
                assert_eq!(got, cache_model.admit(n, p, exp, now, 4));
                assert!(cache.live(now) <= 4 && cache.len() <= 4);
            }
            3 => {
                day = day.saturating_add(u32::from(arg % 4));
                // Now and then an encounter recorded late, for an earlier day.
                let d = if arg & 0x80 != 0 {
                    day.saturating_sub(u32::from(arg % 3))
                } else {
                    day
                };
                if let Some(book) = book.as_mut() {
                    let secret = PairSecret::from_parts([arg % 11; 32], [1; 32], [2; 32]);
                    let id = secret.pair_id();
                    let got = book.record(secret, d);
                    assert_eq!(got, book_model.record(id, d));
                    assert!(book.len() <= limits.capacity);
                    assert!(book.counted_on(day) <= limits.per_day);
                    // At most per_day × retention records are unexpired (§9.4).
                    let unexpired = book
                        .iter()
                        .filter(|r| day.saturating_sub(r.last_day()) < limits.retention_days)
                        .count();
                    assert!(
                        unexpired as u64
                            <= u64::from(limits.per_day) * u64::from(limits.retention_days)
                    );
                    if let Some(r) = book.get(&id) {
                        assert_eq!(book_model.records.get(&id), Some(&(r.last_day(), r.days())));
                    }
                }
            }
            4 => {
                let input = if arg & 1 == 0 {
                    LoadInput::Tick
                } else {
                    LoadInput::Inbound {
                        weight: u32::from(arg >> 1),
                    }
                };
                let was_up = gov.is_up();
                match gov.step(input, now) {
                    LoadOutput::Accept => assert!(was_up && gov.is_up()),
                    LoadOutput::Drop => assert!(!was_up && !gov.is_up()),
                    LoadOutput::TakeDown { until } => {
                        assert!(was_up && !gov.is_up());
                        let cooldown = until.saturating_sub(now);
                        assert!(
                            until == u64::MAX
                                || (params.base_cooldown..=params.max_cooldown).contains(&cooldown)
                        );
                    }
                    LoadOutput::BringUp => assert!(!was_up && gov.is_up()),
                    LoadOutput::Idle => assert_eq!(was_up, gov.is_up()),
                }
            }
            _ => {
                if let Some(book) = book.as_mut() {
                    let before = book.len();
                    let removed = book.expire(day);
                    let keep = limits.retention_days;
                    book_model
                        .records
                        .retain(|_, r| day.saturating_sub(r.0) < keep);
                    assert_eq!(before - removed, book.len());
                    assert_eq!(book.len() as usize, book_model.records.len());
                }
            }
        }
    }
}

/// This protocol's targets, by name.
#[cfg(feature = "alloc")]
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("encounter_address_parse", encounter_address_parse),
    ("encounter_attestation_decode", encounter_attestation_decode),
    ("encounter_report_decode", encounter_report_decode),
    ("encounter_receiver", encounter_receiver),
    ("encounter_state_ops", encounter_state_ops),
];

/// This protocol's targets, by name (the state machines need `alloc`).
#[cfg(not(feature = "alloc"))]
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("encounter_address_parse", encounter_address_parse),
    ("encounter_attestation_decode", encounter_attestation_decode),
    ("encounter_report_decode", encounter_report_decode),
    ("encounter_receiver", encounter_receiver),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encounter::IdentityKey;

    #[test]
    fn receiver_fixture_is_the_derived_contact() {
        let a = IdentityKey::from_seed(h32(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        ))
        .unwrap();
        let b = IdentityKey::from_seed(h32(
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        ))
        .unwrap();
        assert_eq!(
            contact(),
            ContactRecord::new(b.encounter(&a.peer_key()).unwrap(), 19_995)
        );
    }
}
