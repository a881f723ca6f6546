//! The one acceptance rule for operator signatures (docs/FORMAT.md §8.1).
//!
//! * **Validity** (replay, `ledger verify`, `ledger prove`, the citizens'
//!   page): a signature is valid iff it is valid under ZIP-215 —
//!   [`zip215_verify`]. ZIP-215 is the one Ed25519 rule under which a batch
//!   check and one-by-one checks always give the same answer (both are
//!   cofactored), so no verifier's answer depends on how it batches.
//! * **Write path only** (new submissions to the node): additionally
//!   [`strict_encoding_check`], which refuses what common RFC 8032 verifiers
//!   (OpenSSL, Go `crypto/ed25519`, libsodium) refuse whenever that is cheap
//!   to see from the bytes: a non-canonical or small-order `R` or public key,
//!   and a non-canonical `S`. It is *not* part of validity: a log written
//!   before the write path refused such signatures must keep verifying.
//! * **Audit**: [`strict_verify`] (ed25519-dalek `verify_strict`, cofactorless
//!   and refusing small-order points) names any signature in a log that is
//!   ZIP-215-valid but that strict verifiers refuse — either an old entry or
//!   one crafted to pass the write path (a mixed-order `R`, which only a full
//!   second verification could detect).
//!
//! So honest signatures, and every cheaply detectable dishonest one, get the
//! same answer from the node, the replay, the page and third-party verifiers.

use crate::keys::{PublicKey, SignatureBytes};
use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsBasepointTable};
use curve25519_dalek::traits::BasepointTable as _;
use curve25519_dalek::Scalar;
use sha2::{Digest as _, Sha512};

/// Why the write path refuses a signature that ZIP-215 may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum StrictnessViolation {
    /// The public key is not the canonical encoding of a curve point
    /// (`y >= p`, or the sign bit set with `x = 0`).
    #[error("the public key is not the canonical encoding of a curve point")]
    NonCanonicalKey,
    /// The public key is a small-order point.
    #[error("the public key is a small-order point")]
    SmallOrderKey,
    /// `R` is not the canonical encoding of a curve point.
    #[error("R is not the canonical encoding of a curve point")]
    NonCanonicalR,
    /// `R` is a small-order point (such as the identity).
    #[error("R is a small-order point")]
    SmallOrderR,
    /// `S` is not reduced modulo the group order `L`.
    #[error("S is not reduced modulo the group order")]
    NonCanonicalS,
}

impl StrictnessViolation {
    /// Stable name (test vectors, logs).
    pub fn code(self) -> &'static str {
        match self {
            StrictnessViolation::NonCanonicalKey => "non_canonical_key",
            StrictnessViolation::SmallOrderKey => "small_order_key",
            StrictnessViolation::NonCanonicalR => "non_canonical_r",
            StrictnessViolation::SmallOrderR => "small_order_r",
            StrictnessViolation::NonCanonicalS => "non_canonical_s",
        }
    }
}

/// ZIP-215 verification of one signature: the key and `R` must decompress
/// (non-canonical encodings are accepted, and the challenge hashes the bytes
/// as given), `S` must be below `L`, and the cofactored equation
/// `[8][S]B = [8]R + [8][k]A` must hold. This is the validity rule.
pub fn zip215_verify(key: &PublicKey, signature: &SignatureBytes, message: &[u8]) -> Result<(), Zip215Error> {
    let verification_key =
        ed25519_zebra::VerificationKey::try_from(*key.as_bytes()).map_err(|_| Zip215Error::BadKey)?;
    verification_key
        .verify(&ed25519_zebra::Signature::from_bytes(signature.as_bytes()), message)
        .map_err(|_| Zip215Error::BadSignature)
}

/// Why [`zip215_verify`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Zip215Error {
    /// The key does not decompress to a curve point.
    #[error("the key is not a curve point")]
    BadKey,
    /// The equation does not hold, `R` is not a point, or `S >= L`.
    #[error("the signature does not verify")]
    BadSignature,
}

/// Canonical encoding and not of small order? Decompress, then compare the
/// re-compressed bytes: a point whose `y` is at least `p`, or whose sign bit
/// is set while `x = 0`, decompresses (curve25519-dalek reduces `y` and
/// ignores the sign of zero) but re-compresses to other bytes.
fn check_point(bytes: &[u8; 32]) -> Result<(), PointProblem> {
    let point = CompressedEdwardsY(*bytes)
        .decompress()
        .ok_or(PointProblem::NonCanonical)?;
    if point.compress().as_bytes() != bytes {
        return Err(PointProblem::NonCanonical);
    }
    if point.is_small_order() {
        return Err(PointProblem::SmallOrder);
    }
    Ok(())
}

enum PointProblem {
    NonCanonical,
    SmallOrder,
}

