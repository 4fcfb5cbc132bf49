//! The organizer's console at `/console/`: sign-in with a session cookie, the campaigns, a
//! campaign's progress, ranking per level with drill-down through the tree, heatmap, a unit's
//! profile and trend, results downloads, and the audit log for admins. Server-rendered, no
//! script; every page in Indonesian or English (`?lang=en`).
//!
//! - `session`: the cookie, the signed-in organizer, the anti-forgery check, sign-in limits.
//! - `views`: rows and figure coordinates built from results; `pages`: the askama pages;
//!   `texts`: every text in both languages.
//!
//! A scoped organizer sees the units of its subtree only (in the campaign's own unit
//! snapshot); a campaign covering none of them, or a unit outside, is answered 404.

mod actions;
mod pages;
mod session;
mod texts;
mod views;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use self::pages::{Crumb, Dimension, Fact};
use self::session::Signed;
use self::texts::{console_texts, ConsoleTexts};
use self::views::{two, Frame};
use crate::access::{self, AccessError};
use crate::db::{self, Access, CampaignId, DbError};
use crate::results::{CampaignResults, Compare, Format, ResultsError};
use crate::template::Lang;
use crate::web::i18n::request_lang;
use crate::web::middleware::no_store;
use crate::web::routes::is_cross_site;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/console.css", web::get().to(stylesheet))
        .route("/console", web::get().to(to_console))
        .service(
            web::scope("/console")
                .route("/", web::get().to(campaigns))
                .route("/sign-in", web::get().to(sign_in_form))
                .route("/sign-in", web::post().to(sign_in))
                .route("/sign-out", web::post().to(sign_out))
                .route("/audit", web::get().to(audit_log))
                .route("/outbox", web::get().to(actions::outbox))
                .route("/new", web::get().to(actions::new_form))
                .route("/new", web::post().to(actions::create))
                .route("/templates", web::get().to(actions::templates_form))
                .route("/templates", web::post().to(actions::upload_template))
                .route("/units", web::get().to(actions::units_form))
                .route("/units", web::post().to(actions::upload_units))
                .route("/campaigns/{id}/open", web::post().to(actions::open))
                .route("/campaigns/{id}/close", web::post().to(actions::close))
                .route(
                    "/campaigns/{id}/invitations",
                    web::post().to(actions::invite),
                )
                .route(
                    "/campaigns/{id}/responses",
                    web::post().to(actions::responses),
                )
                .route("/campaigns/{id}/remind", web::post().to(actions::remind))
                .route(
                    "/campaigns/{id}/summaries",
                    web::post().to(actions::summaries),
                )
                .route("/campaigns/{id}", web::get().to(campaign))
                .route("/campaigns/{id}/results.{ext}", web::get().to(download))
                .route("/campaigns/{id}/units/{code}", web::get().to(unit)),
        );
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../static/console.css"))
}

async fn to_console(req: HttpRequest) -> HttpResponse {
    see_other(&views::with_lang("/console/", request_lang(&req, None)))
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    let mut response = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    no_store(&mut response);
    response
}

/// Why a console request gets no page of its own.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("not signed in")]
    SignIn,
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Results(ResultsError),
    #[error(transparent)]
    Xlsx(#[from] crate::results::XlsxError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<ResultsError> for Refusal {
    fn from(e: ResultsError) -> Refusal {
        match e {
            ResultsError::UnknownCampaign(_) | ResultsError::UnknownUnit { .. } => {
                Refusal::NotFound
            }
            other => Refusal::Results(other),
        }
    }
}

