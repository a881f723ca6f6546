//! Configuration: command-line flags, then environment variables, then a
//! TOML file, then defaults — in that order of precedence. Every limit has
//! an explicit value here; nothing relies on a library's default.

use crate::api::Limits;
use crate::connections::ConnectionLimits;
use crate::publish::target::PublishTarget;
use crate::publish::PublishConfig;
use crate::sequencer::SequencerOptions;
use crate::store::StoreOptions;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Default data folder for a real node.
pub const DEFAULT_DATA_DIR: &str = "./sunshine-data";
/// Default data folder for `--demo`, kept apart so a demo never mixes with real data.
pub const DEFAULT_DEMO_DATA_DIR: &str = "./sunshine-demo";
/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Default free-space reserve of the data folder's file system, MiB (see
/// `Args::min_free_mib`).
pub const DEFAULT_MIN_FREE_MIB: u64 = crate::store::DEFAULT_MIN_FREE_BYTES >> 20;

/// Sunshine Ledger node (阳光账本节点): the signed write API, the public read
/// API and the citizens' web page over one embedded store.
#[derive(Debug, Parser)]
#[command(
    name = "ledger-node",
    version,
    after_help = "Examples:\n  ledger-node --demo                               # demo log in ./sunshine-demo, http://127.0.0.1:8080/\n  ledger-node --data /srv/ledger init --origin huaian.example.gov.cn/ledger  # a new log, once\n  ledger-node --data /srv/ledger --listen 0.0.0.0:8080\n  ledger-node --config /etc/sunshine/node.toml\n  ledger-node prepare-rotation --data /srv/ledger  # new log key for a rotation\n  ledger-node restore --data /srv/ledger --bundle ledger.bundle\n\nExit codes: 0 clean shutdown, 1 start-up refused (bad config, damaged store), 70 storage failure while running, 71 the sequencer or committer panicked (a bug; restart replays the store)."
)]
pub struct Args {
    /// Data folder (one folder holds everything: store and keys/).
    // Global: accepted before or after a subcommand (README writes
    // `ledger-node restore --data DIR --bundle FILE`).
    #[arg(long, env = "LEDGER_DATA", global = true)]
    pub data: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "LEDGER_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// TOML configuration file (same keys as the long flags, with underscores).
    #[arg(long, env = "LEDGER_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// On an empty data folder, create demo keys and load the demo data set.
    #[arg(long)]
    pub demo: bool,
    /// The log's origin (checkpoint key name), for `init`.
    #[arg(long, global = true, env = "LEDGER_ORIGIN")]
    pub origin: Option<String>,
    /// Log format: `human` or `json`.
    #[arg(long, env = "LEDGER_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,
    /// Most entries per group commit.
    #[arg(long)]
    pub max_batch_entries: Option<usize>,
    /// Milliseconds to wait to fill a group commit.
    #[arg(long)]
    pub batch_window_ms: Option<u64>,
    /// Requests that may wait for the sequencer before 503.
    #[arg(long)]
    pub queue_requests: Option<usize>,
    /// Largest request body in bytes.
    #[arg(long)]
    pub max_body_bytes: Option<usize>,
    /// Public read requests per second per client address.
    #[arg(long)]
    pub read_rate_per_sec: Option<u32>,
    /// Bytes the village page's answer cache may hold (default 8388608 =
    /// 8 MiB; 0 turns it off). Answers are valid until the next commit.
    #[arg(long, env = "LEDGER_FLOWS_CACHE_BYTES")]
    pub flows_cache_bytes: Option<usize>,
    /// Free space (MiB, default 64) the data folder's file system must keep:
    /// below it the node refuses writes `storage_full` and goes on serving
    /// reads.
    #[arg(long, global = true)]
    pub min_free_mib: Option<u64>,
    /// Most open HTTP connections (default 512); more are answered 503 and
    /// closed at once.
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Most open HTTP connections from one client address (default 32).
    #[arg(long)]
    pub max_connections_per_address: Option<usize>,
    /// Milliseconds a client has to send a request's head, from the
    /// connection's start or the previous answer (default 15000); an idle
    /// connection is closed after it.
    #[arg(long)]
    pub header_read_timeout_ms: Option<u64>,
    /// A witness whose cosignatures the node collects (verifier key
    /// `name+id+base64`); repeat for several.
    #[arg(long = "witness", env = "LEDGER_WITNESSES", value_delimiter = ',')]
    pub witnesses: Vec<String>,
    /// How many of the witnesses must cosign a checkpoint for clients to
    /// trust it (k of n; default 1 when witnesses are named, else 0). The
    /// node states it at /v1/witnesses; the page requires it.
    #[arg(long, env = "LEDGER_MIN_WITNESSES")]
    pub min_witnesses: Option<usize>,
    /// Push checkpoints to this witness over c2sp.org/tlog-witness:
    /// `VKEY=http://HOST:PORT` (the witness's verifier key, '=', its URL;
    /// POST URL/add-checkpoint). Repeatable; the key counts as a --witness.
    #[arg(long = "witness-url", value_name = "VKEY=URL")]
    pub witness_urls: Vec<String>,
    /// Least milliseconds between two pushes to one witness (default 1000;
    /// also the first back-off step after a failure, doubling up to 60 s).
    #[arg(long)]
    pub witness_interval_ms: Option<u64>,
    /// Time-out of one push to a witness, milliseconds (default 5000).
    #[arg(long)]
    pub witness_timeout_ms: Option<u64>,
    /// Demo only: number of demo entries to load.
    #[arg(long)]
    pub demo_entries: Option<u64>,
    /// Publish the log to object storage as C2SP tlog-tiles:
    /// `s3://BUCKET[/PREFIX]` (with --publish-endpoint; credentials from
    /// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) or `file:///DIR`.
    #[arg(long, env = "LEDGER_PUBLISH")]
    pub publish: Option<String>,
    /// The S3 service's URL for an s3:// target, e.g. https://s3.example.gov.cn.
    #[arg(long, env = "LEDGER_PUBLISH_ENDPOINT", global = true)]
    pub publish_endpoint: Option<String>,
    /// Virtual-hosted-style S3 requests (BUCKET.ENDPOINT/KEY) instead of
    /// path-style (ENDPOINT/BUCKET/KEY).
    #[arg(long, global = true)]
    pub publish_virtual_hosted: bool,
    /// At most one publication round per this many ms (default 1000).
    #[arg(long)]
    pub publish_interval_ms: Option<u64>,
    /// Above this many unpublished entries the node warns (once per
    /// crossing) and sets ledger_publish_backlog_exceeded; it never stops
    /// sequencing for the bucket (default 100000).
    #[arg(long)]
    pub publish_max_backlog_entries: Option<u64>,
    /// Longest one request to the bucket may take, ms (default 10000).
    #[arg(long, global = true)]
    pub publish_request_timeout_ms: Option<u64>,
    /// Subcommand (default: run the node).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Maintenance commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a new log in an empty data folder: create the log key
    /// (keys/log.key, with --origin), the empty store, and the record of what
    /// the key has signed (nothing yet). The node never starts a log by
    /// itself: a missing or wiped store must not become a second history
    /// signed with the same key.
    Init,
    /// Create keys/log-next.key for a log-key rotation and print its verifier
    /// key; then an admin posts a `log_key_rotate` entry naming it
    /// (`ledger rotate-log-key`), and the node switches keys when it is sequenced.
    PrepareRotation,
    /// Rebuild the store of an empty data folder from an export bundle
    /// (verified completely first). Copy the keys/ folder from your key
    /// backup into the data folder before starting the node.
    Restore {
        /// The bundle written by `ledger export`.
        #[arg(long)]
        bundle: PathBuf,
    },
    /// Publish a stopped node's log, up to its last checkpoint, to object
    /// storage once (tiles, then the checkpoint), and exit: seeds a bucket.
    Publish {
        /// `s3://BUCKET[/PREFIX]` (with --publish-endpoint) or `file:///DIR`.
        #[arg(long)]
        to: String,
    },
    /// Run a read-only mirror (只读镜像) of a log: follow its C2SP tiles at
    /// URL (a node's root URL, a bucket's public URL or file:///folder),
    /// verify every entry, serve the public read API, tiles and page from
    /// --data DIR (its own folder). Stops serving on a fork and keeps the
    /// evidence in DIR. Example: ledger-node mirror --follow
    /// https://bucket.example/huaian/ --data /srv/mirror --log-key VKEY
    Mirror {
        /// The tiles prefix to follow.
        #[arg(long, value_name = "URL")]
        follow: String,
        /// The log's verifier key (trust anchor; `name+id+base64`).
        #[arg(long, value_name = "VKEY")]
        log_key: String,
        /// Address to listen on.
        #[arg(long = "listen", value_name = "ADDR")]
        mirror_listen: Option<SocketAddr>,
        /// Milliseconds between polls of the source (at least 100; default 2000).
        #[arg(long, default_value_t = crate::mirror::DEFAULT_POLL_INTERVAL_MS)]
        poll_interval_ms: u64,
        /// Time-out of one request to the source, in milliseconds.
        #[arg(long, default_value_t = 30_000)]
        source_timeout_ms: u64,
    },
}

