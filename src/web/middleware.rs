//! What wraps the handlers: security headers on every response, one log line per request, and
//! the respondent pages' rate limit and cache rules.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{web, HttpResponse};

use super::errors::page;
use super::i18n::{request_lang, texts};
use super::state::AppState;

const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// What the request log shows for a path that matched no route: such a path is whatever the
/// client sent, and could hold a secret (a link token under a mistyped prefix).
const UNMATCHED: &str = "(no route)";

/// No scripts, frames, foreign styles or referrers, on every response.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

/// One log line per request, naming the matched route's pattern (`/r/{token}`), never the
/// path: a path may hold a secret, and a pattern cannot.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let response = next.call(req).await?;
    // Routing happens inside `next`, so the pattern is known only afterwards.
    let route = response.request().match_pattern();
    let path = route.as_deref().unwrap_or(UNMATCHED);
    // A stored answer gets no log line: its time, even to the minute, could be matched with a
    // proxy's log or the order of released answers. Failures are still logged.
    if method == Method::POST && path == "/r/{token}" && response.status() == StatusCode::SEE_OTHER
    {
        return Ok(response);
    }
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
        "request"
    );
    Ok(response)
}

/// Respondent pages: rate-limited per client address, never cached.
pub async fn respondent_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let Some(state) = state {
        let address = state.client_address(req.request());
        if let Err(retry) = state.limiter.check(address) {
            let t = texts(request_lang(req.request(), None));
            let mut response = page(
                StatusCode::TOO_MANY_REQUESTS,
                t,
                t.too_many_heading,
                t.too_many_text,
                None,
            );
            if let Ok(value) = HeaderValue::from_str(&retry.0.as_secs().to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            no_store(&mut response);
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    let mut response = next.call(req).await?;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response.map_into_left_body())
}

/// Pages about one link (its form, its errors) must not stay in a shared browser's cache.
pub fn no_store(response: &mut HttpResponse) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}
