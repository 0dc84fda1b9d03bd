//! The integer hexagonal grid GT-HEX-v1 (`spec/geo.md §2`).

use sha2::{Digest, Sha256};

use super::cos_table::COS_Q30;
use super::GeoError;
use crate::labels::geo as labels;

/// The fixed-point scale `S = 2^30` of plane coordinates (`spec/geo.md §1`).
pub const SCALE: i64 = 1 << 30;

/// δ of `spec/geo.md §2.7` in µdeg: two locations of one zone whose plane points are closer than
/// `MATCH_DISTANCE_E6 · SCALE` share a cell in at least one of layers A, B, C.
pub const MATCH_DISTANCE_E6: i64 = 44;

const LAT_MAX: i32 = 90_000_000;
const LON_MAX: i32 = 180_000_000;
const ZONE_WIDTH: i32 = 6_000_000;
/// Number of 6° zones.
const ZONES: u8 = 60;

/// A grid layer (`spec/geo.md §2.4`): the fine layers A, B, C and the coarse layer D.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// Fine layer A, offset (0, 0).
    A,
    /// Fine layer B, offset (W/2, V/3).
    B,
    /// Fine layer C, offset (W, 2V/3).
    C,
    /// Coarse layer D (≈ 50 km), used only to choose the salt server.
    D,
}

impl Layer {
    /// The three fine layers, in risk-point order.
    pub const FINE: [Layer; 3] = [Layer::A, Layer::B, Layer::C];

    /// The layer's byte in a cell id.
    pub fn to_byte(self) -> u8 {
        match self {
            Layer::A => 0,
            Layer::B => 1,
            Layer::C => 2,
            Layer::D => 3,
        }
    }

    /// Parses a layer byte (`GEO_INVALID_LAYER` above 3).
    pub fn from_byte(b: u8) -> Result<Self, GeoError> {
        match b {
            0 => Ok(Layer::A),
            1 => Ok(Layer::B),
            2 => Ok(Layer::C),
            3 => Ok(Layer::D),
            _ => Err(GeoError::InvalidLayer),
        }
    }

    /// The lattice of this layer (`spec/geo.md §2.4` table).
    pub fn params(self) -> LatticeParams {
        match self {
            Layer::A => LatticeParams {
                w: 90,
                v: 78,
                ox: 0,
                oy: 0,
            },
            Layer::B => LatticeParams {
                w: 90,
                v: 78,
                ox: 45,
                oy: 26,
            },
            Layer::C => LatticeParams {
                w: 90,
                v: 78,
                ox: 90,
                oy: 52,
            },
            Layer::D => LatticeParams {
                w: 450_000,
                v: 389_712,
                ox: 0,
                oy: 0,
            },
        }
    }
}

/// A lattice `P(c, r) = (c·W + r·W/2 + Ox, r·V + Oy)` in µdeg (`spec/geo.md §2.4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatticeParams {
    /// Column pitch W (even).
    pub w: i64,
    /// Row pitch V (a multiple of 3).
    pub v: i64,
    /// Horizontal offset.
    pub ox: i64,
    /// Vertical offset.
    pub oy: i64,
}

/// `k(lat_e6)`: the cosine of the latitude in Q30 by linear interpolation in [`COS_Q30`]
/// (`spec/geo.md §2.2`). Latitudes beyond ±90° are clamped to the pole (callers validate first).
pub fn scale_q30(lat_e6: i32) -> i64 {
    let a = lat_e6.unsigned_abs().min(90_000_000);
    let i = (a / 100_000) as usize;
    let f = i64::from(a % 100_000);
    // At i = 900 there is no entry i + 1: k = 0.
    match (COS_Q30.get(i), COS_Q30.get(i + 1)) {
        (Some(&ci), Some(&cn)) => {
            let (ci, cn) = (i64::from(ci), i64::from(cn));
            ci - ((ci - cn) * f) / 100_000
        }
        _ => 0,
    }
}

/// A point of a zone's plane, in µdeg of latitude × [`SCALE`] (`spec/geo.md §2.3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanePoint {
    /// Zone `0..=59`.
    pub zone: u8,
    /// Easting from the zone's central meridian.
    pub x: i64,
    /// Northing from the equator.
    pub y: i64,
}

impl PlanePoint {
    /// Squared Euclidean distance to `other` (meaningful in the same zone only).
    pub fn distance_sq(&self, other: &PlanePoint) -> i128 {
        let dx = i128::from(self.x) - i128::from(other.x);
        let dy = i128::from(self.y) - i128::from(other.y);
        dx * dx + dy * dy
    }
}

