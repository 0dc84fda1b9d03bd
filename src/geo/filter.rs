//! The sample filter and home scrubbing (`spec/geo.md §3`).

use super::grid::Location;
#[cfg(feature = "alloc")]
use super::grid::{CellId, Layer, SCALE};
use super::GeoError;

/// Worst accepted accuracy, in centimetres (10 m; `spec/geo.md §3.1`).
pub const MAX_ACCURACY_CM: u32 = 1000;
/// Minimum spacing between kept samples, in seconds (`spec/geo.md §3.1`).
pub const MIN_SAMPLE_SPACING_S: u64 = 300;
/// Fewest night samples that define a home (`spec/geo.md §3.2`).
#[cfg(feature = "alloc")]
pub const MIN_NIGHT_SAMPLES: usize = 12;
/// Home radius in µdeg of plane distance (≈ 100 m; `spec/geo.md §3.2`).
#[cfg(feature = "alloc")]
pub const HOME_RADIUS_E6: i64 = 900;

const NIGHT_END_S: i64 = 5 * 3600;
#[cfg(feature = "alloc")]
const MAX_UTC_OFFSET_S: i32 = 14 * 3600;

/// A kept GPS sample: time and validated location (`spec/geo.md §3.1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Unix seconds, UTC.
    pub t: u64,
    /// Where.
    pub location: Location,
}

/// The sample filter of `spec/geo.md §3.1`: location valid, accuracy ≤ 10 m, 300 s spacing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SampleFilter {
    last_kept: Option<u64>,
}

impl SampleFilter {
    /// A filter that has kept nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time of the last kept sample.
    pub fn last_kept(&self) -> Option<u64> {
        self.last_kept
    }

    /// A filter whose last kept sample was at `t` (to resume from storage).
    pub fn resume(last_kept: Option<u64>) -> Self {
        SampleFilter { last_kept }
    }

    /// Checks a raw sample in the order of `spec/geo.md §3.1`; on success records it as kept.
    /// A refused sample leaves the state unchanged.
    pub fn accept(
        &mut self,
        t: u64,
        lat_e6: i32,
        lon_e6: i32,
        accuracy_cm: u32,
    ) -> Result<Sample, GeoError> {
        let location = Location::new(lat_e6, lon_e6)?;
        if accuracy_cm > MAX_ACCURACY_CM {
            return Err(GeoError::SampleInaccurate);
        }
        if let Some(last) = self.last_kept {
            // `t − last` without overflow; a clock going backwards is too soon.
            if t.checked_sub(last)
                .map_or(true, |d| d < MIN_SAMPLE_SPACING_S)
            {
                return Err(GeoError::SampleTooSoon);
            }
        }
        self.last_kept = Some(t);
        Ok(Sample { t, location })
    }
}

#[cfg(feature = "alloc")]
fn check_offset(utc_offset_s: i32) -> Result<(), GeoError> {
    if (-MAX_UTC_OFFSET_S..=MAX_UTC_OFFSET_S).contains(&utc_offset_s) {
        Ok(())
    } else {
        Err(GeoError::InvalidConfig)
    }
}

/// Whether a sample is a night sample: local time in [00:00, 05:00) (`spec/geo.md §3.2`).
pub fn is_night(t: u64, utc_offset_s: i32) -> bool {
    let local = i128::from(t) + i128::from(utc_offset_s);
    let tod = local.rem_euclid(86_400);
    tod < i128::from(NIGHT_END_S)
}

