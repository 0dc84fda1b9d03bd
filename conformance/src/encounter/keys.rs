//! Vectors of `spec/encounter.md §3–§6`: onion addresses, peer keys, key conversion, X25519, the
//! encounter secret, the broadcast frame and rotating identities.

use contact_tracing::encounter::{
    x25519_contributory, BroadcastFrame, EncounterError, IdentityKey, OnionAddress, PairSecret,
    PeerKey, RotationSchedule,
};
use contact_tracing::error::ErrorCode;
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use serde_json::{json, Map, Value};
use sha2::Digest;

use super::{
    code, enc_err, leak, random32, unhex, ARTI_EXPANDED, ARTI_IDENTITY, HEADER, SODIUM_SEED, T1_PK,
    T1_SEED, T2_PK, T2_SEED, T3_PK, T3_SEED,
};
use crate::vector::{
    expect_hex, expect_value, field, hex, hex_array, hex_field, rng, u32_field, u64_str_field,
    FileBuilder, Group, Test, Verdict,
};

// ---------------------------------------------------------------------------------------------
// An independent address encoder (no library code): SHA3-256 checksum and RFC 4648 base32.

fn independent_checksum(pk: &[u8; 32], version: u8) -> [u8; 2] {
    let mut h = sha3::Sha3_256::new();
    h.update(b".onion checksum");
    h.update(pk);
    h.update([version]);
    let d = h.finalize();
    [d[0], d[1]]
}

fn base32_lower(bytes: &[u8]) -> String {
    const A: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(A[((acc >> bits) & 31) as usize] as char);
        }
    }
    assert_eq!(bits, 0, "35 bytes encode without slack");
    out
}

/// `base32(pk || checksum || version).onion`, for any 32 bytes (valid key or not).
fn raw_address(pk: &[u8; 32], version: u8, cks: Option<[u8; 2]>) -> String {
    let mut raw = pk.to_vec();
    raw.extend_from_slice(&cks.unwrap_or_else(|| independent_checksum(pk, version)));
    raw.push(version);
    format!("{}.onion", base32_lower(&raw))
}

// ---------------------------------------------------------------------------------------------
// encounter-onion-address

fn address_outcome(text: &str) -> (Value, Option<&'static str>) {
    match OnionAddress::parse(text) {
        Ok(a) => (
            json!({
                "address": text,
                "publicKey": hex(a.key().as_bytes()),
                "checksum": hex(a.checksum()),
                "canonical": a.to_string(),
                "montgomeryU": hex(a.key().montgomery_u()),
            }),
            None,
        ),
        Err(e) => (json!({ "address": text }), Some(e.code())),
    }
}

