//! `geo-scale`, `geo-cell`, `geo-lattice` (`spec/geo.md §2`).

use contact_tracing::geo::{lattice_lookup, scale_q30, GeoError, Layer, Location, COS_Q30, SCALE};
use rand_core::RngCore;
use serde_json::{json, Value};

use super::{code, i32_field, i64_str, u8_field, verdict, HEADER};
use crate::vector::{
    expect_hex, expect_value, hex, rng, u32_field, FileBuilder, Group, Test, Verdict,
};

pub(super) fn files() -> Vec<(String, Value)> {
    vec![
        ("geo/scale_test.json".into(), scale_file()),
        ("geo/cell_test.json".into(), cell_file()),
        ("geo/lattice_test.json".into(), lattice_file()),
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
