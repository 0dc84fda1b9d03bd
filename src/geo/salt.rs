//! The salt server as a sans-IO state machine, and its wire messages (`spec/geo.md §8`, `§10`).

use alloc::vec::Vec;

use super::limit::{ClientKey, ClientLimits, ClientTable, Refused};
use super::oprf::{OprfSeed, ELEMENT_LEN};
use super::salt_key::SaltKey;
use super::time::{BlockSize, TimeBlock};
use super::GeoError;
use crate::wire::{decode_exact, Reader};

/// Salt server configuration (`spec/geo.md §8.2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaltServerConfig {
    /// The admission table: window (3 600 ..= 10 800 s) and capacities.
    pub clients: ClientLimits,
    /// Classic items per request, 1 ..= 1 024.
    pub max_salts: usize,
    /// OPRF items per request, 1 ..= 4 096.
    pub max_evaluations: usize,
    /// How long after its end a block is still served, 0 ..= 86 400 s.
    pub max_past_s: u64,
    /// Tolerated client clock lead, 0 ..= 3 600 s.
    pub skew_s: u64,
}

impl Default for SaltServerConfig {
    fn default() -> Self {
        SaltServerConfig {
            clients: ClientLimits::default(),
            max_salts: 90,
            max_evaluations: 400,
            max_past_s: 10_800,
            skew_s: 0,
        }
    }
}

impl SaltServerConfig {
    /// The ranges of `spec/geo.md §8.2`.
    pub fn validate(&self) -> Result<(), GeoError> {
        let ok = (3600..=10_800).contains(&self.clients.window_s)
            && self.clients.capacities_valid()
            && (1..=1024).contains(&self.max_salts)
            && (1..=4096).contains(&self.max_evaluations)
            && self.max_past_s <= 86_400
            && self.skew_s <= 3600;
        if ok {
            Ok(())
        } else {
            Err(GeoError::InvalidConfig)
        }
    }
}

/// One classic request item: the raw block size byte and index (`spec/geo.md §10`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaltItem {
    /// Block size byte (checked by the server).
    pub size: u8,
    /// Block index `k`.
    pub index: u64,
}

impl From<TimeBlock> for SaltItem {
    fn from(b: TimeBlock) -> Self {
        SaltItem {
            size: b.size().minutes(),
            index: b.index(),
        }
    }
}

/// One OPRF request item: block and blinded element (`spec/geo.md §10`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OprfItem {
    /// Block size byte (checked by the server).
    pub size: u8,
    /// Block index `k`.
    pub index: u64,
    /// The blinded cell.
    pub blinded: [u8; ELEMENT_LEN],
}

fn read_count(r: &mut Reader<'_>, item_len: usize) -> Result<usize, GeoError> {
    let n = usize::from(r.u16_be()?);
    // Exact length: the remaining bytes must be n items, checked before allocating.
    match n.checked_mul(item_len) {
        Some(len) if len <= r.remaining() => Ok(n),
        _ => Err(GeoError::Truncated),
    }
}

/// A classic salt request `n u16 BE || n × (s u8 || k u64 BE)` (`spec/geo.md §10`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaltRequest {
    /// The items, in order.
    pub items: Vec<SaltItem>,
}

impl SaltRequest {
    /// Structural decoding: exact length only; the server checks the items.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, GeoError> {
        decode_exact(bytes, |r| {
            let n = read_count(r, 9)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(SaltItem {
                    size: r.u8()?,
                    index: r.u64_be()?,
                });
            }
            Ok(SaltRequest { items })
        })
    }

    /// The encoding; `GEO_TOO_MANY_ITEMS` above 65 535 items.
    pub fn to_bytes(&self) -> Result<Vec<u8>, GeoError> {
        let n = u16::try_from(self.items.len()).map_err(|_| GeoError::TooManyItems)?;
        let mut out = Vec::new();
        out.extend_from_slice(&n.to_be_bytes());
        for it in &self.items {
            out.push(it.size);
            out.extend_from_slice(&it.index.to_be_bytes());
        }
        Ok(out)
    }
}

