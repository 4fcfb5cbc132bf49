//! `kinerja serve`: the respondent web service. Handlers are thin: they pick the language, run
//! the blocking work of `respond` on the blocking pool, and choose a page and a status.

mod i18n;
mod pages;
pub mod ratelimit;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{from_fn, DefaultHeaders, Next};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde::Deserialize;

use crate::db::group::GroupWriter;
use crate::db::{Access, DbError, Pool};
use crate::pending::{self, Submission, Written};
use crate::respond::{self, LinkError, Prepared, RawAnswers, TemplateCache};
use crate::secret::Key;
use crate::template::Lang;
use i18n::{texts, Texts};
use ratelimit::{Limits, RateLimiter};

/// Form posts larger than this are refused (413): the largest checklist with a note on every
/// item stays well below it.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub struct ServerConfig {
    pub bind: String,
    /// Where respondents reach the server, e.g. https://survei.example.go.id.
    pub public_url: String,
    /// Take the client address from X-Forwarded-For (only behind a trusted reverse proxy).
    pub trust_proxy: bool,
    pub limits: Limits,
    /// Seals survey answers until their release (see `pending`).
    pub key: Key,
}

/// Submissions that queued while a group was being written are written together: one
/// transaction, one fsync. More than this many wait for the next group.
const MAX_GROUP: usize = 256;

struct AppState {
    /// Owns the order in which requests get connections and the SQLite writer queue.
    pool: Pool,
    templates: Arc<TemplateCache>,
    /// The group-commit writer of submissions.
    submissions: GroupWriter<Submission, Written>,
    limiter: RateLimiter,
    public_origin: String,
    trust_proxy: bool,
}

#[derive(Debug, thiserror::Error)]
enum WebError {
    #[error(transparent)]
    Link(#[from] LinkError),
}

impl From<DbError> for WebError {
    fn from(e: DbError) -> Self {
        WebError::Link(LinkError::Db(e))
    }
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
    let releasing = key;
    let submissions = GroupWriter::spawn(
        pool.clone(),
        MAX_GROUP,
        Arc::new(move |conn: &mut crate::db::DbConn, group: &[Submission]| {
            pending::write_group(conn, &writing, group)
        }),
        Some(Arc::new(
            move |conn: &mut crate::db::DbConn, written: &[Written]| {
                // A failed release is retried by the next group or at close; the answers stay
                // sealed and pending meanwhile, nothing is lost.
                if let Err(error) = pending::release_due(conn, &releasing, written) {
                    tracing::error!(%error, "releasing pending answers failed");
                }
            },
        )),
    );
    let state = web::Data::new(AppState {
        submissions,
        pool,
        templates: Arc::new(TemplateCache::default()),
        limiter: RateLimiter::new(config.limits),
        public_origin: origin_of(&config.public_url),
        trust_proxy: config.trust_proxy,
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(
                web::FormConfig::default()
                    .limit(MAX_BODY_BYTES)
                    .error_handler(form_error),
            )
            .wrap(
                DefaultHeaders::new()
                    .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
                    .add((header::X_FRAME_OPTIONS, "DENY"))
                    .add((header::REFERRER_POLICY, "no-referrer"))
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")),
            )
            .wrap(from_fn(log_request))
            .route("/healthz", web::get().to(healthz))
            .route("/static/kinerja.css", web::get().to(stylesheet))
            .route("/thanks", web::get().to(thanks))
            .service(
                web::scope("/r")
                    .wrap(from_fn(respondent_guard))
                    .route("/{token}", web::get().to(show_form))
                    .route("/{token}", web::post().to(post_form)),
            )
            .default_service(web::to(not_found))
    })
    .shutdown_timeout(15)
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

/// One log line per request. The path of a respondent page holds a secret token, so only the
/// route is logged.
async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = if req.path().starts_with("/r/") {
        "/r/{token}".to_owned()
    } else {
        req.path().to_owned()
    };
    let response = next.call(req).await?;
    // A stored answer gets no log line: its time, even to the minute, could be matched with a
    // proxy's log or the order of released answers. Failures are still logged.
    if method == actix_web::http::Method::POST
        && path == "/r/{token}"
        && response.status() == StatusCode::SEE_OTHER
    {
        return Ok(response);
    }
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
        "request"
    );
    Ok(response)
}

