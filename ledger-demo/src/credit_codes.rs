//! Synthetic enterprises' unified social credit codes (GB 32100, with the
//! GB 11714 organisation code inside): the contractors' payee IDs.

use crate::dice::Dice;

/// Characters of a unified social credit code (GB 32100), by value.
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// GB 32100 weights of the 17 body characters.
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/// GB 11714 weights of the 8 body characters of an organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A synthetic but well-formed unified social credit code of an enterprise
/// registered in `area`: `91` ‖ area ‖ organisation code (`MA` + 6 characters
/// + its GB 11714 check character) ‖ GB 32100 check character.
pub(crate) fn uscc(dice: &mut Dice, area: &str) -> String {
    let mut org = String::from("MA");
    for _ in 0..6 {
        org.push(USCC_CHARS[dice.index(USCC_CHARS.len())] as char);
    }
    let body = format!("91{area}{org}{}", org_code_check(&org));
    format!("{body}{}", uscc_check(&body))
}

/// GB 11714 check character of an 8-character organisation code body.
fn org_code_check(body8: &str) -> char {
    let sum: u32 = body8
        .bytes()
        .zip(ORG_WEIGHTS)
        .map(|(c, w)| {
            if c.is_ascii_digit() {
                u32::from(c - b'0') * w
            } else {
                (u32::from(c - b'A') + 10) * w
            }
        })
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from(b'0' + n as u8),
    }
}

/// GB 32100 check character of a 17-character credit code body.
fn uscc_check(body17: &str) -> char {
    let sum: u32 = body17
        .bytes()
        .zip(USCC_WEIGHTS)
        .map(|(c, w)| USCC_CHARS.iter().position(|x| *x == c).unwrap_or(0) as u32 * w)
        .sum();
    USCC_CHARS[((31 - sum % 31) % 31) as usize] as char
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_code_check_characters() {
        // The example code of GB 32100-2015's explanatory material.
        assert_eq!(org_code_check("M000100Y"), '4');
        assert_eq!(uscc_check("91350100M000100Y4"), '3');
        let mut dice = Dice::seeded(1);
        for _ in 0..100 {
            let code = uscc(&mut dice, "320803");
            assert_eq!(code.len(), 18);
            assert!(code.bytes().all(|c| USCC_CHARS.contains(&c)), "{code}");
            assert_eq!(uscc_check(&code[..17]), code.chars().last().unwrap_or(' '));
        }
    }
}
