//! The console's admin actions: open and close a campaign, invite from a people list, upload
//! responses, remind, send summaries, create a campaign, upload templates and the unit tree,
//! and the outbox's state. Every change goes through the API's own functions (the same
//! checks, the audit line in the same transaction); the console only reads its forms and
//! shows the outcome. A form carries the session's anti-forgery token; a viewer is answered
//! 403 on every post.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::session::Signed;
use super::texts::ConsoleTexts;
use super::views::{self, encode, Frame};
use super::{frame, html, page, refusal_page, require_post, see_other, Refusal};
use crate::audit::{self, Actor};
use crate::db::{self, Access};
use crate::template::Lang;
use crate::web::api::auth;
use crate::web::api::problem::{ApiError, Column};
use crate::web::api::writes;
use crate::web::i18n::request_lang;
use crate::web::state::AppState;

/// The largest CSV file an upload takes (as the API).
pub const MAX_CSV_BYTES: usize = 10 * 1024 * 1024;
/// The largest template an upload takes (as the API).
pub const MAX_TOML_BYTES: usize = 1024 * 1024;
/// The text fields of an upload form are short; this bounds each.
const MAX_FIELD_BYTES: usize = 4096;

/// A multipart form: its text fields and its one file.
struct Upload {
    fields: HashMap<String, String>,
    file: Bytes,
}

