//! `ledger export --tiles` (issue 17 item 2): the bundle built from a C2SP
//! tlog-tiles prefix — a node's root URL and a folder copy of its tiles
//! (file://) — is byte-equal to the `--node` export and verifies; a flipped
//! bundle byte is `tile_mismatch` naming the tile; a wrong log key is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ok, run, TestNode};
use ledger_core::merkle::{TileKind, TileRef, TILE_WIDTH};
use std::path::Path;

/// Copy the node's checkpoint and every entry bundle and level-0 tile of
/// its tree into `dir`, laid out as a bucket would hold them.
fn copy_tiles(url: &str, size: u64, dir: &Path) {
    let get = |path: &str| -> Vec<u8> {
        let r = reqwest::blocking::get(format!("{url}/{path}")).expect("GET");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.bytes().expect("body").to_vec()
    };
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("checkpoint"), get("checkpoint")).unwrap();
    let mut start = 0;
    while start < size {
        let width = (size - start).min(u64::from(TILE_WIDTH)) as u32;
        let index = start / u64::from(TILE_WIDTH);
        for kind in [TileKind::Entries, TileKind::Hash { level: 0 }] {
            let path = TileRef { kind, index, width }.path();
            let file = dir.join(&path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, get(&path)).unwrap();
        }
        start += u64::from(width);
    }
}

#[test]
fn export_from_tiles_matches_the_node_export() {
    let node = TestNode::start_demo(700);
    let url = node.url.clone();
    let vkey = node.log_vkey();
    let size = node.size();
    assert!(size > 512 && size % 256 != 0, "want full and partial tiles, got {size}");

    let from_node = node.path("node.bundle");
    ok(&["export", "--node", &url, "--out", &from_node, "--log-key", &vkey]);
    let expected = std::fs::read(&from_node).unwrap();

    // From the node's root URL, its tiles routes.
    let from_url = node.path("url.bundle");
    let out = ok(&[
        "--lang",
        "en",
        "export",
        "--tiles",
        &url,
        "--log-key",
        &vkey,
        "--out",
        &from_url,
    ]);
    assert!(out.contains(&format!("exported {size} entries")), "{out}");
    assert_eq!(std::fs::read(&from_url).unwrap(), expected);
    ok(&["verify", &from_url, "--log-key", &vkey]);

    // From a folder of tiles, as a bucket holds them (node not involved).
    let dir = node.dir.path().join("bucket");
    copy_tiles(&url, size, &dir);
    let prefix = format!("file://{}", dir.display());
    let from_dir = node.path("dir.bundle");
    ok(&["export", "--tiles", &prefix, "--log-key", &vkey, "--out", &from_dir]);
    assert_eq!(std::fs::read(&from_dir).unwrap(), expected);

    // Resumed from a partial file, like the node path.
    std::fs::write(&from_dir, &expected[..expected.len() * 2 / 3]).unwrap();
    ok(&["export", "--tiles", &prefix, "--log-key", &vkey, "--out", &from_dir]);
    assert_eq!(std::fs::read(&from_dir).unwrap(), expected);

    // A wrong log key: refused, nothing exported.
    let other = node.path("other.bundle");
    let origin = vkey.split('+').next().unwrap();
    let wrong = ledger_core::keys::verifier_key_string(
        origin,
        &ed25519_dalek::SigningKey::from_bytes(&[9; 32]).verifying_key(),
    );
    let (code, _, err) = run(&["export", "--tiles", &prefix, "--log-key", &wrong, "--out", &other]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("检查点没有通过账本密钥 {wrong} 的验证")), "{err}");
    assert!(!Path::new(&other).exists());

    // One byte of the second bundle flipped: tile_mismatch, exit 1, one line
    // naming the bundle.
    let bundle = dir.join("tile/entries/001");
    let mut bytes = std::fs::read(&bundle).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&bundle, &bytes).unwrap();
    let forged = node.path("forged.bundle");
    let (code, _, err) = run(&["export", "--tiles", &prefix, "--log-key", &vkey, "--out", &forged]);
    assert_eq!(code, 1, "{err}");
    let line = err.trim();
    assert_eq!(line.lines().count(), 1, "{err}");
    assert!(line.contains("tile_mismatch: tile/entries/001:"), "{err}");
    assert!(line.contains("tile/0/001"), "{err}");

    // No such prefix: a network failure, exit 3.
    let (code, _, err) = run(&[
        "export",
        "--tiles",
        &format!("file://{}", node.dir.path().join("nothing").display()),
        "--log-key",
        &vkey,
        "--out",
        &node.path("none.bundle"),
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("source_unavailable"), "{err}");
}

