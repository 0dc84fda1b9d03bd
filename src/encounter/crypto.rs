//! HMAC-SHA256 and HKDF-SHA256 (RFC 2104, RFC 5869) over lists of byte strings, infallible and
//! allocation-free (`spec/encounter.md §2`). Used for every derivation and MAC of the protocol.

use hmac::{digest::KeyInit, Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// `HMAC-SHA256(key, parts[0] || parts[1] || ...)`.
///
/// RFC 2104 pads keys of at most 64 bytes (the SHA-256 block size) with zeros and hashes longer
/// ones first; doing that here makes the fixed-size `KeyInit::new` constructor usable, so no
/// fallible call remains. A unit test checks this against `Hmac::new_from_slice`.
pub(crate) fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = Zeroizing::new([0u8; 64]);
    if let Some(slot) = block.get_mut(..key.len()) {
        slot.copy_from_slice(key);
    } else {
        let digest = Sha256::digest(key);
        if let Some(slot) = block.get_mut(..32) {
            slot.copy_from_slice(&digest);
        }
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&(*block).into());
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// `HKDF-Extract(salt, ikm)` (RFC 5869 §2.2).
pub(crate) fn hkdf_extract(salt: &[u8], ikm: &[u8]) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(hmac(salt, &[ikm]))
}

/// `HKDF-Expand(prk, info, L)` for `L ≤ 32` (RFC 5869 §2.3): the first `L` bytes of
/// `T(1) = HMAC(prk, info || 0x01)`.
pub(crate) fn hkdf_expand<const L: usize>(prk: &[u8; 32], info: &[&[u8]]) -> Zeroizing<[u8; L]> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&{
        let mut block = [0u8; 64];
        for (b, k) in block.iter_mut().zip(prk.iter()) {
            *b = *k;
        }
        block.into()
    });
    for p in info {
        mac.update(p);
    }
    mac.update(&[1u8]);
    let t1 = Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()));
    let mut out = Zeroizing::new([0u8; L]);
    for (o, t) in out.iter_mut().zip(t1.iter()) {
        *o = *t;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hkdf::Hkdf;

    #[test]
    fn hmac_matches_reference_for_short_and_long_keys() {
        for len in [0usize, 1, 32, 36, 64, 65, 200] {
            let key = std::vec![0x5au8; len];
            let mut r = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
            r.update(b"abc");
            r.update(b"def");
            let want: [u8; 32] = r.finalize().into_bytes().into();
            assert_eq!(hmac(&key, &[b"abc", b"def"]), want, "key length {len}");
        }
    }

    #[test]
    fn hkdf_matches_reference_crate() {
        let (prk, hk) = Hkdf::<Sha256>::extract(Some(b"salt-salt"), b"input keying material");
        assert_eq!(
            &hkdf_extract(b"salt-salt", b"input keying material")[..],
            &prk[..]
        );
        let prk: [u8; 32] = prk.into();
        let mut want16 = [0u8; 16];
        hk.expand_multi_info(&[b"info", b"-more"], &mut want16)
            .unwrap();
        assert_eq!(*hkdf_expand::<16>(&prk, &[b"info", b"-more"]), want16);
        let mut want32 = [0u8; 32];
        hk.expand(b"x", &mut want32).unwrap();
        assert_eq!(*hkdf_expand::<32>(&prk, &[b"x"]), want32);
    }

    #[test]
    fn rfc5869_case_1() {
        let ikm = [0x0bu8; 22];
        let salt: std::vec::Vec<u8> = (0u8..=12).collect();
        let info: std::vec::Vec<u8> = (0xf0u8..=0xf9).collect();
        let prk = hkdf_extract(&salt, &ikm);
        assert_eq!(
            hex::encode(*prk),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
        );
        let okm = hkdf_expand::<32>(&prk, &[&info]);
        assert_eq!(
            hex::encode(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        );
    }
}
