//! `ledger witness`: an independent witness (纪委监委, 审计局) that cosigns a
//! checkpoint only after checking it extends the last one it saw
//! (`c2sp.org/tlog-witness`), and keeps the evidence if it does not.

use crate::exit::{input, usage, verify, Tag as _};
use crate::http::{parse_hashes, ConsistencyJson, Node};
use crate::keys;
use crate::verify_cmd::{evidence_path, write_evidence, EvidenceFile};
use anyhow::Result;
use clap::Args;
use ledger_core::checkpoint::{add_cosignature, witness_check, LogVerifier, WitnessSigner, WitnessState};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `ledger witness`.
#[derive(Debug, Clone, Args)]
pub struct WitnessArgs {
    /// The node.
    #[arg(long, env = "LEDGER_NODE", value_name = "URL")]
    pub node: String,
    /// The witness's signing key file (its name is the witness name).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// State file: the last checkpoint this witness cosigned (created on first use).
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
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
    let (name, key) = keys::read_signing_key(&args.key)?;
    let signer = WitnessSigner::new(&name, key).usage_err(format!("witness key name {name:?}"))?;
    if args.print_vkey {
        println!("{}", signer.verifier_key());
        return Ok(());
    }
    let prev: Option<StateFile> = if args.state.exists() {
        let text = keys::read_small(&args.state, 1024 * 1024)?;
        Some(serde_json::from_str(&text).input_err(format!("witness state {}", args.state.display()))?)
    } else {
        None
    };
    let vkey = match (&args.log_key, &prev) {
        (Some(k), Some(p)) => {
            let k = keys::vkey_arg(k)?;
            if k != p.log_vkey {
                return Err(usage(format!(
                    "--log-key differs from the key in {} ({}); a log-key rotation is followed by starting a new state file",
                    args.state.display(),
                    p.log_vkey
                )));
            }
            k
        }
        (Some(k), None) => keys::vkey_arg(k)?,
        (None, Some(p)) => p.log_vkey.clone(),
        (None, None) => {
            return Err(usage(
                "the first run needs --log-key VKEY (the log's verifier key you trust)",
            ))
        }
    };
    let verifier = LogVerifier::from_vkey(&vkey).usage_err("--log-key")?;
    let node = Node::new(&args.node, timeout_s)?;
    let (note, proof) = match &prev {
        Some(p) if p.size > 0 => {
            let answer: ConsistencyJson = node.get_json(&format!("/v1/proof/consistency?from={}", p.size))?;
            if answer.from != p.size {
                return Err(verify(format!(
                    "asked for a consistency proof from size {}, got one from {}",
                    p.size, answer.from
                )));
            }
            if answer.checkpoint.lines().nth(1) != Some(answer.to.to_string().as_str()) {
                return Err(verify(format!(
                    "the consistency proof is to size {}, but its checkpoint is of another size",
                    answer.to
                )));
            }
            (answer.checkpoint.clone(), parse_hashes(&answer.hashes)?)
        }
        _ => (node.checkpoint()?, Vec::new()),
    };
    let checkpoint = verifier
        .verify_checkpoint(note.as_bytes())
        .map_err(|e| verify(format!("the node's checkpoint does not verify against {vkey}: {e}")))?;
    let prev_state = match &prev {
        Some(p) => Some(WitnessState {
            origin: p.origin.clone(),
            size: p.size,
            root: ledger_core::merkle::TreeHash(
                ledger_core::encoding::Bytes::<32>::from_hex(&p.root)
                    .input_err(format!("{}", args.state.display()))?
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
            let path = evidence_path(&args.state, args.evidence.as_ref());
            write_evidence(&path, &evidence)?;
            return Err(verify(format!(
                "REFUSED: {e}; the log shows a history that does not extend the checkpoint this witness cosigned. Both checkpoints and the proof are saved in {}",
                path.display()
            )));
        }
    };
    let time_s = crate::time::now_ms() / 1000;
    let line = signer.cosign(&checkpoint, time_s).usage_err("cosigning")?;
    // Persist the new state before releasing the cosignature (tlog-witness).
    let file = StateFile {
        origin: state.origin.clone(),
        log_vkey: vkey.clone(),
        size: state.size,
        root: hex::encode(state.root.0),
        checkpoint: note.clone(),
    };
    let tmp = args.state.with_extension("tmp");
    std::fs::write(
        &tmp,
        serde_json::to_string_pretty(&file).input_err("encoding the state")? + "\n",
    )
    .input_err(format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &args.state).input_err(format!("writing {}", args.state.display()))?;
    let cosigned =
        add_cosignature(note.as_bytes(), &line).map_err(|e| input(format!("adding the cosignature: {e}")))?;
    if let Some(out) = &args.out {
        std::fs::write(out, &cosigned).input_err(format!("writing {}", out.display()))?;
    }
    if args.submit {
        let answer = node.post("/v1/cosignatures", "text/plain; charset=utf-8", cosigned)?;
        if answer.status != 200 {
            let why = answer
                .error()
                .map(|e| format!("{} ({})", e.message, e.code))
                .unwrap_or_else(|| format!("HTTP {}", answer.status));
            return Err(crate::exit::network(format!("the node refused the cosignature: {why}")));
        }
    }
    print!("{}", line.to_line());
    crate::progress::note(
        quiet,
        &format!(
            "cosigned checkpoint size {} of {} (previous size {})",
            checkpoint.size(),
            checkpoint.origin(),
            prev.map(|p| p.size.to_string())
                .unwrap_or_else(|| "none: first use".into())
        ),
    );
    Ok(())
}
