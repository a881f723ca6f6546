//! `ledger witness`: an independent witness (纪委监委, 审计局) that cosigns a
//! checkpoint only after checking it extends the last one it saw
//! (`c2sp.org/tlog-witness`), and keeps the evidence if it does not.
//!
//! Two modes share one decision (ledger-core's `witness_check`):
//! `ledger witness serve` (the ledger-witness binary, run by
//! src/witness_serve.rs) is the C2SP witness logs push to; this pull mode
//! fetches the checkpoint and proof from the node itself, for a witness
//! behind a firewall that accepts no connections.

use crate::exit::{input, usage, verify, Tag as _};
use crate::http::{parse_hashes, ConsistencyJson, Node};
use crate::keys;
use crate::messages::witness::WitnessMsg;
use crate::messages::Message as _;
use crate::verify_cmd::{evidence_path, write_evidence, EvidenceFile};
use anyhow::Result;
use clap::Args;
use ledger_core::checkpoint::{add_cosignature, witness_check, LogVerifier, WitnessSigner, WitnessState};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `ledger witness`.
#[derive(Debug, Clone, Args)]
pub struct WitnessArgs {
    /// `serve`: run a C2SP tlog-witness server instead of pulling.
    #[command(subcommand)]
    pub command: Option<WitnessCommand>,
    /// The node.
    #[arg(long, env = "LEDGER_NODE", value_name = "URL", required = true)]
    pub node: Option<String>,
    /// The witness's signing key file (its name is the witness name).
    #[arg(long, value_name = "FILE", required = true)]
    pub key: Option<PathBuf>,
    /// State file: the last checkpoint this witness cosigned (created on first use).
    #[arg(long, value_name = "FILE", required = true)]
    pub state: Option<PathBuf>,
    /// The log's verifier key (required on first use; then kept in the state file).
    #[arg(long, value_name = "VKEY")]
    pub log_key: Option<String>,
    /// Where to write fork evidence (default: next to the state file).
    #[arg(long, value_name = "FILE")]
    pub evidence: Option<PathBuf>,
    /// Also write the cosigned checkpoint note to FILE.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Send the cosigned checkpoint to the node (`POST /v1/cosignatures`), which
    /// serves it at `/v1/checkpoint/cosigned` for k-of-n clients.
    #[arg(long)]
    pub submit: bool,
    /// Print the witness's verifier key and exit.
    #[arg(long)]
    pub print_vkey: bool,
}

/// `ledger witness <command>`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum WitnessCommand {
    /// 运行见证人服务（由 ledger-witness 程序运行）：账本向它 POST /add-checkpoint (run a c2sp.org/tlog-witness server: the ledger-witness binary).
    #[command(
        disable_help_flag = true,
        after_help = "Examples:\n  ledger witness serve --key jiwei.key --state-dir /var/lib/jiwei-witness --listen 0.0.0.0:7380 --log \"$LOG_VKEY\"\n\nThe node pushes to it with `ledger-node --witness-url WITNESS_VKEY=http://HOST:7380`.\n`ledger witness serve --help` shows the witness's own flags. Found as $LEDGER_WITNESS_BIN, else beside `ledger`, else on PATH (`cargo install --path ledger-witness`).\nExit codes: 0 stopped cleanly, 2 usage, 3 cannot listen, 4 key or state file error, or ledger-witness not found."
    )]
    Serve(crate::witness_serve::ServeArgs),
}

/// The witness's memory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateFile {
    /// The log's origin.
    pub origin: String,
    /// The log key.
    pub log_vkey: String,
    /// Size of the last cosigned checkpoint.
    pub size: u64,
    /// Its root (hex).
    pub root: String,
    /// Its note.
    pub checkpoint: String,
}

