//! Swagger UI at /api/docs, from the assets vendored in assets/swagger-ui/ (built into the
//! binary: nothing is fetched at build or run time) and a start script of our own.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

/// Swagger UI sets styles inline and shows its logos as data: URLs; scripts still come from
/// this server only.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/docs", web::get().to(page))
        .route("/docs/", web::get().to(page))
        .route("/docs/swagger-ui-bundle.js", web::get().to(bundle))
        .route("/docs/swagger-ui.css", web::get().to(stylesheet))
        .route("/docs/init.js", web::get().to(init));
}

fn asset(content_type: &str, body: &'static [u8]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, DOCS_POLICY))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(body)
}

async fn page() -> HttpResponse {
    asset(
        "text/html; charset=utf-8",
        include_bytes!("../../../static/api-docs/index.html"),
    )
}

async fn bundle() -> HttpResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_bytes!("../../../assets/swagger-ui/swagger-ui-bundle.js"),
    )
}

async fn stylesheet() -> HttpResponse {
    asset(
        "text/css; charset=utf-8",
        include_bytes!("../../../assets/swagger-ui/swagger-ui.css"),
    )
}

async fn init() -> HttpResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_bytes!("../../../static/api-docs/init.js"),
    )
}
