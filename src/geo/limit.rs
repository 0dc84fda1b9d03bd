//! The per-address admission table shared by the salt server and the central server
//! (`spec/geo.md §8.1`, `§8.3` checks 1–4, `§9.3`): one request per client per window, with a
//! bounded table that a flood of addresses cannot grow or monopolise.

use alloc::collections::{BTreeMap, BTreeSet};

use super::GeoError;

/// A client's rate-limit key: an IPv4 /32 or an IPv6 /64 (`spec/geo.md §8.1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClientKey {
    /// An IPv4 address.
    V4([u8; 4]),
    /// The first 64 bits of an IPv6 address.
    V6([u8; 8]),
}

/// Length of the IPv6 aggregation prefix of `spec/geo.md §8.1` (a /48).
const V6_PREFIX_LEN: usize = 6;

impl ClientKey {
    /// The key of an IPv4 address.
    pub fn from_ipv4(addr: [u8; 4]) -> Self {
        ClientKey::V4(addr)
    }

    /// The key of an IPv6 address: its /64, except that an IPv4-mapped address `::ffff:a.b.c.d`
    /// is keyed as `a.b.c.d`.
    pub fn from_ipv6(addr: [u8; 16]) -> Self {
        let (head, tail) = addr.split_at(12);
        if head == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] {
            let mut v4 = [0u8; 4];
            v4.copy_from_slice(tail);
            return ClientKey::V4(v4);
        }
        let mut p = [0u8; 8];
        p.copy_from_slice(addr.get(..8).unwrap_or(&[0u8; 8]));
        ClientKey::V6(p)
    }

    /// The /48 an IPv6 key belongs to (its first 6 bytes); `None` for IPv4.
    pub fn v6_prefix(&self) -> Option<[u8; V6_PREFIX_LEN]> {
        match self {
            ClientKey::V4(_) => None,
            ClientKey::V6(p) => {
                let mut out = [0u8; V6_PREFIX_LEN];
                out.copy_from_slice(p.get(..V6_PREFIX_LEN).unwrap_or(&[0u8; V6_PREFIX_LEN]));
                Some(out)
            }
        }
    }
}

/// Largest allowed `max_v4_clients` / `max_v6_clients` (`spec/geo.md §8.2`).
pub const MAX_TABLE_CLIENTS: usize = 1 << 24;
/// Number of /64s in a /48: the largest meaningful `max_clients_per_v6_prefix`.
pub const V6_PREFIX_SLOTS: usize = 1 << 16;

/// Bounds of the admission table (`spec/geo.md §8.2`, `§9.1`): the window and the three
/// capacities. The window's allowed range is the owner's (salt server or central server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientLimits {
    /// One accepted request per client per `window_s` seconds.
    pub window_s: u64,
    /// Most IPv4 clients held at once, 1 ..= 2^24.
    pub max_v4_clients: usize,
    /// Most IPv6 clients (/64s) held at once, 1 ..= 2^24.
    pub max_v6_clients: usize,
    /// Most IPv6 clients of one /48 held at once, 1 ..= 65 536.
    pub max_clients_per_v6_prefix: usize,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits {
            window_s: 3600,
            max_v4_clients: 1_000_000,
            max_v6_clients: 1_000_000,
            max_clients_per_v6_prefix: 256,
        }
    }
}

impl ClientLimits {
    /// The capacity checks of `spec/geo.md §8.2` (the window is checked by the owner).
    pub(crate) fn capacities_valid(&self) -> bool {
        (1..=MAX_TABLE_CLIENTS).contains(&self.max_v4_clients)
            && (1..=MAX_TABLE_CLIENTS).contains(&self.max_v6_clients)
            && (1..=V6_PREFIX_SLOTS).contains(&self.max_clients_per_v6_prefix)
    }
}

/// A whole-request refusal (`spec/geo.md §8.3`, `§9.3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Why.
    pub error: GeoError,
    /// For `GEO_RATE_LIMITED`: the first time the client may ask again (`last + window`, at most
    /// `2^64 − 1`).
    pub retry_at: Option<u64>,
}

impl Refused {
    pub(crate) fn new(error: GeoError) -> Self {
        Refused {
            error,
            retry_at: None,
        }
    }
}

impl From<GeoError> for Refused {
    fn from(error: GeoError) -> Self {
        Refused::new(error)
    }
}

/// The admission table: the time of each client's last accepted request, an index by time so
/// that expired entries are found without a scan, and the per-/48 counts.
#[derive(Clone, Debug)]
pub(crate) struct ClientTable {
    limits: ClientLimits,
    last: BTreeMap<ClientKey, u64>,
    by_time: BTreeSet<(u64, ClientKey)>,
    per_prefix: BTreeMap<[u8; V6_PREFIX_LEN], usize>,
    v4: usize,
    v6: usize,
    /// Entries looked at by `prune` (test builds only: the cost claim of `spec/geo.md §11`).
    #[cfg(test)]
    examined: usize,
}

