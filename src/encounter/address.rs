//! Tor v3 onion addresses: encoding (`spec/encounter.md §3.1`) and strict parsing (`§3.2`).

use sha3::{Digest, Sha3_256};

use super::keys::PeerKey;
use super::EncounterError;
use crate::labels::encounter::ONION_CHECKSUM;

/// Length of the base32 label of a v3 address (56 characters = 35 bytes).
pub const BASE32_LEN: usize = 56;
/// Length of a full address including `.onion` (62 characters).
pub const ADDRESS_LEN: usize = BASE32_LEN + SUFFIX.len();
const SUFFIX: &[u8] = b".onion";
const RAW_LEN: usize = 35;
const VERSION: u8 = 0x03;
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A parsed v3 onion address: it always holds a key that passed peer-key validation (§3.4).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OnionAddress {
    key: PeerKey,
}

/// `SHA3-256(".onion checksum" || pubkey || version)[0..2]` (§3.1).
pub(crate) fn checksum(public: &[u8; 32]) -> [u8; 2] {
    let mut h = Sha3_256::new();
    h.update(ONION_CHECKSUM.bytes);
    h.update(public);
    h.update([VERSION]);
    let d = h.finalize();
    [
        d.first().copied().unwrap_or(0),
        d.get(1).copied().unwrap_or(0),
    ]
}

fn base32_value(c: u8) -> Option<u8> {
    match c {
        b'a'..=b'z' => Some(c - b'a'),
        b'A'..=b'Z' => Some(c - b'A'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

impl OnionAddress {
    /// The address of a validated key.
    pub fn from_key(key: PeerKey) -> Self {
        OnionAddress { key }
    }

    /// Parses `<56 base32 characters>.onion` with every check of §3.2, in order.
    pub fn parse(text: &str) -> Result<Self, EncounterError> {
        let bytes = text.as_bytes();
        // Step 1: suffix.
        let split = bytes
            .len()
            .checked_sub(SUFFIX.len())
            .ok_or(EncounterError::AddrNoSuffix)?;
        let (label, suffix) = bytes.split_at(split);
        if !suffix.eq_ignore_ascii_case(SUFFIX) {
            return Err(EncounterError::AddrNoSuffix);
        }
        // Step 2: no subdomain.
        if label.contains(&b'.') {
            return Err(EncounterError::AddrSubdomain);
        }
        // Step 3: length.
        if label.len() != BASE32_LEN {
            return Err(EncounterError::AddrLength);
        }
        // Step 4: alphabet. Step 5: uniform case.
        let mut values = [0u8; BASE32_LEN];
        let (mut lower, mut upper) = (false, false);
        for (v, &c) in values.iter_mut().zip(label) {
            *v = base32_value(c).ok_or(EncounterError::AddrAlphabet)?;
            lower |= c.is_ascii_lowercase();
            upper |= c.is_ascii_uppercase();
        }
        if lower && upper {
            return Err(EncounterError::AddrMixedCase);
        }
        // Decode: 56 × 5 bits = 280 bits = 35 bytes, no slack bits.
        let mut raw = [0u8; RAW_LEN];
        for (chunk, out) in values.chunks_exact(8).zip(raw.chunks_exact_mut(5)) {
            let mut acc = 0u64;
            for v in chunk {
                acc = (acc << 5) | u64::from(*v);
            }
            for (i, o) in out.iter_mut().enumerate() {
                *o = (acc >> (32 - 8 * i)) as u8;
            }
        }
        let (public, rest) = raw.split_at(32);
        let (cks, version) = rest.split_at(2);
        // Step 6: version before checksum.
        if version != [VERSION] {
            return Err(EncounterError::AddrVersion);
        }
        let public: [u8; 32] = public.try_into().map_err(|_| EncounterError::AddrLength)?;
        // Step 7: checksum.
        if cks != checksum(&public) {
            return Err(EncounterError::AddrChecksum);
        }
        // Step 8: key validation (§3.4).
        Ok(OnionAddress {
            key: PeerKey::from_bytes(&public)?,
        })
    }

    /// The validated Ed25519 key of the service.
    pub fn key(&self) -> &PeerKey {
        &self.key
    }

    /// The 2-byte checksum of §3.1.
    pub fn checksum(&self) -> [u8; 2] {
        checksum(self.key.as_bytes())
    }

    /// The canonical lowercase text form, `.onion` included (§3.1), as ASCII bytes.
    pub fn encode(&self) -> [u8; ADDRESS_LEN] {
        let mut raw = [0u8; RAW_LEN];
        let (public, rest) = raw.split_at_mut(32);
        public.copy_from_slice(self.key.as_bytes());
        let (cks, version) = rest.split_at_mut(2);
        cks.copy_from_slice(&self.checksum());
        version.copy_from_slice(&[VERSION]);
        let mut out = [0u8; ADDRESS_LEN];
        let (label, suffix) = out.split_at_mut(BASE32_LEN);
        for (chunk, text) in raw.chunks_exact(5).zip(label.chunks_exact_mut(8)) {
            let mut acc = 0u64;
            for b in chunk {
                acc = (acc << 8) | u64::from(*b);
            }
            for (i, t) in text.iter_mut().enumerate() {
                let v = ((acc >> (35 - 5 * i)) & 31) as usize;
                *t = ALPHABET.get(v).copied().unwrap_or(b'a');
            }
        }
        suffix.copy_from_slice(SUFFIX);
        out
    }
}

impl core::fmt::Display for OnionAddress {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let text = self.encode();
        f.write_str(core::str::from_utf8(&text).map_err(|_| core::fmt::Error)?)
    }
}

impl core::fmt::Debug for OnionAddress {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "OnionAddress({self})")
    }
}

