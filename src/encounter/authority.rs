//! Health-authority keys (`spec/encounter.md §7.1`) and the signed attestation (`§7.2`, `§7.3`).

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::crypto::hmac;
use super::keys::validate_point;
use super::EncounterError;
use crate::labels::encounter::{ATTESTATION, HA_KEY_ID, SUBJECT};
use crate::wire::Writer;

/// Length of an encoded attestation (§7.2).
pub const ATTESTATION_LEN: usize = 145;
const SIGNED_LEN: usize = 81;
const VERSION: u8 = 0x01;
const KIND: u8 = 0x01;
const MESSAGE_LEN: usize = ATTESTATION.bytes.len() + SIGNED_LEN;

/// What the attestation says about the tested person (§7.2, byte 32).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportType {
    /// `0x01`: laboratory-confirmed.
    Confirmed,
    /// `0x02`: clinically likely.
    Likely,
    /// `0xff`: revokes an earlier report.
    Revocation,
}

impl ReportType {
    /// The wire byte.
    pub fn to_byte(self) -> u8 {
        match self {
            ReportType::Confirmed => 0x01,
            ReportType::Likely => 0x02,
            ReportType::Revocation => 0xff,
        }
    }

    /// Parses the wire byte; [`EncounterError::ReportTypeUnknown`] for unallocated values.
    pub fn from_byte(b: u8) -> Result<Self, EncounterError> {
        match b {
            0x01 => Ok(ReportType::Confirmed),
            0x02 => Ok(ReportType::Likely),
            0xff => Ok(ReportType::Revocation),
            _ => Err(EncounterError::ReportTypeUnknown),
        }
    }
}

/// A pinned health-authority key with its computed key id and validity window (§7.1).
///
/// Admission runs every step of peer-key validation (§3.4), which includes check 1 of the
/// project's Ed25519 rule (`spec/ed25519.md §3`: canonical `A`, not of small order) and adds the
/// torsion check of §13 decision 9; signatures are then verified under checks 2–4 of the rule.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AuthorityKey {
    key: crate::ed25519::PublicKey,
    kid: [u8; 8],
    not_before: u64,
    not_after: u64,
    revoked: bool,
}

impl AuthorityKey {
    /// Validates `public` (§3.4, all four steps, in order) and computes its key id (§7.1).
    pub fn new(
        public: &[u8; 32],
        not_before: u64,
        not_after: u64,
        revoked: bool,
    ) -> Result<Self, EncounterError> {
        validate_point(public)?;
        // Check 1 of the Ed25519 rule holds after §3.4 steps 1–3 (so this cannot fail); decoding
        // again keeps the one implementation of the rule in charge of verification.
        let key = crate::ed25519::PublicKey::from_bytes(public)
            .map_err(|_| EncounterError::KeyNoncanonical)?;
        Ok(AuthorityKey {
            key,
            kid: key_id(public),
            not_before,
            not_after,
            revoked,
        })
    }

    /// `kid = SHA-256(HA_KEY_ID || H)[0..8]`.
    pub fn kid(&self) -> [u8; 8] {
        self.kid
    }

    /// The Ed25519 public key `H`.
    pub fn public_key(&self) -> [u8; 32] {
        *self.key.as_bytes()
    }

    /// Start of validity (inclusive).
    pub fn not_before(&self) -> u64 {
        self.not_before
    }

    /// End of validity (exclusive).
    pub fn not_after(&self) -> u64 {
        self.not_after
    }

    /// Whether the key is revoked.
    pub fn revoked(&self) -> bool {
        self.revoked
    }

    /// Whether `not_before ≤ t < not_after` (§9.2 step 4c).
    pub fn covers(&self, t: u64) -> bool {
        self.not_before() <= t && t < self.not_after()
    }

