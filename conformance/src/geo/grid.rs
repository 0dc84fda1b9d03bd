//! `geo-scale`, `geo-cell`, `geo-lattice`, `geo-wire`, `geo-sample-filter`, `geo-home`,
//! `geo-time-blocks`, `geo-risk-points` (`spec/geo.md §2–§4`, `§10`).

use contact_tracing::error::ErrorCode;
use contact_tracing::geo::{
    home_cell, is_night, lattice_lookup, risk_points, scale_q30, time_blocks, BlockSize, CellId,
    GeoError, HomeScrubber, Layer, Location, OprfItem, OprfRequest, RiskHash, RiskPointSet,
    SaltItem, SaltRequest, SaltResponse, Sample, SampleFilter, UploadRecord, UserId, COS_Q30,
    SCALE,
};
use rand_core::RngCore;
use serde_json::{json, Map, Value};

use super::{code, i32_field, i64_str, u8_field, verdict, HEADER};
use crate::vector::{
    expect_hex, expect_value, field, hex, hex_field, rng, u32_field, u64_str_field, FileBuilder,
    Group, Test, Verdict,
};

pub(super) fn files() -> Vec<(String, Value)> {
    vec![
        ("geo/scale_test.json".into(), scale_file()),
        ("geo/cell_test.json".into(), cell_file()),
        ("geo/lattice_test.json".into(), lattice_file()),
        ("geo/wire_test.json".into(), wire_file().0),
        ("geo/sample_filter_test.json".into(), filter_file()),
        ("geo/home_test.json".into(), home_file()),
        ("geo/time_blocks_test.json".into(), time_file()),
        ("geo/risk_points_test.json".into(), risk_points_file()),
    ]
}

// ---------------------------------------------------------------------------------------------
// geo-scale

fn scale_file() -> Value {
    let mut f = FileBuilder::new(
        "geo",
        "geo-scale",
        "spec/geo.md#22-cosine-table-and-scale-factor",
        HEADER,
    );
    f.note(
        "Table",
        "BASIC",
        "A latitude of a whole 0.1°: k is the table entry COS_Q30[i] itself (spec §2.2).",
    );
    f.note(
        "Interpolation",
        "EDGE_CASE",
        "A latitude between two table entries: linear interpolation, the division truncates.",
    );
    f.note(
        "Pole",
        "EDGE_CASE",
        "Latitude within 0.1° of a pole or at it.",
    );
    f.note(
        "OutOfRange",
        "MODIFIED_PARAMETER",
        "Latitude outside ±90° (spec §2.1 step 1).",
    );
    f.group("geo-scale", json!({}));
    for (i, &entry) in COS_Q30.iter().enumerate() {
        let lat = i as i32 * 100_000;
        assert_eq!(scale_q30(lat), i64::from(entry));
        f.valid(
            &format!("table entry {i} (latitude {}.{}°)", i / 10, i % 10),
            &["Table"],
            json!({"latE6": lat, "k": entry}),
        );
    }
    let mut cases: Vec<(String, &[&str], i32)> = vec![
        ("1 µdeg".into(), &["Interpolation"][..], 1),
        ("-1 µdeg (|lat| is used)".into(), &["Interpolation"][..], -1),
        ("0.05°".into(), &["Interpolation"][..], 50_000),
        ("0.099999°".into(), &["Interpolation"][..], 99_999),
        ("-0.099999°".into(), &["Interpolation"][..], -99_999),
        ("45.000001°".into(), &["Interpolation"][..], 45_000_001),
        ("-45°".into(), &["Table"][..], -45_000_000),
        ("89.900001°".into(), &["Pole"][..], 89_900_001),
        ("89.999999°".into(), &["Pole"][..], 89_999_999),
        ("-89.999999°".into(), &["Pole"][..], -89_999_999),
        ("-90°".into(), &["Pole"][..], -90_000_000),
    ];
    let mut r = rng("geo scale");
    for i in 0..16 {
        let lat = (r.next_u64() % 180_000_001) as i64 - 90_000_000;
        cases.push((
            format!("random latitude {i}"),
            &["Interpolation"][..],
            lat as i32,
        ));
    }
    for (comment, flags, lat) in cases {
        f.valid(&comment, flags, json!({"latE6": lat, "k": scale_q30(lat)}));
    }
    for lat in [90_000_001, -90_000_001, i32::MAX] {
        f.invalid(
            &format!("latitude {lat} µdeg"),
            &["OutOfRange"],
            "GEO_LAT_OUT_OF_RANGE",
            json!({"latE6": lat}),
        );
    }
    f.finish()
}

