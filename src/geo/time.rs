//! Time blocks and risk points (`spec/geo.md §4`).

use super::grid::{CellId, Layer, Location, CELL_ID_LEN};
use super::GeoError;

/// A block size in minutes (`spec/geo.md §4.1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockSize {
    /// 5 minutes.
    M5,
    /// 10 minutes.
    M10,
    /// 20 minutes.
    M20,
    /// 40 minutes.
    M40,
    /// 80 minutes.
    M80,
}

impl BlockSize {
    /// Every size, ascending (the order of `time_blocks`).
    pub const ALL: [BlockSize; 5] = [
        BlockSize::M5,
        BlockSize::M10,
        BlockSize::M20,
        BlockSize::M40,
        BlockSize::M80,
    ];

    /// The size in minutes (its byte on the wire).
    pub fn minutes(self) -> u8 {
        match self {
            BlockSize::M5 => 5,
            BlockSize::M10 => 10,
            BlockSize::M20 => 20,
            BlockSize::M40 => 40,
            BlockSize::M80 => 80,
        }
    }

    /// The size in seconds, `B = 60·s`.
    pub fn seconds(self) -> u64 {
        u64::from(self.minutes()) * 60
    }

    /// Parses a size byte (`GEO_INVALID_BLOCK_SIZE` outside {5, 10, 20, 40, 80}).
    pub fn from_minutes(m: u8) -> Result<Self, GeoError> {
        match m {
            5 => Ok(BlockSize::M5),
            10 => Ok(BlockSize::M10),
            20 => Ok(BlockSize::M20),
            40 => Ok(BlockSize::M40),
            80 => Ok(BlockSize::M80),
            _ => Err(GeoError::InvalidBlockSize),
        }
    }
}

/// A time block `(s, k)`: block `k` of size `s`, aligned to the Unix epoch (`spec/geo.md §4.1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeBlock {
    size: BlockSize,
    index: u64,
}

impl TimeBlock {
    /// Length of the encoding `s u8 || k u64 BE`.
    pub const LEN: usize = 9;

    /// The block `(size, index)`.
    pub fn new(size: BlockSize, index: u64) -> Self {
        TimeBlock { size, index }
    }

    /// The block of size `size` containing `t`: `k = t / B`.
    pub fn containing(size: BlockSize, t: u64) -> Self {
        TimeBlock {
            size,
            index: t / size.seconds(),
        }
    }

    /// The size.
    pub fn size(&self) -> BlockSize {
        self.size
    }

    /// The index `k`.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// `s u8 || k u64 BE`.
    pub fn to_bytes(&self) -> [u8; 9] {
        let mut out = [0u8; 9];
        let (s, k) = out.split_at_mut(1);
        s.copy_from_slice(&[self.size.minutes()]);
        k.copy_from_slice(&self.index.to_be_bytes());
        out
    }
}

/// The 10 time blocks of a sample at `t` (`spec/geo.md §4.1`): for each size ascending, the
/// current block then the next one.
pub fn time_blocks(t: u64) -> [TimeBlock; 10] {
    let mut out = [TimeBlock::new(BlockSize::M5, 0); 10];
    for (pair, size) in out.chunks_exact_mut(2).zip(BlockSize::ALL) {
        let cur = TimeBlock::containing(size, t);
        // k ≤ (2^64 − 1)/300, so k + 1 cannot overflow.
        let next = TimeBlock::new(size, cur.index.saturating_add(1));
        pair.copy_from_slice(&[cur, next]);
    }
    out
}

/// Length of a risk key: `cell_id (10) || s u8 || k u64 BE`.
pub const RISK_KEY_LEN: usize = CELL_ID_LEN + TimeBlock::LEN;

/// A risk point: a fine cell and a time block (`spec/geo.md §4.2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RiskPoint {
    cell: CellId,
    block: TimeBlock,
}