/// The page of a refusal, in the request's language.
fn refusal_page(req: &HttpRequest, signed: Option<&Signed>, refusal: Refusal) -> HttpResponse {
    let lang = request_lang(req, None);
    if let Refusal::SignIn = refusal {
        return see_other(&views::with_lang("/console/sign-in", lang));
    }
    let t = console_texts(lang);
    let (status, heading, text) = match &refusal {
        Refusal::NotFound => (StatusCode::NOT_FOUND, t.not_found_heading, t.not_found_text),
        Refusal::Forbidden => (StatusCode::FORBIDDEN, t.forbidden_heading, t.forbidden_text),
        _ => {
            tracing::error!(error = %refusal, "console request failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                t.error_heading,
                t.error_text,
            )
        }
    };
    match signed {
        Some(signed) => {
            let f = frame(req, signed);
            html(
                status,
                pages::message(&pages::MessagePage {
                    f: &f,
                    heading,
                    text,
                }),
            )
        }
        // Without a session there is no header to show (and nothing to sign out of).
        None => html(
            status,
            crate::web::pages::message(
                crate::web::i18n::texts(lang),
                &crate::web::pages::Message::new(heading, text),
                None,
            ),
        ),
    }
}

#[derive(serde::Deserialize)]
struct Notice {
    done: Option<String>,
}

fn frame(req: &HttpRequest, signed: &Signed) -> Frame {
    let lang = request_lang(req, None);
    let t = console_texts(lang);
    // The same page in the other language: the query without its `lang`, plus the other one.
    let kept: Vec<&str> = req
        .query_string()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang=") && !p.starts_with("done="))
        .collect();
    let mut switch = req.path().to_owned();
    switch.push('?');
    for part in kept {
        switch.push_str(part);
        switch.push('&');
    }
    switch.push_str("lang=");
    switch.push_str(t.other_lang);
    Frame {
        t,
        lang,
        who: signed
            .principal
            .name
            .clone()
            .unwrap_or_else(|| signed.principal.email.to_string()),
        csrf: signed.csrf.clone(),
        admin: signed.principal.can_write(),
        unscoped_admin: signed.principal.can_write() && signed.principal.scope.is_none(),
        notice: web::Query::<Notice>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.into_inner().done)
            .filter(|d| !d.is_empty()),
        switch,
    }
}

/// The signed-in organizer, or the refusal that sends the browser to the sign-in page.
async fn require(req: &HttpRequest, state: &AppState) -> Result<Signed, Refusal> {
    session::signed_in(req, state).await?.ok_or(Refusal::SignIn)
}

/// Runs a page: the session first (a write), then the page's reads.
async fn page<T, F>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    work: F,
    show: impl FnOnce(&Frame, T) -> HttpResponse,
) -> HttpResponse
where
    T: Send + 'static,
    F: FnOnce(&mut db::DbConn, &crate::results::ResultsCache, &Signed) -> Result<T, Refusal>
        + Send
        + 'static,
{
    let signed = match require(req, state).await {
        Ok(signed) => signed,
        Err(refusal) => return refusal_page(req, None, refusal),
    };
    let cache = Arc::clone(&state.results);
    let principal = Signed {
        principal: signed.principal.clone(),
        csrf: signed.csrf.clone(),
    };
    let data = state
        .pool
        .run(Access::Read, move |conn| work(conn, &cache, &principal))
        .await;
    match data {
        Ok(data) => show(&frame(req, &signed), data),
        Err(refusal) => refusal_page(req, Some(&signed), refusal),
    }
}

// ---------------------------------------------------------------- sign-in and sign-out

#[derive(serde::Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    lang: Option<String>,
}

async fn sign_in_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    // Someone already signed in goes on to the console.
    if let Ok(Some(_)) = session::signed_in(&req, &state).await {
        return see_other(&views::with_lang("/console/", request_lang(&req, None)));
    }
    let t = console_texts(request_lang(&req, None));
    html(
        StatusCode::OK,
        pages::sign_in(&pages::SignInPage {
            t,
            email: "",
            error: None,
        }),
    )
}

fn sign_in_again(
    t: &'static ConsoleTexts,
    status: StatusCode,
    email: &str,
    error: &str,
) -> HttpResponse {
    html(
        status,
        pages::sign_in(&pages::SignInPage {
            t,
            email,
            error: Some(error),
        }),
    )
}

