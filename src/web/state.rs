//! What every handler shares, and the one way handlers reach the database.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

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
    pub trust_proxy: bool,
    /// Computed results per campaign, for the console and the API (see results::cache).
    pub results: Arc<crate::results::ResultsCache>,
    /// The server key, to release pending answers when a campaign is closed.
    pub key: Arc<crate::secret::Key>,
}

impl AppState {
    /// The client's address: X-Forwarded-For's with `--trust-proxy`, else the peer's.
    pub fn client_address(&self, req: &HttpRequest) -> IpAddr {
        let forwarded = self
            .trust_proxy
            .then(|| {
                req.connection_info()
                    .realip_remote_addr()
                    .map(str::to_owned)
            })
            .flatten()
            .and_then(|a| {
                a.parse::<IpAddr>()
                    .ok()
                    .or_else(|| a.parse::<SocketAddr>().ok().map(|s| s.ip()))
            });
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
