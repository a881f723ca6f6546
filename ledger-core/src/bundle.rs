//! The export bundle: a self-contained file an auditor verifies offline.
//!
//! ```text
//! magic   "SUNSHINE-LEDGER-BUNDLE/v1\n"                      (26 bytes)
//! header  u32 LE length ‖ postcard(BundleHeader)
//! entries entry_count × ( u32 LE length ‖ canonical SequencedEntry bytes )
//! ```
//!
//! The header comes first and names the checkpoint the entries are proved
//! against, so an exporter can stream entries as it downloads them and
//! resume an interrupted export by counting the complete records already
//! written. Nothing in the bundle is trusted: the verifier recomputes
//! everything from the entries and checks the checkpoint signature.

use crate::encoding::{self, DecodeError};
use serde::{Deserialize, Serialize};

/// File magic.
pub const BUNDLE_MAGIC: &[u8] = b"SUNSHINE-LEDGER-BUNDLE/v1\n";
/// Version tag of [`BundleHeader`].
pub const BUNDLE_VERSION: u8 = 3;
/// Largest header (a checkpoint with many cosignatures is a few KiB).
pub const MAX_HEADER_BYTES: usize = 1024 * 1024;
/// Most entries in one bundle (far above a district's lifetime of entries).
pub const MAX_BUNDLE_ENTRIES: u64 = 100_000_000;

/// What the bundle claims about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleHeader {
    /// [`BUNDLE_VERSION`].
    pub v: u8,
    /// The log's origin.
    pub origin: String,
    /// The log's verifier key (signed-note form), as the exporter saw it.
    pub log_vkey: String,
    /// The signed checkpoint (C2SP note text, with any cosignatures).
    pub checkpoint: String,
    /// Number of entries (= the checkpoint's size).
    pub entry_count: u64,
}

/// Why a bundle cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Wrong magic.
    #[error("not a Sunshine Ledger bundle (bad magic)")]
    BadMagic,
    /// Header undecodable.
    #[error("bundle header: {0}")]
    Header(DecodeError),
    /// Header too big or too many entries.
    #[error("bundle header is over its limits")]
    TooLarge,
    /// File ends early.
    #[error("bundle is truncated: {complete} of {expected} entries complete")]
    Truncated {
        /// Complete entries.
        complete: u64,
        /// Entries the header announces.
        expected: u64,
    },
    /// Bytes after the last entry.
    #[error("{0} unexpected bytes after the last entry")]
    TrailingBytes(usize),
}

/// Encode the magic and header.
pub fn encode_header(header: &BundleHeader) -> Vec<u8> {
    let body = encoding::encode(header);
    let mut out = Vec::with_capacity(BUNDLE_MAGIC.len() + 4 + body.len());
    out.extend_from_slice(BUNDLE_MAGIC);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// Encode one entry record.
pub fn encode_record(entry_bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + entry_bytes.len());
    out.extend_from_slice(&(entry_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(entry_bytes);
    out
}

/// A parsed bundle borrowing the file's bytes.
#[derive(Debug)]
pub struct BundleView<'a> {
    /// The header.
    pub header: BundleHeader,
    /// Each entry's canonical bytes, in order.
    pub entries: Vec<&'a [u8]>,
}

fn read_u32(bytes: &[u8], at: usize) -> Option<usize> {
    let slice = bytes.get(at..at.checked_add(4)?)?;
    let arr: [u8; 4] = slice.try_into().ok()?;
    Some(u32::from_le_bytes(arr) as usize)
}

/// Parse the header only; returns it and the offset of the first record.
pub fn parse_header(bytes: &[u8]) -> Result<(BundleHeader, usize), BundleError> {
    if !bytes.starts_with(BUNDLE_MAGIC) {
        return Err(BundleError::BadMagic);
    }
    let at = BUNDLE_MAGIC.len();
    let len = read_u32(bytes, at).ok_or(BundleError::Truncated {
        complete: 0,
        expected: 0,
    })?;
    if len > MAX_HEADER_BYTES {
        return Err(BundleError::TooLarge);
    }
    let body = bytes.get(at + 4..at + 4 + len).ok_or(BundleError::Truncated {
        complete: 0,
        expected: 0,
    })?;
    encoding::expect_leading_version(body, BUNDLE_VERSION).map_err(BundleError::Header)?;
    let header: BundleHeader = encoding::decode_canonical(body).map_err(BundleError::Header)?;
    encoding::expect_version(header.v, BUNDLE_VERSION).map_err(BundleError::Header)?;
    if header.entry_count > MAX_BUNDLE_ENTRIES {
        return Err(BundleError::TooLarge);
    }
    Ok((header, at + 4 + len))
}

/// Split the records after `offset`; returns the complete records and the
/// offset just after the last complete one (for resuming an export).
pub fn split_records(bytes: &[u8], mut offset: usize, max: u64) -> (Vec<&[u8]>, usize) {
    let mut records = Vec::new();
    while (records.len() as u64) < max {
        let Some(len) = read_u32(bytes, offset) else { break };
        if len > encoding::MAX_ENCODED_BYTES {
            break;
        }
        let Some(record) = bytes.get(offset + 4..offset + 4 + len) else {
            break;
        };
        records.push(record);
        offset += 4 + len;
    }
    (records, offset)
}

/// Parse a whole bundle: header, exactly `entry_count` records, no more bytes.
pub fn parse_bundle(bytes: &[u8]) -> Result<BundleView<'_>, BundleError> {
    let (header, offset) = parse_header(bytes)?;
    let (entries, end) = split_records(bytes, offset, header.entry_count);
    if (entries.len() as u64) < header.entry_count {
        return Err(BundleError::Truncated {
            complete: entries.len() as u64,
            expected: header.entry_count,
        });
    }
    if end != bytes.len() {
        return Err(BundleError::TrailingBytes(bytes.len() - end));
    }
    Ok(BundleView { header, entries })
}