async fn sign_in(
    req: HttpRequest,
    form: web::Form<SignInForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = form.into_inner();
    let lang = request_lang(&req, form.lang.as_deref().and_then(Lang::parse));
    let t = console_texts(lang);
    if is_cross_site(&req, &state) {
        return refusal_page(&req, None, Refusal::Forbidden);
    }
    let address = state.client_address(&req);
    if session::sign_in_refused(&form.email, address) {
        let mut response = sign_in_again(t, StatusCode::TOO_MANY_REQUESTS, &form.email, t.too_many);
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(session::WINDOW.as_secs()),
        );
        return response;
    }
    let (email, password) = (form.email.clone(), form.password);
    // Verifying costs tens of milliseconds of CPU, on the pool's blocking thread.
    let found = state
        .pool
        .run(Access::Read, move |conn| {
            access::sign_in(conn, &email, &password)
        })
        .await;
    let principal = match found {
        Ok(Some(principal)) => principal,
        Ok(None) => {
            session::record_failure(&form.email, address);
            return sign_in_again(t, StatusCode::UNAUTHORIZED, &form.email, t.wrong_password);
        }
        Err(error) => return refusal_page(&req, None, Refusal::Access(error)),
    };
    let created = state
        .pool
        .run(Access::Write, move |conn| {
            access::create_session(conn, &principal)
        })
        .await;
    match created {
        Ok((cookie, _csrf)) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, views::with_lang("/console/", lang)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::SET_COOKIE,
                session::set_cookie(&state, &req, &cookie),
            ))
            .finish(),
        Err(error) => refusal_page(&req, None, Refusal::Access(error)),
    }
}

#[derive(serde::Deserialize)]
struct PlainForm {
    csrf: Option<String>,
    lang: Option<String>,
}

/// A console form post: signed in, and carrying the session's anti-forgery token.
async fn require_post(
    req: &HttpRequest,
    state: &AppState,
    csrf: Option<&str>,
) -> Result<Signed, (Option<Signed>, Refusal)> {
    let signed = require(req, state).await.map_err(|r| (None, r))?;
    if is_cross_site(req, state) || !session::csrf_matches(&signed.csrf, csrf) {
        return Err((Some(signed), Refusal::Forbidden));
    }
    Ok(signed)
}

async fn sign_out(
    req: HttpRequest,
    form: web::Form<PlainForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = form.into_inner();
    let lang = request_lang(&req, form.lang.as_deref().and_then(Lang::parse));
    if let Err((signed, refusal)) = require_post(&req, &state, form.csrf.as_deref()).await {
        return refusal_page(&req, signed.as_ref(), refusal);
    }
    if let Some(cookie) = session::cookie_value(&req) {
        let ended = state
            .pool
            .run(Access::Write, move |conn| {
                access::end_session(conn, &cookie)
            })
            .await;
        if let Err(error) = ended {
            return refusal_page(&req, None, Refusal::Access(error));
        }
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, views::with_lang("/console/sign-in", lang)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::SET_COOKIE, session::clear_cookie()))
        .finish()
}

// ---------------------------------------------------------------- campaigns

/// What a principal may see of a campaign: its snapshot's codes in scope (None: all), or
/// NotFound when the campaign is unknown or covers none of the scope's units.
fn campaign_scope(
    conn: &mut db::DbConn,
    id: CampaignId,
    scope: Option<&str>,
) -> Result<Option<HashSet<String>>, Refusal> {
    let units = db::campaigns::units(conn, id)?;
    if units.is_empty() && db::campaigns::get(conn, id)?.is_none() {
        return Err(Refusal::NotFound);
    }
    let visible = views::visible_codes(&units, scope);
    if let Some(codes) = &visible {
        if !units.iter().any(|u| u.covered && codes.contains(&u.code)) {
            return Err(Refusal::NotFound);
        }
    }
    Ok(visible)
}

fn allowed(visible: &Option<HashSet<String>>, code: &str) -> bool {
    visible.as_ref().is_none_or(|codes| codes.contains(code))
}

