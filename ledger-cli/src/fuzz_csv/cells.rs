//! `fuzz_csv_cells`: the cell parsers (amounts, resident IDs, periods,
//! region codes) against independent reference implementations of the
//! rules docs/CLI.md and docs/FORMAT.md state.

use super::fuzzkit::{self, fail, input, mutate_text, Outcome};
use super::model::{gen_fen, gen_resident_id, yuan_spelling};
use super::SHORT;
use ledger_core::amount::MAX_ENTRY_FEN;
use ledger_core::household::ResidentId;
use ledger_core::ids::Period;
use ledger_core::region::RegionCode;
use ledger_core::Fen;

/// Amounts, as docs/CLI.md states them: yuan with at most two decimals,
/// digits grouped by commas, an optional leading ¥/￥ and trailing 元; the
/// entry limit of docs/FORMAT.md (1 ..= 10^14 fen). Written over exact
/// decimal digits, not the importer's arithmetic.
fn reference_yuan(text: &str) -> Option<u64> {
    let t = text.trim();
    let t = t.trim_start_matches(['¥', '￥']).trim_end_matches('元');
    let digits: String = t.chars().filter(|c| *c != ',').collect();
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    let (whole, frac) = match digits.find('.') {
        Some(p) => (&digits[..p], &digits[p + 1..]),
        None => (digits.as_str(), ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || frac.len() > 2 || !all_digits(frac) {
        return None;
    }
    // Fen as a decimal string: whole ‖ frac padded to two digits.
    let fen_text = format!("{whole}{frac:0<2}");
    let fen_text = fen_text.trim_start_matches('0');
    if fen_text.is_empty() || fen_text.len() > 15 {
        return None; // zero, or over 10^14 whatever the digits
    }
    let fen: u64 = fen_text.parse().ok()?;
    (fen <= MAX_ENTRY_FEN).then_some(fen)
}

/// GB 11643: 17 digits and a check character; weight of position i (from
/// the left, 1-based) is 2^(18−i) mod 11; check = (12 − Σ mod 11) mod 11,
/// written `X` for 10. Full-width digits and x/ｘ/Ｘ are accepted spellings.
fn reference_resident_id(text: &str) -> Option<String> {
    let normal: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xff10 + u32::from(b'0')).unwrap_or(c),
            'x' | 'ｘ' | 'Ｘ' => 'X',
            c => c,
        })
        .collect();
    let chars: Vec<char> = normal.chars().collect();
    if chars.len() != 18 || !chars[..17].iter().all(char::is_ascii_digit) {
        return None;
    }
    let sum: u32 = chars[..17]
        .iter()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * ((1u32 << (17 - i)) % 11))
        .sum();
    let check = (12 - sum % 11) % 11;
    let want = if check == 10 {
        'X'
    } else {
        char::from_digit(check, 10).unwrap_or('?')
    };
    (chars[17] == want).then_some(normal)
}

/// Periods: `YYYY` (month 0, the whole year) or `YYYY-M[M]`, year
/// 2000-2099, month 0-12; each a decimal number (Rust's integer syntax: an
/// optional `+`, leading zeros).
fn reference_period(text: &str) -> Option<(u16, u8)> {
    let t = text.trim();
    let (y, m) = t.split_once('-').unwrap_or((t, "0"));
    let number = |s: &str| -> Option<u32> {
        let s = s.strip_prefix('+').unwrap_or(s);
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let s = s.trim_start_matches('0');
        if s.len() > 5 {
            return None;
        }
        Some(s.parse().unwrap_or(0))
    };
    let (y, m) = (number(y)?, number(m)?);
    ((2000..=2099).contains(&y) && m <= 12).then_some((y as u16, m as u8))
}

/// Region codes: exactly 12 ASCII digits, not starting with 0.
fn reference_region(text: &str) -> Option<u64> {
    let t = text.trim();
    (t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0')).then(|| t.parse().ok())?
}

#[test]
fn fuzz_csv_cells() {
    fuzzkit::run("fuzz_csv_cells", SHORT * 5, |rng| {
        let which = rng.below(4);
        let mut text = match which {
            0 => {
                let fen = gen_fen(rng);
                yuan_spelling(rng, fen)
            }
            1 => gen_resident_id(rng),
            2 => {
                let p = fuzzkit::gen_period(rng);
                if p.month == 0 {
                    p.year.to_string()
                } else {
                    p.to_string()
                }
            }
            _ => fuzzkit::gen_region(rng).to_string(),
        };
        if rng.chance(3, 4) {
            mutate_text(
                rng,
                &mut text,
                &["¥", "￥", "元", ",", ".", "0", "9", "X", "x", "-", "+", "１", "٣", " "],
            );
        }
        input(text.as_bytes());
        // For resident IDs only acceptance is compared: the value becomes a
        // keyed hash.
        let (got, want) = match which {
            0 => (
                Fen::parse_yuan(&text).ok().map(|f| f.get().to_string()),
                reference_yuan(&text).map(|f| f.to_string()),
            ),
            1 => (
                ResidentId::parse(&text).ok().map(|_| "valid".to_owned()),
                reference_resident_id(&text).map(|_| "valid".to_owned()),
            ),
            2 => (
                Period::parse(&text).ok().map(|p| format!("{}/{}", p.year, p.month)),
                reference_period(&text).map(|(y, m)| format!("{y}/{m}")),
            ),
            _ => (
                RegionCode::parse(&text).ok().map(|c| c.get().to_string()),
                reference_region(&text).map(|c| c.to_string()),
            ),
        };
        if got != want {
            return fail(format!(
                "the importer reads {text:?} as {got:?}, the rules say {want:?}"
            ));
        }
        if want.is_some() {
            Outcome::Accepted
        } else {
            Outcome::Rejected
        }
    });
}