fn client_address(req: &HttpRequest, trust_proxy: bool) -> IpAddr {
    let forwarded = trust_proxy
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

/// Respondent pages: rate-limited per client address, never cached.
async fn respondent_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let Some(state) = state {
        let address = client_address(req.request(), state.trust_proxy);
        if let Err(retry) = state.limiter.check(address) {
            let t = texts(request_lang(req.request(), None));
            let mut response = page(
                StatusCode::TOO_MANY_REQUESTS,
                t,
                t.too_many_heading,
                t.too_many_text,
                None,
            );
            if let Ok(value) = HeaderValue::from_str(&retry.0.as_secs().to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            no_store(&mut response);
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    let mut response = next.call(req).await?;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response.map_into_left_body())
}

fn no_store(response: &mut HttpResponse) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn page(
    status: StatusCode,
    t: &Texts,
    heading: &str,
    text: &str,
    detail: Option<String>,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages::message(
            t,
            heading,
            text,
            detail,
            Some(format!("?lang={}", t.other_lang)),
        ))
}

#[derive(Deserialize)]
struct PageQuery {
    lang: Option<String>,
    saved: Option<String>,
}

/// ?lang= wins, then the language of the form or the invitation, then Indonesian.
fn request_lang(req: &HttpRequest, fallback: Option<Lang>) -> Lang {
    let query = web::Query::<PageQuery>::from_query(req.query_string()).ok();
    query
        .and_then(|q| q.lang.as_deref().and_then(Lang::parse))
        .or(fallback)
        .unwrap_or_default()
}

async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if state.pool.ping(Duration::from_secs(2)).await {
        HttpResponse::Ok().content_type("text/plain").body("ok\n")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unreachable\n")
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../static/kinerja.css"))
}

async fn thanks(req: HttpRequest) -> HttpResponse {
    let t = texts(request_lang(&req, None));
    page(StatusCode::OK, t, t.thanks_heading, t.thanks_text, None)
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    let t = texts(request_lang(&req, None));
    page(
        StatusCode::NOT_FOUND,
        t,
        t.unknown_heading,
        t.unknown_text,
        None,
    )
}

/// Runs blocking database work through the pool, with the parsed-template cache at hand.
async fn blocking<T: Send + 'static>(
    state: &web::Data<AppState>,
    access: Access,
    work: impl FnOnce(&mut crate::db::DbConn, &TemplateCache) -> Result<T, LinkError> + Send + 'static,
) -> Result<T, WebError> {
    let templates = state.templates.clone();
    Ok(state
        .pool
        .run(access, move |conn| work(conn, &templates))
        .await?)
}

/// The page for a link that cannot be answered (or a failure), in the right language.
fn link_error_page(
    req: &HttpRequest,
    state: &AppState,
    error: WebError,
    form_lang: Option<Lang>,
) -> HttpResponse {
    let lang_of = |invitation_lang: &Lang| request_lang(req, form_lang.or(Some(*invitation_lang)));
    let mut response = match &error {
        WebError::Link(LinkError::Unknown) => {
            state
                .limiter
                .record_miss(client_address(req, state.trust_proxy));
            let t = texts(request_lang(req, form_lang));
            page(
                StatusCode::NOT_FOUND,
                t,
                t.unknown_heading,
                t.unknown_text,
                None,
            )
        }
        WebError::Link(LinkError::AlreadySubmitted { lang }) => {
            let t = texts(lang_of(lang));
            page(
                StatusCode::CONFLICT,
                t,
                t.already_heading,
                t.already_text,
                None,
            )
        }
        WebError::Link(LinkError::Closed { lang, title }) => {
            let t = texts(lang_of(lang));
            page(
                StatusCode::GONE,
                t,
                t.closed_heading,
                t.closed_text,
                Some(title.clone()),
            )
        }
        WebError::Link(LinkError::NotOpen { lang, title }) => {
            let t = texts(lang_of(lang));
            page(
                StatusCode::GONE,
                t,
                t.not_open_heading,
                t.not_open_text,
                Some(title.clone()),
            )
        }
        WebError::Link(LinkError::Template(_) | LinkError::Db(_)) => {
            tracing::error!(%error, "respondent request failed");
            let t = texts(request_lang(req, form_lang));
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                t,
                t.error_heading,
                t.error_text,
                None,
            )
        }
    };
    no_store(&mut response);
    response
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

