//! Which C2SP tlog-tiles objects a publication round writes, as a pure
//! function of the bucket's size before the round and the checkpoint's
//! size after it (c2sp.org/tlog-tiles, "Merkle Tree" and "Log Entries").
//!
//! * every full tile (hash tiles of every level, and entry bundles) that
//!   became complete between the two sizes — written once, never changed;
//! * the partial tiles of the new size, which the spec requires for every
//!   size a checkpoint was produced for;
//! * then, outside this list, the extra objects and the checkpoint.

use ledger_core::merkle::{TileKind, TileRef, TILE_HEIGHT, TILE_WIDTH};

/// The object path of the checkpoint under the prefix.
pub const CHECKPOINT_PATH: &str = "checkpoint";

/// The tiles to write when the bucket moves from `from_size` to `to_size`
/// (`from_size <= to_size`), in an order that writes the tiles of lower
/// levels and the entries first: a round cut short leaves the earliest
/// data in place, which the next round does not need to rewrite.
///
/// Within a level, full tiles come in index order, then the partial tile.
pub fn tiles_between(from_size: u64, to_size: u64) -> Vec<TileRef> {
    let mut out = Vec::new();
    if to_size <= from_size {
        return out;
    }
    let width = u64::from(TILE_WIDTH);
    // Entry bundles follow level 0's layout: one entry per level-0 hash.
    for kind in std::iter::once(TileKind::Entries).chain((0..8u8).map(|level| TileKind::Hash { level })) {
        let level = match kind {
            TileKind::Hash { level } => level,
            TileKind::Entries => 0,
        };
        let shift = u32::from(level) * u32::from(TILE_HEIGHT);
        // Hashes at this level in each tree: node n covers leaves
        // [n·256^L, (n+1)·256^L).
        let (old_nodes, new_nodes) = (from_size >> shift, to_size >> shift);
        if new_nodes == 0 {
            break;
        }
        // Full tiles: index n is complete once (n+1)·256 hashes exist.
        for index in old_nodes / width..new_nodes / width {
            out.push(TileRef {
                kind,
                index,
                width: TILE_WIDTH,
            });
        }
        let partial = (new_nodes % width) as u32;
        if partial > 0 {
            out.push(TileRef {
                kind,
                index: new_nodes / width,
                width: partial,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(from: u64, to: u64) -> Vec<String> {
        tiles_between(from, to).iter().map(TileRef::path).collect()
    }

    #[test]
    fn a_first_round_writes_every_full_tile_and_the_partials_of_its_size() {
        // The spec's example: a tree of 70,000 entries has 273 full level-0
        // tiles, a partial of 112, one full level-1 tile, a partial level-1
        // tile of 17 and a partial level-2 tile of 1 (and as many bundles).
        let tiles = tiles_between(0, 70_000);
        assert_eq!(tiles.len(), 274 + 274 + 2 + 1);
        let p = paths(0, 70_000);
        assert_eq!(p[0], "tile/entries/000");
        assert_eq!(p[273], "tile/entries/273.p/112");
        assert_eq!(p[274], "tile/0/000");
        assert_eq!(p[547], "tile/0/273.p/112");
        assert_eq!(p[548..], ["tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1"]);
    }

    #[test]
    fn a_later_round_writes_only_what_became_full_and_the_new_partials() {
        assert_eq!(
            paths(250, 520),
            [
                "tile/entries/000",
                "tile/entries/001",
                "tile/entries/002.p/8",
                "tile/0/000",
                "tile/0/001",
                "tile/0/002.p/8",
                "tile/1/000.p/2"
            ]
        );
        // Inside one tile: only the partials of the new size.
        assert_eq!(
            paths(513, 515),
            ["tile/entries/002.p/3", "tile/0/002.p/3", "tile/1/000.p/2"]
        );
        // Exactly on a boundary: the full tile, no empty partial.
        assert_eq!(paths(255, 256), ["tile/entries/000", "tile/0/000", "tile/1/000.p/1"]);
        assert_eq!(paths(1, 1), Vec::<String>::new());
        assert_eq!(paths(9, 3), Vec::<String>::new());
        assert_eq!(paths(0, 1), ["tile/entries/000.p/1", "tile/0/000.p/1"]);
    }

    #[test]
    fn tile_paths_use_the_three_digit_groups() {
        let tiles = tiles_between(1_234 * 256, 1_234 * 256 + 1);
        assert_eq!(tiles[0].path(), "tile/entries/x001/234.p/1");
    }
}
