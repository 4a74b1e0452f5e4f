//! The one HTTP client every cloud store and token provider shares.
//!
//! Everything that makes a bulk run polite and robust lives here, once: connection reuse (one
//! `reqwest` pool), a bound on requests in flight, per-host pacing that adapts to 429/503
//! (`throttle`), a separate adaptive in-flight limit for Outlook-class photo calls
//! (`outlook`), `Retry-After`, exponential backoff with jitter (`retry`), token refresh on
//! 401, timeouts and the `User-Agent`. Stores send a `Request` and get back the final
//! `Response` (any status they must interpret, like 404) or an `Error` whose class says what
//! happened (throttled, transient, auth). Bodies and headers are never logged: they may carry
//! secrets or tokens.
//!
//! Writes are sent with `idempotent = false`: they are resent only when the service surely
//! did not act on them (a 429, or the connection could not be opened). Any other failure after
//! the request was sent (5xx including 503, a reset, a timeout) may have been processed: it
//! comes back as a transient error and the engine watches whether the write landed before it
//! sends it again (`engine::sync::apply_write`), so a write is never repeated blindly.

pub mod outlook;
pub mod retry;
pub mod throttle;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

use crate::error::{Error, ErrorClass, Result};
use crate::schema::ErrorCode;
use crate::settings::Secret;
use outlook::OutlookLimiter;
pub use retry::RetryPolicy;
use retry::{StatusClass, classify, parse_retry_after};
use throttle::HostGates;

/// `User-Agent` on every request: services attribute traffic (and throttling) by it.
pub const USER_AGENT: &str = concat!("photosync/", env!("CARGO_PKG_VERSION"));

/// Fresh tokens tried for one request after 401s (each must differ from the rejected one).
const MAX_TOKEN_REFRESHES: u32 = 3;

/// Largest response body accepted (photos are at most 4 MB; base64 in `$batch` adds a third).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Bodies up to this size are read freely (every JSON answer and most photos). A larger one
/// waits for a slot of the photo budget (`photo::admit`) and keeps it while the body lives, so
/// large bodies in memory are bounded by the same few slots as photo files, not by
/// `concurrency x MAX_BODY_BYTES`.
const FREE_BODY_BYTES: usize = crate::photo::FREE_BYTES as usize;

/// Redirects followed for one read (within its own origin).
const MAX_REDIRECTS: usize = 5;

/// Where a request gets its bearer token, and what to do when the service rejects it.
#[async_trait]
pub trait BearerSource: Send + Sync {
    /// A currently valid token (cached, or freshly obtained).
    async fn bearer(&self) -> Result<Secret>;
    /// The service answered 401 to `used`: drop it from the cache. Returns whether a
    /// different token can be obtained (false for a fixed, ready-made token).
    async fn rejected(&self, used: &Secret) -> bool;
}

/// Tuning for the shared client.
#[derive(Debug, Clone, Copy)]
pub struct HttpOptions {
    /// Requests in flight across all hosts.
    pub max_in_flight: usize,
    pub connect_timeout: Duration,
    /// Whole request, including reading the body.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            max_in_flight: 64,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
        }
    }
}

/// One request. Bodies are `Bytes`, so retries resend without copying.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Option<Bytes>,
    /// Safe to send again after an ambiguous failure (GET, token requests).
    pub idempotent: bool,
    /// An Outlook-class call (profile photos): limited in flight by `outlook`.
    pub outlook: bool,
    /// The caller runs its own retry policy (IMDS): one attempt, every answer returned as it
    /// comes, a network failure returned as an error.
    pub caller_retries: bool,
    /// Follow a redirect within the request's own origin (reads only; never token requests).
    pub follows_redirects: bool,
}

