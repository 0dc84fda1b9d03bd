//! Packet geometry for `r` hops and payload padding (`spec/mix.md §2`, `§5.2`).

use super::MixError;

/// Length of the final routing block `0xFF | FLAGS | MAILBOX` (`spec/mix.md §2.2`).
pub const FINAL_BLOCK_LEN: usize = 38;
/// Bytes each hop adds to the Address: `NEXT | KS' | gamma'` (`spec/mix.md §2.2`).
pub const PER_HOP_LEN: usize = 18;
/// Length of the header MAC `gamma`.
pub const MAC_LEN: usize = 16;
/// Length of an X25519 group element `alpha`.
pub const ALPHA_LEN: usize = 32;
/// Length of a mailbox address (`spec/mix.md §2.2`).
pub const MAILBOX_LEN: usize = 36;
/// Number of distinct key-select values in use: one per day of a 60-day cycle (`spec/mix.md §8`).
pub const KEY_SELECT_COUNT: u8 = 60;
/// The `NEXT` value marking the final hop; entity numbers stop at 254.
pub const DELIVER_MARKER: u8 = 0xFF;

/// The sizes of a network with a fixed hop count `r`, `1 <= r <= 16` (`spec/mix.md §2`).
///
/// For `r = 4`: header 141, payload 239, packet 380, 238 usable payload bytes, SURB 174.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Geometry {
    hops: u8,
}

impl Geometry {
    /// The largest supported hop count.
    pub const MAX_HOPS: u8 = 16;
    /// The seed's reference network: 4 hops.
    pub const FOUR_HOPS: Geometry = Geometry { hops: 4 };

    /// A geometry for `hops` hops; fails with `MIX_BAD_HOP_COUNT` outside `1..=16`.
    pub const fn new(hops: u8) -> Result<Self, MixError> {
        if hops == 0 || hops > Self::MAX_HOPS {
            Err(MixError::BadHopCount)
        } else {
            Ok(Geometry { hops })
        }
    }

    /// The hop count `r`.
    pub const fn hops(self) -> usize {
        self.hops as usize
    }

    /// `L = 20 + 18r`, the length of `beta`.
    pub const fn beta_len(self) -> usize {
        20 + PER_HOP_LEN * self.hops()
    }

    /// The seed's Address: `gamma | beta`, `36 + 18r` bytes.
    pub const fn address_len(self) -> usize {
        MAC_LEN + self.beta_len()
    }

    /// `H = 1 + 32 + 36 + 18r`.
    pub const fn header_len(self) -> usize {
        1 + ALPHA_LEN + self.address_len()
    }

    /// `P = 98 + H`.
    pub const fn payload_len(self) -> usize {
        98 + self.header_len()
    }

    /// `M = H + P`, the length of every packet on the wire.
    pub const fn packet_len(self) -> usize {
        self.header_len() + self.payload_len()
    }

    /// `P - 1`: the longest message a packet or SURB reply carries.
    pub const fn max_message_len(self) -> usize {
        self.payload_len() - 1
    }

    /// `H + 1 + 32`: header, first hop, MessageKey (`spec/mix.md §6.1`).
    pub const fn surb_len(self) -> usize {
        self.header_len() + 1 + 32
    }

    /// `1 + 32r + 32`: the encoded client-side SURB secret (`spec/mix.md §6.3`).
    pub const fn surb_secret_len(self) -> usize {
        1 + 32 * self.hops() + 32
    }
}

/// Pads `message` into `out` (`spec/mix.md §5.2`, `MIX-PAD-1`): `m | 0x01 | 0...`.
///
/// `out` has the payload length; fails with `MIX_MESSAGE_TOO_LONG` if `message` does not fit.
pub fn pad_into(message: &[u8], out: &mut [u8]) -> Result<(), MixError> {
    if message.len() >= out.len() {
        return Err(MixError::MessageTooLong);
    }
    let (head, tail) = out.split_at_mut(message.len());
    head.copy_from_slice(message);
    tail.fill(0);
    if let Some(first) = tail.first_mut() {
        *first = 0x01;
    }
    Ok(())
}

/// Removes the padding of `spec/mix.md §5.2`: the last non-zero byte must be `0x01`.
///
/// Scans the whole buffer regardless of where the marker is. Fails with `MIX_BAD_PADDING`.
pub fn unpad(payload: &[u8]) -> Result<&[u8], MixError> {
    let mut last = None;
    for (i, b) in payload.iter().enumerate() {
        if *b != 0 {
            last = Some((i, *b));
        }
    }
    match last {
        Some((i, 0x01)) => payload.get(..i).ok_or(MixError::BadPadding),
        _ => Err(MixError::BadPadding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_geometry() {
        let g = Geometry::FOUR_HOPS;
        assert_eq!(g, Geometry::new(4).unwrap());
        assert_eq!(
            (
                g.header_len(),
                g.payload_len(),
                g.packet_len(),
                g.max_message_len()
            ),
            (141, 239, 380, 238)
        );
        assert_eq!(
            (g.address_len(), g.beta_len(), g.surb_len()),
            (108, 92, 174)
        );
        // The nym layer's Swap: key 32 + auth 32 + SURB 174 = 238.
        assert_eq!(32 + 32 + g.surb_len(), g.max_message_len());
        let g1 = Geometry::new(1).unwrap();
        assert_eq!(
            (g1.header_len(), g1.payload_len(), g1.packet_len()),
            (87, 185, 272)
        );
        let g5 = Geometry::new(5).unwrap();
        assert_eq!(
            (g5.header_len(), g5.payload_len(), g5.packet_len()),
            (159, 257, 416)
        );
        assert_eq!(Geometry::new(0), Err(MixError::BadHopCount));
        assert_eq!(Geometry::new(17), Err(MixError::BadHopCount));
        for r in 1..=16 {
            let g = Geometry::new(r).unwrap();
            // The final block exactly fills what the filler leaves (no random padding).
            assert_eq!(g.beta_len() - PER_HOP_LEN * (g.hops() - 1), FINAL_BLOCK_LEN);
        }
    }

    #[test]
    fn padding() {
        let mut buf = [0xAAu8; 10];
        pad_into(b"abc", &mut buf).unwrap();
        assert_eq!(&buf, b"abc\x01\0\0\0\0\0\0");
        assert_eq!(unpad(&buf).unwrap(), b"abc");
        pad_into(b"123456789", &mut buf).unwrap();
        assert_eq!(unpad(&buf).unwrap(), b"123456789");
        assert_eq!(pad_into(&[0; 10], &mut buf), Err(MixError::MessageTooLong));
        pad_into(b"", &mut buf).unwrap();
        assert_eq!(unpad(&buf).unwrap(), b"");
        assert_eq!(unpad(&[0; 5]), Err(MixError::BadPadding));
        assert_eq!(unpad(&[1, 2, 0]), Err(MixError::BadPadding));
        assert_eq!(unpad(&[0, 1, 0]).unwrap(), &[0u8][..]);
    }
}
