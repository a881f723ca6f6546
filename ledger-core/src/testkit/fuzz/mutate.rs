//! Byte and text mutators.

use super::*;

// ------------------------------------------------------- byte mutations

/// Byte values that sit on format boundaries: varint continuation bits,
/// UTF-8 lead bytes, signed/unsigned edges.
pub const INTERESTING_BYTES: [u8; 12] = [0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xff, 0xfe, 0xc0, 0xe2, 0x0a, 0x20];

/// Apply one to four random byte-level mutations: bit flips, interesting
/// bytes, insertions, deletions, truncation, trailing bytes, duplicated
/// chunks, splicing with `other`, runs of varint continuation bytes and
/// little-endian lengths.
pub fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = data.len();
        let at = rng.index(len + 1);
        match rng.below(14) {
            0 if len > 0 => {
                let i = rng.index(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.index(len);
                data[i] = *rng.pick(&INTERESTING_BYTES);
            }
            2 => {
                let n = 1 + rng.index(4);
                for _ in 0..n {
                    data.insert(at, rng.next_u64() as u8);
                }
            }
            3 if len > 0 => {
                let n = (1 + rng.index(8)).min(len - at.min(len));
                data.drain(at.min(len)..at.min(len) + n);
            }
            4 => data.truncate(at),
            5 => {
                let n = 1 + rng.index(4);
                for _ in 0..n {
                    data.push(if rng.chance(1, 2) { 0 } else { rng.next_u64() as u8 });
                }
            }
            6 if len > 0 => {
                let start = rng.index(len);
                let end = (start + 1 + rng.index(16)).min(len);
                let chunk = data[start..end].to_vec();
                let to = rng.index(data.len() + 1);
                data.splice(to..to, chunk);
            }
            7 if !other.is_empty() => {
                let from = rng.index(other.len());
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            8 => {
                let n = 1 + rng.index(10);
                let run: Vec<u8> = (0..n)
                    .map(|_| 0x80)
                    .chain(std::iter::once(if rng.chance(1, 2) { 0 } else { 1 }))
                    .collect();
                let end = (at + run.len()).min(data.len());
                data.splice(at..end, run);
            }
            9 if len > 1 => {
                let (i, j) = (rng.index(len), rng.index(len));
                data.swap(i, j);
            }
            10 if len > 0 => {
                let i = rng.index(len);
                data[i] = data[i].wrapping_add(if rng.chance(1, 2) { 1 } else { 255 });
            }
            11 => {
                let v: u32 = *rng.pick(&[0, 1, 0xffff, 0x1_0000, u32::MAX, (len as u32).wrapping_add(1)]);
                let end = (at + 4).min(data.len());
                data.splice(at..end, v.to_le_bytes());
            }
            _ => {
                let i = rng.index(len + 1);
                data.insert(i, *rng.pick(&INTERESTING_BYTES));
            }
        }
    }
}

// -------------------------------------------------------- text mutations

/// Characters that text formats trip over: line ends, spaces of every kind,
/// the BOM, controls, separators, digits, base64 and hex characters.
pub const INTERESTING_TEXT: [&str; 34] = [
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "  ",
    "\u{a0}",
    "\u{3000}",
    "\u{feff}",
    "\u{2028}",
    "\u{85}",
    "\u{0}",
    "\u{7f}",
    "\u{200b}",
    "+",
    "\u{2014}",
    "\u{2014} ",
    "=",
    "==",
    "/",
    "-",
    ".",
    ",",
    "\"",
    "0",
    "00",
    "9",
    "x",
    "X",
    "A",
    "字",
    "😀",
    "e\u{301}",
    "\\",
];

/// Apply one to three random text-level mutations: insert an interesting
/// token or one of the target's `dict` words at a character boundary,
/// delete, duplicate, swap or drop lines, change a character or its case,
/// bump a digit, truncate.
pub fn mutate_text(rng: &mut Rng, text: &mut String, dict: &[&str]) {
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect();
        let at = *rng.pick(&bounds);
        match rng.below(11) {
            0 | 1 => {
                let word = if !dict.is_empty() && rng.chance(1, 2) {
                    *rng.pick(dict)
                } else {
                    *rng.pick(&INTERESTING_TEXT)
                };
                text.insert_str(at, word);
            }
            2 if bounds.len() > 1 => {
                let i = rng.index(bounds.len() - 1);
                let n = 1 + rng.index(4).min(bounds.len() - 1 - i - 1);
                let end = bounds[(i + n).min(bounds.len() - 1)];
                text.replace_range(bounds[i]..end, "");
            }
            3 | 4 => {
                let mut lines: Vec<&str> = text.split('\n').collect();
                if lines.is_empty() {
                    continue;
                }
                let i = rng.index(lines.len());
                match rng.below(3) {
                    0 => {
                        let l = lines[i];
                        lines.insert(i, l);
                    }
                    1 => {
                        lines.remove(i);
                    }
                    _ => {
                        let j = rng.index(lines.len());
                        lines.swap(i, j);
                    }
                }
                *text = lines.join("\n");
            }
            5 if bounds.len() > 1 => {
                let i = rng.index(bounds.len() - 1);
                let c = text[bounds[i]..].chars().next().unwrap_or(' ');
                let swapped: String = if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase().to_string()
                } else if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase().to_string()
                } else if let Some(d) = c.to_digit(10) {
                    char::from_digit((d + 1 + rng.below(9) as u32) % 10, 10)
                        .unwrap_or('0')
                        .to_string()
                } else {
                    (*rng.pick(&INTERESTING_TEXT)).to_owned()
                };
                text.replace_range(bounds[i]..bounds[i + 1], &swapped);
            }
            6 => text.truncate(at),
            7 => {
                let word = if dict.is_empty() { "\n" } else { *rng.pick(dict) };
                text.push_str(word);
            }
            8 if !text.is_empty() => {
                // Repeat a slice: long runs hit length limits.
                let i = rng.index(bounds.len() - 1);
                let end = bounds[(i + 1 + rng.index(8)).min(bounds.len() - 1)];
                let chunk = text[bounds[i]..end].repeat(1 + rng.index(300));
                text.insert_str(bounds[i], &chunk);
            }
            9 if bounds.len() > 1 => {
                let i = rng.index(bounds.len() - 1);
                let word = if !dict.is_empty() && rng.chance(1, 2) {
                    *rng.pick(dict)
                } else {
                    *rng.pick(&INTERESTING_TEXT)
                };
                text.replace_range(bounds[i]..bounds[i + 1], word);
            }
            _ => {
                let i = rng.index(bounds.len());
                text.insert(bounds[i], *rng.pick(&['\n', ' ', '\u{feff}', '0', '=']));
            }
        }
    }
}
