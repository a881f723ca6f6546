//! Key files in the data folder: written with mode 0600, refused when others
//! can read them (a log key anyone on the machine can read is not a key).
//! The one implementation: the node's data folder and `ledger keys` both
//! use it.

use ledger_core::keys::{format_signing_key, parse_signing_key};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// `DIR/keys/`.
pub fn keys_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

/// The log key in force.
pub fn log_key_path(data_dir: &Path) -> PathBuf {
    keys_dir(data_dir).join("log.key")
}

/// The key prepared for the next rotation.
pub fn next_log_key_path(data_dir: &Path) -> PathBuf {
    keys_dir(data_dir).join("log-next.key")
}

/// Where a log key retired by a rotation is kept (so that idempotent retries
/// of its entries still get their receipts): named after the key itself, so
/// that finishing an interrupted promotion twice writes the same file, not
/// a second copy.
pub fn retired_log_key_path(data_dir: &Path, key: &ed25519_dalek::VerifyingKey) -> PathBuf {
    let id: String = key.as_bytes()[..8].iter().map(|b| format!("{b:02x}")).collect();
    keys_dir(data_dir).join(format!("log-retired-{id}.key"))
}

/// Largest key file read (a signed-note key is under 200 bytes): a key path
/// pointing at a large file is a mistake, not something to load.
pub const MAX_KEY_FILE_BYTES: u64 = 16 * 1024;

/// Why a key file could not be written or read. Typed so that each binary
/// says it in its own way (`ledger` adds its exit code, the node its
/// context) from one implementation.
#[derive(Debug, thiserror::Error)]
pub enum SecretFileError {
    /// A key file is never overwritten.
    #[error("{} already exists; a key file is never overwritten", .0.display())]
    Exists(PathBuf),
    /// Group or others may read it.
    #[error("key file {} has mode {mode:o}; it must be readable by its owner only (chmod 600 {})", .path.display(), .path.display())]
    Readable {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Larger than [`MAX_KEY_FILE_BYTES`].
    #[error("{} is {bytes} bytes, more than the {MAX_KEY_FILE_BYTES}-byte limit of a key file", .path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
    /// Not a signing key.
    #[error("key file {}: {message}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The file system refused.
    #[error("{what} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> SecretFileError + 'a {
    move |source| SecretFileError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// Write a secret file with mode 0600, creating the folder with 0700 (the
/// data folder's `keys/`). Refuses to overwrite an existing file.
pub fn write_secret(path: &Path, contents: &str) -> Result<(), SecretFileError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io("creating", parent))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(parent, fs::Permissions::from_mode(0o700))
                .map_err(io("setting permissions of", parent))?;
        }
    }
    create_secret_file(path, contents)
}

/// Write a new secret file with mode 0600 where the user asked (`ledger keys
/// new --out`): the folder must exist and its permissions are left alone (it
/// may be the user's working folder). Never overwrites.
pub fn create_secret_file(path: &Path, contents: &str) -> Result<(), SecretFileError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            SecretFileError::Exists(path.to_path_buf())
        } else {
            io("creating key file", path)(e)
        }
    })?;
    file.write_all(contents.as_bytes()).map_err(io("writing", path))?;
    file.sync_all().map_err(io("syncing", path))?;
    Ok(())
}

/// Read a secret file, refusing one that group or others may read, or one
/// larger than [`MAX_KEY_FILE_BYTES`].
pub fn read_secret(path: &Path) -> Result<String, SecretFileError> {
    let meta = fs::metadata(path).map_err(io("reading key file", path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(SecretFileError::Readable {
                path: path.to_path_buf(),
                mode: mode & 0o777,
            });
        }
    }
    if meta.len() > MAX_KEY_FILE_BYTES {
        return Err(SecretFileError::TooLarge {
            path: path.to_path_buf(),
            bytes: meta.len(),
        });
    }
    fs::read_to_string(path).map_err(io("reading key file", path))
}

