//! The pages for what went wrong, in the respondent's language: unknown, used, closed or not
//! yet open links, unknown paths, refused form bodies and failures.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::i18n::{request_lang, texts, Texts};
use super::middleware::no_store;
use super::pages;
use super::state::{AppState, WebError};
use crate::respond::{LinkError, LinkFacts};
use crate::template::Lang;

/// A page with a heading, a text and optionally a detail (the campaign's title), linking to
/// the same page in the other language.
pub fn page(
    status: StatusCode,
    t: &Texts,
    heading: &str,
    text: &str,
    detail: Option<String>,
) -> HttpResponse {
    page_with(
        status,
        t,
        &pages::Message {
            detail,
            ..pages::Message::new(heading, text)
        },
    )
}

/// [`page`] with everything a message page can say.
pub fn page_with(status: StatusCode, t: &Texts, message: &pages::Message) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(pages::message(
            t,
            message,
            Some(format!("?lang={}", t.other_lang)),
        ))
}

/// The page for a link that cannot be answered (used, closed, not yet open): the campaign's
/// title, and whom to write to.
fn refusal(
    status: StatusCode,
    t: &Texts,
    heading: &str,
    text: &str,
    facts: &LinkFacts,
) -> HttpResponse {
    page_with(
        status,
        t,
        &pages::Message {
            detail: Some(facts.title.clone()),
            contact: facts.contact.as_deref(),
            ..pages::Message::new(heading, text)
        },
    )
}

/// Any path no route matched.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let t = texts(request_lang(&req, None));
    page(
        StatusCode::NOT_FOUND,
        t,
        t.unknown_heading,
        t.unknown_text,
        None,
    )
}

/// 429 for an address that tried too many unknown links, with when to try again.
pub fn too_many(
    t: &crate::web::i18n::Texts,
    retry: crate::web::ratelimit::RetryAfter,
) -> HttpResponse {
    let mut response = page(
        StatusCode::TOO_MANY_REQUESTS,
        t,
        t.too_many_heading,
        t.too_many_text,
        None,
    );
    if let Ok(value) =
        actix_web::http::header::HeaderValue::from_str(&retry.0.as_secs().to_string())
    {
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, value);
    }
    response
}

/// The page for a link that cannot be answered (or a failure), in the right language. An
/// unknown link counts against the client's misses.
pub fn link_error_page(
    req: &HttpRequest,
    state: &AppState,
    error: WebError,
    form_lang: Option<Lang>,
) -> HttpResponse {
    let lang_of = |invitation_lang: &Lang| request_lang(req, form_lang.or(Some(*invitation_lang)));
    let mut response = match &error {
        WebError::Link(LinkError::Unknown) => {
            let t = texts(request_lang(req, form_lang));
            match state.limiter.record_miss(state.client_address(req)) {
                Ok(()) => page(
                    StatusCode::NOT_FOUND,
                    t,
                    t.unknown_heading,
                    t.unknown_text,
                    None,
                ),
                Err(retry) => too_many(t, retry),
            }
        }
        WebError::Link(LinkError::AlreadySubmitted(facts)) => {
            let t = texts(lang_of(&facts.lang));
            refusal(
                StatusCode::CONFLICT,
                t,
                t.already_heading,
                t.already_text,
                facts,
            )
        }
        WebError::Link(LinkError::Closed(facts)) => {
            let t = texts(lang_of(&facts.lang));
            refusal(StatusCode::GONE, t, t.closed_heading, t.closed_text, facts)
        }
        WebError::Link(LinkError::NotOpen(facts)) => {
            let t = texts(lang_of(&facts.lang));
            refusal(
                StatusCode::GONE,
                t,
                t.not_open_heading,
                t.not_open_text,
                facts,
            )
        }
        WebError::Link(LinkError::Template(_) | LinkError::Db(_)) => {
            tracing::error!(%error, "respondent request failed");
            let t = texts(request_lang(req, form_lang));
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                t,
                t.error_heading,
                t.error_text,
                None,
            )
        }
    };
    no_store(&mut response);
    response
}

/// Oversized or undecodable form bodies get a page, not a bare error.
pub fn form_error(error: actix_web::error::UrlencodedError, req: &HttpRequest) -> actix_web::Error {
    let t = texts(request_lang(req, None));
    let status = match error {
        actix_web::error::UrlencodedError::Overflow { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    let (heading, text) = if status == StatusCode::PAYLOAD_TOO_LARGE {
        (t.too_large_heading, t.too_large_text)
    } else {
        (t.error_heading, t.error_text)
    };
    let mut response = page(status, t, heading, text, None);
    no_store(&mut response);
    actix_web::error::InternalError::from_response(error, response).into()
}
