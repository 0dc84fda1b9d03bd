//! Contact pairing in person and signed status/address updates between contacts
//! (`spec/events.md §5`).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::identity::{fingerprint, verify, IdentityKey, SecretSeed};
use super::messages::{ContactUpdateMsg, PairingCommit, PairingConfirm, PairingHello};
use super::status::Status;
use super::{EventError, MAX_SKEW};
use crate::labels::event as labels;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length.
    let mut m = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

fn hmac_verify(key: &[u8], parts: &[&[u8]], tag: &[u8; 32]) -> Result<(), EventError> {
    let mut m = HmacSha256::new_from_slice(key).map_err(|_| EventError::BadMac)?;
    for p in parts {
        m.update(p);
    }
    // Constant-time comparison (subtle, inside `hmac`).
    m.verify_slice(tag).map_err(|_| EventError::BadMac)
}

/// Pairing role (`spec/events.md §5.3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Showed the QR.
    Initiator = 0,
    /// Scanned it.
    Joiner = 1,
}

/// The 64-byte pairing QR payload (`spec/events.md §5.2`). Holds a secret: never printed.
#[derive(Clone)]
pub struct PairingQr {
    /// The pairing secret.
    pub secret: SecretSeed,
    /// Throw-away rendezvous address public key of the initiator.
    pub rendezvous: [u8; 32],
}

impl core::fmt::Debug for PairingQr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PairingQr")
            .field("rendezvous", &self.rendezvous)
            .finish_non_exhaustive()
    }
}

impl PairingQr {
    /// Payload length.
    pub const LEN: usize = 64;

    /// The 64 payload bytes.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 64]> {
        let mut out = Zeroizing::new([0u8; 64]);
        let (a, b) = out.split_at_mut(32);
        a.copy_from_slice(self.secret.as_bytes());
        b.copy_from_slice(&self.rendezvous);
        out
    }

    /// Parses exactly 64 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EventError> {
        crate::wire::decode_exact(bytes, |r| {
            Ok(PairingQr {
                secret: SecretSeed::from_bytes(r.array()?),
                rendezvous: r.array()?,
            })
        })
    }

    /// `k_pair` (`spec/events.md §5.2`).
    pub fn pairing_key(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(hmac(
            self.secret.as_bytes(),
            &[labels::PAIRING_KEY.bytes, &self.rendezvous],
        ))
    }

    /// `h_qr` (`spec/events.md §5.2`).
    pub fn transcript_hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(labels::PAIRING_TRANSCRIPT.bytes);
        h.update(self.secret.as_bytes());
        h.update(self.rendezvous);
        h.finalize().into()
    }
}

/// A trusted contact (`spec/events.md §5`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// Permanent identity public key.
    pub identity: [u8; 32],
    /// Address to dial them at.
    pub address: [u8; 32],
    /// Fingerprint of the identity.
    pub fingerprint: [u8; 32],
    /// Last accepted sequence number.
    pub last_seq: u64,
    /// Last status received: (status, hops, since).
    pub status: Option<(Status, u8, u64)>,
}

/// What both sides of a run derive from the QR and their own hello (`spec/events.md §5.2`).
#[derive(Clone)]
struct Run {
    k_pair: Zeroizing<[u8; 32]>,
    h_qr: [u8; 32],
    identity: [u8; 32],
    own_hello: Vec<u8>,
}

impl Run {
    fn new(
        role: Role,
        qr: &PairingQr,
        identity: &IdentityKey,
        address: [u8; 32],
        nonce: [u8; 32],
    ) -> Self {
        let k_pair = qr.pairing_key();
        let h_qr = qr.transcript_hash();
        let id = identity.public();
        let r = [role as u8];
        let sig = identity.sign(labels::PAIRING_HELLO, &[&h_qr, &r, &id, &address, &nonce]);
        let mac = hmac(
            k_pair.as_slice(),
            &[labels::PAIRING_MAC.bytes, &r, &id, &address, &nonce, &sig],
        );
        let own_hello = PairingHello {
            role: role as u8,
            identity: id,
            address,
            nonce,
            sig,
            mac,
        }
        .encode();
        Run {
            k_pair,
            h_qr,
            identity: id,
            own_hello,
        }
    }

