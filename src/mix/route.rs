//! Route selection from the Discovery document (`spec/mix.md §9.2`).
//!
//! Which hops and day keys a route *may* use ([`route_candidates`]) is normative: a key chosen
//! outside the window would make the packet or SURB fail at that hop. How one is drawn among them
//! ([`select_route`]) is the reference draw of `MIX-ROUTE-2`; only its uniformity matters to
//! other parties.

use alloc::vec::Vec;
use rand_core::CryptoRngCore;

use super::discovery::{DiscoveryDocument, EntityEntry, Roles};
use super::geometry::Geometry;
use super::node::{day_of, key_select_for_day, KEY_LIFETIME_DAYS};
use super::packet::RouteHop;
use super::MixError;

/// One entity a route may use, with the day keys it may use (ascending).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteCandidate {
    /// Entity number.
    pub entity: u8,
    /// Eligible key days, ascending: listed by the entity, live at `now` and still live at
    /// `valid_until`.
    pub days: Vec<u32>,
}

/// What a route of `r` hops may be built from (`spec/mix.md §9.2`, `MIX-ROUTE-1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteCandidates {
    /// The final entity (mailbox server or nymserver) and its eligible days.
    pub final_hop: RouteCandidate,
    /// The mixes eligible for the other `r - 1` hops, ascending by number; at least `r - 1`.
    pub mixes: Vec<RouteCandidate>,
}

/// Uniform index in `0..n` by rejection sampling on `next_u32` (`n >= 1`): draws `u` until
/// `u < 2^32 - (2^32 mod n)` and returns `u mod n` (`MIX-ROUTE-2`).
fn uniform_index(n: usize, rng: &mut impl CryptoRngCore) -> usize {
    let n32 = u32::try_from(n).unwrap_or(u32::MAX).max(1);
    // The largest accepted draw: 2^32 - (2^32 mod n) - 1.
    let zone = u32::MAX - (u32::MAX % n32 + 1) % n32;
    loop {
        let u = rng.next_u32();
        if u <= zone {
            return usize::try_from(u % n32).unwrap_or(0);
        }
    }
}

/// Key days of `entity` that a route may use: `today - 29 <= d <= today` and
/// `d >= day(valid_until) - 29`, listed in the entry (`MIX-ROUTE-1`).
fn eligible_days(entity: &EntityEntry, now: u64, valid_until: u64) -> Vec<u32> {
    let today = day_of(now);
    let lo = today
        .saturating_sub(KEY_LIFETIME_DAYS - 1)
        .max(day_of(valid_until).saturating_sub(KEY_LIFETIME_DAYS - 1));
    (lo..=today)
        .filter(|&d| entity.key_for_day(d).is_some())
        .collect()
}

/// The entities and day keys a route of `geometry.hops()` hops ending at `final_entity` may use
/// (`spec/mix.md §9.2`, `MIX-ROUTE-1`). `MIX_ROUTE_UNAVAILABLE` if the final entity is missing,
/// has neither the mailbox nor the nymserver role, or has no eligible key, or if fewer than
/// `r - 1` other entities have the mix role and an eligible key.
pub fn route_candidates(
    doc: &DiscoveryDocument,
    final_entity: u8,
    geometry: Geometry,
    now: u64,
    valid_until: u64,
) -> Result<RouteCandidates, MixError> {
    let last = doc
        .entity(final_entity)
        .filter(|e| e.roles().contains(Roles::MAILBOX) || e.roles().contains(Roles::NYMSERVER))
        .ok_or(MixError::RouteUnavailable)?;
    let final_days = eligible_days(last, now, valid_until);
    if final_days.is_empty() {
        return Err(MixError::RouteUnavailable);
    }
    let mixes: Vec<RouteCandidate> = doc
        .entities()
        .iter()
        .filter(|e| e.roles().contains(Roles::MIX) && e.number() != final_entity)
        .map(|e| RouteCandidate {
            entity: e.number(),
            days: eligible_days(e, now, valid_until),
        })
        .filter(|c| !c.days.is_empty())
        .collect();
    if mixes.len() < geometry.hops() - 1 {
        return Err(MixError::RouteUnavailable);
    }
    Ok(RouteCandidates {
        final_hop: RouteCandidate {
            entity: final_entity,
            days: final_days,
        },
        mixes,
    })
}

/// Draws one of `candidate`'s days and makes the hop.
fn pick(
    doc: &DiscoveryDocument,
    candidate: &RouteCandidate,
    rng: &mut impl CryptoRngCore,
) -> Result<RouteHop, MixError> {
    let day = *candidate
        .days
        .get(uniform_index(candidate.days.len(), rng))
        .ok_or(MixError::RouteUnavailable)?;
    let public_key = doc
        .entity(candidate.entity)
        .and_then(|e| e.key_for_day(day))
        .ok_or(MixError::RouteUnavailable)?;
    Ok(RouteHop {
        entity: candidate.entity,
        key_select: key_select_for_day(day),
        public_key,
    })
}

/// Picks a route of `geometry.hops()` hops ending at `final_entity` (`spec/mix.md §9.2`).
///
/// The other hops are distinct mixes among [`route_candidates`], drawn uniformly without
/// replacement by a partial Fisher–Yates shuffle; each hop's key is drawn uniformly among its
/// eligible days right after the hop, and the final hop's key last (`MIX-ROUTE-2`). Use
/// `valid_until = now` for forward packets and the SURB's intended expiry for SURBs.
pub fn select_route(
    doc: &DiscoveryDocument,
    final_entity: u8,
    geometry: Geometry,
    now: u64,
    valid_until: u64,
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<RouteHop>, MixError> {
    let RouteCandidates {
        final_hop,
        mut mixes,
    } = route_candidates(doc, final_entity, geometry, now, valid_until)?;
    let need = geometry.hops() - 1;
    let mut route = Vec::with_capacity(geometry.hops());
    for i in 0..need {
        let j = i + uniform_index(mixes.len() - i, rng);
        mixes.swap(i, j);
        let c = mixes.get(i).ok_or(MixError::RouteUnavailable)?;
        route.push(pick(doc, c, rng)?);
    }
    route.push(pick(doc, &final_hop, rng)?);
    Ok(route)
}
