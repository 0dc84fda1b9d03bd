//! Report authorization keys and the temporary contact key ratchet (`spec/tcn.md §3`).

use ed25519_dalek::{Signer, SigningKey};
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::report::{MemoType, Report, SignedReport, MAX_MEMO_LEN};
use super::{hash, TcnError};

/// The reporter's long-lived secret (`rak`): an Ed25519 signing key, serialised as its 32-byte
/// seed (`spec/tcn.md §3.1`). Zeroized on drop; `Debug` shows only the public key.
#[derive(Clone)]
pub struct ReportAuthorizationKey {
    signing: SigningKey,
}

impl ReportAuthorizationKey {
    /// The rak whose Ed25519 seed is `seed`.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let seed = Zeroizing::new(seed);
        ReportAuthorizationKey {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// A fresh rak drawn from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        Self::from_seed(*seed)
    }

    /// The 32-byte seed, for storage.
    pub fn to_seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// The report verification key `rvk`.
    pub fn verification_key(&self) -> ReportVerificationKey {
        ReportVerificationKey(self.signing.verifying_key().to_bytes())
    }

    /// `tck_0 = H_tck(rak)`. It never yields a broadcast number; reports with `j1 = 1` carry it.
    fn tck_0(&self) -> TemporaryContactKey {
        let seed = self.to_seed();
        TemporaryContactKey {
            index: 0,
            rvk: self.verification_key().0,
            tck: hash::tck_0(&seed),
        }
    }

    /// `tck_1`, the first key whose number may be broadcast.
    pub fn initial_temporary_contact_key(&self) -> TemporaryContactKey {
        let tck_0 = self.tck_0();
        TemporaryContactKey {
            index: 1,
            rvk: tck_0.rvk,
            tck: hash::ratchet(&tck_0.rvk, &tck_0.tck),
        }
    }

    /// Creates and signs a report disclosing `tcn_j1 ..= tcn_j2` (`spec/tcn.md §5.1`).
    ///
    /// Fails with [`TcnError::J1Zero`], [`TcnError::J2BeforeJ1`], [`TcnError::MemoTooLong`] or
    /// [`TcnError::UnknownMemoType`]; unlike `tcn` 0.4.1 it never rewrites its arguments.
    pub fn create_report(
        &self,
        memo_type: MemoType,
        memo_data: &[u8],
        j1: u16,
        j2: u16,
    ) -> Result<SignedReport, TcnError> {
        if j1 == 0 {
            return Err(TcnError::J1Zero);
        }
        if j2 < j1 {
            return Err(TcnError::J2BeforeJ1);
        }
        if memo_data.len() > MAX_MEMO_LEN {
            return Err(TcnError::MemoTooLong);
        }
        if !memo_type.is_allocated() {
            return Err(TcnError::UnknownMemoType);
        }
        let mut tck = self.tck_0();
        for _ in 1..j1 {
            tck = tck.ratchet()?;
        }
        let report = Report::new(tck.rvk, tck.tck, j1, j2, memo_type, memo_data)?;
        let mut buf = [0u8; Report::MAX_LEN];
        let n = report.encode_into(&mut buf)?;
        let signature = self.signing.sign(buf.get(..n).unwrap_or(&[])).to_bytes();
        Ok(SignedReport::from_parts(report, signature))
    }
}

impl core::fmt::Debug for ReportAuthorizationKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReportAuthorizationKey")
            .field("rvk", &self.verification_key())
            .finish_non_exhaustive()
    }
}

/// The report verification key `rvk`: 32 bytes, the Ed25519 public key of a rak.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportVerificationKey(pub [u8; 32]);

impl core::fmt::Debug for ReportVerificationKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ReportVerificationKey(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// A temporary contact key `tck_i` with its index and the `rvk` it is bound to.
///
/// Secret until disclosed in a report: zeroized on drop, hidden from `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct TemporaryContactKey {
    index: u16,
    rvk: [u8; 32],
    tck: [u8; 32],
}

impl TemporaryContactKey {
    /// Reassembles a key from storage: its index, the `rvk` it belongs to and its 32 bytes.
    pub fn from_parts(index: u16, rvk: ReportVerificationKey, tck: [u8; 32]) -> Self {
        TemporaryContactKey {
            index,
            rvk: rvk.0,
            tck,
        }
    }

    /// The index `i` of `tck_i`.
    pub fn index(&self) -> u16 {
        self.index
    }

    /// The `rvk` this key is bound to.
    pub fn verification_key(&self) -> ReportVerificationKey {
        ReportVerificationKey(self.rvk)
    }

    /// The 32 key bytes, for storage.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.tck)
    }

    /// `tck_{i+1}`; fails with [`TcnError::IndexExhausted`] at index 65535 (`spec/tcn.md §3.2`).
    pub fn ratchet(&self) -> Result<TemporaryContactKey, TcnError> {
        let index = self.index.checked_add(1).ok_or(TcnError::IndexExhausted)?;
        Ok(TemporaryContactKey {
            index,
            rvk: self.rvk,
            tck: hash::ratchet(&self.rvk, &self.tck),
        })
    }

    /// `tcn_i`, the number to broadcast while this key is current.
    pub fn temporary_contact_number(&self) -> TemporaryContactNumber {
        TemporaryContactNumber(hash::tcn(self.index, &self.tck))
    }
}

impl core::fmt::Debug for TemporaryContactKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TemporaryContactKey")
            .field("index", &self.index)
            .field("rvk", &ReportVerificationKey(self.rvk))
            .finish_non_exhaustive()
    }
}

/// A 16-byte temporary contact number: what phones broadcast and record.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TemporaryContactNumber(pub [u8; 16]);

impl core::fmt::Debug for TemporaryContactNumber {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TemporaryContactNumber(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}