impl Request {
    pub fn new(method: reqwest::Method, url: impl Into<String>) -> Self {
        let idempotent = matches!(method, reqwest::Method::GET | reqwest::Method::HEAD);
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            idempotent,
            outlook: false,
            caller_retries: false,
            follows_redirects: idempotent,
        }
    }

    pub fn get(url: impl Into<String>) -> Self {
        Self::new(reqwest::Method::GET, url)
    }

    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.headers
            .push((reqwest::header::CONTENT_TYPE, content_type.to_string()));
        self.body = Some(body.into());
        self
    }

    pub fn json_body(self, value: &serde_json::Value) -> Self {
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        self.body("application/json", bytes)
    }

    /// A form body (`application/x-www-form-urlencoded`), e.g. a token request.
    pub fn form(self, fields: &[(&str, &str)]) -> Self {
        let mut out = String::new();
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(&form_encode(k));
            out.push('=');
            out.push_str(&form_encode(v));
        }
        self.body("application/x-www-form-urlencoded", out)
    }

    /// Mark an Outlook-class call (a photo route, mailbox settings), which shares the per-app
    /// in-flight limit.
    pub fn outlook(mut self) -> Self {
        self.outlook = true;
        self
    }

    /// Send once and hand back whatever comes: the caller decides about retrying (IMDS has
    /// its own documented schedule, including statuses that are final elsewhere).
    pub fn caller_retries(mut self) -> Self {
        self.caller_retries = true;
        self
    }

    /// A token request: no redirect is followed, whatever the method (its headers carry
    /// secrets, and a token endpoint that moved is a configuration to fix, not to chase).
    pub fn no_redirects(mut self) -> Self {
        self.follows_redirects = false;
        self
    }

    /// Mark whether repeating the request is harmless.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }
}

/// The final answer to a request.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorCode::StoreRejected,
                ErrorClass::Failed,
                format!("unexpected response ({}): {e}", self.status),
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The service's error `code` and `message` (Graph `{"error":{…}}`, SharePoint
    /// `{"odata.error":{…}}`, identity platform `{"error":"…","error_description":"…"}`).
    pub fn service_error(&self) -> Option<ServiceError> {
        let v: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        let err = v.get("error").or_else(|| v.get("odata.error"))?;
        if let Some(code) = err.as_str() {
            return Some(ServiceError {
                code: code.to_string(),
                message: v
                    .get("error_description")
                    .and_then(|d| d.as_str())
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            });
        }
        let code = err.get("code")?.as_str()?.to_string();
        let message = match err.get("message") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(m) => m
                .get("value")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            None => String::new(),
        };
        Some(ServiceError {
            code: without_tokens(&code),
            message: without_tokens(&message),
        })
    }
}

