//! One-time health-authority tokens with a disease code and the per-case policy, the nymserver's
//! spent set, and signed batch approvals (`spec/nym.md §6.3`, `§6.6`).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::labels::nym as labels;
use crate::nym::{NymError, CASE_ID_LEN, TOKEN_LEN};
use crate::wire::{Reader, Writer};

/// Length of an encoded [`Approval`]: case id 16, batch 4, decision 1, signature 64.
pub const APPROVAL_LEN: usize = CASE_ID_LEN + 4 + 1 + 64;

/// Whether a case's notification batches need the authority's approval (`spec/nym.md §6.2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApprovalMode {
    /// `0x00`: batches are sent at once.
    Automatic,
    /// `0x01`: every batch waits for a signed [`Approval`].
    Authority,
}

impl ApprovalMode {
    fn byte(self) -> u8 {
        match self {
            ApprovalMode::Automatic => 0,
            ApprovalMode::Authority => 1,
        }
    }
}

/// A one-time token (`spec/nym.md §6.2`): 92 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Random serial, recorded in the spent set when redeemed.
    pub serial: [u8; 16],
    /// Disease code.
    pub disease: u16,
    /// Chain steps this case may take.
    pub max_generation: u8,
    /// Approval policy for the case's batches.
    pub approval: ApprovalMode,
    /// Expiry (seconds).
    pub expires: u64,
    /// The authority's Ed25519 signature.
    pub signature: [u8; 64],
}

impl Token {
    fn signed_part(&self) -> [u8; 28] {
        let mut out = [0u8; 28];
        let mut w = Writer::new(&mut out);
        let _ = w.put(&self.serial);
        let _ = w.u16_be(self.disease);
        let _ = w.u8(self.max_generation);
        let _ = w.u8(self.approval.byte());
        let _ = w.u64_be(self.expires);
        out
    }

    fn message(&self) -> Vec<u8> {
        let mut m = labels::HA_TOKEN.bytes.to_vec();
        m.extend_from_slice(&self.signed_part());
        m
    }

    /// The 92-byte wire form.
    pub fn encode(&self) -> [u8; TOKEN_LEN] {
        let mut out = [0u8; TOKEN_LEN];
        let (a, b) = out.split_at_mut(28);
        a.copy_from_slice(&self.signed_part());
        b.copy_from_slice(&self.signature);
        out
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, NymError> {
        let serial = r.array()?;
        let disease = r.u16_be()?;
        let max_generation = r.u8()?;
        let approval = match r.u8()? {
            0 => ApprovalMode::Automatic,
            1 => ApprovalMode::Authority,
            // SPEC: spec/nym.md#token (other approval bytes -> NYM_TOKEN_MALFORMED)
            _ => return Err(NymError::TokenMalformed),
        };
        let expires = r.u64_be()?;
        let signature = r.array()?;
        Ok(Token {
            serial,
            disease,
            max_generation,
            approval,
            expires,
            signature,
        })
    }

    /// Strict decoding: exactly 92 bytes, approval byte 0 or 1.
    pub fn decode(bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        let t = Self::read(&mut r)?;
        r.finish()?;
        Ok(t)
    }

    /// Checks the signature (strict) and the expiry; no spent-set check (`spec/nym.md §6.2`).
    pub fn verify(&self, authority: &VerifyingKey, now: u64) -> Result<(), NymError> {
        // SPEC: spec/nym.md#token (NYM-TOKEN-1)
        // The project's one Ed25519 rule (spec/ed25519.md).
        crate::ed25519::verify(authority.as_bytes(), &[&self.message()], &self.signature)
            .map_err(|_| NymError::TokenBadSignature)?;
        // SPEC: spec/nym.md#token (NYM-TOKEN-2)
        if now >= self.expires {
            return Err(NymError::TokenExpired);
        }
        Ok(())
    }
}

/// The nymserver's record of redeemed serials (`spec/nym.md §6.3`, NYM-TOKEN-3/4), bounded by a
/// limit (`spec/nym.md §9`).
#[derive(Clone, Debug)]
pub struct SpentSet {
    spent: BTreeMap<[u8; 16], u64>,
    limit: usize,
}

impl Default for SpentSet {
    fn default() -> Self {
        Self::with_limit(1 << 20)
    }
}

impl SpentSet {
    /// An empty set with the default limit (2^20 serials).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set holding at most `limit` serials.
    pub fn with_limit(limit: usize) -> Self {
        SpentSet {
            spent: BTreeMap::new(),
            limit,
        }
    }

    /// Changes the bound (serials already recorded stay).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    /// The bound on recorded serials.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The checks of a redemption in their order (`spec/nym.md §6.3`): signature, expiry, not
    /// spent, room in the set. Changes nothing.
    pub fn check(&self, token: &Token, authority: &VerifyingKey, now: u64) -> Result<(), NymError> {
        token.verify(authority, now)?;
        // SPEC: spec/nym.md#token (NYM-TOKEN-3)
        if self.spent.contains_key(&token.serial) {
            return Err(NymError::TokenSpent);
        }
        // SPEC: spec/nym.md#bounded-state (spent serials)
        if self.spent.len() >= self.limit {
            return Err(NymError::Capacity);
        }
        Ok(())
    }

