#![allow(missing_docs)]
use sha2::digest::generic_array::GenericArray;
use std::time::Instant;
const IV: [u32; 8] = [
    0x6a09e667u32,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
];
fn main() {
    let n = 4_000_000u32;
    for lanes in [1usize, 2, 4, 8] {
        let mut states = vec![IV; lanes];
        let blocks = [GenericArray::from([7u8; 64]), GenericArray::from([9u8; 64])];
        let t = Instant::now();
        for i in 0..n / lanes as u32 {
            for s in states.iter_mut() {
                s[0] ^= i;
                sha2::compress256(s, std::hint::black_box(&blocks));
            }
        }
        println!("lanes {lanes}: {:?} per 2-block call", t.elapsed() / n);
    }
}