/// Rotate the node's log key as an operator would (the node prepares the
/// next key and its endorsement by the current one; two admins post it) and
/// wait until the node signs with it; the new verifier key.
fn rotate(node: &TestNode) -> String {
    let config = common::test_config(&node.data, 700, &[]);
    let (new_vkey, endorsement) = ledger_node::server::prepare_rotation(&config).expect("prepare rotation");
    ok(&[
        "rotate-log-key",
        "--node",
        &node.url,
        "--key",
        &node.key("admin-1.key"),
        "--key",
        &node.key("admin-2.key"),
        "--vkey",
        &new_vkey,
        "--endorsement",
        &endorsement,
    ]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while node.log_vkey() != new_vkey {
        assert!(
            std::time::Instant::now() < deadline,
            "the node never signed with {new_vkey}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The key files are renamed just after the commit (the node's
    // key_files thread): the next rotation waits for that.
    while ledger_node::keyfile::next_log_key_path(&node.data).exists() {
        assert!(std::time::Instant::now() < deadline, "log-next.key was never promoted");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    new_vkey
}

#[test]
fn export_from_tiles_follows_log_key_rotations_from_the_genesis_key() {
    let node = TestNode::start_demo(700);
    let url = node.url.clone();
    let genesis_vkey = node.log_vkey();
    let second = rotate(&node);
    let third = rotate(&node);
    assert_ne!(second, genesis_vkey);
    assert_ne!(third, second);
    let keys = node.get_json("/v1/log")["log_keys"].as_array().unwrap().len();
    assert_eq!(keys, 3, "genesis and two rotations");

    // The reference: the node's own export, against the key it states.
    let from_node = node.path("node.bundle");
    ok(&["export", "--node", &url, "--out", &from_node]);
    let expected = std::fs::read(&from_node).unwrap();

    // From the tiles, pinned to the genesis key: the rotations in the log
    // lead to the key in force; the same bundle byte for byte, and it
    // verifies against the genesis key.
    let dir = node.dir.path().join("bucket");
    copy_tiles(&url, node.size(), &dir);
    let prefix = format!("file://{}", dir.display());
    for (name, source, pinned) in [
        ("genesis-url", url.as_str(), genesis_vkey.as_str()),
        ("genesis-dir", prefix.as_str(), genesis_vkey.as_str()),
        ("second-dir", prefix.as_str(), second.as_str()),
        ("third-dir", prefix.as_str(), third.as_str()),
    ] {
        let out = node.path(&format!("{name}.bundle"));
        ok(&["export", "--tiles", source, "--log-key", pinned, "--out", &out]);
        assert_eq!(std::fs::read(&out).unwrap(), expected, "{name}");
    }
    ok(&["verify", &node.path("genesis-dir.bundle"), "--log-key", &genesis_vkey]);

    // A key the log never used (same origin, so only the chain can tell):
    // refused wrong_log, exit 1, one line, no file.
    let origin = genesis_vkey.split('+').next().unwrap();
    let stranger = ledger_core::keys::verifier_key_string(
        origin,
        &ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key(),
    );
    let out = node.path("stranger.bundle");
    let (code, _, err) = run(&["export", "--tiles", &prefix, "--log-key", &stranger, "--out", &out]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("wrong_log:"), "{err}");
    assert!(
        err.contains(&format!(
            "the log key {stranger} is not one of this log's keys ({genesis_vkey}, {second}, {third})"
        )),
        "{err}"
    );
    assert!(!Path::new(&out).exists());
}