    /// Records a checked token's serial until its expiry.
    pub fn record(&mut self, token: &Token) {
        self.spent.insert(token.serial, token.expires);
    }

    /// Verifies `token` and records its serial; a second redeem fails with `NYM_TOKEN_SPENT`.
    pub fn redeem(
        &mut self,
        token: &Token,
        authority: &VerifyingKey,
        now: u64,
    ) -> Result<(), NymError> {
        self.check(token, authority, now)?;
        self.record(token);
        Ok(())
    }

    /// Drops serials whose token has expired (they can never verify again).
    pub fn purge(&mut self, now: u64) {
        // SPEC: spec/nym.md#token (NYM-TOKEN-4)
        self.spent.retain(|_, exp| now < *exp);
    }

    /// Number of recorded serials.
    pub fn len(&self) -> usize {
        self.spent.len()
    }

    /// Whether no serial is recorded.
    pub fn is_empty(&self) -> bool {
        self.spent.is_empty()
    }
}

/// A signed decision on one notification batch (`spec/nym.md §6.5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Approval {
    /// The case.
    pub case_id: [u8; CASE_ID_LEN],
    /// The batch number within the case.
    pub batch: u32,
    /// `true`: send the batch; `false`: discard it.
    pub approve: bool,
    /// The authority's signature.
    pub signature: [u8; 64],
}

impl Approval {
    fn message(case_id: &[u8; CASE_ID_LEN], batch: u32, approve: bool) -> Vec<u8> {
        let mut m = labels::HA_APPROVAL.bytes.to_vec();
        m.extend_from_slice(case_id);
        m.extend_from_slice(&batch.to_be_bytes());
        m.push(u8::from(approve));
        m
    }

    /// Verifies the signature by the project's one Ed25519 rule (`spec/ed25519.md`).
    pub fn verify(&self, authority: &VerifyingKey) -> Result<(), NymError> {
        crate::ed25519::verify(
            authority.as_bytes(),
            &[&Self::message(&self.case_id, self.batch, self.approve)],
            &self.signature,
        )
        .map_err(|_| NymError::BadApproval)
    }

    /// The 85-byte wire form.
    pub fn encode(&self) -> [u8; APPROVAL_LEN] {
        let mut out = [0u8; APPROVAL_LEN];
        let mut w = Writer::new(&mut out);
        let _ = w.put(&self.case_id);
        let _ = w.u32_be(self.batch);
        let _ = w.u8(u8::from(self.approve));
        let _ = w.put(&self.signature);
        out
    }

    /// Strict decoding; a decision byte other than 0/1 is `NYM_MALFORMED`.
    pub fn decode(bytes: &[u8]) -> Result<Self, NymError> {
        let mut r = Reader::new(bytes);
        let case_id = r.array()?;
        let batch = r.u32_be()?;
        let approve = match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(NymError::Malformed),
        };
        let signature = r.array()?;
        r.finish()?;
        Ok(Approval {
            case_id,
            batch,
            approve,
            signature,
        })
    }
}

/// A health authority: an Ed25519 signing key (zeroized on drop, never printed).
#[derive(Clone)]
pub struct Authority {
    key: SigningKey,
}

impl core::fmt::Debug for Authority {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Authority({:02x?}, <secret>)", self.public().to_bytes())
    }
}

impl Authority {
    /// From a 32-byte secret seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Authority {
            key: SigningKey::from_bytes(seed),
        }
    }
    /// A fresh authority key.
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        let mut s = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(s.as_mut());
        Self::from_seed(&s)
    }
    /// The verification key the nymserver pins.
    pub fn public(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Issues a token with an explicit serial (`spec/nym.md §6.2`).
    pub fn issue(
        &self,
        serial: [u8; 16],
        disease: u16,
        max_generation: u8,
        approval: ApprovalMode,
        expires: u64,
    ) -> Token {
        let mut t = Token {
            serial,
            disease,
            max_generation,
            approval,
            expires,
            signature: [0; 64],
        };
        t.signature = self.key.sign(&t.message()).to_bytes();
        t
    }

    /// Issues a token with a random serial.
    pub fn issue_with_rng(
        &self,
        disease: u16,
        max_generation: u8,
        approval: ApprovalMode,
        expires: u64,
        rng: &mut impl CryptoRngCore,
    ) -> Token {
        let mut serial = [0u8; 16];
        rng.fill_bytes(&mut serial);
        self.issue(serial, disease, max_generation, approval, expires)
    }

    /// Signs a decision on batch `batch` of case `case_id`.
    pub fn approve(&self, case_id: [u8; CASE_ID_LEN], batch: u32, approve: bool) -> Approval {
        let signature = self
            .key
            .sign(&Approval::message(&case_id, batch, approve))
            .to_bytes();
        Approval {
            case_id,
            batch,
            approve,
            signature,
        }
    }
}
