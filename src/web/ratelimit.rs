//! Per-address limits on the respondent pages. A government office of hundreds shares one
//! address, so ordinary use gets a generous budget; what is kept tight is the number of
//! *unknown* links an address may try, which is what a token-guessing script produces.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub window: Duration,
    /// Requests to /r/ per address per window.
    pub requests: u32,
    /// Unknown or revoked links per address per window.
    pub misses: u32,
}

impl Default for Limits {
    /// 5,000 requests per 10 minutes lets 500 people behind one address each open, save and
    /// submit several times within minutes; 30 unknown links per 10 minutes caps a guesser at
    /// about 4,300 guesses a day, against 2^256 possible tokens.
    fn default() -> Self {
        Limits {
            window: Duration::from_secs(600),
            requests: 5_000,
            misses: 30,
        }
    }
}

#[derive(Clone, Copy)]
struct Counter {
    started: Instant,
    requests: u32,
    misses: u32,
}

pub struct RateLimiter {
    limits: Limits,
    counters: Mutex<HashMap<IpAddr, Counter>>,
}

/// How long a refused client should wait.
pub struct RetryAfter(pub Duration);

impl RateLimiter {
    pub fn new(limits: Limits) -> RateLimiter {
        RateLimiter {
            limits,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request; refuses it when the address is over either limit.
    pub fn check(&self, address: IpAddr) -> Result<(), RetryAfter> {
        let now = Instant::now();
        let Ok(mut counters) = self.counters.lock() else {
            return Ok(());
        };
        if counters.len() > 100_000 {
            counters.retain(|_, c| now.duration_since(c.started) < self.limits.window);
        }
        let counter = counters.entry(address).or_insert(Counter {
            started: now,
            requests: 0,
            misses: 0,
        });
        if now.duration_since(counter.started) >= self.limits.window {
            *counter = Counter {
                started: now,
                requests: 0,
                misses: 0,
            };
        }
        if counter.requests >= self.limits.requests || counter.misses >= self.limits.misses {
            let left = self
                .limits
                .window
                .saturating_sub(now.duration_since(counter.started));
            return Err(RetryAfter(left.max(Duration::from_secs(1))));
        }
        counter.requests += 1;
        Ok(())
    }

    /// Counts an unknown link presented by the address.
    pub fn record_miss(&self, address: IpAddr) {
        if let Ok(mut counters) = self.counters.lock() {
            if let Some(counter) = counters.get_mut(&address) {
                counter.misses += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misses_are_limited_far_below_requests() {
        let limiter = RateLimiter::new(Limits {
            window: Duration::from_secs(60),
            requests: 10,
            misses: 2,
        });
        let office: IpAddr = "10.1.2.3".parse().unwrap_or(IpAddr::from([10, 1, 2, 3]));
        let other: IpAddr = IpAddr::from([10, 9, 9, 9]);
        for _ in 0..10 {
            assert!(limiter.check(office).is_ok());
        }
        assert!(
            limiter.check(office).is_err(),
            "the 11th request is over the limit"
        );
        assert!(limiter.check(other).is_ok());
        limiter.record_miss(other);
        assert!(limiter.check(other).is_ok());
        limiter.record_miss(other);
        let refused = limiter.check(other).err().map(|r| r.0);
        assert!(refused
            .is_some_and(|wait| wait <= Duration::from_secs(60) && wait >= Duration::from_secs(1)));
    }
}