impl Upload {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// Reads a `multipart/form-data` form whose file part is named `file`, refusing (413) a file
/// larger than `cap` before reading the rest of it.
async fn read_upload(mut form: Multipart, cap: usize) -> Result<Upload, ApiError> {
    let mut fields = HashMap::new();
    let mut file = Vec::new();
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|e| ApiError::unprocessable(format!("bad form: {e}")))?;
        let name = part.name().unwrap_or_default().to_owned();
        let limit = if name == "file" { cap } else { MAX_FIELD_BYTES };
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| ApiError::unprocessable(format!("bad form: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the file is larger than {} MB", cap / (1024 * 1024)),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "file" {
            file = bytes;
        } else {
            fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(Upload {
        fields,
        file: Bytes::from(file),
    })
}

/// One problem of a refused action, as the page lists it.
pub struct ProblemRow {
    pub line: String,
    pub column: String,
    pub message: String,
}

#[derive(askama::Template)]
#[template(path = "console/problem.html")]
pub struct ProblemPage<'a> {
    pub f: &'a Frame,
    pub status: u16,
    pub detail: String,
    pub rows: Vec<ProblemRow>,
    pub back: String,
}

/// The page of an action the API's function refused: its status, why, and each line's
/// problem. A failure of ours is the console's general error page.
fn problem_page(req: &HttpRequest, signed: &Signed, error: ApiError, back: &str) -> HttpResponse {
    let f = frame(req, signed);
    if error.status.is_server_error() {
        // Logged where it happened; the page says no more than the API would.
        return html(
            error.status,
            super::pages::message(&super::pages::MessagePage {
                f: &f,
                heading: f.t.error_heading,
                text: f.t.error_text,
            }),
        );
    }
    let rows = error
        .errors
        .unwrap_or_default()
        .into_iter()
        .map(|p| ProblemRow {
            line: if p.line == 0 {
                "–".to_owned()
            } else {
                p.line.to_string()
            },
            column: match p.column {
                Some(Column::Name(name)) => name,
                Some(Column::Position(at)) => at.to_string(),
                None => "–".to_owned(),
            },
            message: p.message,
        })
        .collect();
    let page = ProblemPage {
        f: &f,
        status: error.status.as_u16(),
        detail: error.detail,
        rows,
        back: f.href(back),
    };
    html(
        error.status,
        askama::Template::render(&page).unwrap_or_else(|e| format!("template error: {e}")),
    )
}

/// Back to `path` with a notice of what was done.
fn done(path: &str, lang: Lang, notice: &str) -> HttpResponse {
    let sep = if path.contains('?') { '&' } else { '?' };
    see_other(&views::with_lang(
        &format!("{path}{sep}done={}", encode(notice)),
        lang,
    ))
}

/// A posted form's language, else the request's.
fn lang_of(req: &HttpRequest, posted: Option<&str>) -> Lang {
    request_lang(req, posted.and_then(Lang::parse))
}

/// Signed in, the right anti-forgery token, and an admin; else the refusal's page.
async fn admin_post(
    req: &HttpRequest,
    state: &AppState,
    csrf: Option<&str>,
) -> Result<Signed, HttpResponse> {
    let signed = require_post(req, state, csrf)
        .await
        .map_err(|(signed, refusal)| refusal_page(req, signed.as_ref(), refusal))?;
    if !signed.principal.can_write() {
        return Err(refusal_page(req, Some(&signed), Refusal::Forbidden));
    }
    Ok(signed)
}

/// An upload form: read, then checked like any other post. A form that cannot be read
/// (too large, malformed) is refused only after the session is known, so that a stranger is
/// still sent to sign in.
async fn upload_post(
    req: &HttpRequest,
    state: &AppState,
    form: Multipart,
    cap: usize,
) -> Result<(Signed, Upload), HttpResponse> {
    match read_upload(form, cap).await {
        Ok(upload) => {
            let signed = admin_post(req, state, upload.field("csrf")).await?;
            Ok((signed, upload))
        }
        Err(error) => {
            let signed = match super::require(req, state).await {
                Ok(signed) => signed,
                Err(refusal) => return Err(refusal_page(req, None, refusal)),
            };
            Err(problem_page(req, &signed, error, "/console/"))
        }
    }
}

#[derive(serde::Deserialize)]
pub struct PlainForm {
    csrf: Option<String>,
    lang: Option<String>,
}

// ---------------------------------------------------------------- open and close

pub async fn open(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<PlainForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    set_status(req, path.into_inner(), form.into_inner(), state, true).await
}

pub async fn close(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<PlainForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    set_status(req, path.into_inner(), form.into_inner(), state, false).await
}

async fn set_status(
    req: HttpRequest,
    id_text: String,
    form: PlainForm,
    state: web::Data<AppState>,
    open: bool,
) -> HttpResponse {
    let lang = lang_of(&req, form.lang.as_deref());
    let signed = match admin_post(&req, &state, form.csrf.as_deref()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let back = format!("/console/campaigns/{id_text}");
    let t = super::texts::console_texts(lang);
    let outcome = async {
        let id = writes::changeable_campaign(&state, &signed.principal, &id_text).await?;
        let principal = signed.principal.clone();
        if open {
            writes::set_open(&state, principal, id).await?;
            Ok::<_, ApiError>(t.done_opened.to_owned())
        } else {
            writes::set_closed(&state, principal, id).await?;
            Ok(t.done_closed.to_owned())
        }
    }
    .await;
    match outcome {
        Ok(notice) => done(&back, lang, &notice),
        Err(error) => problem_page(&req, &signed, error, &back),
    }
}

// ---------------------------------------------------------------- files of a campaign

pub async fn invite(
    req: HttpRequest,
    path: web::Path<String>,
    form: Multipart,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id_text = path.into_inner();
    let (signed, upload) = match upload_post(&req, &state, form, MAX_CSV_BYTES).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let lang = lang_of(&req, upload.field("lang"));
    let t = super::texts::console_texts(lang);
    let back = format!("/console/campaigns/{id_text}");
    let outcome = async {
        let scoped = auth::load_campaign(&state, &signed.principal, &id_text).await?;
        let links = writes::store_invitations(
            &state,
            signed.principal.clone(),
            scoped,
            upload.file.clone(),
            true,
            upload.field("reissue").is_some(),
        )
        .await?;
        Ok::<_, ApiError>(links.len())
    }
    .await;
    match outcome {
        Ok(n) => done(&back, lang, &t.done_invited.replace("{}", &n.to_string())),
        Err(error) => problem_page(&req, &signed, error, &back),
    }
}

pub async fn responses(
    req: HttpRequest,
    path: web::Path<String>,
    form: Multipart,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id_text = path.into_inner();
    let (signed, upload) = match upload_post(&req, &state, form, MAX_CSV_BYTES).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let lang = lang_of(&req, upload.field("lang"));
    let t = super::texts::console_texts(lang);
    let back = format!("/console/campaigns/{id_text}");
    let outcome = async {
        let scoped = auth::load_campaign(&state, &signed.principal, &id_text).await?;
        writes::store_responses(
            &state,
            signed.principal.clone(),
            scoped,
            upload.file.clone(),
            upload.field("allow_duplicate").is_some(),
        )
        .await
    }
    .await;
    match outcome {
        Ok(n) => done(&back, lang, &t.done_responses.replace("{}", &n.to_string())),
        Err(error) => problem_page(&req, &signed, error, &back),
    }
}

// ---------------------------------------------------------------- reminders and summaries

pub async fn remind(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<PlainForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id_text = path.into_inner();
    let form = form.into_inner();
    let lang = lang_of(&req, form.lang.as_deref());
    let signed = match admin_post(&req, &state, form.csrf.as_deref()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let t = super::texts::console_texts(lang);
    let back = format!("/console/campaigns/{id_text}");
    let outcome = async {
        let scoped = auth::load_campaign(&state, &signed.principal, &id_text).await?;
        let id = scoped.campaign.id;
        let public_url = state.public_url.clone();
        let principal = signed.principal.clone();
        state
            .pool
            .run(Access::Write, move |conn| {
                // As `kinerja remind` does, with its default quiet time.
                let reminded =
                    crate::mail::campaign::remind(conn, id, REMIND_MIN_DAYS, &public_url)?;
                audit::record(
                    conn,
                    Actor::from(&principal),
                    "campaign.remind",
                    &format!("campaign {id}"),
                    Some(&format!("reminders={}", reminded.queued)),
                )?;
                Ok::<_, ApiError>(reminded)
            })
            .await
    }
    .await;
    match outcome {
        Ok(reminded) => {
            // A 0 explained: people invited or reminded within the quiet days wait.
            let mut notice = t.done_reminded.replace("{}", &reminded.queued.to_string());
            if reminded.waiting > 0 {
                notice.push(' ');
                notice.push_str(
                    &t.reminders_waiting
                        .replace("{n}", &reminded.waiting.to_string())
                        .replace("{days}", &REMIND_MIN_DAYS.to_string()),
                );
            }
            done(&back, lang, &notice)
        }
        Err(error) => problem_page(&req, &signed, error, &back),
    }
}

/// Invitees reminded within this many days are skipped (`kinerja remind`'s default).
const REMIND_MIN_DAYS: u32 = 3;

#[derive(serde::Deserialize)]
pub struct SummaryForm {
    csrf: Option<String>,
    lang: Option<String>,
    unit_heads: Option<String>,
    summary_lang: Option<String>,
}

pub async fn summaries(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<SummaryForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let id_text = path.into_inner();
    let form = form.into_inner();
    let lang = lang_of(&req, form.lang.as_deref());
    let signed = match admin_post(&req, &state, form.csrf.as_deref()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let t = super::texts::console_texts(lang);
    let back = format!("/console/campaigns/{id_text}");
    let summary_lang = form
        .summary_lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or(lang);
    let unit_heads = form.unit_heads.is_some();
    let outcome = async {
        // Unit heads of units outside a scoped organizer's subtree would get mail on their
        // behalf: only an organizer who may change the whole campaign sends summaries.
        let id = writes::changeable_campaign(&state, &signed.principal, &id_text).await?;
        let principal = signed.principal.clone();
        // Without --public-url the server knows no address the recipients could reach.
        let public_url = state.public_url.clone();
        state
            .pool
            .run(Access::Write, move |conn| {
                let report = crate::mail::campaign::send_summary(
                    conn,
                    id,
                    std::slice::from_ref(&principal.email),
                    unit_heads,
                    summary_lang,
                    Some(public_url.as_str()).filter(|url| !url.is_empty()),
                )?;
                audit::record(
                    conn,
                    Actor::from(&principal),
                    "campaign.summary",
                    &format!("campaign {id}"),
                    Some(&format!(
                        "organizers={} unit_heads={}",
                        report.organizers, report.unit_heads
                    )),
                )?;
                Ok::<_, ApiError>(report.organizers + report.unit_heads)
            })
            .await
    }
    .await;
    match outcome {
        Ok(n) => done(&back, lang, &t.done_summaries.replace("{}", &n.to_string())),
        Err(error) => problem_page(&req, &signed, error, &back),
    }
}

// ---------------------------------------------------------------- a new campaign

#[derive(askama::Template)]
#[template(path = "console/new.html")]
pub struct NewPage<'a> {
    pub f: &'a Frame,
    /// Each stored template's key and version.
    pub templates: Vec<(String, i32)>,
}

pub async fn new_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    page(
        &req,
        &state,
        |conn, _, signed| {
            if !signed.principal.can_write() {
                return Err(Refusal::Forbidden);
            }
            Ok(db::templates::list(conn)?
                .into_iter()
                .map(|t| (t.key, t.version))
                .collect::<Vec<_>>())
        },
        |f, templates| {
            html(
                StatusCode::OK,
                askama::Template::render(&NewPage { f, templates })
                    .unwrap_or_else(|e| format!("template error: {e}")),
            )
        },
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct NewForm {
    csrf: Option<String>,
    lang: Option<String>,
    #[serde(default)]
    template: String,
    #[serde(default)]
    template_version: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    units: String,
    #[serde(default)]
    min_responses: String,
    #[serde(default)]
    closes_on: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    reminders: String,
    draft: Option<String>,
}

/// An optional number field: empty is none.
fn optional_number<T: std::str::FromStr>(name: &str, text: &str) -> Result<Option<T>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| ApiError::unprocessable(format!("{name} '{text}' is not a whole number")))
}

/// The reminder days field ("3,7"): empty is none.
fn reminder_days(text: &str) -> Result<Option<Vec<u16>>, ApiError> {
    let days = crate::domain::ReminderDays::parse(text)
        .map_err(|e| ApiError::unprocessable(format!("reminders: {e}")))?;
    Ok((!days.is_empty()).then(|| days.days().to_vec()))
}

pub async fn create(
    req: HttpRequest,
    form: web::Form<NewForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = form.into_inner();
    let lang = lang_of(&req, form.lang.as_deref());
    let signed = match admin_post(&req, &state, form.csrf.as_deref()).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    let t = super::texts::console_texts(lang);
    let outcome = async {
        let units: Vec<String> = form
            .units
            .split([',', ' ', '\n', '\r', '\t'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        let new = writes::NewCampaign {
            template: form.template.trim().to_owned(),
            template_version: optional_number("template version", &form.template_version)?,
            period: form.period.trim().to_owned(),
            title: form.title.trim().to_owned(),
            units: (!units.is_empty()).then_some(units),
            min_responses: optional_number("min responses", &form.min_responses)?,
            closes_on: Some(form.closes_on.trim().to_owned()).filter(|d| !d.is_empty()),
            draft: Some(form.draft.is_some()),
            contact: Some(form.contact.trim().to_owned()).filter(|c| !c.is_empty()),
            reminders: reminder_days(&form.reminders)?,
        };
        writes::store_campaign(&state, signed.principal.clone(), new).await
    }
    .await;
    match outcome {
        Ok(view) => done(
            &format!("/console/campaigns/{}", view.id),
            lang,
            t.done_created,
        ),
        Err(error) => problem_page(&req, &signed, error, "/console/new"),
    }
}

// ---------------------------------------------------------------- templates and units

#[derive(askama::Template)]
#[template(path = "console/upload.html")]
pub struct UploadPage<'a> {
    pub f: &'a Frame,
    pub heading: &'static str,
    pub intro: &'static str,
    pub action: &'static str,
    pub accept: &'static str,
}

fn upload_page(req: &HttpRequest, signed: &Signed, templates: bool) -> HttpResponse {
    let f = frame(req, signed);
    let t: &ConsoleTexts = f.t;
    let page = if templates {
        UploadPage {
            f: &f,
            heading: t.templates_heading,
            intro: t.templates_intro,
            action: "/console/templates",
            accept: ".toml,application/toml,text/plain",
        }
    } else {
        UploadPage {
            f: &f,
            heading: t.units_heading,
            intro: t.units_intro,
            action: "/console/units",
            accept: ".csv,text/csv",
        }
    };
    html(
        StatusCode::OK,
        askama::Template::render(&page).unwrap_or_else(|e| format!("template error: {e}")),
    )
}

/// Only an admin without a scope changes templates and the unit tree.
fn unscoped(signed: &Signed) -> bool {
    signed.principal.can_write() && signed.principal.scope.is_none()
}

async fn upload_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    templates: bool,
) -> HttpResponse {
    let signed = match super::require(&req, &state).await {
        Ok(signed) => signed,
        Err(refusal) => return refusal_page(&req, None, refusal),
    };
    if !unscoped(&signed) {
        return refusal_page(&req, Some(&signed), Refusal::Forbidden);
    }
    upload_page(&req, &signed, templates)
}

pub async fn templates_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    upload_form(req, state, true).await
}

pub async fn units_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    upload_form(req, state, false).await
}