impl RiskPoint {
    /// The risk point `(cell, block)`.
    pub fn new(cell: CellId, block: TimeBlock) -> Self {
        RiskPoint { cell, block }
    }

    /// The cell.
    pub fn cell(&self) -> CellId {
        self.cell
    }

    /// The time block.
    pub fn block(&self) -> TimeBlock {
        self.block
    }

    /// The 19-byte key `cell_id || s u8 || k u64 BE` (`spec/geo.md §7.1`).
    pub fn key(&self) -> [u8; RISK_KEY_LEN] {
        let mut out = [0u8; RISK_KEY_LEN];
        let (c, b) = out.split_at_mut(CELL_ID_LEN);
        c.copy_from_slice(&self.cell.to_bytes());
        b.copy_from_slice(&self.block.to_bytes());
        out
    }
}

/// The 30 risk points of a sample (`spec/geo.md §4.2`): layers A, B, C, each with the 10 blocks of
/// [`time_blocks`] in order.
pub fn risk_points(location: &Location, t: u64) -> [RiskPoint; 30] {
    let blocks = time_blocks(t);
    let cells = location.fine_cells();
    let mut out = [RiskPoint::new(location.cell(Layer::A), blocks[0]); 30];
    for (row, cell) in out.chunks_exact_mut(10).zip(cells) {
        for (slot, block) in row.iter_mut().zip(blocks) {
            *slot = RiskPoint::new(cell, block);
        }
    }
    out
}

/// The risk points of many samples, duplicates removed, ascending by key (`spec/geo.md §4.2`).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, Default)]
pub struct RiskPointSet {
    points: alloc::collections::BTreeMap<[u8; RISK_KEY_LEN], RiskPoint>,
}

#[cfg(feature = "alloc")]
impl RiskPointSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the 30 risk points of a sample; returns how many were new.
    pub fn add_sample(&mut self, location: &Location, t: u64) -> usize {
        risk_points(location, t)
            .into_iter()
            .filter(|p| self.points.insert(p.key(), *p).is_none())
            .count()
    }

    /// Number of distinct risk points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The distinct risk points in ascending key order.
    pub fn iter(&self) -> impl Iterator<Item = &RiskPoint> + '_ {
        self.points.values()
    }

    /// The distinct time blocks of the set's risk points, ascending.
    pub fn blocks(&self) -> alloc::collections::BTreeSet<TimeBlock> {
        self.points.values().map(|p| p.block).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_a_sample() {
        let t = 1_700_000_123u64;
        let b = time_blocks(t);
        assert_eq!(b[0], TimeBlock::new(BlockSize::M5, t / 300));
        assert_eq!(b[1], TimeBlock::new(BlockSize::M5, t / 300 + 1));
        assert_eq!(b[9], TimeBlock::new(BlockSize::M80, t / 4800 + 1));
        let top = time_blocks(u64::MAX);
        assert_eq!(top[1].index(), u64::MAX / 300 + 1);
        assert_eq!(BlockSize::from_minutes(15), Err(GeoError::InvalidBlockSize));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn thirty_distinct_points_and_dedupe() {
        let loc = Location::new(51_500_000, -120_000).unwrap();
        let pts = risk_points(&loc, 1_000_000);
        let keys: std::collections::BTreeSet<_> = pts.iter().map(RiskPoint::key).collect();
        assert_eq!(keys.len(), 30);
        let mut set = RiskPointSet::new();
        assert_eq!(set.add_sample(&loc, 1_000_000), 30);
        // Five minutes later at the same place: only the blocks that changed are new.
        let added = set.add_sample(&loc, 1_000_300);
        assert!((3..30).contains(&added), "{added}");
        // A stationary hour: about 3 × 33 keys instead of 360.
        let mut hour = RiskPointSet::new();
        for i in 0..12 {
            hour.add_sample(&loc, 1_000_000 + 300 * i);
        }
        assert!(hour.len() <= 3 * 33, "{}", hour.len());
    }
}