/// Invited and submitted per covered unit in view.
fn progress_of(
    conn: &mut db::DbConn,
    id: CampaignId,
    visible: &Option<HashSet<String>>,
) -> Result<Vec<views::ProgressRow>, Refusal> {
    let counts: HashMap<_, _> = db::invitations::progress(conn, id)?
        .into_iter()
        .map(|p| (p.unit_id, (p.invited, p.used)))
        .collect();
    Ok(db::campaigns::covered_units(conn, id)?
        .into_iter()
        .filter(|u| allowed(visible, &u.code))
        .map(|u| {
            let (invited, submitted) = counts.get(&u.unit_id).copied().unwrap_or((0, 0));
            let rate = (invited > 0).then(|| submitted as f64 / invited as f64);
            views::ProgressRow {
                code: u.code,
                name: u.name,
                invited,
                submitted,
                rate: rate.map(views::percent).unwrap_or_else(|| "–".to_owned()),
                bar: rate.map_or(0.0, |r| {
                    (r.clamp(0.0, 1.0) * views::BAR_WIDTH * 10.0).round() / 10.0
                }),
            }
        })
        .collect())
}

async fn campaigns(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    page(
        &req,
        &state,
        |conn, cache, signed| {
            let scope = signed.principal.scope.clone();
            let mut rows = Vec::new();
            for summary in db::campaigns::list(conn)? {
                let c = &summary.campaign;
                let visible = match campaign_scope(conn, c.id, scope.as_deref()) {
                    Ok(visible) => visible,
                    Err(Refusal::NotFound) => continue,
                    Err(other) => return Err(other),
                };
                let progress = progress_of(conn, c.id, &visible)?;
                let invited: i64 = progress.iter().map(|p| p.invited).sum();
                let submitted: i64 = progress.iter().map(|p| p.submitted).sum();
                let responses = match &visible {
                    None => summary.responses,
                    // The responses of the scope: the n of its topmost units (an n counts
                    // the whole subtree below).
                    Some(codes) => {
                        let results = cache.get(conn, c.id, Compare::None)?;
                        results
                            .units
                            .iter()
                            .filter(|u| codes.contains(&u.code))
                            .filter(|u| u.parent_code.as_ref().is_none_or(|p| !codes.contains(p)))
                            .map(|u| i64::try_from(u.figures.n).unwrap_or(i64::MAX))
                            .sum()
                    }
                };
                rows.push(views::CampaignRow {
                    id: c.id.0,
                    title: c.title.clone(),
                    period: c.period.clone(),
                    template: format!("{} v{}", summary.template_key, summary.template_version),
                    status: c.status.as_str(),
                    responses,
                    rate: if invited > 0 {
                        format!(
                            "{} ({submitted}/{invited})",
                            views::percent(submitted as f64 / invited as f64)
                        )
                    } else {
                        "–".to_owned()
                    },
                });
            }
            Ok(rows)
        },
        |f, rows| {
            html(
                StatusCode::OK,
                pages::campaigns(&pages::CampaignsPage { f, rows }),
            )
        },
    )
    .await
}

#[derive(serde::Deserialize)]
struct CampaignQuery {
    level: Option<u32>,
    under: Option<String>,
}

struct CampaignData {
    results: Arc<CampaignResults>,
    visible: Option<HashSet<String>>,
    progress: Vec<views::ProgressRow>,
}

fn load_campaign(
    conn: &mut db::DbConn,
    cache: &crate::results::ResultsCache,
    signed: &Signed,
    id: CampaignId,
) -> Result<CampaignData, Refusal> {
    let visible = campaign_scope(conn, id, signed.principal.scope.as_deref())?;
    let results = cache.get(conn, id, Compare::Previous)?;
    let progress = progress_of(conn, id, &visible)?;
    Ok(CampaignData {
        results,
        visible,
        progress,
    })
}

