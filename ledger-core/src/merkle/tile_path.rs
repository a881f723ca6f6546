//! C2SP `tlog-tiles` paths: what a path names ([`TileRef`]), its canonical
//! form, and the strict parser for paths that come from outside.

use std::fmt;

use super::{MerkleError, MAX_TILE_LEVEL, TILE_WIDTH};

/// Longest tile path we accept. The longest valid C2SP path,
/// `tile/entries/x018/x446/x744/x073/x709/x551/615.p/255`, has 52 bytes.
const MAX_TILE_PATH_LEN: usize = 64;

/// What a C2SP `tlog-tiles` path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileKind {
    /// A Merkle tree hash tile, `tile/<L>/…`.
    Hash {
        /// Tile level `L` (0..=63 in a path; only 0..=7 can exist).
        level: u8,
    },
    /// An entry bundle, `tile/entries/…` (served from entry storage, not
    /// from [`MemoryTree`](super::MemoryTree)).
    Entries,
}

/// A parsed C2SP tile path: `tile/<L>/<N>[.p/<W>]` or
/// `tile/entries/<N>[.p/<W>]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileRef {
    /// Hash tile (with level) or entry bundle.
    pub kind: TileKind,
    /// Tile index `N` within its level.
    pub index: u64,
    /// Width: 256 for a full tile, 1..=255 for a partial (`.p/<W>`) one.
    pub width: u32,
}

impl TileRef {
    /// Whether this is a partial tile (`.p/<W>` suffix).
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The canonical C2SP path, without a leading slash.
    pub fn path(&self) -> String {
        let level = match self.kind {
            TileKind::Hash { level } => level.to_string(),
            TileKind::Entries => "entries".to_owned(),
        };
        // N in 3-digit groups, all but the last prefixed with 'x'.
        let mut groups = vec![format!("{:03}", self.index % 1000)];
        let mut n = self.index / 1000;
        while n > 0 {
            groups.push(format!("x{:03}", n % 1000));
            n /= 1000;
        }
        groups.reverse();
        let partial = if self.is_partial() {
            format!(".p/{}", self.width)
        } else {
            String::new()
        };
        format!("tile/{level}/{}{partial}", groups.join("/"))
    }
}

impl fmt::Display for TileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Parses an ASCII decimal with no sign and no leading zeros (except "0").
fn parse_canonical_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// Parses a C2SP `tlog-tiles` path (`tile/<L>/<N>[.p/<W>]` or
/// `tile/entries/<N>[.p/<W>]`, one optional leading `/`).
///
/// Only the canonical form is accepted: `L` in 0..=63 and `W` in 1..=255 without
/// leading zeros, `N` in zero-padded 3-digit groups with `x` on all but the
/// last, no superfluous leading groups. (`tlog_tiles::Tile::from_path` parses
/// the Go sumdb form `tile/<H>/<L>/…` instead, and panics on `.p/0` or a
/// level of 64 or more, so it is not used on outside input.)
///
/// # Errors
/// [`MerkleError::BadTilePath`] for anything else.
pub fn parse_tile_path(path: &str) -> Result<TileRef, MerkleError> {
    let bad = || MerkleError::BadTilePath(path.chars().take(MAX_TILE_PATH_LEN).collect());
    if path.len() > MAX_TILE_PATH_LEN {
        return Err(bad());
    }
    let p = path.strip_prefix('/').unwrap_or(path);
    let rest = p.strip_prefix("tile/").ok_or_else(bad)?;
    let (level_str, rest) = rest.split_once('/').ok_or_else(bad)?;
    let kind = if level_str == "entries" {
        TileKind::Entries
    } else {
        let level = parse_canonical_decimal(level_str)
            .and_then(|l| u8::try_from(l).ok())
            .filter(|l| *l <= MAX_TILE_LEVEL)
            .ok_or_else(bad)?;
        TileKind::Hash { level }
    };
    let (index_str, width) = match rest.split_once(".p/") {
        Some((index_str, w)) => {
            let w = parse_canonical_decimal(w)
                .and_then(|w| u32::try_from(w).ok())
                .filter(|w| (1..TILE_WIDTH).contains(w))
                .ok_or_else(bad)?;
            (index_str, w)
        }
        None => (rest, TILE_WIDTH),
    };
    let groups: Vec<&str> = index_str.split('/').collect();
    let last = groups.len() - 1; // split always yields at least one item
    let mut index: u64 = 0;
    for (i, group) in groups.iter().enumerate() {
        let digits = if i < last {
            group.strip_prefix('x').ok_or_else(bad)?
        } else {
            group
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let g: u64 = digits.parse().map_err(|_| bad())?;
        index = index.checked_mul(1000).and_then(|n| n.checked_add(g)).ok_or_else(bad)?;
    }
    let tile = TileRef { kind, index, width };
    // Rejects superfluous leading groups such as `x000/001`.
    if tile.path() != p {
        return Err(bad());
    }
    Ok(tile)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tlog_tiles::Tile;

    #[test]
    fn tile_paths_parse_canonically() {
        let ok = [
            ("tile/0/000", TileKind::Hash { level: 0 }, 0, 256),
            ("tile/0/x001/x234/067", TileKind::Hash { level: 0 }, 1_234_067, 256),
            ("/tile/1/001.p/17", TileKind::Hash { level: 1 }, 1, 17),
            ("tile/63/999.p/255", TileKind::Hash { level: 63 }, 999, 255),
            ("tile/entries/x001/000.p/1", TileKind::Entries, 1000, 1),
            (
                "tile/entries/x018/x446/x744/x073/x709/x551/615.p/255",
                TileKind::Entries,
                u64::MAX,
                255,
            ),
        ];
        for (path, kind, index, width) in ok {
            let t = parse_tile_path(path).unwrap();
            assert_eq!(t, TileRef { kind, index, width }, "{path}");
            assert_eq!(t.path(), path.trim_start_matches('/'));
            // Agrees with tlog_tiles' parser on the equivalent sumdb path.
            let sumdb = t.path().replacen("tile/", "tile/8/", 1).replace("/entries/", "/data/");
            let go = Tile::from_path(&sumdb).unwrap();
            assert_eq!(
                (go.level_index(), go.width(), go.is_data()),
                (index, width, kind == TileKind::Entries)
            );
        }
        let bad = [
            "",
            "tile",
            "tile/0",
            "tile/0/",
            "tile/00/000",
            "tile/64/000",
            "tile/256/000",
            "tile/-1/000",
            "tile/0/0",
            "tile/0/0000",
            "tile/0/x000/001",
            "tile/0/001/002",
            "tile/0/x001",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/01",
            "tile/0/000.p/",
            "tile/0/000.p",
            "tile/0/000.p/1/2",
            "tile/8/0/000",
            "tile/data/000",
            "tile/entries/x018/x446/x744/x073/x709/x551/616",
            "tile/0/ 000",
            "tile/0/x1000/000",
            "tile/0/000/",
            "//tile/0/000",
            "tile/0/x018/x446/x744/x073/x709/x551/x616/x000/x000/000",
        ];
        for path in bad {
            assert!(parse_tile_path(path).is_err(), "{path:?} should be rejected");
        }
    }

    proptest! {
        #[test]
        fn prop_tile_path_parser_never_panics(s in "[tile/0-9x.pentris]{0,60}") {
            if let Ok(t) = parse_tile_path(&s) {
                prop_assert_eq!(t.path(), s.trim_start_matches('/'));
            }
        }
    }
}
