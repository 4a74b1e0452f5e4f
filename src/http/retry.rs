//! When to try a request again, and how long to wait first.
//!
//! Retry decisions live here, not in the stores: throttling (429, 503 with or without
//! `Retry-After`) and server/network trouble are retried with exponential backoff and full
//! jitter, so many workers that failed together do not come back together; the service's
//! `Retry-After` wins when it is given. Everything else is final on the first answer.

use std::time::{Duration, SystemTime};

/// How hard to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts including the first one.
    pub max_attempts: u32,
    /// Attempts when the service fails rather than throttles (a 5xx other than 503, or no
    /// answer after sending). Throttling passes; a mailbox whose every call answers 500
    /// `ErrorStoreInternalServerError`, or a call that stalls past the timeout, does not:
    /// more attempts only hold the user up (Microsoft's Graph SDKs retry only 429, 503, 504).
    pub max_failure_attempts: u32,
    /// First backoff step; doubles per attempt.
    pub base_delay: Duration,
    /// Longest backoff between two attempts.
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; longer values are capped (and logged).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            max_failure_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with full jitter for the given retry number (1 = first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let ceiling = exp.min(self.max_delay);
        // Full jitter, but never less than a quarter of the step so retries are not instant.
        let low = ceiling / 4;
        let span = ceiling.saturating_sub(low).as_millis() as u64;
        low + Duration::from_millis(fastrand::u64(0..=span))
    }

    /// The wait before the next attempt: the server's `Retry-After` (capped, with a little
    /// jitter so a crowd of workers spreads out), else backoff.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(after) => {
                let jitter = Duration::from_millis(fastrand::u64(0..=250));
                after.min(self.max_retry_after) + jitter
            }
            None => self.backoff(retry),
        }
    }
}

/// What an HTTP status means for retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// 2xx/3xx.
    Success,
    /// 429, or 503 (the server is shedding load): wait and retry, slow the host down.
    Throttled,
    /// 500, 502, 504 and similar: retry with backoff.
    ServerTrouble,
    /// 401: the token may be stale; refresh once and retry.
    Unauthorized,
    /// Any other 4xx: final; the caller interprets it.
    Final,
}

pub fn classify(status: u16) -> StatusClass {
    match status {
        200..=399 => StatusClass::Success,
        429 | 503 => StatusClass::Throttled,
        401 => StatusClass::Unauthorized,
        500 | 502 | 504 | 507 | 509 => StatusClass::ServerTrouble,
        _ => StatusClass::Final,
    }
}

/// Parse `Retry-After`: delta-seconds (integer or decimal) or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(86_400.0)));
        }
        return None;
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_decimals_and_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("soon"), None);
        let past = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(parse_retry_after(past), Some(Duration::ZERO));
    }

    #[test]
    fn backoff_grows_and_stays_within_the_cap() {
        let p = RetryPolicy::default();
        for retry in 1..20 {
            let d = p.backoff(retry);
            assert!(d <= p.max_delay, "retry {retry}: {d:?}");
            let step = p.base_delay.saturating_mul(1 << (retry - 1).min(16));
            assert!(d >= step.min(p.max_delay) / 4, "retry {retry}: {d:?}");
        }
    }

    #[test]
    fn retry_after_is_capped() {
        let p = RetryPolicy::default();
        let d = p.delay(1, Some(Duration::from_secs(10_000)));
        assert!(d <= p.max_retry_after + Duration::from_millis(250));
    }

    #[test]
    fn statuses_are_classified() {
        assert_eq!(classify(200), StatusClass::Success);
        assert_eq!(classify(429), StatusClass::Throttled);
        assert_eq!(classify(503), StatusClass::Throttled);
        assert_eq!(classify(504), StatusClass::ServerTrouble);
        assert_eq!(classify(401), StatusClass::Unauthorized);
        assert_eq!(classify(404), StatusClass::Final);
        assert_eq!(classify(403), StatusClass::Final);
    }
}
