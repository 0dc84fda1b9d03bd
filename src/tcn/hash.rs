//! The three TCN hash functions (`spec/tcn.md §3.1`), written as single SHA-256 compression calls
//! over pre-padded blocks.
//!
//! Every input has a fixed length (37, 69 and 39 bytes), so the SHA-256 padding is a constant and
//! the streaming `Digest` machinery (buffering, length counting) is pure overhead on the matcher's
//! hot path. The test module checks each function against `sha2::Sha256` on random inputs.

use sha2::digest::generic_array::GenericArray;

use crate::labels::tcn::{H_TCK_BYTES, H_TCN_BYTES};

/// SHA-256 initial hash value (FIPS 180-4 §5.3.3).
const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

type Block = GenericArray<u8, sha2::digest::consts::U64>;

/// Writes the SHA-256 padding for a message of `len_bytes` bytes ending at `offset` of `block`.
fn pad(block: &mut [u8], offset: usize, len_bytes: u64) {
    if let Some(b) = block.get_mut(offset) {
        *b = 0x80;
    }
    let (_, bit_len) = block.split_at_mut(56);
    bit_len.copy_from_slice(&(len_bytes * 8).to_be_bytes());
}

/// One SHA-256 compression run over `blocks` (counted in unit tests, `super::work`).
#[inline(always)]
fn compress(state: &mut [u32; 8], blocks: &[Block]) {
    #[cfg(test)]
    super::work::compressed(blocks.len());
    sha2::compress256(state, blocks);
}

fn digest(blocks: &[Block]) -> [u8; 32] {
    let mut state = IV;
    compress(&mut state, blocks);
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state.iter()) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// Zeroizes `len` bytes of `block` from `at`: the bytes that held a key that may still be secret
/// (a tck not yet disclosed in a report, or the rak seed).
fn wipe(block: &mut Block, at: usize, len: usize) {
    let (_, tail) = block.split_at_mut(at);
    let (secret, _) = tail.split_at_mut(len);
    zeroize::Zeroize::zeroize(secret);
}

/// `tck_0 = SHA-256("H_TCK" || rak_seed)`: 37 bytes, one block.
pub(crate) fn tck_0(rak_seed: &[u8; 32]) -> [u8; 32] {
    let mut blocks = [Block::default()];
    let [block] = &mut blocks;
    let (label, rest) = block.split_at_mut(5);
    label.copy_from_slice(&H_TCK_BYTES);
    let (seed, _) = rest.split_at_mut(32);
    seed.copy_from_slice(rak_seed);
    pad(block, 37, 37);
    let out = digest(&blocks);
    let [block] = &mut blocks;
    wipe(block, 5, 32);
    out
}

/// `tck_i = SHA-256("H_TCK" || rvk || tck_{i-1})`: 69 bytes, two blocks.
pub(crate) fn ratchet(rvk: &[u8; 32], tck: &[u8; 32]) -> [u8; 32] {
    let mut blocks = [Block::default(), Block::default()];
    let [first, second] = &mut blocks;
    let (label, rest) = first.split_at_mut(5);
    label.copy_from_slice(&H_TCK_BYTES);
    let (key, head) = rest.split_at_mut(32);
    key.copy_from_slice(rvk);
    let (tck_head, tck_tail) = tck.split_at(27);
    head.copy_from_slice(tck_head);
    let (tail, _) = second.split_at_mut(5);
    tail.copy_from_slice(tck_tail);
    pad(second, 5, 69);
    let out = digest(&blocks);
    let [first, second] = &mut blocks;
    wipe(first, 37, 27);
    wipe(second, 0, 5);
    out
}

/// `tcn_i = SHA-256("H_TCN" || le_u16(i) || tck_i)[0..16]`: 39 bytes, one block.
pub(crate) fn tcn(index: u16, tck: &[u8; 32]) -> [u8; 16] {
    let mut blocks = [Block::default()];
    let [block] = &mut blocks;
    let (label, rest) = block.split_at_mut(5);
    label.copy_from_slice(&H_TCN_BYTES);
    let (idx, rest) = rest.split_at_mut(2);
    idx.copy_from_slice(&index.to_le_bytes());
    let (key, _) = rest.split_at_mut(32);
    key.copy_from_slice(tck);
    pad(block, 39, 39);
    let full = digest(&blocks);
    let [block] = &mut blocks;
    wipe(block, 7, 32);
    let mut out = [0u8; 16];
    let (head, _) = full.split_at(16);
    out.copy_from_slice(head);
    out
}

