//! What admins may change: templates, the unit tree, campaigns, invitations and response
//! files. Each change and its audit line are written in one transaction.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{self, principal, read_body, BodyKind};
use super::problem::{input_issues, template_issues, ApiError, Problem};
use super::reads::{view_of, CampaignView};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::campaign::{self, CampaignRequest};
use crate::db::campaigns::CampaignStatus;
use crate::db::templates::ImportOutcome;
use crate::db::{self, Access, CampaignId};
use crate::domain::{EmailAddress, ReminderDays};
use crate::import::InputIssues;
use crate::web::state::AppState;

/// What a stored template is.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TemplateImported {
    pub id: String,
    pub version: i32,
    /// survey or checklist.
    pub kind: String,
    /// created, unchanged, or replaced (a version no campaign used yet).
    pub outcome: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/templates",
    tag = "templates",
    description = "Imports a template (TOML, as `kinerja template import`). Admins without a scope only.",
    request_body(content((String = "application/toml"), (String = "text/plain")), description = "The template's TOML text (at most 1 MB)"),
    responses(
        (status = 201, description = "A new template or version", body = TemplateImported),
        (status = 200, description = "The same text again, or a correction of a version no campaign uses", body = TemplateImported),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer, or a scoped admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A different text for a version a campaign uses", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 1 MB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not TOML", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid template, with each problem's line and column", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn import_template(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let principal = principal(&req, &state).await?;
    auth::require_unscoped_admin(&principal, "templates")?;
    let body = read_body(&req, payload, BodyKind::Toml).await?;
    let source = auth::body_text(&body)?.to_owned();
    let imported = store_template(&state, principal, source).await?;
    let status = if imported.outcome == "created" {
        actix_web::http::StatusCode::CREATED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(imported))
}

/// Checks and stores a template with its audit line, as `POST /api/v1/templates` and the
/// console's upload do (the caller has checked the principal may change templates).
pub(crate) async fn store_template(
    state: &AppState,
    principal: Principal,
    source: String,
) -> Result<TemplateImported, ApiError> {
    let template = crate::template::parse_template(&source).map_err(template_issues)?;
    state
        .pool
        .run(Access::Write, move |conn| {
            let object = format!("template {} v{}", template.key, template.version);
            let outcome = db::templates::import_then(conn, &template, &source, |conn, outcome| {
                audit::record(
                    conn,
                    Actor::from(&principal),
                    "template.import",
                    &object,
                    Some(&format!("outcome={}", outcome_word(outcome))),
                )
            })?;
            Ok::<_, ApiError>(TemplateImported {
                id: template.key.clone(),
                version: template.version,
                kind: template.kind().as_str().to_owned(),
                outcome: outcome_word(outcome).to_owned(),
            })
        })
        .await
}

fn outcome_word(outcome: ImportOutcome) -> &'static str {
    match outcome {
        ImportOutcome::Created(_) => "created",
        ImportOutcome::Unchanged(_) => "unchanged",
        ImportOutcome::Replaced(_) => "replaced",
    }
}

