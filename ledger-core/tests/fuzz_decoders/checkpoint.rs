//! Signed checkpoint notes and cosignatures: mutated spellings of a note,
//! and the checks an accepted note must pass.

use ledger_core::testkit::fuzz as fuzzkit;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use fuzzkit::{fail, input, mutate_bytes, mutate_text, Outcome, Rng};
use ledger_core::checkpoint::{
    add_cosignature, CosignatureLine, NoteSignature, VerifiedCheckpoint, MAX_COSIGNATURE_TIMESTAMP,
};
use ledger_core::merkle::{TreeHash, EMPTY_TREE_ROOT};

use crate::support::*;

/// Ways to spell a tree size: canonical and not.
fn size_spelling(rng: &mut Rng, size: u64) -> String {
    match rng.below(8) {
        0 => format!("0{size}"),
        1 => format!("+{size}"),
        2 => format!(" {size}"),
        3 => format!("{size} "),
        4 => "18446744073709551616".to_owned(),
        5 => format!("{size:x}"),
        6 => "".to_owned(),
        _ => rng.edgy_u64().to_string(),
    }
}

/// Ways to spell a root hash: canonical base64 of other lengths, unpadded,
/// URL-safe, with non-zero trailing bits, with whitespace.
fn root_spelling(rng: &mut Rng, root: &TreeHash) -> String {
    let b64 = BASE64.encode(root.0);
    match rng.below(8) {
        0 => b64.trim_end_matches('=').to_owned(),
        1 => b64.replace('+', "-").replace('/', "_"),
        2 => {
            // The last data character carries 2 unused bits: set them.
            let mut chars: Vec<char> = b64.chars().collect();
            let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            if let Some(pos) = alphabet.find(chars[42]) {
                chars[42] = alphabet.chars().nth((pos & !3) | (1 + rng.index(3))).unwrap_or('B');
            }
            chars.into_iter().collect()
        }
        3 => format!("{b64} "),
        4 => BASE64.encode(&root.0[..31]),
        5 => BASE64.encode([&root.0[..], &[0u8][..]].concat()),
        6 => format!("{b64}="),
        _ => BASE64.encode(rng.bytes::<32>()),
    }
}