    /// Checks a peer hello after its decoding (`spec/events.md §5.4`, checks 3-6).
    fn check_hello(&self, h: &PairingHello, own_role: Role) -> Result<(), EventError> {
        if h.role == own_role as u8 {
            return Err(EventError::PairingRole);
        }
        let r = [h.role];
        hmac_verify(
            self.k_pair.as_slice(),
            &[
                labels::PAIRING_MAC.bytes,
                &r,
                &h.identity,
                &h.address,
                &h.nonce,
                &h.sig,
            ],
            &h.mac,
        )?;
        verify(
            &h.identity,
            labels::PAIRING_HELLO,
            &[&self.h_qr, &r, &h.identity, &h.address, &h.nonce],
            &h.sig,
            EventError::BadIdentitySig,
        )?;
        if h.identity == self.identity {
            return Err(EventError::PairingSelf);
        }
        Ok(())
    }

    /// `t = SHA256(hello_initiator) || SHA256(hello_joiner)` (`spec/events.md §5.5`).
    fn transcript(hello_initiator: &[u8], hello_joiner: &[u8]) -> [u8; 64] {
        let mut t = [0u8; 64];
        let (a, b) = t.split_at_mut(32);
        a.copy_from_slice(&Sha256::digest(hello_initiator));
        b.copy_from_slice(&Sha256::digest(hello_joiner));
        t
    }

    fn confirm(&self, role: Role, t: &[u8; 64]) -> Vec<u8> {
        let r = [role as u8];
        PairingConfirm {
            role: role as u8,
            confirm: hmac(
                self.k_pair.as_slice(),
                &[labels::PAIRING_CONFIRM.bytes, &r, t],
            ),
        }
        .encode()
    }

    /// Checks the peer's PairingConfirm and derives the code (`spec/events.md §5.5`).
    fn finish(
        &self,
        c: &PairingConfirm,
        own_role: Role,
        t: &[u8; 64],
        peer: &PairingHello,
    ) -> Result<(Contact, u32), EventError> {
        if c.role == own_role as u8 {
            return Err(EventError::PairingRole);
        }
        hmac_verify(
            self.k_pair.as_slice(),
            &[labels::PAIRING_CONFIRM.bytes, &[c.role], t],
            &c.confirm,
        )?;
        let sas_mac = hmac(self.k_pair.as_slice(), &[labels::PAIRING_SAS.bytes, t]);
        let sas = u32::from_be_bytes([sas_mac[0], sas_mac[1], sas_mac[2], sas_mac[3]]) % 1_000_000;
        Ok((
            Contact {
                identity: peer.identity,
                address: peer.address,
                fingerprint: fingerprint(&peer.identity),
                last_seq: 0,
                status: None,
            },
            sas,
        ))
    }
}

/// `SHA256(PAIRING_COMMIT || hello_joiner)` (`spec/events.md §5.3`).
fn commitment(hello_joiner: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(labels::PAIRING_COMMIT.bytes);
    h.update(hello_joiner);
    h.finalize().into()
}

#[derive(Clone)]
enum JoinerState {
    /// Commit sent; waiting for the initiator's hello.
    Committed,
    /// Own hello and confirm sent; waiting for the initiator's confirm.
    Opened {
        peer: alloc::boxed::Box<PairingHello>,
        t: [u8; 64],
    },
    /// Finished: the value is spent.
    Done,
}

/// The joiner's side of a pairing run: the person who scanned the QR (`spec/events.md §5.1`).
///
/// The joiner commits to its hello first ([`Joiner::start`]), learns the initiator's hello, then
/// opens its commitment ([`Joiner::receive_hello`]). A refused message changes nothing; every
/// method is usable once, in order (`EVENT_PAIRING_STATE` otherwise).
#[derive(Clone)]
pub struct Joiner {
    run: Run,
    state: JoinerState,
}

impl core::fmt::Debug for Joiner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Joiner")
            .field("identity", &self.run.identity)
            .finish_non_exhaustive()
    }
}

impl Joiner {
    /// Starts a run from a scanned QR: returns the joiner and its PairingCommit bytes. `nonce`
    /// MUST be 32 fresh random bytes, never used in another run.
    pub fn start(
        qr: &PairingQr,
        identity: &IdentityKey,
        address: [u8; 32],
        nonce: [u8; 32],
    ) -> (Self, Vec<u8>) {
        let run = Run::new(Role::Joiner, qr, identity, address, nonce);
        let c = commitment(&run.own_hello);
        let commit = PairingCommit {
            commitment: c,
            mac: hmac(run.k_pair.as_slice(), &[labels::PAIRING_COMMIT.bytes, &c]),
        }
        .encode();
        (
            Joiner {
                run,
                state: JoinerState::Committed,
            },
            commit,
        )
    }

