//! The documented Graph throttling model: a resource-unit token bucket and a write budget per
//! app+tenant, plus Outlook's limit of concurrent requests on the routes Exchange serves
//! (photos, mailbox settings) — per app ID by default, per app+mailbox as an option (spec §12).
//! Requests refused while a bucket is empty still cost a unit, so a client that ignores
//! `Retry-After` stays throttled longer (G-THR: "continuing to send requests … extends
//! throttling").

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::clock::Clock;
use crate::options::{OutlookScope, ThrottleLimits};
use crate::state::lock;

/// Why a request was throttled, for the 429 headers.
#[derive(Debug, Clone)]
pub struct Throttled {
    pub retry_after_secs: u64,
    /// `x-ms-throttle-scope` value.
    pub scope: String,
    /// `x-ms-throttle-information` value.
    pub information: &'static str,
    /// The error body's code and message.
    pub code: &'static str,
    pub message: &'static str,
}

const TOO_MANY: (&str, &str) = (
    "TooManyRequests",
    "Too many requests. Retry after the interval given in Retry-After.",
);

/// Successful admission: the RU cost charged and the fraction of the budget in use.
#[derive(Debug)]
pub struct Admitted {
    pub resource_units: u32,
    pub limit_percentage: Option<f64>,
    pub guard: Option<ConcurrencyGuard>,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// Refills continuously; capacity units per window.
    fn refill(&mut self, capacity: f64, window_ms: u64, now: Instant) {
        let elapsed = now.duration_since(self.last).as_secs_f64();
        let rate = capacity / (window_ms.max(1) as f64 / 1000.0);
        self.tokens = (self.tokens + elapsed * rate).min(capacity);
        self.last = now;
    }
    fn seconds_until(&self, needed: f64, capacity: f64, window_ms: u64) -> u64 {
        let rate = capacity / (window_ms.max(1) as f64 / 1000.0);
        let deficit = needed - self.tokens;
        ((deficit / rate).ceil() as u64).max(1)
    }
}

#[derive(Default)]
struct Buckets {
    resource_units: HashMap<String, Bucket>,
    writes: HashMap<String, Bucket>,
}

/// Throttling state shared by all requests.
pub struct Throttle {
    buckets: Mutex<Buckets>,
    concurrency: Arc<Mutex<HashMap<(String, String), u32>>>,
    tenant_user_count: usize,
    /// The emulator's clock: buckets refill, and `Retry-After` counts, in its time.
    clock: Arc<Clock>,
}

/// Releases one concurrency slot when the request finishes.
#[derive(Debug)]
pub struct ConcurrencyGuard {
    map: Arc<Mutex<HashMap<(String, String), u32>>>,
    key: (String, String),
}

impl Drop for ConcurrencyGuard {
    fn drop(&mut self) {
        let mut m = lock(&self.map);
        if let Some(n) = m.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.key);
            }
        }
    }
}

impl Throttle {
    pub fn new(tenant_user_count: usize, clock: Arc<Clock>) -> Self {
        Throttle {
            buckets: Mutex::new(Buckets::default()),
            concurrency: Arc::new(Mutex::new(HashMap::new())),
            tenant_user_count,
            clock,
        }
    }

    /// The documented per app+tenant RU budget for this tenant's size.
    pub fn default_resource_units(&self) -> u32 {
        match self.tenant_user_count {
            0..50 => 3_500,
            50..=500 => 5_000,
            _ => 8_000,
        }
    }

    /// Admits or throttles one request of `app` in `tenant`.
    pub fn admit(
        &self,
        limits: &ThrottleLimits,
        app: &str,
        tenant: &str,
        cost: u32,
        is_write: bool,
        mailbox: Option<&str>,
    ) -> Result<Admitted, Throttled> {
        if !limits.enabled {
            return Ok(Admitted {
                resource_units: cost,
                limit_percentage: None,
                guard: None,
            });
        }
        let now = self.clock.now();
        let key = format!("{app}/{tenant}");
        let ru_capacity = limits
            .resource_units
            .unwrap_or_else(|| self.default_resource_units()) as f64;
        let mut percentage = None;
        {
            let mut b = lock(&self.buckets);
            let ru = b
                .resource_units
                .entry(key.clone())
                .or_insert_with(|| Bucket {
                    tokens: ru_capacity,
                    last: now,
                });
            ru.refill(ru_capacity, limits.resource_unit_window_ms, now);
            if ru.tokens < cost as f64 {
                // Ignoring Retry-After digs the hole deeper (bounded at one window of debt);
                // the wait is counted after the refused request's own charge, so a client that
                // waits it out is admitted.
                ru.tokens = (ru.tokens - cost as f64).max(-ru_capacity);
                let retry =
                    ru.seconds_until(cost as f64, ru_capacity, limits.resource_unit_window_ms);
                return Err(Throttled {
                    retry_after_secs: retry,
                    scope: format!("Tenant_Application/ReadWrite/{app}/{tenant}"),
                    information: "ResourceUnitLimitExceeded",
                    code: TOO_MANY.0,
                    message: TOO_MANY.1,
                });
            }
            if is_write && let Some(wcap) = limits.writes {
                let wcap = wcap as f64;
                let w = b.writes.entry(key.clone()).or_insert_with(|| Bucket {
                    tokens: wcap,
                    last: now,
                });
                w.refill(wcap, limits.write_window_ms, now);
                if w.tokens < 1.0 {
                    w.tokens = (w.tokens - 1.0).max(-wcap);
                    let retry = w.seconds_until(1.0, wcap, limits.write_window_ms);
                    return Err(Throttled {
                        retry_after_secs: retry,
                        scope: format!("Tenant_Application/Write/{app}/{tenant}"),
                        information: "WriteLimitExceeded",
                        code: TOO_MANY.0,
                        message: TOO_MANY.1,
                    });
                }
                w.tokens -= 1.0;
            }
            let ru = b
                .resource_units
                .get_mut(&key)
                .map(|ru| {
                    ru.tokens -= cost as f64;
                    ru.tokens
                })
                .unwrap_or(ru_capacity);
            let used = 1.0 - ru / ru_capacity;
            if used > 0.8 {
                percentage = Some(used);
            }
        }
        let guard = match (mailbox, limits.outlook_concurrency) {
            (Some(mbx), Some(max)) => {
                let ckey = match limits.outlook_scope {
                    OutlookScope::App => (app.to_lowercase(), String::new()),
                    OutlookScope::AppMailbox => (app.to_lowercase(), mbx.to_lowercase()),
                };
                let mut m = lock(&self.concurrency);
                let n = m.entry(ckey.clone()).or_default();
                if *n >= max {
                    let scope = match limits.outlook_scope {
                        OutlookScope::App => format!("Application/ReadWrite/{app}"),
                        OutlookScope::AppMailbox => {
                            format!("Application_Mailbox/ReadWrite/{app}/{mbx}")
                        }
                    };
                    return Err(Throttled {
                        retry_after_secs: 1,
                        scope,
                        information: "ConcurrencyLimitExceeded",
                        code: "ApplicationThrottled",
                        message: "Application is over its MailboxConcurrency limit.",
                    });
                }
                *n += 1;
                Some(ConcurrencyGuard {
                    map: self.concurrency.clone(),
                    key: ckey,
                })
            }
            _ => None,
        };
        Ok(Admitted {
            resource_units: cost,
            limit_percentage: percentage,
            guard,
        })
    }

    /// Forgets all budgets (admin "reset throttling").
    pub fn reset(&self) {
        *lock(&self.buckets) = Buckets::default();
    }
}
