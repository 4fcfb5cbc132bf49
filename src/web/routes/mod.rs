//! The route table, one module per audience; each registers its own routes. Also what every
//! audience shares: the health check and the stylesheet.

pub mod console_password;
pub mod respondent;

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(readable("/healthz").route(get_or_head().to(healthz)))
        .service(readable("/static/kinerja.css").route(get_or_head().to(stylesheet)));
    respondent::configure(cfg);
    console_password::configure(cfg);
    super::console::configure(cfg);
    crate::web::api::configure(cfg);
}

/// GET, and HEAD answered the same way: actix sends a HEAD response's headers without its
/// body.
pub(crate) fn get_or_head() -> actix_web::Route {
    web::route().guard(actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Head()))
}

/// A resource that is only read: any other method is 405 with `Allow: GET, HEAD`.
pub(crate) fn readable(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(|| async { method_not_allowed("GET, HEAD") }))
}

/// 405 with the methods the resource allows.
pub(crate) fn method_not_allowed(allow: &'static str) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, allow))
        .content_type("text/plain; charset=utf-8")
        .body("method not allowed\n")
}

/// 200 while the database answers, 503 otherwise (for load balancers and monitoring).
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
        .body(include_str!("../../../static/kinerja.css"))
}

/// A cross-site form post. On pages whose URL holds a secret token (a respondent's link, a
/// password link) the token already acts as the anti-forgery secret (another site cannot know
/// it); this also refuses posts a browser marks as coming from elsewhere. No session is
/// involved, so a form left open for hours still submits.
pub(super) fn is_cross_site(req: &HttpRequest, state: &AppState) -> bool {
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
