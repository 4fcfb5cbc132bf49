//! Console sessions: the cookie, the signed-in organizer of a request, the anti-forgery
//! check, and the limits on sign-in attempts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::access::{self, AccessError, Principal};
use crate::db::Access;
use crate::web::state::AppState;

pub const COOKIE: &str = "kinerja_session";

/// The signed-in organizer and the anti-forgery token of their forms.
pub struct Signed {
    pub principal: Principal,
    pub csrf: String,
}

/// The session cookie's value, if the request carries one.
pub fn cookie_value(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The request's live session, if any. A write: the session's last use moves (at most once a
/// minute) and an idle one is deleted.
pub async fn signed_in(req: &HttpRequest, state: &AppState) -> Result<Option<Signed>, AccessError> {
    let Some(cookie) = cookie_value(req) else {
        return Ok(None);
    };
    let found = state
        .pool
        .run(Access::Write, move |conn| access::session(conn, &cookie))
        .await?;
    Ok(found.map(|(principal, csrf)| Signed { principal, csrf }))
}

/// Whether the cookie may go without `Secure`: only when the console is served over plain
/// http on this machine (a browser would not send a Secure cookie back there).
fn plain_localhost(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or(rest);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// The Set-Cookie value for a new session. The public URL decides `Secure`; without one, the
/// address the request came to.
pub fn set_cookie(state: &AppState, req: &HttpRequest, value: &str) -> String {
    let url = if state.public_url.is_empty() {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    } else {
        state.public_url.clone()
    };
    let secure = if plain_localhost(&url) {
        ""
    } else {
        "; Secure"
    };
    format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/console{secure}")
}

/// The Set-Cookie value that removes the cookie.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/console; Max-Age=0")
}

/// Compares the form's anti-forgery field with the session's in constant time.
pub fn csrf_matches(expected: &str, given: Option<&str>) -> bool {
    let Some(given) = given else {
        return false;
    };
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Failed sign-ins allowed per account and per address within [`WINDOW`].
pub const MAX_FAILURES: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Counters kept at most; beyond it expired ones go, and if none has expired the oldest.
const MAX_COUNTERS: usize = 50_000;

/// Failed sign-ins per key (an account's email or a client address) in a fixed window. Only
/// failures count, so that an office of many organizers behind one address is not locked out
/// by its own successful sign-ins; a guesser is stopped after [`MAX_FAILURES`] wrong passwords
/// for an account or from an address.
struct Failures {
    counters: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Failures {
    fn over(&self, key: &str, now: Instant) -> bool {
        let Ok(counters) = self.counters.lock() else {
            return true;
        };
        counters
            .get(key)
            .is_some_and(|(start, n)| now.duration_since(*start) < WINDOW && *n >= MAX_FAILURES)
    }

    fn record(&self, key: String, now: Instant) {
        let Ok(mut counters) = self.counters.lock() else {
            return;
        };
        if counters.len() >= MAX_COUNTERS && !counters.contains_key(&key) {
            counters.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
            if counters.len() >= MAX_COUNTERS {
                if let Some(oldest) = counters
                    .iter()
                    .min_by_key(|(_, (start, _))| *start)
                    .map(|(k, _)| k.clone())
                {
                    counters.remove(&oldest);
                }
            }
        }
        let counter = counters.entry(key).or_insert((now, 0));
        if now.duration_since(counter.0) >= WINDOW {
            *counter = (now, 0);
        }
        counter.1 += 1;
    }
}

// One per process: the console's handlers run on several workers, each with its own app.
static FAILURES: LazyLock<Failures> = LazyLock::new(|| Failures {
    counters: Mutex::new(HashMap::new()),
});

fn account_key(email: &str) -> String {
    format!("account {}", email.trim().to_lowercase())
}

fn address_key(address: IpAddr) -> String {
    format!("address {address}")
}

/// Whether a sign-in for this account from this address must be refused for now.
pub fn sign_in_refused(email: &str, address: IpAddr) -> bool {
    let now = Instant::now();
    FAILURES.over(&account_key(email), now) || FAILURES.over(&address_key(address), now)
}

/// Counts a failed sign-in against the account and the address.
pub fn record_failure(email: &str, address: IpAddr) {
    let now = Instant::now();
    FAILURES.record(account_key(email), now);
    FAILURES.record(address_key(address), now);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_is_left_out_only_for_plain_http_on_this_machine() {
        assert!(plain_localhost("http://127.0.0.1:8080"));
        assert!(plain_localhost("http://localhost"));
        assert!(!plain_localhost("https://127.0.0.1:8080"));
        assert!(!plain_localhost("http://survei.example.go.id"));
        assert!(!plain_localhost("http://localhost.example.com"));
    }

    #[test]
    fn anti_forgery_tokens_must_match_exactly() {
        assert!(csrf_matches("abc", Some("abc")));
        assert!(!csrf_matches("abc", Some("abd")));
        assert!(!csrf_matches("abc", Some("ab")));
        assert!(!csrf_matches("abc", None));
    }

    #[test]
    fn the_eleventh_failure_in_the_window_is_refused_and_memory_stays_bounded() {
        let failures = Failures {
            counters: Mutex::new(HashMap::new()),
        };
        let now = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(!failures.over("k", now));
            failures.record("k".to_owned(), now);
        }
        assert!(failures.over("k", now));
        assert!(!failures.over("k", now + WINDOW));
        for i in 0..(MAX_COUNTERS + 10) {
            failures.record(format!("x{i}"), now);
        }
        let len = failures.counters.lock().map(|c| c.len()).unwrap_or(0);
        assert!(len <= MAX_COUNTERS, "{len} counters");
    }
}
