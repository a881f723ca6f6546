//! The client against a folder of tiles (file://): entries come back
//! checked against the level-0 hash tiles; a flipped byte, a missing tile
//! and a checkpoint the data does not reproduce are named errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ledger_core::checkpoint::LogSigner;
use ledger_core::merkle::{leaf_hash, MemoryTree, TileKind, TileRef, TILE_WIDTH};
use ledger_core::tiles::encode_entry_bundle;
use ledger_tlog_client::{extend_to_checkpoint, ClientError, ClientOptions, TilesClient};
use std::path::Path;

fn write(dir: &Path, path: &str, bytes: &[u8]) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// A folder holding the tiles of `n` synthetic entries (the client checks
/// hashes only; entries need not decode).
fn folder(n: u64) -> (tempfile::TempDir, Vec<Vec<u8>>, MemoryTree) {
    let dir = tempfile::tempdir().unwrap();
    let entries: Vec<Vec<u8>> = (0..n).map(|i| format!("entry {i}").into_bytes()).collect();
    let tree = MemoryTree::from_leaves(&entries.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>());
    let mut start = 0u64;
    while start < n {
        let width = (n - start).min(u64::from(TILE_WIDTH)) as u32;
        let index = start / u64::from(TILE_WIDTH);
        let refs: Vec<&[u8]> = entries[start as usize..(start + u64::from(width)) as usize]
            .iter()
            .map(Vec::as_slice)
            .collect();
        let bundle = TileRef {
            kind: TileKind::Entries,
            index,
            width,
        };
        write(dir.path(), &bundle.path(), &encode_entry_bundle(&refs).unwrap());
        let hashes = TileRef {
            kind: TileKind::Hash { level: 0 },
            index,
            width,
        };
        write(dir.path(), &hashes.path(), &tree.tile_data(0, index, width).unwrap());
        start += u64::from(width);
    }
    (dir, entries, tree)
}

fn quick() -> ClientOptions {
    ClientOptions {
        attempts: 2,
        backoff_ms: 1,
        ..ClientOptions::default()
    }
}

#[test]
fn entries_from_a_folder_and_named_refusals() {
    let (dir, entries, tree) = folder(300);
    let client = TilesClient::new(&format!("file://{}", dir.path().display()), quick()).unwrap();
    // From the middle of the first tile to the end of the partial one.
    assert_eq!(client.entries(100, 300, 300).unwrap(), entries[100..].to_vec());
    assert_eq!(client.entries(0, 300, 300).unwrap(), entries);
    let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    assert_eq!(client.leaf_hashes(10, 300, 300).unwrap(), leaves[10..].to_vec());

    // A checkpoint the data reproduces extends the tree; another does not,
    // and leaves the tree as it was.
    let signer = LogSigner::new("example.org/log", ed25519_dalek::SigningKey::from_bytes(&[7; 32])).unwrap();
    let v = signer.verifier();
    let good = v
        .verify_checkpoint(signer.sign_checkpoint(300, &tree.root()).as_bytes())
        .unwrap();
    let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    let mut mine = MemoryTree::from_leaves(&leaves[..100]);
    extend_to_checkpoint(&mut mine, &leaves[100..], &good).unwrap();
    assert_eq!(mine, tree);
    let other = v
        .verify_checkpoint(signer.sign_checkpoint(300, &leaf_hash(b"x")).as_bytes())
        .unwrap();
    let mut mine = MemoryTree::from_leaves(&leaves[..100]);
    let err = extend_to_checkpoint(&mut mine, &leaves[100..], &other).unwrap_err();
    assert_eq!(err.code(), "tile_mismatch");
    assert_eq!(mine, MemoryTree::from_leaves(&leaves[..100]));

    // One byte flipped in the partial bundle: named, with its path.
    let bundle = dir.path().join("tile/entries/001.p/44");
    let mut bytes = std::fs::read(&bundle).unwrap();
    bytes[5] ^= 1;
    std::fs::write(&bundle, &bytes).unwrap();
    let err = client.entries(0, 300, 300).unwrap_err();
    assert_eq!(
        err,
        ClientError::TileMismatch {
            path: "tile/entries/001.p/44".into(),
            detail: "entry 256 does not hash to the leaf hash tile/0/001.p/44 holds for it".into()
        }
    );
    // The first tile is still fine.
    assert_eq!(client.entries(0, 256, 300).unwrap(), entries[..256].to_vec());

    // A checkpoint newer than its tiles: the tile is missing, not forged.
    let err = client.entries(0, 400, 400).unwrap_err();
    assert_eq!(
        err,
        ClientError::TilesMissing {
            path: "tile/entries/001.p/144".into(),
            size: 400
        }
    );
    assert_eq!(err.code(), "tiles_missing");
    // No checkpoint at all: unavailable, named.
    assert_eq!(client.checkpoint_note().unwrap_err().code(), "source_unavailable");
    assert_eq!(TilesClient::new("ftp://x", quick()).unwrap_err().code(), "bad_url");
}