async fn campaign(
    req: HttpRequest,
    path: web::Path<i64>,
    query: web::Query<CampaignQuery>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id = CampaignId(path.into_inner());
    let query = query.into_inner();
    let lang = request_lang(&req, None);
    let req2 = req.clone();
    page(
        &req,
        &state,
        move |conn, cache, signed| load_campaign(conn, cache, signed, id),
        move |f, data| match campaign_page(f, lang, id, &query, data) {
            Ok(body) => html(StatusCode::OK, body),
            Err(refusal) => refusal_page(&req2, None, refusal),
        },
    )
    .await
}

fn campaign_page(
    f: &Frame,
    lang: Lang,
    id: CampaignId,
    query: &CampaignQuery,
    data: CampaignData,
) -> Result<String, Refusal> {
    let results = &data.results;
    let visible: Vec<&crate::results::UnitResult> = results
        .units
        .iter()
        .filter(|u| allowed(&data.visible, &u.code))
        .collect();
    let children = views::child_counts(visible.iter().copied());
    let ranked = views::ranked_per_level(results);
    let by_code: HashMap<&str, &crate::results::UnitResult> =
        visible.iter().map(|u| (u.code.as_str(), *u)).collect();
    let (shown, level, under, crumbs): (Vec<&crate::results::UnitResult>, _, _, _) =
        match &query.under {
            Some(code) => {
                let Some(unit) = by_code.get(code.as_str()) else {
                    return Err(Refusal::NotFound);
                };
                let mut crumbs = Vec::new();
                let mut at = unit.parent_code.as_deref();
                while let Some(parent) = at.and_then(|c| by_code.get(c)) {
                    crumbs.push(Crumb {
                        code: parent.code.clone(),
                        name: parent.name.clone(),
                    });
                    at = parent.parent_code.as_deref();
                    if crumbs.len() > by_code.len() {
                        break;
                    }
                }
                crumbs.reverse();
                let rows = visible
                    .iter()
                    .copied()
                    .filter(|u| u.parent_code.as_deref() == Some(code.as_str()))
                    .collect();
                let under = Crumb {
                    code: unit.code.clone(),
                    name: unit.name.clone(),
                };
                (rows, Some(unit.level + 1), Some(under), crumbs)
            }
            None => {
                let level = query.level.or_else(|| views::default_level(&visible));
                let rows = visible
                    .iter()
                    .copied()
                    .filter(|u| Some(u.level) == level)
                    .collect();
                (rows, level, None, Vec::new())
            }
        };
    let mut rows: Vec<_> = shown
        .iter()
        .map(|u| {
            views::rank_row(
                f.t,
                results,
                u,
                &ranked,
                children.get(&u.code).copied().unwrap_or(0),
            )
        })
        .collect();
    // Ranked first, by rank; then the withheld, in tree order.
    let order: HashMap<&str, (u32, usize)> = shown
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code.as_str(), (u.rank.unwrap_or(u32::MAX), i)))
        .collect();
    rows.sort_by_key(|r| order.get(r.code.as_str()).copied());
    let (lo, hi) = views::scale_of(results);
    let campaign = &results.campaign;
    let name = crate::campaign::title_with_period(&campaign.title, &campaign.period);
    Ok(pages::campaign(&pages::CampaignPage {
        f,
        id: id.0,
        title: campaign.title.clone(),
        period: if name == campaign.title {
            String::new()
        } else {
            campaign.period.clone()
        },
        name,
        clipped: rows.iter().any(|r| r.ci_clipped),
        template: format!("{} v{}", campaign.template.id, campaign.template.version),
        status: campaign.status,
        responses: campaign.responses,
        min_responses: campaign.min_responses,
        scale: format!("{lo}–{hi}"),
        invited: data.progress.iter().map(|p| p.invited).sum(),
        submitted: data.progress.iter().map(|p| p.submitted).sum(),
        progress: data.progress,
        tabs: views::level_tabs(&visible, if under.is_some() { None } else { level }),
        under,
        crumbs,
        rows,
        dimensions: campaign
            .dimensions
            .iter()
            .map(|d| Dimension {
                title: d.title.get(lang).to_owned(),
            })
            .collect(),
        width: views::BAR_WIDTH,
    }))
}