/// The public key's half of [`strict_encoding_check`] (keys repeat across
/// signatures, so callers may check each distinct key once).
pub fn strict_key_check(key: &PublicKey) -> Result<(), StrictnessViolation> {
    check_point(key.as_bytes()).map_err(|p| match p {
        PointProblem::NonCanonical => StrictnessViolation::NonCanonicalKey,
        PointProblem::SmallOrder => StrictnessViolation::SmallOrderKey,
    })
}

/// The signature's half of [`strict_encoding_check`]: `R` canonical and not
/// of small order, `S < L`.
pub fn strict_signature_check(signature: &SignatureBytes) -> Result<(), StrictnessViolation> {
    let (r, s) = signature.as_bytes().split_at(32);
    let mut r_bytes = [0u8; 32];
    r_bytes.copy_from_slice(r);
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(s);
    if Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)).is_none() {
        return Err(StrictnessViolation::NonCanonicalS);
    }
    check_point(&r_bytes).map_err(|p| match p {
        PointProblem::NonCanonical => StrictnessViolation::NonCanonicalR,
        PointProblem::SmallOrder => StrictnessViolation::SmallOrderR,
    })
}

/// The write path's extra rule, on top of ZIP-215 validity: the key and `R`
/// are canonical encodings of points that are not of small order, and `S`
/// is reduced. Pure and cheap (two decompressions, no verification).
pub fn strict_encoding_check(key: &PublicKey, signature: &SignatureBytes) -> Result<(), StrictnessViolation> {
    strict_key_check(key)?;
    strict_signature_check(signature)
}

/// ed25519-dalek's `verify_strict`: cofactorless (`[S]B = R + [k]A` exactly),
/// refusing small-order `R` and keys and `S >= L`. What the audit compares
/// ZIP-215 validity against (the strictest behaviour of the common verifiers).
pub fn strict_verify(key: &PublicKey, signature: &SignatureBytes, message: &[u8]) -> bool {
    StrictKey::new(key).verify(signature, message)
}

/// A key ready for [`strict_verify`]: decompressed once, for the many
/// signatures one operator key makes (the audit's strict check, issue 16).
///
/// What strictness costs per signature, and why no batch can stand in for
/// it. `verify_strict` refuses a small-order key, a small-order or
/// non-canonically encoded `R`, `S >= L`, and then needs `[S]B - [k]A = R`
/// exactly. The key's part (decompression, small order) depends on the key
/// alone and is done here once. In a ledger that verified, every signature is
/// ZIP-215-valid: `[8]([S]B - [k]A - R) = 0`, so `[S]B - [k]A - R` is a
/// torsion point `T`, and strictness is `T = 0`. With a torsion-free key,
/// `[S]B - [k]A` is torsion-free, so `T = 0` exactly when `R` is
/// torsion-free, i.e. `[L]R = 0`: one scalar multiplication by the 253-bit
/// `L`, no cheaper than the verification itself (measured: docs/PERFORMANCE.md
/// "One pass"). A random linear combination (a batch: ed25519-dalek's
/// `verify_batch` is cofactorless with coefficients drawn from a transcript
/// of the batch, ed25519-zebra's is cofactored) cannot stand in for it: a `T`
/// of order 2 vanishes under an even coefficient, so a batch misses a
/// crafted `R` with probability 1/2 per run, and ed25519-zebra's always
/// (the mixed-order vectors of fixtures/vectors/ed25519-edge-cases.json are
/// such `R`).
///
/// What *is* cheaper is computing the same equation faster: for a key with
/// many signatures, [`StrictKey::with_table`] precomputes curve25519-dalek's
/// fixed-base table of `-A` (the one the library uses for `B`), so
/// `[S]B + [k](-A)` is two table multiplications (no doublings) instead of
/// one double-base multiplication; then, as `verify_strict` does, the result
/// must re-compress to `R`'s exact bytes and not be of small order. Same
/// equation, same checks, no probability: exactly the signatures
/// `verify_strict` accepts (`ledger-core/tests/strict_table.rs` compares the
/// two on the edge-case vectors, crafted signatures and random ones).
#[derive(Debug, Clone)]
pub struct StrictKey(Option<KeyPoint>);

#[derive(Debug, Clone)]
struct KeyPoint {
    key: ed25519_dalek::VerifyingKey,
    /// `verify_strict` refuses every signature by a small-order key.
    small_order: bool,
    /// `[x](-A)` by table lookups (30 KiB; built by [`StrictKey::with_table`]).
    minus_a: Option<Box<EdwardsBasepointTable>>,
}

impl StrictKey {
    /// Decompress `key` (a key that does not decompress refuses everything,
    /// as `verify_strict` does).
    pub fn new(key: &PublicKey) -> StrictKey {
        StrictKey(
            ed25519_dalek::VerifyingKey::from_bytes(key.as_bytes())
                .ok()
                .map(|key| KeyPoint {
                    small_order: key.is_weak(),
                    key,
                    minus_a: None,
                }),
        )
    }

