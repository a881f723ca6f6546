//! C2SP tile paths (`GET /tile/…`).

use ledger_core::testkit::fuzz as fuzzkit;

use fuzzkit::{fail, input, mutate_text, Outcome};
use ledger_core::merkle::{self, parse_tile_path, TileKind, TileRef};

use crate::support::*;

#[test]
fn fuzz_tile_path() {
    fuzzkit::run("fuzz_tile_path", SHORT, |rng| {
        let tile = TileRef {
            kind: if rng.chance(1, 3) {
                TileKind::Entries
            } else {
                TileKind::Hash {
                    level: if rng.chance(1, 4) { 63 } else { rng.below(8) as u8 },
                }
            },
            index: rng.edgy_u64(),
            width: if rng.chance(1, 2) {
                merkle::TILE_WIDTH
            } else {
                1 + rng.below(255) as u32
            },
        };
        let canonical = tile.path();
        let slash = rng.chance(1, 4);
        let path = if slash {
            format!("/{canonical}")
        } else {
            canonical.clone()
        };
        let unmutated = rng.chance(1, 8);
        let path = if unmutated {
            path
        } else {
            let mut p = path;
            mutate_text(
                rng,
                &mut p,
                &[
                    "x", "000", "/", ".p/", "tile/", "entries", "data", "x000/", "999", "256", "64",
                ],
            );
            p
        };
        input(path.as_bytes());
        match parse_tile_path(&path) {
            Ok(t) => {
                let stripped = path.strip_prefix('/').unwrap_or(&path);
                if t.path() != stripped {
                    return fail(format!(
                        "accepted a non-canonical tile path; canonical is {:?}",
                        t.path()
                    ));
                }
                if unmutated && t != tile {
                    return fail("a valid tile path parsed to another tile");
                }
                Outcome::Accepted
            }
            Err(e) if unmutated => fail(format!("a valid tile path was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}