/// `text` with every bearer token in it replaced by `***`: a service (or a proxy before it)
/// may echo the request's Authorization header into its error, and errors reach stdout, logs
/// and the report. A token is what follows `Bearer `, or any JWT-shaped run (`eyJ…`, two dots).
fn without_tokens(text: &str) -> String {
    let token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let bearer = rest
            .get(..7)
            .is_some_and(|head| head.eq_ignore_ascii_case("bearer "));
        if bearer || rest.starts_with("eyJ") {
            let skip = if bearer { 7 } else { 0 };
            let run = rest[skip..]
                .find(|c: char| !token_char(c))
                .unwrap_or(rest.len() - skip);
            let token = &rest[skip..skip + run];
            if bearer && !token.is_empty() || token.matches('.').count() >= 2 {
                out.push_str(&rest[..skip]);
                out.push_str("***");
                rest = &rest[skip + run..];
                continue;
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A service's error code and message, as it sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub code: String,
    pub message: String,
}

/// Counters for the run summary and the benchmark.
#[derive(Debug, Default)]
pub struct HttpStats {
    pub requests: AtomicU64,
    pub throttled: AtomicU64,
    pub server_errors: AtomicU64,
    pub network_errors: AtomicU64,
    pub retries: AtomicU64,
    pub token_refreshes: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpStatsSnapshot {
    pub requests: u64,
    pub throttled: u64,
    pub server_errors: u64,
    pub network_errors: u64,
    pub retries: u64,
    pub token_refreshes: u64,
}

impl HttpStats {
    pub fn snapshot(&self) -> HttpStatsSnapshot {
        HttpStatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            server_errors: self.server_errors.load(Ordering::Relaxed),
            network_errors: self.network_errors.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            token_refreshes: self.token_refreshes.load(Ordering::Relaxed),
        }
    }
}

/// The shared client. Cheap to share behind an `Arc`.
pub struct HttpClient {
    client: reqwest::Client,
    gates: HostGates,
    outlook: OutlookLimiter,
    in_flight: Semaphore,
    options: HttpOptions,
    stats: HttpStats,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// One attempt's outcome, before the retry decision.
enum Attempt {
    Answer(Response),
    /// The connection could not be opened: the service never saw the request.
    NotSent(String),
    /// Failed after sending (timeout, reset): the service may have acted on it.
    Ambiguous(String),
}

impl HttpClient {
    pub fn new(options: HttpOptions) -> Result<Arc<Self>> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .pool_max_idle_per_host(options.max_in_flight)
            .pool_idle_timeout(Duration::from_secs(60))
            // Redirects are followed by `attempt`, reads only and within one origin.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::config(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Arc::new(HttpClient {
            client,
            gates: HostGates::new(),
            outlook: OutlookLimiter::new(),
            in_flight: Semaphore::new(options.max_in_flight.max(1)),
            options,
            stats: HttpStats::default(),
        }))
    }

    pub fn stats(&self) -> HttpStatsSnapshot {
        self.stats.snapshot()
    }

    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// Current in-flight limit of Outlook-class calls.
    pub fn outlook_limit(&self) -> usize {
        self.outlook.limit()
    }

    /// Current pacing rate for a host (`None` = unpaced).
    pub fn host_rate(&self, url: &str) -> Option<f64> {
        self.gates.rate(&host_key(url))
    }

    /// A sub-request inside a batch was throttled or failed: count it and slow the host down
    /// as if the request itself had been answered so.
    pub fn note_retryable(&self, url: &str, status: u16, retry_after: Option<Duration>) {
        let host = host_key(url);
        self.stats.retries.fetch_add(1, Ordering::Relaxed);
        match classify(status) {
            StatusClass::Throttled => {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                let pause = if status == 429 { retry_after } else { None };
                self.gates.throttled(
                    &host,
                    pause.map(|a| a.min(self.options.retry.max_retry_after)),
                    status == 429,
                );
            }
            _ => {
                self.stats.server_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Send with retries; see the module doc for what comes back.
    pub async fn send(&self, req: &Request, auth: Option<&dyn BearerSource>) -> Result<Response> {
        let host = host_key(&req.url);
        let policy = self.options.retry;
        let mut refreshes = 0;
        let mut attempt: u32 = 0;
        // Failed attempts (5xx but 503, no answer): throttling does not spend this budget.
        let mut failures: u32 = 0;
        loop {
            attempt += 1;
            self.gates.acquire(&host).await;
            let outlook = if req.outlook {
                Some(self.outlook.acquire().await)
            } else {
                None
            };
            // Taken after every wait but the in-flight slot (a token fetch needs one), so a
            // short-lived token is still fresh when sent: a 429's pause can outlast its margin.
            self.gates.wait_out_pause(&host).await;
            let token = match auth {
                Some(a) => Some(a.bearer().await?),
                None => None,
            };
            let outcome = {
                let _outlook = outlook;
                let _permit = self.in_flight.acquire().await.map_err(|_| {
                    Error::new(
                        ErrorCode::Transient,
                        ErrorClass::Transient,
                        "HTTP client closed",
                    )
                })?;
                self.gates.wait_out_pause(&host).await;
                self.attempt(req, token.as_ref()).await
            };
            let last = attempt >= policy.max_attempts || req.caller_retries;
            // Whether a failure now would spend the last of the failure budget.
            let last_failure = last || failures + 1 >= policy.max_failure_attempts;
            let (retry_after, reason) = match outcome {
                Attempt::Answer(resp) if req.caller_retries => return Ok(resp),
                Attempt::Answer(resp) if is_redirect(resp.status) => {
                    return Err(redirect_refused(req, &resp));
                }
                Attempt::Answer(resp) => match classify(resp.status) {
                    StatusClass::Success | StatusClass::Final => {
                        if req.outlook {
                            self.outlook.succeeded();
                        }
                        // Every call passed the host's gate, so every answer lets it recover
                        // (a budget 429 on a photo call slows the host, photo answers speed
                        // it up again).
                        self.gates.succeeded(&host);
                        return Ok(resp);
                    }
                    StatusClass::Unauthorized => {
                        let (Some(a), Some(t)) = (auth, token.as_ref()) else {
                            return Ok(resp);
                        };
                        if refreshes < MAX_TOKEN_REFRESHES && a.rejected(t).await {
                            refreshes += 1;
                            self.stats.token_refreshes.fetch_add(1, Ordering::Relaxed);
                            tracing::debug!(url = %req.url, "401: refreshing the token and retrying");
                            attempt -= 1;
                            continue;
                        }
                        return Err(unauthorized(&resp));
                    }
                    // A 503 may come from a gateway that gave up on a backend that still
                    // did the work: a write answered so is a lost answer, never resent here
                    // (the engine watches whether it landed). Only a 429 says "not done".
                    StatusClass::Throttled if resp.status == 503 && !req.idempotent => {
                        self.stats.server_errors.fetch_add(1, Ordering::Relaxed);
                        return Err(server_trouble(&resp, attempt, false));
                    }
                    StatusClass::Throttled => {
                        self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                        let after = resp.header("retry-after").and_then(parse_retry_after);
                        // A 429 is the service throttling this app: the whole host waits.
                        // A 503 may be one overloaded node: only this request waits.
                        let host_pause = if resp.status == 429 { after } else { None };
                        let host_pause = host_pause.map(|a| a.min(policy.max_retry_after));
                        if req.outlook
                            && resp.status == 429
                            && slows_photo_calls(&resp, &req.method)
                        {
                            self.outlook.throttled(host_pause);
                        } else {
                            self.gates.throttled(&host, host_pause, resp.status == 429);
                        }
                        if last {
                            return Err(throttled_out(&resp, attempt));
                        }
                        (after, format!("{} throttled", resp.status))
                    }
                    StatusClass::ServerTrouble => {
                        self.stats.server_errors.fetch_add(1, Ordering::Relaxed);
                        failures += 1;
                        if last_failure || !req.idempotent {
                            return Err(server_trouble(&resp, attempt, req.idempotent));
                        }
                        let after = resp.header("retry-after").and_then(parse_retry_after);
                        (after, format!("server error {}", resp.status))
                    }
                },
                Attempt::NotSent(why) => {
                    self.stats.network_errors.fetch_add(1, Ordering::Relaxed);
                    if last {
                        return Err(network_out(&why, attempt));
                    }
                    (None, format!("connection failed: {why}"))
                }
                Attempt::Ambiguous(why) => {
                    self.stats.network_errors.fetch_add(1, Ordering::Relaxed);
                    failures += 1;
                    if last_failure || !req.idempotent {
                        return Err(network_out(&why, attempt));
                    }
                    (None, format!("connection lost: {why}"))
                }
            };
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            let delay = policy.delay(attempt, retry_after);
            tracing::debug!(method = %req.method, url = %req.url, attempt, ?delay, %reason, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// Send and decode a JSON success body; non-success statuses become errors.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        req: &Request,
        auth: Option<&dyn BearerSource>,
    ) -> Result<T> {
        let resp = self.send(req, auth).await?;
        if !resp.is_success() {
            return Err(unexpected_status(&resp));
        }
        resp.json()
    }

    /// One attempt: send, follow a read's redirects within its origin, read the body.
    async fn attempt(&self, req: &Request, token: Option<&Secret>) -> Attempt {
        let mut url = req.url.clone();
        let mut hops = 0;
        let mut resp = loop {
            let resp = match self.send_once(req, &url, hops == 0, token).await {
                Ok(resp) => resp,
                Err(attempt) => return attempt,
            };
            let next = (req.follows_redirects && hops < MAX_REDIRECTS)
                .then(|| same_origin_location(&url, &resp))
                .flatten();
            match next {
                Some(next) if is_redirect(resp.status().as_u16()) => {
                    tracing::debug!(from = %host_key(&url), "following a redirect within the origin");
                    url = next;
                    hops += 1;
                }
                _ => break resp,
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if resp
            .content_length()
            .is_some_and(|n| n as usize > MAX_BODY_BYTES)
        {
            return Attempt::Answer(Response {
                status: 502,
                headers,
                body: Bytes::new(),
            });
        }
        let mut body = Vec::new();
        let mut admitted = None;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY_BYTES {
                        return Attempt::Ambiguous("response body too large".into());
                    }
                    if admitted.is_none() && body.len() + chunk.len() > FREE_BODY_BYTES {
                        admitted = Some(crate::photo::admit().await);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Attempt::Ambiguous(short_error(&e)),
            }
        }
        tracing::trace!(method = %req.method, url = %url, status, "response");
        // `Some(None)`: the task already holds a slot of the budget, which covers this body.
        let body = match admitted.flatten() {
            Some(permit) => Bytes::from_owner(BudgetedBody {
                bytes: body,
                _permit: permit,
            }),
            None => Bytes::from(body),
        };
        Attempt::Answer(Response {
            status,
            headers,
            body,
        })
    }

    /// Send `req` to `url` (its own URL, or a redirect's within its origin: then without the
    /// request's own headers, which may be secrets, except `Accept`).
    async fn send_once(
        &self,
        req: &Request,
        url: &str,
        own_url: bool,
        token: Option<&Secret>,
    ) -> std::result::Result<reqwest::Response, Attempt> {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let mut builder = self.client.request(req.method.clone(), url);
        for (name, value) in &req.headers {
            if !own_url && *name != reqwest::header::ACCEPT {
                continue;
            }
            match HeaderValue::from_str(value) {
                Ok(v) => builder = builder.header(name.clone(), v),
                Err(_) => return Err(Attempt::NotSent(format!("invalid value for header {name}"))),
            }
        }
        if let Some(t) = token {
            let mut v = match HeaderValue::from_str(&format!("Bearer {}", t.expose())) {
                Ok(v) => v,
                Err(_) => {
                    return Err(Attempt::NotSent(
                        "the access token is not a valid header".into(),
                    ));
                }
            };
            v.set_sensitive(true);
            builder = builder.header(reqwest::header::AUTHORIZATION, v);
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        builder.send().await.map_err(|e| describe_send_error(&e))
    }
}

/// A body over `FREE_BODY_BYTES` with the photo-budget slot it holds until the last copy of
/// the `Bytes` is dropped.
struct BudgetedBody {
    bytes: Vec<u8>,
    _permit: tokio::sync::SemaphorePermit<'static>,
}

impl AsRef<[u8]> for BudgetedBody {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Where a redirect points, when that is the same origin (scheme, host, port) as `from`.
fn same_origin_location(from: &str, resp: &reqwest::Response) -> Option<String> {
    let base = reqwest::Url::parse(from).ok()?;
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)?
        .to_str()
        .ok()?;
    let next = base.join(location).ok()?;
    (next.origin() == base.origin()).then(|| next.to_string())
}

/// A redirect not followed: a token request or a write (never followed), or a read sent to
/// another origin (or too many hops).
fn redirect_refused(req: &Request, resp: &Response) -> Error {
    let to = resp
        .header("location")
        .and_then(|l| reqwest::Url::parse(&req.url).ok()?.join(l).ok())
        .map(|u| host_key(u.as_str()))
        .unwrap_or_else(|| "somewhere it did not say".to_string());
    let rule = if req.follows_redirects {
        "photosync follows a read's redirect only within the same origin"
    } else {
        "photosync follows no redirect for token requests and writes"
    };
    Error::config(format!(
        "{} answered {} with a redirect to {to}; {rule}",
        host_key(&req.url),
        resp.status
    ))
    .with_hint("check the configured URL (PHOTOSYNC_*_URL, IDENTITY_ENDPOINT): it should name the service itself, not an address that forwards")
}

fn describe_send_error(e: &reqwest::Error) -> Attempt {
    if e.is_connect() {
        Attempt::NotSent(short_error(e))
    } else {
        Attempt::Ambiguous(short_error(e))
    }
}

/// What went wrong, in one line, without the URL (`reqwest` would repeat it).
fn short_error(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "error reading the response"
    } else {
        "request failed"
    };
    let mut parts = vec![kind.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.dedup();
    parts.join(": ")
}

/// `scheme://host:port`: the unit that gets paced.
pub fn host_key(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}:{}",
            u.scheme(),
            u.host_str().unwrap_or_default(),
            u.port_or_known_default().unwrap_or(0)
        ),
        Err(_) => url.to_string(),
    }
}

fn with_service_code(resp: &Response) -> String {
    match resp.service_error() {
        Some(e) if !e.message.is_empty() => format!("{}: {}", e.code, e.message),
        Some(e) => e.code,
        None => format!("HTTP {}", resp.status),
    }
}

fn unauthorized(resp: &Response) -> Error {
    Error::new(
        ErrorCode::AuthFailed,
        ErrorClass::Auth,
        format!(
            "the service rejected the access token ({})",
            with_service_code(resp)
        ),
    )
    .with_hint("check the tenant, the app registration and the credential; `photosync auth test` shows what the token carries")
}

/// Whether a 429 on a photo call is a signal for the photo in-flight limit: Outlook's
/// concurrency limit, or a photo write over Graph's write budget — photo calls then slow
/// down (fewer in flight, paused for the `Retry-After`). A 429 that names the tenant's
/// resource-unit budget (`x-ms-throttle-information`) paces the host like a directory call's:
/// halving the in-flight limit for it kept a fast per-mailbox sync at a quarter of its speed.
fn slows_photo_calls(resp: &Response, method: &reqwest::Method) -> bool {
    if over_concurrency_limit(resp) {
        return true;
    }
    // A write's 429 that does not say which budget it hit is taken for the write budget.
    *method != reqwest::Method::GET
        && resp.header("x-ms-throttle-information") != Some("ResourceUnitLimitExceeded")
}

/// Whether a 429 is Outlook's concurrency limit (`ApplicationThrottled`, "over its
/// MailboxConcurrency limit", spec §12) rather than a rate or budget.
fn over_concurrency_limit(resp: &Response) -> bool {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&resp.body) else {
        return false;
    };
    let error = &body["error"];
    error["code"] == "ApplicationThrottled"
        && error["message"]
            .as_str()
            .is_some_and(|m| m.contains("Concurrency"))
}

fn throttled_out(resp: &Response, attempts: u32) -> Error {
    Error::new(
        ErrorCode::Throttled,
        ErrorClass::Throttled,
        format!(
            "still throttled after {attempts} attempts ({})",
            with_service_code(resp)
        ),
    )
    .with_hint("run again later, or lower --concurrency")
}

fn server_trouble(resp: &Response, attempts: u32, idempotent: bool) -> Error {
    let what = if idempotent {
        format!("the service kept failing after {attempts} attempts")
    } else {
        "the service failed while handling a write".to_string()
    };
    let error = Error::new(
        ErrorCode::Transient,
        ErrorClass::Transient,
        format!("{what} ({})", with_service_code(resp)),
    );
    // Exchange's answer for a mailbox it cannot open: the same every time for that user.
    if resp
        .service_error()
        .is_some_and(|e| e.code == "ErrorStoreInternalServerError")
    {
        return error.with_hint("Exchange Online could not open this user's mailbox (seen with Bookings and other scheduling mailboxes); the other users went on. Check the mailbox in the Exchange admin center, then run again");
    }
    error.with_hint("run again; users already done are skipped")
}

fn network_out(why: &str, attempts: u32) -> Error {
    Error::new(
        ErrorCode::Transient,
        ErrorClass::Transient,
        format!("network failure after {attempts} attempt(s): {why}"),
    )
    .with_hint("check connectivity to the service and run again; users already done are skipped")
}

/// A non-success status the caller had no specific meaning for.
pub fn unexpected_status(resp: &Response) -> Error {
    let class = match resp.status {
        403 => ErrorClass::Permission,
        404 => ErrorClass::NotFound,
        _ => ErrorClass::Failed,
    };
    let code = match resp.status {
        403 => ErrorCode::PermissionDenied,
        404 => ErrorCode::UserNotFound,
        _ => ErrorCode::StoreRejected,
    };
    Error::new(
        code,
        class,
        format!("the service answered {}", with_service_code(resp)),
    )
}

/// `application/x-www-form-urlencoded` encoding of one key or value.
pub fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// What `percent_encode` keeps: RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encode for a URL query value or path segment (RFC 3986 unreserved kept).
pub fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_escape_what_urls_and_forms_need() {
        assert_eq!(form_encode("a b&c=d"), "a+b%26c%3Dd");
        assert_eq!(
            percent_encode("o'neil#EXT#@x.com"),
            "o%27neil%23EXT%23%40x.com"
        );
        assert_eq!(percent_encode("$x"), "%24x");
        assert_eq!(percent_encode("a-b.c_d~e f/ü"), "a-b.c_d~e%20f%2F%C3%BC");
        assert_eq!(form_encode("ü*-._~"), "%C3%BC*-._%7E");
    }

    /// Outlook's concurrency 429 and a photo write's write-budget 429 slow photo calls; a
    /// resource-unit 429 on a photo call (seen in fast per-mailbox runs) paces the host instead.
    #[test]
    fn which_429s_slow_photo_calls() {
        use reqwest::Method;
        let answer = |body: &'static [u8], information: Option<&'static str>| {
            let mut headers = HeaderMap::new();
            if let Some(i) = information {
                headers.insert("x-ms-throttle-information", HeaderValue::from_static(i));
            }
            Response {
                status: 429,
                headers,
                body: Bytes::from_static(body),
            }
        };
        let concurrency = br#"{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}}"#;
        let too_many = br#"{"error":{"code":"TooManyRequests","message":"Too many requests."}}"#;
        for method in [Method::GET, Method::PUT] {
            assert!(slows_photo_calls(&answer(concurrency, None), &method));
        }
        for other in [
            &too_many[..],
            br#"{"error":{"code":"ApplicationThrottled","message":"Application is over its request limit."}}"#,
            b"Too many requests",
        ] {
            assert!(!slows_photo_calls(&answer(other, None), &Method::GET));
        }
        let write_budget = answer(too_many, Some("WriteLimitExceeded"));
        assert!(slows_photo_calls(&write_budget, &Method::PUT));
        assert!(slows_photo_calls(&answer(too_many, None), &Method::PUT));
        let resource_units = answer(too_many, Some("ResourceUnitLimitExceeded"));
        assert!(!slows_photo_calls(&resource_units, &Method::PUT));
        assert!(!slows_photo_calls(&resource_units, &Method::GET));
    }

    #[test]
    fn host_key_includes_scheme_and_port() {
        assert_eq!(
            host_key("http://127.0.0.1:8080/v1.0/users"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            host_key("https://graph.microsoft.com/v1.0"),
            "https://graph.microsoft.com:443"
        );
    }

    // Regression: a service echoing the request's Authorization header put the bearer token
    // into the user's error, on stdout and in the HTML report.
    #[test]
    fn tokens_echoed_in_a_service_error_are_scrubbed() {
        let jwt = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJl";
        let body = format!(
            r#"{{"error":{{"code":"BadRequest","message":"Headers: Authorization: Bearer {jwt}; echo {jwt}; bearer opaque-token-123. Keep eyJ-not-a-token and ann@contoso.com."}}}}"#
        );
        let resp = Response {
            status: 400,
            headers: HeaderMap::new(),
            body: Bytes::from(body),
        };
        let e = resp.service_error().expect("error");
        assert!(!e.message.contains("eyJ0eXAi"), "{}", e.message);
        assert!(!e.message.contains("opaque-token-123"), "{}", e.message);
        assert!(
            e.message.contains("Authorization: Bearer ***; echo ***;"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("eyJ-not-a-token and ann@contoso.com."),
            "{}",
            e.message
        );
    }

    #[test]
    fn service_errors_are_read_from_every_envelope() {
        let graph = Response {
            status: 404,
            headers: HeaderMap::new(),
            body: Bytes::from_static(br#"{"error":{"code":"ImageNotFound","message":"x"}}"#),
        };
        assert_eq!(
            graph.service_error().map(|e| e.code),
            Some("ImageNotFound".into())
        );
        let sp = Response {
            status: 403,
            headers: HeaderMap::new(),
            body: Bytes::from_static(
                br#"{"odata.error":{"code":"-2147024891, System.UnauthorizedAccessException","message":{"lang":"en-US","value":"Access denied."}}}"#,
            ),
        };
        let e = sp.service_error().expect("sp error");
        assert_eq!(e.message, "Access denied.");
        let aad = Response {
            status: 401,
            headers: HeaderMap::new(),
            body: Bytes::from_static(
                br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret.\r\nTrace ID: 1"}"#,
            ),
        };
        let e = aad.service_error().expect("aad error");
        assert_eq!(e.code, "invalid_client");
        assert_eq!(e.message, "AADSTS7000215: Invalid client secret.");
    }
}