impl core::str::FromStr for OnionAddress {
    type Err = EncounterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    const RFC8032_T1: &str = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion";

    #[test]
    fn published_address_round_trips() {
        let a = OnionAddress::parse(RFC8032_T1).unwrap();
        assert_eq!(
            hex::encode(a.key().as_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(a.checksum(), [0xbe, 0xc9]);
        assert_eq!(a.to_string(), RFC8032_T1);
        let upper = RFC8032_T1.to_ascii_uppercase();
        assert_eq!(OnionAddress::parse(&upper).unwrap(), a);
    }

    #[test]
    fn each_check_has_its_code() {
        use EncounterError as E;
        let mixed = "25NJqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion";
        let cases: &[(&str, E)] = &[
            (
                "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid",
                E::AddrNoSuffix,
            ),
            (
                "x.25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion",
                E::AddrSubdomain,
            ),
            ("blah.onion", E::AddrLength),
            (
                "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5si1.onion",
                E::AddrAlphabet,
            ),
            (mixed, E::AddrMixedCase),
            (
                "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sie.onion",
                E::AddrVersion,
            ),
            (
                "l5satjgud6gucryazcyvyvhuxhr74u6ygigiuyixe3a6ysis67ororad.onion",
                E::AddrChecksum,
            ),
            (
                "ijbeeqscijbeeqscijbeeqscijbeeqscijbeeqscijbeeqscijbezhid.onion",
                E::KeyNotOnCurve,
            ),
            (
                "p3xnclpu4mu22dwaurjtsybyqk4xfjmcfz6z62yl24uwmhjatiwnlnad.onion",
                E::KeyTorsion,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(OnionAddress::parse(text), Err(*want), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,80}") {
            let _ = OnionAddress::parse(&s);
        }

        #[test]
        fn encode_parse_round_trip(seed in proptest::array::uniform32(0u8..)) {
            let id = crate::encounter::IdentityKey::from_seed(seed).unwrap();
            let addr = OnionAddress::from_key(id.peer_key());
            let text = addr.to_string();
            proptest::prop_assert!(text.ends_with("d.onion"));
            proptest::prop_assert_eq!(OnionAddress::parse(&text).unwrap(), addr);
        }
    }
}
