//! Making file-system changes durable, explicitly.
//!
//! Why not trust a library's `flush`: sled 0.34's flush ends in
//! `sync_file_range`, which starts write-back but promises nothing about a
//! power cut (no device cache flush, no metadata); a simulated power cut lost
//! acknowledged entries and left the store unopenable (issue 11). Everything
//! the node acknowledges goes through `fdatasync` (`File::sync_data`) of the
//! data file, and every file created or renamed is followed by an `fsync` of
//! its directory, without which the new name itself may vanish.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::Path;

/// `fsync` a directory, so that the names created, renamed or removed in it
/// survive a power cut.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Replace `path` with `contents` atomically and durably: write a temporary
/// file beside it, `fsync` it, rename it over `path`, `fsync` the directory.
/// After a crash at any moment the file holds either the old or the new
/// contents, never a mix. `mode` sets the permissions of the new file (Unix).
pub fn replace_file(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a file path without a name"))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(".tmp");
    let temporary = dir.join(temporary_name);
    // A temporary file left by a crash is removed, not reused: opening it
    // would keep its old permissions, and `mode` matters (key files: 0600).
    match fs::remove_file(&temporary) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, path)?;
    sync_dir(dir)
}

/// Bytes available to an unprivileged writer on the file system holding
/// `path` (`statvfs`'s `f_bavail × f_frsize`).
pub fn available_bytes(path: &Path) -> io::Result<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path with a NUL byte"))?;
        // SAFETY: `statvfs` writes into the zeroed struct we own and reads
        // the NUL-terminated path; both outlive the call.
        let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
        let result = unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) };
        if result != 0 {
            return Err(io::Error::last_os_error());
        }
        #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
        Ok((stats.f_bavail as u64).saturating_mul(stats.f_frsize as u64))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_file_swaps_contents_and_leaves_no_temporary() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("state");
        replace_file(&path, b"one", 0o600)?;
        replace_file(&path, b"two", 0o600)?;
        assert_eq!(fs::read(&path)?, b"two");
        let names: Vec<String> = fs::read_dir(dir.path())?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["state".to_string()]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        }
        Ok(())
    }

    #[test]
    fn available_bytes_answers_for_a_real_folder_and_fails_for_a_missing_one() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        assert!(available_bytes(dir.path())? > 0);
        assert!(available_bytes(&dir.path().join("missing")).is_err());
        Ok(())
    }
}
