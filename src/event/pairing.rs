//! Contact pairing in person and signed status/address updates between contacts
//! (`spec/events.md §5`).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::identity::{fingerprint, verify, IdentityKey, SecretSeed};
use super::messages::{ContactUpdateMsg, PairingConfirm, PairingHello};
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

/// One side of a pairing run (`spec/events.md §5.3`, §5.4).
pub struct Pairing {
    role: Role,
    k_pair: Zeroizing<[u8; 32]>,
    h_qr: [u8; 32],
    identity: [u8; 32],
    own_hello: Vec<u8>,
    peer_hello: Option<(PairingHello, Vec<u8>)>,
}

impl core::fmt::Debug for Pairing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pairing")
            .field("role", &self.role)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Pairing {
    /// Starts a pairing run and returns it with this side's PairingHello bytes.
    pub fn start(
        role: Role,
        qr: &PairingQr,
        identity: &IdentityKey,
        address: [u8; 32],
    ) -> (Self, Vec<u8>) {
        let k_pair = qr.pairing_key();
        let h_qr = qr.transcript_hash();
        let id = identity.public();
        let r = [role as u8];
        let sig = identity.sign(labels::PAIRING_HELLO, &[&h_qr, &r, &id, &address]);
        let mac = hmac(
            k_pair.as_slice(),
            &[labels::PAIRING_MAC.bytes, &r, &id, &address, &sig],
        );
        let hello = PairingHello {
            role: role as u8,
            identity: id,
            address,
            sig,
            mac,
        }
        .encode();
        let p = Pairing {
            role,
            k_pair,
            h_qr,
            identity: id,
            own_hello: hello.clone(),
            peer_hello: None,
        };
        (p, hello)
    }

    fn transcript(&self) -> Result<[u8; 64], EventError> {
        let (_, peer) = self.peer_hello.as_ref().ok_or(EventError::PairingState)?;
        let (first, second) = match self.role {
            Role::Initiator => (&self.own_hello, peer),
            Role::Joiner => (peer, &self.own_hello),
        };
        let mut t = [0u8; 64];
        let (a, b) = t.split_at_mut(32);
        a.copy_from_slice(&Sha256::digest(first));
        b.copy_from_slice(&Sha256::digest(second));
        Ok(t)
    }

    /// Checks the peer's PairingHello (`spec/events.md §5.3`) and returns this side's
    /// PairingConfirm bytes.
    pub fn receive_hello(&mut self, bytes: &[u8]) -> Result<Vec<u8>, EventError> {
        if self.peer_hello.is_some() {
            return Err(EventError::PairingState);
        }
        let h = PairingHello::decode(bytes)?;
        if h.role == self.role as u8 {
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
                &h.sig,
            ],
            &h.mac,
        )?;
        verify(
            &h.identity,
            labels::PAIRING_HELLO,
            &[&self.h_qr, &r, &h.identity, &h.address],
            &h.sig,
            EventError::BadIdentitySig,
        )?;
        if h.identity == self.identity {
            return Err(EventError::PairingSelf);
        }
        self.peer_hello = Some((h, bytes.to_vec()));
        let t = self.transcript()?;
        let role = [self.role as u8];
        let confirm = hmac(
            self.k_pair.as_slice(),
            &[labels::PAIRING_CONFIRM.bytes, &role, &t],
        );
        Ok(PairingConfirm {
            role: self.role as u8,
            confirm,
        }
        .encode())
    }

    /// Checks the peer's PairingConfirm (`spec/events.md §5.4`); returns the contact and the
    /// six-digit confirmation code to show beside the peer's profile before trusting it.
    pub fn finish(self, bytes: &[u8]) -> Result<(Contact, u32), EventError> {
        let c = PairingConfirm::decode(bytes)?;
        let t = self.transcript()?;
        if c.role == self.role as u8 {
            return Err(EventError::PairingRole);
        }
        hmac_verify(
            self.k_pair.as_slice(),
            &[labels::PAIRING_CONFIRM.bytes, &[c.role], &t],
            &c.confirm,
        )?;
        let sas_mac = hmac(self.k_pair.as_slice(), &[labels::PAIRING_SAS.bytes, &t]);
        let sas = u32::from_be_bytes([sas_mac[0], sas_mac[1], sas_mac[2], sas_mac[3]]) % 1_000_000;
        let (h, _) = self.peer_hello.ok_or(EventError::PairingState)?;
        Ok((
            Contact {
                identity: h.identity,
                address: h.address,
                fingerprint: fingerprint(&h.identity),
                last_seq: 0,
                status: None,
            },
            sas,
        ))
    }
}

