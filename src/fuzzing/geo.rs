//! Fuzz-target bodies of the `geo` protocol (`spec/geo.md §10`, `§8`).

#[cfg(feature = "alloc")]
use alloc::{collections::BTreeMap, vec::Vec};

use crate::geo::{lattice_lookup, risk_points, CellId, Layer, Location, UploadRecord};
#[cfg(feature = "alloc")]
use crate::geo::{
    ClientKey, GeoError, OprfClientState, OprfItem, OprfRequest, OprfSeed, SaltItem, SaltKey,
    SaltRequest, SaltResponse, SaltServer, SaltServerConfig,
};

/// `geo_cell_decode`: strict decoding never panics; an accepted id re-encodes to the input, its
/// centre looks up to itself and its D cell is a valid D cell.
pub fn geo_cell_decode(data: &[u8]) {
    if let Ok(cell) = CellId::from_bytes(data) {
        assert_eq!(&cell.to_bytes()[..], data);
        let c = cell.centre();
        let (r, col) = lattice_lookup(c.x, c.y, &cell.layer().params());
        assert_eq!((r, col), (i64::from(cell.row()), i64::from(cell.col())));
        let d = cell.d_cell();
        assert_eq!(CellId::from_bytes(&d.to_bytes()), Ok(d));
    }
}

/// `geo_upload_record_decode`: decode then re-encode gives the input.
pub fn geo_upload_record_decode(data: &[u8]) {
    if let Ok(r) = UploadRecord::from_bytes(data) {
        assert_eq!(&r.to_bytes()[..], data);
    }
}

#[cfg(feature = "alloc")]
/// `geo_salt_request_decode`: decode then re-encode gives the input.
pub fn geo_salt_request_decode(data: &[u8]) {
    if let Ok(r) = SaltRequest::from_bytes(data) {
        assert_eq!(r.to_bytes().as_deref(), Ok(data));
    }
}

#[cfg(feature = "alloc")]
/// `geo_oprf_request_decode`: decode then re-encode gives the input.
pub fn geo_oprf_request_decode(data: &[u8]) {
    if let Ok(r) = OprfRequest::from_bytes(data) {
        assert_eq!(r.to_bytes().as_deref(), Ok(data));
    }
}

#[cfg(feature = "alloc")]
/// `geo_response_decode`: decode then re-encode gives the input.
pub fn geo_response_decode(data: &[u8]) {
    if let Ok(r) = SaltResponse::from_bytes(data) {
        assert_eq!(r.to_bytes().as_deref(), Ok(data));
    }
}

/// `geo_location`: any 8 bytes as (lat_e6, lon_e6): validation, cells that decode back, 30
/// distinct risk points, the nearest-centre property of the lookup.
pub fn geo_location(data: &[u8]) {
    let mut b = [0u8; 16];
    for (d, s) in b.iter_mut().zip(data) {
        *d = *s;
    }
    let lat = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let lon = i32::from_be_bytes([b[4], b[5], b[6], b[7]]);
    let t = u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
    let Ok(loc) = Location::new(lat, lon) else {
        assert!(lat.unsigned_abs() > 90_000_000 || lon.unsigned_abs() > 180_000_000);
        return;
    };
    for layer in [Layer::A, Layer::B, Layer::C, Layer::D] {
        let cell = loc.cell(layer);
        assert_eq!(CellId::from_bytes(&cell.to_bytes()), Ok(cell));
    }
    let mut keys = risk_points(&loc, t).map(|p| p.key());
    keys.sort_unstable();
    assert!(
        keys.windows(2).all(|w| w[0] != w[1]),
        "30 distinct risk points"
    );
}