    /// Checks 2–4 of `spec/ed25519.md §3` for the attestation's signature over
    /// `ATTESTATION || bytes[0..81]` (§9.2 step 5): a non-canonical `R`, `S ≥ ℓ` and a failed
    /// cofactored equation all give [`EncounterError::BadSignature`]. Check 1 ran in
    /// [`AuthorityKey::new`]. Does not look at the key id, the validity window or revocation.
    pub fn verify(&self, att: &Attestation) -> Result<(), EncounterError> {
        let msg = att.signed_message();
        self.key
            .verify(&[&msg], &att.signature)
            .map_err(|_| EncounterError::BadSignature)
    }
}

impl core::fmt::Debug for AuthorityKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthorityKey")
            .field("kid", &format_args!("{:02x?}", self.kid))
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("revoked", &self.revoked)
            .finish()
    }
}

/// `SHA-256(HA_KEY_ID || H)[0..8]` (§7.1).
pub(crate) fn key_id(public: &[u8; 32]) -> [u8; 8] {
    let d = Sha256::new()
        .chain_update(HA_KEY_ID.bytes)
        .chain_update(public)
        .finalize();
    let mut kid = [0u8; 8];
    for (k, b) in kid.iter_mut().zip(d.iter()) {
        *k = *b;
    }
    kid
}

/// `HMAC(bind_key, SUBJECT || A)` (§7.2).
pub(crate) fn subject_commitment(bind_key: &[u8; 32], subject: &[u8; 32]) -> [u8; 32] {
    hmac(bind_key, &[SUBJECT.bytes, subject])
}

/// The fields an authority signs (§7.2 bytes 10..81 except the key id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttestationFields {
    /// Issue time, unix seconds.
    pub issued_at: u64,
    /// Expiry, unix seconds (exclusive).
    pub not_after: u64,
    /// First day of the contagious window.
    pub window_start_day: u32,
    /// Authority-defined disease code.
    pub disease_code: u16,
    /// What is attested.
    pub report_type: ReportType,
    /// Random nonce, for dedupe.
    pub cert_nonce: [u8; 16],
    /// `HMAC(bind_key, SUBJECT || A)`, computed by the phone.
    pub subject_commitment: [u8; 32],
}

/// A decoded attestation (§7.2). Decoding does not verify the signature; the receiver does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attestation {
    kid: [u8; 8],
    fields: AttestationFields,
    signature: [u8; 64],
}

impl Attestation {
    /// The commitment a phone sends to the authority for identity `subject` (§7.3).
    pub fn commitment_for(bind_key: &[u8; 32], subject: &[u8; 32]) -> [u8; 32] {
        subject_commitment(bind_key, subject)
    }

    /// Signs an attestation with the authority's Ed25519 seed (§7.3). Refuses
    /// `not_after ≤ issued_at` with [`EncounterError::ValidityTooLong`].
    pub fn issue(ha_seed: &[u8; 32], fields: AttestationFields) -> Result<Self, EncounterError> {
        if fields.not_after <= fields.issued_at {
            return Err(EncounterError::ValidityTooLong);
        }
        let sk = SigningKey::from_bytes(&Zeroizing::new(*ha_seed));
        let mut att = Attestation {
            kid: key_id(&sk.verifying_key().to_bytes()),
            fields,
            signature: [0u8; 64],
        };
        att.signature = sk.sign(&att.signed_message()).to_bytes();
        Ok(att)
    }

    /// Reassembles an attestation from its parts (any signature; for tests and ports).
    pub fn from_parts(kid: [u8; 8], fields: AttestationFields, signature: [u8; 64]) -> Self {
        Attestation {
            kid,
            fields,
            signature,
        }
    }

    fn signed_message(&self) -> [u8; MESSAGE_LEN] {
        let mut msg = [0u8; MESSAGE_LEN];
        let (label, body) = msg.split_at_mut(ATTESTATION.bytes.len());
        label.copy_from_slice(ATTESTATION.bytes);
        let enc = self.encode();
        body.copy_from_slice(enc.get(..SIGNED_LEN).unwrap_or(&[0u8; SIGNED_LEN]));
        msg
    }

    /// The key id of the signing authority key.
    pub fn kid(&self) -> [u8; 8] {
        self.kid
    }

