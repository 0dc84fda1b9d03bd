//! `geo-sample-filter`, `geo-home`, `geo-time-blocks`, `geo-risk-points` (`spec/geo.md §3`, `§4`).

use contact_tracing::error::ErrorCode;
use contact_tracing::geo::{
    home_cell, is_night, risk_points, time_blocks, CellId, GeoError, HomeScrubber, Layer, Location,
    RiskPointSet, Sample, SampleFilter,
};
use rand_core::RngCore;
use serde_json::{json, Map, Value};

use super::{i32_field, verdict, HEADER};
use crate::vector::{
    expect_hex, expect_value, field, hex, rng, u32_field, u64_str_field, FileBuilder, Group, Test,
    Verdict,
};

pub(super) fn files() -> Vec<(String, Value)> {
    vec![
        ("geo/sample_filter_test.json".into(), filter_file()),
        ("geo/home_test.json".into(), home_file()),
        ("geo/time_blocks_test.json".into(), time_file()),
        ("geo/risk_points_test.json".into(), risk_points_file()),
    ]
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
    if let Some(last) = filt.last_kept() {
        got.insert("lastKept".into(), json!(last.to_string()));
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
    // A home off the equator (both plane coordinates of its centre non-zero), rays again.
    let (olat, olon) = (52_520_000, 13_405_000);
    let ocell = Location::new(olat, olon).expect("valid").cell(Layer::A);
    let oc = ocell.centre();
    assert!(oc.x != 0 && oc.y != 0);
    let oscrub = HomeScrubber::new(Some(ocell));
    let mut off = nights(day0, 12, olat, olon);
    for (dlat, dlon) in [(0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, -1), (3, -2)] {
        off.extend(boundary(oscrub, olat, olon, dlat, dlon, day0 + 43_200));
    }
    cases.push((
        "home radius off the equator: the last dropped and the first kept point along 7 rays"
            .into(),
        &["Radius"][..],
        off,
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
    let kept: Vec<bool> = samples.iter().map(|s| scrub.keep(s)).collect();
    assert_eq!(kept, kept_flags(&scrub, samples));
    json!({
        "utcOffsetS": offset, "samples": samples_json(samples),
        "night": samples.iter().map(|s| is_night(s.t, offset)).collect::<Vec<_>>(),
        "home": h.map(|c| hex(c.to_bytes())).unwrap_or_default(),
        "kept": kept,
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
    expect_value(t, "kept", json!(kept_flags(&scrub, &samples)))?;
    Ok(Verdict::Valid)
}

/// The kept flag of every sample, read off `HomeScrubber::scrub` (which keeps the order).
fn kept_flags(scrub: &HomeScrubber, samples: &[Sample]) -> Vec<bool> {
    let kept = scrub.scrub(samples);
    let mut next = kept.iter().peekable();
    samples
        .iter()
        .map(|s| {
            let k = next.peek().is_some_and(|n| *n == s);
            if k {
                next.next();
            }
            k
        })
        .collect()
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

/// The de-duplicated keys, their number, and the distinct blocks of the samples' risk points.
fn distinct(samples: &[Sample]) -> (Value, usize, Value) {
    let mut set = RiskPointSet::new();
    let mut added = 0;
    for s in samples {
        added += set.add_sample(&s.location, s.t);
    }
    assert_eq!(added, set.len());
    let keys = Value::Array(set.iter().map(|p| json!(hex(p.key()))).collect());
    let blocks = Value::Array(
        set.blocks()
            .iter()
            .map(|b| json!({"size": b.size().minutes(), "k": b.index().to_string()}))
            .collect(),
    );
    (keys, if set.is_empty() { 0 } else { set.len() }, blocks)
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
        let (keys, n, blocks) = distinct(&samples);
        f.valid(
            comment,
            flags,
            json!({"samples": samples_json(&samples), "orderedKeys": ordered(&samples[0]), "distinctKeys": keys, "count": n, "distinctBlocks": blocks}),
        );
    }
    f.finish()
}

pub(super) fn check_risk_points(_: &Group, t: &Test) -> Result<Verdict, String> {
    let samples = samples_from(t)?;
    let first = samples.first().ok_or("no sample")?;
    expect_value(t, "orderedKeys", ordered(first))?;
    let (keys, n, blocks) = distinct(&samples);
    expect_value(t, "count", json!(n))?;
    expect_value(t, "distinctKeys", keys)?;
    expect_value(t, "distinctBlocks", blocks)?;
    Ok(Verdict::Valid)
}