/// The hash blocks of one report's chain, pre-filled with everything that does not change from
/// one index to the next (labels, `rvk`, padding), so that each step writes only the 32 key bytes
/// and the index. The matcher's inner loop (`spec/tcn.md §8`) runs on this.
#[derive(Clone)]
pub(crate) struct Chain {
    ratchet: [Block; 2],
    number: [Block; 1],
    tck: [u8; 32],
}

impl Chain {
    /// A chain positioned at `tck` for the key `rvk`.
    pub(crate) fn new(rvk: &[u8; 32], tck: &[u8; 32]) -> Self {
        let mut first = [0u8; 64];
        let (label, rest) = first.split_at_mut(5);
        label.copy_from_slice(&H_TCK_BYTES);
        let (key, _) = rest.split_at_mut(32);
        key.copy_from_slice(rvk);
        let mut second = [0u8; 64];
        pad(&mut second, 5, 69);
        let mut number = [0u8; 64];
        let (label, _) = number.split_at_mut(5);
        label.copy_from_slice(&H_TCN_BYTES);
        pad(&mut number, 39, 39);
        Chain {
            ratchet: [Block::from(first), Block::from(second)],
            number: [Block::from(number)],
            tck: *tck,
        }
    }

    /// Ratchets once and returns `tcn_index` of the new key.
    #[inline]
    pub(crate) fn step(&mut self, index: u16) -> [u8; 16] {
        let (tck_head, tck_tail) = self.tck.split_at(27);
        let [first, second] = &mut self.ratchet;
        let (_, head_slot) = first.split_at_mut(37);
        head_slot.copy_from_slice(tck_head);
        let (tail_slot, _) = second.split_at_mut(5);
        tail_slot.copy_from_slice(tck_tail);
        let mut state = IV;
        compress(&mut state, &self.ratchet);
        let [number] = &mut self.number;
        let (_, rest) = number.split_at_mut(5);
        let (index_slot, rest) = rest.split_at_mut(2);
        index_slot.copy_from_slice(&index.to_le_bytes());
        let (key_slot, _) = rest.split_at_mut(32);
        for ((dst, tck), word) in key_slot
            .chunks_exact_mut(4)
            .zip(self.tck.chunks_exact_mut(4))
            .zip(state)
        {
            let bytes = word.to_be_bytes();
            dst.copy_from_slice(&bytes);
            tck.copy_from_slice(&bytes);
        }
        let mut state = IV;
        compress(&mut state, &self.number);
        let mut out = [0u8; 16];
        for (dst, word) in out.chunks_exact_mut(4).zip(state) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sha2::{Digest, Sha256};

    proptest! {
        #[test]
        fn matches_streaming_sha256(a in any::<[u8; 32]>(), b in any::<[u8; 32]>(), i in any::<u16>()) {
            let want0: [u8; 32] = Sha256::new().chain_update(b"H_TCK").chain_update(a).finalize().into();
            prop_assert_eq!(tck_0(&a), want0);
            let want1: [u8; 32] =
                Sha256::new().chain_update(b"H_TCK").chain_update(a).chain_update(b).finalize().into();
            prop_assert_eq!(ratchet(&a, &b), want1);
            let want2 = Sha256::new().chain_update(b"H_TCN").chain_update(i.to_le_bytes()).chain_update(b).finalize();
            prop_assert_eq!(&tcn(i, &b)[..], &want2[..16]);
            let mut chain = Chain::new(&a, &b);
            let next = ratchet(&a, &b);
            prop_assert_eq!(chain.step(i), tcn(i, &next));
            prop_assert_eq!(chain.step(i.wrapping_add(1)), tcn(i.wrapping_add(1), &ratchet(&a, &next)));
        }
    }
}