/// The home of `spec/geo.md §3.2`: the layer-A cell holding the most night samples (ties to the
/// smallest id), or `None` with fewer than [`MIN_NIGHT_SAMPLES`] night samples.
#[cfg(feature = "alloc")]
pub fn home_cell(samples: &[Sample], utc_offset_s: i32) -> Result<Option<CellId>, GeoError> {
    check_offset(utc_offset_s)?;
    let mut counts = alloc::collections::BTreeMap::<[u8; 10], (usize, CellId)>::new();
    let mut nights = 0usize;
    for s in samples.iter().filter(|s| is_night(s.t, utc_offset_s)) {
        nights += 1;
        let cell = s.location.cell(Layer::A);
        counts.entry(cell.to_bytes()).or_insert((0, cell)).0 += 1;
    }
    if nights < MIN_NIGHT_SAMPLES {
        return Ok(None);
    }
    // Ascending key order, strict `>`: the smallest id wins ties.
    let mut best: Option<(usize, CellId)> = None;
    for (count, cell) in counts.into_values() {
        if best.map_or(true, |(c, _)| count > c) {
            best = Some((count, cell));
        }
    }
    Ok(best.map(|(_, c)| c))
}

/// Drops samples near home (`spec/geo.md §3.2`).
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HomeScrubber {
    home: Option<CellId>,
    radius_e6: i64,
}

#[cfg(feature = "alloc")]
impl HomeScrubber {
    /// A scrubber around `home` (none: keeps everything) with the default radius.
    pub fn new(home: Option<CellId>) -> Self {
        HomeScrubber {
            home,
            radius_e6: HOME_RADIUS_E6,
        }
    }

    /// Whether `sample` is kept: not in the home's zone, or farther than the radius from the
    /// home cell's centre.
    pub fn keep(&self, sample: &Sample) -> bool {
        let Some(home) = self.home else { return true };
        let p = sample.location.plane();
        let c = home.centre();
        if p.zone != c.zone {
            return true;
        }
        let r = i128::from(self.radius_e6) * i128::from(SCALE);
        p.distance_sq(&c) > r * r
    }

    /// The kept samples of `samples`, in order.
    pub fn scrub(&self, samples: &[Sample]) -> alloc::vec::Vec<Sample> {
        samples.iter().copied().filter(|s| self.keep(s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_order_and_state() {
        let mut f = SampleFilter::new();
        assert_eq!(
            f.accept(0, 91_000_000, 0, 2000),
            Err(GeoError::LatitudeOutOfRange)
        );
        assert_eq!(f.accept(1000, 0, 0, 1001), Err(GeoError::SampleInaccurate));
        assert!(f.accept(1000, 0, 0, 1000).is_ok());
        assert_eq!(f.accept(1299, 0, 0, 10), Err(GeoError::SampleTooSoon));
        assert_eq!(f.accept(999, 0, 0, 10), Err(GeoError::SampleTooSoon));
        assert_eq!(f.last_kept(), Some(1000));
        assert!(f.accept(1300, 0, 0, 10).is_ok());
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn home_is_found_and_scrubbed() {
        let home = Location::new(52_520_000, 13_405_000).unwrap();
        let work = Location::new(52_530_000, 13_405_000).unwrap();
        let day0 = 1_699_920_000u64; // a UTC midnight
        let mut samples = std::vec::Vec::new();
        for i in 0..60 {
            samples.push(Sample {
                t: day0 + i * 300,
                location: home,
            });
        }
        for i in 0..60 {
            samples.push(Sample {
                t: day0 + 40_000 + i * 300,
                location: work,
            });
        }
        assert_eq!(home_cell(&samples[..11], 0), Ok(None));
        let h = home_cell(&samples, 0).unwrap().unwrap();
        assert_eq!(h, home.cell(Layer::A));
        // At UTC+5 the home samples are at 05:00-10:00 local: no home.
        assert_eq!(home_cell(&samples, 18_000).unwrap(), None);
        assert_eq!(home_cell(&samples, 60_000), Err(GeoError::InvalidConfig));
        let s = HomeScrubber::new(Some(h));
        let kept = s.scrub(&samples);
        assert_eq!(kept.len(), 60);
        assert!(kept.iter().all(|k| k.location == work));
        // 80 m north of home is dropped, 120 m is kept.
        let near = Location::new(52_520_720, 13_405_000).unwrap();
        let far = Location::new(52_521_080, 13_405_000).unwrap();
        assert!(!s.keep(&Sample {
            t: 0,
            location: near
        }));
        assert!(s.keep(&Sample {
            t: 0,
            location: far
        }));
    }
}
