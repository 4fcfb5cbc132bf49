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
    /// Requests from one address being served at the same time (their bodies still arriving
    /// included): a client holding hundreds of slow requests open must not take the
    /// server's connections and files from everyone else.
    pub concurrent: u32,
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
            concurrent: 256,
        }
    }
}

#[derive(Clone, Copy)]
struct Counter {
    started: Instant,
    requests: u32,
    misses: u32,
}

/// Addresses remembered at most (two generations of half this each): about 40 bytes each, so
/// a flood of spoofed or rotating addresses costs at most a few megabytes.
const CAPACITY: usize = 100_000;

/// The counters of recent addresses in two generations: new entries go into `current`; when it
/// is half full, it becomes `previous` and the old `previous` is dropped whole. Every check is
/// a hash lookup or two (no scan of the table), memory is bounded, and an address active
/// within the last generation keeps its counts.
struct Generations {
    current: HashMap<IpAddr, Counter>,
    previous: HashMap<IpAddr, Counter>,
}

impl Generations {
    fn counter(&mut self, address: IpAddr, now: Instant, window: Duration) -> &mut Counter {
        if !self.current.contains_key(&address) {
            if self.current.len() >= CAPACITY / 2 {
                self.previous = std::mem::take(&mut self.current);
            }
            let carried = self.previous.remove(&address).unwrap_or(Counter {
                started: now,
                requests: 0,
                misses: 0,
            });
            self.current.insert(address, carried);
        }
        let counter = self.current.entry(address).or_insert(Counter {
            started: now,
            requests: 0,
            misses: 0,
        });
        if now.duration_since(counter.started) >= window {
            *counter = Counter {
                started: now,
                requests: 0,
                misses: 0,
            };
        }
        counter
    }

    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

pub struct RateLimiter {
    limits: Limits,
    counters: Mutex<Generations>,
    /// Requests being served per address; an address leaves the map when its last ends, so
    /// it holds at most as many entries as requests in flight.
    in_flight: std::sync::Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// One request counted as in flight for its address until dropped.
pub struct InFlight {
    address: IpAddr,
    table: std::sync::Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut table) = self.table.lock() {
            if let Some(count) = table.get_mut(&self.address) {
                *count -= 1;
                if *count == 0 {
                    table.remove(&self.address);
                }
            }
        }
    }
}

/// How long a refused client should wait.
pub struct RetryAfter(pub Duration);

impl RateLimiter {
    pub fn new(limits: Limits) -> RateLimiter {
        RateLimiter {
            limits,
            counters: Mutex::new(Generations {
                current: HashMap::new(),
                previous: HashMap::new(),
            }),
            in_flight: std::sync::Arc::default(),
        }
    }

    /// Counts a request as being served until the returned guard is dropped; None when the
    /// address already has `concurrent` requests in flight.
    pub fn enter(&self, address: IpAddr) -> Option<InFlight> {
        let mut table = self.in_flight.lock().ok()?;
        let count = table.entry(address).or_insert(0);
        if *count >= self.limits.concurrent {
            return None;
        }
        *count += 1;
        Some(InFlight {
            address,
            table: std::sync::Arc::clone(&self.in_flight),
        })
    }

    fn retry_after(&self, counter: &Counter, now: Instant) -> RetryAfter {
        let left = self
            .limits
            .window
            .saturating_sub(now.duration_since(counter.started));
        RetryAfter(left.max(Duration::from_secs(1)))
    }

    /// Counts a request; refuses it when the address is over its request limit. Unknown links
    /// do not count here: an office whose one bored member tried 30 made-up links must still
    /// reach its real ones (see [`RateLimiter::record_miss`]).
    pub fn check(&self, address: IpAddr) -> Result<(), RetryAfter> {
        let now = Instant::now();
        let Ok(mut counters) = self.counters.lock() else {
            return Ok(());
        };
        let counter = counters.counter(address, now, self.limits.window);
        if counter.requests >= self.limits.requests {
            return Err(self.retry_after(counter, now));
        }
        counter.requests += 1;
        Ok(())
    }

    /// Counts an unknown link presented by the address; refused (the caller answers 429
    /// instead of 404) once the address has presented more than its limit of them.
    pub fn record_miss(&self, address: IpAddr) -> Result<(), RetryAfter> {
        let now = Instant::now();
        let Ok(mut counters) = self.counters.lock() else {
            return Ok(());
        };
        let counter = counters.counter(address, now, self.limits.window);
        counter.misses = counter.misses.saturating_add(1);
        if counter.misses > self.limits.misses {
            return Err(self.retry_after(counter, now));
        }
        Ok(())
    }

    /// Addresses remembered now (at most [`CAPACITY`]).
    pub fn remembered(&self) -> usize {
        self.counters.lock().map(|c| c.len()).unwrap_or(0)
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
            concurrent: 256,
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
        assert!(limiter.record_miss(other).is_ok());
        assert!(limiter.record_miss(other).is_ok());
        // Past the miss limit only further unknown links are refused; known ones pass.
        let refused = limiter.record_miss(other).err().map(|r| r.0);
        assert!(refused
            .is_some_and(|wait| wait <= Duration::from_secs(60) && wait >= Duration::from_secs(1)));
        assert!(limiter.check(other).is_ok());
    }

    #[test]
    fn requests_in_flight_are_capped_per_address_and_released_when_done() {
        let limiter = RateLimiter::new(Limits {
            concurrent: 2,
            ..Limits::default()
        });
        let office = IpAddr::from([10, 1, 2, 3]);
        let first = limiter.enter(office);
        let second = limiter.enter(office);
        assert!(first.is_some() && second.is_some());
        assert!(
            limiter.enter(office).is_none(),
            "a third at once is refused"
        );
        assert!(limiter.enter(IpAddr::from([10, 9, 9, 9])).is_some());
        drop(first);
        assert!(
            limiter.enter(office).is_some(),
            "one ended: room for one more"
        );
        drop(second);
        assert!(limiter.in_flight.lock().map(|t| t.len()).unwrap_or(9) <= 1);
    }

    #[test]
    fn a_flood_of_addresses_stays_bounded_and_keeps_recent_counts() {
        let limiter = RateLimiter::new(Limits {
            window: Duration::from_secs(600),
            requests: 3,
            misses: 1,
            concurrent: 256,
        });
        let office = IpAddr::from([10, 1, 2, 3]);
        for _ in 0..3 {
            assert!(limiter.check(office).is_ok());
        }
        // 140,000 other addresses, as a spoofing client produced.
        for i in 0u32..140_000 {
            let _ = limiter.check(IpAddr::from(i.to_be_bytes()));
            assert!(limiter.remembered() <= CAPACITY);
        }
        // The office, seen within the last generation... or forgotten with a whole older one,
        // never half-counted; either way the table never grew past its capacity.
        assert!(limiter.remembered() <= CAPACITY);
        let again = IpAddr::from(139_999u32.to_be_bytes());
        assert!(limiter.check(again).is_ok());
        assert!(limiter.check(again).is_ok());
        assert!(
            limiter.check(again).is_err(),
            "a recent address keeps its count"
        );
    }
}
