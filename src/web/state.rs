//! What every handler shares, and the one way handlers reach the database.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest};

use super::ratelimit::RateLimiter;
use crate::db::group::GroupWriter;
use crate::db::{Access, DbError, Pool};
use crate::pending::{Submission, Written};
use crate::respond::{LinkError, TemplateCache};

pub struct AppState {
    /// Owns the order in which requests get connections and the SQLite writer queue.
    pub pool: Pool,
    pub templates: Arc<TemplateCache>,
    pub blank_forms: super::blank_forms::BlankForms,
    /// The group-commit writer of submissions.
    pub submissions: GroupWriter<Submission, Written>,
    pub limiter: RateLimiter,
    /// scheme://host[:port] of `--public-url`, an Origin that is not cross-site.
    pub public_origin: String,
    /// `--public-url` as given, for links in pages and emails.
    pub public_url: String,
    /// Reverse proxies in front of the server (`--trusted-proxies`), each appending to
    /// X-Forwarded-For or Forwarded.
    pub trusted_proxies: usize,
    /// How long a request body may take to arrive (see `middleware::body_timeout`).
    pub body_timeout: std::time::Duration,
    /// Computed results per campaign, for the console and the API (see results::cache).
    pub results: Arc<crate::results::ResultsCache>,
    /// The server key, to release pending answers when a campaign is closed.
    pub key: Arc<crate::secret::Key>,
}

impl AppState {
    /// The client's address: with `--trusted-proxies N`, the N-th entry from the right of
    /// X-Forwarded-For (or Forwarded), else (or when that entry is missing or not an address)
    /// the peer's.
    pub fn client_address(&self, req: &HttpRequest) -> IpAddr {
        let values = |name: header::HeaderName| -> Vec<&str> {
            req.headers()
                .get_all(name)
                // A value that is not text still counts as one (unusable) entry, so the
                // entries to its right keep their places.
                .map(|v| v.to_str().unwrap_or(""))
                .collect()
        };
        let forwarded = (self.trusted_proxies > 0)
            .then(|| {
                super::forwarded::client_from_headers(
                    &values(header::X_FORWARDED_FOR),
                    &values(header::FORWARDED),
                    self.trusted_proxies,
                )
            })
            .flatten();
        forwarded
            .or_else(|| req.peer_addr().map(|a| a.ip()))
            .unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Link(#[from] LinkError),
}

impl From<DbError> for WebError {
    fn from(e: DbError) -> Self {
        WebError::Link(LinkError::Db(e))
    }
}

/// Runs blocking database work through the pool, with the parsed-template cache at hand.
pub async fn blocking<T: Send + 'static>(
    state: &web::Data<AppState>,
    access: Access,
    work: impl FnOnce(&mut crate::db::DbConn, &TemplateCache) -> Result<T, LinkError> + Send + 'static,
) -> Result<T, WebError> {
    let templates = state.templates.clone();
    let work = move |conn: &mut crate::db::DbConn| work(conn, &templates);
    Ok(match access {
        Access::Read => state.pool.read(work).await?,
        Access::Write => state.pool.run(access, work).await?,
    })
}
