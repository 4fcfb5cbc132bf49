//! What every organizer may read: campaigns, their progress and results, the unit tree. Each
//! answer holds only the units inside the caller's scope.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{self, principal, ScopedCampaign};
use super::problem::{ApiError, Problem};
use crate::access::Scope;
use crate::db::{self, Access, CampaignId, DbConn};
use crate::results::{CampaignResults, Compare, Format, RowFilter, TextFormat};
use crate::template::Lang;
use crate::web::state::AppState;

/// A campaign as listed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CampaignView {
    pub id: i64,
    /// The template's key (its `id` in the TOML file).
    pub template: String,
    pub template_version: i32,
    pub period: String,
    pub title: String,
    /// draft, open or closed.
    #[schema(example = "open")]
    pub status: String,
    pub min_responses: i32,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created_at: String,
    /// The last day (UTC) links can be answered.
    pub closes_on: Option<String>,
    /// The address respondents write to about the campaign.
    pub contact: Option<String>,
    /// Days after the invitation on which the server sends reminders.
    pub reminders: Vec<u16>,
    /// The covered units inside the caller's scope, by code.
    pub units: Vec<String>,
}

/// One unit's invitations.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitProgress {
    pub code: String,
    pub name: String,
    pub invited: i64,
    pub submitted: i64,
    /// submitted / invited; null when nobody was invited.
    pub response_rate: Option<f64>,
}

/// A campaign's progress, as `kinerja campaign progress --format json` shows it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Progress {
    pub campaign: i64,
    pub units: Vec<UnitProgress>,
}

/// A unit of the organisation's tree.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitView {
    pub code: String,
    pub name: String,
    /// Null for a root, and for the root of the caller's scope.
    pub parent_code: Option<String>,
    pub head_email: Option<String>,
}

pub(super) fn campaign_view(scoped: &ScopedCampaign, template: (String, i32)) -> CampaignView {
    let c = &scoped.campaign;
    CampaignView {
        id: c.id.0,
        template: template.0,
        template_version: template.1,
        period: c.period.clone(),
        title: c.title.clone(),
        status: c.status.as_str().to_owned(),
        min_responses: c.min_responses,
        created_at: c.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        closes_on: c.closes_on.map(|d| d.to_string()),
        contact: c.contact.clone(),
        reminders: c.reminders().days().to_vec(),
        units: scoped.visible_covered().map(|u| u.code.clone()).collect(),
    }
}

/// The campaign's template key and version.
pub(super) fn template_of(
    conn: &mut DbConn,
    scoped: &ScopedCampaign,
) -> Result<(String, i32), ApiError> {
    let stored = db::templates::get(conn, scoped.campaign.template_id)?;
    Ok((stored.key, stored.version))
}

