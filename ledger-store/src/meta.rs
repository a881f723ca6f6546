//! Small values beside the log, its size, and the test-only damage hook.

use super::read::Located;
use super::*;

impl EntryLog {
    /// A small value stored beside the log (`meta-NAME`), or None.
    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.meta_path(name)?;
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io(format!("reading {}", path.display()), e)),
        }
    }

    /// Replace a small value stored beside the log, atomically and durably.
    pub fn put_meta(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        if self.mode == OpenMode::ReadOnly {
            return Err(StoreError::Refused("the log was opened read-only".into()));
        }
        let path = self.meta_path(name)?;
        durable::replace_file(&path, value, 0o644).map_err(|e| StoreError::io(format!("writing {}", path.display()), e))
    }

    pub(super) fn meta_path(&self, name: &str) -> Result<PathBuf, StoreError> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(StoreError::Refused(format!("a metadata name {name:?}")));
        }
        Ok(self.dir.join(format!("meta-{name}")))
    }

    /// Bytes the log's segments occupy.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        let segments = self.segments.read().map_err(|_| lock_error())?;
        let mut total = 0u64;
        for segment in segments.iter() {
            total += segment
                .file
                .metadata()
                .map_err(|e| StoreError::io(format!("reading {}", segment.path.display()), e))?
                .len();
        }
        Ok(total)
    }

    /// Bytes free for the log on its file system.
    pub fn available_bytes(&self) -> Result<u64, StoreError> {
        durable::available_bytes(&self.dir).map_err(|e| StoreError::io(format!("statvfs {}", self.dir.display()), e))
    }

    /// Overwrite `length` bytes at `offset` of the segment holding entry
    /// `seq`'s record, unchecked. Only for the tests that prove damage is
    /// caught on read and at start: the node never rewrites a record.
    #[doc(hidden)]
    pub fn damage_entry_for_tests(&self, seq: u64, flip_at: u64) -> Result<(), StoreError> {
        let Located { file, path, offset, .. } = self.locate(seq)?;
        let mut byte = [0u8; 1];
        let at = offset + flip_at;
        file.read_exact_at(&mut byte, at)
            .map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?;
        byte[0] ^= 0x01;
        let writable = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::io(format!("opening {}", path.display()), e))?;
        writable
            .write_all_at(&byte, at)
            .and_then(|()| writable.sync_data())
            .map_err(|e| StoreError::io(format!("writing {}", path.display()), e))
    }
}