    /// Checks the initiator's PairingHello (`spec/events.md §5.4`) and returns this side's
    /// PairingHello (the opening of the commitment) and PairingConfirm, to send in that order.
    pub fn receive_hello(&mut self, bytes: &[u8]) -> Result<(Vec<u8>, Vec<u8>), EventError> {
        let h = PairingHello::decode(bytes)?;
        if !matches!(self.state, JoinerState::Committed) {
            return Err(EventError::PairingState);
        }
        self.run.check_hello(&h, Role::Joiner)?;
        let t = Run::transcript(bytes, &self.run.own_hello);
        let confirm = self.run.confirm(Role::Joiner, &t);
        self.state = JoinerState::Opened {
            peer: alloc::boxed::Box::new(h),
            t,
        };
        Ok((self.run.own_hello.clone(), confirm))
    }

    /// Checks the initiator's PairingConfirm (`spec/events.md §5.5`); returns the contact and the
    /// six-digit code to show beside the peer's profile before trusting it.
    pub fn finish(&mut self, bytes: &[u8]) -> Result<(Contact, u32), EventError> {
        let c = PairingConfirm::decode(bytes)?;
        let JoinerState::Opened { peer, t } = &self.state else {
            return Err(EventError::PairingState);
        };
        let out = self.run.finish(&c, Role::Joiner, t, peer)?;
        self.state = JoinerState::Done;
        Ok(out)
    }
}

#[derive(Clone)]
enum InitiatorState {
    /// Showing the QR; no session yet.
    Waiting,
    /// A commit was accepted and this side's hello sent; waiting for the opening.
    Committed { commitment: [u8; 32] },
    /// The opening checked and this side's confirm sent; waiting for the joiner's confirm.
    Opened {
        peer: alloc::boxed::Box<PairingHello>,
        t: [u8; 64],
    },
    /// Finished: the value is spent.
    Done,
}

/// The initiator's side of a pairing run: the device that shows the QR (`spec/events.md §5.1`).
///
/// It runs at most one session per QR (`spec/events.md §5.3`): the first commit with a valid MAC
/// opens it, every later one is refused with `EVENT_PAIRING_BUSY`. A refused message changes
/// nothing.
#[derive(Clone)]
pub struct Initiator {
    run: Run,
    state: InitiatorState,
}

impl core::fmt::Debug for Initiator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Initiator")
            .field("identity", &self.run.identity)
            .field("sessions", &self.sessions())
            .finish_non_exhaustive()
    }
}

impl Initiator {
    /// The largest number of sessions an initiator holds for its QR (`spec/events.md §11`).
    pub const MAX_SESSIONS: usize = 1;

    /// Shows a QR: the initiator waits for a commit. `nonce` MUST be 32 fresh random bytes,
    /// never used in another run.
    pub fn new(qr: &PairingQr, identity: &IdentityKey, address: [u8; 32], nonce: [u8; 32]) -> Self {
        Initiator {
            run: Run::new(Role::Initiator, qr, identity, address, nonce),
            state: InitiatorState::Waiting,
        }
    }

    /// Sessions held for this QR: 0 before the first accepted commit, else 1.
    pub fn sessions(&self) -> usize {
        usize::from(!matches!(self.state, InitiatorState::Waiting))
    }

    /// Checks a PairingCommit (`spec/events.md §5.3`) and returns this side's PairingHello.
    pub fn receive_commit(&mut self, bytes: &[u8]) -> Result<Vec<u8>, EventError> {
        let c = PairingCommit::decode(bytes)?;
        hmac_verify(
            self.run.k_pair.as_slice(),
            &[labels::PAIRING_COMMIT.bytes, &c.commitment],
            &c.mac,
        )?;
        if !matches!(self.state, InitiatorState::Waiting) {
            return Err(EventError::PairingBusy);
        }
        self.state = InitiatorState::Committed {
            commitment: c.commitment,
        };
        Ok(self.run.own_hello.clone())
    }

    /// Checks the joiner's PairingHello against its commitment (`spec/events.md §5.4`) and
    /// returns this side's PairingConfirm.
    pub fn receive_hello(&mut self, bytes: &[u8]) -> Result<Vec<u8>, EventError> {
        let h = PairingHello::decode(bytes)?;
        let InitiatorState::Committed { commitment: c } = &self.state else {
            return Err(EventError::PairingState);
        };
        // Constant time is not needed: the commitment is public.
        if commitment(bytes) != *c {
            return Err(EventError::BadCommitment);
        }
        self.run.check_hello(&h, Role::Initiator)?;
        let t = Run::transcript(&self.run.own_hello, bytes);
        let confirm = self.run.confirm(Role::Initiator, &t);
        self.state = InitiatorState::Opened {
            peer: alloc::boxed::Box::new(h),
            t,
        };
        Ok(confirm)
    }