    /// [`StrictKey::new`] plus the fixed-base table of `-A`: building it costs
    /// about as much as 22 verifications (1.9 ms), and each signature then
    /// costs about 60 % of a `verify_strict`, so it pays from about 60
    /// signatures by the key ([`STRICT_TABLE_MIN_SIGNATURES`]).
    pub fn with_table(key: &PublicKey) -> StrictKey {
        let mut strict = StrictKey::new(key);
        if let Some(k) = strict.0.as_mut() {
            if !k.small_order {
                k.minus_a = Some(Box::new(EdwardsBasepointTable::create(&-k.key.to_edwards())));
            }
        }
        strict
    }

    /// [`strict_verify`] of one signature by this key.
    pub fn verify(&self, signature: &SignatureBytes, message: &[u8]) -> bool {
        let Some(k) = &self.0 else { return false };
        let Some(minus_a) = &k.minus_a else {
            return k
                .key
                .verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature.as_bytes()))
                .is_ok();
        };
        if k.small_order {
            return false;
        }
        let (r_bytes, s_bytes) = signature.as_bytes().split_at(32);
        let mut s = [0u8; 32];
        s.copy_from_slice(s_bytes);
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else {
            return false;
        };
        // The challenge over the bytes as given, as `verify_strict` hashes them.
        let challenge = Scalar::from_hash(
            Sha512::new()
                .chain_update(r_bytes)
                .chain_update(k.key.as_bytes())
                .chain_update(message),
        );
        let expected_r = (&s * ED25519_BASEPOINT_TABLE) + (&challenge * &**minus_a);
        // Equal bytes: `R` is the canonical encoding of `expected_r`, so `R`
        // decompresses to it, and `verify_strict`'s small-order test of `R`
        // is this one.
        expected_r.compress().as_bytes() == r_bytes && !expected_r.is_small_order()
    }
}

/// A key with at least this many signatures in a replay step gets
/// [`StrictKey::with_table`] in the audit's strict check: the table costs
/// about 22 `verify_strict`s and saves about 0.4 of one per signature, so it
/// pays from about 60; half again for margin. (In the demo, keys this busy
/// make about three quarters of a 32,768-entry step's signatures.)
pub const STRICT_TABLE_MIN_SIGNATURES: usize = 96;

/// Signatures that ZIP-215 accepts and strict verifiers refuse, made with a
/// real key: what any granted operator could post (issue 11). For the tests
/// and the edge-case vectors (fixtures/vectors/ed25519-edge-cases.json);
/// nothing in the ledger signs this way.
pub mod crafted {
    use crate::encoding::Bytes;
    use crate::keys::SignatureBytes;
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
    use curve25519_dalek::Scalar;
    use ed25519_dalek::SigningKey;
    use sha2::{Digest as _, Sha512};

    /// The identity encoded with `y = p + 1` (`p = 2^255 - 19`): a
    /// non-canonical encoding of a small-order point.
    pub const NON_CANONICAL_IDENTITY: [u8; 32] = {
        let mut b = [0xff; 32];
        b[0] = 0xee;
        b[31] = 0x7f;
        b
    };

    /// A signature whose `R` has the given bytes (the encoding of `r·B + T`
    /// for some small-order `T`): `S = r + k·a`, `k = H(R ‖ A ‖ M)` over the
    /// bytes as given. The cofactored equation holds; it needs the secret `a`.
    pub fn sign_with_r(key: &SigningKey, r_bytes: [u8; 32], r: Scalar, message: &[u8]) -> SignatureBytes {
        let k = Scalar::from_hash(
            Sha512::new()
                .chain_update(r_bytes)
                .chain_update(key.verifying_key().as_bytes())
                .chain_update(message),
        );
        let s = r + k * key.to_scalar();
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r_bytes);
        sig[32..].copy_from_slice(s.as_bytes());
        Bytes(sig)
    }

    /// `R` = the identity, non-canonically encoded ([`NON_CANONICAL_IDENTITY`]),
    /// `S = k·a`: the finding of issue 11 (the write path refuses it).
    pub fn identity_r(key: &SigningKey, message: &[u8]) -> SignatureBytes {
        sign_with_r(key, NON_CANONICAL_IDENTITY, Scalar::ZERO, message)
    }

    /// `R = r·B + T` with `T` of order 8, canonically encoded: only the
    /// cofactorless equation fails, which no cheap check sees, so the write
    /// path accepts it and `ledger audit` names it. `r` is derived from the
    /// key and message (a repeated `r` would reveal the key).
    pub fn mixed_order_r(key: &SigningKey, message: &[u8]) -> SignatureBytes {
        let r = Scalar::from_hash(
            Sha512::new()
                .chain_update(b"SunshineLedger/v1/crafted-r\0")
                .chain_update(key.to_bytes())
                .chain_update(message),
        );
        let point = r * ED25519_BASEPOINT_POINT + EIGHT_TORSION[1];
        sign_with_r(key, point.compress().to_bytes(), r, message)
    }
}
