//! Route selection from the Discovery document (`spec/mix.md §9.1`).

use alloc::vec::Vec;
use rand_core::CryptoRngCore;

use super::discovery::{DiscoveryDocument, EntityEntry, Roles};
use super::geometry::Geometry;
use super::node::{day_of, key_select_for_day, KEY_LIFETIME_DAYS};
use super::packet::RouteHop;
use super::MixError;

/// Uniform index in `0..n` by rejection sampling on `next_u32` (`n >= 1`).
fn uniform_index(n: usize, rng: &mut impl CryptoRngCore) -> usize {
    let n32 = u32::try_from(n).unwrap_or(u32::MAX).max(1);
    let zone = u32::MAX - (u32::MAX % n32 + 1) % n32;
    loop {
        let u = rng.next_u32();
        if u <= zone {
            return usize::try_from(u % n32).unwrap_or(0);
        }
    }
}

fn pick_key(
    entity: &EntityEntry,
    now: u64,
    valid_until: u64,
    rng: &mut impl CryptoRngCore,
) -> Result<RouteHop, MixError> {
    let today = day_of(now);
    let lo = today
        .saturating_sub(KEY_LIFETIME_DAYS - 1)
        .max(day_of(valid_until).saturating_sub(KEY_LIFETIME_DAYS - 1));
    let eligible: Vec<(u32, [u8; 32])> = (lo..=today)
        .filter_map(|d| entity.key_for_day(d).map(|k| (d, k)))
        .collect();
    if eligible.is_empty() {
        return Err(MixError::RouteUnavailable);
    }
    let (day, public_key) = *eligible
        .get(uniform_index(eligible.len(), rng))
        .ok_or(MixError::RouteUnavailable)?;
    Ok(RouteHop {
        entity: entity.number(),
        key_select: key_select_for_day(day),
        public_key,
    })
}

/// Picks a route of `geometry.hops()` hops ending at `final_entity` (`spec/mix.md §9.1`).
///
/// The other hops are distinct mixes (excluding the final entity), uniformly without
/// replacement; each hop's key is drawn uniformly among listed keys live at `now` and still live
/// at `valid_until` (use `now` for forward packets, the SURB's intended expiry for SURBs).
pub fn select_route(
    doc: &DiscoveryDocument,
    final_entity: u8,
    geometry: Geometry,
    now: u64,
    valid_until: u64,
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<RouteHop>, MixError> {
    let last = doc
        .entity(final_entity)
        .filter(|e| e.roles().contains(Roles::MAILBOX) || e.roles().contains(Roles::NYMSERVER))
        .ok_or(MixError::RouteUnavailable)?;
    let mut mixes: Vec<&EntityEntry> = doc
        .entities()
        .iter()
        .filter(|e| e.roles().contains(Roles::MIX) && e.number() != final_entity)
        .collect();
    let need = geometry.hops() - 1;
    if mixes.len() < need {
        return Err(MixError::RouteUnavailable);
    }
    let mut route = Vec::with_capacity(geometry.hops());
    for i in 0..need {
        let j = i + uniform_index(mixes.len() - i, rng);
        mixes.swap(i, j);
        let e = mixes.get(i).ok_or(MixError::RouteUnavailable)?;
        route.push(pick_key(e, now, valid_until, rng)?);
    }
    route.push(pick_key(last, now, valid_until, rng)?);
    Ok(route)
}
