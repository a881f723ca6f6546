//! A token model of the postcard entry format, and its mutators.

use super::*;

// ------------------------------------------------ postcard token model

/// What a varint of the format is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarRole {
    /// A number (u16/u32/u64 field).
    Num,
    /// An enum variant index, of an enum with this many variants.
    Variant(u32),
    /// The element count of a sequence.
    Len,
}

/// One field of a postcard encoding, as the format (docs/FORMAT.md §2)
/// lays it out, so that mutations can act on fields instead of bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A `u8` (one raw byte).
    U8(u8),
    /// A LEB128 varint of `bits` bits.
    Var {
        /// Its value.
        value: u64,
        /// 16, 32 or 64.
        bits: u32,
        /// What it is.
        role: VarRole,
    },
    /// Fixed-size raw bytes (hashes, keys, signatures, nonces).
    Fixed(Vec<u8>),
    /// A string: varint byte length, then the bytes.
    Str(Vec<u8>),
    /// A u32 little-endian length prefix (bundle and request framing).
    U32Le(u32),
    /// Bytes written verbatim (what mutations produce).
    Raw(Vec<u8>),
}

/// Append the minimal LEB128 encoding of `v`.
pub fn varint(v: u64, out: &mut Vec<u8>) {
    let mut v = v;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The bytes of a token list.
pub fn tokens_to_bytes(toks: &[Tok]) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    for t in toks {
        match t {
            Tok::U8(b) => out.push(*b),
            Tok::Var { value, .. } => varint(*value, &mut out),
            Tok::Fixed(b) | Tok::Raw(b) => out.extend_from_slice(b),
            Tok::Str(s) => {
                varint(s.len() as u64, &mut out);
                out.extend_from_slice(s);
            }
            Tok::U32Le(v) => out.extend_from_slice(&v.to_le_bytes()),
        }
    }
    out
}

/// Reads canonical postcard bytes of a known schema into tokens.
pub struct Walk<'a> {
    b: &'a [u8],
    o: usize,
    /// The tokens read so far.
    pub out: Vec<Tok>,
}

