//! `ledger export`: the whole ledger into a self-contained bundle
//! (`ledger_core::bundle`: magic, header with the signed checkpoint, then
//! every entry), streamed to disk and resumable, from a node's API
//! (`--node`), a stopped node's folder (`--data`) or a C2SP tlog-tiles
//! prefix (`--tiles`: a node's root URL, a bucket's public URL or a
//! `file://` folder; the same bundle byte for byte).
//!
//! The exporter trusts the node no more than the verifier does, but it checks
//! cheaply what it can while downloading: the checkpoint's signature, every
//! entry's canonical decoding and sequence number, and at the end the Merkle
//! root of the entries against the checkpoint. `ledger verify` then checks
//! everything else.

use crate::exit::{input, network, usage, verify, Tag as _};
use crate::http::Node;
use crate::keys;
use crate::messages::export::ExportMsg;
use crate::messages::proof_check::ProofCheckMsg;
use crate::messages::Message as _;
use anyhow::Result;
use clap::Args;
use ledger_core::bundle::{
    encode_header, encode_record, parse_header, BundleHeader, BUNDLE_MAGIC, BUNDLE_VERSION, MAX_HEADER_BYTES,
};
use ledger_core::chain::SequencedEntry;
use ledger_core::checkpoint::{LogVerifier, VerifiedCheckpoint};
use ledger_core::encoding::MAX_ENCODED_BYTES;
use ledger_core::entry::EntryBody;
use ledger_core::merkle::{leaf_hash, MemoryTree};
use ledger_tlog_client::{ClientError, ClientOptions, TilesClient};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Entries per page requested from the node.
const PAGE: u64 = 1000;

/// `ledger export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The node to export from.
    #[arg(
        long,
        env = "LEDGER_NODE",
        value_name = "URL",
        conflicts_with_all = ["data", "tiles"],
        required_unless_present_any = ["data", "tiles"]
    )]
    pub node: Option<String>,
    /// Or a stopped node's data folder, read directly.
    #[arg(long, value_name = "DIR", conflicts_with = "tiles")]
    pub data: Option<PathBuf>,
    /// Or a C2SP tlog-tiles prefix: a node's root URL, a bucket's public URL
    /// (http/https) or a local copy (file:///path); needs --log-key.
    #[arg(long, value_name = "URL", requires = "log_key", conflicts_with = "cosigned")]
    pub tiles: Option<String>,
    /// The bundle file to write (an existing partial export of the same log is resumed).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Export against this signed (e.g. witness-cosigned) checkpoint instead of the node's latest.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Export against the node's newest witness-cosigned checkpoint (`/v1/checkpoint/cosigned`).
    #[arg(long, conflicts_with = "checkpoint")]
    pub cosigned: bool,
    /// Pin the log's verifier key (default: the key the node or genesis states).
    #[arg(long, value_name = "VKEY")]
    pub log_key: Option<String>,
}

/// A partial bundle on disk.
struct Partial {
    header: BundleHeader,
    complete: u64,
    end: u64,
    tree: MemoryTree,
}

/// Read the header and count the complete records of an existing bundle file.
fn scan_existing(path: &Path) -> Result<Option<Partial>> {
    let Ok(file) = File::open(path) else { return Ok(None) };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut head = vec![0u8; BUNDLE_MAGIC.len() + 4];
    if reader.read_exact(&mut head).is_err() {
        return Err(input(format!(
            "{} exists but is not a bundle; delete it or choose another --out",
            path.display()
        )));
    }
    if !head.starts_with(BUNDLE_MAGIC) {
        return Err(input(format!(
            "{} exists but is not a bundle; delete it or choose another --out",
            path.display()
        )));
    }
    let len = u32::from_le_bytes([head[26], head[27], head[28], head[29]]) as usize;
    if len > MAX_HEADER_BYTES {
        return Err(input(format!("{}: bundle header over its limit", path.display())));
    }
    let mut body = vec![0u8; len];
    reader
        .read_exact(&mut body)
        .input_err(format!("{}: truncated bundle header", path.display()))?;
    head.extend_from_slice(&body);
    let (header, offset) = parse_header(&head).input_err(format!("{}", path.display()))?;
    let mut end = offset as u64;
    let mut complete = 0u64;
    let mut tree = MemoryTree::new();
    let mut record = Vec::new();
    while complete < header.entry_count {
        let mut len_bytes = [0u8; 4];
        if reader.read_exact(&mut len_bytes).is_err() {
            break;
        }
        let len = u32::from_le_bytes(len_bytes) as usize;
        if len > MAX_ENCODED_BYTES {
            break;
        }
        record.resize(len, 0);
        if reader.read_exact(&mut record).is_err() {
            break;
        }
        tree.append(leaf_hash(&record));
        complete += 1;
        end += 4 + len as u64;
    }
    Ok(Some(Partial {
        header,
        complete,
        end,
        tree,
    }))
}