/// The campaign as the principal sees it, read in one turn of the pool.
pub(super) fn view_of(
    conn: &mut DbConn,
    principal: &crate::access::Principal,
    id: CampaignId,
) -> Result<CampaignView, ApiError> {
    let scoped = auth::scoped_campaign(conn, principal, id)?
        .ok_or_else(|| auth::no_campaign(&id.to_string()))?;
    let template = template_of(conn, &scoped)?;
    Ok(campaign_view(&scoped, template))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns",
    tag = "campaigns",
    description = "Every campaign covering a unit of the caller's scope, oldest first.",
    responses(
        (status = 200, description = "The campaigns", body = Vec<CampaignView>),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_campaigns(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let principal = principal(&req, &state).await?;
    let views = state
        .pool
        .run(Access::Read, move |conn| {
            let mut views = Vec::new();
            for row in db::campaigns::list(conn)? {
                let id = row.campaign.id;
                if let Some(scoped) = auth::scoped_campaign(conn, &principal, id)? {
                    views.push(campaign_view(
                        &scoped,
                        (row.template_key, row.template_version),
                    ));
                }
            }
            Ok::<_, ApiError>(views)
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}",
    tag = "campaigns",
    params(("id" = i64, Path, description = "The campaign's id")),
    responses(
        (status = 200, description = "The campaign", body = CampaignView),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in the caller's scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_campaign(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let principal = principal(&req, &state).await?;
    let id = auth::campaign_id(&path)?;
    let view = state
        .pool
        .run(Access::Read, move |conn| view_of(conn, &principal, id))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/progress",
    tag = "campaigns",
    description = "Invitations and submissions per covered unit of the caller's scope.",
    params(("id" = i64, Path, description = "The campaign's id")),
    responses(
        (status = 200, description = "The progress", body = Progress),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in the caller's scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn progress(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let principal = principal(&req, &state).await?;
    let id = auth::campaign_id(&path)?;
    let progress = state
        .pool
        .run(Access::Read, move |conn| {
            let scoped = auth::scoped_campaign(conn, &principal, id)?
                .ok_or_else(|| auth::no_campaign(&id.to_string()))?;
            let counts: HashMap<_, _> = db::invitations::progress(conn, id)?
                .into_iter()
                .map(|p| (p.unit_id, (p.invited, p.used)))
                .collect();
            let units = scoped
                .visible_covered()
                .map(|u| {
                    let (invited, submitted) = counts.get(&u.unit_id).copied().unwrap_or((0, 0));
                    UnitProgress {
                        code: u.code.clone(),
                        name: u.name.clone(),
                        invited,
                        submitted,
                        response_rate: (invited > 0).then(|| submitted as f64 / invited as f64),
                    }
                })
                .collect();
            Ok::<_, ApiError>(Progress {
                campaign: id.0,
                units,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(progress))
}

/// The rows and comparison of results, as `kinerja results` takes them.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Only the units of this level of the tree (a root is 0); figures do not change.
    #[param(minimum = 0)]
    pub level: Option<u32>,
    /// Only this unit and the units below it; figures do not change.
    #[param(min_length = 1)]
    pub under: Option<String>,
    /// The earlier campaign to measure each unit's change against (its id), `none`, or
    /// `previous` (the default: the latest earlier campaign of the same template).
    #[param(example = "previous")]
    pub compare: Option<String>,
    /// The workbook's language (sheet names, the About sheet), XLSX only: id or en.
    #[param(inline)]
    pub lang: Option<QueryLang>,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueryLang {
    Id,
    En,
}

fn results_query(req: &HttpRequest) -> Result<ResultsQuery, ApiError> {
    super::parse_query(req)
}

/// The results the principal may see: the rows inside their scope (by the campaign's own
/// tree) that the query asks for. Figures are those of the whole campaign.
async fn scoped_results(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    id_text: &str,
) -> Result<(CampaignResults, ResultsQuery), ApiError> {
    let principal = principal(req, state).await?;
    let query = results_query(req)?;
    let id = auth::campaign_id(id_text)?;
    let compare = match query.compare.as_deref() {
        None => Compare::default(),
        Some(text) => Compare::from_str(text).map_err(|_| {
            ApiError::unprocessable(format!(
                "compare={text}: give an earlier campaign's id, none or previous"
            ))
        })?,
    };
    let cache = state.results.clone();
    let under = query.under.clone();
    let level = query.level;
    let results = state
        .pool
        .run(Access::Read, move |conn| {
            let scoped = auth::scoped_campaign(conn, &principal, id)?
                .ok_or_else(|| auth::no_campaign(&id.to_string()))?;
            if let Some(other) = compare_target(compare) {
                // The campaign compared with must be visible too, or its figures would leak
                // through each unit's change.
                if auth::scoped_campaign(conn, &principal, other)?.is_none() {
                    return Err(ApiError::unprocessable(format!(
                        "compare={other}: no campaign {other}"
                    )));
                }
            }
            let results = cache.get(conn, id, compare)?;
            Ok::<_, ApiError>((results, scoped.scope))
        })
        .await?;
    let (results, scope) = results;
    let mut results = (*results).clone();
    if let Some(code) = &under {
        if !scope.allows(code) {
            return Err(ApiError::unprocessable(format!(
                "under={code}: no unit '{code}' in campaign {id}"
            )));
        }
    }
    crate::results::filter_rows(&mut results, &RowFilter { level, under })?;
    keep_scope(&mut results, &scope);
    Ok((results, query))
}

fn compare_target(compare: Compare) -> Option<CampaignId> {
    match compare {
        Compare::Campaign(id) => Some(id),
        _ => None,
    }
}

fn keep_scope(results: &mut CampaignResults, scope: &Scope) {
    if matches!(scope, Scope::Everything) {
        return;
    }
    let keep: HashSet<String> = results
        .units
        .iter()
        .filter(|u| scope.allows(&u.code))
        .map(|u| u.code.clone())
        .collect();
    results.units.retain(|u| keep.contains(&u.code));
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/results",
    tag = "results",
    description = "The results as `kinerja results --format json` gives them, with only the units of the caller's scope.",
    params(("id" = i64, Path, description = "The campaign's id"), ResultsQuery),
    responses(
        (status = 200, description = "The results", body = CampaignResults),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad query (level, under, compare)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn results_json(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (results, _) = scoped_results(&req, &state, &path).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(crate::results::render(&results, TextFormat::Json)))
}

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/results.csv",
    tag = "results",
    description = "The results as `kinerja results --format csv` gives them, with only the units of the caller's scope.",
    params(("id" = i64, Path, description = "The campaign's id"), ResultsQuery),
    responses(
        (status = 200, description = "The results, one line per unit", body = String, content_type = "text/csv"),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad query (level, under, compare)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn results_csv(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (results, _) = scoped_results(&req, &state, &path).await?;
    let bytes = crate::results::export(&results, Format::Csv, Lang::Id)
        .map_err(|e| ApiError::internal(&e))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(&results, "csv"))
        .body(bytes))
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/results.xlsx",
    tag = "results",
    description = "The results as a workbook (`kinerja results --format xlsx`), with only the units of the caller's scope.",
    params(("id" = i64, Path, description = "The campaign's id"), ResultsQuery),
    responses(
        (status = 200, description = "The workbook", body = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad query (level, under, compare, lang)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn results_xlsx(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (results, query) = scoped_results(&req, &state, &path).await?;
    let lang = match query.lang {
        Some(QueryLang::En) => Lang::En,
        _ => Lang::Id,
    };
    // Building a workbook is CPU work of tens of milliseconds for a large tree.
    let (results, bytes) = web::block(move || {
        let bytes = crate::results::export(&results, Format::Xlsx, lang);
        (results, bytes)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    let bytes = bytes.map_err(|e| ApiError::internal(&e))?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header(attachment(&results, "xlsx"))
        .body(bytes))
}

fn attachment(results: &CampaignResults, extension: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!(
            "attachment; filename=\"campaign-{}-results.{extension}\"",
            results.campaign.id
        ),
    )
}

#[utoipa::path(
    get,
    path = "/api/v1/units",
    tag = "units",
    description = "The organisation's units inside the caller's scope, by code.",
    responses(
        (status = 200, description = "The units", body = Vec<UnitView>),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_units(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let principal = principal(&req, &state).await?;
    let units = state
        .pool
        .run(Access::Read, move |conn| {
            let units = db::units::all(conn)?;
            let scope = principal.scope_in(&units);
            let code_of: HashMap<_, _> = units.iter().map(|u| (u.id, u.code.clone())).collect();
            Ok::<_, ApiError>(
                units
                    .iter()
                    .filter(|u| scope.allows(&u.code))
                    .map(|u| UnitView {
                        code: u.code.clone(),
                        name: u.name.clone(),
                        parent_code: u
                            .parent_id
                            .and_then(|p| code_of.get(&p).cloned())
                            .filter(|p| scope.allows(p)),
                        head_email: u.head_email.clone(),
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(units))
}