    /// Checks the joiner's PairingConfirm (`spec/events.md §5.5`); returns the contact and the
    /// six-digit code to show beside the peer's profile before trusting it.
    pub fn finish(&mut self, bytes: &[u8]) -> Result<(Contact, u32), EventError> {
        let c = PairingConfirm::decode(bytes)?;
        let InitiatorState::Opened { peer, t } = &self.state else {
            return Err(EventError::PairingState);
        };
        let out = self.run.finish(&c, Role::Initiator, t, peer)?;
        self.state = InitiatorState::Done;
        Ok(out)
    }
}

/// Builder for a signed ContactUpdate (`spec/events.md §5.6`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactUpdate {
    /// Sequence number, strictly increasing per recipient.
    pub seq: u64,
    /// Send time.
    pub time: u64,
    /// Status.
    pub status: Status,
    /// Hops.
    pub hops: u8,
    /// Since.
    pub since: u64,
    /// The address the recipient should dial from now on.
    pub address: [u8; 32],
}

impl ContactUpdate {
    /// Signs the update for `recipient` with the sender's permanent key.
    pub fn sign(&self, sender: &IdentityKey, recipient: &[u8; 32]) -> Vec<u8> {
        let mut msg = ContactUpdateMsg {
            identity: sender.public(),
            seq: self.seq,
            time: self.time,
            status: self.status,
            hops: self.hops,
            since: self.since,
            address: self.address,
            sig: [0; 64],
        };
        msg.sig = sender.sign(labels::CONTACT_UPDATE, &[recipient, &msg.body()]);
        msg.encode()
    }
}

/// The trusted contacts of one user, receiving ContactUpdates (`spec/events.md §5.6`).
#[derive(Clone, Debug)]
pub struct ContactBook {
    own: [u8; 32],
    contacts: BTreeMap<[u8; 32], Contact>,
    max_contacts: usize,
}

impl ContactBook {
    /// Default bound on the number of contacts (`spec/events.md §11`, Bounded state).
    pub const DEFAULT_MAX_CONTACTS: usize = 5_000;

    /// An empty book for the user with permanent public key `own`.
    pub fn new(own: [u8; 32]) -> Self {
        ContactBook {
            own,
            contacts: BTreeMap::new(),
            max_contacts: Self::DEFAULT_MAX_CONTACTS,
        }
    }

    /// Changes the bound on the number of contacts (existing contacts are kept).
    pub fn set_max_contacts(&mut self, max: usize) {
        self.max_contacts = max;
    }

    /// The bound on the number of contacts.
    pub fn max_contacts(&self) -> usize {
        self.max_contacts
    }

    /// Number of trusted contacts.
    pub fn len(&self) -> usize {
        self.contacts.len()
    }

