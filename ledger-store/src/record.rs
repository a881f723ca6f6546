//! The record framing of a log segment (docs/FORMAT.md, "Store format 3").
//!
//! ```text
//! segment = header ‖ record*
//! header  = "SLSTORE3" ‖ first entry u64 LE                       (16 bytes)
//! record  = kind u8 ‖ length u32 LE ‖ crc u32 LE ‖ payload[length]
//! kind    = 'E' (an entry: canonical SequencedEntry bytes)
//!         | 'C' (a commit: the signed checkpoint note of the tree so far)
//! crc     = CRC-32 (IEEE) of kind ‖ position u64 LE ‖ length u32 LE ‖ payload
//! position = the entry's sequence number ('E'), the entry count after the
//!            commit ('C')
//! ```
//!
//! Why the position is in the checksum but not in the record: a record
//! copied, moved or replayed to another place fails its check, at no cost
//! in bytes. Why a commit record: a group commit is the entries *and* the
//! checkpoint that covers them, written with one `fdatasync`; after a power
//! cut, entries not followed by their commit record were never acknowledged
//! and are dropped as a torn tail, so a commit is all or nothing.

/// The magic at the start of every segment; its last byte is the format.
pub const SEGMENT_MAGIC: &[u8; 8] = b"SLSTORE3";
/// Bytes of a segment header.
pub const SEGMENT_HEADER_BYTES: u64 = 16;
/// Bytes of a record header (kind, length, crc).
pub const RECORD_HEADER_BYTES: u64 = 9;
/// The largest payload a record may carry. Entries are at most 65,535 bytes
/// (they must fit a tlog-tiles bundle) and checkpoints a few hundred; the
/// bound keeps a damaged length from asking for gigabytes.
pub const MAX_PAYLOAD_BYTES: u32 = 1 << 20;

/// What a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A sequenced entry.
    Entry,
    /// The end of a group commit: the checkpoint over every entry so far.
    Commit,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Kind::Entry => b'E',
            Kind::Commit => b'C',
        }
    }

    fn from_byte(byte: u8) -> Option<Kind> {
        match byte {
            b'E' => Some(Kind::Entry),
            b'C' => Some(Kind::Commit),
            _ => None,
        }
    }
}

/// The checksum of a record at `position`.
pub fn checksum(kind: Kind, position: u64, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[kind.byte()]);
    hasher.update(&position.to_le_bytes());
    hasher.update(&(payload.len() as u32).to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

/// Append one framed record to `out`. The payload must be at most
/// [`MAX_PAYLOAD_BYTES`] (the caller checks, with a named error).
pub fn encode(kind: Kind, position: u64, payload: &[u8], out: &mut Vec<u8>) {
    debug_assert!(payload.len() as u64 <= u64::from(MAX_PAYLOAD_BYTES));
    out.push(kind.byte());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(kind, position, payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// The header of a segment whose first entry is `first`.
pub fn segment_header(first: u64) -> [u8; SEGMENT_HEADER_BYTES as usize] {
    let mut header = [0u8; SEGMENT_HEADER_BYTES as usize];
    header[..8].copy_from_slice(SEGMENT_MAGIC);
    header[8..].copy_from_slice(&first.to_le_bytes());
    header
}

/// A record header as read, before its payload is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// What the record holds.
    pub kind: Kind,
    /// Payload bytes.
    pub length: u32,
    /// The stored checksum.
    pub crc: u32,
}

/// Why a record cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bad {
    /// The file ends inside the record.
    Truncated,
    /// The kind byte is neither 'E' nor 'C' (zeros: space the file system
    /// allocated but never wrote, as after a power cut).
    UnknownKind(u8),
    /// The length is over [`MAX_PAYLOAD_BYTES`].
    Oversized(u32),
    /// The checksum does not match: flipped bits, a torn write, or a record
    /// written for another position.
    Checksum,
}

impl std::fmt::Display for Bad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bad::Truncated => write!(f, "the file ends inside the record"),
            Bad::UnknownKind(byte) => write!(f, "an unknown record kind {byte:#04x}"),
            Bad::Oversized(length) => write!(f, "a record length of {length} bytes, over {MAX_PAYLOAD_BYTES}"),
            Bad::Checksum => write!(f, "a checksum mismatch"),
        }
    }
}

/// Parse a record header.
pub fn parse_header(bytes: &[u8; RECORD_HEADER_BYTES as usize]) -> Result<Header, Bad> {
    let kind = Kind::from_byte(bytes[0]).ok_or(Bad::UnknownKind(bytes[0]))?;
    let length = u32::from_le_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    if length > MAX_PAYLOAD_BYTES {
        return Err(Bad::Oversized(length));
    }
    let crc = u32::from_le_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]);
    Ok(Header { kind, length, crc })
}

/// Check a payload against its header at `position`.
pub fn check(header: &Header, position: u64, payload: &[u8]) -> Result<(), Bad> {
    if checksum(header.kind, position, payload) == header.crc {
        Ok(())
    } else {
        Err(Bad::Checksum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(kind: Kind, position: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode(kind, position, payload, &mut out);
        out
    }

    fn read(bytes: &[u8], position: u64) -> Result<(Kind, Vec<u8>), Bad> {
        let head: [u8; 9] = bytes.get(..9).and_then(|h| h.try_into().ok()).ok_or(Bad::Truncated)?;
        let header = parse_header(&head)?;
        let payload = bytes.get(9..9 + header.length as usize).ok_or(Bad::Truncated)?;
        check(&header, position, payload)?;
        Ok((header.kind, payload.to_vec()))
    }

    #[test]
    fn a_record_round_trips_with_its_exact_bytes() {
        let bytes = framed(Kind::Entry, 7, b"abc");
        assert_eq!(&bytes[..5], &[b'E', 3, 0, 0, 0]);
        assert_eq!(bytes.len(), 9 + 3);
        assert_eq!(read(&bytes, 7), Ok((Kind::Entry, b"abc".to_vec())));
        assert_eq!(read(&framed(Kind::Commit, 8, b""), 8), Ok((Kind::Commit, Vec::new())));
        assert_eq!(segment_header(0x0102), *b"SLSTORE3\x02\x01\0\0\0\0\0\0");
    }

    #[test]
    fn every_damage_is_caught() {
        let bytes = framed(Kind::Entry, 7, b"abc");
        // Read at another position: the record was moved.
        assert_eq!(read(&bytes, 8), Err(Bad::Checksum));
        // Every single flipped bit of the record is caught.
        for at in 0..bytes.len() {
            for bit in 0..8 {
                let mut damaged = bytes.clone();
                damaged[at] ^= 1 << bit;
                assert!(read(&damaged, 7).is_err(), "bit {bit} of byte {at}");
            }
        }
        // Cut anywhere.
        for end in 0..bytes.len() {
            assert!(read(&bytes[..end], 7).is_err(), "cut at {end}");
        }
        assert_eq!(read(&[0u8; 12], 0), Err(Bad::UnknownKind(0)));
        let mut huge = bytes.clone();
        huge[1..5].copy_from_slice(&(MAX_PAYLOAD_BYTES + 1).to_le_bytes());
        assert_eq!(read(&huge, 7), Err(Bad::Oversized(MAX_PAYLOAD_BYTES + 1)));
    }
}
