//! `geo-salt`, `geo-oprf`, `geo-oprf-evaluate`, `geo-oprf-finalize`, `geo-oprf-salt`,
//! `geo-risk-hash` (`spec/geo.md §5–§7`).

use contact_tracing::geo::{
    oprf_blind_raw, oprf_derive_key_raw, oprf_evaluate_raw, oprf_finalize_raw, risk_hash_classic,
    risk_hash_oprf, risk_points, BlockSize, CellId, GeoError, Layer, Location, OprfClientState,
    OprfSeed, RiskHash, RiskPoint, Salt, SaltKey, TimeBlock, UploadRecord, UserId,
};
use rand_core::RngCore;
use serde_json::{json, Value};
use sha2::Digest;

use super::{code, u8_field, verdict, HEADER};
use crate::vector::{
    expect_hex, field, hex, hex_array, hex_field, rng, u64_str_field, FileBuilder, Group, Test,
    Verdict,
};

pub(super) fn files() -> Vec<(String, Value)> {
    vec![
        ("geo/salt_test.json".into(), salt_file()),
        ("geo/oprf_test.json".into(), oprf_file()),
        ("geo/oprf_evaluate_test.json".into(), oprf_evaluate_file()),
        ("geo/oprf_finalize_test.json".into(), oprf_finalize_file()),
        ("geo/oprf_salt_test.json".into(), oprf_salt_file()),
        ("geo/risk_hash_test.json".into(), risk_hash_file()),
    ]
}

fn unhex(s: &str) -> Vec<u8> {
    ::hex::decode(s).expect("constant hex")
}

fn unhex32(s: &str) -> [u8; 32] {
    unhex(s).try_into().expect("32 bytes")
}

// ---------------------------------------------------------------------------------------------
// geo-salt

fn salt_file() -> Value {
    let mut f = FileBuilder::new("geo", "geo-salt", "spec/geo.md#52-classic-salt", HEADER);
    f.note(
        "Random",
        "BASIC",
        "Server key drawn from a fixed-seed ChaCha20 stream.",
    );
    f.note(
        "Extreme",
        "EDGE_CASE",
        "Block index 0, the largest index of a u64 time, or u64::MAX.",
    );
    f.note(
        "BadSize",
        "MODIFIED_PARAMETER",
        "A block size outside {5, 10, 20, 40, 80}.",
    );
    f.group("geo-salt", json!({}));
    let mut r = rng("geo salt");
    for size in BlockSize::ALL {
        let mut key = [0u8; 32];
        r.fill_bytes(&mut key);
        let b = TimeBlock::containing(size, 1_700_000_000);
        let salt = SaltKey::from_bytes(key).salt(&b);
        f.valid(&format!("{} minute block", size.minutes()), &["Random"], json!({"key": hex(key), "size": size.minutes(), "k": b.index().to_string(), "salt": hex(salt.as_bytes())}));
    }
    for k in [0u64, u64::MAX / 300 + 1, u64::MAX] {
        let b = TimeBlock::new(BlockSize::M5, k);
        let salt = SaltKey::from_bytes([0; 32]).salt(&b);
        f.valid(&format!("all-zero key, 5-minute block {k}"), &["Extreme"], json!({"key": hex([0u8; 32]), "size": 5, "k": k.to_string(), "salt": hex(salt.as_bytes())}));
    }
    for s in [0u8, 4, 6, 15, 255] {
        assert_eq!(BlockSize::from_minutes(s), Err(GeoError::InvalidBlockSize));
        f.invalid(
            &format!("block size {s}"),
            &["BadSize"],
            "GEO_INVALID_BLOCK_SIZE",
            json!({"key": hex([1u8; 32]), "size": s, "k": "1"}),
        );
    }
    f.finish()
}