/// A validated, normalised location in micro-degrees (`spec/geo.md §2.1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    lat_e6: i32,
    lon_e6: i32,
}

impl Location {
    /// Validates and normalises `(lat_e6, lon_e6)` (`spec/geo.md §2.1`): range checks, then
    /// +180° becomes −180°, and at a pole the longitude becomes 0.
    pub fn new(lat_e6: i32, lon_e6: i32) -> Result<Self, GeoError> {
        if !(-LAT_MAX..=LAT_MAX).contains(&lat_e6) {
            return Err(GeoError::LatitudeOutOfRange);
        }
        if !(-LON_MAX..=LON_MAX).contains(&lon_e6) {
            return Err(GeoError::LongitudeOutOfRange);
        }
        let lon_e6 = if lat_e6.unsigned_abs() == LAT_MAX.unsigned_abs() {
            0
        } else if lon_e6 == LON_MAX {
            -LON_MAX
        } else {
            lon_e6
        };
        Ok(Location { lat_e6, lon_e6 })
    }

    /// Latitude in µdeg.
    pub fn lat_e6(&self) -> i32 {
        self.lat_e6
    }

    /// Normalised longitude in µdeg, in `[−180e6, 180e6)`.
    pub fn lon_e6(&self) -> i32 {
        self.lon_e6
    }

    /// The zone and plane point (`spec/geo.md §2.3`).
    pub fn plane(&self) -> PlanePoint {
        let shifted = i64::from(self.lon_e6) + i64::from(LON_MAX); // 0 ..= 360e6 - 1
        let zone = shifted.div_euclid(i64::from(ZONE_WIDTH)).clamp(0, 59);
        let m = -i64::from(LON_MAX) + i64::from(ZONE_WIDTH) * zone + 3_000_000;
        let dlon = i64::from(self.lon_e6) - m;
        PlanePoint {
            zone: zone as u8,
            x: dlon * scale_q30(self.lat_e6),
            y: i64::from(self.lat_e6) * SCALE,
        }
    }

    /// The location's cell in `layer` (`spec/geo.md §2.5`). For [`Layer::D`] this is the D cell of
    /// the raw point; the salt server is chosen from [`CellId::d_cell`] of a fine cell instead.
    pub fn cell(&self, layer: Layer) -> CellId {
        let p = self.plane();
        let (r, c) = lattice_lookup(p.x, p.y, &layer.params());
        CellId::from_lookup(layer, p.zone, r, c)
    }

    /// The location's cells in layers A, B and C.
    pub fn fine_cells(&self) -> [CellId; 3] {
        Layer::FINE.map(|l| self.cell(l))
    }
}

/// Cell lookup of `spec/geo.md §2.5`: the `(r, c)` of the lattice point nearest to the plane point
/// `(x, y)`, ties to the smaller `r`, then the smaller `c`. Inputs in plane units (µdeg × `S`).
///
/// Computed in `i128`, so it is exact (and never overflows) for every `i64` input, not only the
/// plane points of `spec/geo.md §2.3`.
pub fn lattice_lookup(x: i64, y: i64, p: &LatticeParams) -> (i64, i64) {
    let s = i128::from(SCALE);
    let (w, v) = (i128::from(p.w) * s, i128::from(p.v) * s);
    let (ox, oy) = (i128::from(p.ox) * s, i128::from(p.oy) * s);
    let (x, y) = (i128::from(x), i128::from(y));
    let r0 = (y - oy).div_euclid(v);
    let mut best: Option<(i128, i128, i128)> = None;
    for r in [r0, r0 + 1] {
        let cl = (2 * (x - ox) - r * w).div_euclid(2 * w);
        for c in [cl, cl + 1] {
            let (dx, dy) = (x - (c * w + r * (w / 2) + ox), y - (r * v + oy));
            let cand = (dx * dx + dy * dy, r, c);
            // The lexicographic minimum of (d, r, c): ties to the smaller r, then c.
            best = Some(best.map_or(cand, |b| b.min(cand)));
        }
    }
    // |r| ≤ 2^63 / V and |c| ≤ 2^64 / W: both fit an i64.
    best.map_or((0, 0), |(_, r, c)| (narrow(r), narrow(c)))
}

fn narrow(v: i128) -> i64 {
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Length of an encoded cell id.
pub const CELL_ID_LEN: usize = 10;

/// A cell of one layer: `layer u8 || zone u8 || r i32 BE || c i32 BE` (`spec/geo.md §2.6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CellId {
    layer: Layer,
    zone: u8,
    r: i32,
    c: i32,
}