fn verify_note(vkey: &str, note: &str) -> Result<VerifiedCheckpoint> {
    let verifier = LogVerifier::from_vkey(vkey).usage_err(format!("log key {vkey}"))?;
    verifier.verify_checkpoint(note.as_bytes()).map_err(|e| {
        verify(
            ProofCheckMsg::CheckpointKey {
                vkey: vkey.to_string(),
                why: e.to_string(),
            }
            .text(),
        )
    })
}

/// Where entries come from.
enum Source {
    Node(Node),
    Store(Box<ledger_store::EntryLog>),
    /// A tiles prefix, read for the checkpoint of `size` entries.
    Tiles {
        client: TilesClient,
        size: u64,
    },
}

impl Source {
    fn fetch(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>> {
        match self {
            Source::Node(node) => {
                let page = node.entries(start, (end - start).min(PAGE))?;
                page.entries.iter().map(|e| e.bytes()).collect()
            }
            Source::Store(store) => {
                let mut out = Vec::new();
                for item in store.entries(start, end.min(start + PAGE)) {
                    let (_, bytes) = item.map_err(|e| input(format!("reading the store: {e}")))?;
                    out.push(bytes);
                }
                Ok(out)
            }
            Source::Tiles { client, size } => {
                // Whole tiles where possible: each bundle is read once.
                let tile = u64::from(ledger_core::merkle::TILE_WIDTH);
                let stop = end.min((start / tile + 4) * tile);
                client.entries(start, stop, *size).map_err(tiles_error)
            }
        }
    }
}

/// A tiles client's refusal as a CLI failure: data that does not match the
/// tiles or the signed root is a verification failure (exit 1), the rest
/// a network failure (exit 3); the line starts with the stable code.
fn tiles_error(e: ClientError) -> anyhow::Error {
    match e {
        ClientError::TileMismatch { .. }
        | ClientError::BadCheckpoint(_)
        | ClientError::WrongLog(_)
        | ClientError::InvalidRotation(_) => verify(e.to_string()),
        ClientError::BadUrl(_) => usage(e.to_string()),
        _ => network(e.to_string()),
    }
}

/// The checkpoint and the log's origin from a tiles prefix. The origin is
/// the genesis entry's (entry 0, checked against its level-0 tile), so a
/// checkpoint of another log is refused below like a node's.
fn tiles_source(url: &str, timeout_s: u64, given_note: Option<&String>) -> Result<(Source, String, String)> {
    let options = ClientOptions {
        timeout_ms: timeout_s.saturating_mul(1000),
        ..ClientOptions::default()
    };
    let client = TilesClient::new(url, options).map_err(tiles_error)?;
    let note = match given_note {
        Some(n) => n.clone(),
        None => String::from_utf8(client.checkpoint_note().map_err(tiles_error)?)
            .map_err(|_| verify(format!("{url}: the checkpoint is not UTF-8 text")))?,
    };
    let size = note
        .lines()
        .nth(1)
        .and_then(|l| l.parse::<u64>().ok())
        .ok_or_else(|| verify(format!("{url}: the checkpoint is not a C2SP checkpoint note")))?;
    let first = client.entries(0, 1, size).map_err(tiles_error)?;
    let origin = match first.first().map(|b| SequencedEntry::decode(b)) {
        Some(Ok(decoded)) => decoded.entry.signed.submission.origin,
        Some(Err(e)) => return Err(verify(format!("{url}: entry 0 does not decode: {e}"))),
        None => return Err(verify(format!("{url}: the log is empty"))),
    };
    Ok((Source::Tiles { client, size }, note, origin))
}

/// Entries read per pass when a tiles export follows the log's rotations.
const KEY_SCAN_ENTRIES: u64 = 16_384;

/// The key in force and the verified checkpoint of a tiles export pinned to
/// `pinned`. When the checkpoint verifies against the pinned key, that is
/// all; otherwise (a rotated log, exported with its genesis key or an older
/// one) the log's entries are read once from the tiles to follow its
/// rotations, each endorsed by the key before it (`key_in_force`), and the
/// checkpoint must verify against the key they lead to. Trust comes from the
/// chain of endorsements that starts at the pinned key, never from a file
/// the source states (`static/v1/log-keys.json` is not read). The bundle's
/// header then names the key in force, as `--node` writes it.
fn tiles_checkpoint(
    client: &TilesClient,
    pinned: &str,
    origin: &str,
    size: u64,
    note: &str,
) -> Result<(String, VerifiedCheckpoint)> {
    let first = match verify_note(pinned, note) {
        Ok(checkpoint) => return Ok((pinned.to_string(), checkpoint)),
        Err(e) => e,
    };
    let vkey = match ledger_tlog_client::key_in_force(client, pinned, origin, size, KEY_SCAN_ENTRIES) {
        Ok(k) => k,
        Err(ClientError::WrongLog(why)) => return Err(verify(format!("wrong_log: {first:#}; {why}"))),
        Err(e) => return Err(tiles_error(e)),
    };
    if vkey == pinned {
        return Err(first);
    }
    Ok((vkey.clone(), verify_note(&vkey, note)?))
}

/// Run `ledger export`.
pub fn run(args: &ExportArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    let out = args.out.display().to_string();
    let writing = || ExportMsg::Writing { file: out.clone() }.text();
    let pinned = match &args.log_key {
        Some(k) => Some(keys::vkey_arg(k)?),
        None => None,
    };
    let given_note = match &args.checkpoint {
        Some(p) => Some(keys::read_small(p, ledger_core::checkpoint::MAX_NOTE_BYTES as u64)?),
        None => None,
    };
    let (source, note, stated_vkey, origin) = match (&args.node, &args.data) {
        (None, None) if args.tiles.is_some() => {
            let url = args.tiles.as_deref().unwrap_or_default();
            let (source, note, origin) = tiles_source(url, timeout_s, given_note.as_ref())?;
            // --log-key is required with --tiles (clap): the prefix states no key.
            let vkey = pinned.clone().unwrap_or_default();
            (source, note, vkey, origin)
        }
        (Some(url), _) => {
            let node = Node::new(url, timeout_s)?;
            let log = node.log()?;
            let note = match (&given_note, args.cosigned) {
                (Some(n), _) => n.clone(),
                (None, true) => node.get_text("/v1/checkpoint/cosigned")?,
                (None, false) => node.checkpoint()?,
            };
            let size = note
                .lines()
                .nth(1)
                .and_then(|l| l.parse::<u64>().ok())
                .unwrap_or(log.size);
            let vkey = log.vkey_for_size(size);
            let origin = log.origin.clone();
            (Source::Node(node), note, vkey, origin)
        }
        (None, Some(dir)) => {
            // Read-only: opening writes nothing, and never creates a store
            // where there is none (a mistyped --data).
            let store = ledger_store::EntryLog::open(
                &dir.join("store"),
                ledger_store::OpenMode::ReadOnly,
                ledger_store::LogOptions::default(),
            )
            .map_err(|e| {
                input(
                    ExportMsg::NoStore {
                        dir: dir.display().to_string(),
                        why: e.to_string(),
                    }
                    .text(),
                )
            })?;
            if let Some(torn) = store.torn_tail() {
                eprintln!(
                    "{}",
                    ExportMsg::TornTail {
                        file: torn.file.display().to_string(),
                        bytes: torn.bytes,
                    }
                    .text()
                );
            }
            let note = match &given_note {
                Some(n) => n.clone(),
                None => {
                    let bytes = store
                        .checkpoint()
                        .map_err(|e| input(format!("reading the store: {e}")))?;
                    let bytes = bytes.ok_or_else(|| {
                        input(
                            ExportMsg::NoCheckpoint {
                                dir: dir.display().to_string(),
                            }
                            .text(),
                        )
                    })?;
                    String::from_utf8(bytes).input_err("the stored checkpoint")?
                }
            };
            let (vkey, origin) = store_log_key(&store)?;
            (Source::Store(Box::new(store)), note, vkey, origin)
        }
        (None, None) => return Err(usage(ExportMsg::NeedSource.text())),
    };
    let vkey = match &pinned {
        Some(k) => k.clone(),
        None => {
            crate::progress::note(
                quiet,
                &ExportMsg::KeyFromSource {
                    vkey: stated_vkey.clone(),
                }
                .text(),
            );
            stated_vkey
        }
    };
    let (vkey, mut checkpoint) = match (&source, &pinned) {
        // A bucket states no key: the pinned key (genesis's, say) leads to
        // the key in force through the log's own endorsed rotations.
        (Source::Tiles { client, size }, Some(pinned)) => tiles_checkpoint(client, pinned, &origin, *size, &note)?,
        _ => {
            let checkpoint = verify_note(&vkey, &note)?;
            (vkey, checkpoint)
        }
    };
    if checkpoint.origin() != origin {
        return Err(verify(
            ProofCheckMsg::OtherLog {
                checkpoint: checkpoint.origin().to_string(),
                source: origin.clone(),
            }
            .text(),
        ));
    }
    let mut header = BundleHeader {
        v: BUNDLE_VERSION,
        origin: origin.clone(),
        log_vkey: vkey.clone(),
        checkpoint: note.clone(),
        entry_count: checkpoint.size(),
    };
    let existing = scan_existing(&args.out)?;
    let (mut tree, start) = match existing {
        Some(p) if p.header.origin != origin => {
            return Err(input(format!(
                "{} holds a bundle of log {:?}, not {origin:?}; delete it or choose another --out",
                args.out.display(),
                p.header.origin
            )))
        }
        Some(p) => {
            if p.header.checkpoint != header.checkpoint {
                // With a pinned key, the partial file's own header is not
                // trusted: its checkpoint must verify against the pinned key.
                let resumed = match &pinned {
                    Some(_) => verify_note(&vkey, &p.header.checkpoint)?,
                    None => verify_note(&p.header.log_vkey, &p.header.checkpoint)
                        .or_else(|_| verify_note(&vkey, &p.header.checkpoint))?,
                };
                if p.complete < p.header.entry_count {
                    crate::progress::note(
                        quiet,
                        &format!(
                            "resuming the export of checkpoint size {} started earlier (the log is now at {}; export again to a new file for the newer state)",
                            p.header.entry_count,
                            checkpoint.size()
                        ),
                    );
                }
                checkpoint = resumed;
                header = p.header.clone();
            }
            let file = OpenOptions::new()
                .write(true)
                .open(&args.out)
                .input_err(ExportMsg::Opening { file: out.clone() }.text())?;
            file.set_len(p.end)
                .input_err(ExportMsg::Truncating { file: out.clone() }.text())?;
            if p.complete > 0 {
                crate::progress::note(
                    quiet,
                    &ExportMsg::Resuming {
                        file: out.clone(),
                        done: p.complete,
                        total: header.entry_count,
                    }
                    .text(),
                );
            }
            (p.tree, p.complete)
        }
        None => {
            let mut file = File::create(&args.out).input_err(ExportMsg::Creating { file: out.clone() }.text())?;
            file.write_all(&encode_header(&header)).input_err(writing())?;
            file.sync_data().input_err(writing())?;
            (MemoryTree::new(), 0)
        }
    };
    let total = header.entry_count;
    let mut file = OpenOptions::new()
        .append(true)
        .open(&args.out)
        .input_err(ExportMsg::Opening { file: out.clone() }.text())?;
    file.seek(SeekFrom::End(0)).input_err("seeking")?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let bar = crate::progress::bar(total, "exporting", quiet);
    bar.set_position(start);
    let mut next = start;
    while next < total {
        let batch = source.fetch(next, total)?;
        if batch.is_empty() {
            return Err(network(format!("the source returned no entries at {next} of {total}")));
        }
        for bytes in batch.into_iter().take((total - next) as usize) {
            let decoded = SequencedEntry::decode(&bytes)
                .map_err(|e| verify(format!("entry {next}: the source sent bytes that do not decode: {e}")))?;
            if decoded.entry.seq != next {
                return Err(verify(format!(
                    "the source sent entry {} where entry {next} belongs",
                    decoded.entry.seq
                )));
            }
            tree.append(decoded.leaf_hash);
            writer.write_all(&encode_record(&bytes)).input_err(writing())?;
            next += 1;
        }
        writer.flush().input_err(writing())?;
        bar.set_position(next);
    }
    writer.flush().input_err(writing())?;
    writer.get_ref().sync_data().input_err(writing())?;
    bar.finish_and_clear();
    if tree.root() != *checkpoint.root() {
        return Err(verify(format!(
            "the {total} exported entries hash to root {} but the signed checkpoint says {}: the source serves entries that do not match its own checkpoint (kept in {} as evidence)",
            tree.root(),
            checkpoint.root(),
            args.out.display()
        )));
    }
    let cosignatures = checkpoint.other_signatures().len();
    println!(
        "{}",
        ExportMsg::Exported {
            total,
            origin: origin.to_string(),
            file: out.clone(),
            size: checkpoint.size(),
            root: checkpoint.root().to_string(),
            cosignatures,
        }
        .text()
    );
    Ok(())
}

/// The log key in force at the store's end and the origin, from genesis and rotations.
fn store_log_key(store: &ledger_store::EntryLog) -> Result<(String, String)> {
    let count = store.entry_count();
    let mut vkey = None;
    let mut origin = String::new();
    for item in store.entries(0, count) {
        let (seq, bytes) = item.map_err(|e| input(format!("reading the store: {e}")))?;
        let decoded =
            SequencedEntry::decode(&bytes).map_err(|e| verify(format!("stored entry {seq} does not decode: {e}")))?;
        match decoded.entry.signed.submission.body {
            EntryBody::Genesis(g) => {
                vkey = Some(g.log_vkey);
                origin = decoded.entry.signed.submission.origin;
            }
            EntryBody::LogKeyRotate { log_vkey, .. } => vkey = Some(log_vkey),
            _ => {}
        }
    }
    Ok((vkey.ok_or_else(|| input("the store has no genesis entry"))?, origin))
}
