//! Segment files: their names, the folder lock, and the opening scan that
//! checks every record of a segment.

use super::*;

/// `flock` the folder itself (no lock file: opening writes nothing).
pub(super) fn lock_dir(dir: &Path, mode: OpenMode) -> Result<File, StoreError> {
    let handle = File::open(dir).map_err(|e| StoreError::io(format!("opening {}", dir.display()), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd as _;
        let operation = match mode {
            OpenMode::ReadWrite => libc::LOCK_EX,
            OpenMode::ReadOnly => libc::LOCK_SH,
        } | libc::LOCK_NB;
        // SAFETY: flock on a descriptor we own, which outlives the call.
        if unsafe { libc::flock(handle.as_raw_fd(), operation) } != 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::WouldBlock {
                return Err(StoreError::Locked(dir.to_path_buf()));
            }
            return Err(StoreError::io(format!("locking {}", dir.display()), error));
        }
    }
    Ok(handle)
}

pub(super) fn segment_name(first: u64) -> String {
    format!("log-{first:020}.seg")
}

pub(super) fn segment_first(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("log-")?.strip_suffix(".seg")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// What the scan of one segment found.
pub(super) struct Scan {
    pub(super) offsets: Vec<u32>,
    /// End of the last complete commit.
    pub(super) committed_end: u64,
    /// Entry count after it.
    pub(super) committed_count: u64,
    pub(super) checkpoint: Option<Vec<u8>>,
    /// Entry records after the last commit.
    pub(super) pending: u64,
    pub(super) file_bytes: u64,
    /// Where and why the scan stopped before the end of the file.
    pub(super) stop: Option<(u64, Bad)>,
}

pub(super) fn scan_segment(path: &Path, file: &File, first: u64) -> Result<Scan, StoreError> {
    let file_bytes = file
        .metadata()
        .map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?
        .len();
    let mut reader = BufReader::with_capacity(SCAN_BUFFER_BYTES, file);
    let mut scan = Scan {
        offsets: Vec::new(),
        committed_end: SEGMENT_HEADER_BYTES,
        committed_count: first,
        checkpoint: None,
        pending: 0,
        file_bytes,
        stop: None,
    };
    let mut pending_offsets: Vec<u32> = Vec::new();
    let mut position = SEGMENT_HEADER_BYTES;
    let mut next = first;
    let mut payload = Vec::new();
    loop {
        let mut head = [0u8; RECORD_HEADER_BYTES as usize];
        let got =
            read_up_to(&mut reader, &mut head).map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?;
        if got == 0 {
            break;
        }
        if got < head.len() {
            scan.stop = Some((position, Bad::Truncated));
            break;
        }
        let header = match record::parse_header(&head) {
            Ok(header) => header,
            Err(bad) => {
                scan.stop = Some((position, bad));
                break;
            }
        };
        payload.resize(header.length as usize, 0);
        let got = read_up_to(&mut reader, &mut payload)
            .map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?;
        if got < payload.len() {
            scan.stop = Some((position, Bad::Truncated));
            break;
        }
        if let Err(bad) = record::check(&header, next, &payload) {
            scan.stop = Some((position, bad));
            break;
        }
        let offset = u32::try_from(position)
            .map_err(|_| StoreError::Format(format!("{} is larger than a segment may be", path.display())))?;
        position += RECORD_HEADER_BYTES + u64::from(header.length);
        match header.kind {
            Kind::Entry => {
                pending_offsets.push(offset);
                next += 1;
            }
            Kind::Commit => {
                scan.offsets.append(&mut pending_offsets);
                scan.committed_end = position;
                scan.committed_count = next;
                scan.checkpoint = Some(payload.clone());
            }
        }
    }
    scan.pending = pending_offsets.len() as u64;
    Ok(scan)
}

/// Read until `buf` is full or the file ends; returns the bytes read.
pub(super) fn read_up_to(reader: &mut impl io::Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

pub(super) fn read_segment_header(path: &Path, file: &File) -> Result<Result<u64, String>, StoreError> {
    let mut header = [0u8; SEGMENT_HEADER_BYTES as usize];
    let got =
        read_up_to(&mut (&*file), &mut header).map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?;
    if got < header.len() {
        return Ok(Err("the file ends inside the segment header".into()));
    }
    if &header[..8] != record::SEGMENT_MAGIC {
        return Ok(Err(format!(
            "the segment header is not {:?}",
            String::from_utf8_lossy(record::SEGMENT_MAGIC)
        )));
    }
    let mut first = [0u8; 8];
    first.copy_from_slice(&header[8..]);
    Ok(Ok(u64::from_le_bytes(first)))
}