// ---------------------------------------------------------------- a unit

struct UnitData {
    results: Arc<CampaignResults>,
    trend: Vec<crate::results::trend::TrendRow>,
    /// The survey items' texts in the page's language, in storage order.
    item_texts: Vec<String>,
    /// The names of a survey's scale points, when the template gives them.
    scale_names: Vec<String>,
}

async fn unit(
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (id, code) = path.into_inner();
    let id = CampaignId(id);
    let lang = request_lang(&req, None);
    let wanted = code.clone();
    page(
        &req,
        &state,
        move |conn, cache, signed| {
            let visible = campaign_scope(conn, id, signed.principal.scope.as_deref())?;
            if !allowed(&visible, &wanted) {
                return Err(Refusal::NotFound);
            }
            let results = cache.get(conn, id, Compare::Previous)?;
            if !results.units.iter().any(|u| u.code == wanted) {
                return Err(Refusal::NotFound);
            }
            // The series over the template's campaigns, as `results trend` gives it, from
            // the cached results of each.
            let mut trend = Vec::new();
            for c in db::campaigns::of_template_key(conn, &results.campaign.template.id)? {
                let those = cache.get(conn, c.id, Compare::None)?;
                trend.extend(those.units.iter().filter(|u| u.code == wanted).map(|u| {
                    crate::results::trend::TrendRow {
                        campaign: c.id,
                        period: c.period.clone(),
                        code: u.code.clone(),
                        name: u.name.clone(),
                        level: u.level,
                        n: u.figures.n,
                        suppressed: u.figures.suppressed,
                        score: u.figures.score,
                        rank: u.rank,
                        rank_interval: u.rank_interval,
                    }
                }));
            }
            let campaign = db::campaigns::get(conn, id)?.ok_or(Refusal::NotFound)?;
            let template = db::templates::get(conn, campaign.template_id)?
                .template()
                .map_err(ResultsError::from)?;
            let item_texts = template
                .items()
                .iter()
                .map(|item| item.text.get(lang).to_owned())
                .collect();
            let scale_names = template
                .scale()
                .and_then(|scale| scale.labels.as_ref())
                .map(|labels| labels.iter().map(|l| l.get(lang).to_owned()).collect())
                .unwrap_or_default();
            Ok(UnitData {
                results,
                trend,
                item_texts,
                scale_names,
            })
        },
        move |f, data| html(StatusCode::OK, unit_page(f, lang, id, &code, &data)),
    )
    .await
}

/// The figures' facts, and whether their CI is shown clipped to the scale.
fn facts_of(
    t: &ConsoleTexts,
    results: &CampaignResults,
    figures: &crate::results::Figures,
) -> (Vec<Fact>, bool) {
    let mut facts = vec![Fact {
        label: "n",
        value: figures.n.to_string(),
    }];
    if let Some(score) = figures.score {
        facts.push(Fact {
            label: t.score,
            value: two(score),
        });
    }
    let shown = figures.ci95.map(|ci| views::shown_ci(results, ci));
    if let Some(ci) = shown {
        facts.push(Fact {
            label: t.ci95,
            value: ci.for_people(Lang::En),
        });
    }
    (facts, shown.is_some_and(|ci| ci.any_clipped()))
}

