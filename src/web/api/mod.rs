//! The JSON API under `/api/v1` (bearer tokens from `kinerja token create`), its OpenAPI 3.1
//! description at `/api/v1/openapi.json`, generated from the handlers' annotations, and
//! Swagger UI at `/api/docs`.
//!
//! - `auth`: the caller (token -> organizer), their scope, and the bodies accepted.
//! - `problem`: every error as RFC 9457 `application/problem+json`.
//! - `reads`, `writes`: the handlers; reads for every organizer, writes for admins.
//! - `docs`: Swagger UI from the vendored assets.

pub(super) mod auth;
mod docs;
pub(super) mod problem;
mod reads;
pub(super) mod writes;

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

/// A 405 naming the methods the route takes.
fn wrong_method(allow: &'static str) -> ApiError {
    ApiError {
        allow: Some(allow),
        ..ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("this route takes {allow} only"),
        )
    }
}

/// A request's query string as `T`; a malformed one is 422, as every bad input of the API.
pub(crate) fn parse_query<T: serde::de::DeserializeOwned>(
    req: &actix_web::HttpRequest,
) -> Result<T, ApiError> {
    web::Query::<T>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::unprocessable(format!("bad query: {e}")))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Each path with the methods it takes; any other method is a 405 problem with `Allow`.
    let resource = |path: &str, routes: Vec<(Route, &'static str)>| {
        let allow: &'static str = match routes.len() {
            1 => routes[0].1,
            _ => "GET, POST",
        };
        routes
            .into_iter()
            .fold(web::resource(path), |resource, (route, _)| {
                resource.route(route)
            })
            .default_service(web::to(move || async move {
                Err::<HttpResponse, _>(wrong_method(allow))
            }))
    };
    cfg.service(
        web::scope("/api")
            .service(resource(
                "/v1/openapi.json",
                vec![(web::get().to(openapi), "GET")],
            ))
            .service(resource(
                "/v1/campaigns",
                vec![
                    (web::get().to(reads::list_campaigns), "GET"),
                    (web::post().to(writes::create_campaign), "POST"),
                ],
            ))
            .service(resource(
                "/v1/campaigns/{id}",
                vec![(web::get().to(reads::get_campaign), "GET")],
            ))
            .service(resource(
                "/v1/campaigns/{id}/progress",
                vec![(web::get().to(reads::progress), "GET")],
            ))
            .service(resource(
                "/v1/campaigns/{id}/results",
                vec![(web::get().to(reads::results_json), "GET")],
            ))
            .service(resource(
                "/v1/campaigns/{id}/results.csv",
                vec![(web::get().to(reads::results_csv), "GET")],
            ))
            .service(resource(
                "/v1/campaigns/{id}/results.xlsx",
                vec![(web::get().to(reads::results_xlsx), "GET")],
            ))
            .service(resource(
                "/v1/campaigns/{id}/open",
                vec![(web::post().to(writes::open_campaign), "POST")],
            ))
            .service(resource(
                "/v1/campaigns/{id}/close",
                vec![(web::post().to(writes::close_campaign), "POST")],
            ))
            .service(resource(
                "/v1/campaigns/{id}/invitations",
                vec![(web::post().to(writes::invite), "POST")],
            ))
            .service(resource(
                "/v1/campaigns/{id}/responses",
                vec![(web::post().to(writes::import_responses), "POST")],
            ))
            .service(resource(
                "/v1/units",
                vec![
                    (web::get().to(reads::list_units), "GET"),
                    (web::post().to(writes::import_units), "POST"),
                ],
            ))
            .service(resource(
                "/v1/templates",
                vec![(web::post().to(writes::import_template), "POST")],
            ))
            .configure(docs::configure)
            .default_service(web::to(no_route)),
    );
}