pub(super) fn address_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-onion-address",
        "spec/encounter.md#32-address-parsing",
        HEADER,
    );
    f.note("Published", "BASIC", "Address published by rend-spec-v3, C tor, arti or control-spec, or derived from an RFC 8032 key.");
    f.note(
        "Uppercase",
        "EDGE_CASE",
        "All-uppercase form (QR alphanumeric mode); accepted (spec §12 decision 2).",
    );
    f.note(
        "MixedCase",
        "DEFINED",
        "Letters of both cases; rejected by this spec, accepted by arti (spec §12 decision 2).",
    );
    f.note(
        "BadChecksum",
        "MODIFIED_PARAMETER",
        "The checksum does not match the key.",
    );
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "Wrong length, alphabet, suffix or structure.",
    );
    f.note(
        "Version",
        "MODIFIED_PARAMETER",
        "A version byte other than 3.",
    );
    f.note("InvalidKey", "INVALID_PUBLIC_KEY", "Valid checksum and version, but the key is off the curve, non-canonical, of small order or has a torsion component.");
    f.note("Random", "BASIC", "Key from a fixed-seed ChaCha20 stream.");
    f.group("encounter-onion-address", json!({}));

    let published: &[(&str, Option<&str>, &str, &str)] = &[
        (
            "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid",
            Some(T1_PK),
            "bec9",
            "RFC 8032 TEST 1 key (C tor test_build_address, arti hsid_strings)",
        ),
        (
            "hvabpq7iioevvevxbktu2g36xsojqlgpf3cjndgazvk7ckxumygcmyyd",
            Some(T2_PK),
            "2663",
            "RFC 8032 TEST 2 key",
        ),
        (
            "7ri43dtcdcq2hdnep3iaemhqlaebn3itxizqhlc55oirkseqqasxldad",
            Some(T3_PK),
            "758c",
            "RFC 8032 TEST 3 key",
        ),
        (
            "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd",
            Some("79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f"),
            "2147",
            "rend-spec §6 example 1",
        ),
        (
            "sp3k262uwy4r2k3ycr5awluarykdpag6a7y33jxop4cs2lu5uz5sseqd",
            Some("93f6ad7b54b6391d2b78147a0b2e808e143780de07f1bda6ee7f052d2e9da67b"),
            "2912",
            "rend-spec §6 example 2",
        ),
        (
            "xa4r2iadxm55fbnqgwwi5mymqdcofiu3w6rpbtqn7b2dyn7mgwj64jyd",
            Some("b8391d2003bb3bd285b035ac8eb30c80c4e2a29bb7a2f0ce0df8743c37ec3593"),
            "ee27",
            "rend-spec §6 example 3",
        ),
        (
            "n35etu3yjxrqjpntmfziom5sjwspoydchmelc4xleoy4jk2u4lziz2yd",
            None,
            "8ceb",
            "control-spec ADD_ONION example",
        ),
        (
            "qm4zbmefygtirqouzcy7nnlk7l22f3fgorcj4hlqj6bxmxglppdbsuyd",
            Some(ARTI_IDENTITY),
            "",
            "arti key_blinding_testvec identity",
        ),
    ];
    let brief_u = [
        (
            3,
            "60359a583f8ecc2977ba1a9b7b81df70b599031ef6ae1bfd01a0d58b2dc7f063",
        ),
        (
            4,
            "78fd14f715c23bb9fdb2c4d4798aa532c2acfc59ad2257467b84234303bb8e32",
        ),
        (
            5,
            "4229d0ad7381ecbfb6c2c3d891557ca5fbdb457ea090950cb3005516b3f98367",
        ),
    ];
    for (i, (label, pk, cks, comment)) in published.iter().enumerate() {
        let text = format!("{label}.onion");
        let (fields, err) = address_outcome(&text);
        assert_eq!(err, None, "{comment} must parse");
        if let Some(pk) = pk {
            assert_eq!(fields["publicKey"], json!(pk), "{comment}");
            assert_eq!(
                raw_address(&unhex(pk), 3, None),
                text,
                "{comment}: independent encoder"
            );
        }
        if !cks.is_empty() {
            assert_eq!(fields["checksum"], json!(cks), "{comment}");
        }
        if let Some((_, u)) = brief_u.iter().find(|(j, _)| *j == i) {
            assert_eq!(fields["montgomeryU"], json!(u), "{comment}");
        }
        f.valid(comment, &["Published"], fields);
    }
    let upper = published[0].0.to_ascii_uppercase() + ".ONION";
    f.valid(
        "RFC 8032 TEST 1 address in uppercase, suffix included",
        &["Uppercase"],
        address_outcome(&upper).0,
    );

    let mut r = rng("encounter addresses");
    for _ in 0..3 {
        let id = IdentityKey::from_seed(random32(&mut r)).expect("seed");
        let text = raw_address(&id.public_key(), 3, None);
        let (fields, err) = address_outcome(&text);
        assert_eq!(err, None);
        f.valid("random identity key", &["Random"], fields);
    }

    let t1 = published[0].0;
    let mut mixed = t1.to_string();
    mixed.replace_range(0..2, "25".as_ref());
    mixed.replace_range(2..4, "NJ");
    let identity = {
        let mut b = [0u8; 32];
        b[0] = 1;
        b
    };
    let identity_signed = {
        let mut b = identity;
        b[31] = 0x80;
        b
    };
    let t1_torsion = (CompressedEdwardsY(unhex(T1_PK)).decompress().expect("T1")
        + EIGHT_TORSION[1])
        .compress()
        .to_bytes();
    let negatives: Vec<(String, &str, &[&str], &str)> = vec![
        ("l5satjgud6gucryazcyvyvhuxhr74u6ygigiuyixe3a6ysis67ororad.onion".into(), "rend-spec §1.2 [NAMING] example: checksum 1744 present, 7a45 correct (C tor 'invalid checksum' test)", &["Published", "BadChecksum"], "ENCOUNTER_ADDR_CHECKSUM"),
        ("btojiu7nu5y5iwut64eufevogqdw4wmqzugnoluw232r4t3ecsfv37ad.onion".into(), "C tor test: bad checksum", &["Published", "BadChecksum"], "ENCOUNTER_ADDR_CHECKSUM"),
        ("exampleoniont2pqglbny66wpovyvao3ylc23eileodtevc4b75ikpad.onion".into(), "control-spec placeholder: bad checksum", &["Published", "BadChecksum"], "ENCOUNTER_ADDR_CHECKSUM"),
        (raw_address(&unhex(T1_PK), 3, Some([0xbe, 0xc8])), "RFC 8032 TEST 1 key with the checksum's last bit flipped", &["BadChecksum"], "ENCOUNTER_ADDR_CHECKSUM"),
        ("p3xnclpu4mu22dwaurjtsybyqk4xfjmcfz6z62yl24uwmhjatiwnlnadb.onion".into(), "57 characters (C tor test)", &["Published", "Malformed"], "ENCOUNTER_ADDR_LENGTH"),
        ("blah.onion".into(), "4 characters", &["Malformed"], "ENCOUNTER_ADDR_LENGTH"),
        (".onion".into(), "empty label", &["Malformed"], "ENCOUNTER_ADDR_LENGTH"),
        ("blah".into(), "no .onion suffix", &["Malformed"], "ENCOUNTER_ADDR_NO_SUFFIX"),
        (t1.to_string(), "56 valid characters without .onion", &["Malformed"], "ENCOUNTER_ADDR_NO_SUFFIX"),
        (format!("{t1}.onion."), "trailing dot after .onion", &["Malformed"], "ENCOUNTER_ADDR_NO_SUFFIX"),
        (format!("www.{t1}.onion"), "subdomain", &["Malformed"], "ENCOUNTER_ADDR_SUBDOMAIN"),
        (format!("{}.onion", "?".repeat(56)), "56 × '?'", &["Malformed"], "ENCOUNTER_ADDR_ALPHABET"),
        (format!("{}1.onion", &t1[..55]), "digit 1 is not in the base32 alphabet", &["Malformed"], "ENCOUNTER_ADDR_ALPHABET"),
        (format!("{}=.onion", &t1[..55]), "padding character", &["Malformed"], "ENCOUNTER_ADDR_ALPHABET"),
        (format!("{mixed}.onion"), "mixed case", &["MixedCase"], "ENCOUNTER_ADDR_MIXED_CASE"),
        (format!("{}e.onion", &t1[..55]), "last character d→e: version 4", &["Version"], "ENCOUNTER_ADDR_VERSION"),
        (raw_address(&unhex(T1_PK), 2, None), "version 2 with a checksum computed for version 2", &["Version"], "ENCOUNTER_ADDR_VERSION"),
        ("ijbeeqscijbeeqscijbeeqscijbeeqscijbeeqscijbeeqscijbezhid.onion".into(), "older C tor test: key 0x42 × 32 with valid checksum is not on the curve", &["Published", "InvalidKey"], "ENCOUNTER_KEY_NOT_ON_CURVE"),
        ("p3xnclpu4mu22dwaurjtsybyqk4xfjmcfz6z62yl24uwmhjatiwnlnad.onion".into(), "older C tor 'valid' example: key 7eeed12d… has a torsion component (libsodium refuses it)", &["Published", "InvalidKey"], "ENCOUNTER_KEY_TORSION"),
        (raw_address(&t1_torsion, 3, None), "RFC 8032 TEST 1 key plus a point of order 8, valid checksum", &["InvalidKey"], "ENCOUNTER_KEY_TORSION"),
        (raw_address(&identity, 3, None), "the identity point, valid checksum", &["InvalidKey"], "ENCOUNTER_KEY_SMALL_ORDER"),
        (raw_address(&identity_signed, 3, None), "the identity point with the sign bit set (x = 0), valid checksum", &["InvalidKey"], "ENCOUNTER_KEY_NONCANONICAL"),
    ];
    for (text, comment, flags, want) in negatives {
        let (fields, err) = address_outcome(&text);
        assert_eq!(err, Some(want), "{comment}: {text}");
        f.invalid(comment, flags, want, fields);
    }

    // Appended: the suffix's case, and two violations at once for every adjacent pair of §3.2.
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "Breaks two adjacent checks of spec §3.2 at once: the earlier check's code is expected (the order is normative).",
    );
    f.valid(
        "lowercase label, uppercase suffix .ONION (the suffix is compared case-insensitively; the case rule covers the label only)",
        &["Uppercase"],
        address_outcome(&format!("{t1}.ONION")).0,
    );
    let upper_label = t1.to_ascii_uppercase();
    f.valid(
        "uppercase label, lowercase suffix",
        &["Uppercase"],
        address_outcome(&format!("{upper_label}.onion")).0,
    );
    let mut mixed_bad_char = mixed.clone();
    mixed_bad_char.replace_range(55..56, "1");
    let mut mixed_version = format!("{}e", &t1[..55]);
    mixed_version.replace_range(2..4, "NJ");
    let identity_bad_cks = raw_address(&identity, 3, Some([0, 0]));
    let pairs: Vec<(String, &str, &str)> = vec![
        (
            "a.b".into(),
            "steps 1+2: no .onion suffix and a dot (subdomain) in the name",
            "ENCOUNTER_ADDR_NO_SUFFIX",
        ),
        (
            "x.blah.onion".into(),
            "steps 2+3: a subdomain and a label that is not 56 characters",
            "ENCOUNTER_ADDR_SUBDOMAIN",
        ),
        (
            "bl?h.onion".into(),
            "steps 3+4: 4 characters, one outside the alphabet",
            "ENCOUNTER_ADDR_LENGTH",
        ),
        (
            format!("{mixed_bad_char}.onion"),
            "steps 4+5: mixed case and the digit 1",
            "ENCOUNTER_ADDR_ALPHABET",
        ),
        (
            format!("{mixed_version}.onion"),
            "steps 5+6: mixed case and version 4",
            "ENCOUNTER_ADDR_MIXED_CASE",
        ),
        (
            raw_address(&unhex(T1_PK), 4, Some([0, 0])),
            "steps 6+7: version 4 and a checksum wrong for every version",
            "ENCOUNTER_ADDR_VERSION",
        ),
        (
            identity_bad_cks,
            "steps 7+8: wrong checksum and a small-order key",
            "ENCOUNTER_ADDR_CHECKSUM",
        ),
    ];
    for (text, comment, want) in pairs {
        let (fields, err) = address_outcome(&text);
        assert_eq!(err, Some(want), "{comment}: {text}");
        f.invalid(comment, &["CheckOrder"], want, fields);
    }
    f.finish()
}