impl Command {
    /// The mirror's settings, for `Command::Mirror`.
    pub fn mirror_config(&self, origin: Option<String>) -> Option<crate::mirror::MirrorConfig> {
        match self {
            Command::Mirror {
                follow,
                log_key,
                poll_interval_ms,
                source_timeout_ms,
                ..
            } => Some(crate::mirror::MirrorConfig {
                follow: follow.clone(),
                log_key: log_key.clone(),
                origin,
                poll_interval_ms: *poll_interval_ms,
                client: ledger_tlog_client::ClientOptions {
                    timeout_ms: *source_timeout_ms,
                    ..ledger_tlog_client::ClientOptions::default()
                },
            }),
            _ => None,
        }
    }
}

/// The TOML file's keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    data: Option<PathBuf>,
    listen: Option<SocketAddr>,
    origin: Option<String>,
    log_format: Option<String>,
    max_batch_entries: Option<usize>,
    batch_window_ms: Option<u64>,
    queue_requests: Option<usize>,
    max_body_bytes: Option<usize>,
    read_rate_per_sec: Option<u32>,
    flows_cache_bytes: Option<usize>,
    min_free_mib: Option<u64>,
    max_connections: Option<usize>,
    max_connections_per_address: Option<usize>,
    header_read_timeout_ms: Option<u64>,
    witnesses: Option<Vec<String>>,
    min_witnesses: Option<usize>,
    publish: Option<String>,
    publish_endpoint: Option<String>,
    publish_virtual_hosted: Option<bool>,
    publish_interval_ms: Option<u64>,
    publish_max_backlog_entries: Option<u64>,
    publish_request_timeout_ms: Option<u64>,
    witness_urls: Option<Vec<String>>,
    witness_interval_ms: Option<u64>,
    witness_timeout_ms: Option<u64>,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Data folder.
    pub data_dir: PathBuf,
    /// Listen address.
    pub listen: SocketAddr,
    /// Load the demo on an empty folder.
    pub demo: bool,
    /// Demo size.
    pub demo_entries: u64,
    /// Origin for a new log key.
    pub origin: Option<String>,
    /// Log format.
    pub log_format: LogFormat,
    /// HTTP limits.
    pub limits: Limits,
    /// Connection limits.
    pub connections: ConnectionLimits,
    /// Group commit.
    pub sequencer: SequencerOptions,
    /// Store.
    pub store: StoreOptions,
    /// Requests queued for the sequencer before back-pressure.
    pub queue_requests: usize,
    /// Witness verifier keys.
    pub witnesses: Vec<String>,
    /// Cosignatures clients must require (k of n = `witnesses.len()`).
    pub min_witnesses: usize,
    /// Publication to object storage (`--publish`), or none.
    pub publish: Option<PublishConfig>,
    /// The publication settings for `publish --to URL` (the same flags).
    pub publish_to: Option<PublishConfig>,
    /// Witnesses the node pushes its checkpoints to.
    pub witness_push: crate::witness_push::WitnessPushConfig,
}

