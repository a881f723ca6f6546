//! Key files in the data folder: written with mode 0600, refused when others
//! can read them (a log key anyone on the machine can read is not a key).

use anyhow::{bail, Context, Result};
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

/// Write a secret file with mode 0600, creating the folder with 0700.
/// Refuses to overwrite an existing file.
pub fn write_secret(path: &Path, contents: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            fs::set_permissions(parent, fs::Permissions::from_mode(0o700))
                .with_context(|| format!("setting permissions of {}", parent.display()))?;
        }
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating key file {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    file.sync_all().with_context(|| format!("syncing {}", path.display()))?;
    Ok(())
}

/// Read a secret file, refusing one that group or others may read.
pub fn read_secret(path: &Path) -> Result<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(path)
            .with_context(|| format!("reading {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "key file {} has mode {:o}; it must be readable by its owner only (chmod 600)",
                path.display(),
                mode & 0o777
            );
        }
    }
    fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// Read an Ed25519 signing key file; returns its name and key.
pub fn read_signing_key(path: &Path) -> Result<(String, ed25519_dalek::SigningKey)> {
    let text = read_secret(path)?;
    parse_signing_key(&text).with_context(|| format!("key file {}", path.display()))
}

/// Create a new signing key file named `name`; fails if the file exists.
pub fn create_signing_key(path: &Path, name: &str) -> Result<ed25519_dalek::SigningKey> {
    let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    write_secret(path, &format_signing_key(name, &key))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