/// A mutated note: the body's fields re-spelt and the note re-signed by the
/// log key (so the body parser, not the signature, must refuse), lines of the
/// signature block duplicated, forged, re-ordered or re-spelt, cosignatures
/// with out-of-range timestamps signed by the witness, whole-text and byte
/// mutations.
fn mutated_note(rng: &mut Rng, notes: &Notes, n: &Note) -> Vec<u8> {
    let l = &notes.logs[n.log];
    let origin = l.signer.origin();
    let text = String::from_utf8_lossy(&n.bytes).into_owned();
    let (body, block) = text
        .rsplit_once("\n\n")
        .map(|(b, s)| (format!("{b}\n"), s.to_owned()))
        .unwrap_or_default();
    let mut lines: Vec<String> = block.lines().map(str::to_owned).collect();
    match rng.below(8) {
        0 | 1 => {
            // Re-spell the body's fields, then sign what was written.
            let mut origin_line = origin.to_owned();
            let mut size_line = n.size.to_string();
            let mut root_line = BASE64.encode(n.root.0);
            let mut ext = n.extensions.clone();
            match rng.below(6) {
                0 => size_line = size_spelling(rng, n.size),
                1 => root_line = root_spelling(rng, &n.root),
                2 => ext.insert(rng.index(ext.len() + 1), String::new()),
                3 => origin_line = format!("{origin}{}", rng.pick(&[" ", "\u{feff}", "/", "\u{a0}"])),
                4 => {
                    size_line = "0".to_owned();
                    root_line = BASE64.encode(rng.bytes::<32>());
                }
                _ => ext.push(gen_extension(rng)),
            }
            let mut body = format!("{origin_line}\n{size_line}\n{root_line}\n");
            for e in &ext {
                body.push_str(e);
                body.push('\n');
            }
            if rng.chance(1, 4) {
                let mut b = body.clone();
                mutate_text(rng, &mut b, &["\n", "0", "=", origin]);
                if !b.ends_with('\n') {
                    b.push('\n');
                }
                body = b;
            }
            let sig = l.signer.sign_bytes(body.as_bytes());
            let mut out = format!("{body}\n").into_bytes();
            out.extend(note_line(origin, l.signer.key_id(), &sig.to_bytes()));
            for w in &n.cosigned_by {
                out.extend(cosign_bytes(&notes.witnesses[*w], rng.range(1, 1000), &body));
            }
            out
        }
        2 | 3 => {
            let log_line = String::from_utf8_lossy(&note_line(
                origin,
                l.signer.key_id(),
                &l.signer.sign_bytes(body.as_bytes()).to_bytes(),
            ))
            .trim_end()
            .to_owned();
            match rng.below(9) {
                // The log's signature twice: harmless.
                0 => lines.push(log_line),
                // A second line by the log key that does not verify, after
                // the good one: the signed-note spec says verify it.
                1 => lines.push(
                    String::from_utf8_lossy(&note_line(origin, l.signer.key_id(), &rng.vec(64)))
                        .trim_end()
                        .to_owned(),
                ),
                2 => lines.insert(
                    0,
                    String::from_utf8_lossy(&note_line(origin, l.signer.key_id(), &rng.vec(64)))
                        .trim_end()
                        .to_owned(),
                ),
                3 if !lines.is_empty() => {
                    let i = rng.index(lines.len());
                    lines.remove(i);
                }
                4 if lines.len() > 1 => {
                    let (i, j) = (rng.index(lines.len()), rng.index(lines.len()));
                    lines.swap(i, j);
                }
                5 if !n.cosigned_by.is_empty() => {
                    // A cosignature whose timestamp is out of range, or 0,
                    // really signed by the witness.
                    let w = &notes.witnesses[*rng.pick(&n.cosigned_by)];
                    let ts = *rng.pick(&[0, MAX_COSIGNATURE_TIMESTAMP, MAX_COSIGNATURE_TIMESTAMP + 1, u64::MAX]);
                    lines.push(
                        String::from_utf8_lossy(&cosign_bytes(w, ts, &body))
                            .trim_end()
                            .to_owned(),
                    );
                }
                6 if !lines.is_empty() => {
                    // Re-spell a line's base64: unpadded, trailing bits, URL alphabet.
                    let i = rng.index(lines.len());
                    if let Some((head, b64)) = lines[i].rsplit_once(' ') {
                        let b64 = match rng.below(3) {
                            0 => b64.trim_end_matches('=').to_owned(),
                            1 => b64.replace('+', "-").replace('/', "_"),
                            _ => {
                                let mut c: Vec<char> = b64.chars().collect();
                                let at = c.iter().rposition(|x| *x != '=').unwrap_or(0);
                                c[at] = if c[at] == 'A' { 'B' } else { 'A' };
                                c.into_iter().collect()
                            }
                        };
                        lines[i] = format!("{head} {b64}");
                    }
                }
                7 => lines.push(format!("\u{2014} {} AAAA", rng.pick(&key_names()))),
                _ => {
                    let w = &notes.witnesses[rng.index(notes.witnesses.len())];
                    lines.push(
                        String::from_utf8_lossy(&cosign_bytes(w, rng.range(1, 99), &body))
                            .trim_end()
                            .to_owned(),
                    );
                }
            }
            let mut out = format!("{body}\n");
            for l in &lines {
                out.push_str(l);
                out.push('\n');
            }
            out.into_bytes()
        }
        4 | 5 => {
            let mut t = text;
            mutate_text(rng, &mut t, &["\n\n", "\u{2014} ", origin, "=", "+"]);
            t.into_bytes()
        }
        6 => {
            let mut b = n.bytes.clone();
            let other = &notes.notes[rng.index(notes.notes.len())].bytes;
            mutate_bytes(rng, &mut b, other);
            b
        }
        _ => {
            // Separators: the blank line, CRLF, the final newline.
            let t = match rng.below(4) {
                0 => text.replacen("\n\n", "\n", 1),
                1 => text.replace('\n', "\r\n"),
                2 => text.trim_end().to_owned(),
                _ => text.replacen("\n\n", "\n\n\n", 1),
            };
            t.into_bytes()
        }
    }
}