/// What a unit file changed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitsImported {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[utoipa::path(
    post,
    path = "/api/v1/units",
    tag = "units",
    description = "Imports a unit file (CSV `code,name,parent_code[,head_email]`, as `kinerja units import`): all of it, or nothing. Admins without a scope only.",
    request_body(content = String, content_type = "text/csv", description = "The CSV file (at most 10 MB)"),
    responses(
        (status = 200, description = "The units are stored", body = UnitsImported),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer, or a scoped admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 10 MB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not CSV", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Problems in the file, by line and column; nothing was stored", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn import_units(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let principal = principal(&req, &state).await?;
    auth::require_unscoped_admin(&principal, "the unit tree")?;
    let body = read_body(&req, payload, BodyKind::Csv).await?;
    let counts = store_units(&state, principal, body).await?;
    Ok(HttpResponse::Ok().json(counts))
}

/// Stores a unit file with its audit line (all of it, or nothing), as `POST /api/v1/units` and
/// the console's upload do (the caller has checked the principal may change the tree).
pub(crate) async fn store_units(
    state: &AppState,
    principal: Principal,
    body: actix_web::web::Bytes,
) -> Result<UnitsImported, ApiError> {
    state
        .pool
        .run(Access::Write, move |conn| {
            let counts = crate::import::units::import_units_then(
                conn,
                "units.csv",
                &body[..],
                |conn, counts| {
                    audit::record(
                        conn,
                        Actor::from(&principal),
                        "units.import",
                        "units",
                        Some(&format!(
                            "created={} updated={} unchanged={}",
                            counts.created, counts.updated, counts.unchanged
                        )),
                    )
                },
            )?;
            Ok::<_, ApiError>(UnitsImported {
                created: counts.created,
                updated: counts.updated,
                unchanged: counts.unchanged,
            })
        })
        .await
}

/// A new campaign, as `kinerja campaign create` takes it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    /// The template's key (its `id` in the TOML file).
    #[schema(min_length = 1)]
    pub template: String,
    /// Default: the latest version imported.
    pub template_version: Option<i32>,
    #[schema(min_length = 1, pattern = "\\S")]
    pub period: String,
    #[schema(min_length = 1, pattern = "\\S")]
    pub title: String,
    /// Unit codes; default: every unit (of the caller's scope).
    pub units: Option<Vec<String>>,
    /// The anonymity threshold; default 5 for surveys, 1 for checklists.
    #[schema(minimum = 1)]
    pub min_responses: Option<i64>,
    /// The last day (UTC, YYYY-MM-DD) links can be answered.
    #[schema(example = "2026-12-31")]
    pub closes_on: Option<String>,
    /// Create it closed to responses until it is opened (default false: open at once).
    pub draft: Option<bool>,
    /// The address respondents write to with questions (shown on pages and in emails).
    #[schema(example = "sfo@kemenkeu.go.id")]
    pub contact: Option<String>,
    /// Days after the invitation on which the server sends reminders, e.g. [3, 7].
    pub reminders: Option<Vec<u16>>,
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns",
    tag = "campaigns",
    description = "Creates a campaign. A scoped admin may name only units of their scope (by default, all of them).",
    request_body(content = NewCampaign, content_type = "application/json"),
    responses(
        (status = 201, description = "The campaign", body = CampaignView),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 1 MB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad JSON, an unknown template or unit, a bad threshold or date", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_campaign(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let principal = principal(&req, &state).await?;
    auth::require_admin(&principal)?;
    let body = read_body(&req, payload, BodyKind::Json).await?;
    let new: NewCampaign = serde_json::from_slice(&body)
        .map_err(|e| ApiError::unprocessable(format!("the body is not a campaign: {e}")))?;
    let view = store_campaign(&state, principal, new).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/campaigns/{}", view.id)))
        .json(view))
}

/// Creates a campaign with its audit line, as `POST /api/v1/campaigns` and the console's form
/// do (the caller has checked the principal is an admin).
pub(crate) async fn store_campaign(
    state: &AppState,
    principal: Principal,
    new: NewCampaign,
) -> Result<CampaignView, ApiError> {
    let closes_on = new
        .closes_on
        .as_deref()
        .map(|d| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                ApiError::unprocessable(format!("closes_on '{d}' is not a date (YYYY-MM-DD)"))
            })
        })
        .transpose()?;
    let contact = new
        .contact
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| {
            EmailAddress::parse(c).map_err(|e| ApiError::unprocessable(format!("contact {e}")))
        })
        .transpose()?;
    let reminders = match &new.reminders {
        None => ReminderDays::default(),
        Some(days) => ReminderDays::from_days(days.iter().map(|d| u32::from(*d)))
            .map_err(|e| ApiError::unprocessable(format!("reminders: {e}")))?,
    };
    state
        .pool
        .run(Access::Write, move |conn| {
            let units = scoped_units(conn, &principal, new.units)?;
            let request = CampaignRequest {
                template_key: &new.template,
                template_version: new.template_version,
                period: &new.period,
                title: &new.title,
                units,
                min_responses: new.min_responses,
                draft: new.draft.unwrap_or(false),
                closes_on,
                contact,
                reminders,
            };
            let id = campaign::create_then(conn, &request, |conn, id| {
                audit::record(
                    conn,
                    Actor::from(&principal),
                    "campaign.create",
                    &format!("campaign {id}"),
                    Some(&format!("template={}", new.template)),
                )
            })?;
            view_of(conn, &principal, id)
        })
        .await
}