pub async fn upload_template(
    req: HttpRequest,
    form: Multipart,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (signed, upload) = match upload_post(&req, &state, form, MAX_TOML_BYTES).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let lang = lang_of(&req, upload.field("lang"));
    let t = super::texts::console_texts(lang);
    let back = "/console/templates";
    if !unscoped(&signed) {
        return refusal_page(&req, Some(&signed), Refusal::Forbidden);
    }
    let outcome = async {
        let source = auth::body_text(&upload.file)?.to_owned();
        writes::store_template(&state, signed.principal.clone(), source).await
    }
    .await;
    match outcome {
        Ok(imported) => done(
            back,
            lang,
            &format!(
                "{} {} v{}: {}",
                t.done_template, imported.id, imported.version, imported.outcome
            ),
        ),
        Err(error) => problem_page(&req, &signed, error, back),
    }
}

pub async fn upload_units(
    req: HttpRequest,
    form: Multipart,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (signed, upload) = match upload_post(&req, &state, form, MAX_CSV_BYTES).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let lang = lang_of(&req, upload.field("lang"));
    let t = super::texts::console_texts(lang);
    let back = "/console/units";
    if !unscoped(&signed) {
        return refusal_page(&req, Some(&signed), Refusal::Forbidden);
    }
    match writes::store_units(&state, signed.principal.clone(), upload.file).await {
        Ok(counts) => done(
            back,
            lang,
            &t.done_units
                .replacen("{}", &counts.created.to_string(), 1)
                .replacen("{}", &counts.updated.to_string(), 1)
                .replacen("{}", &counts.unchanged.to_string(), 1),
        ),
        Err(error) => problem_page(&req, &signed, error, back),
    }
}