/// Read an Ed25519 signing key file; returns its name and key.
pub fn read_signing_key(path: &Path) -> Result<(String, ed25519_dalek::SigningKey), SecretFileError> {
    let text = read_secret(path)?;
    parse_signing_key(&text).map_err(|e| SecretFileError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Create a new signing key file named `name`; fails if the file exists.
pub fn create_signing_key(path: &Path, name: &str) -> Result<ed25519_dalek::SigningKey, SecretFileError> {
    let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    write_secret(path, &format_signing_key(name, &key))?;
    Ok(key)
}

/// Make `log-next.key` the log key in force on disk once the chain has
/// rotated to it (`vkey_in_force`): the outgoing `log.key` is kept as
/// [`retired_log_key_path`], then `log-next.key` is renamed over `log.key`.
/// Returns whether it promoted anything; nothing is done when no key is
/// prepared or the prepared key is not the one in force (a rotation not yet
/// posted).
///
/// Crash-safe at every step, so a restart can simply call it again: the
/// retired copy is written to a temporary file, synced and renamed
/// (a leftover temporary file is overwritten); the one rename that changes
/// `log.key` is atomic, so `log.key` always exists and holds either the old
/// or the new key; the folder is synced last so that the new names survive a
/// power cut. (The node's earlier code renamed `log.key` away first; a folder
/// it left without `log.key` is finished here too.)
pub fn promote_next_log_key(data_dir: &Path, vkey_in_force: &str) -> Result<bool, SecretFileError> {
    let next = next_log_key_path(data_dir);
    if !next.exists() {
        return Ok(false);
    }
    let (origin, next_key) = read_signing_key(&next)?;
    if ledger_core::keys::verifier_key_string(&origin, &next_key.verifying_key()) != vkey_in_force {
        return Ok(false);
    }
    let current = log_key_path(data_dir);
    if current.exists() {
        let text = read_secret(&current)?;
        let (_, outgoing) = parse_signing_key(&text).map_err(|e| SecretFileError::Parse {
            path: current.clone(),
            message: e.to_string(),
        })?;
        let retired = retired_log_key_path(data_dir, &outgoing.verifying_key());
        ledger_store::durable::replace_file(&retired, text.as_bytes(), 0o600).map_err(io("writing", &retired))?;
    }
    fs::rename(&next, &current).map_err(io("renaming log-next.key to", &current))?;
    let dir = keys_dir(data_dir);
    ledger_store::durable::sync_dir(&dir).map_err(io("syncing", &dir))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Result;

    #[test]
    fn secret_files_are_private_and_not_overwritten() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("keys/log.key");
        let key = create_signing_key(&path, "example.org/log")?;
        let (name, back) = read_signing_key(&path)?;
        assert_eq!(name, "example.org/log");
        assert_eq!(back.to_bytes(), key.to_bytes());
        assert!(create_signing_key(&path, "x").is_err(), "must not overwrite");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644))?;
            let err = read_signing_key(&path).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("chmod 600"), "{err}");
        }
        Ok(())
    }

    #[test]
    fn promotion_keeps_a_log_key_at_every_step_and_can_be_repeated() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let old = create_signing_key(&log_key_path(dir.path()), "example.org/log")?;
        let new = create_signing_key(&next_log_key_path(dir.path()), "example.org/log")?;
        let new_vkey = ledger_core::keys::verifier_key_string("example.org/log", &new.verifying_key());
        let old_vkey = ledger_core::keys::verifier_key_string("example.org/log", &old.verifying_key());
        // The chain has not rotated to the prepared key: nothing moves.
        assert!(!promote_next_log_key(dir.path(), &old_vkey)?);
        assert!(next_log_key_path(dir.path()).exists());
        // A crash while writing the retired copy left a partial temporary
        // file (mode 0644 here: the umask's, not a key file's).
        let retired = retired_log_key_path(dir.path(), &old.verifying_key());
        let name = retired
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        fs::write(keys_dir(dir.path()).join(format!(".{name}.tmp")), "partial")?;
        assert!(promote_next_log_key(dir.path(), &new_vkey)?);
        assert_eq!(
            read_signing_key(&log_key_path(dir.path()))?.1.to_bytes(),
            new.to_bytes()
        );
        // Read back through `read_signing_key`, which refuses a key file
        // others may read: the leftover file's mode must not carry over.
        assert_eq!(read_signing_key(&retired)?.1.to_bytes(), old.to_bytes());
        assert!(!next_log_key_path(dir.path()).exists());
        // Done already: a second call changes nothing.
        assert!(!promote_next_log_key(dir.path(), &new_vkey)?);
        let names = fs::read_dir(keys_dir(dir.path()))?.count();
        assert_eq!(names, 2, "log.key and one retired key");
        Ok(())
    }
}