pub(super) fn check_scale(_: &Group, t: &Test) -> Result<Verdict, String> {
    let lat = i32_field(t, "latE6")?;
    if let Err(v) = verdict(Location::new(lat, 0)) {
        return Ok(v);
    }
    expect_value(t, "k", json!(scale_q30(lat)))?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// geo-cell

/// Lookup candidates sorted by (d, r, c), computed here independently of the library.
fn candidates(x: i64, y: i64, layer: Layer) -> Vec<(i128, i64, i64)> {
    let p = layer.params();
    let (w, v, ox, oy) = (p.w * SCALE, p.v * SCALE, p.ox * SCALE, p.oy * SCALE);
    let r0 = (y - oy).div_euclid(v);
    let mut cands = Vec::new();
    for r in [r0, r0 + 1] {
        let cl = (2 * (x - ox) - r * w).div_euclid(2 * w);
        for c in [cl, cl + 1] {
            let cx = c * w + r * (w / 2) + ox;
            let cy = r * v + oy;
            cands.push((
                (i128::from(x - cx)).pow(2) + (i128::from(y - cy)).pow(2),
                r,
                c,
            ));
        }
    }
    cands.sort();
    cands
}

/// An exact tie of the lookup between two columns of one row, near the equator in zone 30.
fn find_column_tie(layer: Layer) -> (i32, i32) {
    for lat in 0..200i32 {
        for dlon in -200..200i32 {
            let loc = Location::new(lat, 3_000_000 + dlon).expect("valid");
            let pp = loc.plane();
            let c = candidates(pp.x, pp.y, layer);
            if c[0].0 == c[1].0 && c[0].1 == c[1].1 {
                assert_eq!(
                    lattice_lookup(pp.x, pp.y, &layer.params()),
                    (c[0].1, c[0].2)
                );
                return (lat, 3_000_000 + dlon);
            }
        }
    }
    panic!("no tie found");
}

fn cell_file() -> Value {
    let mut f = FileBuilder::new(
        "geo",
        "geo-cell",
        "spec/geo.md#2-the-integer-hexagonal-grid-gt-hex-v1",
        HEADER,
    );
    f.note("Landmark", "BASIC", "A well-known place.");
    f.note(
        "Random",
        "BASIC",
        "Location drawn from a fixed-seed ChaCha20 stream.",
    );
    f.note(
        "Pole",
        "EDGE_CASE",
        "Latitude ±90°: every longitude names the same point (spec §2.1 step 4).",
    );
    f.note(
        "NearPole",
        "EDGE_CASE",
        "Latitude within 1 µdeg of a pole, where the cosine table ends.",
    );
    f.note(
        "Antimeridian",
        "EDGE_CASE",
        "Longitude ±180°: +180° is normalised to −180° (spec §2.1 step 3).",
    );
    f.note(
        "ZoneSeam",
        "EDGE_CASE",
        "Longitude on or next to a 6° zone boundary (spec §2.3).",
    );
    f.note("Tie", "EDGE_CASE", "The point is exactly equidistant from two cell centres of one row; ties go to the smaller c (spec §2.5).");
    f.note(
        "Negative",
        "EDGE_CASE",
        "Negative row or column indices: i32 big-endian two's complement in the cell id.",
    );
    f.note(
        "OutOfRange",
        "MODIFIED_PARAMETER",
        "Latitude or longitude outside its range (spec §2.1).",
    );
    f.note(
        "ServerCount",
        "EDGE_CASE",
        "Salt-server count at or outside 1 ..= 65 535 (spec §5.1).",
    );
    f.note(
        "Order",
        "BASIC",
        "Several checks fail; the first in spec order decides (§2.1 step 1, step 2, then §5.1).",
    );
    f.group("geo-cell", json!({}));
    let mut cases: Vec<(String, Vec<&str>, i32, i32, u32)> = vec![
        (
            "Eiffel tower".into(),
            vec!["Landmark"],
            48_857_673,
            2_294_044,
            8,
        ),
        (
            "origin (0, 0): zone 30 seam".into(),
            vec!["Landmark", "ZoneSeam"],
            0,
            0,
            8,
        ),
        (
            "Sydney opera house".into(),
            vec!["Landmark"],
            -33_856_784,
            151_215_297,
            3,
        ),
        (
            "south-west of a zone's central meridian: negative row and column".into(),
            vec!["Negative"],
            -1_000,
            2_999_000,
            65_535,
        ),
        (
            "north pole, longitude 0".into(),
            vec!["Pole"],
            90_000_000,
            0,
            5,
        ),
        (
            "north pole, longitude 123.456789 (same cells as longitude 0)".into(),
            vec!["Pole"],
            90_000_000,
            123_456_789,
            5,
        ),
        (
            "south pole, longitude -180".into(),
            vec!["Pole"],
            -90_000_000,
            -180_000_000,
            5,
        ),
        (
            "1 µdeg from the north pole".into(),
            vec!["NearPole"],
            89_999_999,
            45_000_000,
            5,
        ),
        (
            "1 µdeg from the south pole".into(),
            vec!["NearPole"],
            -89_999_999,
            -45_000_000,
            5,
        ),
        (
            "longitude +180 (normalised to -180)".into(),
            vec!["Antimeridian"],
            10_000_000,
            180_000_000,
            9,
        ),
        (
            "longitude -180".into(),
            vec!["Antimeridian"],
            10_000_000,
            -180_000_000,
            9,
        ),
        (
            "longitude 179.999999 (zone 59)".into(),
            vec!["Antimeridian", "ZoneSeam"],
            10_000_000,
            179_999_999,
            9,
        ),
        (
            "zone seam at -174: first point of zone 1".into(),
            vec!["ZoneSeam"],
            45_000_000,
            -174_000_000,
            2,
        ),
        (
            "zone seam at -174: last point of zone 0".into(),
            vec!["ZoneSeam"],
            45_000_000,
            -174_000_001,
            2,
        ),
        (
            "zone seam at +6: last point of zone 30".into(),
            vec!["ZoneSeam"],
            -20_000_000,
            5_999_999,
            2,
        ),
        (
            "zone seam at +6: first point of zone 31".into(),
            vec!["ZoneSeam"],
            -20_000_000,
            6_000_000,
            2,
        ),
        ("one salt server".into(), vec!["ServerCount"], 1, 1, 1),
        (
            "65 535 salt servers".into(),
            vec!["ServerCount"],
            1,
            1,
            65_535,
        ),
    ];
    for layer in [Layer::A, Layer::B, Layer::C] {
        let (lat, lon) = find_column_tie(layer);
        cases.push((
            format!("exact tie in layer {layer:?} between two columns of one row"),
            vec!["Tie"],
            lat,
            lon,
            4,
        ));
    }
    let mut r = rng("geo cell");
    for i in 0..12 {
        let lat = (r.next_u64() % 180_000_001) as i64 - 90_000_000;
        let lon = (r.next_u64() % 360_000_001) as i64 - 180_000_000;
        cases.push((
            format!("random location {i}"),
            vec!["Random"],
            lat as i32,
            lon as i32,
            1 + r.next_u32() % 64,
        ));
    }
    for (comment, flags, lat, lon, n) in &cases {
        let loc = Location::new(*lat, *lon).expect("valid case");
        f.valid(comment, flags, cell_json(*lat, *lon, *n, &loc));
    }
    let bad: [(&str, &[&str], i32, i32, u32, GeoError); 10] = [
        (
            "latitude 90.000001",
            &["OutOfRange"],
            90_000_001,
            0,
            1,
            GeoError::LatitudeOutOfRange,
        ),
        (
            "latitude -90.000001",
            &["OutOfRange"],
            -90_000_001,
            0,
            1,
            GeoError::LatitudeOutOfRange,
        ),
        (
            "latitude i32::MIN",
            &["OutOfRange"],
            i32::MIN,
            0,
            1,
            GeoError::LatitudeOutOfRange,
        ),
        (
            "longitude 180.000001",
            &["OutOfRange"],
            0,
            180_000_001,
            1,
            GeoError::LongitudeOutOfRange,
        ),
        (
            "longitude -180.000001",
            &["OutOfRange"],
            1,
            -180_000_001,
            1,
            GeoError::LongitudeOutOfRange,
        ),
        (
            "zero salt servers",
            &["ServerCount"],
            1,
            1,
            0,
            GeoError::InvalidServerCount,
        ),
        (
            "65 536 salt servers",
            &["ServerCount"],
            1,
            1,
            65_536,
            GeoError::InvalidServerCount,
        ),
        (
            "latitude and longitude out of range: latitude is checked first",
            &["Order"],
            91_000_000,
            181_000_000,
            1,
            GeoError::LatitudeOutOfRange,
        ),
        (
            "longitude out of range and zero servers: the location is checked first",
            &["Order"],
            0,
            -181_000_000,
            0,
            GeoError::LongitudeOutOfRange,
        ),
        (
            "latitude out of range and zero servers: the location is checked first",
            &["Order"],
            -91_000_000,
            0,
            0,
            GeoError::LatitudeOutOfRange,
        ),
    ];
    for (comment, flags, lat, lon, n, err) in bad {
        let got = Location::new(lat, lon).and_then(|l| l.cell(Layer::A).server_index(n));
        assert_eq!(got, Err(err), "{comment}");
        f.invalid(
            comment,
            flags,
            code(err),
            json!({"latE6": lat, "lonE6": lon, "nServers": n}),
        );
    }
    f.finish()
}

fn cell_json(lat: i32, lon: i32, n: u32, loc: &Location) -> Value {
    let p = loc.plane();
    let a = loc.cell(Layer::A);
    json!({
        "latE6": lat, "lonE6": lon, "nServers": n,
        "zone": p.zone, "x": p.x.to_string(), "y": p.y.to_string(),
        "cellA": hex(a.to_bytes()),
        "cellB": hex(loc.cell(Layer::B).to_bytes()),
        "cellC": hex(loc.cell(Layer::C).to_bytes()),
        "cellD": hex(loc.cell(Layer::D).to_bytes()),
        "dCellOfA": hex(a.d_cell().to_bytes()),
        "dNumberOfA": a.d_number().to_string(),
        "serverOfA": a.server_index(n).expect("valid n"),
    })
}

pub(super) fn check_cell(_: &Group, t: &Test) -> Result<Verdict, String> {
    let loc = match verdict(Location::new(
        i32_field(t, "latE6")?,
        i32_field(t, "lonE6")?,
    )) {
        Ok(l) => l,
        Err(v) => return Ok(v),
    };
    let a = loc.cell(Layer::A);
    let server = match verdict(a.server_index(u32_field(t, "nServers")?)) {
        Ok(s) => s,
        Err(v) => return Ok(v),
    };
    let p = loc.plane();
    expect_value(t, "zone", json!(p.zone))?;
    expect_value(t, "x", json!(p.x.to_string()))?;
    expect_value(t, "y", json!(p.y.to_string()))?;
    expect_hex(t, "cellA", a.to_bytes())?;
    expect_hex(t, "cellB", loc.cell(Layer::B).to_bytes())?;
    expect_hex(t, "cellC", loc.cell(Layer::C).to_bytes())?;
    expect_hex(t, "cellD", loc.cell(Layer::D).to_bytes())?;
    expect_hex(t, "dCellOfA", a.d_cell().to_bytes())?;
    expect_value(t, "dNumberOfA", json!(a.d_number().to_string()))?;
    expect_value(t, "serverOfA", json!(server))?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// geo-lattice

/// A plane point exactly on the bisector of the centres (0, 0) and (W/2, V) of `layer` (relative
/// to its offset), near x0 µdeg: a tie between two rows. Exact row ties are not reachable from
/// micro-degree inputs at latitude 0 (no integer solution) and practically unreachable elsewhere
/// (X must be a multiple of k(lat)), so these vectors give plane points.
fn plane_row_tie(layer: Layer, x0_e6: i64) -> (i64, i64) {
    let p = layer.params();
    let (w, v, ox, oy) = (p.w * SCALE, p.v * SCALE, p.ox * SCALE, p.oy * SCALE);
    // 2·(w/2)·X' + 2·v·Y' = (w/2)² + v²  with X' = X − ox, Y' = Y − oy.
    let rhs = i128::from(w / 2).pow(2) + i128::from(v).pow(2);
    for i in 0..1_000_000i64 {
        let xr = x0_e6 * SCALE + i;
        let num = rhs - i128::from(w) * i128::from(xr);
        if num % (2 * i128::from(v)) != 0 {
            continue;
        }
        let yr = i64::try_from(num / (2 * i128::from(v))).expect("fits");
        let (x, y) = (xr + ox, yr + oy);
        let c = candidates(x, y, layer);
        if c[0].0 == c[1].0 && c[0].1 != c[1].1 {
            assert_eq!(lattice_lookup(x, y, &p), (c[0].1, c[0].2));
            return (x, y);
        }
    }
    panic!("no row tie for {layer:?}");
}

fn lattice_file() -> Value {
    let mut f = FileBuilder::new("geo", "geo-lattice", "spec/geo.md#25-cell-lookup", HEADER);
    f.note("RowTie", "EDGE_CASE", "A plane point on the bisector of two centres in adjacent rows: the smaller r wins (spec §2.5).");
    f.note(
        "ColumnTie",
        "EDGE_CASE",
        "A plane point midway between two centres of one row: the smaller c wins (spec §2.5).",
    );
    f.note(
        "Random",
        "BASIC",
        "A plane point drawn from a fixed-seed ChaCha20 stream.",
    );
    f.note(
        "Extreme",
        "EDGE_CASE",
        "A corner of the plane region of spec §2.3, or a negative coordinate.",
    );
    f.note("BadLayer", "MODIFIED_PARAMETER", "A layer byte above 3.");
    f.group("geo-lattice", json!({}));
    let mut cases: Vec<(String, &[&str], Layer, i64, i64)> = Vec::new();
    for layer in [Layer::A, Layer::B, Layer::C, Layer::D] {
        for x0 in [1i64, 20, 44] {
            let (x, y) = plane_row_tie(layer, x0 * layer.params().w / 90);
            cases.push((
                format!("on the bisector of two rows in layer {layer:?} (x ≈ {x0}·W/90 µdeg): smaller r wins"),
                &["RowTie"][..],
                layer,
                x,
                y,
            ));
        }
        let p = layer.params();
        // Midway between (c, r) = (0, 0) and (1, 0), and between (-1, 0) and (0, 0).
        for (name, mid) in [("0 and 1", p.w / 2), ("-1 and 0", -p.w / 2)] {
            let (x, y) = ((mid + p.ox) * SCALE, p.oy * SCALE);
            let c = candidates(x, y, layer);
            assert!(c[0].0 == c[1].0 && c[0].1 == c[1].1, "{layer:?} column tie");
            cases.push((
                format!(
                    "midway between columns {name} of row 0 in layer {layer:?}: smaller c wins"
                ),
                &["ColumnTie"][..],
                layer,
                x,
                y,
            ));
            cases.push((
                format!("1 plane unit right of the midway point between columns {name} in layer {layer:?}"),
                &["ColumnTie"][..],
                layer,
                x + 1,
                y,
            ));
        }
    }
    let xmax = 3_000_000 * SCALE;
    let ymax = 90_000_000 * SCALE;
    for (name, x, y) in [
        ("north-east corner", xmax, ymax),
        ("south-west corner", -xmax, -ymax),
        ("north-west corner", -xmax, ymax),
        ("origin", 0, 0),
        ("just below and left of the origin", -1, -1),
    ] {
        for layer in [Layer::A, Layer::D] {
            cases.push((
                format!("{name}, layer {layer:?}"),
                &["Extreme"][..],
                layer,
                x,
                y,
            ));
        }
    }
    let mut r = rng("geo lattice");
    for i in 0..12 {
        let layer = [Layer::A, Layer::B, Layer::C, Layer::D][i % 4];
        let x = (r.next_u64() % (2 * xmax as u64)) as i64 - xmax;
        let y = (r.next_u64() % (2 * ymax as u64)) as i64 - ymax;
        cases.push((
            format!("random plane point {i}"),
            &["Random"][..],
            layer,
            x,
            y,
        ));
    }
    for (comment, flags, layer, x, y) in cases {
        let (row, col) = lattice_lookup(x, y, &layer.params());
        let c = candidates(x, y, layer);
        assert_eq!((row, col), (c[0].1, c[0].2), "{comment}");
        f.valid(
            &comment,
            flags,
            json!({"layer": layer.to_byte(), "planeX": x.to_string(), "planeY": y.to_string(), "r": row, "c": col}),
        );
    }
    for b in [4u8, 255] {
        f.invalid(
            &format!("layer byte {b}"),
            &["BadLayer"],
            "GEO_INVALID_LAYER",
            json!({"layer": b, "planeX": "0", "planeY": "0"}),
        );
    }
    f.finish()
}

pub(super) fn check_lattice(_: &Group, t: &Test) -> Result<Verdict, String> {
    let layer = match verdict(Layer::from_byte(u8_field(t, "layer")?)) {
        Ok(l) => l,
        Err(v) => return Ok(v),
    };
    let (r, c) = lattice_lookup(
        i64_str(t, "planeX")?,
        i64_str(t, "planeY")?,
        &layer.params(),
    );
    expect_value(t, "r", json!(r))?;
    expect_value(t, "c", json!(c))?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// geo-wire: strict decoders and canonical re-encoding

pub(super) struct WireCase {
    pub kind: &'static str,
    comment: String,
    flags: Vec<&'static str>,
    pub bytes: Vec<u8>,
    error: Option<GeoError>,
}

fn decode_kind(kind: &str, bytes: &[u8]) -> Result<Result<Vec<u8>, GeoError>, String> {
    Ok(match kind {
        "cellId" => CellId::from_bytes(bytes).map(|c| c.to_bytes().to_vec()),
        "uploadRecord" => UploadRecord::from_bytes(bytes).map(|r| r.to_bytes().to_vec()),
        "saltRequest" => SaltRequest::from_bytes(bytes).and_then(|r| r.to_bytes()),
        "oprfRequest" => OprfRequest::from_bytes(bytes).and_then(|r| r.to_bytes()),
        "response" => SaltResponse::from_bytes(bytes).and_then(|r| r.to_bytes()),
        other => return Err(format!("unknown kind `{other}`")),
    })
}

fn cell_bytes(layer: u8, zone: u8, r: i32, c: i32) -> Vec<u8> {
    let mut b = vec![layer, zone];
    b.extend_from_slice(&r.to_be_bytes());
    b.extend_from_slice(&c.to_be_bytes());
    b
}

/// The largest `|r|` (or, with `col`, the largest `|c|` at row `row`) on the `sign` side whose
/// centre passes the range check of §2.6, by binary search. Rows are probed at the column that
/// keeps the centre near the central meridian, so only the row bound can fail.
fn last_in_range(layer: Layer, col: bool, row: i32, sign: i32) -> i32 {
    let ok = |i: i32| {
        let v = sign * i;
        let bytes = if col {
            cell_bytes(layer.to_byte(), 30, row, v)
        } else {
            cell_bytes(layer.to_byte(), 30, v, -v.div_euclid(2))
        };
        CellId::from_bytes(&bytes).is_ok()
    };
    let (mut lo, mut hi) = (0i32, i32::MAX / 2);
    while lo < hi {
        let mid = lo + (hi - lo + 1) / 2;
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    sign * lo
}

pub(super) fn wire_file() -> (Value, Vec<WireCase>) {
    let mut cases = Vec::new();
    let mut push = |kind, comment: String, flags: &[&'static str], bytes: Vec<u8>, error| {
        cases.push(WireCase {
            kind,
            comment,
            flags: flags.to_vec(),
            bytes,
            error,
        })
    };
    let cell = Location::new(48_857_673, 2_294_044)
        .expect("valid")
        .cell(Layer::B)
        .to_bytes();
    push(
        "cellId",
        "layer-B cell id".into(),
        &["Valid"],
        cell.to_vec(),
        None,
    );
    let d = Location::new(-33_856_784, 151_215_297)
        .expect("valid")
        .cell(Layer::D)
        .to_bytes();
    push(
        "cellId",
        "layer-D cell id".into(),
        &["Valid"],
        d.to_vec(),
        None,
    );
    push(
        "cellId",
        "9 bytes".into(),
        &["Length"],
        cell[..9].to_vec(),
        Some(GeoError::Truncated),
    );
    push(
        "cellId",
        "empty".into(),
        &["Length"],
        vec![],
        Some(GeoError::Truncated),
    );
    let mut long = cell.to_vec();
    long.push(0);
    push(
        "cellId",
        "11 bytes".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );
    for (b, e) in [
        (4u8, GeoError::InvalidLayer),
        (0xff, GeoError::InvalidLayer),
    ] {
        let mut x = cell;
        x[0] = b;
        push(
            "cellId",
            format!("layer byte {b}"),
            &["BadField"],
            x.to_vec(),
            Some(e),
        );
    }
    for z in [59u8, 60, 255] {
        let mut x = cell;
        x[1] = z;
        let e = (z > 59).then_some(GeoError::InvalidZone);
        let flag: &[&str] = if e.is_some() {
            &["BadField"]
        } else {
            &["Valid"]
        };
        push("cellId", format!("zone {z}"), flag, x.to_vec(), e);
    }
    // Both sides of the §2.6 range bounds, for every layer: rows at column 0, and columns at an
    // even and an odd row (the odd row's half-column shift), on both signs.
    for layer in [Layer::A, Layer::B, Layer::C, Layer::D] {
        let lb = layer.to_byte();
        for sign in [1, -1] {
            let r = last_in_range(layer, false, 0, sign);
            let c_of = |r: i32| -r.div_euclid(2);
            push(
                "cellId",
                format!(
                    "layer {layer:?}: last row in range on the {} side (r = {r})",
                    if sign > 0 { "north" } else { "south" }
                ),
                &["Range"],
                cell_bytes(lb, 30, r, c_of(r)),
                None,
            );
            push(
                "cellId",
                format!("layer {layer:?}: first row out of range (r = {})", r + sign),
                &["Range"],
                cell_bytes(lb, 30, r + sign, c_of(r + sign)),
                Some(GeoError::CellOutOfRange),
            );
            for row in [0i32, 1] {
                let c = last_in_range(layer, true, row, sign);
                push(
                    "cellId",
                    format!(
                        "layer {layer:?}, row {row}: last column in range on the {} side (c = {c})",
                        if sign > 0 { "east" } else { "west" }
                    ),
                    &["Range"],
                    cell_bytes(lb, 30, row, c),
                    None,
                );
                push(
                    "cellId",
                    format!(
                        "layer {layer:?}, row {row}: first column out of range (c = {})",
                        c + sign
                    ),
                    &["Range"],
                    cell_bytes(lb, 30, row, c + sign),
                    Some(GeoError::CellOutOfRange),
                );
            }
        }
    }
    push(
        "cellId",
        "row i32::MAX".into(),
        &["Range"],
        cell_bytes(0, 0, i32::MAX, 0),
        Some(GeoError::CellOutOfRange),
    );
    push(
        "cellId",
        "column i32::MIN".into(),
        &["Range"],
        cell_bytes(2, 0, 0, i32::MIN),
        Some(GeoError::CellOutOfRange),
    );
    // Two checks broken at once: the earlier one decides (§2.6 order).
    let mut x = cell[..9].to_vec();
    x[0] = 4;
    push(
        "cellId",
        "9 bytes and layer 4: length first".into(),
        &["Order"],
        x,
        Some(GeoError::Truncated),
    );
    let mut x = cell.to_vec();
    x[0] = 4;
    x.push(0);
    push(
        "cellId",
        "11 bytes and layer 4: length first".into(),
        &["Order"],
        x,
        Some(GeoError::TrailingBytes),
    );
    push(
        "cellId",
        "layer 4 and zone 60: layer first".into(),
        &["Order"],
        cell_bytes(4, 60, 0, 0),
        Some(GeoError::InvalidLayer),
    );
    push(
        "cellId",
        "zone 60 and row out of range: zone first".into(),
        &["Order"],
        cell_bytes(0, 60, i32::MAX, 0),
        Some(GeoError::InvalidZone),
    );
    push(
        "cellId",
        "layer 4 and row out of range: layer first".into(),
        &["Order"],
        cell_bytes(4, 0, i32::MAX, 0),
        Some(GeoError::InvalidLayer),
    );

    let rec = UploadRecord {
        hash: RiskHash([0xab; 32]),
        user: UserId([0x11; 16]),
        size: BlockSize::M40,
    }
    .to_bytes();
    push(
        "uploadRecord",
        "upload record".into(),
        &["Valid"],
        rec.to_vec(),
        None,
    );
    push(
        "uploadRecord",
        "48 bytes".into(),
        &["Length"],
        rec[..48].to_vec(),
        Some(GeoError::Truncated),
    );
    let mut long = rec.to_vec();
    long.push(5);
    push(
        "uploadRecord",
        "50 bytes".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );
    for s in [0u8, 4, 6, 15, 60, 81, 255] {
        let mut x = rec;
        x[48] = s;
        push(
            "uploadRecord",
            format!("block size {s}"),
            &["BadField"],
            x.to_vec(),
            Some(GeoError::InvalidBlockSize),
        );
    }
    for s in [5u8, 10, 20, 80] {
        let mut x = rec;
        x[48] = s;
        push(
            "uploadRecord",
            format!("block size {s}"),
            &["Valid"],
            x.to_vec(),
            None,
        );
    }
    let mut x = rec.to_vec();
    x[48] = 6;
    x.push(0);
    push(
        "uploadRecord",
        "50 bytes and block size 6: length first".into(),
        &["Order"],
        x,
        Some(GeoError::TrailingBytes),
    );

    let req = SaltRequest {
        items: vec![
            SaltItem {
                size: 5,
                index: 5_666_666,
            },
            SaltItem {
                size: 80,
                index: 354_166,
            },
        ],
    };
    let rb = req.to_bytes().expect("small");
    push(
        "saltRequest",
        "two items".into(),
        &["Valid"],
        rb.clone(),
        None,
    );
    push(
        "saltRequest",
        "no items (structurally valid; the server refuses it)".into(),
        &["Valid"],
        vec![0, 0],
        None,
    );
    push(
        "saltRequest",
        "unknown size byte is structurally valid (the server refuses the item)".into(),
        &["Valid"],
        SaltRequest {
            items: vec![SaltItem {
                size: 7,
                index: u64::MAX,
            }],
        }
        .to_bytes()
        .expect("small"),
        None,
    );
    push(
        "saltRequest",
        "one byte short".into(),
        &["Length"],
        rb[..rb.len() - 1].to_vec(),
        Some(GeoError::Truncated),
    );
    push(
        "saltRequest",
        "empty".into(),
        &["Length"],
        vec![],
        Some(GeoError::Truncated),
    );
    push(
        "saltRequest",
        "count only, one byte".into(),
        &["Length"],
        vec![0],
        Some(GeoError::Truncated),
    );
    push(
        "saltRequest",
        "count says 65535 items, one present".into(),
        &["Length"],
        vec![0xff, 0xff, 5, 0, 0, 0, 0, 0, 0, 0, 1],
        Some(GeoError::Truncated),
    );
    let mut long = rb.clone();
    long.push(0);
    push(
        "saltRequest",
        "trailing byte".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );
    let mut long = rb.clone();
    long.extend_from_slice(&[5, 0, 0, 0, 0, 0, 0, 0, 1]);
    push(
        "saltRequest",
        "a third whole item beyond the count".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );

    let oreq = OprfRequest {
        items: vec![OprfItem {
            size: 20,
            index: 1_416_666,
            blinded: [0x22; 32],
        }],
    };
    let ob = oreq.to_bytes().expect("small");
    push(
        "oprfRequest",
        "one item (element not checked by the decoder)".into(),
        &["Valid"],
        ob.clone(),
        None,
    );
    push(
        "oprfRequest",
        "no items".into(),
        &["Valid"],
        vec![0, 0],
        None,
    );
    push(
        "oprfRequest",
        "one byte short".into(),
        &["Length"],
        ob[..ob.len() - 1].to_vec(),
        Some(GeoError::Truncated),
    );
    push(
        "oprfRequest",
        "a classic item's length (9 bytes) under an OPRF count".into(),
        &["Length"],
        vec![0, 1, 5, 0, 0, 0, 0, 0, 0, 0, 1],
        Some(GeoError::Truncated),
    );
    let mut long = ob.clone();
    long.extend_from_slice(&[0; 41]);
    push(
        "oprfRequest",
        "41 extra bytes".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );

    let resp = SaltResponse {
        items: vec![
            Ok([0x33; 32]),
            Err(GeoError::InvalidBlockSize),
            Err(GeoError::BlockInFuture),
            Err(GeoError::BlockExpired),
            Err(GeoError::InvalidElement),
        ],
    };
    let pb = resp.to_bytes().expect("small");
    push(
        "response",
        "every status".into(),
        &["Valid"],
        pb.clone(),
        None,
    );
    push("response", "no items".into(), &["Valid"], vec![0, 0], None);
    for s in [5u8, 0xff] {
        push(
            "response",
            format!("status {s}"),
            &["BadField"],
            vec![0, 1, s],
            Some(GeoError::InvalidStatus),
        );
    }
    push(
        "response",
        "status 0 without its 32 bytes".into(),
        &["Length"],
        vec![0, 1, 0, 1, 2],
        Some(GeoError::Truncated),
    );
    push(
        "response",
        "count 2, one status byte: the count check needs 2 bytes".into(),
        &["Length"],
        vec![0, 2, 1],
        Some(GeoError::Truncated),
    );
    let mut long = pb.clone();
    long.push(1);
    push(
        "response",
        "trailing byte".into(),
        &["Length"],
        long,
        Some(GeoError::TrailingBytes),
    );
    push(
        "response",
        "count 2 with one status byte 5: the count check comes first".into(),
        &["Order"],
        vec![0, 2, 5],
        Some(GeoError::Truncated),
    );
    push(
        "response",
        "status 5, then a status 0 without its bytes: the first item decides".into(),
        &["Order"],
        vec![0, 2, 5, 0],
        Some(GeoError::InvalidStatus),
    );
    push(
        "response",
        "status 5 and a trailing byte: the status is checked first".into(),
        &["Order"],
        vec![0, 1, 5, 0],
        Some(GeoError::InvalidStatus),
    );
    let mut x = vec![0, 2, 0];
    x.extend_from_slice(&[0x44; 31]);
    x.push(9);
    push(
        "response",
        "status 0 takes 32 bytes, then the second item has no status byte".into(),
        &["Length"],
        x,
        Some(GeoError::Truncated),
    );

    let mut f = FileBuilder::new("geo", "geo-wire", "spec/geo.md#10-wire-formats", HEADER);
    f.note(
        "Valid",
        "BASIC",
        "A well-formed encoding; decoding then re-encoding gives the same bytes.",
    );
    f.note(
        "Length",
        "MODIFIED_PARAMETER",
        "Truncated input or trailing bytes.",
    );
    f.note(
        "BadField",
        "MODIFIED_PARAMETER",
        "A field outside its allowed values.",
    );
    f.note(
        "Range",
        "EDGE_CASE",
        "A cell id on either side of the centre range bound of spec §2.6 (3).",
    );
    f.note(
        "Order",
        "BASIC",
        "Two checks fail at once; the earlier one in the decoder's order decides.",
    );
    f.group("geo-wire", json!({}));
    for c in &cases {
        let got = decode_kind(c.kind, &c.bytes).expect("kind");
        let fields = json!({"kind": c.kind, "encoded": hex(&c.bytes)});
        match c.error {
            None => {
                assert_eq!(got.as_deref(), Ok(c.bytes.as_slice()), "{}", c.comment);
                f.valid(&c.comment, &c.flags, fields);
            }
            Some(e) => {
                assert_eq!(got, Err(e), "{}", c.comment);
                f.invalid(&c.comment, &c.flags, code(e), fields);
            }
        }
    }
    (f.finish(), cases)
}

pub(super) fn check_wire(_: &Group, t: &Test) -> Result<Verdict, String> {
    let kind = field(t, "kind")?.as_str().ok_or("`kind` is not a string")?;
    let bytes = hex_field(t, "encoded")?;
    match decode_kind(kind, &bytes)? {
        Ok(re) if re == bytes => Ok(Verdict::Valid),
        Ok(re) => Err(format!("re-encoding differs: {}", hex(re))),
        Err(e) => Ok(Verdict::Invalid(e.code())),
    }
}

// ---------------------------------------------------------------------------------------------
// geo-sample-filter

fn sample_step(t: u64, lat: i32, lon: i32, acc: u32) -> Value {
    json!({"op": "sample", "t": t.to_string(), "latE6": lat, "lonE6": lon, "accuracyCm": acc})
}

fn filter_exec(
    filt: &mut SampleFilter,
    s: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    if field(s, "op")?.as_str() != Some("sample") {
        return Err("unknown op".into());
    }
    let mut got = Map::new();
    match filt.accept(
        u64_str_field(s, "t")?,
        i32_field(s, "latE6")?,
        i32_field(s, "lonE6")?,
        u32_field(s, "accuracyCm")?,
    ) {
        Ok(_) => {
            got.insert("expect".into(), json!("kept"));
        }
        Err(e) => {
            got.insert("expect".into(), json!("refused"));
            got.insert("error".into(), json!(e.code()));
        }
    }
    Ok(got)
}

fn filter_file() -> Value {
    let mut f = FileBuilder::new(
        "geo",
        "geo-sample-filter",
        "spec/geo.md#31-sample-and-filter",
        HEADER,
    );
    f.note(
        "Accuracy",
        "EDGE_CASE",
        "Accuracy at or beyond the 10 m limit (1000 cm).",
    );
    f.note(
        "Spacing",
        "EDGE_CASE",
        "Sample time relative to the last kept sample (300 s).",
    );
    f.note(
        "Location",
        "MODIFIED_PARAMETER",
        "Latitude or longitude out of range.",
    );
    f.note(
        "Order",
        "BASIC",
        "Several checks fail at once; the first in spec order decides.",
    );
    f.note(
        "State",
        "BASIC",
        "A refused sample leaves the state unchanged; a kept one moves it.",
    );
    f.group("geo-sample-filter", json!({}));
    let t0 = 1_700_000_000u64;
    let s = sample_step;
    let cases: Vec<(&str, &[&str], Option<u64>, Vec<Value>)> = vec![
        (
            "first sample, accuracy 10.00 m",
            &["Accuracy"],
            None,
            vec![s(t0, 1, 1, 1000)],
        ),
        (
            "accuracy 10.01 m",
            &["Accuracy"],
            None,
            vec![s(t0, 1, 1, 1001)],
        ),
        ("accuracy 0", &["Accuracy"], None, vec![s(t0, 1, 1, 0)]),
        (
            "accuracy u32::MAX",
            &["Accuracy"],
            None,
            vec![s(t0, 1, 1, u32::MAX)],
        ),
        (
            "latitude 90.000001",
            &["Location"],
            None,
            vec![s(t0, 90_000_001, 1, 10)],
        ),
        (
            "longitude -180.000001",
            &["Location"],
            None,
            vec![s(t0, 0, -180_000_001, 10)],
        ),
        (
            "exactly 300 s after the last kept sample",
            &["Spacing"],
            Some(t0 - 300),
            vec![s(t0, 1, 1, 500)],
        ),
        (
            "299 s after the last kept sample",
            &["Spacing"],
            Some(t0 - 299),
            vec![s(t0, 1, 1, 500)],
        ),
        (
            "same time as the last kept sample",
            &["Spacing"],
            Some(t0),
            vec![s(t0, 1, 1, 500)],
        ),
        (
            "clock went backwards",
            &["Spacing"],
            Some(t0 + 3600),
            vec![s(t0, 1, 1, 500)],
        ),
        (
            "last kept at time 0, a sample at 300",
            &["Spacing"],
            Some(0),
            vec![s(300, 1, 1, 500)],
        ),
        (
            "last kept 10 s before u64::MAX: no overflow in the spacing check",
            &["Spacing"],
            Some(u64::MAX - 10),
            vec![s(u64::MAX, 1, 1, 500)],
        ),
        (
            "last kept at u64::MAX: every later time is too soon or backwards",
            &["Spacing"],
            Some(u64::MAX),
            vec![s(u64::MAX, 1, 1, 500), s(0, 1, 1, 500)],
        ),
        (
            "bad latitude and bad longitude: latitude first",
            &["Order"],
            None,
            vec![s(t0, -95_000_000, 200_000_000, 10)],
        ),
        (
            "bad longitude and inaccurate: location first",
            &["Order"],
            None,
            vec![s(t0, 0, 200_000_000, 5000)],
        ),
        (
            "inaccurate and too soon: accuracy first",
            &["Order"],
            Some(t0),
            vec![s(t0, 1, 1, 5000)],
        ),
        (
            "bad latitude and too soon: location first",
            &["Order"],
            Some(t0),
            vec![s(t0, 91_000_000, 1, 10)],
        ),
        (
            "a refused sample does not move last_kept; the next one is measured from the kept one",
            &["State"],
            None,
            vec![
                s(t0, 1, 1, 10),
                s(t0 + 200, 1, 1, 10),
                s(t0 + 300, 1, 1, 10),
                s(t0 + 599, 1, 1, 10),
                s(t0 + 600, 1, 1, 10),
            ],
        ),
        (
            "an inaccurate sample does not move last_kept",
            &["State"],
            None,
            vec![
                s(t0, 1, 1, 10),
                s(t0 + 400, 1, 1, 1001),
                s(t0 + 500, 1, 1, 10),
                s(t0 + 700, 1, 1, 10),
            ],
        ),
        (
            "a sample with a bad location does not move last_kept",
            &["State"],
            Some(t0),
            vec![s(t0 + 300, 95_000_000, 1, 10), s(t0 + 300, 1, 1, 10)],
        ),
    ];
    for (comment, flags, last, steps) in cases {
        let mut filt = SampleFilter::resume(last);
        let steps = super::record_steps(steps, |st| filter_exec(&mut filt, st));
        let mut fields = json!({ "steps": steps });
        if let Some(l) = last {
            fields["lastKept"] = json!(l.to_string());
        }
        f.valid(comment, flags, fields);
    }
    f.finish()
}

pub(super) fn check_filter(_: &Group, t: &Test) -> Result<Verdict, String> {
    let last = match t.get("lastKept") {
        None => None,
        Some(_) => Some(u64_str_field(t, "lastKept")?),
    };
    let mut filt = SampleFilter::resume(last);
    super::check_steps(t, |st| filter_exec(&mut filt, st))?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// geo-home

fn samples_json(samples: &[Sample]) -> Value {
    Value::Array(
        samples
            .iter()
            .map(|s| json!({"t": s.t.to_string(), "latE6": s.location.lat_e6(), "lonE6": s.location.lon_e6()}))
            .collect(),
    )
}

fn samples_from(t: &Map<String, Value>) -> Result<Vec<Sample>, String> {
    field(t, "samples")?
        .as_array()
        .ok_or("`samples` is not a list")?
        .iter()
        .map(|s| {
            let s = s.as_object().ok_or("sample is not an object")?;
            let location = Location::new(i32_field(s, "latE6")?, i32_field(s, "lonE6")?)
                .map_err(|e| format!("sample location: {}", e.code()))?;
            Ok(Sample {
                t: u64_str_field(s, "t")?,
                location,
            })
        })
        .collect()
}

fn at(t: u64, lat: i32, lon: i32) -> Sample {
    Sample {
        t,
        location: Location::new(lat, lon).expect("valid"),
    }
}

/// `n` night samples (00:00–05:00 UTC) at one place, 5 minutes apart.
fn nights(day0: u64, n: u64, lat: i32, lon: i32) -> Vec<Sample> {
    (0..n).map(|i| at(day0 + 60 + i * 300, lat, lon)).collect()
}

/// The last point dropped and the first kept along a ray from `(lat, lon)` in steps of
/// `(dlat, dlon)` µdeg, for a scrubber around `home`.
fn boundary(home: HomeScrubber, lat: i32, lon: i32, dlat: i32, dlon: i32, t: u64) -> [Sample; 2] {
    let mut n = 0;
    loop {
        let s = at(t, lat + (n + 1) * dlat, lon + (n + 1) * dlon);
        if home.keep(&s) {
            return [at(t, lat + n * dlat, lon + n * dlon), s];
        }
        n += 1;
    }
}

fn home_file() -> Value {
    let mut f = FileBuilder::new("geo", "geo-home", "spec/geo.md#32-home-scrubbing", HEADER);
    f.note(
        "Home",
        "BASIC",
        "Nights at one place: the home is found and nearby samples are dropped.",
    );
    f.note(
        "NoHome",
        "EDGE_CASE",
        "Too few night samples: no home, nothing dropped.",
    );
    f.note(
        "MinNights",
        "EDGE_CASE",
        "Exactly 11 or 12 night samples (MIN_NIGHT_SAMPLES = 12).",
    );
    f.note("Night", "EDGE_CASE", "Local times at the edges of the night window [00:00, 05:00), with the mathematical modulo.");
    f.note(
        "TimeZone",
        "EDGE_CASE",
        "The UTC offset moves the night window.",
    );
    f.note("Tie", "EDGE_CASE", "Cells with equally many night samples: the bytewise smallest cell id wins (negative indices are bytewise large).");
    f.note(
        "Majority",
        "BASIC",
        "The cell with the most night samples wins even when another id is smaller.",
    );
    f.note(
        "Radius",
        "EDGE_CASE",
        "Samples on both sides of the home radius (squared plane distance ≤ (900·S)² is dropped).",
    );
    f.note(
        "Zone",
        "EDGE_CASE",
        "A sample near home but in another zone is kept.",
    );
    f.note(
        "BadOffset",
        "MODIFIED_PARAMETER",
        "UTC offset outside ±14 h.",
    );
    f.group("geo-home", json!({}));
    let day0 = 1_699_920_000u64; // a UTC midnight
    let home = Location::new(52_520_000, 13_405_000).expect("valid");
    let near = Location::new(52_520_700, 13_405_300).expect("valid");
    let work = Location::new(52_530_000, 13_420_000).expect("valid");
    let mut samples = Vec::new();
    for i in 0..14u64 {
        samples.push(Sample {
            t: day0 + 3600 + i * 300,
            location: home,
        });
    }
    for i in 0..4u64 {
        samples.push(Sample {
            t: day0 + 30_000 + i * 300,
            location: near,
        });
        samples.push(Sample {
            t: day0 + 40_000 + i * 300,
            location: work,
        });
    }
    let mut cases: Vec<(String, &[&str], Vec<Sample>, i32)> = vec![
        (
            "14 night samples at home; 4 near home and 4 at work by day".into(),
            &["Home"][..],
            samples.clone(),
            0,
        ),
        (
            "the same at UTC+05:00: the home samples are not at night".into(),
            &["TimeZone", "NoHome"][..],
            samples.clone(),
            18_000,
        ),
        (
            "the same at UTC-01:00: the home samples are at night".into(),
            &["TimeZone", "Home"][..],
            samples.clone(),
            -3600,
        ),
        (
            "the same at UTC+14:00 (largest offset)".into(),
            &["TimeZone"][..],
            samples.clone(),
            50_400,
        ),
        (
            "the same at UTC-14:00 (smallest offset)".into(),
            &["TimeZone"][..],
            samples.clone(),
            -50_400,
        ),
    ];
    // Exactly 11 and 12 night samples, with day samples at home that must not count.
    for n in [11u64, 12] {
        let mut s = nights(day0, n, 52_520_000, 13_405_000);
        s.extend((0..6).map(|i| at(day0 + 43_200 + i * 300, 52_520_000, 13_405_000)));
        s.push(at(day0 + 50_000, 52_520_500, 13_405_000));
        cases.push((
            format!("{n} night samples at home and 6 by day"),
            &["MinNights"][..],
            s,
            0,
        ));
    }
    // The night window's edges, with the mathematical modulo of negative local times.
    let edges = vec![
        at(day0, 1, 1),          // 00:00:00
        at(day0 + 17_999, 1, 1), // 04:59:59
        at(day0 + 18_000, 1, 1), // 05:00:00
        at(day0 + 86_399, 1, 1), // 23:59:59
        at(0, 1, 1),
        at(3599, 1, 1),
        at(u64::MAX, 1, 1),
    ];
    for offset in [0, -3600, 3600, 50_400, -50_400] {
        cases.push((
            format!("night-window edges at offset {offset} s"),
            &["Night"][..],
            edges.clone(),
            offset,
        ));
    }
    // Ties between cells with negative and non-negative indices near a zone's central meridian.
    let m = 3_000_000; // zone 30's central meridian
    let mut tie = Vec::new();
    for i in 0..6u64 {
        tie.push(at(day0 + i * 600, 0, m - 50)); // column -1
        tie.push(at(day0 + 300 + i * 600, 0, m + 40)); // column 0
    }
    let c_neg = Location::new(0, m - 50).expect("valid").cell(Layer::A);
    assert_eq!((c_neg.row(), c_neg.col()), (0, -1));
    let c_pos = Location::new(0, m + 40).expect("valid").cell(Layer::A);
    assert_eq!((c_pos.row(), c_pos.col()), (0, 0));
    assert_eq!(home_cell(&tie, 0), Ok(Some(c_pos)));
    cases.push((
        "6 + 6 night samples in columns -1 and 0: column 0 is bytewise smaller".into(),
        &["Tie"][..],
        tie.clone(),
        0,
    ));
    let mut tie_r = Vec::new();
    for i in 0..6u64 {
        tie_r.push(at(day0 + i * 600, -60, m));
        tie_r.push(at(day0 + 300 + i * 600, 20, m));
    }
    let row0 = Location::new(20, m).expect("valid").cell(Layer::A);
    assert_eq!(row0.row(), 0);
    assert_eq!(
        Location::new(-60, m).expect("valid").cell(Layer::A).row(),
        -1
    );
    assert_eq!(home_cell(&tie_r, 0), Ok(Some(row0)));
    cases.push((
        "6 + 6 night samples in rows -1 and 0: row 0 is bytewise smaller".into(),
        &["Tie"][..],
        tie_r,
        0,
    ));
    let mut maj = tie.clone();
    maj.push(at(day0 + 4000, 0, m - 50));
    assert_eq!(home_cell(&maj, 0), Ok(Some(c_neg)));
    cases.push((
        "7 night samples in column -1, 6 in column 0: the majority wins".into(),
        &["Majority"][..],
        maj,
        0,
    ));
    let other = Location::new(52_520_000, 13_406_000).expect("valid");
    let mut tie2 = Vec::new();
    for i in 0..6u64 {
        tie2.push(Sample {
            t: day0 + i * 600,
            location: other,
        });
        tie2.push(Sample {
            t: day0 + 300 + i * 600,
            location: home,
        });
    }
    tie2.push(Sample {
        t: day0 + 50_000,
        location: work,
    });
    cases.push((
        "6 + 6 night samples in two Berlin cells: the smaller cell id wins".into(),
        &["Tie"][..],
        tie2,
        0,
    ));
    // The radius: home cell A(r = 0, c = 5) of zone 30, centre (450·S, 0); rays in 8 directions.
    let (hlat, hlon) = (0, m + 450);
    let hcell = Location::new(hlat, hlon).expect("valid").cell(Layer::A);
    assert_eq!((hcell.row(), hcell.col()), (0, 5));
    let scrub = HomeScrubber::new(Some(hcell));
    let mut radius = nights(day0, 12, hlat, hlon);
    for (dlat, dlon) in [
        (0, 1),
        (0, -1),
        (1, 0),
        (-1, 0),
        (1, 1),
        (-1, -1),
        (1, -1),
        (2, 1),
        (-1, 3),
    ] {
        radius.extend(boundary(scrub, hlat, hlon, dlat, dlon, day0 + 43_200));
    }
    cases.push((
        "home radius: the last dropped and the first kept point along 9 rays".into(),
        &["Radius"][..],
        radius,
        0,
    ));
    // A home near the zone 30 / 31 seam: 60 µdeg across the seam is kept.
    let (slat, slon) = (10_000_000, 5_999_950);
    let mut seam = nights(day0, 12, slat, slon);
    seam.push(at(day0 + 43_200, slat, 5_999_990));
    seam.push(at(day0 + 43_500, slat, 6_000_010));
    seam.push(at(day0 + 43_800, slat, 6_000_500));
    cases.push((
        "home 50 µdeg west of the zone 31 seam: a sample across the seam is kept".into(),
        &["Zone"][..],
        seam,
        0,
    ));
    for (comment, flags, samples, offset) in cases {
        let h = home_cell(&samples, offset).expect("valid offset");
        f.valid(&comment, flags, home_json(&samples, offset, h));
    }
    for offset in [50_401, -50_401, i32::MAX] {
        assert_eq!(home_cell(&samples, offset), Err(GeoError::InvalidConfig));
        f.invalid(
            &format!("UTC offset {offset} s"),
            &["BadOffset"],
            "GEO_INVALID_CONFIG",
            json!({"utcOffsetS": offset, "samples": samples_json(&samples)}),
        );
    }
    f.finish()
}

fn home_json(samples: &[Sample], offset: i32, h: Option<CellId>) -> Value {
    let scrub = HomeScrubber::new(h);
    json!({
        "utcOffsetS": offset, "samples": samples_json(samples),
        "night": samples.iter().map(|s| is_night(s.t, offset)).collect::<Vec<_>>(),
        "home": h.map(|c| hex(c.to_bytes())).unwrap_or_default(),
        "kept": samples.iter().map(|s| scrub.keep(s)).collect::<Vec<_>>(),
    })
}

pub(super) fn check_home(_: &Group, t: &Test) -> Result<Verdict, String> {
    let samples = samples_from(t)?;
    let offset = i32_field(t, "utcOffsetS")?;
    let h = match verdict(home_cell(&samples, offset)) {
        Ok(h) => h,
        Err(v) => return Ok(v),
    };
    let scrub = HomeScrubber::new(h);
    let night: Vec<bool> = samples.iter().map(|s| is_night(s.t, offset)).collect();
    expect_value(t, "night", json!(night))?;
    expect_hex(
        t,
        "home",
        h.map(|c| c.to_bytes().to_vec()).unwrap_or_default(),
    )?;
    let kept: Vec<bool> = samples.iter().map(|s| scrub.keep(s)).collect();
    expect_value(t, "kept", json!(kept))?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// geo-time-blocks

fn blocks_json(t: u64) -> Value {
    Value::Array(
        time_blocks(t)
            .iter()
            .map(|b| json!({"size": b.size().minutes(), "k": b.index().to_string()}))
            .collect(),
    )
}

fn time_file() -> Value {
    let mut f = FileBuilder::new(
        "geo",
        "geo-time-blocks",
        "spec/geo.md#41-time-blocks",
        HEADER,
    );
    f.note("Typical", "BASIC", "A present-day time.");
    f.note(
        "Boundary",
        "EDGE_CASE",
        "On or next to a block boundary of some size.",
    );
    f.note("Extreme", "EDGE_CASE", "Time 0 or u64::MAX.");
    f.group("geo-time-blocks", json!({}));
    let cases: [(&str, &[&str], u64); 12] = [
        ("2023-11-14 22:13:20 UTC", &["Typical"], 1_700_000_000),
        ("Unix epoch", &["Extreme"], 0),
        ("u64::MAX", &["Extreme"], u64::MAX),
        ("u64::MAX - 4800", &["Extreme"], u64::MAX - 4800),
        ("start of an 80-minute block", &["Boundary"], 1_699_996_800),
        (
            "last second of an 80-minute block",
            &["Boundary"],
            1_699_996_799,
        ),
        (
            "start of a 40-minute block that is mid 80-minute block",
            &["Boundary"],
            1_699_996_800 + 2400,
        ),
        (
            "start of a 20-minute block that is mid 40-minute block",
            &["Boundary"],
            1_699_996_800 + 1200,
        ),
        (
            "start of a 10-minute block that is mid 20-minute block",
            &["Boundary"],
            1_699_996_800 + 600,
        ),
        (
            "start of a 5-minute block that is mid 10-minute block",
            &["Boundary"],
            1_699_996_800 + 300,
        ),
        ("last second of a 5-minute block", &["Boundary"], 299),
        ("start of the second 5-minute block", &["Boundary"], 300),
    ];
    for (comment, flags, t) in cases {
        f.valid(
            comment,
            flags,
            json!({"t": t.to_string(), "blocks": blocks_json(t)}),
        );
    }
    f.finish()
}

pub(super) fn check_time_blocks(_: &Group, t: &Test) -> Result<Verdict, String> {
    expect_value(t, "blocks", blocks_json(u64_str_field(t, "t")?))?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// geo-risk-points

fn distinct(samples: &[Sample]) -> Value {
    let mut set = RiskPointSet::new();
    for s in samples {
        set.add_sample(&s.location, s.t);
    }
    Value::Array(set.iter().map(|p| json!(hex(p.key()))).collect())
}

fn ordered(s: &Sample) -> Value {
    Value::Array(
        risk_points(&s.location, s.t)
            .iter()
            .map(|p| json!(hex(p.key())))
            .collect(),
    )
}

fn risk_points_file() -> Value {
    let mut f = FileBuilder::new(
        "geo",
        "geo-risk-points",
        "spec/geo.md#42-risk-points",
        HEADER,
    );
    f.note(
        "Single",
        "BASIC",
        "One sample: its 30 risk points in order.",
    );
    f.note(
        "Dedupe",
        "BASIC",
        "Several samples: the distinct risk points in ascending key order.",
    );
    f.group("geo-risk-points", json!({}));
    let loc = Location::new(47_376_887, 8_541_694).expect("valid");
    let t0 = 1_700_000_000u64;
    let mut cases: Vec<(&str, &[&str], Vec<Sample>)> = vec![
        ("one sample in Zurich", &["Single"], vec![Sample { t: t0, location: loc }]),
        ("one sample at the south pole at time 0", &["Single"], vec![at(0, -90_000_000, 0)]),
        ("one sample with negative cell indices at u64::MAX", &["Single"], vec![at(u64::MAX, -1_000, 2_999_000)]),
        (
            "two samples 5 minutes apart at one place: the first's next block is the second's current",
            &["Dedupe"],
            vec![Sample { t: 1_699_996_800, location: loc }, Sample { t: 1_699_997_100, location: loc }],
        ),
        (
            "stationary for one hour (12 samples): far fewer than 360 keys",
            &["Dedupe"],
            (0..12).map(|i| Sample { t: t0 + 300 * i, location: loc }).collect(),
        ),
    ];
    let mut r = rng("geo risk points");
    let walk: Vec<Sample> = (0..6)
        .map(|i| Sample {
            t: t0 + 300 * i,
            location: Location::new(
                47_376_887 + (r.next_u32() % 200) as i32,
                8_541_694 + (r.next_u32() % 200) as i32,
            )
            .expect("valid"),
        })
        .collect();
    cases.push(("walking for half an hour", &["Dedupe"], walk));
    for (comment, flags, samples) in cases {
        let d = distinct(&samples);
        let n = d.as_array().map_or(0, Vec::len);
        f.valid(
            comment,
            flags,
            json!({"samples": samples_json(&samples), "orderedKeys": ordered(&samples[0]), "distinctKeys": d, "count": n}),
        );
    }
    f.finish()
}

pub(super) fn check_risk_points(_: &Group, t: &Test) -> Result<Verdict, String> {
    let samples = samples_from(t)?;
    let first = samples.first().ok_or("no sample")?;
    expect_value(t, "orderedKeys", ordered(first))?;
    let d = distinct(&samples);
    expect_value(t, "count", json!(d.as_array().map_or(0, Vec::len)))?;
    expect_value(t, "distinctKeys", d)?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// Fuzz corpus seeds

pub(super) fn corpus() -> Vec<(String, String, Vec<u8>)> {
    let (_, cases) = wire_file();
    cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let target = match c.kind {
                "cellId" => "geo_cell_decode",
                "uploadRecord" => "geo_upload_record_decode",
                "saltRequest" => "geo_salt_request_decode",
                "oprfRequest" => "geo_oprf_request_decode",
                _ => "geo_response_decode",
            };
            (
                target.to_string(),
                format!("v-wire-{:03}", i + 1),
                c.bytes.clone(),
            )
        })
        .collect()
}