// ---------------------------------------------------------------- the outbox

/// Failed or retried messages with one error, and how many.
pub struct ErrorRow {
    pub error: String,
    pub count: i64,
}

#[derive(askama::Template)]
#[template(path = "console/outbox.html")]
pub struct OutboxPage<'a> {
    pub f: &'a Frame,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub errors: Vec<ErrorRow>,
}

pub async fn outbox(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    page(
        &req,
        &state,
        |conn, _, signed| {
            // Recipients' addresses and errors are every campaign's: admins without a scope.
            if !unscoped(signed) {
                return Err(Refusal::Forbidden);
            }
            let counts = db::outbox::counts(conn, None)?;
            Ok((counts, db::outbox::errors(conn, None)?))
        },
        |f, (counts, errors)| {
            let of = |status: db::OutboxStatus| {
                counts
                    .iter()
                    .filter(|c| c.status == status)
                    .map(|c| c.messages)
                    .sum()
            };
            // Most frequent first, as the database grouped them.
            let errors: Vec<ErrorRow> = errors
                .into_iter()
                .map(|group| ErrorRow {
                    count: group.messages(),
                    error: group.error,
                })
                .collect();
            let page = OutboxPage {
                f,
                queued: of(db::OutboxStatus::Queued),
                sent: of(db::OutboxStatus::Sent),
                failed: of(db::OutboxStatus::Failed),
                errors,
            };
            html(
                StatusCode::OK,
                askama::Template::render(&page).unwrap_or_else(|e| format!("template error: {e}")),
            )
        },
    )
    .await
}
