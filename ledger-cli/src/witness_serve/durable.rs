//! Durable replacement of a small file: what a witness must do before its
//! cosignature leaves. A witness that forgets the size it cosigned after a
//! power cut can be walked back and made to cosign a fork (tlog-witness:
//! "The witness MUST persist the new checkpoint before responding").

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::Path;

/// Replaces `path` with `bytes`: write a temporary file beside it, fsync
/// it, rename it over `path`, then fsync the directory so the rename itself
/// survives a power cut. A reader sees the old file or the new one, never a
/// mixture.
///
/// # Errors
/// Any I/O error; `path` then still holds its previous contents.
pub fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a state file needs a parent directory"))?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    {
        let mut file = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

/// fsync a directory (its entries: a rename or a new file in it).
///
/// # Errors
/// Any I/O error.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    // An empty parent ("state.json" given bare) is the working directory.
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir)?.sync_all()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_files_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.json");
        replace_file(&path, b"first").unwrap();
        replace_file(&path, b"second, longer").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second, longer");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["log.json".to_string()]);
        // No parent directory to sync: refused, nothing written.
        assert!(replace_file(Path::new("/"), b"x").is_err());
    }
}
