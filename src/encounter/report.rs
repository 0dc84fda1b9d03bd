//! The infection report a reporter sends to each contact (`spec/encounter.md §8`).

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::authority::{subject_commitment, Attestation, ATTESTATION_LEN};
use super::crypto::hmac;
use super::secret::ContactRecord;
use super::EncounterError;
use crate::labels::encounter::REPORT_MAC;
use crate::wire::Writer;

/// Length of an encoded report (§8.1).
pub const REPORT_LEN: usize = 227;
const MACED_LEN: usize = 195;
const VERSION: u8 = 0x01;
const KIND: u8 = 0x02;

/// A decoded infection report (§8.1). `bind_key` is revealed to the receiver by design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InfectionReport {
    pair_id: [u8; 16],
    attestation: Attestation,
    bind_key: [u8; 32],
    mac: [u8; 32],
}

impl InfectionReport {
    /// Builds the report for `contact` (§8.2), MACed with `report_key(own → peer)`.
    ///
    /// Refuses with [`EncounterError::BadCommitment`] an attestation whose subject commitment
    /// does not open to the record's own key under `bind_key`: the receiver would drop such a
    /// report silently (§9.2 step 8), so a phone holding one attestation per rotating identity
    /// learns here, not never, that it picked the wrong one.
    pub fn create(
        contact: &ContactRecord,
        attestation: &Attestation,
        bind_key: &[u8; 32],
    ) -> Result<Self, EncounterError> {
        let expected = subject_commitment(bind_key, &contact.secret().own_key());
        if !bool::from(expected.ct_eq(&attestation.fields().subject_commitment)) {
            return Err(EncounterError::BadCommitment);
        }
        let mut report = InfectionReport {
            pair_id: contact.pair_id(),
            attestation: *attestation,
            bind_key: *bind_key,
            mac: [0u8; 32],
        };
        report.mac = report.compute_mac(&contact.secret().report_key_to_peer());
        Ok(report)
    }

    /// Reassembles a report from its parts (any MAC; for tests and ports).
    pub fn from_parts(
        pair_id: [u8; 16],
        attestation: Attestation,
        bind_key: [u8; 32],
        mac: [u8; 32],
    ) -> Self {
        InfectionReport {
            pair_id,
            attestation,
            bind_key,
            mac,
        }
    }

    fn compute_mac(&self, key: &Zeroizing<[u8; 32]>) -> [u8; 32] {
        let enc = self.encode();
        hmac(
            &**key,
            &[REPORT_MAC.bytes, enc.get(..MACED_LEN).unwrap_or(&[])],
        )
    }

    /// Whether the MAC verifies under `key`, compared in constant time (§9.2 step 3).
    pub fn mac_is_valid(&self, key: &Zeroizing<[u8; 32]>) -> bool {
        bool::from(self.compute_mac(key).ct_eq(&self.mac()))
    }

    /// `pair_id`.
    pub fn pair_id(&self) -> [u8; 16] {
        self.pair_id
    }

    /// The embedded attestation.
    pub fn attestation(&self) -> &Attestation {
        &self.attestation
    }

    /// The key that opens the attestation's subject commitment.
    pub fn bind_key(&self) -> [u8; 32] {
        self.bind_key
    }

    /// The MAC.
    pub fn mac(&self) -> [u8; 32] {
        self.mac
    }

    /// The 227-byte encoding.
    pub fn encode(&self) -> [u8; REPORT_LEN] {
        let mut out = [0u8; REPORT_LEN];
        let _ = self.encode_into(&mut out);
        out
    }

    /// Writes the encoding into `buf` (exactly [`REPORT_LEN`] bytes).
    pub fn encode_into(&self, buf: &mut [u8]) -> Result<usize, EncounterError> {
        let mut w = Writer::new(buf);
        w.u8(VERSION)?;
        w.u8(KIND)?;
        w.put(&self.pair_id)?;
        w.put(&self.attestation.encode())?;
        w.put(&self.bind_key)?;
        w.put(&self.mac)?;
        Ok(w.finish_exact()?)
    }

    /// Strict decoding (§8.1): length, version, kind, then the attestation (§7.2).
    pub fn decode(bytes: &[u8]) -> Result<Self, EncounterError> {
        if bytes.len() != REPORT_LEN {
            return Err(EncounterError::ReportLength);
        }
        let (head, rest) = bytes.split_at(2);
        if head.first() != Some(&VERSION) {
            return Err(EncounterError::ReportVersion);
        }
        if head.get(1) != Some(&KIND) {
            return Err(EncounterError::ReportKind);
        }
        let (pair_id, rest) = rest.split_at(16);
        let (att, rest) = rest.split_at(ATTESTATION_LEN);
        let (bind_key, mac) = rest.split_at(32);
        let len = |_| EncounterError::ReportLength;
        Ok(InfectionReport {
            pair_id: pair_id.try_into().map_err(len)?,
            attestation: Attestation::decode(att)?,
            bind_key: bind_key.try_into().map_err(len)?,
            mac: mac.try_into().map_err(len)?,
        })
    }
}