/// The properties of a note `verify_checkpoint` accepted.
fn check_accepted_note(
    notes: &Notes,
    log: &Log,
    bytes: &[u8],
    cp: &VerifiedCheckpoint,
    rng: &mut Rng,
) -> Option<String> {
    let body = cp.body();
    if cp.origin() != log.signer.origin() {
        return Some("origin is not the log's".into());
    }
    if render_body(cp.origin(), cp.size(), cp.root(), cp.extension_lines()) != body {
        return Some(format!("accepted a non-canonical checkpoint body {body:?}"));
    }
    if cp.size() == 0 && *cp.root() != EMPTY_TREE_ROOT {
        return Some("size 0 with another root".into());
    }
    let Some(block) = bytes.strip_prefix(format!("{body}\n").as_bytes()) else {
        return Some("the note does not start with its body and a blank line".into());
    };
    let Ok(block) = std::str::from_utf8(block) else {
        return Some("signature block is not UTF-8".into());
    };
    let Some(block) = block.strip_suffix('\n') else {
        return Some("no final newline".into());
    };
    let mut log_lines = 0;
    for line in block.split('\n') {
        let Ok(sig) = NoteSignature::from_bytes(line.as_bytes()) else {
            return Some(format!("accepted a malformed signature line {line:?}"));
        };
        if sig.to_bytes() != format!("{line}\n").into_bytes() {
            return Some(format!("accepted a non-canonical signature line {line:?}"));
        }
        // Every line by the log key (its name and ID) must verify
        // (c2sp.org/signed-note: "If the key name and ID match a known key,
        // verifiers MUST verify the signature"); the page refuses the note
        // otherwise, so the node must not accept or serve it.
        if sig.name() == log.signer.origin() && sig.id() == log.signer.key_id() {
            log_lines += 1;
            let ok = verifies(&log.signer.verifying_key(), body.as_bytes(), sig.signature());
            if !ok {
                return Some(format!(
                    "accepted a note with a log-key line that does not verify: {line:?}"
                ));
            }
        }
    }
    if log_lines == 0 {
        return Some("accepted without a log signature line".into());
    }
    for w in &notes.witnesses {
        if let Ok(ts) = w.verifier.verify_cosignature(cp) {
            let mut seen = false;
            for line in block.split('\n') {
                let Ok(sig) = NoteSignature::from_bytes(line.as_bytes()) else {
                    continue;
                };
                if sig.name() != w.signer.name() || sig.id() != w.signer.key_id() {
                    continue;
                }
                seen = true;
                let Ok(parsed) = CosignatureLine::parse(line) else {
                    return Some(format!("a verified cosignature line does not parse: {line:?}"));
                };
                if parsed.to_line() != format!("{line}\n") || parsed.timestamp() > MAX_COSIGNATURE_TIMESTAMP {
                    return Some(format!("accepted a non-canonical cosignature line {line:?}"));
                }
                let msg = format!("cosignature/v1\ntime {}\n{body}", parsed.timestamp());
                let ok = sig
                    .signature()
                    .get(8..)
                    .is_some_and(|s| verifies(w.verifier.verifying_key(), msg.as_bytes(), s));
                if !ok {
                    return Some(format!("accepted a cosignature line that does not verify: {line:?}"));
                }
                if parsed.timestamp() > ts {
                    return Some("the reported timestamp is not the latest".into());
                }
            }
            if !seen {
                return Some("a cosignature verified without a line".into());
            }
        }
    }
    // The witness path: add a fresh cosignature, which must verify in turn.
    if rng.chance(1, 8) {
        let w = &notes.witnesses[rng.index(notes.witnesses.len())];
        if let Ok(line) = w.signer.cosign(cp, rng.range(1, MAX_COSIGNATURE_TIMESTAMP)) {
            if let Ok(with) = add_cosignature(bytes, &line) {
                match log.verifier.verify_checkpoint(&with) {
                    Ok(cp2) if cp2.body() == body => {
                        if w.verifier.verify_cosignature(&cp2).is_err() {
                            return Some("an added cosignature does not verify".into());
                        }
                    }
                    Ok(_) => return Some("adding a cosignature changed the body".into()),
                    Err(e) => return Some(format!("adding a cosignature broke the note: {e}")),
                }
            }
        }
    }
    None
}

#[test]
fn fuzz_checkpoint_note() {
    let notes = note_pool();
    fuzzkit::run("fuzz_checkpoint_note", SHORT_SIGNED, |rng| {
        let n = &notes.notes[rng.index(notes.notes.len())];
        let log = &notes.logs[n.log];
        let unmutated = rng.chance(1, 10);
        let bytes = if unmutated {
            n.bytes.clone()
        } else if rng.chance(1, 40) {
            rng.junk(300)
        } else {
            mutated_note(rng, notes, n)
        };
        input(&bytes);
        // A cosignature line on its own, as a witness's reply carries it.
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if let Some(line) = text.lines().rev().find(|l| l.starts_with('\u{2014}')) {
                if let Ok(c) = CosignatureLine::parse(line) {
                    if c.to_line() != format!("{line}\n") || c.timestamp() > MAX_COSIGNATURE_TIMESTAMP {
                        return fail(format!("CosignatureLine::parse accepted a non-canonical line {line:?}"));
                    }
                }
            }
        }
        match log.verifier.verify_checkpoint(&bytes) {
            Ok(cp) => {
                if unmutated {
                    if cp.size() != n.size || *cp.root() != n.root || cp.extension_lines() != n.extensions {
                        return fail("a valid checkpoint decoded to other values");
                    }
                    for w in &n.cosigned_by {
                        if let Err(e) = notes.witnesses[*w].verifier.verify_cosignature(&cp) {
                            return fail(format!("a valid cosignature was refused: {e}"));
                        }
                    }
                }
                match check_accepted_note(notes, log, &bytes, &cp, rng) {
                    Some(why) => fail(why),
                    None => Outcome::Accepted,
                }
            }
            Err(e) if unmutated => fail(format!("a valid checkpoint was refused: {e}")),
            Err(_) => Outcome::Rejected,
        }
    });
}