/// The units a scoped admin's campaign covers: those named, each of which must be inside the
/// scope (one outside is reported as unknown, like one that does not exist), or every unit of
/// the scope.
fn scoped_units(
    conn: &mut db::DbConn,
    principal: &Principal,
    named: Option<Vec<String>>,
) -> Result<Option<Vec<String>>, ApiError> {
    if principal.scope.is_none() {
        return Ok(named);
    }
    let all = db::units::all(conn)?;
    let scope = principal.scope_in(&all);
    match named {
        None => Ok(Some(
            all.iter()
                .filter(|u| scope.allows(&u.code))
                .map(|u| u.code.clone())
                .collect(),
        )),
        Some(codes) => {
            let outside: Vec<String> = codes
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty() && !scope.allows(c))
                .map(str::to_owned)
                .collect();
            if outside.is_empty() {
                Ok(Some(codes))
            } else {
                Err(crate::campaign::CampaignError::UnknownUnits(outside).into())
            }
        }
    }
}

/// The campaign for a change by `principal`: 404 outside the scope, 403 when it covers
/// units outside it too.
async fn campaign_to_change(
    req: &HttpRequest,
    state: &AppState,
    id_text: &str,
) -> Result<(Principal, CampaignId), ApiError> {
    let principal = principal(req, state).await?;
    let id = changeable_campaign(state, &principal, id_text).await?;
    Ok((principal, id))
}