/// Whether an entry accepted at `last` is still inside its window at `now`: `now < last + window`
/// in exact arithmetic (a sum beyond `2^64 − 1` never ends).
fn within(last: u64, window: u64, now: u64) -> bool {
    last.checked_add(window).map_or(true, |end| now < end)
}

impl ClientTable {
    pub(crate) fn new(limits: ClientLimits) -> Self {
        ClientTable {
            limits,
            last: BTreeMap::new(),
            by_time: BTreeSet::new(),
            per_prefix: BTreeMap::new(),
            v4: 0,
            v6: 0,
            #[cfg(test)]
            examined: 0,
        }
    }

    pub(crate) fn last_request(&self, client: &ClientKey) -> Option<u64> {
        self.last.get(client).copied()
    }

    pub(crate) fn len(&self) -> usize {
        self.last.len()
    }

    pub(crate) fn v4_len(&self) -> usize {
        self.v4
    }

    pub(crate) fn v6_len(&self) -> usize {
        self.v6
    }

    pub(crate) fn prefix_len(&self, prefix: &[u8; V6_PREFIX_LEN]) -> usize {
        self.per_prefix.get(prefix).copied().unwrap_or(0)
    }

    /// Checks 1–4 of `spec/geo.md §8.3`: rate limit, family capacity, /48 capacity (after
    /// removing expired entries when a bound is reached), then the slot is consumed.
    pub(crate) fn admit(&mut self, client: ClientKey, now: u64) -> Result<(), Refused> {
        let window = self.limits.window_s;
        if let Some(&last) = self.last.get(&client) {
            if within(last, window, now) {
                return Err(Refused {
                    error: GeoError::RateLimited,
                    retry_at: Some(last.saturating_add(window)),
                });
            }
            self.by_time.remove(&(last, client));
        } else {
            if self.would_exceed(&client) {
                self.prune(now);
            }
            if self.family_full(&client) {
                return Err(Refused::new(GeoError::ServerBusy));
            }
            if self.prefix_full(&client) {
                return Err(Refused::new(GeoError::PrefixBusy));
            }
            self.count(&client, true);
        }
        self.last.insert(client, now);
        self.by_time.insert((now, client));
        Ok(())
    }

    fn family_full(&self, client: &ClientKey) -> bool {
        match client {
            ClientKey::V4(_) => self.v4 >= self.limits.max_v4_clients,
            ClientKey::V6(_) => self.v6 >= self.limits.max_v6_clients,
        }
    }

    fn prefix_full(&self, client: &ClientKey) -> bool {
        client
            .v6_prefix()
            .is_some_and(|p| self.prefix_len(&p) >= self.limits.max_clients_per_v6_prefix)
    }

    fn would_exceed(&self, client: &ClientKey) -> bool {
        self.family_full(client) || self.prefix_full(client)
    }

    /// Adds (`add`) or removes one entry of `client` from the counts.
    fn count(&mut self, client: &ClientKey, add: bool) {
        let family = match client {
            ClientKey::V4(_) => &mut self.v4,
            ClientKey::V6(_) => &mut self.v6,
        };
        *family = if add {
            family.saturating_add(1)
        } else {
            family.saturating_sub(1)
        };
        if let Some(p) = client.v6_prefix() {
            let n = self.per_prefix.entry(p).or_insert(0);
            *n = if add {
                n.saturating_add(1)
            } else {
                n.saturating_sub(1)
            };
            if *n == 0 {
                self.per_prefix.remove(&p);
            }
        }
    }

