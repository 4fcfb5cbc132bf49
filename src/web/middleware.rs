//! What wraps the handlers: security headers on every response, one log line per request, and
//! the respondent pages' rate limit and cache rules.

use std::cell::Cell;
use std::future::Future as _;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web::Bytes;
use actix_web::{web, HttpMessage as _, HttpResponse};

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
    // proxy's log or the order of released answers. Nor does the thank-you page the answer is
    // sent on to, which would tell the same time a moment later. Failures are still logged.
    let stored = method == Method::POST
        && path == "/r/{token}"
        && response.status() == StatusCode::SEE_OTHER;
    let thanked = path == "/r/{token}/thanks" && response.status() == StatusCode::OK;
    if stored || thanked {
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

/// At most `--max-concurrent-per-address` requests of one client address are served at a time
/// (with `body_timeout`, this bounds what slow clients can hold); more get 429 at once.
pub async fn concurrency_cap(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let address = state.client_address(req.request());
    let Some(_in_flight) = state.limiter.enter(address) else {
        let t = texts(request_lang(req.request(), None));
        let mut response = page(
            StatusCode::TOO_MANY_REQUESTS,
            t,
            t.too_many_heading,
            t.too_many_text,
            None,
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        no_store(&mut response);
        return Ok(req.into_response(response).map_into_right_body());
    };
    Ok(next.call(req).await?.map_into_left_body())
}

/// A request body that takes longer than `--body-timeout-secs` to arrive is cut off and the
/// request answered 408: a client dribbling a byte a second would otherwise hold a connection
/// (and, behind a form extractor, a task) for as long as it likes. Every body read (forms,
/// API uploads) goes through the wrapped payload, so no handler can forget the limit.
pub async fn body_timeout(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.body_timeout);
    let (Some(limit), false) = (limit, matches!(*req.method(), Method::GET | Method::HEAD)) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let expired = Rc::new(Cell::new(false));
    let inner = req.take_payload();
    req.set_payload(Payload::Stream {
        payload: Box::pin(Deadline {
            inner,
            sleep: Box::pin(tokio::time::sleep(limit)),
            expired: expired.clone(),
        }),
    });
    let response = next.call(req).await?;
    if !expired.get() {
        return Ok(response.map_into_left_body());
    }
    let (req, _) = response.into_parts();
    let mut response = if req.path().starts_with("/api/") {
        actix_web::ResponseError::error_response(&super::api::ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time",
        ))
    } else {
        let t = texts(request_lang(&req, None));
        page(
            StatusCode::REQUEST_TIMEOUT,
            t,
            t.slow_heading,
            t.slow_text,
            None,
        )
    };
    no_store(&mut response);
    // The rest of the body is not worth waiting for: the connection ends with this answer.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    Ok(ServiceResponse::new(req, response).map_into_right_body())
}

/// A request payload that fails with "timed out" once its time is up.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl futures_util::Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired.get() {
            return Poll::Ready(None);
        }
        // What has arrived is used first; the deadline only ends a wait.
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.expired.set(true);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "request body too slow",
            )))));
        }
        Poll::Pending
    }
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