/// Run `ledger witness`.
pub fn run(args: &WitnessArgs, timeout_s: u64, quiet: bool) -> Result<()> {
    if let Some(WitnessCommand::Serve(serve)) = &args.command {
        return crate::witness_serve::run(serve, quiet);
    }
    // clap requires these without a subcommand; checked again, not unwrapped.
    let (Some(node_url), Some(key_path), Some(state_path)) = (&args.node, &args.key, &args.state) else {
        return Err(usage(WitnessMsg::NeedFlags.text()));
    };
    let (name, key) = keys::read_signing_key(key_path)?;
    let signer = WitnessSigner::new(&name, key).usage_err(WitnessMsg::KeyName { name: name.clone() }.text())?;
    if args.print_vkey {
        println!("{}", signer.verifier_key());
        return Ok(());
    }
    let prev: Option<StateFile> = if state_path.exists() {
        let text = keys::read_small(state_path, 1024 * 1024)?;
        Some(
            serde_json::from_str(&text).input_err(
                WitnessMsg::StateFile {
                    file: state_path.display().to_string(),
                }
                .text(),
            )?,
        )
    } else {
        None
    };
    let vkey = match (&args.log_key, &prev) {
        (Some(k), Some(p)) => {
            let k = keys::vkey_arg(k)?;
            if k != p.log_vkey {
                return Err(usage(
                    WitnessMsg::LogKeyDiffers {
                        file: state_path.display().to_string(),
                        kept: p.log_vkey.clone(),
                    }
                    .text(),
                ));
            }
            k
        }
        (Some(k), None) => keys::vkey_arg(k)?,
        (None, Some(p)) => p.log_vkey.clone(),
        (None, None) => return Err(usage(WitnessMsg::FirstRunNeedsLogKey.text())),
    };
    let verifier = LogVerifier::from_vkey(&vkey).usage_err("--log-key")?;
    let node = Node::new(node_url, timeout_s)?;
    let (note, proof) = match &prev {
        Some(p) if p.size > 0 => {
            let answer: ConsistencyJson = node.get_json(&format!("/v1/proof/consistency?from={}", p.size))?;
            if answer.from != p.size {
                return Err(verify(
                    WitnessMsg::ProofFromWrongSize {
                        asked: p.size,
                        got: answer.from,
                    }
                    .text(),
                ));
            }
            if answer.checkpoint.lines().nth(1) != Some(answer.to.to_string().as_str()) {
                return Err(verify(WitnessMsg::ProofCheckpointOtherSize { to: answer.to }.text()));
            }
            (answer.checkpoint.clone(), parse_hashes(&answer.hashes)?)
        }
        _ => (node.checkpoint()?, Vec::new()),
    };
    let checkpoint = verifier.verify_checkpoint(note.as_bytes()).map_err(|e| {
        verify(
            WitnessMsg::CheckpointDoesNotVerify {
                vkey: vkey.clone(),
                why: e.to_string(),
            }
            .text(),
        )
    })?;
    let prev_state = match &prev {
        Some(p) => Some(WitnessState {
            origin: p.origin.clone(),
            size: p.size,
            root: ledger_core::merkle::TreeHash(
                ledger_core::encoding::Bytes::<32>::from_hex(&p.root)
                    .input_err(format!("{}", state_path.display()))?
                    .0,
            ),
        }),
        None => None,
    };
    let state = match witness_check(prev_state.as_ref(), &checkpoint, &proof) {
        Ok(s) => s,
        Err(e) => {
            let older = prev.as_ref().map(|p| p.checkpoint.clone()).unwrap_or_default();
            let evidence = EvidenceFile {
                kind: "sunshine-ledger/fork-evidence/v1".into(),
                origin: checkpoint.origin().to_string(),
                reason: format!("witness refused to cosign: {e}"),
                log_vkey: vkey.clone(),
                older_checkpoint: older,
                newer_checkpoint: note.clone(),
                newer_root_at_older_size: None,
                consistency_proof: proof.iter().map(|h| hex::encode(h.0)).collect(),
                found_ms: crate::time::now_ms(),
            };
            let path = evidence_path(state_path, args.evidence.as_ref());
            write_evidence(&path, &evidence)?;
            return Err(verify(
                WitnessMsg::Refused {
                    why: e.to_string(),
                    file: path.display().to_string(),
                }
                .text(),
            ));
        }
    };
    let time_s = crate::time::now_ms() / 1000;
    let line = signer
        .cosign(&checkpoint, time_s)
        .usage_err(WitnessMsg::Cosigning.text())?;
    // Persist the new state before releasing the cosignature (tlog-witness).
    let file = StateFile {
        origin: state.origin.clone(),
        log_vkey: vkey.clone(),
        size: state.size,
        root: hex::encode(state.root.0),
        checkpoint: note.clone(),
    };
    // Durably (fsync, rename, fsync the folder), as the server does: a
    // witness that forgets what it cosigned can be made to cosign a fork.
    ledger_store::durable::replace_file(
        state_path,
        (serde_json::to_string_pretty(&file).input_err(WitnessMsg::EncodingState.text())? + "\n").as_bytes(),
        0o644,
    )
    .input_err(
        WitnessMsg::Writing {
            file: state_path.display().to_string(),
        }
        .text(),
    )?;
    let cosigned = add_cosignature(note.as_bytes(), &line)
        .map_err(|e| input(WitnessMsg::AddingCosignature { why: e.to_string() }.text()))?;
    if let Some(out) = &args.out {
        std::fs::write(out, &cosigned).input_err(
            WitnessMsg::Writing {
                file: out.display().to_string(),
            }
            .text(),
        )?;
    }
    if args.submit {
        let answer = node.post("/v1/cosignatures", "text/plain; charset=utf-8", cosigned)?;
        if answer.status != 200 {
            let why = answer
                .error()
                .map(|e| format!("{} ({})", e.message, e.code))
                .unwrap_or_else(|| format!("HTTP {}", answer.status));
            return Err(crate::exit::network(WitnessMsg::NodeRefused { why }.text()));
        }
    }
    print!("{}", line.to_line());
    crate::progress::note(
        quiet,
        &WitnessMsg::Cosigned {
            size: checkpoint.size(),
            origin: checkpoint.origin().to_string(),
            previous: prev.map(|p| p.size),
        }
        .text(),
    );
    Ok(())
}
