//! Constant-time cases of the `geo` protocol: the salt server's secrets (classic HMAC key, OPRF
//! seed) and the client's OPRF secrets (blind, cell input, output). The grid lookup of a raw
//! location is deliberately not constant time (it runs on the user's own device on the user's
//! own data and branches on coordinates; `spec/geo.md §13`), so it is not a case here.

use contact_tracing::geo::{
    oprf_blind_raw, oprf_finalize_raw, risk_hash_classic, risk_hash_oprf, BlockSize, CellId,
    OprfClientState, OprfSeed, RiskPoint, SaltKey, TimeBlock,
};

use crate::taint::{public, secret};

fn cell() -> CellId {
    CellId::from_bytes(&[0, 31, 0, 6, 0x8e, 0x16, 0xff, 0xfb, 0x83, 0x5c]).expect("valid cell")
}

fn classic_salt_and_hash() {
    let key_bytes = std::hint::black_box([0x42u8; 32]);
    secret(&key_bytes);
    let key = SaltKey::from_bytes(key_bytes);
    let block = TimeBlock::new(BlockSize::M20, 1_416_666);
    let salt = key.salt(&block);
    // The salt is handed to every client that asks: public once computed.
    public(salt.as_bytes());
    let h = risk_hash_classic(&salt, &RiskPoint::new(cell(), block));
    public(h.as_bytes());
}

fn oprf_server_evaluate() {
    let seed_bytes = std::hint::black_box([0x24u8; 32]);
    secret(&seed_bytes);
    let seed = OprfSeed::from_bytes(seed_bytes);
    let block = TimeBlock::new(BlockSize::M5, 5_666_666);
    let blinded = [
        0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e, 0x71, 0xa8, 0x84, 0xa9, 0x61, 0xc5, 0x00, 0x51,
        0x5f, 0x58, 0xe3, 0x0b, 0x6a, 0xa5, 0x82, 0xdd, 0x8d, 0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d,
        0x2d, 0x76,
    ];
    let eval = seed.evaluate(&block, &blinded);
    public(&eval);
    let _ = eval;
}

fn oprf_client_blind_finalize() {
    let blind = std::hint::black_box([0x03u8; 32]);
    secret(&blind);
    // The client's private input: LABEL_OPRF_INPUT || cell id.
    let input = std::hint::black_box(OprfClientState::input_for(&cell()));
    secret(&input);
    let blinded = oprf_blind_raw(&input, &blind);
    // The blinded element is sent to the server; validity of the blind is reported.
    public(&blinded);
    let blinded = blinded.expect("valid blind");
    let seed = OprfSeed::from_bytes([0x24; 32]);
    let block = TimeBlock::new(BlockSize::M5, 5_666_666);
    let eval = seed.evaluate(&block, &blinded).expect("valid element");
    let out = oprf_finalize_raw(&input, &blind, &eval);
    public(&out.is_ok());
    let out = out.expect("valid evaluation");
    let h = risk_hash_oprf(&out, &RiskPoint::new(cell(), block));
    // The risk hash is uploaded.
    public(h.as_bytes());
}

/// This protocol's cases.
pub const CASES: &[crate::Case] = &[
    ("geo/classic_salt_and_hash", classic_salt_and_hash),
    ("geo/oprf_server_evaluate", oprf_server_evaluate),
    ("geo/oprf_client_blind_finalize", oprf_client_blind_finalize),
];