/// Builder for a signed ContactUpdate (`spec/events.md §5.5`).
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

/// The trusted contacts of one user, receiving ContactUpdates (`spec/events.md §5.5`).
#[derive(Clone, Debug)]
pub struct ContactBook {
    own: [u8; 32],
    contacts: BTreeMap<[u8; 32], Contact>,
}

impl ContactBook {
    /// An empty book for the user with permanent public key `own`.
    pub fn new(own: [u8; 32]) -> Self {
        ContactBook {
            own,
            contacts: BTreeMap::new(),
        }
    }

    /// Trusts a contact (after the user confirmed the pairing code and profile).
    pub fn trust(&mut self, contact: Contact) {
        self.contacts.insert(contact.identity, contact);
    }

    /// Removes a contact; the caller must then rotate its address (`spec/events.md §5.5`).
    pub fn untrust(&mut self, identity: &[u8; 32]) -> Option<Contact> {
        self.contacts.remove(identity)
    }

    /// A contact by identity.
    pub fn get(&self, identity: &[u8; 32]) -> Option<&Contact> {
        self.contacts.get(identity)
    }

    /// Processes a ContactUpdate at `now` (`spec/events.md §5.5`).
    pub fn receive(&mut self, bytes: &[u8], now: u64) -> Result<&Contact, EventError> {
        let m = ContactUpdateMsg::decode(bytes)?;
        if m.since > m.time || m.time > now.saturating_add(MAX_SKEW) {
            return Err(EventError::TimeInvalid);
        }
        let last = self
            .contacts
            .get(&m.identity)
            .ok_or(EventError::ContactUnknown)?
            .last_seq;
        verify(
            &m.identity,
            labels::CONTACT_UPDATE,
            &[&self.own, &m.body()],
            &m.sig,
            EventError::BadIdentitySig,
        )?;
        if m.seq <= last {
            return Err(EventError::Replay);
        }
        let c = self
            .contacts
            .get_mut(&m.identity)
            .ok_or(EventError::ContactUnknown)?;
        c.last_seq = m.seq;
        c.address = m.address;
        c.status = Some((m.status, m.hops, m.since));
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_round_trip_and_update() {
        let qr = PairingQr {
            secret: SecretSeed::from_bytes([9; 32]),
            rendezvous: [8; 32],
        };
        let alice = IdentityKey::from_seed(&SecretSeed::from_bytes([1; 32]));
        let bob = IdentityKey::from_seed(&SecretSeed::from_bytes([2; 32]));
        let scanned = PairingQr::from_bytes(qr.to_bytes().as_slice()).unwrap();
        let (mut a, ha) = Pairing::start(Role::Initiator, &qr, &alice, [3; 32]);
        let (mut b, hb) = Pairing::start(Role::Joiner, &scanned, &bob, [4; 32]);
        let ca = a.receive_hello(&hb).unwrap();
        let cb = b.receive_hello(&ha).unwrap();
        let (bob_contact, sas_a) = a.finish(&cb).unwrap();
        let (alice_contact, sas_b) = b.finish(&ca).unwrap();
        assert_eq!(sas_a, sas_b);
        assert_eq!(bob_contact.identity, bob.public());
        assert_eq!(alice_contact.address, [3; 32]);
        // A hello with a wrong QR secret fails the MAC.
        let other = PairingQr {
            secret: SecretSeed::from_bytes([7; 32]),
            rendezvous: [8; 32],
        };
        let (mut c, _) = Pairing::start(Role::Initiator, &other, &alice, [3; 32]);
        assert_eq!(c.receive_hello(&hb), Err(EventError::BadMac));
        // Status updates are ordered and bound to the recipient.
        let mut book = ContactBook::new(alice.public());
        book.trust(bob_contact);
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
}