    /// The signed fields.
    pub fn fields(&self) -> &AttestationFields {
        &self.fields
    }

    /// The Ed25519 signature.
    pub fn signature(&self) -> [u8; 64] {
        self.signature
    }

    /// The 145-byte encoding (§7.2).
    pub fn encode(&self) -> [u8; ATTESTATION_LEN] {
        let mut out = [0u8; ATTESTATION_LEN];
        let _ = self.encode_into(&mut out);
        out
    }

    /// Writes the encoding into `buf` (exactly [`ATTESTATION_LEN`] bytes).
    pub fn encode_into(&self, buf: &mut [u8]) -> Result<usize, EncounterError> {
        let f = &self.fields;
        let mut w = Writer::new(buf);
        w.u8(VERSION)?;
        w.u8(KIND)?;
        w.put(&self.kid)?;
        w.u64_be(f.issued_at)?;
        w.u64_be(f.not_after)?;
        w.u32_be(f.window_start_day)?;
        w.u16_be(f.disease_code)?;
        w.u8(f.report_type.to_byte())?;
        w.put(&f.cert_nonce)?;
        w.put(&f.subject_commitment)?;
        w.put(&self.signature)?;
        Ok(w.finish_exact()?)
    }

    /// Strict decoding (§7.2): length, version, kind, report type.
    pub fn decode(bytes: &[u8]) -> Result<Self, EncounterError> {
        if bytes.len() != ATTESTATION_LEN {
            return Err(EncounterError::AttestationLength);
        }
        let mut r = crate::wire::Reader::new(bytes);
        let read = |r: &mut crate::wire::Reader<'_>| -> Result<Self, EncounterError> {
            if r.u8()? != VERSION {
                return Err(EncounterError::AttestationVersion);
            }
            if r.u8()? != KIND {
                return Err(EncounterError::AttestationKind);
            }
            let kid = r.array()?;
            let issued_at = r.u64_be()?;
            let not_after = r.u64_be()?;
            let window_start_day = r.u32_be()?;
            let disease_code = r.u16_be()?;
            let report_type = ReportType::from_byte(r.u8()?)?;
            let cert_nonce = r.array()?;
            let subject_commitment = r.array()?;
            let signature = r.array()?;
            Ok(Attestation {
                kid,
                fields: AttestationFields {
                    issued_at,
                    not_after,
                    window_start_day,
                    disease_code,
                    report_type,
                    cert_nonce,
                    subject_commitment,
                },
                signature,
            })
        };
        let att = read(&mut r).map_err(|e| match e {
            EncounterError::BufferTooSmall => EncounterError::AttestationLength,
            other => other,
        })?;
        r.finish().map_err(|_| EncounterError::AttestationLength)?;
        Ok(att)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_decode_verify() {
        let ha_seed = [3u8; 32];
        let pk = SigningKey::from_bytes(&ha_seed).verifying_key().to_bytes();
        let key = AuthorityKey::new(&pk, 0, u64::MAX, false).unwrap();
        let fields = AttestationFields {
            issued_at: 1_728_000_000,
            not_after: 1_729_209_600,
            window_start_day: 19_990,
            disease_code: 1,
            report_type: ReportType::Confirmed,
            cert_nonce: [0x22; 16],
            subject_commitment: [0x33; 32],
        };
        let att = Attestation::issue(&ha_seed, fields).unwrap();
        assert_eq!(att.kid(), key.kid());
        let bytes = att.encode();
        let back = Attestation::decode(&bytes).unwrap();
        assert_eq!(back, att);
        assert!(key.verify(&back).is_ok());
        let mut bad = bytes;
        bad[20] ^= 1;
        assert_eq!(
            key.verify(&Attestation::decode(&bad).unwrap()),
            Err(EncounterError::BadSignature)
        );
        bad[32] = 3;
        assert_eq!(
            Attestation::decode(&bad),
            Err(EncounterError::ReportTypeUnknown)
        );
        assert_eq!(
            Attestation::decode(&bytes[1..]),
            Err(EncounterError::AttestationLength)
        );
    }
}
