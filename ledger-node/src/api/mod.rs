//! The HTTP edge: routing, limits and the JSON types of the API. Only this
//! module (and the web page) speaks HTTP; everything below it is typed Rust.

pub mod error;
pub mod ops;
pub mod read;
pub mod static_files;
pub mod tiles;
pub mod witness;
pub mod write;

use crate::ledger::Shared;
use crate::metrics::RouteLabel;
use crate::sequencer::Job;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use governor::{DefaultKeyedRateLimiter, Quota};
use ledger_core::checkpoint::WitnessVerifier;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Every limit of the HTTP edge, passed explicitly.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body (write API).
    pub max_body_bytes: usize,
    /// Most submissions in one request.
    pub max_batch_submissions: usize,
    /// Whole-request timeout.
    pub request_timeout_ms: u64,
    /// How long a submission waits for the sequencer's answer.
    pub submit_timeout_ms: u64,
    /// Public read requests per second per client address.
    pub read_rate_per_sec: u32,
    /// Burst allowance for the read rate limit.
    pub read_burst: u32,
    /// Largest page of a paginated query.
    pub max_page: usize,
    /// Budget of the village page's answer cache (`--flows-cache-bytes`;
    /// 0 turns it off): `read::flows_cache`.
    pub flows_cache_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 16 * 1024 * 1024,
            max_batch_submissions: 10_000,
            request_timeout_ms: 30_000,
            submit_timeout_ms: 20_000,
            read_rate_per_sec: 100,
            read_burst: 200,
            max_page: 1_000,
            flows_cache_bytes: read::flows_cache::DEFAULT_FLOWS_CACHE_BYTES,
        }
    }
}

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    /// Shared ledger, store, metrics.
    pub shared: Arc<Shared>,
    /// The sequencer's queue; `None` on a read-only mirror, which has no
    /// sequencer (and no write routes).
    pub submit: Option<mpsc::Sender<Job>>,
    /// The follower's status on a mirror (`ledger-node mirror`), else `None`.
    pub mirror: Option<Arc<crate::mirror::MirrorStatus>>,
    /// Limits.
    pub limits: Limits,
    /// Per-address rate limiter for public reads.
    pub read_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// Witnesses whose cosignatures the node collects.
    pub witnesses: Arc<Vec<WitnessVerifier>>,
    /// Cosignatures clients must require (stated at /v1/witnesses).
    pub min_witnesses: usize,
    /// Serialises updates of the cosigned checkpoint.
    pub cosign_lock: Arc<std::sync::Mutex<()>>,
    /// The publication to object storage, when configured (`/readyz` detail).
    pub publish: Option<Arc<crate::publish::status::PublishStatus>>,
    /// Progress of the pushes to witnesses (`--witness-url`), for `/readyz`.
    pub witness_push: Arc<crate::witness_push::PushStatus>,
    /// The village page's answers (`GET /v1/regions/{code}/flows`).
    pub flows_cache: Arc<read::flows_cache::FlowsCache>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("limits", &self.limits).finish()
    }
}

impl AppState {
    /// Build the state, with a rate limiter from the limits.
    pub fn new(shared: Arc<Shared>, submit: mpsc::Sender<Job>, limits: Limits) -> AppState {
        AppState::build(shared, Some(submit), None, limits)
    }

    /// The state of a read-only mirror: no sequencer, the follower's status.
    pub fn mirror(shared: Arc<Shared>, status: Arc<crate::mirror::MirrorStatus>, limits: Limits) -> AppState {
        AppState::build(shared, None, Some(status), limits)
    }

    fn build(
        shared: Arc<Shared>,
        submit: Option<mpsc::Sender<Job>>,
        mirror: Option<Arc<crate::mirror::MirrorStatus>>,
        limits: Limits,
    ) -> AppState {
        let rate = NonZeroU32::new(limits.read_rate_per_sec.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(limits.read_burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let limiter = DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst));
        let flows_cache = Arc::new(read::flows_cache::FlowsCache::new(
            limits.flows_cache_bytes,
            shared.metrics.flows_cache.clone(),
        ));
        AppState {
            flows_cache,
            shared,
            submit,
            mirror,
            limits,
            read_limiter: Arc::new(limiter),
            witnesses: Arc::new(Vec::new()),
            min_witnesses: 0,
            cosign_lock: Arc::new(std::sync::Mutex::new(())),
            publish: None,
            witness_push: Arc::new(crate::witness_push::PushStatus::default()),
        }
    }

    /// The same state reporting this publication at `/readyz`.
    pub fn with_publish(mut self, status: Arc<crate::publish::status::PublishStatus>) -> AppState {
        self.publish = Some(status);
        self
    }

    /// The same state with these witnesses.
    pub fn with_witnesses(mut self, witnesses: Vec<WitnessVerifier>) -> AppState {
        self.min_witnesses = usize::from(!witnesses.is_empty());
        self.witnesses = Arc::new(witnesses);
        self
    }

    /// The same state reporting the pushes to these witness names.
    pub fn with_witness_push(mut self, names: Vec<String>) -> AppState {
        self.witness_push = Arc::new(crate::witness_push::PushStatus::new(names));
        self
    }

    /// The same state requiring `k` cosignatures (at most the witnesses').
    pub fn with_min_witnesses(mut self, k: usize) -> AppState {
        self.min_witnesses = k.min(self.witnesses.len());
        self
    }
}

/// The whole application: write API, public read API, tiles, web page, ops.
pub fn router(app: AppState) -> Router {
    // A mirror has no sequencer: its write and cosignature routes answer
    // `read_only_mirror`, and its reads stop with `fork_detected` once its
    // source forked (crate::mirror).
    let write = match app.mirror {
        None => Router::new()
            .route("/v1/submissions", post(write::submit))
            .layer(DefaultBodyLimit::max(app.limits.max_body_bytes))
            .merge(witness::router().layer(DefaultBodyLimit::max(ledger_core::checkpoint::MAX_NOTE_BYTES))),
        Some(_) => crate::mirror::read_only_routes(),
    };
    let public = read::router()
        .merge(tiles::router())
        .merge(static_files::router())
        .layer(middleware::from_fn_with_state(app.clone(), crate::mirror::halted_guard))
        .layer(middleware::from_fn_with_state(app.clone(), rate_limit))
        .layer(CompressionLayer::new())
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS]),
        );
    let ops = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics));
    Router::new()
        .merge(write)
        .merge(public)
        .merge(ops)
        .merge(crate::web::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(app.limits.request_timeout_ms),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("the request handler failed").into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; see /v1/log and docs/API.md")
}

/// Per-client-address rate limit on the public read API.
async fn rate_limit(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if app.read_limiter.check_key(&ip).is_err() {
        app.shared.metrics.reject("rate_limited");
        return ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests from your address; slow down",
        )
        .into_response();
    }
    next.run(request).await
}

/// Request latency by route and status class.
async fn observe(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    app.shared
        .metrics
        .request_seconds
        .get_or_create(&RouteLabel { route, status })
        .observe(started.elapsed().as_secs_f64());
    response
}
