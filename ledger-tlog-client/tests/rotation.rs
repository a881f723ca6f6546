//! `verify::key_history` against forged log-key rotations: the client
//! follows a pinned key through rotations it reads from unauthenticated
//! tiles, so a rotation the outgoing key did not endorse must stop it
//! (`rotation_invalid`), wherever in the chain it appears.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ledger_core::keys::endorse_rotation;
use ledger_core::testkit::{
    base, key, Bytes, EntryBody, Keys, Ledger, LogSigner, SequencedEntry, SigningKey, Submission, Text, ENTRY_VERSION,
    ORIGIN, SUBMISSION_VERSION, T_MS,
};
use ledger_tlog_client::key_history;
use ledger_tlog_client::ClientError;

fn vkey(signing: &SigningKey) -> String {
    LogSigner::new(ORIGIN, signing.clone()).unwrap().verifier_key()
}

fn rotate_body(new_vkey: &str, endorsement: ledger_core::keys::SignatureBytes) -> EntryBody {
    EntryBody::LogKeyRotate {
        log_vkey: new_vkey.to_string(),
        reason: Text::new("年度密钥轮换").unwrap(),
        endorsement,
    }
}

/// Sequence a correctly endorsed rotation through the rule engine (as the
/// node's admin path does) and return the seq it got.
fn rotate(l: &mut Ledger, k: &Keys, outgoing: &SigningKey, incoming: &SigningKey) -> u64 {
    let seq = l.state.size();
    let new = vkey(incoming);
    l.ok(rotate_body(&new, endorse_rotation(outgoing, ORIGIN, &new)), &[&k.admin]);
    seq
}

/// The bytes of a sequenced rotation entry that the rule engine would
/// refuse (so `Ledger::post` cannot build it): what a hostile tile source
/// can serve. Admin-signed, so only the endorsement is wrong.
fn forged_entry(l: &Ledger, k: &Keys, body: EntryBody) -> Vec<u8> {
    let seq = l.state.size();
    let time_ms = T_MS + seq;
    let signed = Submission {
        v: SUBMISSION_VERSION,
        origin: ORIGIN.into(),
        nonce: Bytes([0xF0; 16]),
        not_after_ms: time_ms + 3_600_000,
        body,
    }
    .sign(&[&k.admin]);
    SequencedEntry {
        v: ENTRY_VERSION,
        seq,
        time_ms,
        prev_hash: l.head.last_hash,
        signed,
    }
    .encode()
}

fn assert_rotation_invalid(result: Result<Vec<(u64, String)>, ClientError>) {
    let err = result.expect_err("a forged rotation was accepted");
    assert!(matches!(err, ClientError::InvalidRotation(_)), "{err:?}");
    assert_eq!(err.code(), "rotation_invalid");
    // The endorsement, not the new key's form, is what is refused.
    assert!(
        err.to_string().contains("not endorsed by the outgoing log key"),
        "{err}"
    );
}

#[test]
fn endorsed_chain_gives_every_key_from_the_entry_after_its_rotation() {
    let (mut l, k) = base();
    let (k2, k3) = (key(200), key(201));
    let s2 = rotate(&mut l, &k, &k.log, &k2);
    let s3 = rotate(&mut l, &k, &k2, &k3);
    // `base` sequences 3 entries (genesis, an issue, a transfer).
    assert_eq!((s2, s3), (3, 4));
    assert_eq!(
        key_history(&[], ORIGIN, &l.entries),
        Ok(vec![(0, vkey(&k.log)), (4, vkey(&k2)), (5, vkey(&k3))])
    );
    // Read in two chunks (as `key_in_force` does), the answer is the same.
    let (first, rest) = l.entries.split_at(usize::try_from(s3).unwrap());
    let prior = key_history(&[], ORIGIN, first).unwrap();
    assert_eq!(prior, vec![(0, vkey(&k.log)), (s2 + 1, vkey(&k2))]);
    assert_eq!(
        key_history(&prior, ORIGIN, rest),
        Ok(vec![(0, vkey(&k.log)), (s2 + 1, vkey(&k2)), (s3 + 1, vkey(&k3))])
    );
}

#[test]
fn rotation_endorsed_by_another_key_is_refused() {
    let (l, k) = base();
    let attacker = key(250);
    let new = vkey(&attacker);
    // Endorsed by the new key itself and by an admin key: neither is the
    // outgoing log key.
    for endorser in [&attacker, &k.admin] {
        let mut entries = l.entries.clone();
        entries.push(forged_entry(
            &l,
            &k,
            rotate_body(&new, endorse_rotation(endorser, ORIGIN, &new)),
        ));
        assert_rotation_invalid(key_history(&[], ORIGIN, &entries));
    }
}

#[test]
fn rotation_with_one_endorsement_byte_changed_is_refused() {
    let (l, k) = base();
    let new = vkey(&key(250));
    let genuine = endorse_rotation(&k.log, ORIGIN, &new);
    // The unmodified endorsement passes, so the refusals below are the byte's.
    let mut entries = l.entries.clone();
    entries.push(forged_entry(&l, &k, rotate_body(&new, genuine)));
    assert_eq!(key_history(&[], ORIGIN, &entries).map(|h| h.len()), Ok(2));
    for at in [0, 31, 32, 63] {
        let mut tampered = genuine;
        tampered.0[at] ^= 0x01;
        let mut entries = l.entries.clone();
        entries.push(forged_entry(&l, &k, rotate_body(&new, tampered)));
        assert_rotation_invalid(key_history(&[], ORIGIN, &entries));
    }
}

#[test]
fn forged_rotation_after_a_valid_one_is_refused() {
    let (mut l, k) = base();
    let k2 = key(200);
    rotate(&mut l, &k, &k.log, &k2);
    let attacker = key(250);
    let new = vkey(&attacker);
    // Endorsed by the genesis key, which is no longer the outgoing one: a
    // stolen retired key must not move the log either.
    for endorser in [&k.log, &attacker] {
        let mut entries = l.entries.clone();
        entries.push(forged_entry(
            &l,
            &k,
            rotate_body(&new, endorse_rotation(endorser, ORIGIN, &new)),
        ));
        assert_rotation_invalid(key_history(&[], ORIGIN, &entries));
    }
    let mut tampered = endorse_rotation(&k2, ORIGIN, &new);
    tampered.0[7] ^= 0x80;
    let mut entries = l.entries.clone();
    entries.push(forged_entry(&l, &k, rotate_body(&new, tampered)));
    assert_rotation_invalid(key_history(&[], ORIGIN, &entries));
}