impl<'a> Walk<'a> {
    /// Start at the beginning of `b`.
    pub fn new(b: &'a [u8]) -> Walk<'a> {
        Walk {
            b,
            o: 0,
            out: Vec::new(),
        }
    }
    /// The tokens, if every byte was consumed.
    pub fn finish(self) -> Option<Vec<Tok>> {
        (self.o == self.b.len()).then_some(self.out)
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.o..self.o.checked_add(n)?)?;
        self.o += n;
        Some(s)
    }
    fn raw_var(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let byte = *self.take(1)?.first()?;
            v |= u64::from(byte & 0x7f).checked_shl(7 * i)?;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    /// A `u8`.
    pub fn u8(&mut self) -> Option<u8> {
        let b = *self.take(1)?.first()?;
        self.out.push(Tok::U8(b));
        Some(b)
    }
    /// A varint.
    pub fn var(&mut self, bits: u32, role: VarRole) -> Option<u64> {
        let value = self.raw_var()?;
        self.out.push(Tok::Var { value, bits, role });
        Some(value)
    }
    /// `n` raw bytes.
    pub fn fixed(&mut self, n: usize) -> Option<()> {
        let s = self.take(n)?.to_vec();
        self.out.push(Tok::Fixed(s));
        Some(())
    }
    /// A string.
    pub fn string(&mut self) -> Option<()> {
        let n = usize::try_from(self.raw_var()?).ok()?;
        let s = self.take(n)?.to_vec();
        self.out.push(Tok::Str(s));
        Some(())
    }
    /// A sequence of `item`s.
    pub fn seq(&mut self, item: impl Fn(&mut Walk<'a>) -> Option<()>) -> Option<()> {
        let n = self.var(64, VarRole::Len)?;
        for _ in 0..n {
            item(self)?;
        }
        Some(())
    }
    /// An enum variant index of an enum with `count` variants.
    pub fn variant(&mut self, count: u32) -> Option<u64> {
        self.var(32, VarRole::Variant(count))
    }
    /// A u32 little-endian length.
    pub fn u32le(&mut self) -> Option<u32> {
        let s = self.take(4)?;
        let v = u32::from_le_bytes(s.try_into().ok()?);
        self.out.push(Tok::U32Le(v));
        Some(v)
    }
}

fn region_def(w: &mut Walk<'_>) -> Option<()> {
    w.var(64, VarRole::Num)?;
    w.string()
}

fn grant(w: &mut Walk<'_>) -> Option<()> {
    w.fixed(32)?;
    w.string()?;
    w.variant(3)?;
    w.variant(10)?;
    w.seq(|w| w.var(64, VarRole::Num).map(|_| ()))?;
    w.seq(|w| w.variant(27).map(|_| ()))?;
    w.var(64, VarRole::Num)?;
    w.var(64, VarRole::Num).map(|_| ())
}

fn cosign_rule(w: &mut Walk<'_>) -> Option<()> {
    w.variant(27)?;
    w.var(64, VarRole::Num)?;
    w.u8()?;
    w.seq(|w| w.variant(10).map(|_| ()))
}

fn date(w: &mut Walk<'_>) -> Option<()> {
    w.var(32, VarRole::Num).map(|_| ())
}

fn policy(w: &mut Walk<'_>) -> Option<()> {
    w.seq(cosign_rule)?;
    for _ in 0..8 {
        w.var(16, VarRole::Num)?;
    }
    w.seq(|w| {
        w.variant(6)?;
        w.seq(|w| w.variant(8).map(|_| ()))?;
        w.u8().map(|_| ())
    })?;
    w.var(16, VarRole::Num)?;
    // The control dates: registration … projects, duplicates (format 3).
    for _ in 0..6 {
        date(w)?;
    }
    // retention_bp, then the four fund time limits
    for _ in 0..5 {
        w.var(16, VarRole::Num)?;
    }
    Some(())
}

fn contract(w: &mut Walk<'_>) -> Option<()> {
    w.string()?;
    w.string()?;
    w.string()
}

fn fund_budgets(w: &mut Walk<'_>) -> Option<()> {
    w.seq(|w| {
        w.string()?;
        w.var(64, VarRole::Num).map(|_| ())
    })
}

fn line_ref(w: &mut Walk<'_>) -> Option<()> {
    w.string()?;
    w.var(32, VarRole::Num).map(|_| ())
}

/// An `Option<T>`: a tag byte, then the value if it is 1.
fn option(w: &mut Walk<'_>, value: impl Fn(&mut Walk<'_>) -> Option<()>) -> Option<()> {
    match w.u8()? {
        0 => Some(()),
        1 => value(w),
        _ => None,
    }
}

fn account(w: &mut Walk<'_>) -> Option<()> {
    match w.variant(2)? {
        0 => w.var(64, VarRole::Num).map(|_| ()),
        1 => w.string(),
        _ => None,
    }
}

fn notice_lines(w: &mut Walk<'_>) -> Option<()> {
    let num = |w: &mut Walk<'_>| w.var(64, VarRole::Num).map(|_| ());
    match w.variant(3)? {
        0 => w.seq(|w| {
            w.fixed(32)?;
            w.string()?;
            num(w)?;
            w.variant(6).map(|_| ())
        }),
        1 => w.seq(|w| {
            w.fixed(32)?;
            w.string()?;
            w.variant(8)?;
            w.var(16, VarRole::Num)?;
            w.u8()?;
            num(w)
        }),
        2 => w.seq(|w| w.string()),
        _ => None,
    }
}

fn entry_body(w: &mut Walk<'_>) -> Option<()> {
    let num = |w: &mut Walk<'_>| w.var(64, VarRole::Num).map(|_| ());
    match w.variant(27)? {
        0 => {
            w.string()?;
            w.seq(grant)?;
            w.seq(region_def)?;
            policy(w)?;
            w.fixed(32)?;
            w.string()
        }
        1 => grant(w),
        2 => {
            w.fixed(32)?;
            w.string()
        }
        3 => w.seq(region_def),
        4 => policy(w),
        5 => {
            w.string()?;
            w.string()?;
            w.string()?;
            w.variant(5)?;
            w.variant(8)?;
            w.var(16, VarRole::Num)?;
            account(w)?;
            num(w)?;
            date(w)
        }
        6 => {
            w.string()?;
            account(w)?;
            account(w)?;
            num(w)?;
            w.string()?;
            date(w)
        }
        7 => {
            w.string()?;
            w.string()?;
            num(w)?;
            w.variant(7)?;
            num(w)?;
            w.string()?;
            date(w)?;
            date(w)
        }
        8 => {
            w.string()?;
            w.string()?;
            account(w)?;
            w.string()?;
            w.string()?;
            num(w)?;
            w.string()?;
            w.string()?;
            date(w)
        }
        9 => {
            w.string()?;
            account(w)?;
            w.fixed(32)?;
            w.string()?;
            num(w)?;
            w.variant(8)?;
            w.var(16, VarRole::Num)?;
            w.u8()?;
            num(w)?;
            date(w)?;
            option(w, line_ref)?;
            // supplementary (format 3): reason, of_seq, note.
            option(w, |w| {
                w.variant(2)?;
                num(w)?;
                w.string()
            })
        }
        10 => {
            num(w)?;
            w.string()?;
            date(w)
        }
        11 => {
            w.string()?;
            w.string()?;
            w.fixed(64)
        }
        12 => {
            w.string()?;
            w.variant(8)?;
            num(w)?;
            date(w)?;
            w.string()?;
            notice_lines(w)
        }
        13 => {
            line_ref(w)?;
            w.variant(2)?;
            date(w)?;
            w.u8()?;
            w.string()
        }
        14 => {
            w.fixed(32)?;
            w.string()?;
            num(w)?;
            w.variant(6)?;
            date(w)?;
            option(w, |w| (0..5).try_for_each(|_| line_ref(w)))
        }
        15 => {
            w.fixed(32)?;
            num(w)?;
            date(w)?;
            line_ref(w)?;
            w.string()
        }
        16 => {
            w.string()?;
            match w.variant(2)? {
                0 => line_ref(w)?,
                1 => num(w)?,
                _ => return None,
            }
            w.variant(4)?;
            date(w)?;
            w.string()
        }
        17 => {
            w.string()?;
            w.variant(2)?;
            date(w)?;
            w.string()
        }
        18 => {
            num(w)?;
            w.variant(3)?;
            date(w)
        }
        19 | 24 => {
            w.string()?;
            date(w)?;
            w.string()?;
            w.u8()?;
            w.string()
        }
        20 => {
            w.string()?;
            date(w)?;
            w.string()?;
            line_ref(w)?;
            fund_budgets(w)?;
            contract(w)
        }
        21..=23 => {
            w.string()?;
            date(w)?;
            w.string()?;
            w.string()
        }
        25 => {
            w.string()?;
            date(w)?;
            w.string()?;
            fund_budgets(w)?;
            option(w, contract)?;
            w.string()
        }
        26 => {
            w.string()?;
            date(w)?;
            w.string()
        }
        _ => None,
    }
}

/// Tokens of a canonical `SignedSubmission`.
pub fn signed_submission_tokens(w: &mut Walk<'_>) -> Option<()> {
    w.u8()?;
    w.string()?;
    w.fixed(16)?;
    w.var(64, VarRole::Num)?;
    entry_body(w)?;
    w.seq(|w| {
        w.fixed(32)?;
        w.fixed(64)
    })
}

/// Tokens of a canonical `SequencedEntry`.
pub fn entry_tokens(w: &mut Walk<'_>) -> Option<()> {
    w.u8()?;
    w.var(64, VarRole::Num)?;
    w.var(64, VarRole::Num)?;
    w.fixed(32)?;
    signed_submission_tokens(w)
}

/// Tokens of a canonical `SignedReceipt`.
pub fn signed_receipt_tokens(w: &mut Walk<'_>) -> Option<()> {
    w.u8()?;
    w.string()?;
    w.var(64, VarRole::Num)?;
    w.fixed(32)?;
    w.fixed(32)?;
    w.fixed(32)?;
    w.var(64, VarRole::Num)?;
    w.var(64, VarRole::Num)?;
    w.var(64, VarRole::Num)?;
    w.seq(|w| w.fixed(32))?;
    w.fixed(64)
}

/// Tokens of canonical bytes read by `schema`; `None` if the schema does not
/// match them exactly (a test bug: the seeds are canonical).
pub fn tokenize(bytes: &[u8], schema: impl Fn(&mut Walk<'_>) -> Option<()>) -> Option<Vec<Tok>> {
    let mut w = Walk::new(bytes);
    schema(&mut w)?;
    w.finish()
}

/// Strings that the constrained types refuse or that decoders get wrong:
/// empty, blank, controls, the BOM, limits ±1, masked-name shapes, invalid
/// UTF-8 (overlong, surrogate, out of range, cut short).
pub fn interesting_string(rng: &mut Rng) -> Vec<u8> {
    match rng.below(26) {
        0 => Vec::new(),
        1 => b" ".to_vec(),
        2 => b"a".to_vec(),
        3 => "\u{feff}标题".as_bytes().to_vec(),
        4 => b"a\nb".to_vec(),
        5 => b"\t".to_vec(),
        6 => b"x\0".to_vec(),
        7 => "A".repeat(64).into_bytes(),
        8 => "A".repeat(65).into_bytes(),
        9 => "字".repeat(200).into_bytes(),
        10 => "字".repeat(201).into_bytes(),
        11 => "张*三".as_bytes().to_vec(),
        12 => "张**".as_bytes().to_vec(),
        13 => b"*".to_vec(),
        14 => "李*".as_bytes().to_vec(),
        15 => "3*".as_bytes().to_vec(),
        16 => b"320803001001".to_vec(),
        17 => "有中文".as_bytes().to_vec(),
        18 => "\u{202e}abc".as_bytes().to_vec(),
        19 => vec![0xff],
        20 => vec![b'a', 0xc0, 0x80],
        21 => vec![0xed, 0xa0, 0x80],
        22 => vec![0xf4, 0x90, 0x80, 0x80],
        23 => vec![0xe2, 0x80],
        24 => "\u{85}x".as_bytes().to_vec(),
        _ => rng.junk(40),
    }
}

/// A varint of `value` padded to a non-minimal length (`extra` more bytes).
pub fn padded_varint(value: u64, extra: usize) -> Vec<u8> {
    let mut out = Vec::new();
    varint(value, &mut out);
    if let Some(last) = out.last_mut() {
        *last |= 0x80;
    }
    out.extend(std::iter::repeat_n(0x80, extra.saturating_sub(1)));
    out.push(0x00);
    out
}

/// An edge value for a field of `bits` bits: its maximum, one over it (a
/// value of the next wider type), its top bit, zero, a power of two.
fn edge_for_bits(rng: &mut Rng, bits: u32) -> u64 {
    let max = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
    match rng.below(6) {
        0 => max,
        1 => max.saturating_add(1),
        2 => (max >> 1) + 1,
        3 => 0,
        4 => 1u64 << rng.below(u64::from(bits.min(64))),
        _ => rng.edgy_u64(),
    }
}

/// Apply one to three field-level mutations to a token list: edge values,
/// values just over a field's width, non-minimal and overlong varints,
/// unknown enum variants, element counts off by one, strings replaced by
/// refused ones, string lengths that disagree with their bytes, wrong-size
/// fixed fields, and tokens deleted, duplicated, swapped or spliced in from
/// `other`.
pub fn mutate_tokens(rng: &mut Rng, toks: &mut Vec<Tok>, other: &[Tok]) {
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        if toks.is_empty() {
            toks.push(Tok::U8(0));
            continue;
        }
        let i = rng.index(toks.len());
        let structural = rng.chance(1, 5);
        if structural {
            match rng.below(5) {
                0 => {
                    toks.remove(i);
                }
                1 => {
                    let t = toks[i].clone();
                    toks.insert(i, t);
                }
                2 => {
                    let j = rng.index(toks.len());
                    toks.swap(i, j);
                }
                3 if !other.is_empty() => {
                    let t = other[rng.index(other.len())].clone();
                    toks.insert(i, t);
                }
                _ if !other.is_empty() => {
                    let from = rng.index(other.len());
                    toks.truncate(i);
                    toks.extend_from_slice(&other[from..]);
                }
                _ => {
                    toks.remove(i);
                }
            }
            continue;
        }
        let replacement = match &toks[i] {
            Tok::U8(b) => Tok::U8(match rng.below(4) {
                0 => b.wrapping_add(1),
                1 => 0,
                2 => 0xff,
                _ => rng.next_u64() as u8,
            }),
            Tok::Var { value, bits, role } => {
                let (value, bits, role) = (*value, *bits, *role);
                match rng.below(7) {
                    0 => Tok::Raw(padded_varint(value, 1 + rng.index(3))),
                    1 => {
                        // Overlong: 11 continuation groups, more than any u64.
                        let mut raw = vec![0x80; 10];
                        raw.push(0x01);
                        Tok::Raw(raw)
                    }
                    2 => {
                        // Cut short: a continuation bit on the last byte.
                        let mut raw = Vec::new();
                        varint(value, &mut raw);
                        if let Some(last) = raw.last_mut() {
                            *last |= 0x80;
                        }
                        Tok::Raw(raw)
                    }
                    _ => {
                        let v = match role {
                            VarRole::Variant(count) => match rng.below(4) {
                                0 => u64::from(count),
                                1 => u64::from(count) + 1 + rng.below(300),
                                _ => rng.below(u64::from(count)),
                            },
                            VarRole::Len => match rng.below(4) {
                                0 => value.wrapping_add(1),
                                1 => value.saturating_sub(1),
                                2 => 0,
                                _ => rng.edgy_u64(),
                            },
                            VarRole::Num => match rng.below(3) {
                                0 => value.wrapping_add(1),
                                1 => value.wrapping_sub(1),
                                _ => edge_for_bits(rng, bits),
                            },
                        };
                        Tok::Var { value: v, bits, role }
                    }
                }
            }
            Tok::Fixed(b) => {
                let mut b = b.clone();
                match rng.below(4) {
                    0 if !b.is_empty() => {
                        let j = rng.index(b.len());
                        b[j] ^= 1 << rng.below(8);
                    }
                    1 => {
                        b.pop();
                    }
                    2 => b.push(rng.next_u64() as u8),
                    _ => b.iter_mut().for_each(|x| *x = 0),
                }
                Tok::Fixed(b)
            }
            Tok::Str(s) => match rng.below(6) {
                0..=2 => Tok::Str(interesting_string(rng)),
                3 => {
                    // A length that disagrees with the bytes.
                    let mut raw = Vec::new();
                    let n = match rng.below(3) {
                        0 => s.len() as u64 + 1,
                        1 => (s.len() as u64).saturating_sub(1),
                        _ => rng.edgy_u64(),
                    };
                    varint(n, &mut raw);
                    raw.extend_from_slice(s);
                    Tok::Raw(raw)
                }
                4 => {
                    let mut raw = padded_varint(s.len() as u64, 1);
                    raw.extend_from_slice(s);
                    Tok::Raw(raw)
                }
                _ => {
                    let mut s = s.clone();
                    let at = rng.index(s.len() + 1);
                    let junk = interesting_string(rng);
                    s.splice(at..at, junk);
                    Tok::Str(s)
                }
            },
            Tok::U32Le(v) => Tok::U32Le(match rng.below(6) {
                0 => v.wrapping_add(1),
                1 => v.wrapping_sub(1),
                2 => 0,
                3 => u32::MAX,
                4 => 65_535 + rng.below(3) as u32,
                _ => rng.next_u64() as u32,
            }),
            Tok::Raw(r) => {
                let mut r = r.clone();
                mutate_bytes(rng, &mut r, &[]);
                Tok::Raw(r)
            }
        };
        toks[i] = replacement;
    }
}