fn unit_page(f: &Frame, lang: Lang, id: CampaignId, code: &str, data: &UnitData) -> String {
    let results = &data.results;
    let t = f.t;
    let Some(unit) = results.units.iter().find(|u| u.code == code) else {
        return pages::message(&pages::MessagePage {
            f,
            heading: t.not_found_heading,
            text: t.not_found_text,
        });
    };
    let ranked = views::ranked_per_level(results);
    let row = views::rank_row(t, results, unit, &ranked, 0);
    let (mut facts, clipped) = facts_of(t, results, &unit.figures);
    // The unit's own facts are shown only when it is not withheld.
    let mut clipped = clipped && row.withheld.is_none();
    if !row.rank.is_empty() {
        facts.push(Fact {
            label: t.rank,
            value: row.rank.clone(),
        });
    }
    if let Some([a, b]) = unit.rank_interval {
        facts.push(Fact {
            label: t.rank_interval,
            value: format!("{a}–{b}"),
        });
    }
    if let Some(r) = unit.rank_in_parent {
        facts.push(Fact {
            label: t.rank_in_parent,
            value: r.to_string(),
        });
    }
    if !row.change.is_empty() {
        facts.push(Fact {
            label: t.change,
            value: format!("{} ({})", row.change, row.change_title),
        });
    }
    let own = match unit.own.as_ref().filter(|own| !own.suppressed) {
        Some(own) => {
            let (own, own_clipped) = facts_of(t, results, own);
            clipped |= own_clipped;
            own
        }
        None => Vec::new(),
    };
    let (trend, line) = views::trend_points(&data.trend, views::scale_of(results));
    let items = results.campaign.scale.and_then(|[min, max]| {
        let k = u64::try_from(results.campaign.min_responses).unwrap_or(1);
        views::distributions(
            &unit.figures,
            &data.item_texts,
            (min, max),
            &data.scale_names,
            k,
            t.not_answered,
        )
    });
    pages::unit(&pages::UnitPage {
        f,
        campaign_id: id.0,
        campaign_title: crate::campaign::title_with_period(
            &results.campaign.title,
            &results.campaign.period,
        ),
        code: unit.code.clone(),
        name: unit.name.clone(),
        level: unit.level,
        withheld: row.withheld,
        facts,
        clipped,
        own,
        profile: views::profile(results, unit, lang),
        survey: results.campaign.scale.is_some(),
        items,
        min_responses: results.campaign.min_responses,
        row,
        trend,
        line,
        width: views::BAR_WIDTH,
        trend_width: views::BAR_WIDTH * 2.0,
        trend_height: views::TREND_HEIGHT,
    })
}

// ---------------------------------------------------------------- downloads

async fn download(
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (id, ext) = path.into_inner();
    let id = CampaignId(id);
    let (format, content_type) = match ext.as_str() {
        "csv" => (Format::Csv, "text/csv; charset=utf-8"),
        "json" => (Format::Json, "application/json"),
        "xlsx" => (
            Format::Xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return crate::web::errors::not_found(req).await,
    };
    let lang = request_lang(&req, None);
    page(
        &req,
        &state,
        move |conn, cache, signed| {
            let visible = campaign_scope(conn, id, signed.principal.scope.as_deref())?;
            let cached = cache.get(conn, id, Compare::Previous)?;
            let bytes = match &visible {
                None => crate::results::export(&cached, format, lang)?,
                Some(codes) => {
                    let mut results = CampaignResults::clone(&cached);
                    results.units.retain(|u| codes.contains(&u.code));
                    crate::results::export(&results, format, lang)?
                }
            };
            Ok(bytes)
        },
        move |_, bytes| {
            let mut response = HttpResponse::Ok()
                .content_type(content_type)
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"kinerja-campaign-{}.{ext}\"", id.0),
                ))
                .body(bytes);
            no_store(&mut response);
            response
        },
    )
    .await
}

// ---------------------------------------------------------------- the audit log

/// The newest lines shown on the page (`kinerja audit` prints them all).
const AUDIT_LINES: usize = 1000;

async fn audit_log(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    page(
        &req,
        &state,
        |conn, _, signed| {
            if !signed.principal.can_write() {
                return Err(Refusal::Forbidden);
            }
            let mut entries = crate::audit::list(conn, None)?;
            entries.reverse();
            entries.truncate(AUDIT_LINES);
            Ok(entries)
        },
        |f, entries| {
            html(
                StatusCode::OK,
                pages::audit(&pages::AuditPage { f, entries }),
            )
        },
    )
    .await
}