pub(super) fn check_address(_: &Group, t: &Test) -> Result<Verdict, String> {
    let text = field(t, "address")?
        .as_str()
        .ok_or("`address` is not a string")?;
    match OnionAddress::parse(text) {
        Ok(a) => {
            expect_hex(t, "publicKey", a.key().as_bytes())?;
            expect_hex(t, "checksum", a.checksum())?;
            expect_hex(t, "montgomeryU", a.key().montgomery_u())?;
            expect_value(t, "canonical", json!(a.to_string()))?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(enc_err(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// encounter-peer-key

pub(super) fn peer_key_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-peer-key",
        "spec/encounter.md#34-peer-key-validation",
        HEADER,
    );
    f.note(
        "Rfc8032",
        "BASIC",
        "RFC 8032 §7.1 test key; u as computed by ed25519-dalek tests/x25519.rs and libsodium.",
    );
    f.note(
        "SignFlip",
        "EDGE_CASE",
        "Bit 255 flipped: a distinct valid key with the same u.",
    );
    f.note(
        "SmallOrder",
        "SMALL_SUBGROUP",
        "One of the 8 points of small order.",
    );
    f.note(
        "Torsion",
        "SMALL_SUBGROUP",
        "A prime-order point plus a nonzero torsion point.",
    );
    f.note(
        "NonCanonical",
        "EDGE_CASE",
        "y ≥ p, or x = 0 with the sign bit set.",
    );
    f.note(
        "OffCurve",
        "INVALID_PUBLIC_KEY",
        "No x satisfies the curve equation for this y.",
    );
    f.group("encounter-peer-key", json!({}));
    let add =
        |f: &mut FileBuilder, pk: [u8; 32], comment: &str, flags: &[&str], want: Option<&str>| {
            match PeerKey::from_bytes(&pk) {
                Ok(k) => {
                    assert_eq!(want, None, "{comment}");
                    f.valid(
                        comment,
                        flags,
                        json!({"publicKey": hex(pk), "montgomeryU": hex(k.montgomery_u())}),
                    );
                }
                Err(e) => {
                    assert_eq!(Some(e.code()), want, "{comment}");
                    f.invalid(comment, flags, e.code(), json!({"publicKey": hex(pk)}));
                }
            }
        };
    let t1: [u8; 32] = unhex(T1_PK);
    let u1 = PeerKey::from_bytes(&t1).expect("T1").montgomery_u();
    assert_eq!(
        hex(u1),
        "d85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e"
    );
    let u2 = PeerKey::from_bytes(&unhex(T2_PK))
        .expect("T2")
        .montgomery_u();
    assert_eq!(
        hex(u2),
        "25c704c594b88afc00a76b69d1ed2b984d7e22550f3ed0802d04fbcd07d38d47"
    );
    let u3 = PeerKey::from_bytes(&unhex(T3_PK))
        .expect("T3")
        .montgomery_u();
    assert_eq!(
        hex(u3),
        "cbb22fc9f790bd3eba9b84680c157ca4950a9894362601701f89c3c4d9fda23a"
    );
    add(&mut f, t1, "RFC 8032 TEST 1", &["Rfc8032"], None);
    add(&mut f, unhex(T2_PK), "RFC 8032 TEST 2", &["Rfc8032"], None);
    add(&mut f, unhex(T3_PK), "RFC 8032 TEST 3", &["Rfc8032"], None);
    let mut neg = t1;
    neg[31] ^= 0x80;
    assert_eq!(
        hex(neg),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707519a"
    );
    add(
        &mut f,
        neg,
        "−(RFC 8032 TEST 1): same u as TEST 1",
        &["SignFlip"],
        None,
    );
    let mut neg2: [u8; 32] = unhex(T2_PK);
    neg2[31] ^= 0x80;
    add(&mut f, neg2, "−(RFC 8032 TEST 2)", &["SignFlip"], None);
    for (i, p) in EIGHT_TORSION.iter().enumerate() {
        add(
            &mut f,
            p.compress().to_bytes(),
            &format!("torsion point T[{i}]"),
            &["SmallOrder"],
            Some("ENCOUNTER_KEY_SMALL_ORDER"),
        );
    }
    for (i, p) in EIGHT_TORSION.iter().enumerate().skip(1) {
        let q = CompressedEdwardsY(t1).decompress().expect("T1") + p;
        add(
            &mut f,
            q.compress().to_bytes(),
            &format!("TEST 1 + T[{i}]"),
            &["Torsion"],
            Some("ENCOUNTER_KEY_TORSION"),
        );
    }
    // y = p + y0 for small y0: decodable ones are small order or carry torsion; all non-canonical.
    let p_bytes: [u8; 32] =
        unhex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    for y0 in [0u8, 1, 3, 18] {
        let mut b = p_bytes;
        b[0] = b[0].wrapping_add(y0);
        for sign in [0u8, 0x80] {
            let mut e = b;
            e[31] |= sign;
            let r = PeerKey::from_bytes(&e);
            let want = code(&r);
            let flags: &[&str] = if want == Some("ENCOUNTER_KEY_NOT_ON_CURVE") {
                &["OffCurve"]
            } else {
                &["NonCanonical"]
            };
            add(
                &mut f,
                e,
                &format!("y = p + {y0}, sign {}", sign >> 7),
                flags,
                want,
            );
        }
    }
    let mut one_signed = [0u8; 32];
    one_signed[0] = 1;
    one_signed[31] = 0x80;
    add(
        &mut f,
        one_signed,
        "identity with the sign bit set (x = 0)",
        &["NonCanonical"],
        Some("ENCOUNTER_KEY_NONCANONICAL"),
    );
    let mut m1signed: [u8; 32] =
        unhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    m1signed[31] |= 0x80;
    add(
        &mut f,
        m1signed,
        "y = −1 (order 2) with the sign bit set (x = 0)",
        &["NonCanonical"],
        Some("ENCOUNTER_KEY_NONCANONICAL"),
    );
    add(
        &mut f,
        [0x42; 32],
        "0x42 × 32 is not on the curve",
        &["OffCurve"],
        Some("ENCOUNTER_KEY_NOT_ON_CURVE"),
    );
    let mut two = [0u8; 32];
    two[0] = 2;
    let r2 = PeerKey::from_bytes(&two);
    add(
        &mut f,
        two,
        "y = 2",
        if code(&r2) == Some("ENCOUNTER_KEY_NOT_ON_CURVE") {
            &["OffCurve"]
        } else {
            &["Torsion"]
        },
        code(&r2),
    );

    // Appended: every other y = p + y0 (y0 ≤ 18, both signs). Decoding is lenient (spec §3.4):
    // y is read modulo p, so an encoding whose y0 is a curve y-coordinate fails step 2
    // (non-canonical) and one whose y0 is not fails step 1 (not on the curve), never the reverse.
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "Breaks two checks of spec §3.4 at once (e.g. non-canonical and of small order, or y ≥ p and off the curve): the earlier check's code is expected.",
    );
    for y0 in (0u8..=18).filter(|y| ![0, 1, 3, 18].contains(y)) {
        let mut b = p_bytes;
        b[0] = b[0].wrapping_add(y0);
        for sign in [0u8, 0x80] {
            let mut e = b;
            e[31] |= sign;
            let want = code(&PeerKey::from_bytes(&e));
            let flags: &[&str] = if want == Some("ENCOUNTER_KEY_NOT_ON_CURVE") {
                &["OffCurve", "CheckOrder"]
            } else {
                &["NonCanonical", "CheckOrder"]
            };
            add(
                &mut f,
                e,
                &format!("y = p + {y0}, sign {}", sign >> 7),
                flags,
                want,
            );
        }
    }
    // Tor's hs_ed25519_public_key file: header, then the key (spec §3.3 path 3, then §3.4).
    f.note(
        "TorPublicFile",
        "BASIC",
        "The key given as Tor's hs_ed25519_public_key file (32-byte header, then the key).",
    );
    let file = |header: &[u8; 32], key: &[u8]| [&header[..], key].concat();
    let pub_header = contact_tracing::encounter::TOR_PUBLIC_HEADER;
    let sec_header = contact_tracing::encounter::TOR_SECRET_HEADER;
    let t1_torsion = (CompressedEdwardsY(t1).decompress().expect("T1") + EIGHT_TORSION[1])
        .compress()
        .to_bytes();
    let files: Vec<(Vec<u8>, &str, &[&str])> = vec![
        (
            file(&pub_header, &t1),
            "RFC 8032 TEST 1 key in a public key file",
            &["TorPublicFile"],
        ),
        (
            file(&pub_header, &unhex::<32>(ARTI_IDENTITY)),
            "arti identity key in a public key file",
            &["TorPublicFile"],
        ),
        (
            file(&pub_header, &t1[..31]),
            "public key file of 63 bytes",
            &["TorPublicFile"],
        ),
        (
            [file(&pub_header, &t1), vec![0]].concat(),
            "public key file of 65 bytes",
            &["TorPublicFile"],
        ),
        (
            file(&sec_header, &t1),
            "public key file with the secret-key header",
            &["TorPublicFile"],
        ),
        (
            file(&sec_header, &t1[..31]),
            "63 bytes and the secret-key header: the length is checked first",
            &["TorPublicFile", "CheckOrder"],
        ),
        (
            file(&pub_header, &t1_torsion),
            "valid header, key with a torsion component",
            &["TorPublicFile"],
        ),
        (
            file(&pub_header, &identity_signed_bytes()),
            "valid header, non-canonical small-order key: the key checks run after the file checks",
            &["TorPublicFile", "CheckOrder"],
        ),
    ];
    for (bytes, comment, flags) in files {
        match peer_from_public_file(&bytes) {
            Ok(k) => f.valid(
                comment,
                flags,
                json!({"torPublicFile": hex(&bytes), "montgomeryU": hex(k.montgomery_u())}),
            ),
            Err(e) => f.invalid(
                comment,
                flags,
                e.code(),
                json!({"torPublicFile": hex(&bytes)}),
            ),
        };
    }
    f.finish()
}

fn identity_signed_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    b[0] = 1;
    b[31] = 0x80;
    b
}

/// §3.3 path 3 for a public key file, then §3.4.
fn peer_from_public_file(file: &[u8]) -> Result<PeerKey, EncounterError> {
    PeerKey::from_bytes(&IdentityKey::public_from_tor_public_key_file(file)?)
}

pub(super) fn check_peer_key(_: &Group, t: &Test) -> Result<Verdict, String> {
    let key = if t.contains_key("torPublicFile") {
        peer_from_public_file(&hex_field(t, "torPublicFile")?)
    } else {
        PeerKey::from_bytes(&hex_array(t, "publicKey")?)
    };
    match key {
        Ok(k) => {
            expect_hex(t, "montgomeryU", k.montgomery_u())?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(enc_err(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// encounter-key-conversion

fn identity_from(
    form: &str,
    secret: &[u8],
    expected: Option<&[u8; 32]>,
) -> Result<IdentityKey, String> {
    match form {
        "seed" => {
            let s: [u8; 32] = secret.try_into().map_err(|_| "seed is not 32 bytes")?;
            IdentityKey::from_seed_checked(s, expected)
        }
        "expanded" => {
            let s: [u8; 64] = secret
                .try_into()
                .map_err(|_| "expanded key is not 64 bytes")?;
            IdentityKey::from_expanded(&s, expected)
        }
        "torFile" => IdentityKey::from_tor_secret_key_file(secret, expected),
        other => return Err(format!("unknown form `{other}`")),
    }
    .map_err(|e| format!("!{}", e.code()))
}

fn identity_json(id: &IdentityKey) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("publicKey".into(), json!(hex(id.public_key())));
    m.insert("x25519Secret".into(), json!(hex(*id.x25519_secret())));
    m.insert("montgomeryU".into(), json!(hex(id.montgomery_u())));
    m.insert(
        "address".into(),
        json!(OnionAddress::from_key(id.peer_key()).to_string()),
    );
    m.insert(
        "torSecretKeyFile".into(),
        json!(hex(*id.to_tor_secret_key_file())),
    );
    m
}

pub(super) fn key_conversion_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-key-conversion",
        "spec/encounter.md#33-identity-keys",
        HEADER,
    );
    f.note("Rfc8032", "BASIC", "RFC 8032 §7.1 seed; X25519 values as libsodium's crypto_sign_ed25519_{pk,sk}_to_curve25519.");
    f.note(
        "Libsodium",
        "BASIC",
        "Seed of libsodium test/default/ed25519_convert.c.",
    );
    f.note("TorExpanded", "BASIC", "Tor's expanded form a || RH (arti key_blinding_testvec, generated with C tor); a is not hashed again.");
    f.note(
        "TorFile",
        "BASIC",
        "Tor's hs_ed25519_secret_key file: 32-byte header, then a || RH.",
    );
    f.note(
        "Vanity",
        "EDGE_CASE",
        "rend-spec Appendix C vanity step: a + 8, still clamped.",
    );
    f.note(
        "WrongFormat",
        "WRONG_PRIMITIVE",
        "A key in another format than declared; caught by the self-check.",
    );
    f.note(
        "BadFile",
        "MODIFIED_PARAMETER",
        "A Tor key file with wrong length or header.",
    );
    f.group("encounter-key-conversion", json!({}));

    let push = |f: &mut FileBuilder,
                form: &str,
                secret: Vec<u8>,
                expected: Option<[u8; 32]>,
                comment: &str,
                flags: &[&str],
                want: Option<&str>| {
        let mut fields = Map::new();
        fields.insert("form".into(), json!(form));
        fields.insert("secret".into(), json!(hex(&secret)));
        if let Some(e) = expected {
            fields.insert("expectedPublic".into(), json!(hex(e)));
        }
        match identity_from(form, &secret, expected.as_ref()) {
            Ok(id) => {
                assert_eq!(want, None, "{comment}");
                fields.extend(identity_json(&id));
                f.valid(comment, flags, Value::Object(fields));
                Some(id)
            }
            Err(e) => {
                let c = e.strip_prefix('!').expect("library error");
                assert_eq!(Some(c), want, "{comment}");
                let c = EncounterError::ALL
                    .iter()
                    .find(|x| x.code() == c)
                    .expect("code")
                    .code();
                f.invalid(comment, flags, c, Value::Object(fields));
                None
            }
        }
    };
    let t1 = push(
        &mut f,
        "seed",
        unhex::<32>(T1_SEED).to_vec(),
        None,
        "RFC 8032 TEST 1",
        &["Rfc8032"],
        None,
    )
    .expect("T1");
    assert_eq!(hex(t1.public_key()), T1_PK);
    assert_eq!(
        hex(*t1.x25519_secret()),
        "307c83864f2833cb427a2ef1c00a013cfdff2768d980c0a3a520f006904de94f"
    );
    let t2 = push(
        &mut f,
        "seed",
        unhex::<32>(T2_SEED).to_vec(),
        Some(unhex(T2_PK)),
        "RFC 8032 TEST 2, public key checked",
        &["Rfc8032"],
        None,
    )
    .expect("T2");
    assert_eq!(
        hex(*t2.x25519_secret()),
        "68bd9ed75882d52815a97585caf4790a7f6c6b3b7f821c5e259a24b02e502e51"
    );
    push(
        &mut f,
        "seed",
        unhex::<32>(T3_SEED).to_vec(),
        None,
        "RFC 8032 TEST 3",
        &["Rfc8032"],
        None,
    );
    let so = push(
        &mut f,
        "seed",
        unhex::<32>(SODIUM_SEED).to_vec(),
        None,
        "libsodium ed25519_convert seed",
        &["Libsodium"],
        None,
    )
    .expect("sodium");
    assert_eq!(
        hex(so.public_key()),
        "b5076a8474a832daee4dd5b4040983b6623b5f344aca57d4d6ee4baf3f259e6e"
    );
    assert_eq!(
        hex(so.montgomery_u()),
        "f1814f0e8ff1043d8a44d25babff3cedcae6c22c3edaa48f857ae70de2baae50"
    );
    assert_eq!(
        hex(*so.x25519_secret()),
        "8052030376d47112be7f73ed7a019293dd12ad910b654455798b4667d73de166"
    );
    let arti_exp: [u8; 64] = unhex(ARTI_EXPANDED);
    let arti = push(
        &mut f,
        "expanded",
        arti_exp.to_vec(),
        Some(unhex(ARTI_IDENTITY)),
        "arti expanded identity key",
        &["TorExpanded"],
        None,
    )
    .expect("arti");
    assert_eq!(
        hex(arti.montgomery_u()),
        "bd59dd97ad2d1786e6fbb310efd3c50fd0f2a0ba15613463008fc2714bcb4c31"
    );
    let arti_file = arti.to_tor_secret_key_file().to_vec();
    push(
        &mut f,
        "torFile",
        arti_file.clone(),
        Some(unhex(ARTI_IDENTITY)),
        "arti key in a C tor hs_ed25519_secret_key file",
        &["TorFile"],
        None,
    );
    push(
        &mut f,
        "torFile",
        t1.to_tor_secret_key_file().to_vec(),
        Some(unhex(T1_PK)),
        "RFC 8032 TEST 1 written as a Tor key file: same X25519 secret as the seed path",
        &["TorFile"],
        None,
    );
    // Vanity step: a + 8.
    let mut vanity = arti_exp;
    let mut carry = 8u16;
    for b in vanity.iter_mut().take(32) {
        let s = u16::from(*b) + carry;
        *b = s as u8;
        carry = s >> 8;
    }
    let v = push(
        &mut f,
        "expanded",
        vanity.to_vec(),
        None,
        "arti key after one vanity step (a + 8, A + 8B)",
        &["Vanity"],
        None,
    )
    .expect("vanity");
    let want = CompressedEdwardsY(unhex(ARTI_IDENTITY))
        .decompress()
        .expect("arti")
        + ED25519_BASEPOINT_POINT * Scalar::from(8u8);
    assert_eq!(v.public_key(), want.compress().to_bytes());
    // Wrong formats. The brief: hashing arti's `a` again gives X25519 public 08d98ca4…e45e7e4a.
    let double = IdentityKey::from_seed(arti_exp[..32].try_into().expect("32")).expect("seed");
    let dh = hex(double.montgomery_u());
    assert!(
        dh.starts_with("08d98ca4") && dh.ends_with("e45e7e4a"),
        "{dh}"
    );
    push(&mut f, "seed", arti_exp[..32].to_vec(), Some(unhex(ARTI_IDENTITY)), "arti's expanded a taken as a seed (hashed again: X25519 public 08d98ca4…): public-key mismatch", &["WrongFormat"], Some("ENCOUNTER_PUBLIC_MISMATCH"));
    let mut sodium_sk = unhex::<32>(T1_SEED).to_vec();
    sodium_sk.extend_from_slice(&unhex::<32>(T1_PK));
    let r = identity_from("expanded", &sodium_sk, Some(&unhex(T1_PK)));
    let want_code = r
        .err()
        .map(|e| e.trim_start_matches('!').to_string())
        .expect("must fail");
    push(
        &mut f,
        "expanded",
        sodium_sk,
        Some(unhex(T1_PK)),
        "libsodium 64-byte seed || A taken as an expanded key",
        &["WrongFormat"],
        Some(leak(&want_code)),
    );
    let mut unclamped = arti_exp;
    unclamped[0] |= 1;
    push(
        &mut f,
        "expanded",
        unclamped.to_vec(),
        None,
        "expanded a with bit 0 set: X25519 would clamp it to another scalar",
        &["WrongFormat"],
        Some("ENCOUNTER_SECRET_NOT_CLAMPED"),
    );
    let mut high = arti_exp;
    high[31] |= 0x80;
    push(
        &mut f,
        "expanded",
        high.to_vec(),
        None,
        "expanded a with bit 255 set",
        &["WrongFormat"],
        Some("ENCOUNTER_SECRET_NOT_CLAMPED"),
    );
    push(
        &mut f,
        "torFile",
        arti_file[..95].to_vec(),
        None,
        "Tor key file of 95 bytes",
        &["BadFile"],
        Some("ENCOUNTER_KEYFILE_LENGTH"),
    );
    push(
        &mut f,
        "torFile",
        arti_file[32..].to_vec(),
        None,
        "expanded key without the Tor file header",
        &["BadFile"],
        Some("ENCOUNTER_KEYFILE_LENGTH"),
    );
    let mut bad_header = arti_file.clone();
    bad_header[13] = b'2'; // "ed25519v2"
    push(
        &mut f,
        "torFile",
        bad_header,
        None,
        "Tor key file with header ed25519v2",
        &["BadFile"],
        Some("ENCOUNTER_KEYFILE_HEADER"),
    );
    let mut pub_header = arti_file.clone();
    pub_header[..32].copy_from_slice(&contact_tracing::encounter::TOR_PUBLIC_HEADER);
    push(
        &mut f,
        "torFile",
        pub_header,
        None,
        "secret key file with the public-key header",
        &["BadFile"],
        Some("ENCOUNTER_KEYFILE_HEADER"),
    );

    // Appended: the order of the file checks and of the self-check, and the file path's checks.
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "Breaks two checks of spec §3.3 at once (length and header; clamping and the expected key): the earlier check's code is expected.",
    );
    push(
        &mut f,
        "expanded",
        unclamped.to_vec(),
        Some(unhex(T1_PK)),
        "expanded a with bit 0 set and an expected key it does not have: the clamping check comes first",
        &["WrongFormat", "CheckOrder"],
        Some("ENCOUNTER_SECRET_NOT_CLAMPED"),
    );
    let mut short_bad_header = arti_file[..95].to_vec();
    short_bad_header[13] = b'2';
    push(
        &mut f,
        "torFile",
        short_bad_header,
        None,
        "Tor key file of 95 bytes with header ed25519v2: the length is checked first",
        &["BadFile", "CheckOrder"],
        Some("ENCOUNTER_KEYFILE_LENGTH"),
    );
    push(
        &mut f,
        "torFile",
        [arti_file.clone(), vec![0]].concat(),
        None,
        "Tor key file of 97 bytes",
        &["BadFile"],
        Some("ENCOUNTER_KEYFILE_LENGTH"),
    );
    let mut file_unclamped = arti_file.clone();
    file_unclamped[32] |= 1;
    push(
        &mut f,
        "torFile",
        file_unclamped,
        Some(unhex(ARTI_IDENTITY)),
        "Tor key file whose a has bit 0 set: the self-check runs on the file path too",
        &["WrongFormat", "CheckOrder"],
        Some("ENCOUNTER_SECRET_NOT_CLAMPED"),
    );
    push(
        &mut f,
        "torFile",
        arti_file.clone(),
        Some(unhex(T1_PK)),
        "arti key file with another expected public key",
        &["WrongFormat"],
        Some("ENCOUNTER_PUBLIC_MISMATCH"),
    );
    push(
        &mut f,
        "seed",
        unhex::<32>(T1_SEED).to_vec(),
        Some(unhex(T2_PK)),
        "RFC 8032 TEST 1 seed with TEST 2's key expected",
        &["WrongFormat"],
        Some("ENCOUNTER_PUBLIC_MISMATCH"),
    );
    f.finish()
}

pub(super) fn check_key_conversion(_: &Group, t: &Test) -> Result<Verdict, String> {
    let form = field(t, "form")?.as_str().ok_or("`form` is not a string")?;
    let secret = hex_field(t, "secret")?;
    let expected = if t.contains_key("expectedPublic") {
        Some(hex_array::<32>(t, "expectedPublic")?)
    } else {
        None
    };
    match identity_from(form, &secret, expected.as_ref()) {
        Ok(id) => {
            expect_hex(t, "publicKey", id.public_key())?;
            expect_hex(t, "x25519Secret", *id.x25519_secret())?;
            expect_hex(t, "montgomeryU", id.montgomery_u())?;
            expect_hex(t, "torSecretKeyFile", *id.to_tor_secret_key_file())?;
            expect_value(
                t,
                "address",
                json!(OnionAddress::from_key(id.peer_key()).to_string()),
            )?;
            Ok(Verdict::Valid)
        }
        Err(e) => match e.strip_prefix('!') {
            Some(c) => Ok(Verdict::Invalid(leak(c))),
            None => Err(e),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// encounter-x25519

pub(super) fn x25519_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-x25519",
        "spec/encounter.md#51-shared-secret",
        HEADER,
    );
    f.note("Rfc7748", "BASIC", "RFC 7748 §6.1 X25519 example.");
    f.note(
        "Converted",
        "BASIC",
        "Clamped secret and u of converted RFC 8032 keys (brief §2).",
    );
    f.note("ZeroOutput", "SMALL_SUBGROUP", "u of a small-order point (or its non-canonical twin): X25519 gives 32 zero bytes, which is rejected.");
    f.group("encounter-x25519", json!({}));
    let push = |f: &mut FileBuilder,
                scalar: [u8; 32],
                u: [u8; 32],
                comment: &str,
                flags: &[&str],
                want: Option<&str>| {
        match x25519_contributory(&scalar, &u) {
            Ok(k) => {
                assert_eq!(want.map(|_| ()), None, "{comment}");
                if let Some(w) = want {
                    assert_eq!(hex(*k), w);
                }
                f.valid(
                    comment,
                    flags,
                    json!({"scalar": hex(scalar), "u": hex(u), "shared": hex(*k)}),
                );
            }
            Err(e) => {
                assert_eq!(want, Some(e.code()), "{comment}");
                f.invalid(
                    comment,
                    flags,
                    e.code(),
                    json!({"scalar": hex(scalar), "u": hex(u)}),
                );
            }
        }
    };
    let a: [u8; 32] = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let bu: [u8; 32] = unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    assert_eq!(
        hex(*x25519_contributory(&a, &bu).expect("rfc")),
        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    );
    push(
        &mut f,
        a,
        bu,
        "RFC 7748 §6.1: Alice's secret, Bob's public",
        &["Rfc7748"],
        None,
    );
    let t1 = IdentityKey::from_seed(unhex(T1_SEED)).expect("T1");
    let t2 = IdentityKey::from_seed(unhex(T2_SEED)).expect("T2");
    let t3 = IdentityKey::from_seed(unhex(T3_SEED)).expect("T3");
    for (x, y, k, c) in [
        (
            &t1,
            &t2,
            "5166f24a6918368e2af831a4affadd97af0ac326bdf143596c045967cc00230e",
            "DH(TEST 1, TEST 2)",
        ),
        (
            &t1,
            &t3,
            "c64b70c735c7a8f6581bf5fc287a701ad85753647b410e388692cb50b14a4e64",
            "DH(TEST 1, TEST 3)",
        ),
        (
            &t2,
            &t3,
            "8647f2376df41250f4d77abae499dcfefab8040dac12fea86c6b7b2046032a23",
            "DH(TEST 2, TEST 3)",
        ),
    ] {
        let got = x25519_contributory(&x.x25519_secret(), &y.montgomery_u()).expect("dh");
        assert_eq!(hex(*got), k, "{c}");
        push(
            &mut f,
            *x.x25519_secret(),
            y.montgomery_u(),
            c,
            &["Converted"],
            None,
        );
    }
    let mut us: Vec<[u8; 32]> = EIGHT_TORSION
        .iter()
        .map(|p| p.to_montgomery().to_bytes())
        .collect();
    us.sort();
    us.dedup();
    us.push(unhex(
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    )); // p ≡ 0
    us.push(unhex(
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    )); // p + 1 ≡ 1
    for u in us {
        push(
            &mut f,
            *t1.x25519_secret(),
            u,
            &format!("small-order u = {}", hex(u)),
            &["ZeroOutput"],
            Some("ENCOUNTER_ZERO_SHARED_SECRET"),
        );
    }
    f.finish()
}

pub(super) fn check_x25519(_: &Group, t: &Test) -> Result<Verdict, String> {
    match x25519_contributory(&hex_array(t, "scalar")?, &hex_array(t, "u")?) {
        Ok(k) => {
            expect_hex(t, "shared", *k)?;
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(enc_err(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// encounter-secret

fn secret_outputs(
    id: &IdentityKey,
    peer: &PeerKey,
    day: u32,
) -> Result<Map<String, Value>, EncounterError> {
    let s = id.encounter(peer)?;
    let k = x25519_contributory(&id.x25519_secret(), &peer.montgomery_u())?;
    let mut m = Map::new();
    m.insert("ownPublic".into(), json!(hex(id.public_key())));
    m.insert("sharedK".into(), json!(hex(*k)));
    m.insert("prk".into(), json!(hex(*PairSecret::prk_from_shared(&k))));
    m.insert("pairSecret".into(), json!(hex(*s.to_bytes())));
    m.insert("pairId".into(), json!(hex(s.pair_id())));
    m.insert("dayId".into(), json!(hex(s.day_id(day))));
    m.insert(
        "reportKeyOwnToPeer".into(),
        json!(hex(*s.report_key_to_peer())),
    );
    m.insert(
        "reportKeyPeerToOwn".into(),
        json!(hex(*s.report_key_from_peer())),
    );
    Ok(m)
}

pub(super) fn secret_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-secret",
        "spec/encounter.md#5-encounter-secret",
        HEADER,
    );
    f.note(
        "Rfc8032",
        "BASIC",
        "Both identities are RFC 8032 §7.1 test keys.",
    );
    f.note("Symmetric", "BASIC", "The same pair seen from the other side: identical K, S, pair_id, day_id; report keys swapped.");
    f.note(
        "SignFlip",
        "EDGE_CASE",
        "The peer key with bit 255 flipped: same K, different S (spec §5.4).",
    );
    f.note(
        "TorExpanded",
        "BASIC",
        "Own identity from Tor's expanded key form.",
    );
    f.note(
        "Random",
        "BASIC",
        "Identities from a fixed-seed ChaCha20 stream.",
    );
    f.note(
        "SelfEncounter",
        "EDGE_CASE",
        "The peer key equals the own key.",
    );
    f.note(
        "InvalidPeer",
        "INVALID_PUBLIC_KEY",
        "A peer key that fails validation (spec §3.4).",
    );
    f.group("encounter-secret", json!({}));
    let day = 20_000u32;
    let push = |f: &mut FileBuilder,
                own: (&str, Vec<u8>),
                peer: [u8; 32],
                comment: &str,
                flags: &[&str],
                want: Option<&str>|
     -> Option<Map<String, Value>> {
        let id = identity_from(own.0, &own.1, None).expect("own identity");
        let mut fields = Map::new();
        fields.insert(
            if own.0 == "seed" {
                "ownSeed"
            } else {
                "ownExpanded"
            }
            .into(),
            json!(hex(&own.1)),
        );
        fields.insert("peerPublic".into(), json!(hex(peer)));
        fields.insert("day".into(), json!(day));
        let r = PeerKey::from_bytes(&peer).and_then(|p| secret_outputs(&id, &p, day));
        match r {
            Ok(m) => {
                assert_eq!(want, None, "{comment}");
                fields.extend(m.clone());
                f.valid(comment, flags, Value::Object(fields));
                Some(m)
            }
            Err(e) => {
                assert_eq!(want, Some(e.code()), "{comment}");
                f.invalid(comment, flags, e.code(), Value::Object(fields));
                None
            }
        }
    };
    let seed = |s: &str| ("seed", unhex::<32>(s).to_vec());
    let ab = push(
        &mut f,
        seed(T1_SEED),
        unhex(T2_PK),
        "A = TEST 1, B = TEST 2 (K = 5166f24a…)",
        &["Rfc8032"],
        None,
    )
    .expect("ab");
    assert_eq!(
        ab["sharedK"],
        json!("5166f24a6918368e2af831a4affadd97af0ac326bdf143596c045967cc00230e")
    );
    let ba = push(
        &mut f,
        seed(T2_SEED),
        unhex(T1_PK),
        "A = TEST 2, B = TEST 1: the same pair from the other side",
        &["Rfc8032", "Symmetric"],
        None,
    )
    .expect("ba");
    for k in ["sharedK", "prk", "pairSecret", "pairId", "dayId"] {
        assert_eq!(ab[k], ba[k], "{k} symmetric");
    }
    assert_eq!(ab["reportKeyOwnToPeer"], ba["reportKeyPeerToOwn"]);
    assert_ne!(ab["reportKeyOwnToPeer"], ab["reportKeyPeerToOwn"]);
    push(
        &mut f,
        seed(T1_SEED),
        unhex(T3_PK),
        "A = TEST 1, B = TEST 3",
        &["Rfc8032"],
        None,
    );
    push(
        &mut f,
        seed(T3_SEED),
        unhex(T2_PK),
        "A = TEST 3, B = TEST 2",
        &["Rfc8032"],
        None,
    );
    let mut neg_b: [u8; 32] = unhex(T2_PK);
    neg_b[31] ^= 0x80;
    let flip = push(
        &mut f,
        seed(T1_SEED),
        neg_b,
        "A = TEST 1, B = −TEST 2: same K, different S",
        &["SignFlip"],
        None,
    )
    .expect("flip");
    assert_eq!(flip["sharedK"], ab["sharedK"]);
    assert_ne!(flip["pairSecret"], ab["pairSecret"]);
    let mut neg_a_seed_side = unhex::<32>(T1_PK);
    neg_a_seed_side[31] ^= 0x80;
    let flip2 = push(
        &mut f,
        seed(T2_SEED),
        neg_a_seed_side,
        "A = TEST 2, B = −TEST 1",
        &["SignFlip"],
        None,
    )
    .expect("flip2");
    assert_ne!(flip2["pairSecret"], ab["pairSecret"]);
    push(
        &mut f,
        ("expanded", unhex::<64>(ARTI_EXPANDED).to_vec()),
        unhex(T1_PK),
        "A = arti expanded key, B = TEST 1",
        &["TorExpanded"],
        None,
    );
    let mut r = rng("encounter secrets");
    for _ in 0..3 {
        let s = random32(&mut r);
        let peer = IdentityKey::from_seed(random32(&mut r))
            .expect("peer")
            .public_key();
        push(
            &mut f,
            ("seed", s.to_vec()),
            peer,
            "random pair",
            &["Random"],
            None,
        );
    }
    push(
        &mut f,
        seed(T1_SEED),
        unhex(T1_PK),
        "B = A",
        &["SelfEncounter"],
        Some("ENCOUNTER_SELF_ENCOUNTER"),
    );
    let t1p = CompressedEdwardsY(unhex(T1_PK)).decompress().expect("T1");
    // Brief §2: A + T has another u but clamped X25519 gives the same K, hence the torsion check.
    let t2 = IdentityKey::from_seed(unhex(T2_SEED)).expect("T2");
    let mut torsion_us = Vec::new();
    for t in EIGHT_TORSION.iter().skip(1) {
        let u = (t1p + t).to_montgomery().to_bytes();
        let k = x25519_contributory(&t2.x25519_secret(), &u).expect("non-zero");
        assert_eq!(
            hex(*k),
            "5166f24a6918368e2af831a4affadd97af0ac326bdf143596c045967cc00230e"
        );
        torsion_us.push(hex(u));
    }
    assert!(
        torsion_us
            .iter()
            .any(|u| u.starts_with("441a2023") && u.ends_with("ce9b220f")),
        "{torsion_us:?}"
    );
    push(
        &mut f,
        seed(T2_SEED),
        (t1p + EIGHT_TORSION[1]).compress().to_bytes(),
        "B = TEST 1 + T (order 8): clamped X25519 would give the same K as TEST 1",
        &["InvalidPeer"],
        Some("ENCOUNTER_KEY_TORSION"),
    );
    push(
        &mut f,
        seed(T2_SEED),
        EIGHT_TORSION[2].compress().to_bytes(),
        "B of order 4",
        &["InvalidPeer"],
        Some("ENCOUNTER_KEY_SMALL_ORDER"),
    );
    push(
        &mut f,
        seed(T2_SEED),
        [0x42; 32],
        "B off the curve",
        &["InvalidPeer"],
        Some("ENCOUNTER_KEY_NOT_ON_CURVE"),
    );
    let mut one_signed = [0u8; 32];
    one_signed[0] = 1;
    one_signed[31] = 0x80;
    push(
        &mut f,
        seed(T2_SEED),
        one_signed,
        "B = identity with sign bit",
        &["InvalidPeer"],
        Some("ENCOUNTER_KEY_NONCANONICAL"),
    );
    f.finish()
}

pub(super) fn check_secret(_: &Group, t: &Test) -> Result<Verdict, String> {
    let id = if t.contains_key("ownSeed") {
        identity_from("seed", &hex_field(t, "ownSeed")?, None)?
    } else {
        identity_from("expanded", &hex_field(t, "ownExpanded")?, None)?
    };
    let day = u32_field(t, "day")?;
    let r = PeerKey::from_bytes(&hex_array(t, "peerPublic")?)
        .and_then(|p| secret_outputs(&id, &p, day));
    match r {
        Ok(m) => {
            for (k, v) in m {
                expect_value(t, &k, v)?;
            }
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(enc_err(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// encounter-frame

pub(super) fn frame_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-frame",
        "spec/encounter.md#4-broadcast-frame",
        HEADER,
    );
    f.note("Rfc8032", "BASIC", "Frame carrying an RFC 8032 test key.");
    f.note(
        "Malformed",
        "MODIFIED_PARAMETER",
        "Wrong length or version.",
    );
    f.note(
        "InvalidKey",
        "INVALID_PUBLIC_KEY",
        "The carried key fails validation.",
    );
    f.group("encounter-frame", json!({"legacyCapacity": contact_tracing::encounter::LEGACY_BLE_SERVICE_DATA_CAPACITY, "frameLength": contact_tracing::encounter::FRAME_LEN}));
    assert!(!BroadcastFrame::fits_legacy_advertisement());
    let push =
        |f: &mut FileBuilder, bytes: Vec<u8>, comment: &str, flags: &[&str], want: Option<&str>| {
            match BroadcastFrame::decode(&bytes) {
                Ok(fr) => {
                    assert_eq!(want, None, "{comment}");
                    assert_eq!(fr.encode().to_vec(), bytes);
                    f.valid(
                        comment,
                        flags,
                        json!({"frame": hex(&bytes), "publicKey": hex(fr.key().as_bytes())}),
                    );
                }
                Err(e) => {
                    assert_eq!(want, Some(e.code()), "{comment}");
                    f.invalid(comment, flags, e.code(), json!({"frame": hex(&bytes)}));
                }
            }
        };
    let mk = |v: u8, k: &[u8]| {
        let mut b = vec![v];
        b.extend_from_slice(k);
        b
    };
    let t1: [u8; 32] = unhex(T1_PK);
    push(&mut f, mk(1, &t1), "TEST 1 key", &["Rfc8032"], None);
    push(
        &mut f,
        mk(1, &unhex::<32>(T3_PK)),
        "TEST 3 key",
        &["Rfc8032"],
        None,
    );
    push(
        &mut f,
        mk(1, &t1[..31]),
        "32 bytes",
        &["Malformed"],
        Some("ENCOUNTER_FRAME_LENGTH"),
    );
    push(
        &mut f,
        [mk(1, &t1), vec![0]].concat(),
        "34 bytes",
        &["Malformed"],
        Some("ENCOUNTER_FRAME_LENGTH"),
    );
    push(
        &mut f,
        Vec::new(),
        "empty",
        &["Malformed"],
        Some("ENCOUNTER_FRAME_LENGTH"),
    );
    push(
        &mut f,
        mk(2, &t1),
        "version 2",
        &["Malformed"],
        Some("ENCOUNTER_FRAME_VERSION"),
    );
    push(
        &mut f,
        mk(0, &t1),
        "version 0",
        &["Malformed"],
        Some("ENCOUNTER_FRAME_VERSION"),
    );
    let tor = (CompressedEdwardsY(t1).decompress().expect("T1") + EIGHT_TORSION[3])
        .compress()
        .to_bytes();
    push(
        &mut f,
        mk(1, &tor),
        "key with a torsion component",
        &["InvalidKey"],
        Some("ENCOUNTER_KEY_TORSION"),
    );
    push(
        &mut f,
        mk(1, &[0x42; 32]),
        "key off the curve",
        &["InvalidKey"],
        Some("ENCOUNTER_KEY_NOT_ON_CURVE"),
    );
    // Appended: two checks of §4 broken at once; and the sign-flipped key, which is valid.
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "Breaks two checks of spec §4 at once: the earlier check's code is expected (length, then version, then the key).",
    );
    push(
        &mut f,
        mk(2, &t1[..31]),
        "32 bytes and version 2",
        &["Malformed", "CheckOrder"],
        Some("ENCOUNTER_FRAME_LENGTH"),
    );
    push(
        &mut f,
        mk(2, &[0x42; 32]),
        "version 2 and a key off the curve",
        &["Malformed", "CheckOrder"],
        Some("ENCOUNTER_FRAME_VERSION"),
    );
    let mut neg = t1;
    neg[31] ^= 0x80;
    push(&mut f, mk(1, &neg), "−(TEST 1 key)", &["Rfc8032"], None);
    f.finish()
}

pub(super) fn check_frame(_: &Group, t: &Test) -> Result<Verdict, String> {
    let bytes = hex_field(t, "frame")?;
    match BroadcastFrame::decode(&bytes) {
        Ok(fr) => {
            expect_hex(t, "publicKey", fr.key().as_bytes())?;
            if fr.encode().as_slice() != bytes.as_slice() {
                return Err("re-encoding differs".into());
            }
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(enc_err(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// encounter-rotation

fn rotation_outputs(
    master: &[u8; 32],
    period: u64,
    live: u32,
    now: u64,
    epoch: u64,
) -> Result<Map<String, Value>, EncounterError> {
    let s = RotationSchedule::new(period, live)?;
    let id = s.identity_for(master, epoch, now)?;
    let range = s.live_epochs(now);
    let mut m = Map::new();
    m.insert("currentEpoch".into(), json!(s.epoch(now).to_string()));
    m.insert("firstLiveEpoch".into(), json!(range.start().to_string()));
    m.insert("seed".into(), json!(hex(*s.seed(master, epoch))));
    m.insert("publicKey".into(), json!(hex(id.public_key())));
    m.insert(
        "address".into(),
        json!(OnionAddress::from_key(id.peer_key()).to_string()),
    );
    Ok(m)
}

pub(super) fn rotation_file() -> Value {
    let mut f = FileBuilder::new(
        "encounter",
        "encounter-rotation",
        "spec/encounter.md#62-rotating-identities",
        HEADER,
    );
    f.note(
        "Default",
        "BASIC",
        "Default schedule: one-day period, 14 live epochs.",
    );
    f.note(
        "Boundary",
        "EDGE_CASE",
        "The oldest live epoch, or the first one no longer live.",
    );
    f.note(
        "Params",
        "MODIFIED_PARAMETER",
        "Period or live count out of range.",
    );
    f.group("encounter-rotation", json!({}));
    let master: [u8; 32] =
        unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    let now = 1_728_000_000u64; // day 20000
    let push = |f: &mut FileBuilder,
                period: u64,
                live: u32,
                now: u64,
                epoch: u64,
                comment: &str,
                flags: &[&str],
                want: Option<&str>| {
        let mut fields = json!({"master": hex(master), "period": period.to_string(), "live": live, "now": now.to_string(), "epoch": epoch.to_string()});
        match rotation_outputs(&master, period, live, now, epoch) {
            Ok(m) => {
                assert_eq!(want, None, "{comment}");
                fields.as_object_mut().expect("obj").extend(m);
                f.valid(comment, flags, fields);
            }
            Err(e) => {
                assert_eq!(want, Some(e.code()), "{comment}");
                f.invalid(comment, flags, e.code(), fields);
            }
        }
    };
    push(
        &mut f,
        86_400,
        14,
        now,
        20_000,
        "current epoch",
        &["Default"],
        None,
    );
    push(
        &mut f,
        86_400,
        14,
        now,
        19_999,
        "previous epoch",
        &["Default"],
        None,
    );
    push(
        &mut f,
        86_400,
        14,
        now,
        19_987,
        "oldest live epoch",
        &["Boundary"],
        None,
    );
    push(
        &mut f,
        86_400,
        14,
        now,
        19_986,
        "first epoch no longer live",
        &["Boundary"],
        Some("ENCOUNTER_EPOCH_NOT_LIVE"),
    );
    push(
        &mut f,
        86_400,
        14,
        now,
        20_001,
        "future epoch",
        &["Boundary"],
        Some("ENCOUNTER_EPOCH_NOT_LIVE"),
    );
    push(
        &mut f,
        3_600,
        24,
        now,
        480_000,
        "hourly period, current epoch",
        &["Default"],
        None,
    );
    push(
        &mut f,
        3_599,
        14,
        now,
        0,
        "period below one hour",
        &["Params"],
        Some("ENCOUNTER_ROTATION_PARAMS"),
    );
    push(
        &mut f,
        604_801,
        14,
        now,
        0,
        "period above one week",
        &["Params"],
        Some("ENCOUNTER_ROTATION_PARAMS"),
    );
    push(
        &mut f,
        86_400,
        0,
        now,
        20_000,
        "no live epoch",
        &["Params"],
        Some("ENCOUNTER_ROTATION_PARAMS"),
    );
    push(
        &mut f,
        86_400,
        65,
        now,
        20_000,
        "65 live epochs",
        &["Params"],
        Some("ENCOUNTER_ROTATION_PARAMS"),
    );
    // Appended: both sides of every bound of §6.2, the saturation at epoch 0, and the order of
    // the two checks (parameters, then liveness).
    f.note(
        "CheckOrder",
        "EDGE_CASE",
        "Parameters out of range and an epoch that is not live: the parameter check comes first.",
    );
    let cases: &[(u64, u32, u64, u64, &str, &[&str], Option<&str>)] = &[
        (
            3_600,
            14,
            now,
            now / 3_600,
            "period exactly one hour (lowest allowed)",
            &["Params"],
            None,
        ),
        (
            604_800,
            14,
            now,
            now / 604_800,
            "period exactly one week (highest allowed)",
            &["Params"],
            None,
        ),
        (
            86_400,
            1,
            now,
            20_000,
            "one live epoch: the current one",
            &["Params", "Boundary"],
            None,
        ),
        (
            86_400,
            1,
            now,
            19_999,
            "one live epoch: the previous one is not live",
            &["Params", "Boundary"],
            Some("ENCOUNTER_EPOCH_NOT_LIVE"),
        ),
        (
            86_400,
            64,
            now,
            19_937,
            "64 live epochs (most allowed): the oldest live one",
            &["Params", "Boundary"],
            None,
        ),
        (
            86_400,
            64,
            now,
            19_936,
            "64 live epochs: the first no longer live",
            &["Params", "Boundary"],
            Some("ENCOUNTER_EPOCH_NOT_LIVE"),
        ),
        (
            86_400,
            14,
            13 * 86_400 + 5,
            0,
            "day 13: epoch 0 is still live (13 < 14)",
            &["Boundary"],
            None,
        ),
        (
            86_400,
            14,
            14 * 86_400,
            0,
            "day 14: epoch 0 is no longer live",
            &["Boundary"],
            Some("ENCOUNTER_EPOCH_NOT_LIVE"),
        ),
        (
            86_400,
            14,
            5 * 86_400,
            0,
            "day 5: the live range saturates at epoch 0",
            &["Boundary"],
            None,
        ),
        (
            86_400,
            14,
            now - 1,
            20_000,
            "one second before epoch 20000 starts",
            &["Boundary"],
            Some("ENCOUNTER_EPOCH_NOT_LIVE"),
        ),
        (
            86_400,
            14,
            now - 1,
            19_999,
            "last second of epoch 19999",
            &["Boundary"],
            None,
        ),
        (
            3_599,
            14,
            now,
            30_000,
            "period below one hour and an epoch far in the future",
            &["Params", "CheckOrder"],
            Some("ENCOUNTER_ROTATION_PARAMS"),
        ),
        (
            86_400,
            65,
            now,
            0,
            "65 live epochs and epoch 0, which would not be live",
            &["Params", "CheckOrder"],
            Some("ENCOUNTER_ROTATION_PARAMS"),
        ),
    ];
    for (period, live, t, e, comment, flags, want) in cases {
        push(&mut f, *period, *live, *t, *e, comment, flags, *want);
    }
    f.finish()
}

pub(super) fn check_rotation(_: &Group, t: &Test) -> Result<Verdict, String> {
    let master = hex_array::<32>(t, "master")?;
    match rotation_outputs(
        &master,
        u64_str_field(t, "period")?,
        u32_field(t, "live")?,
        u64_str_field(t, "now")?,
        u64_str_field(t, "epoch")?,
    ) {
        Ok(m) => {
            for (k, v) in m {
                expect_value(t, &k, v)?;
            }
            Ok(Verdict::Valid)
        }
        Err(e) => Ok(enc_err(e)),
    }
}