impl NodeConfig {
    /// Resolve flags > environment (clap reads both) > file > defaults.
    pub fn resolve(args: &Args) -> Result<NodeConfig> {
        let file: FileConfig = match &args.config {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("config file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let publish_endpoint = args.publish_endpoint.clone().or(file.publish_endpoint.clone());
        let publish_settings = |url: &str| -> Result<PublishConfig> {
            let target = PublishTarget::parse(url)?;
            if matches!(target, PublishTarget::S3 { .. }) && publish_endpoint.is_none() {
                return Err(crate::publish::target::TargetError::NoEndpoint(target.to_string()).into());
            }
            let mut p = PublishConfig::new(target, publish_endpoint.clone());
            p.virtual_hosted = args.publish_virtual_hosted || file.publish_virtual_hosted.unwrap_or(false);
            if let Some(v) = args.publish_interval_ms.or(file.publish_interval_ms) {
                // Below 10 ms a busy log would turn every commit into a round.
                p.interval_ms = v.clamp(10, 3_600_000);
            }
            if let Some(v) = args.publish_max_backlog_entries.or(file.publish_max_backlog_entries) {
                p.max_backlog_entries = v.max(1);
            }
            if let Some(v) = args.publish_request_timeout_ms.or(file.publish_request_timeout_ms) {
                if v == 0 {
                    anyhow::bail!("--publish-request-timeout-ms must be at least 1");
                }
                p.retry.request_timeout_ms = v.min(600_000);
            }
            Ok(p)
        };
        let publish = match args.publish.as_deref().or(file.publish.as_deref()) {
            Some(url) => Some(publish_settings(url)?),
            None => None,
        };
        let publish_to = match &args.command {
            Some(Command::Publish { to }) => Some(publish_settings(to)?),
            _ => None,
        };
        let demo = args.demo;
        let default_dir = if demo { DEFAULT_DEMO_DATA_DIR } else { DEFAULT_DATA_DIR };
        let log_format = match args.log_format.clone().or(file.log_format).as_deref() {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(other) => anyhow::bail!("--log-format must be human or json, not {other:?}"),
        };
        let default_listen: SocketAddr = DEFAULT_LISTEN.parse().context("default listen address")?;
        let mut limits = Limits::default();
        if let Some(v) = args.max_body_bytes.or(file.max_body_bytes) {
            limits.max_body_bytes = v;
        }
        if let Some(v) = args.read_rate_per_sec.or(file.read_rate_per_sec) {
            limits.read_rate_per_sec = v;
            limits.read_burst = v.saturating_mul(2);
        }
        if let Some(v) = args.flows_cache_bytes.or(file.flows_cache_bytes) {
            if v > crate::api::read::flows_cache::MAX_FLOWS_CACHE_BYTES {
                anyhow::bail!("--flows-cache-bytes must be at most 1073741824 (1 GiB), not {v}");
            }
            limits.flows_cache_bytes = v;
        }
        let max_batch_entries = args.max_batch_entries.or(file.max_batch_entries).unwrap_or(8_192);
        if !(1..=100_000).contains(&max_batch_entries) {
            anyhow::bail!("--max-batch-entries must be 1-100000");
        }
        let defaults = ConnectionLimits::default();
        let connections = ConnectionLimits {
            max_connections: args
                .max_connections
                .or(file.max_connections)
                .unwrap_or(defaults.max_connections),
            max_connections_per_address: args
                .max_connections_per_address
                .or(file.max_connections_per_address)
                .unwrap_or(defaults.max_connections_per_address),
            header_read_timeout_ms: args
                .header_read_timeout_ms
                .or(file.header_read_timeout_ms)
                .unwrap_or(defaults.header_read_timeout_ms),
        };
        if connections.max_connections == 0 || connections.max_connections_per_address == 0 {
            anyhow::bail!("--max-connections and --max-connections-per-address must be at least 1");
        }
        if connections.header_read_timeout_ms == 0 {
            anyhow::bail!("--header-read-timeout-ms must be at least 1");
        }
        Ok(NodeConfig {
            data_dir: args
                .data
                .clone()
                .or(file.data)
                .unwrap_or_else(|| PathBuf::from(default_dir)),
            listen: args.listen.or(file.listen).unwrap_or(default_listen),
            demo,
            demo_entries: args.demo_entries.unwrap_or(3_000).clamp(100, 2_000_000),
            origin: args.origin.clone().or(file.origin),
            log_format,
            limits,
            connections,
            sequencer: SequencerOptions {
                max_batch_entries,
                batch_window_ms: args.batch_window_ms.or(file.batch_window_ms).unwrap_or(1).min(100),
            },
            store: StoreOptions {
                min_free_bytes: args
                    .min_free_mib
                    .or(file.min_free_mib)
                    .unwrap_or(DEFAULT_MIN_FREE_MIB)
                    .clamp(1, 1 << 20)
                    << 20,
                ..StoreOptions::default()
            },
            queue_requests: args
                .queue_requests
                .or(file.queue_requests)
                .unwrap_or(4_096)
                .clamp(1, 1_000_000),
            min_witnesses: 0,
            publish,
            publish_to,
            witness_push: crate::witness_push::WitnessPushConfig::default(),
            witnesses: if args.witnesses.is_empty() {
                file.witnesses.unwrap_or_default()
            } else {
                args.witnesses.clone()
            },
        })
        .and_then(|mut config: NodeConfig| {
            let urls = if args.witness_urls.is_empty() {
                file.witness_urls.clone().unwrap_or_default()
            } else {
                args.witness_urls.clone()
            };
            for url in &urls {
                let target = crate::witness_push::parse_witness_url(url)?;
                // A witness the node pushes to is a witness it collects from.
                if !config.witnesses.iter().any(|w| w.trim() == target.vkey) {
                    config.witnesses.push(target.vkey.clone());
                }
                config.witness_push.targets.push(target);
            }
            let interval_ms = args
                .witness_interval_ms
                .or(file.witness_interval_ms)
                .unwrap_or(crate::witness_push::DEFAULT_WITNESS_INTERVAL_MS);
            let timeout_ms = args
                .witness_timeout_ms
                .or(file.witness_timeout_ms)
                .unwrap_or(crate::witness_push::DEFAULT_WITNESS_TIMEOUT_MS);
            if !(1..=3_600_000).contains(&interval_ms) || !(1..=600_000).contains(&timeout_ms) {
                anyhow::bail!("--witness-interval-ms must be 1-3600000 and --witness-timeout-ms 1-600000");
            }
            config.witness_push.interval_ms = interval_ms;
            config.witness_push.timeout_ms = timeout_ms;
            let n = config.witnesses.len();
            let k = args.min_witnesses.or(file.min_witnesses).unwrap_or(usize::from(n > 0));
            // More than the named witnesses could never be met: every client
            // would refuse every checkpoint.
            if k > n {
                anyhow::bail!("--min-witnesses {k} is more than the {n} witnesses named with --witness");
            }
            config.min_witnesses = k;
            Ok(config)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_which_overrides_defaults() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("node.toml");
        std::fs::write(
            &file,
            "data = \"/srv/from-file\"\nlisten = \"0.0.0.0:9000\"\nmax_batch_entries = 500\nmin_free_mib = 32\nwitnesses = [\"w+00000000+AA\"]\n",
        )?;
        let path = file.display().to_string();
        let args = Args::try_parse_from(["ledger-node", "--config", &path, "--listen", "127.0.0.1:7000"])?;
        let config = NodeConfig::resolve(&args)?;
        assert_eq!(config.data_dir, PathBuf::from("/srv/from-file"));
        assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(config.sequencer.max_batch_entries, 500);
        assert_eq!(config.store.min_free_bytes, 32 * 1024 * 1024);
        assert_eq!(config.witnesses, vec!["w+00000000+AA".to_string()]);

        let defaults = NodeConfig::resolve(&Args::try_parse_from(["ledger-node", "--demo"])?)?;
        assert_eq!(defaults.data_dir, PathBuf::from(DEFAULT_DEMO_DATA_DIR));
        assert_eq!(defaults.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(defaults.sequencer.max_batch_entries, 8_192);
        Ok(())
    }

    #[test]
    fn the_flows_cache_budget_is_a_flag_or_file_key_of_at_most_one_gib() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("node.toml");
        std::fs::write(&file, "flows_cache_bytes = 1048576\n")?;
        let path = file.display().to_string();
        let resolve = |argv: &[&str]| NodeConfig::resolve(&Args::try_parse_from(argv)?);
        assert_eq!(
            resolve(&["ledger-node", "--config", &path])?.limits.flows_cache_bytes,
            1 << 20
        );
        assert_eq!(
            resolve(&["ledger-node", "--config", &path, "--flows-cache-bytes", "0"])?
                .limits
                .flows_cache_bytes,
            0
        );
        assert_eq!(
            resolve(&["ledger-node"])?.limits.flows_cache_bytes,
            crate::api::read::flows_cache::DEFAULT_FLOWS_CACHE_BYTES
        );
        let too_big = resolve(&["ledger-node", "--flows-cache-bytes", "1073741825"])
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            too_big.as_deref(),
            Some("--flows-cache-bytes must be at most 1073741824 (1 GiB), not 1073741825")
        );
        Ok(())
    }

    #[test]
    fn min_witnesses_defaults_to_one_of_the_named_and_may_not_exceed_them() -> Result<()> {
        let resolve = |argv: &[&str]| NodeConfig::resolve(&Args::try_parse_from(argv)?);
        assert_eq!(resolve(&["ledger-node", "--demo"])?.min_witnesses, 0);
        let two = [
            "ledger-node",
            "--demo",
            "--witness",
            "a+00000000+AA",
            "--witness",
            "b+00000000+AA",
        ];
        assert_eq!(resolve(&two)?.min_witnesses, 1);
        assert_eq!(
            resolve(&[&two[..], &["--min-witnesses", "2"]].concat())?.min_witnesses,
            2
        );
        let three = resolve(&[&two[..], &["--min-witnesses", "3"]].concat()).map(|_| ());
        assert_eq!(
            three.map_err(|e| e.to_string()),
            Err("--min-witnesses 3 is more than the 2 witnesses named with --witness".to_string())
        );
        Ok(())
    }

    #[test]
    fn the_data_folder_may_follow_a_subcommand() -> Result<()> {
        // Both orders, as README and --help write them.
        for argv in [
            [
                "ledger-node",
                "restore",
                "--data",
                "/srv/ledger",
                "--bundle",
                "b.bundle",
            ],
            [
                "ledger-node",
                "--data",
                "/srv/ledger",
                "restore",
                "--bundle",
                "b.bundle",
            ],
        ] {
            let args = Args::try_parse_from(argv)?;
            assert_eq!(args.data, Some(PathBuf::from("/srv/ledger")));
            assert!(matches!(&args.command, Some(Command::Restore { bundle }) if bundle == &PathBuf::from("b.bundle")));
        }
        let args = Args::try_parse_from(["ledger-node", "prepare-rotation", "--data", "/srv/ledger"])?;
        assert_eq!(args.data, Some(PathBuf::from("/srv/ledger")));
        Ok(())
    }

    #[test]
    fn connection_limits_have_explicit_defaults_and_flags() -> Result<()> {
        let defaults = NodeConfig::resolve(&Args::try_parse_from(["ledger-node"])?)?;
        assert_eq!(defaults.connections.max_connections, 512);
        assert_eq!(defaults.connections.max_connections_per_address, 32);
        assert_eq!(defaults.connections.header_read_timeout_ms, 15_000);
        let set = NodeConfig::resolve(&Args::try_parse_from([
            "ledger-node",
            "--max-connections",
            "10",
            "--max-connections-per-address",
            "2",
            "--header-read-timeout-ms",
            "500",
        ])?)?;
        assert_eq!(
            set.connections,
            ConnectionLimits {
                max_connections: 10,
                max_connections_per_address: 2,
                header_read_timeout_ms: 500,
            }
        );
        let zero = NodeConfig::resolve(&Args::try_parse_from(["ledger-node", "--max-connections", "0"])?).err();
        assert!(zero.is_some());
        Ok(())
    }

    #[test]
    fn publication_flags_and_file_keys_resolve_with_explicit_defaults() -> Result<()> {
        let none = NodeConfig::resolve(&Args::try_parse_from(["ledger-node"])?)?;
        assert!(none.publish.is_none() && none.publish_to.is_none());
        let set = NodeConfig::resolve(&Args::try_parse_from([
            "ledger-node",
            "--publish",
            "s3://ledger/county/320803",
            "--publish-endpoint",
            "http://127.0.0.1:9000",
        ])?)?;
        let p = set.publish.ok_or_else(|| anyhow::anyhow!("no publication"))?;
        assert_eq!(p.target.to_string(), "s3://ledger/county/320803");
        assert_eq!(p.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(
            (
                p.interval_ms,
                p.max_backlog_entries,
                p.retry.request_timeout_ms,
                p.virtual_hosted
            ),
            (1_000, 100_000, 10_000, false)
        );
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("node.toml");
        std::fs::write(
            &file,
            "publish = \"file:///srv/www/ledger\"\npublish_interval_ms = 250\npublish_max_backlog_entries = 5000\npublish_request_timeout_ms = 3000\n",
        )?;
        let path = file.display().to_string();
        let from_file = NodeConfig::resolve(&Args::try_parse_from(["ledger-node", "--config", &path])?)?;
        let p = from_file.publish.ok_or_else(|| anyhow::anyhow!("no publication"))?;
        assert_eq!(p.target.to_string(), "file:///srv/www/ledger");
        assert_eq!(
            (p.interval_ms, p.max_backlog_entries, p.retry.request_timeout_ms),
            (250, 5_000, 3_000)
        );
        let once = NodeConfig::resolve(&Args::try_parse_from([
            "ledger-node",
            "--data",
            "/srv/ledger",
            "publish",
            "--to",
            "file:///tmp/bucket",
        ])?)?;
        assert_eq!(
            once.publish_to.map(|p| p.target.to_string()).as_deref(),
            Some("file:///tmp/bucket")
        );
        let err = |argv: &[&str]| -> Result<Option<String>> {
            Ok(NodeConfig::resolve(&Args::try_parse_from(argv)?)
                .err()
                .map(|e| e.to_string()))
        };
        assert_eq!(
            err(&["ledger-node", "--publish", "s3://ledger"])?.as_deref(),
            Some("--publish s3://ledger: an s3:// target needs --publish-endpoint URL (the S3 service, e.g. https://s3.example.gov.cn or http://127.0.0.1:9000)")
        );
        assert_eq!(
            err(&["ledger-node", "--publish", "ftp://x"])?.as_deref(),
            Some("--publish \"ftp://x\": expected s3://BUCKET[/PREFIX] (with --publish-endpoint URL) or file:///DIR")
        );
        Ok(())
    }

    #[test]
    fn bad_values_are_refused_with_a_message() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("node.toml");
        std::fs::write(&file, "lisen = \"x\"\n")?;
        let path = file.display().to_string();
        let err = NodeConfig::resolve(&Args::try_parse_from(["ledger-node", "--config", &path])?).err();
        assert!(err
            .map(|e| format!("{e:#}"))
            .unwrap_or_default()
            .contains("unknown field"));
        let err = NodeConfig::resolve(&Args::try_parse_from(["ledger-node", "--log-format", "xml"])?).err();
        assert!(err.map(|e| e.to_string()).unwrap_or_default().contains("human or json"));
        let err = NodeConfig::resolve(&Args::try_parse_from(["ledger-node", "--max-batch-entries", "0"])?).err();
        assert!(err.is_some());
        Ok(())
    }
}