/// [`campaign_to_change`] for a known principal (the console's session).
pub(crate) async fn changeable_campaign(
    state: &AppState,
    principal: &Principal,
    id_text: &str,
) -> Result<CampaignId, ApiError> {
    auth::require_admin(principal)?;
    let scoped = auth::load_campaign(state, principal, id_text).await?;
    if !scoped.wholly_in_scope() {
        return Err(ApiError::forbidden(format!(
            "campaign {} covers units outside this organizer's scope",
            scoped.campaign.id
        )));
    }
    Ok(scoped.campaign.id)
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/open",
    tag = "campaigns",
    description = "Opens the campaign to responses (a closed one is reopened).",
    params(("id" = i64, Path, description = "The campaign's id")),
    responses(
        (status = 200, description = "The campaign, open", body = CampaignView),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer, or a campaign reaching outside the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in the caller's scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn open_campaign(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = campaign_to_change(&req, &state, &path).await?;
    let view = set_open(&state, principal, id).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Opens a campaign with its audit line (the caller has checked the principal may change it).
pub(crate) async fn set_open(
    state: &AppState,
    principal: Principal,
    id: CampaignId,
) -> Result<CampaignView, ApiError> {
    state
        .pool
        .run(Access::Write, move |conn| {
            campaign::set_status_then(conn, id, CampaignStatus::Open, |conn| {
                audit::record(
                    conn,
                    Actor::from(&principal),
                    "campaign.open",
                    &format!("campaign {id}"),
                    None,
                )
            })?;
            view_of(conn, &principal, id)
        })
        .await
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/close",
    tag = "campaigns",
    description = "Closes the campaign: no link answers any more, pending answers are released.",
    params(("id" = i64, Path, description = "The campaign's id")),
    responses(
        (status = 200, description = "The campaign, closed", body = CampaignView),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer, or a campaign reaching outside the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in the caller's scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn close_campaign(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (principal, id) = campaign_to_change(&req, &state, &path).await?;
    let view = set_closed(&state, principal, id).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Closes a campaign, releasing its pending answers, with its audit line (the caller has
/// checked the principal may change it).
pub(crate) async fn set_closed(
    state: &AppState,
    principal: Principal,
    id: CampaignId,
) -> Result<CampaignView, ApiError> {
    let key = state.key.clone();
    state
        .pool
        .run(Access::Write, move |conn| {
            crate::pending::close_then(conn, &key, id, |conn, released| {
                audit::record(
                    conn,
                    Actor::from(&principal),
                    "campaign.close",
                    &format!("campaign {id}"),
                    Some(&format!("released={released}")),
                )
            })?;
            view_of(conn, &principal, id)
        })
        .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InviteQuery {
    /// Queue an invitation email per line (default true); false returns the links instead.
    pub email: Option<bool>,
    /// Revoke earlier unused links of the same people and units and issue new ones.
    pub reissue: Option<bool>,
}

/// One issued link.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct IssuedLinkView {
    pub email: String,
    pub unit: String,
    /// The personal link; shown once, only its hash is stored.
    pub url: String,
}

/// What an invitation file issued.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Invited {
    pub issued: usize,
    /// Whether an invitation email per link was queued.
    pub emails_queued: bool,
    /// The links, when no email was queued (`email=false`); empty otherwise.
    pub links: Vec<IssuedLinkView>,
}

/// Line problems for the rows of units outside the scope, reported as unknown units.
fn outside_scope<'a>(
    rows: impl Iterator<Item = (u64, &'a str)>,
    scope: &crate::access::Scope,
) -> Result<(), ApiError> {
    let mut issues = InputIssues::new("upload");
    for (line, code) in rows {
        if !scope.allows(code.trim()) {
            issues.add(
                line,
                Some("unit"),
                format!("unknown unit '{}'", code.trim()),
            );
        }
    }
    issues.into_result().map_err(input_issues)
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/invitations",
    tag = "campaigns",
    description = "Issues a personal link per line of an invitation file (CSV `email,unit[,name,lang]`, as `kinerja invite`): all lines, or none.",
    params(("id" = i64, Path, description = "The campaign's id"), InviteQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file (at most 10 MB)"),
    responses(
        (status = 200, description = "The links were issued", body = Invited),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The campaign is closed", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 10 MB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not CSV", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Problems in the file (by line and column) or the query; nothing was stored", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn invite(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let principal = principal(&req, &state).await?;
    auth::require_admin(&principal)?;
    let query: InviteQuery = super::parse_query(&req)?;
    let scoped = auth::load_campaign(&state, &principal, &path).await?;
    let body = read_body(&req, payload, BodyKind::Csv).await?;
    let send_email = query.email.unwrap_or(true);
    let reissue = query.reissue.unwrap_or(false);
    let links = store_invitations(&state, principal, scoped, body, send_email, reissue).await?;
    let base = &state.public_url;
    Ok(HttpResponse::Ok().json(Invited {
        issued: links.len(),
        emails_queued: send_email,
        links: if send_email {
            Vec::new()
        } else {
            links
                .iter()
                .map(|l| IssuedLinkView {
                    email: l.row.email.to_string(),
                    unit: l.row.unit_code.clone(),
                    url: format!("{base}/r/{}", l.token),
                })
                .collect()
        },
    }))
}

/// Issues the links of an invitation file (all lines, or none) with its audit line, queuing an
/// invitation email per link when `send_email` (the caller has checked the principal is an
/// admin who sees the campaign).
pub(crate) async fn store_invitations(
    state: &AppState,
    principal: Principal,
    scoped: auth::ScopedCampaign,
    body: actix_web::web::Bytes,
    send_email: bool,
    reissue: bool,
) -> Result<Vec<crate::import::invitations::IssuedLink>, ApiError> {
    let (id, scope) = (scoped.campaign.id, scoped.scope);
    let public_url = state.public_url.clone();
    state
        .pool
        .run(Access::Write, move |conn| {
            let file = crate::import::invitations::read(conn, id, "invitations.csv", &body[..])?;
            outside_scope(
                file.rows().iter().map(|r| (r.line, r.unit_code.as_str())),
                &scope,
            )?;
            let record =
                |conn: &mut db::DbConn, links: &[crate::import::invitations::IssuedLink]| {
                    audit::record(
                        conn,
                        Actor::from(&principal),
                        "campaign.invite",
                        &format!("campaign {id}"),
                        Some(&format!("links={} email={send_email}", links.len())),
                    )
                };
            let links = if send_email {
                crate::mail::campaign::invite_read_then(conn, file, reissue, &public_url, record)?
            } else {
                db::write_tx(conn, |conn| {
                    let links = crate::import::invitations::issue(conn, file, reissue)?;
                    record(conn, &links)?;
                    Ok::<_, crate::import::ImportError>(links)
                })?
            };
            Ok::<_, ApiError>(links)
        })
        .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResponsesQuery {
    /// Import the file even if the same file (by SHA-256) was imported into this campaign
    /// before: its answers are then counted twice.
    pub allow_duplicate: Option<bool>,
}

/// What a response file stored.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ResponsesImported {
    pub stored: usize,
}

#[utoipa::path(
    post,
    path = "/api/v1/campaigns/{id}/responses",
    tag = "campaigns",
    description = "Imports a response file (CSV `unit,<item id>...`, as `kinerja responses import`) into an open campaign: all lines, or none.",
    params(("id" = i64, Path, description = "The campaign's id"), ResponsesQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file (at most 10 MB)"),
    responses(
        (status = 200, description = "The responses were stored", body = ResponsesImported),
        (status = 401, description = "No token, or an unknown one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign in the caller's scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The campaign is not open, or the same file was imported before", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 10 MB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not CSV", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Problems in the file (by line and column) or the query; nothing was stored", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn import_responses(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let principal = principal(&req, &state).await?;
    auth::require_admin(&principal)?;
    let query: ResponsesQuery = super::parse_query(&req)?;
    let scoped = auth::load_campaign(&state, &principal, &path).await?;
    let body = read_body(&req, payload, BodyKind::Csv).await?;
    let allow_duplicate = query.allow_duplicate.unwrap_or(false);
    let stored = store_responses(&state, principal, scoped, body, allow_duplicate).await?;
    Ok(HttpResponse::Ok().json(ResponsesImported { stored }))
}

/// Stores a response file (all lines, or none) with its audit line (the caller has checked the
/// principal is an admin who sees the campaign).
pub(crate) async fn store_responses(
    state: &AppState,
    principal: Principal,
    scoped: auth::ScopedCampaign,
    body: actix_web::web::Bytes,
    allow_duplicate: bool,
) -> Result<usize, ApiError> {
    if !matches!(scoped.scope, crate::access::Scope::Everything) {
        outside_scope(
            unit_cells(&body).iter().map(|(l, c)| (*l, c.as_str())),
            &scoped.scope,
        )?;
    }
    let id = scoped.campaign.id;
    state
        .pool
        .run(Access::Write, move |conn| {
            Ok::<_, ApiError>(crate::import::responses::import_responses_then(
                conn,
                id,
                "responses.csv",
                &body[..],
                allow_duplicate,
                |conn, stored| {
                    audit::record(
                        conn,
                        Actor::from(&principal),
                        "responses.import",
                        &format!("campaign {id}"),
                        Some(&format!("stored={stored}")),
                    )
                },
            )?)
        })
        .await
}

/// The `unit` cell of each line of a CSV file, with its line; nothing when the file has no
/// such column or cannot be read (the import then reports why).
fn unit_cells(body: &[u8]) -> Vec<(u64, String)> {
    let mut reader = crate::import::csv_reader(body);
    let Some(at) = reader
        .headers()
        .ok()
        .and_then(|h| h.iter().position(|c| crate::import::header_is(c, "unit")))
    else {
        return Vec::new();
    };
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|r| {
            let line = r.position().map(|p| p.line()).unwrap_or(0);
            r.get(at).map(|c| (line, c.to_owned()))
        })
        .collect()
}