pub(super) fn check_salt(_: &Group, t: &Test) -> Result<Verdict, String> {
    let size = match verdict(BlockSize::from_minutes(u8_field(t, "size")?)) {
        Ok(s) => s,
        Err(v) => return Ok(v),
    };
    let b = TimeBlock::new(size, u64_str_field(t, "k")?);
    let salt = SaltKey::from_bytes(hex_array(t, "key")?).salt(&b);
    expect_hex(t, "salt", salt.as_bytes())?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// RFC 9497 Appendix A.1.1 (OPRF mode, ristretto255-SHA512), copied from the RFC text.

const RFC_SEED: &str = "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3";
const RFC_KEY_INFO: &str = "74657374206b6579";
const RFC_SKSM: &str = "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e";
const RFC_BLIND: &str = "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706";
const RFC_VECTORS: [(&str, &str, &str, &str); 2] = [
    (
        "00",
        "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c",
        "7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e",
        "527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6",
    ),
    (
        "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
        "da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418",
        "b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25",
        "f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73",
    ),
];

/// RFC 9496 Appendix A.2: encodings every ristretto255 decoder MUST reject, in the RFC's groups
/// (non-canonical field encodings, negative field elements, non-square x², negative x·y,
/// s = −1), copied from the RFC text.
const RFC9496_INVALID: [(&str, &str); 29] = [
    (
        "non-canonical field encoding",
        "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ),
    (
        "non-canonical field encoding",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "non-canonical field encoding",
        "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "non-canonical field encoding",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "negative field element",
        "0100000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "negative field element",
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "negative field element",
        "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
    ),
    (
        "negative field element",
        "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
    ),
    (
        "negative field element",
        "c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
    ),
    (
        "negative field element",
        "47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
    ),
    (
        "negative field element",
        "f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
    ),
    (
        "negative field element",
        "87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
    ),
    (
        "non-square x^2",
        "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
    ),
    (
        "non-square x^2",
        "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
    ),
    (
        "non-square x^2",
        "de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
    ),
    (
        "non-square x^2",
        "bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
    ),
    (
        "non-square x^2",
        "2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
    ),
    (
        "non-square x^2",
        "f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
    ),
    (
        "non-square x^2",
        "8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
    ),
    (
        "non-square x^2",
        "2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
    ),
    (
        "negative x·y",
        "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
    ),
    (
        "negative x·y",
        "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
    ),
    (
        "negative x·y",
        "d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
    ),
    (
        "negative x·y",
        "8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
    ),
    (
        "negative x·y",
        "32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
    ),
    (
        "negative x·y",
        "227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
    ),
    (
        "negative x·y",
        "5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
    ),
    (
        "negative x·y",
        "445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
    ),
    (
        "s = -1 (y = 0)",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
];

/// The ristretto255 generator's canonical encoding (RFC 9496 Appendix A.1, 1·B).
const GENERATOR: &str = "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76";

/// Group order ℓ in little-endian bytes.
const ELL: &str = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

/// Every invalid 32-byte element encoding: RFC 9496 A.2, the identity, and two more
/// non-canonical encodings (the generator and zero with bit 255 set).
fn invalid_elements() -> Vec<(String, [u8; 32])> {
    let mut out: Vec<(String, [u8; 32])> = RFC9496_INVALID
        .iter()
        .enumerate()
        .map(|(i, (what, h))| {
            (
                format!("RFC 9496 A.2 bad encoding {} ({what})", i + 1),
                unhex32(h),
            )
        })
        .collect();
    out.push((
        "the identity (canonical, refused by RFC 9497)".into(),
        [0; 32],
    ));
    let mut g = unhex32(GENERATOR);
    g[31] |= 0x80;
    out.push(("the generator with bit 255 set (non-canonical)".into(), g));
    let mut z = [0u8; 32];
    z[31] = 0x80;
    out.push(("zero with bit 255 set (non-canonical)".into(), z));
    out
}

/// Invalid blind scalars: zero and non-canonical encodings.
fn invalid_blinds() -> Vec<(String, [u8; 32])> {
    let ell = unhex32(ELL);
    let mut ell1 = ell;
    ell1[0] += 1;
    let mut high = unhex32(RFC_BLIND);
    high[31] |= 0x80;
    vec![
        ("blind = 0".into(), [0; 32]),
        ("blind = ℓ (not reduced)".into(), ell),
        ("blind = ℓ + 1 (not reduced)".into(), ell1),
        ("RFC blind with bit 255 set (not reduced)".into(), high),
        ("blind = 2^256 - 1".into(), [0xff; 32]),
    ]
}

// ---------------------------------------------------------------------------------------------
// geo-oprf: DeriveKeyPair, Blind, BlindEvaluate, Finalize in one flow

struct OprfCase {
    comment: String,
    flags: &'static [&'static str],
    seed: Vec<u8>,
    info: Vec<u8>,
    input: Vec<u8>,
    blind: [u8; 32],
}

fn oprf_flow(c: &OprfCase) -> Result<Value, GeoError> {
    let sk = oprf_derive_key_raw(&c.seed, &c.info)?;
    let be = oprf_blind_raw(&c.input, &c.blind)?;
    let ee = oprf_evaluate_raw(&sk, &be)?;
    let out = oprf_finalize_raw(&c.input, &c.blind, &ee)?;
    Ok(
        json!({"skS": hex(sk), "blindedElement": hex(be), "evaluationElement": hex(ee), "output": hex(out.as_bytes())}),
    )
}

fn oprf_file() -> Value {
    let mut f = FileBuilder::new(
        "geo",
        "geo-oprf",
        "spec/geo.md#6-hardened-mode-salts-as-an-oblivious-prf-rfc-9497",
        HEADER,
    );
    f.note(
        "Ktv",
        "BASIC",
        "Published RFC 9497 Appendix A.1.1 vector (OPRF, ristretto255-SHA512).",
    );
    f.note(
        "Random",
        "BASIC",
        "Seed, info, input and blind drawn from a fixed-seed ChaCha20 stream.",
    );
    f.note("Length", "EDGE_CASE", "A seed, info or input at or beyond its length limit (seed 32 bytes; info and input at most 65 535 bytes).");
    f.note(
        "BadBlind",
        "MODIFIED_PARAMETER",
        "A blind scalar that is zero or not canonical.",
    );
    f.note(
        "Order",
        "BASIC",
        "Two checks fail at once; the earlier one in spec order decides.",
    );
    f.group("geo-oprf", json!({}));
    let rfc_seed = unhex(RFC_SEED);
    let rfc_info = unhex(RFC_KEY_INFO);
    let rfc_blind = unhex32(RFC_BLIND);
    let mut cases = Vec::new();
    for (i, (input, ..)) in RFC_VECTORS.iter().enumerate() {
        cases.push(OprfCase {
            comment: format!("RFC 9497 A.1.1.{}", i + 1),
            flags: &["Ktv"],
            seed: rfc_seed.clone(),
            info: rfc_info.clone(),
            input: unhex(input),
            blind: rfc_blind,
        });
    }
    let mut r = rng("geo oprf");
    for i in 0..3 {
        let mut seed = vec![0u8; 32];
        r.fill_bytes(&mut seed);
        let mut info = vec![0u8; (r.next_u32() % 64) as usize];
        r.fill_bytes(&mut info);
        let mut input = vec![0u8; 1 + (r.next_u32() % 100) as usize];
        r.fill_bytes(&mut input);
        let mut wide = [0u8; 64];
        r.fill_bytes(&mut wide);
        let blind = curve25519_dalek::Scalar::from_bytes_mod_order_wide(&wide).to_bytes();
        cases.push(OprfCase {
            comment: format!("random {i}"),
            flags: &["Random"],
            seed,
            info,
            input,
            blind,
        });
    }
    let base = |comment: &str, flags: &'static [&'static str]| OprfCase {
        comment: comment.into(),
        flags,
        seed: rfc_seed.clone(),
        info: rfc_info.clone(),
        input: vec![0],
        blind: rfc_blind,
    };
    cases.push(OprfCase {
        input: vec![],
        ..base("empty input", &["Length"])
    });
    cases.push(OprfCase {
        info: vec![],
        ..base("empty info", &["Length"])
    });
    cases.push(OprfCase {
        info: vec![0x69; 65_535],
        ..base("info of 65 535 bytes", &["Length"])
    });
    cases.push(OprfCase {
        input: vec![0x49; 65_535],
        ..base("input of 65 535 bytes", &["Length"])
    });
    let mut invalid: Vec<(OprfCase, GeoError)> = vec![
        (
            OprfCase {
                seed: vec![0xa3; 31],
                ..base("seed of 31 bytes", &["Length"])
            },
            GeoError::DeriveKeyPairFailed,
        ),
        (
            OprfCase {
                seed: vec![0xa3; 33],
                ..base("seed of 33 bytes", &["Length"])
            },
            GeoError::DeriveKeyPairFailed,
        ),
        (
            OprfCase {
                seed: vec![],
                ..base("empty seed", &["Length"])
            },
            GeoError::DeriveKeyPairFailed,
        ),
        (
            OprfCase {
                info: vec![0x69; 65_536],
                ..base("info of 65 536 bytes", &["Length"])
            },
            GeoError::DeriveKeyPairFailed,
        ),
        (
            OprfCase {
                input: vec![0x49; 65_536],
                ..base("input of 65 536 bytes", &["Length"])
            },
            GeoError::InvalidInput,
        ),
        (
            OprfCase {
                seed: vec![0xa3; 31],
                info: vec![0x69; 65_536],
                ..base(
                    "bad seed and info: DeriveKeyPair refuses either",
                    &["Order"],
                )
            },
            GeoError::DeriveKeyPairFailed,
        ),
        (
            OprfCase {
                seed: vec![0xa3; 31],
                blind: [0; 32],
                ..base(
                    "bad seed and blind 0: DeriveKeyPair comes first",
                    &["Order"],
                )
            },
            GeoError::DeriveKeyPairFailed,
        ),
        (
            OprfCase {
                info: vec![0x69; 65_536],
                blind: [0; 32],
                ..base(
                    "bad info and blind 0: DeriveKeyPair comes first",
                    &["Order"],
                )
            },
            GeoError::DeriveKeyPairFailed,
        ),
        (
            OprfCase {
                input: vec![0x49; 65_536],
                blind: [0; 32],
                ..base(
                    "blind 0 and input too long: the blind is checked first",
                    &["Order"],
                )
            },
            GeoError::InvalidBlind,
        ),
    ];
    for (comment, blind) in invalid_blinds() {
        invalid.push((
            OprfCase {
                blind,
                ..base(&comment, &["BadBlind"])
            },
            GeoError::InvalidBlind,
        ));
    }
    for c in &cases {
        let outs = oprf_flow(c).expect("valid case");
        if c.flags == ["Ktv"] {
            let i = if c.input == [0] { 0 } else { 1 };
            assert_eq!(outs["skS"], RFC_SKSM);
            assert_eq!(outs["blindedElement"], RFC_VECTORS[i].1);
            assert_eq!(outs["evaluationElement"], RFC_VECTORS[i].2);
            assert_eq!(outs["output"], RFC_VECTORS[i].3);
        }
        let mut fields = oprf_inputs(c);
        fields
            .as_object_mut()
            .expect("object")
            .extend(outs.as_object().expect("object").clone());
        f.valid(&c.comment, c.flags, fields);
    }
    for (c, e) in &invalid {
        assert_eq!(oprf_flow(c).err(), Some(*e), "{}", c.comment);
        f.invalid(&c.comment, c.flags, code(*e), oprf_inputs(c));
    }
    f.finish()
}

fn oprf_inputs(c: &OprfCase) -> Value {
    json!({"seed": hex(&c.seed), "info": hex(&c.info), "input": hex(&c.input), "blind": hex(c.blind)})
}

pub(super) fn check_oprf(_: &Group, t: &Test) -> Result<Verdict, String> {
    let sk = match verdict(oprf_derive_key_raw(
        &hex_field(t, "seed")?,
        &hex_field(t, "info")?,
    )) {
        Ok(s) => s,
        Err(v) => return Ok(v),
    };
    let input = hex_field(t, "input")?;
    let blind: [u8; 32] = hex_array(t, "blind")?;
    let be = match verdict(oprf_blind_raw(&input, &blind)) {
        Ok(b) => b,
        Err(v) => return Ok(v),
    };
    let ee = match verdict(oprf_evaluate_raw(&sk, &be)) {
        Ok(e) => e,
        Err(v) => return Ok(v),
    };
    let out = match verdict(oprf_finalize_raw(&input, &blind, &ee)) {
        Ok(o) => o,
        Err(v) => return Ok(v),
    };
    expect_hex(t, "skS", sk)?;
    expect_hex(t, "blindedElement", be)?;
    expect_hex(t, "evaluationElement", ee)?;
    expect_hex(t, "output", out.as_bytes())?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// geo-oprf-evaluate: BlindEvaluate on a given element

fn oprf_evaluate_file() -> Value {
    let mut f = FileBuilder::new(
        "geo",
        "geo-oprf-evaluate",
        "spec/geo.md#6-hardened-mode-salts-as-an-oblivious-prf-rfc-9497",
        HEADER,
    );
    f.note(
        "Ktv",
        "BASIC",
        "RFC 9497 Appendix A.1.1: the published skS and blinded elements.",
    );
    f.note("Valid", "BASIC", "A canonical, non-identity element.");
    f.note("BadElement", "MODIFIED_PARAMETER", "An element encoding every ristretto255 decoder must refuse (RFC 9496 A.2), the identity, or a wrong length.");
    f.note(
        "BadKey",
        "MODIFIED_PARAMETER",
        "A key skS that is zero or not a canonical scalar.",
    );
    f.note(
        "Order",
        "BASIC",
        "Key and element both invalid: the key is checked first.",
    );
    f.group("geo-oprf-evaluate", json!({}));
    let sk = unhex32(RFC_SKSM);
    for (i, (_, be, ee, _)) in RFC_VECTORS.iter().enumerate() {
        assert_eq!(hex(oprf_evaluate_raw(&sk, &unhex(be)).expect("rfc")), *ee);
        f.valid(
            &format!("RFC 9497 A.1.1.{}", i + 1),
            &["Ktv"],
            json!({"skS": RFC_SKSM, "blindedElement": be, "evaluationElement": ee}),
        );
    }
    let g = unhex(GENERATOR);
    let ee = oprf_evaluate_raw(&sk, &g).expect("generator");
    f.valid(
        "the generator: evaluationElement = skS·B",
        &["Valid"],
        json!({"skS": RFC_SKSM, "blindedElement": GENERATOR, "evaluationElement": hex(ee)}),
    );
    let mut one = [0u8; 32];
    one[0] = 1;
    let ee = oprf_evaluate_raw(&one, &g).expect("generator");
    assert_eq!(hex(ee), GENERATOR);
    f.valid(
        "skS = 1 returns the element itself",
        &["Valid"],
        json!({"skS": hex(one), "blindedElement": GENERATOR, "evaluationElement": hex(ee)}),
    );
    for (comment, bad) in invalid_elements() {
        assert_eq!(
            oprf_evaluate_raw(&sk, &bad),
            Err(GeoError::InvalidElement),
            "{comment}"
        );
        f.invalid(
            &comment,
            &["BadElement"],
            "GEO_INVALID_ELEMENT",
            json!({"skS": RFC_SKSM, "blindedElement": hex(bad)}),
        );
    }
    for len in [0usize, 31, 33] {
        let mut b = g.clone();
        b.resize(len, 0);
        assert_eq!(oprf_evaluate_raw(&sk, &b), Err(GeoError::InvalidElement));
        f.invalid(
            &format!("element of {len} bytes"),
            &["BadElement"],
            "GEO_INVALID_ELEMENT",
            json!({"skS": RFC_SKSM, "blindedElement": hex(&b)}),
        );
    }
    let ell = unhex32(ELL);
    for (comment, bad) in [
        ("skS = 0", [0u8; 32]),
        ("skS = ℓ (not reduced)", ell),
        ("skS = 2^256 - 1", [0xff; 32]),
    ] {
        assert_eq!(oprf_evaluate_raw(&bad, &g), Err(GeoError::InvalidKey));
        f.invalid(
            comment,
            &["BadKey"],
            "GEO_INVALID_KEY",
            json!({"skS": hex(bad), "blindedElement": GENERATOR}),
        );
    }
    assert_eq!(
        oprf_evaluate_raw(&[0; 32], &[0; 32]),
        Err(GeoError::InvalidKey)
    );
    f.invalid(
        "skS = 0 and the identity element: the key is checked first",
        &["Order"],
        "GEO_INVALID_KEY",
        json!({"skS": hex([0u8; 32]), "blindedElement": hex([0u8; 32])}),
    );
    f.finish()
}

pub(super) fn check_oprf_evaluate(_: &Group, t: &Test) -> Result<Verdict, String> {
    let ee = match verdict(oprf_evaluate_raw(
        &hex_array(t, "skS")?,
        &hex_field(t, "blindedElement")?,
    )) {
        Ok(e) => e,
        Err(v) => return Ok(v),
    };
    expect_hex(t, "evaluationElement", ee)?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// geo-oprf-finalize: Finalize on a given evaluation element

fn oprf_finalize_file() -> Value {
    let mut f = FileBuilder::new(
        "geo",
        "geo-oprf-finalize",
        "spec/geo.md#6-hardened-mode-salts-as-an-oblivious-prf-rfc-9497",
        HEADER,
    );
    f.note(
        "Ktv",
        "BASIC",
        "RFC 9497 Appendix A.1.1: the published input, blind and evaluation element.",
    );
    f.note("BadElement", "MODIFIED_PARAMETER", "An evaluation element every ristretto255 decoder must refuse, the identity, or a wrong length.");
    f.note(
        "BadBlind",
        "MODIFIED_PARAMETER",
        "A blind scalar that is zero or not canonical.",
    );
    f.note("Length", "EDGE_CASE", "An input beyond 65 535 bytes.");
    f.note(
        "Order",
        "BASIC",
        "Two checks fail at once; the earlier one in spec order decides (blind, input, element).",
    );
    f.group("geo-oprf-finalize", json!({}));
    let blind = unhex32(RFC_BLIND);
    for (i, (input, _, ee, out)) in RFC_VECTORS.iter().enumerate() {
        let got = oprf_finalize_raw(&unhex(input), &blind, &unhex(ee)).expect("rfc");
        assert_eq!(hex(got.as_bytes()), *out);
        f.valid(
            &format!("RFC 9497 A.1.1.{}", i + 1),
            &["Ktv"],
            json!({"input": input, "blind": RFC_BLIND, "evaluationElement": ee, "output": out}),
        );
    }
    let rfc_ee = RFC_VECTORS[0].2;
    for (comment, bad) in invalid_elements().into_iter().step_by(3) {
        assert_eq!(
            oprf_finalize_raw(&[0], &blind, &bad).err(),
            Some(GeoError::InvalidElement)
        );
        f.invalid(
            &comment,
            &["BadElement"],
            "GEO_INVALID_ELEMENT",
            json!({"input": "00", "blind": RFC_BLIND, "evaluationElement": hex(bad)}),
        );
    }
    f.invalid(
        "evaluation element of 31 bytes",
        &["BadElement"],
        "GEO_INVALID_ELEMENT",
        json!({"input": "00", "blind": RFC_BLIND, "evaluationElement": &rfc_ee[..62]}),
    );
    for (comment, bad) in invalid_blinds() {
        assert_eq!(
            oprf_finalize_raw(&[0], &bad, &unhex(rfc_ee)).err(),
            Some(GeoError::InvalidBlind)
        );
        f.invalid(
            &comment,
            &["BadBlind"],
            "GEO_INVALID_BLIND",
            json!({"input": "00", "blind": hex(bad), "evaluationElement": rfc_ee}),
        );
    }
    let long = hex(vec![0x49u8; 65_536]);
    f.invalid(
        "input of 65 536 bytes",
        &["Length"],
        "GEO_INVALID_INPUT",
        json!({"input": long, "blind": RFC_BLIND, "evaluationElement": rfc_ee}),
    );
    f.invalid(
        "blind 0 and input too long: the blind first",
        &["Order"],
        "GEO_INVALID_BLIND",
        json!({"input": long, "blind": hex([0u8; 32]), "evaluationElement": rfc_ee}),
    );
    f.invalid(
        "input too long and identity element: the input first",
        &["Order"],
        "GEO_INVALID_INPUT",
        json!({"input": long, "blind": RFC_BLIND, "evaluationElement": hex([0u8; 32])}),
    );
    f.invalid(
        "blind 0 and identity element: the blind first",
        &["Order"],
        "GEO_INVALID_BLIND",
        json!({"input": "00", "blind": hex([0u8; 32]), "evaluationElement": hex([0u8; 32])}),
    );
    f.finish()
}

pub(super) fn check_oprf_finalize(_: &Group, t: &Test) -> Result<Verdict, String> {
    let out = match verdict(oprf_finalize_raw(
        &hex_field(t, "input")?,
        &hex_array(t, "blind")?,
        &hex_field(t, "evaluationElement")?,
    )) {
        Ok(o) => o,
        Err(v) => return Ok(v),
    };
    expect_hex(t, "output", out.as_bytes())?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// geo-oprf-salt: the geo use of the OPRF (§6): per-block key, input = LABEL || cell id

struct SaltFlow {
    info: Vec<u8>,
    input: Vec<u8>,
    sk: [u8; 32],
    be: [u8; 32],
    ee: [u8; 32],
    out: [u8; 64],
    risk_hash: RiskHash,
}

fn oprf_salt_flow(
    seed: &[u8; 32],
    cell: &[u8],
    size: u8,
    k: u64,
    blind: [u8; 32],
) -> Result<SaltFlow, GeoError> {
    let cell = CellId::from_bytes(cell)?;
    let block = TimeBlock::new(BlockSize::from_minutes(size)?, k);
    let server = OprfSeed::from_bytes(*seed);
    let (state, be) = OprfClientState::blind(&cell, blind)?;
    let ee = server.evaluate(&block, &be)?;
    let out = state.finalize(&ee)?;
    Ok(SaltFlow {
        info: OprfSeed::block_info(&block).to_vec(),
        input: OprfClientState::input_for(&cell).to_vec(),
        sk: server.block_key(&block)?,
        be,
        ee,
        out: *out.as_bytes(),
        risk_hash: risk_hash_oprf(&out, &RiskPoint::new(cell, block)),
    })
}

fn oprf_salt_file() -> Value {
    let mut f = FileBuilder::new(
        "geo",
        "geo-oprf-salt",
        "spec/geo.md#6-hardened-mode-salts-as-an-oblivious-prf-rfc-9497",
        HEADER,
    );
    f.note("Protocol", "BASIC", "The geo OPRF of spec §6: per-block key, input = LABEL_OPRF_INPUT || cell id, and the OPRF risk hash of §7.2.");
    f.note(
        "BadCell",
        "MODIFIED_PARAMETER",
        "A cell id that does not decode (spec §2.6).",
    );
    f.note(
        "BadSize",
        "MODIFIED_PARAMETER",
        "A block size outside {5, 10, 20, 40, 80}.",
    );
    f.note(
        "BadBlind",
        "MODIFIED_PARAMETER",
        "A blind scalar that is zero or not canonical.",
    );
    f.note(
        "Order",
        "BASIC",
        "Two inputs invalid at once: cell, then size, then blind.",
    );
    f.group("geo-oprf-salt", json!({}));
    let mut r = rng("geo oprf salt");
    let locs = [
        (
            47_376_887,
            8_541_694,
            Layer::A,
            BlockSize::M5,
            1_700_000_000u64,
        ),
        (
            -33_856_784,
            151_215_297,
            Layer::C,
            BlockSize::M80,
            1_700_000_000,
        ),
        (90_000_000, 0, Layer::B, BlockSize::M20, 0),
        (-1_000, 2_999_000, Layer::A, BlockSize::M10, u64::MAX),
    ];
    let mut last = None;
    for (lat, lon, layer, size, t) in locs {
        let mut seed = [0u8; 32];
        r.fill_bytes(&mut seed);
        let cell = Location::new(lat, lon)
            .expect("valid")
            .cell(layer)
            .to_bytes();
        let block = TimeBlock::containing(size, t);
        let mut wide = [0u8; 64];
        r.fill_bytes(&mut wide);
        let blind = curve25519_dalek::Scalar::from_bytes_mod_order_wide(&wide).to_bytes();
        let fl = oprf_salt_flow(&seed, &cell, size.minutes(), block.index(), blind).expect("valid");
        f.valid(&format!("layer {layer:?} cell, {} minute block", size.minutes()), &["Protocol"], json!({
            "seed": hex(seed), "cell": hex(cell), "size": size.minutes(), "k": block.index().to_string(), "blind": hex(blind),
            "info": hex(&fl.info), "input": hex(&fl.input), "skS": hex(fl.sk), "blindedElement": hex(fl.be),
            "evaluationElement": hex(fl.ee), "output": hex(fl.out), "riskHash": hex(fl.risk_hash.as_bytes()),
        }));
        last = Some((seed, cell, blind));
    }
    let (seed, cell, blind) = last.expect("cases");
    let mut bad_cell = cell;
    bad_cell[0] = 4;
    let invalid: Vec<(&str, &[&str], Vec<u8>, u8, [u8; 32], GeoError)> = vec![
        (
            "cell id of 9 bytes",
            &["BadCell"],
            cell[..9].to_vec(),
            5,
            blind,
            GeoError::Truncated,
        ),
        (
            "cell id with layer 4",
            &["BadCell"],
            bad_cell.to_vec(),
            5,
            blind,
            GeoError::InvalidLayer,
        ),
        (
            "block size 15",
            &["BadSize"],
            cell.to_vec(),
            15,
            blind,
            GeoError::InvalidBlockSize,
        ),
        (
            "blind = 0",
            &["BadBlind"],
            cell.to_vec(),
            5,
            [0; 32],
            GeoError::InvalidBlind,
        ),
        (
            "bad cell and bad size: the cell first",
            &["Order"],
            bad_cell.to_vec(),
            15,
            blind,
            GeoError::InvalidLayer,
        ),
        (
            "bad size and blind 0: the size first",
            &["Order"],
            cell.to_vec(),
            15,
            [0; 32],
            GeoError::InvalidBlockSize,
        ),
    ];
    for (comment, flags, c, size, b, e) in invalid {
        assert_eq!(
            oprf_salt_flow(&seed, &c, size, 7, b).err(),
            Some(e),
            "{comment}"
        );
        f.invalid(
            comment,
            flags,
            code(e),
            json!({"seed": hex(seed), "cell": hex(&c), "size": size, "k": "7", "blind": hex(b)}),
        );
    }
    f.finish()
}

pub(super) fn check_oprf_salt(_: &Group, t: &Test) -> Result<Verdict, String> {
    let fl = match verdict(oprf_salt_flow(
        &hex_array(t, "seed")?,
        &hex_field(t, "cell")?,
        u8_field(t, "size")?,
        u64_str_field(t, "k")?,
        hex_array(t, "blind")?,
    )) {
        Ok(fl) => fl,
        Err(v) => return Ok(v),
    };
    expect_hex(t, "info", &fl.info)?;
    expect_hex(t, "input", &fl.input)?;
    expect_hex(t, "skS", fl.sk)?;
    expect_hex(t, "blindedElement", fl.be)?;
    expect_hex(t, "evaluationElement", fl.ee)?;
    expect_hex(t, "output", fl.out)?;
    expect_hex(t, "riskHash", fl.risk_hash.as_bytes())?;
    Ok(Verdict::Valid)
}

// ---------------------------------------------------------------------------------------------
// geo-risk-hash

fn risk_hash_file() -> Value {
    let mut f = FileBuilder::new(
        "geo",
        "geo-risk-hash",
        "spec/geo.md#7-risk-hashes-and-the-upload-record",
        HEADER,
    );
    f.note(
        "Classic",
        "BASIC",
        "Classic mode: the salt comes from the salt server's HMAC.",
    );
    f.note(
        "Oprf",
        "BASIC",
        "OPRF mode: the 64-byte OPRF output replaces the salt.",
    );
    f.note(
        "BadInput",
        "MODIFIED_PARAMETER",
        "A cell id that does not decode or a block size outside the set.",
    );
    f.note(
        "Order",
        "BASIC",
        "Cell and size both invalid: the cell first.",
    );
    f.group("geo-risk-hash", json!({}));
    let mut r = rng("geo risk hash");
    let loc = Location::new(40_748_817, -73_985_428).expect("valid");
    for (i, p) in risk_points(&loc, 1_700_000_000)
        .iter()
        .enumerate()
        .step_by(7)
    {
        let mut key = [0u8; 32];
        r.fill_bytes(&mut key);
        let mut user = [0u8; 16];
        r.fill_bytes(&mut user);
        let salt = SaltKey::from_bytes(key).salt(&p.block());
        let h = risk_hash_classic(&salt, p);
        let rec = UploadRecord {
            hash: h,
            user: UserId(user),
            size: p.block().size(),
        };
        f.valid(&format!("classic, risk point {i} of a sample"), &["Classic"], json!({
            "mode": "classic", "salt": hex(salt.as_bytes()), "cell": hex(p.cell().to_bytes()),
            "size": p.block().size().minutes(), "k": p.block().index().to_string(), "userId": hex(user),
            "key": hex(p.key()), "riskHash": hex(h.as_bytes()), "record": hex(rec.to_bytes()),
        }));
    }
    let p = risk_points(&loc, 1_700_000_000)[29];
    let (state, be) = OprfClientState::blind(&p.cell(), [9; 32]).expect("blind");
    let ee = OprfSeed::from_bytes([8; 32])
        .evaluate(&p.block(), &be)
        .expect("eval");
    let out = state.finalize(&ee).expect("finalize");
    let h = risk_hash_oprf(&out, &p);
    let user = [0x5au8; 16];
    let rec = UploadRecord {
        hash: h,
        user: UserId(user),
        size: p.block().size(),
    };
    f.valid("OPRF mode, last risk point of a sample", &["Oprf"], json!({
        "mode": "oprf", "oprfOutput": hex(out.as_bytes()), "cell": hex(p.cell().to_bytes()),
        "size": p.block().size().minutes(), "k": p.block().index().to_string(), "userId": hex(user),
        "key": hex(p.key()), "riskHash": hex(h.as_bytes()), "record": hex(rec.to_bytes()),
    }));
    let cell = p.cell().to_bytes();
    let mut bad = cell;
    bad[1] = 60;
    for (comment, flags, c, size, e) in [
        (
            "cell id with zone 60",
            &["BadInput"][..],
            bad.to_vec(),
            5u8,
            GeoError::InvalidZone,
        ),
        (
            "block size 0",
            &["BadInput"][..],
            cell.to_vec(),
            0,
            GeoError::InvalidBlockSize,
        ),
        (
            "zone 60 and block size 0: the cell first",
            &["Order"][..],
            bad.to_vec(),
            0,
            GeoError::InvalidZone,
        ),
    ] {
        f.invalid(comment, flags, code(e), json!({"mode": "classic", "salt": hex([1u8; 32]), "cell": hex(c), "size": size, "k": "1", "userId": hex(user)}));
    }
    f.finish()
}

pub(super) fn check_risk_hash(_: &Group, t: &Test) -> Result<Verdict, String> {
    let cell = match verdict(CellId::from_bytes(&hex_field(t, "cell")?)) {
        Ok(c) => c,
        Err(v) => return Ok(v),
    };
    let size = match verdict(BlockSize::from_minutes(u8_field(t, "size")?)) {
        Ok(s) => s,
        Err(v) => return Ok(v),
    };
    let p = RiskPoint::new(cell, TimeBlock::new(size, u64_str_field(t, "k")?));
    let h = match field(t, "mode")?.as_str() {
        Some("classic") => risk_hash_classic(&Salt::from_bytes(hex_array(t, "salt")?), &p),
        Some("oprf") => risk_hash_oprf_bytes(&hex_array(t, "oprfOutput")?, &p),
        _ => return Err("unknown mode".into()),
    };
    let rec = UploadRecord {
        hash: h,
        user: UserId(hex_array(t, "userId")?),
        size,
    };
    expect_hex(t, "key", p.key())?;
    expect_hex(t, "riskHash", h.as_bytes())?;
    expect_hex(t, "record", rec.to_bytes())?;
    Ok(Verdict::Valid)
}

/// The OPRF risk hash of spec §7.2 from raw output bytes (the output is an input here; the
/// library's type cannot be built from bytes), recomputed with SHA-256.
fn risk_hash_oprf_bytes(out: &[u8; 64], p: &RiskPoint) -> RiskHash {
    let mut h = sha2::Sha256::new();
    h.update(contact_tracing::labels::geo::RISK_OPRF.bytes);
    h.update(out);
    h.update(p.key());
    RiskHash(h.finalize().into())
}