#[cfg(feature = "alloc")]
/// `geo_salt_server_ops`: random request sequences against the salt server, compared with a
/// reference model of the admission rules (`spec/geo.md §8.3`). Each op is 5 bytes: client,
/// time delta (u16 BE), kind (even: classic, odd: OPRF), item count.
pub fn geo_salt_server_ops(data: &[u8]) {
    let config = SaltServerConfig {
        max_clients: 3,
        max_salts: 20,
        max_evaluations: 3,
        ..SaltServerConfig::default()
    };
    let Ok(mut server) = SaltServer::new(
        config,
        SaltKey::from_bytes([1; 32]),
        OprfSeed::from_bytes([2; 32]),
    ) else {
        panic!("valid config")
    };
    let cell = Location::new(1, 1).map(|l| l.cell(Layer::A));
    let blinded = cell
        .ok()
        .and_then(|c| OprfClientState::blind(&c, [7; 32]).ok())
        .map_or([0u8; 32], |(_, b)| b);
    let mut model: BTreeMap<ClientKey, u64> = BTreeMap::new();
    let mut now = 1_700_000_000u64;
    for op in data.chunks_exact(5).take(64) {
        let client = ClientKey::from_ipv4([10, 0, 0, op[0] % 5]);
        now += u64::from(u16::from_be_bytes([op[1], op[2]]));
        let oprf = op[3] % 2 == 1;
        let n = usize::from(op[4] % 24);
        let sizes = [5u8, 10, 20, 40, 80, 7];
        let items: Vec<(u8, u64)> = (0..n)
            .map(|i| {
                let s = sizes[(i + usize::from(op[4])) % sizes.len()];
                let b = u64::from(s.max(1)) * 60;
                let k = (now / b)
                    .wrapping_add(i as u64 % 4)
                    .wrapping_sub(2 + (i as u64 % 3) * 40);
                (s, k)
            })
            .collect();
        // Reference admission.
        let window = config.window_s;
        let expected: Result<(), GeoError> = match model.get(&client) {
            Some(&last) if now < last + window => Err(GeoError::RateLimited),
            Some(_) => Ok(()),
            None => {
                if model.len() >= config.max_clients {
                    model.retain(|_, last| now < *last + window);
                }
                if model.len() >= config.max_clients {
                    Err(GeoError::ServerBusy)
                } else {
                    Ok(())
                }
            }
        };
        let expected = expected.and_then(|()| {
            model.insert(client, now);
            let max = if oprf {
                config.max_evaluations
            } else {
                config.max_salts
            };
            if n == 0 {
                Err(GeoError::EmptyRequest)
            } else if n > max {
                Err(GeoError::TooManyItems)
            } else {
                Ok(())
            }
        });
        let got = if oprf {
            let req = OprfRequest {
                items: items
                    .iter()
                    .map(|&(size, index)| OprfItem {
                        size,
                        index,
                        blinded,
                    })
                    .collect(),
            };
            server.handle_oprf(client, now, &req)
        } else {
            let req = SaltRequest {
                items: items
                    .iter()
                    .map(|&(size, index)| SaltItem { size, index })
                    .collect(),
            };
            server.handle_classic(client, now, &req)
        };
        match (&expected, &got) {
            (Ok(()), Ok(resp)) => {
                assert_eq!(resp.items.len(), n);
                for (&(s, k), a) in items.iter().zip(&resp.items) {
                    assert_eq!(
                        a.as_ref().err().copied(),
                        server.check_item(s, k, now).err()
                    );
                }
            }
            (Err(e), Err(r)) => assert_eq!(*e, r.error),
            _ => panic!("model {expected:?} vs server {got:?}"),
        }
        assert_eq!(server.last_request(&client), model.get(&client).copied());
        assert_eq!(server.clients(), model.len());
    }
}

type Body = fn(&[u8]);

/// This protocol's targets, by name.
#[cfg(not(feature = "alloc"))]
pub const TARGETS: &[(&str, Body)] = &[
    ("geo_cell_decode", geo_cell_decode),
    ("geo_upload_record_decode", geo_upload_record_decode),
    ("geo_location", geo_location),
];

/// This protocol's targets, by name.
#[cfg(feature = "alloc")]
pub const TARGETS: &[(&str, Body)] = &[
    ("geo_cell_decode", geo_cell_decode),
    ("geo_upload_record_decode", geo_upload_record_decode),
    ("geo_salt_request_decode", geo_salt_request_decode),
    ("geo_oprf_request_decode", geo_oprf_request_decode),
    ("geo_response_decode", geo_response_decode),
    ("geo_location", geo_location),
    ("geo_salt_server_ops", geo_salt_server_ops),
];
