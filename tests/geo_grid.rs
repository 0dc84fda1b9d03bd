//! The matching-distance claim of `spec/geo.md §2.7`: two locations of one zone whose plane points
//! are closer than δ = 44 µdeg share a cell in at least one of layers A, B, C. Also measures how
//! often layer A alone would miss.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use contact_tracing::geo::{Layer, Location, PlanePoint, MATCH_DISTANCE_E6, SCALE};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const DELTA: i128 = MATCH_DISTANCE_E6 as i128 * SCALE as i128;

/// A second location about `d_e6` µdeg of plane distance from `a` in direction `theta`.
fn offset(a: &Location, d_e6: f64, theta: f64) -> Option<Location> {
    let k = (f64::from(a.lat_e6()) / 1e6).to_radians().cos().max(1e-3);
    let dlat = (d_e6 * theta.sin()).round() as i32;
    let dlon = (d_e6 * theta.cos() / k).round() as i32;
    Location::new(a.lat_e6().checked_add(dlat)?, a.lon_e6().checked_add(dlon)?).ok()
}

fn dist(a: &PlanePoint, b: &PlanePoint) -> Option<i128> {
    (a.zone == b.zone).then(|| a.distance_sq(b))
}

fn shares(a: &Location, b: &Location) -> [bool; 3] {
    Layer::FINE.map(|l| a.cell(l) == b.cell(l))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]
    #[test]
    fn close_points_share_a_cell(
        lat in -70_000_000i32..=70_000_000,
        lon in -180_000_000i32..180_000_000,
        d in 0.0f64..44.5,
        theta in 0.0f64..std::f64::consts::TAU,
    ) {
        let a = Location::new(lat, lon).unwrap();
        if let Some(b) = offset(&a, d, theta) {
            if let Some(d2) = dist(&a.plane(), &b.plane()) {
                if d2 < DELTA * DELTA {
                    prop_assert!(shares(&a, &b).iter().any(|&s| s), "{a:?} {b:?}");
                }
            }
        }
    }
}

/// 200 000 pairs per distance band with a fixed seed; prints the miss rates.
#[test]
fn measure_single_layer_misses() {
    let mut rng = ChaCha20Rng::from_seed([0x47; 32]);
    let mut unit = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    for band in [20.0f64, 30.0, 40.0, 43.9] {
        let (mut n, mut miss_a, mut miss_all) = (0u32, 0u32, 0u32);
        while n < 200_000 {
            let lat = ((unit() * 2.0 - 1.0) * 70e6) as i32;
            let lon = ((unit() * 2.0 - 1.0) * 180e6) as i32;
            let a = Location::new(lat, lon).unwrap();
            let Some(b) = offset(&a, band, unit() * std::f64::consts::TAU) else {
                continue;
            };
            let Some(d2) = dist(&a.plane(), &b.plane()) else {
                continue;
            };
            if d2 >= DELTA * DELTA {
                continue;
            }
            n += 1;
            let s = shares(&a, &b);
            miss_a += u32::from(!s[0]);
            miss_all += u32::from(!s.iter().any(|&x| x));
        }
        println!(
            "geo grid: distance ~{band} µdeg: layer A alone misses {:.2} %, A/B/C together {} of {n}",
            100.0 * f64::from(miss_a) / f64::from(n),
            miss_all
        );
        assert_eq!(miss_all, 0, "band {band}");
        // A single layer misses a large share near δ: three layers are needed.
        if band > 40.0 {
            assert!(miss_a > n / 3);
        }
    }
}

/// Beyond W/2 pairs do start to miss in all layers: the claim is tight, not vacuous.
#[test]
fn far_points_can_miss_everywhere() {
    let mut found = false;
    let a = Location::new(10_000_000, 10_000_000).unwrap();
    for i in 0..2000 {
        let theta = f64::from(i) * 0.0031;
        if let Some(b) = offset(&a, 60.0, theta) {
            if !shares(&a, &b).iter().any(|&s| s) {
                found = true;
                break;
            }
        }
    }
    assert!(found);
}
