//! The JSON API under `/api/v1` (bearer tokens from `kinerja token create`), its OpenAPI 3.1
//! description at `/api/v1/openapi.json`, generated from the handlers' annotations, and
//! Swagger UI at `/api/docs`.
//!
//! - `auth`: the caller (token -> organizer), their scope, and the bodies accepted.
//! - `problem`: every error as RFC 9457 `application/problem+json`.
//! - `reads`, `writes`: the handlers; reads for every organizer, writes for admins.
//! - `docs`: Swagger UI from the vendored assets.

mod auth;
mod docs;
mod problem;
mod reads;
mod writes;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, Route};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use problem::{ApiError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kinerja API",
        description = "Campaigns, progress, results and imports of a kinerja server. Every call takes `Authorization: Bearer <token>` (`kinerja token create`); viewers read, admins also write; an organizer with a scope sees only the units of its subtree. Errors are RFC 9457 problem details.",
        license(name = "MIT")
    ),
    paths(
        reads::list_campaigns,
        reads::get_campaign,
        reads::progress,
        reads::results_json,
        reads::results_csv,
        reads::results_xlsx,
        reads::list_units,
        writes::import_template,
        writes::import_units,
        writes::create_campaign,
        writes::open_campaign,
        writes::close_campaign,
        writes::invite,
        writes::import_responses,
    ),
    components(schemas(Problem, problem::ProblemLine, problem::Column)),
    modifiers(&BearerScheme),
    tags(
        (name = "campaigns", description = "Campaigns, their progress, invitations and response files"),
        (name = "results", description = "Results as JSON, CSV or a workbook"),
        (name = "units", description = "The organisation's unit tree"),
        (name = "templates", description = "Survey and checklist templates"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.description = Some("An API token from `kinerja token create`".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

/// The document, built once: it depends on the code alone.
fn openapi_json() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    })
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(openapi_json())
}

/// Any other path under /api, and any method a path does not take, as a problem.
async fn no_route() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("no such API route"))
}

async fn wrong_method() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "this route does not take this method",
    ))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    let resource = |path: &str, route: Route| {
        web::resource(path)
            .route(route)
            .default_service(web::to(wrong_method))
    };
    cfg.service(
        web::scope("/api")
            .service(resource("/v1/openapi.json", web::get().to(openapi)))
            .service(
                resource("/v1/campaigns", web::get().to(reads::list_campaigns))
                    .route(web::post().to(writes::create_campaign)),
            )
            .service(resource(
                "/v1/campaigns/{id}",
                web::get().to(reads::get_campaign),
            ))
            .service(resource(
                "/v1/campaigns/{id}/progress",
                web::get().to(reads::progress),
            ))
            .service(resource(
                "/v1/campaigns/{id}/results",
                web::get().to(reads::results_json),
            ))
            .service(resource(
                "/v1/campaigns/{id}/results.csv",
                web::get().to(reads::results_csv),
            ))
            .service(resource(
                "/v1/campaigns/{id}/results.xlsx",
                web::get().to(reads::results_xlsx),
            ))
            .service(resource(
                "/v1/campaigns/{id}/open",
                web::post().to(writes::open_campaign),
            ))
            .service(resource(
                "/v1/campaigns/{id}/close",
                web::post().to(writes::close_campaign),
            ))
            .service(resource(
                "/v1/campaigns/{id}/invitations",
                web::post().to(writes::invite),
            ))
            .service(resource(
                "/v1/campaigns/{id}/responses",
                web::post().to(writes::import_responses),
            ))
            .service(
                resource("/v1/units", web::get().to(reads::list_units))
                    .route(web::post().to(writes::import_units)),
            )
            .service(resource(
                "/v1/templates",
                web::post().to(writes::import_template),
            ))
            .configure(docs::configure)
            .default_service(web::to(no_route)),
    );
}
