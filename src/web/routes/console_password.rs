//! The page behind an organizer's one-time password link, `/console/password/{token}`: a form
//! to set the password (twice), which uses the link up and sends the organizer on to the
//! console. Like a respondent's link, the token in the URL is the secret that authorises the
//! post (no session or anti-forgery field); cross-site posts are refused all the same. Rate
//! limited per client address like `/r/`, unknown links counting as misses, and never cached.

use actix_web::http::{header, StatusCode};
use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse};

use super::is_cross_site;
use crate::access;
use crate::db::{self, Access};
use crate::template::Lang;
use crate::web::errors::page;
use crate::web::i18n::{password_texts, request_lang, texts};
use crate::web::middleware::{no_store, respondent_guard};
use crate::web::pages;
use crate::web::state::AppState;

/// Where a password set through a link leads.
pub const AFTER_PASSWORD: &str = "/console/";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/console/password")
            .wrap(from_fn(respondent_guard))
            .route("/{token}", web::get().to(show))
            .route("/{token}", web::post().to(submit)),
    );
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    let mut response = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body);
    no_store(&mut response);
    response
}

/// The page for a link that is unknown, used or expired; counted as a miss.
fn unusable(req: &HttpRequest, state: &AppState, lang: Lang) -> HttpResponse {
    if let Err(retry) = state.limiter.record_miss(state.client_address(req)) {
        let mut response = crate::web::errors::too_many(texts(lang), retry);
        no_store(&mut response);
        return response;
    }
    let p = password_texts(lang);
    let mut response = page(
        StatusCode::NOT_FOUND,
        texts(lang),
        p.unknown_heading,
        p.unknown_text,
        None,
    );
    no_store(&mut response);
    response
}

fn failure(req: &HttpRequest, lang: Lang, error: &dyn std::fmt::Display) -> HttpResponse {
    tracing::error!(%error, path = "/console/password/{token}", "password link failed");
    let t = texts(request_lang(req, Some(lang)));
    let mut response = page(
        StatusCode::INTERNAL_SERVER_ERROR,
        t,
        t.error_heading,
        t.error_text,
        None,
    );
    no_store(&mut response);
    response
}

async fn show(
    req: HttpRequest,
    token: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let token = token.into_inner();
    let lang = request_lang(&req, None);
    let lookup = token.clone();
    let found = state
        .pool
        .run(Access::Read, move |conn| {
            access::password_link_for(conn, &lookup, db::now())
        })
        .await;
    match found {
        Ok(Some(principal)) => html(
            StatusCode::OK,
            pages::password_form(
                texts(lang),
                password_texts(lang),
                principal.email.as_str(),
                &token,
                None,
            ),
        ),
        Ok(None) => unusable(&req, &state, lang),
        Err(error) => failure(&req, lang, &error),
    }
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
    lang: Option<String>,
}

async fn submit(
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<PasswordForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let token = token.into_inner();
    let form = form.into_inner();
    let lang = request_lang(&req, form.lang.as_deref().and_then(Lang::parse));
    let (t, p) = (texts(lang), password_texts(lang));
    if is_cross_site(&req, &state) {
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
    let lookup = token.clone();
    let principal = match state
        .pool
        .run(Access::Read, move |conn| {
            access::password_link_for(conn, &lookup, db::now())
        })
        .await
    {
        Ok(Some(principal)) => principal,
        Ok(None) => return unusable(&req, &state, lang),
        Err(error) => return failure(&req, lang, &error),
    };
    // What was typed is never sent back: the form comes back empty with the reason.
    let problem = if form.password != form.confirm {
        Some(p.differ)
    } else if access::check_password(&form.password).is_err() {
        Some(p.too_short)
    } else {
        None
    };
    if let Some(problem) = problem {
        return html(
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::password_form(t, p, principal.email.as_str(), &token, Some(problem)),
        );
    }
    // Hashing costs tens of milliseconds of CPU: a blocking thread, not the database's turn.
    let password = form.password;
    let hash = match web::block(move || access::hash_password(&password)).await {
        Ok(Ok(hash)) => hash,
        Ok(Err(error)) => return failure(&req, lang, &error),
        Err(error) => return failure(&req, lang, &error),
    };
    let stored = state
        .pool
        .run(Access::Write, move |conn| {
            access::store_password_by_link(conn, &token, &hash, db::now())
        })
        .await;
    match stored {
        Ok(Some(_)) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, AFTER_PASSWORD))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        // Used by a concurrent post, or expired in between.
        Ok(None) => unusable(&req, &state, lang),
        Err(error) => failure(&req, lang, &error),
    }
}
