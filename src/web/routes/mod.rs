//! The route table, one module per audience; each registers its own routes. Also what every
//! audience shares: the health check and the stylesheet.

pub mod respondent;

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use super::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/static/kinerja.css", web::get().to(stylesheet));
    respondent::configure(cfg);
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