    /// True when the book holds no contact.
    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty()
    }

    /// Trusts a contact (after the user confirmed the pairing code and profile). Trusting a
    /// known identity again replaces its record but keeps the larger `last_seq`, so its old
    /// updates cannot be replayed; a new identity beyond the bound fails with `EVENT_TABLE_FULL`.
    pub fn trust(&mut self, mut contact: Contact) -> Result<(), EventError> {
        match self.contacts.get(&contact.identity) {
            Some(old) => contact.last_seq = contact.last_seq.max(old.last_seq),
            None if self.contacts.len() >= self.max_contacts => return Err(EventError::TableFull),
            None => {}
        }
        self.contacts.insert(contact.identity, contact);
        Ok(())
    }

    /// Removes a contact; the caller must then retire its address (`spec/events.md §5.6`).
    pub fn untrust(&mut self, identity: &[u8; 32]) -> Option<Contact> {
        self.contacts.remove(identity)
    }

    /// A contact by identity.
    pub fn get(&self, identity: &[u8; 32]) -> Option<&Contact> {
        self.contacts.get(identity)
    }

    /// Processes a ContactUpdate at `now` (`spec/events.md §5.6`). A refused update changes
    /// nothing.
    pub fn receive(&mut self, bytes: &[u8], now: u64) -> Result<&Contact, EventError> {
        let m = ContactUpdateMsg::decode(bytes)?;
        if m.since > m.time || m.time > now.saturating_add(MAX_SKEW) {
            return Err(EventError::TimeInvalid);
        }
        let c = self
            .contacts
            .get_mut(&m.identity)
            .ok_or(EventError::ContactUnknown)?;
        verify(
            &m.identity,
            labels::CONTACT_UPDATE,
            &[&self.own, &m.body()],
            &m.sig,
            EventError::BadIdentitySig,
        )?;
        if m.seq <= c.last_seq {
            return Err(EventError::Replay);
        }
        c.last_seq = m.seq;
        c.address = m.address;
        c.status = Some((m.status, m.hops, m.since));
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qr(secret: u8) -> PairingQr {
        PairingQr {
            secret: SecretSeed::from_bytes([secret; 32]),
            rendezvous: [8; 32],
        }
    }

    fn key(i: u8) -> IdentityKey {
        IdentityKey::from_seed(&SecretSeed::from_bytes([i; 32]))
    }

    /// The honest run of `spec/events.md §5.1`: commit, hello, opening + confirm, confirm.
    fn run(q: &PairingQr) -> (Initiator, Joiner, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
        let mut i = Initiator::new(q, &key(1), [3; 32], [0x11; 32]);
        let scanned = PairingQr::from_bytes(q.to_bytes().as_slice()).unwrap();
        let (j, commit) = Joiner::start(&scanned, &key(2), [4; 32], [0x22; 32]);
        let hello_i = i.receive_commit(&commit).unwrap();
        (i, j, commit, hello_i, Vec::new(), Vec::new())
    }

    #[test]
    fn pairing_round_trip_and_update() {
        let q = qr(9);
        let (mut i, mut j, commit, hello_i, _, _) = run(&q);
        assert_eq!(commit.len(), PairingCommit::LEN);
        assert_eq!(hello_i.len(), PairingHello::LEN);
        let (hello_j, confirm_j) = j.receive_hello(&hello_i).unwrap();
        let confirm_i = i.receive_hello(&hello_j).unwrap();
        let (alice_contact, sas_j) = j.finish(&confirm_i).unwrap();
        let (bob_contact, sas_i) = i.finish(&confirm_j).unwrap();
        assert_eq!(sas_i, sas_j);
        assert_eq!(bob_contact.identity, key(2).public());
        assert_eq!(alice_contact.address, [3; 32]);
        // Spent: every further call is out of order.
        assert_eq!(i.finish(&confirm_j), Err(EventError::PairingState));
        assert_eq!(j.finish(&confirm_i), Err(EventError::PairingState));
        // Status updates are ordered and bound to the recipient.
        let alice = key(1);
        let bob = key(2);
        let mut book = ContactBook::new(alice.public());
        book.trust(bob_contact).unwrap();
        let up = ContactUpdate {
            seq: 1,
            time: 100,
            status: Status::Suspected,
            hops: 0,
            since: 50,
            address: [5; 32],
        };
        let bytes = up.sign(&bob, &alice.public());
        assert_eq!(book.receive(&bytes, 100).unwrap().address, [5; 32]);
        assert_eq!(book.receive(&bytes, 100), Err(EventError::Replay));
        let wrong = up.sign(&bob, &[0x11; 32]);
        assert_eq!(book.receive(&wrong, 100), Err(EventError::BadIdentitySig));
    }

    #[test]
    fn one_session_per_qr_and_refusals_change_nothing() {
        let q = qr(9);
        let (mut i, mut j, commit, hello_i, _, _) = run(&q);
        assert_eq!(i.sessions(), 1);
        // A second commit, even with a valid MAC, is refused; without the secret it is a bad MAC.
        let (_, commit2) = Joiner::start(&q, &key(5), [6; 32], [0x55; 32]);
        assert_eq!(i.receive_commit(&commit2), Err(EventError::PairingBusy));
        let (_, forged) = Joiner::start(&qr(7), &key(5), [6; 32], [0x55; 32]);
        assert_eq!(i.receive_commit(&forged), Err(EventError::BadMac));
        assert_eq!(i.receive_commit(&commit), Err(EventError::PairingBusy));
        // An opening that is not the committed hello is refused, and the real one still works.
        let (mut other, _) = Joiner::start(&q, &key(2), [4; 32], [0x23; 32]);
        let (other_hello, _) = other.receive_hello(&hello_i).unwrap();
        assert_eq!(
            i.receive_hello(&other_hello),
            Err(EventError::BadCommitment)
        );
        let (hello_j, confirm_j) = j.receive_hello(&hello_i).unwrap();
        assert_eq!(j.receive_hello(&hello_i), Err(EventError::PairingState));
        let confirm_i = i.receive_hello(&hello_j).unwrap();
        let mut bad = confirm_j.clone();
        bad[5] ^= 1;
        assert_eq!(i.finish(&bad), Err(EventError::BadMac));
        assert!(i.finish(&confirm_j).is_ok());
        assert!(j.finish(&confirm_i).is_ok());
    }
}