/// An OPRF request `n u16 BE || n × (s u8 || k u64 BE || blindedElement)` (`spec/geo.md §10`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OprfRequest {
    /// The items, in order.
    pub items: Vec<OprfItem>,
}

impl OprfRequest {
    /// Structural decoding: exact length only; the server checks the items.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, GeoError> {
        decode_exact(bytes, |r| {
            let n = read_count(r, 9 + ELEMENT_LEN)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(OprfItem {
                    size: r.u8()?,
                    index: r.u64_be()?,
                    blinded: r.array()?,
                });
            }
            Ok(OprfRequest { items })
        })
    }

    /// The encoding; `GEO_TOO_MANY_ITEMS` above 65 535 items.
    pub fn to_bytes(&self) -> Result<Vec<u8>, GeoError> {
        let n = u16::try_from(self.items.len()).map_err(|_| GeoError::TooManyItems)?;
        let mut out = Vec::new();
        out.extend_from_slice(&n.to_be_bytes());
        for it in &self.items {
            out.push(it.size);
            out.extend_from_slice(&it.index.to_be_bytes());
            out.extend_from_slice(&it.blinded);
        }
        Ok(out)
    }
}

/// The answer to one item: a salt or evaluation element, or a per-item refusal.
pub type ItemAnswer = Result<[u8; 32], GeoError>;

/// A response `n u16 BE || n × (status u8 || [32 bytes if status = 0])` (`spec/geo.md §10`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaltResponse {
    /// One answer per request item, in order.
    pub items: Vec<ItemAnswer>,
}

fn status_of(e: GeoError) -> u8 {
    match e {
        GeoError::InvalidBlockSize => 1,
        GeoError::BlockInFuture => 2,
        GeoError::BlockExpired => 3,
        _ => 4,
    }
}

impl SaltResponse {
    /// The encoding (`GEO_TOO_MANY_ITEMS` above 65 535 items).
    pub fn to_bytes(&self) -> Result<Vec<u8>, GeoError> {
        let n = u16::try_from(self.items.len()).map_err(|_| GeoError::TooManyItems)?;
        let mut out = Vec::new();
        out.extend_from_slice(&n.to_be_bytes());
        for it in &self.items {
            match it {
                Ok(v) => {
                    out.push(0);
                    out.extend_from_slice(v);
                }
                Err(e) => out.push(status_of(*e)),
            }
        }
        Ok(out)
    }

    /// Strict decoding (`GEO_INVALID_STATUS` for an unknown status byte).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, GeoError> {
        decode_exact(bytes, |r| {
            let n = read_count(r, 1)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(match r.u8()? {
                    0 => Ok(r.array()?),
                    1 => Err(GeoError::InvalidBlockSize),
                    2 => Err(GeoError::BlockInFuture),
                    3 => Err(GeoError::BlockExpired),
                    4 => Err(GeoError::InvalidElement),
                    _ => return Err(GeoError::InvalidStatus),
                });
            }
            Ok(SaltResponse { items })
        })
    }
}

/// The salt server (`spec/geo.md §8`): configuration, secrets and the per-client last-request
/// table. Time is an input; nothing here reads a clock.
#[derive(Clone, Debug)]
pub struct SaltServer {
    config: SaltServerConfig,
    key: SaltKey,
    oprf: OprfSeed,
    table: ClientTable,
}

