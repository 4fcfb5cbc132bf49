//! Startup: the server's settings, its shared state, the route table and the middleware order.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

use super::ratelimit::{Limits, RateLimiter};
use super::state::AppState;
use super::{errors, middleware, routes};
use crate::db::group::GroupWriter;
use crate::db::Pool;
use crate::pending::{self, Submission, Written};
use crate::respond::TemplateCache;
use crate::secret::Key;

/// Form posts larger than this are refused (413): the largest checklist with a note on every
/// item stays well below it.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a client may take to send a request's head (line and headers).
const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Submissions that queued while a group was being written are written together: one
/// transaction, one fsync. More than this many wait for the next group.
const MAX_GROUP: usize = 256;

pub struct ServerConfig {
    pub bind: String,
    /// Where respondents reach the server, e.g. https://survei.example.go.id.
    pub public_url: String,
    /// Reverse proxies in front of the server whose X-Forwarded-For/Forwarded entries are
    /// believed (0: take the peer's address).
    pub trusted_proxies: usize,
    /// How long a request body may take to arrive before the request is answered 408.
    pub body_timeout: Duration,
    pub limits: Limits,
    /// Seals survey answers until their release (see `pending`).
    pub key: Key,
}

/// Binds, reports the bound address (the port may have been 0), and serves until SIGINT or
/// SIGTERM; requests in flight then finish.
pub async fn serve(
    pool: Pool,
    config: ServerConfig,
    on_listen: impl FnOnce(&[SocketAddr]),
) -> std::io::Result<()> {
    let key = Arc::new(config.key);
    let writing = key.clone();
    let closing = key.clone();
    let releasing = key;
    let submissions = GroupWriter::spawn(
        pool.clone(),
        MAX_GROUP,
        // One writer on either backend. PostgreSQL measured on 2 cores (benches/web.sh, 64
        // connections), writers 1 / 2 / 3 / 4 / 8: 2,640–2,750 / 2,460 / 2,320 / 1,840 / 1,790
        // submissions/s, p99 41 / 73 / 151 / 64 / 58 ms, 0.55 / 0.68 / 0.69 / 0.92 / 0.97 CPU-ms
        // each. Several writers made smaller groups, so more statements and commits per answer,
        // and their releases queued on one another's lock.
        1,
        Arc::new(move |conn: &mut crate::db::DbConn, group: &[Submission]| {
            pending::write_group(conn, &writing, group)
        }),
        Some(Arc::new(
            move |conn: &mut crate::db::DbConn, written: &[Written]| {
                // A failed release is retried by the next group or at close; the answers stay
                // sealed and pending meanwhile, nothing is lost.
                match pending::release_due(conn, &releasing, written) {
                    Ok(0) => None,
                    // SQLite: the log's frames of the released pending rows go at once, right
                    // after the submitters have their answer.
                    Ok(_) => Some(Box::new(|conn: &mut crate::db::DbConn| {
                        if let Err(error) = crate::db::checkpoint(conn) {
                            tracing::error!(%error, "checkpoint after a release failed");
                        }
                    }) as crate::db::group::Later),
                    Err(error) => {
                        tracing::error!(%error, "releasing pending answers failed");
                        None
                    }
                }
            },
        )),
    );
    // A second connection for computing a campaign and its comparison side by side, if one
    // is idle right now (never waits: the cache falls back to one connection).
    let spare: crate::results::cache::SpareConnection = {
        let pool = pool.clone();
        Arc::new(move || pool.try_get())
    };
    let state = web::Data::new(AppState {
        submissions,
        pool,
        templates: Arc::new(TemplateCache::default()),
        blank_forms: Default::default(),
        limiter: RateLimiter::new(config.limits),
        public_origin: origin_of(&config.public_url),
        public_url: config.public_url.trim_end_matches('/').to_owned(),
        trusted_proxies: config.trusted_proxies,
        body_timeout: config.body_timeout,
        results: Arc::new(crate::results::ResultsCache::with_spare(spare)),
        key: closing,
    });
    let server = HttpServer::new(move || {
        // The last `wrap` runs first: the request log sees every response, headers included.
        App::new()
            .app_data(state.clone())
            .app_data(
                web::FormConfig::default()
                    .limit(MAX_BODY_BYTES)
                    .error_handler(errors::form_error),
            )
            .wrap(from_fn(middleware::body_timeout))
            .wrap(from_fn(middleware::concurrency_cap))
            .wrap(middleware::security_headers())
            .wrap(from_fn(middleware::log_request))
            .configure(routes::configure)
            .default_service(web::to(errors::not_found))
    })
    .shutdown_timeout(15)
    // A request's head must arrive within this; its body has `body_timeout`.
    .client_request_timeout(REQUEST_HEAD_TIMEOUT)
    .bind(&config.bind)?;
    on_listen(&server.addrs());
    server.run().await
}

/// scheme://host[:port] of a URL, to compare with a request's Origin header.
fn origin_of(url: &str) -> String {
    let url = url.trim_end_matches('/');
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)),
        None => url.to_owned(),
    }
}