async fn show_form(
    req: HttpRequest,
    token: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let token = token.into_inner();
    let lookup = token.clone();
    let opened = blocking(&state, Access::Read, move |conn, cache| {
        respond::open_with_draft(conn, cache, &lookup)
    })
    .await;
    match opened {
        Ok((link, draft)) => {
            let lang = request_lang(&req, Some(link.invitation.lang));
            let saved = web::Query::<PageQuery>::from_query(req.query_string())
                .ok()
                .is_some_and(|q| q.saved.is_some());
            html(
                StatusCode::OK,
                pages::form(texts(lang), lang, &link, &token, &draft, None, saved),
            )
        }
        Err(error) => link_error_page(&req, &state, error, None),
    }
}

/// A cross-site form post. The link token in the URL already acts as the anti-forgery secret
/// (another site cannot know it); this also refuses posts a browser marks as coming from
/// elsewhere. No session is involved, so a form left open for hours still submits.
fn is_cross_site(req: &HttpRequest, state: &AppState) -> bool {
    let fetch_site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    if matches!(fetch_site, Some("cross-site" | "same-site")) {
        return true;
    }
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    match origin {
        // Browsers send "null" under Referrer-Policy: no-referrer.
        None | Some("null") => false,
        Some(origin) => {
            let info = req.connection_info();
            let own = format!("{}://{}", info.scheme(), info.host());
            origin != own && origin != state.public_origin
        }
    }
}

async fn post_form(
    req: HttpRequest,
    token: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let token = token.into_inner();
    let mut answers = RawAnswers::new();
    let mut action = String::from("submit");
    let mut form_lang = None;
    for (name, value) in fields.into_inner() {
        match name.as_str() {
            "action" => action = value,
            "lang" => form_lang = Lang::parse(&value),
            _ => {
                answers.insert(name, value);
            }
        }
    }
    let lang = request_lang(&req, form_lang);
    if is_cross_site(&req, &state) {
        let t = texts(lang);
        let mut response = page(
            StatusCode::FORBIDDEN,
            t,
            t.cross_site_heading,
            t.cross_site_text,
            None,
        );
        no_store(&mut response);
        return response;
    }
    if action == "save" {
        let saving = token.clone();
        return match blocking(&state, Access::Write, move |conn, cache| {
            respond::save_draft(conn, cache, &saving, &answers)
        })
        .await
        {
            Ok(()) => see_other(&format!("/r/{token}?saved=1&lang={}", lang.code())),
            Err(error) => link_error_page(&req, &state, error, form_lang),
        };
    }
    let submitting = token.clone();
    let prepared = blocking(&state, Access::Read, move |conn, cache| {
        let prepared = respond::prepare(conn, cache, &submitting, &answers)?;
        Ok((prepared, answers))
    })
    .await;
    let submission = match prepared {
        Ok((Prepared::Ready(submission), _)) => submission,
        // Nothing is stored: the answers travel back in the page itself.
        Ok((Prepared::Invalid(link, problems), answers)) => {
            return html(
                StatusCode::UNPROCESSABLE_ENTITY,
                pages::form(
                    texts(lang),
                    lang,
                    &link,
                    &token,
                    &answers,
                    Some(&problems),
                    false,
                ),
            )
        }
        Err(error) => return link_error_page(&req, &state, error, form_lang),
    };
    let written = state
        .submissions
        .write(submission)
        .await
        .map_err(|e| WebError::Link(LinkError::Db(e)));
    match written {
        Ok(Written::Stored { .. }) => see_other(&format!("/thanks?lang={}", lang.code())),
        Ok(Written::AlreadySubmitted { lang }) => link_error_page(
            &req,
            &state,
            WebError::Link(LinkError::AlreadySubmitted { lang }),
            form_lang,
        ),
        Ok(Written::Closed { lang, title }) => link_error_page(
            &req,
            &state,
            WebError::Link(LinkError::Closed { lang, title }),
            form_lang,
        ),
        Err(error) => link_error_page(&req, &state, error, form_lang),
    }
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Oversized or undecodable form bodies get a page, not a bare error.
fn form_error(error: actix_web::error::UrlencodedError, req: &HttpRequest) -> actix_web::Error {
    let t = texts(request_lang(req, None));
    let status = match error {
        actix_web::error::UrlencodedError::Overflow { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    let (heading, text) = if status == StatusCode::PAYLOAD_TOO_LARGE {
        (t.too_large_heading, t.too_large_text)
    } else {
        (t.error_heading, t.error_text)
    };
    let mut response = page(status, t, heading, text, None);
    no_store(&mut response);
    actix_web::error::InternalError::from_response(error, response).into()
}