impl SaltServer {
    /// A server with these secrets; `GEO_INVALID_CONFIG` if the configuration is out of range.
    pub fn new(config: SaltServerConfig, key: SaltKey, oprf: OprfSeed) -> Result<Self, GeoError> {
        config.validate()?;
        Ok(SaltServer {
            config,
            key,
            oprf,
            table: ClientTable::new(config.clients),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SaltServerConfig {
        &self.config
    }

    /// The time of `client`'s last accepted request, if the table holds it.
    pub fn last_request(&self, client: &ClientKey) -> Option<u64> {
        self.table.last_request(client)
    }

    /// Number of clients in the table (bounded by `max_v4_clients + max_v6_clients`).
    pub fn clients(&self) -> usize {
        self.table.len()
    }

    /// Number of IPv4 clients in the table (at most `max_v4_clients`).
    pub fn v4_clients(&self) -> usize {
        self.table.v4_len()
    }

    /// Number of IPv6 clients in the table (at most `max_v6_clients`).
    pub fn v6_clients(&self) -> usize {
        self.table.v6_len()
    }

    /// Number of IPv6 clients of the /48 `prefix` in the table (at most
    /// `max_clients_per_v6_prefix`).
    pub fn v6_prefix_clients(&self, prefix: &[u8; 6]) -> usize {
        self.table.prefix_len(prefix)
    }

    /// Checks 1–6 of `spec/geo.md §8.3`.
    fn admit(
        &mut self,
        client: ClientKey,
        now: u64,
        items: usize,
        max: usize,
    ) -> Result<(), Refused> {
        self.table.admit(client, now)?;
        if items == 0 {
            return Err(Refused::new(GeoError::EmptyRequest));
        }
        if items > max {
            return Err(Refused::new(GeoError::TooManyItems));
        }
        Ok(())
    }

    /// The per-item checks 1–3 of `spec/geo.md §8.3`.
    pub fn check_item(&self, size: u8, index: u64, now: u64) -> Result<TimeBlock, GeoError> {
        let size = BlockSize::from_minutes(size)?;
        let b = size.seconds();
        let newest = now.saturating_add(self.config.skew_s) / b;
        if index > newest.saturating_add(1) {
            return Err(GeoError::BlockInFuture);
        }
        let end = index
            .checked_add(1)
            .and_then(|k1| k1.checked_mul(b))
            .ok_or(GeoError::BlockInFuture)?;
        if let Some(cutoff) = now.checked_sub(self.config.max_past_s) {
            if end <= cutoff {
                return Err(GeoError::BlockExpired);
            }
        }
        Ok(TimeBlock::new(size, index))
    }

    /// A classic request (`spec/geo.md §8.3`): salts per item, or a whole-request refusal.
    pub fn handle_classic(
        &mut self,
        client: ClientKey,
        now: u64,
        request: &SaltRequest,
    ) -> Result<SaltResponse, Refused> {
        self.admit(client, now, request.items.len(), self.config.max_salts)?;
        let items = request
            .items
            .iter()
            .map(|it| {
                self.check_item(it.size, it.index, now)
                    .map(|block| self.key.salt(&block).0)
            })
            .collect();
        Ok(SaltResponse { items })
    }

    /// An OPRF request (`spec/geo.md §8.3`): evaluation elements per item, or a refusal.
    pub fn handle_oprf(
        &mut self,
        client: ClientKey,
        now: u64,
        request: &OprfRequest,
    ) -> Result<SaltResponse, Refused> {
        self.admit(
            client,
            now,
            request.items.len(),
            self.config.max_evaluations,
        )?;
        let items = request
            .items
            .iter()
            .map(|it| {
                self.check_item(it.size, it.index, now)
                    .and_then(|block| self.oprf.evaluate(&block, &it.blinded))
            })
            .collect();
        Ok(SaltResponse { items })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(config: SaltServerConfig) -> SaltServer {
        SaltServer::new(
            config,
            SaltKey::from_bytes([1; 32]),
            OprfSeed::from_bytes([2; 32]),
        )
        .unwrap()
    }

    fn req(items: &[(u8, u64)]) -> SaltRequest {
        SaltRequest {
            items: items
                .iter()
                .map(|&(size, index)| SaltItem { size, index })
                .collect(),
        }
    }

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn rate_limit_boundary_and_consumption() {
        let mut s = server(SaltServerConfig::default());
        let c = ClientKey::from_ipv4([10, 0, 0, 1]);
        let r = req(&[(5, NOW / 300)]);
        assert!(s.handle_classic(c, NOW, &r).is_ok());
        let e = s.handle_classic(c, NOW + 3599, &r).unwrap_err();
        assert_eq!(e.error, GeoError::RateLimited);
        assert_eq!(e.retry_at, Some(NOW + 3600));
        assert_eq!(s.last_request(&c), Some(NOW)); // refusal does not move `last`
                                                   // Clock going backwards fails closed.
        assert_eq!(
            s.handle_classic(c, NOW - 10, &r).unwrap_err().error,
            GeoError::RateLimited
        );
        // Exactly one window later: allowed. Over-limit request still consumes the slot.
        let big = req(&[(5, NOW / 300); 91]);
        assert_eq!(
            s.handle_classic(c, NOW + 3600, &big).unwrap_err().error,
            GeoError::TooManyItems
        );
        assert_eq!(s.last_request(&c), Some(NOW + 3600));
        assert_eq!(
            s.handle_classic(c, NOW + 3601, &r).unwrap_err().error,
            GeoError::RateLimited
        );
    }

    #[test]
    fn window_checks_per_size() {
        let s = server(SaltServerConfig::default());
        for size in BlockSize::ALL {
            let b = size.seconds();
            let m = size.minutes();
            let k = NOW / b;
            assert!(s.check_item(m, k + 1, NOW).is_ok());
            assert_eq!(s.check_item(m, k + 2, NOW), Err(GeoError::BlockInFuture));
            // The block ending exactly max_past ago is expired; one second later it is not.
            let kexp = (NOW - 10_800) / b - 1; // ends at or before NOW - 10800
            assert_eq!(s.check_item(m, kexp, NOW), Err(GeoError::BlockExpired));
            assert!(s.check_item(m, kexp + 1, NOW).is_ok());
        }
        assert_eq!(s.check_item(7, 0, NOW), Err(GeoError::InvalidBlockSize));
        assert_eq!(
            s.check_item(5, u64::MAX, u64::MAX),
            Err(GeoError::BlockInFuture)
        );
    }

    #[test]
    fn busy_table_and_pruning() {
        let mut s = server(SaltServerConfig {
            clients: ClientLimits {
                max_v4_clients: 2,
                ..ClientLimits::default()
            },
            ..SaltServerConfig::default()
        });
        let r = req(&[(10, NOW / 600)]);
        for i in 0..2 {
            assert!(s
                .handle_classic(ClientKey::from_ipv4([1, 1, 1, i]), NOW, &r)
                .is_ok());
        }
        let third = ClientKey::from_ipv4([1, 1, 1, 9]);
        assert_eq!(
            s.handle_classic(third, NOW + 10, &r).unwrap_err().error,
            GeoError::ServerBusy
        );
        assert_eq!(s.last_request(&third), None);
        assert!(s.handle_classic(third, NOW + 3600, &r).is_ok());
        assert_eq!((s.clients(), s.v4_clients(), s.v6_clients()), (1, 1, 0));
    }

    #[test]
    fn wire_round_trips() {
        let r = req(&[(5, 1), (80, u64::MAX)]);
        let bytes = r.to_bytes().unwrap();
        assert_eq!(SaltRequest::from_bytes(&bytes), Ok(r));
        assert_eq!(
            SaltRequest::from_bytes(&bytes[..bytes.len() - 1]),
            Err(GeoError::Truncated)
        );
        assert_eq!(
            SaltRequest::from_bytes(&[0, 0, 9]),
            Err(GeoError::TrailingBytes)
        );
        let resp = SaltResponse {
            items: std::vec![Ok([7; 32]), Err(GeoError::BlockExpired)],
        };
        let bytes = resp.to_bytes().unwrap();
        assert_eq!(SaltResponse::from_bytes(&bytes), Ok(resp));
        assert_eq!(
            SaltResponse::from_bytes(&[0, 1, 5]),
            Err(GeoError::InvalidStatus)
        );
    }
}