fn saturate(v: i64) -> i32 {
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

impl CellId {
    /// Length of the encoding.
    pub const LEN: usize = CELL_ID_LEN;

    fn from_lookup(layer: Layer, zone: u8, r: i64, c: i64) -> Self {
        // Every lookup result of a valid location lies within the §2.6 range (|r| ≤ 1.2e6,
        // |c| ≤ 6.1e5 for fine layers), so saturation never happens.
        CellId {
            layer,
            zone,
            r: saturate(r),
            c: saturate(c),
        }
    }

    /// The layer.
    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// The zone `0..=59`.
    pub fn zone(&self) -> u8 {
        self.zone
    }

    /// The row index `r`.
    pub fn row(&self) -> i32 {
        self.r
    }

    /// The column index `c`.
    pub fn col(&self) -> i32 {
        self.c
    }

    /// The 10-byte encoding (`spec/geo.md §2.6`).
    pub fn to_bytes(&self) -> [u8; CELL_ID_LEN] {
        let mut out = [0u8; CELL_ID_LEN];
        let (head, rest) = out.split_at_mut(2);
        let (rb, cb) = rest.split_at_mut(4);
        head.copy_from_slice(&[self.layer.to_byte(), self.zone]);
        rb.copy_from_slice(&self.r.to_be_bytes());
        cb.copy_from_slice(&self.c.to_be_bytes());
        out
    }

    /// Strict decoding (`spec/geo.md §2.6`): exact length, layer, zone, centre range.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, GeoError> {
        crate::wire::decode_exact(bytes, |r| {
            let layer = r.u8()?;
            let zone = r.u8()?;
            let row = i32::from_be_bytes(r.array()?);
            let col = i32::from_be_bytes(r.array()?);
            Ok::<_, GeoError>((layer, zone, row, col))
        })
        .and_then(|(layer, zone, r, c)| {
            let layer = Layer::from_byte(layer)?;
            if zone >= ZONES {
                return Err(GeoError::InvalidZone);
            }
            let p = layer.params();
            let (r64, c64) = (i64::from(r), i64::from(c));
            let cy = r64 * p.v + p.oy;
            let cx = c64 * p.w + r64 * (p.w / 2) + p.ox;
            if cy.abs() > i64::from(LAT_MAX) + p.v || cx.abs() > 3_000_000 + p.w {
                return Err(GeoError::CellOutOfRange);
            }
            Ok(CellId { layer, zone, r, c })
        })
    }

    /// The cell's centre in its zone's plane (`spec/geo.md §2.5`).
    pub fn centre(&self) -> PlanePoint {
        let p = self.layer.params();
        let (r, c) = (i64::from(self.r), i64::from(self.c));
        PlanePoint {
            zone: self.zone,
            x: (c * p.w + r * (p.w / 2) + p.ox) * SCALE,
            y: (r * p.v + p.oy) * SCALE,
        }
    }

    /// The D cell of this cell: the D-lattice cell of its centre, same zone (`spec/geo.md §2.5`).
    pub fn d_cell(&self) -> CellId {
        let centre = self.centre();
        let (r, c) = lattice_lookup(centre.x, centre.y, &Layer::D.params());
        CellId::from_lookup(Layer::D, self.zone, r, c)
    }

    /// The D number `u64 BE(SHA-256(LABEL_D_CELL || d_cell_id)[0..8])` of this cell's D cell
    /// (`spec/geo.md §5.1`).
    pub fn d_number(&self) -> u64 {
        let digest = Sha256::new()
            .chain_update(labels::D_CELL.bytes)
            .chain_update(self.d_cell().to_bytes())
            .finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(digest.get(..8).unwrap_or(&[0u8; 8]));
        u64::from_be_bytes(first)
    }

    /// The salt server of this cell among `n` servers: `D mod n` (`spec/geo.md §5.1`);
    /// `GEO_INVALID_SERVER_COUNT` unless `1 ≤ n ≤ 65 535`.
    pub fn server_index(&self, n: u32) -> Result<u16, GeoError> {
        let n = u16::try_from(n)
            .ok()
            .filter(|&n| n != 0)
            .ok_or(GeoError::InvalidServerCount)?;
        Ok((self.d_number() % u64::from(n)) as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn cos_table_check_value() {
        let mut h = Sha256::new();
        for c in COS_Q30 {
            h.update(c.to_be_bytes());
        }
        assert_eq!(
            hex::encode(h.finalize()),
            "0ff8460e5ce96a96790a1abf2c0ac4164aa74d7a7e51f779a4dc585ad8154cae"
        );
        assert_eq!(COS_Q30[450], 759250125);
    }

    #[test]
    fn scale_interpolates_and_hits_zero_at_pole() {
        assert_eq!(scale_q30(0), 1 << 30);
        assert_eq!(scale_q30(90_000_000), 0);
        assert_eq!(scale_q30(-45_000_000), 759250125);
        let mid = scale_q30(50_000);
        assert!(mid < 1 << 30 && mid > 1073740189);
        for lat in [1, 12_345_678, 60_000_001, 89_999_999] {
            let exact = (f64::from(lat) / 1e6).to_radians().cos() * (1u64 << 30) as f64;
            assert!((scale_q30(lat) as f64 - exact).abs() / (1u64 << 30) as f64 <= 4e-7);
        }
    }

    #[test]
    fn range_checks_and_normalisation() {
        assert_eq!(
            Location::new(90_000_001, 0),
            Err(GeoError::LatitudeOutOfRange)
        );
        assert_eq!(
            Location::new(0, -180_000_001),
            Err(GeoError::LongitudeOutOfRange)
        );
        assert_eq!(
            Location::new(1, 180_000_000).unwrap(),
            Location::new(1, -180_000_000).unwrap()
        );
        assert_eq!(
            Location::new(-90_000_000, 17).unwrap().fine_cells(),
            Location::new(-90_000_000, -179_000_000)
                .unwrap()
                .fine_cells()
        );
    }

    #[test]
    fn lookup_returns_the_nearest_centre() {
        // Brute force over a neighbourhood of candidates.
        let p = Layer::B.params();
        let mut seed = 1u64;
        for _ in 0..2000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let x = ((seed >> 20) % 2_000_000) as i64 * 1000 - 1_000_000_000;
            let y = ((seed >> 40) % 2_000_000) as i64 * 1000 - 1_000_000_000;
            let (x, y) = (x * 1024, y * 1024);
            let (r, c) = lattice_lookup(x, y, &p);
            let d = |r: i64, c: i64| {
                let cx = (c * p.w + r * p.w / 2 + p.ox) * SCALE;
                let cy = (r * p.v + p.oy) * SCALE;
                (i128::from(x - cx)).pow(2) + (i128::from(y - cy)).pow(2)
            };
            for dr in -2..=2 {
                for dc in -2..=2 {
                    assert!(d(r, c) <= d(r + dr, c + dc));
                }
            }
        }
    }

    #[test]
    fn ties_go_to_smaller_row_then_column() {
        let p = Layer::A.params();
        // Midpoint between (c=0,r=0) and (c=1,r=0): x = W/2, y = 0.
        assert_eq!(lattice_lookup(45 * SCALE, 0, &p), (0, 0));
        // Just right of the midpoint.
        assert_eq!(lattice_lookup(45 * SCALE + 1, 0, &p), (0, 1));
    }

    #[test]
    fn cell_id_round_trip_and_errors() {
        let loc = Location::new(48_857_673, 2_294_044).unwrap();
        for l in [Layer::A, Layer::B, Layer::C, Layer::D] {
            let id = loc.cell(l);
            assert_eq!(CellId::from_bytes(&id.to_bytes()), Ok(id));
        }
        let id = loc.cell(Layer::A).to_bytes();
        assert_eq!(CellId::from_bytes(&id[..9]), Err(GeoError::Truncated));
        let mut long = id.to_vec();
        long.push(0);
        assert_eq!(CellId::from_bytes(&long), Err(GeoError::TrailingBytes));
        let mut bad = id;
        bad[0] = 4;
        assert_eq!(CellId::from_bytes(&bad), Err(GeoError::InvalidLayer));
        bad = id;
        bad[1] = 60;
        assert_eq!(CellId::from_bytes(&bad), Err(GeoError::InvalidZone));
        bad = id;
        bad[2..6].copy_from_slice(&i32::MAX.to_be_bytes());
        assert_eq!(CellId::from_bytes(&bad), Err(GeoError::CellOutOfRange));
    }

    #[test]
    fn d_cell_is_shared_by_the_whole_fine_cell() {
        let loc = Location::new(-33_868_820, 151_209_296).unwrap();
        let a = loc.cell(Layer::A);
        let d = a.d_cell();
        assert_eq!(d.layer(), Layer::D);
        assert_eq!(d.d_cell(), d);
        assert_eq!(a.server_index(0), Err(GeoError::InvalidServerCount));
        assert_eq!(a.server_index(65_536), Err(GeoError::InvalidServerCount));
        assert!(a.server_index(65_535).is_ok());
        assert!(a.server_index(7).unwrap() < 7);
    }
}