    /// Removes every entry whose window has ended at `now`, oldest first; stops at the first
    /// entry still inside its window (all later ones are younger).
    fn prune(&mut self, now: u64) {
        let window = self.limits.window_s;
        while let Some(&(last, client)) = self.by_time.first() {
            #[cfg(test)]
            {
                self.examined += 1;
            }
            if within(last, window, now) {
                break;
            }
            self.by_time.remove(&(last, client));
            self.last.remove(&client);
            self.count(&client, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(v4: usize, v6: usize, per: usize) -> ClientTable {
        ClientTable::new(ClientLimits {
            window_s: 100,
            max_v4_clients: v4,
            max_v6_clients: v6,
            max_clients_per_v6_prefix: per,
        })
    }

    fn v6(prefix: u8, host: u8) -> ClientKey {
        ClientKey::V6([0x20, 1, 0xd, 0xb8, 0, prefix, 0, host])
    }

    #[test]
    fn families_and_prefixes_are_bounded_separately() {
        let mut t = table(1, 3, 2);
        assert_eq!(t.admit(ClientKey::V4([1, 2, 3, 4]), 0), Ok(()));
        assert_eq!(
            t.admit(ClientKey::V4([1, 2, 3, 5]), 0).unwrap_err().error,
            GeoError::ServerBusy
        );
        assert_eq!(t.admit(v6(1, 1), 0), Ok(()));
        assert_eq!(t.admit(v6(1, 2), 0), Ok(()));
        assert_eq!(
            t.admit(v6(1, 3), 0).unwrap_err().error,
            GeoError::PrefixBusy
        );
        assert_eq!(t.admit(v6(2, 1), 0), Ok(()));
        assert_eq!(
            t.admit(v6(3, 1), 0).unwrap_err().error,
            GeoError::ServerBusy
        );
        assert_eq!((t.len(), t.v4_len(), t.v6_len()), (4, 1, 3));
        assert_eq!(t.prefix_len(&v6(1, 0).v6_prefix().unwrap()), 2);
        // A known client past its window is readmitted without pruning anything.
        assert_eq!(t.admit(v6(1, 1), 100), Ok(()));
        assert_eq!(t.len(), 4);
        // A new client at a bound prunes every expired entry first.
        assert_eq!(t.admit(v6(1, 3), 150), Ok(()));
        assert_eq!((t.len(), t.v4_len(), t.v6_len()), (2, 0, 2));
    }

    /// `spec/geo.md §11`: pruning looks only at the entries it removes plus the first live one
    /// (the index by time), so a flood never makes the server scan its table, and an admission
    /// below every bound prunes nothing at all.
    #[test]
    fn pruning_never_scans_the_table() {
        let mut t = table(10_000, 10_000, 256);
        // 4 000 IPv4 clients, one per second from 0.
        for i in 0..4000u32 {
            assert_eq!(
                t.admit(ClientKey::V4(i.to_be_bytes()), u64::from(i)),
                Ok(())
            );
        }
        assert_eq!(t.examined, 0, "no bound was met");
        // Window 100: at 3 950 the entries of 0 ..= 3 850 have expired, but no bound is met.
        assert_eq!(t.admit(ClientKey::V4([0xff; 4]), 3950), Ok(()));
        assert_eq!((t.examined, t.len()), (0, 4001));
        // Now the IPv4 bound is 4 001: the next new client, at 3 951, prunes exactly the 3 852
        // expired entries (times 0 ..= 3 851: 3 851 + 100 ≤ 3 951), looking at one live entry more.
        t.limits.max_v4_clients = 4001;
        assert_eq!(t.admit(ClientKey::V4([0xfe; 4]), 3951), Ok(()));
        assert_eq!(t.examined, 3852 + 1);
        assert_eq!(t.len(), 4001 - 3852 + 1);
        // A flood of new clients at the bound with nothing expired: one look per refusal.
        t.limits.max_v4_clients = t.v4_len();
        t.examined = 0;
        for i in 0..1000u32 {
            assert_eq!(
                t.admit(ClientKey::V4((1_000_000 + i).to_be_bytes()), 3951)
                    .unwrap_err()
                    .error,
                GeoError::ServerBusy
            );
        }
        assert_eq!(t.examined, 1000);
    }

    #[test]
    fn window_end_beyond_u64_never_ends() {
        let mut t = table(1, 1, 1);
        let c = ClientKey::V4([9, 9, 9, 9]);
        assert_eq!(t.admit(c, u64::MAX - 10), Ok(()));
        let e = t.admit(c, u64::MAX).unwrap_err();
        assert_eq!(
            (e.error, e.retry_at),
            (GeoError::RateLimited, Some(u64::MAX))
        );
        assert_eq!(
            t.admit(ClientKey::V4([9, 9, 9, 8]), u64::MAX)
                .unwrap_err()
                .error,
            GeoError::ServerBusy
        );
    }
    #[test]
    fn client_keys() {
        let mut a = [0u8; 16];
        a[10] = 0xff;
        a[11] = 0xff;
        a[12..].copy_from_slice(&[192, 0, 2, 1]);
        assert_eq!(
            ClientKey::from_ipv6(a),
            ClientKey::from_ipv4([192, 0, 2, 1])
        );
        let mut b = [0x20u8; 16];
        let k = ClientKey::from_ipv6(b);
        b[15] = 0;
        assert_eq!(ClientKey::from_ipv6(b), k); // same /64
        b[7] = 0;
        assert_ne!(ClientKey::from_ipv6(b), k);
    }
}
