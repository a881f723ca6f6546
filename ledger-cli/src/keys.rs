//! Key files: signed-note private keys (0600), public keys given on the
//! command line, and the pseudonym key.

use crate::exit::{input, usage, Tag as _};
use crate::messages::admin::AdminMsg;
use crate::messages::Message as _;
use anyhow::Result;
use ed25519_dalek::SigningKey;
use ledger_core::encoding::Bytes;
use ledger_core::household::PseudonymKey;
use ledger_core::keys::{parse_verifier_key, PublicKey};
use ledger_datadir::keyfile::{self, MAX_KEY_FILE_BYTES};
use std::fs;
use std::path::Path;

/// Write a new secret file with mode 0600; never overwrites
/// (ledger-datadir's implementation, with `ledger`'s exit codes).
pub fn write_secret(path: &Path, contents: &str) -> Result<()> {
    keyfile::create_secret_file(path, contents).map_err(|e| match e {
        keyfile::SecretFileError::Exists(_) => input(format!("{e} (choose another --out)")),
        e => input(e.to_string()),
    })
}

/// The verifier-key file written beside a key file: `shihe-op.key` →
/// `shihe-op.vkey`, `op` → `op.vkey`.
pub fn vkey_path(key_path: &Path) -> std::path::PathBuf {
    key_path.with_extension("vkey")
}

/// Write a new public file (a verifier key: anyone may read it); never
/// overwrites, like the secret beside it.
pub fn write_public(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write as _;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .input_err(
            AdminMsg::CannotCreate {
                file: path.display().to_string(),
            }
            .text(),
        )?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .input_err(
            AdminMsg::CannotWrite {
                file: path.display().to_string(),
            }
            .text(),
        )
}

/// Read a small text file (key, vkey, checkpoint).
pub fn read_small(path: &Path, max: u64) -> Result<String> {
    let file = path.display().to_string();
    let meta = fs::metadata(path).input_err(AdminMsg::CannotRead { file: file.clone() }.text())?;
    if meta.len() > max {
        return Err(input(
            AdminMsg::TooLarge {
                file,
                bytes: meta.len(),
                max_bytes: max,
            }
            .text(),
        ));
    }
    fs::read_to_string(path).input_err(AdminMsg::NotUtf8 { file }.text())
}

/// Read a secret file, refusing one that others may read.
pub fn read_secret(path: &Path) -> Result<String> {
    keyfile::read_secret(path).map_err(|e| input(e.to_string()))
}

/// Read a signing key file; returns its name and key.
pub fn read_signing_key(path: &Path) -> Result<(String, SigningKey)> {
    keyfile::read_signing_key(path).map_err(|e| input(e.to_string()))
}

/// Read several signing key files (distinct keys).
pub fn read_signing_keys(paths: &[std::path::PathBuf]) -> Result<Vec<(String, SigningKey)>> {
    let mut out: Vec<(String, SigningKey)> = Vec::new();
    for path in paths {
        let (name, key) = read_signing_key(path)?;
        if out.iter().any(|(_, k)| k.verifying_key() == key.verifying_key()) {
            return Err(usage(
                AdminMsg::KeyTwice {
                    file: path.display().to_string(),
                }
                .text(),
            ));
        }
        out.push((name, key));
    }
    Ok(out)
}

/// A public key given as a signed-note verifier key (`name+id+base64`), 64
/// hex digits, or a file holding either (or a private key file).
pub fn parse_public_key(arg: &str) -> Result<PublicKey> {
    let arg = arg.trim();
    if let Ok((_, key)) = parse_verifier_key(arg) {
        return Ok(Bytes(key.to_bytes()));
    }
    if arg.len() == 64 {
        if let Ok(key) = Bytes::<32>::from_hex(arg) {
            return Ok(key);
        }
    }
    let path = Path::new(arg);
    if path.is_file() {
        let text = read_small(path, MAX_KEY_FILE_BYTES)?;
        let text = text.trim();
        if text.starts_with("PRIVATE+KEY+") {
            let (_, key) = read_signing_key(path)?;
            return Ok(Bytes(key.verifying_key().to_bytes()));
        }
        return parse_public_key_text(text).ok_or_else(|| {
            input(
                AdminMsg::NoPublicKeyIn {
                    file: path.display().to_string(),
                }
                .text(),
            )
        });
    }
    Err(usage(AdminMsg::NotAPublicKey { given: arg.to_string() }.text()))
}

fn parse_public_key_text(text: &str) -> Option<PublicKey> {
    if let Ok((_, key)) = parse_verifier_key(text) {
        return Some(Bytes(key.to_bytes()));
    }
    Bytes::<32>::from_hex(text).ok()
}

/// A verifier key (signed-note form) given inline or in a file.
pub fn vkey_arg(arg: &str) -> Result<String> {
    let arg = arg.trim();
    if arg.contains('+') && !Path::new(arg).is_file() {
        return Ok(arg.to_string());
    }
    let path = Path::new(arg);
    if path.is_file() {
        return Ok(read_small(path, MAX_KEY_FILE_BYTES)?.trim().to_string());
    }
    Err(usage(AdminMsg::NotAVerifierKey { given: arg.to_string() }.text()))
}

/// Read the pseudonym key file (64 hex digits, mode 0600).
pub fn read_pseudonym_key(path: &Path) -> Result<PseudonymKey> {
    let text = read_secret(path)?;
    let bytes = Bytes::<32>::from_hex(text.trim()).input_err(format!("pseudonym key file {}", path.display()))?;
    Ok(PseudonymKey::from_bytes(bytes.0))
}
