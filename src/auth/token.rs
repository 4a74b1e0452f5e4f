//! Access tokens: parsing the token endpoints' answers, caching one token per resource, and
//! reading (not verifying) the claims `auth test` reports.
//!
//! The cache hands out a token until shortly before it expires, fetches a new one under a
//! lock (so hundreds of workers cause one token request, not hundreds), and drops a token the
//! service rejected with 401 — only if it is still the cached one, so a burst of 401s for the
//! same stale token causes one refresh.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::error::{Error, ErrorClass, Result};
use crate::schema::ErrorCode;
use crate::settings::Secret;

/// Assumed lifetime when a response gives none (real tokens live 60–90 minutes).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);
/// Longest lifetime believed: real tokens live 60–90 minutes (up to a day for managed
/// identities); a server that claims more (even `u64::MAX` seconds) is capped, never trusted
/// into an `Instant` overflow.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Refresh this long before expiry at most…
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A token and when it stops being usable.
#[derive(Clone)]
pub struct AccessToken {
    pub value: Secret,
    pub expires_at: Instant,
    pub lifetime: Duration,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &self.value)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

impl AccessToken {
    /// A token usable for `lifetime` from now, capped at [`MAX_LIFETIME`].
    pub fn new(value: Secret, lifetime: Duration) -> Self {
        let lifetime = lifetime.min(MAX_LIFETIME);
        let now = Instant::now();
        AccessToken {
            value,
            expires_at: now.checked_add(lifetime).unwrap_or(now),
            lifetime,
        }
    }

    /// Fresh enough to send: not within the refresh margin (a fifth of the lifetime, at
    /// most five minutes) of its expiry.
    fn is_fresh(&self) -> bool {
        let margin = (self.lifetime / 5).min(MAX_REFRESH_MARGIN);
        Instant::now()
            .checked_add(margin)
            .is_some_and(|t| t < self.expires_at)
    }
}

/// One resource's cached token.
#[derive(Debug, Default)]
pub struct TokenCache {
    slot: Mutex<Option<AccessToken>>,
}

impl TokenCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached token if fresh, else the result of `fetch` (which is then cached).
    pub async fn get_or_fetch<F, Fut>(&self, fetch: F) -> Result<AccessToken>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some(t) = slot.as_ref()
            && t.is_fresh()
        {
            return Ok(t.clone());
        }
        let token = fetch().await?;
        *slot = Some(token.clone());
        Ok(token)
    }

    /// Forget `used` if it is still the cached token.
    pub async fn invalidate(&self, used: &Secret) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|t| &t.value == used) {
            *slot = None;
        }
    }
}

/// A token endpoint's success body. The identity platform sends numbers; IMDS and the
/// App Service/Automation endpoint send strings; either may give `expires_in` or `expires_on`.
#[derive(Deserialize)]
struct TokenBody {
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    expires_on: Option<serde_json::Value>,
}

fn as_u64(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parse a token endpoint's success body.
pub fn parse_token_body(body: &[u8], what: &str) -> Result<AccessToken> {
    let parsed: TokenBody = serde_json::from_slice(body).map_err(|_| {
        Error::new(
            ErrorCode::AuthFailed,
            ErrorClass::Auth,
            format!("{what} answered with something that is not a token response"),
        )
    })?;
    let value = parsed
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::AuthFailed,
                ErrorClass::Auth,
                format!("{what} answered without an access_token"),
            )
        })?;
    let lifetime = if let Some(secs) = parsed.expires_in.as_ref().and_then(as_u64) {
        Duration::from_secs(secs)
    } else if let Some(on) = parsed.expires_on.as_ref().and_then(as_u64) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        Duration::from_secs(on.saturating_sub(now))
    } else {
        DEFAULT_LIFETIME
    };
    Ok(AccessToken::new(Secret::new(value), lifetime))
}

/// The claims of an access token that say what it allows. Read without verifying the
/// signature: only the service can verify it, and we only report what it claims.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct TokenClaims {
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Delegated scopes (space separated) when the token belongs to a signed-in user.
    #[serde(default)]
    pub scp: Option<String>,
    #[serde(default)]
    pub appid: Option<String>,
    #[serde(default)]
    pub tid: Option<String>,
    #[serde(default)]
    pub exp: Option<u64>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

impl TokenClaims {
    /// Decode the payload of a JWT; `None` when the token is opaque.
    pub fn read(token: &Secret) -> Option<TokenClaims> {
        let payload = token.expose().split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Application roles plus delegated scopes: everything the token may be allowed to do.
    pub fn permissions(&self) -> Vec<String> {
        let mut all = self.roles.clone();
        if let Some(scp) = &self.scp {
            all.extend(scp.split_whitespace().map(str::to_string));
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &serde_json::Value) -> Secret {
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        Secret::new(format!(
            "{}.{}.sig",
            enc.encode(br#"{"alg":"none"}"#),
            enc.encode(serde_json::to_vec(payload).expect("json"))
        ))
    }

    #[test]
    fn token_bodies_with_numbers_or_strings_parse() {
        let t = parse_token_body(br#"{"access_token":"a","expires_in":3599}"#, "x").expect("v2");
        assert_eq!(t.lifetime, Duration::from_secs(3599));
        let t = parse_token_body(br#"{"access_token":"b","expires_in":"120"}"#, "x").expect("imds");
        assert_eq!(t.lifetime, Duration::from_secs(120));
        let soon = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs()
            + 1000;
        let body = format!(r#"{{"access_token":"c","expires_on":"{soon}"}}"#);
        let t = parse_token_body(body.as_bytes(), "x").expect("app service");
        assert!(t.lifetime <= Duration::from_secs(1000) && t.lifetime >= Duration::from_secs(990));
        assert!(parse_token_body(br#"{"error":"invalid_client"}"#, "x").is_err());
    }

    /// Regression: `expires_in` of `u64::MAX` seconds overflowed `Instant + Duration` and the
    /// run died with exit 101. Lifetimes are capped; the token is still used and refreshed.
    #[test]
    fn absurd_server_lifetimes_are_capped_not_panicking() {
        let body = format!(r#"{{"access_token":"a","expires_in":{}}}"#, u64::MAX);
        let t = parse_token_body(body.as_bytes(), "x").expect("huge expires_in");
        assert_eq!(t.lifetime, MAX_LIFETIME);
        assert!(t.is_fresh());
        let body = format!(r#"{{"access_token":"b","expires_on":"{}"}}"#, u64::MAX);
        let t = parse_token_body(body.as_bytes(), "x").expect("huge expires_on");
        assert_eq!(t.lifetime, MAX_LIFETIME);
        let t = AccessToken::new(Secret::new("c"), Duration::MAX);
        assert!(t.is_fresh());
    }

    #[test]
    fn claims_are_read_from_the_payload() {
        let t = jwt(&serde_json::json!({
            "aud": "https://graph.microsoft.com",
            "roles": ["User.Read.All", "ProfilePhoto.ReadWrite.All"],
            "tid": "t1"
        }));
        let c = TokenClaims::read(&t).expect("claims");
        assert_eq!(c.aud, vec!["https://graph.microsoft.com".to_string()]);
        assert_eq!(c.permissions().len(), 2);
        assert!(TokenClaims::read(&Secret::new("opaque")).is_none());
    }

    #[tokio::test]
    async fn cache_refreshes_near_expiry_and_after_rejection() {
        let cache = TokenCache::new();
        let calls = std::sync::atomic::AtomicU32::new(0);
        let fetch = || async {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(AccessToken::new(
                Secret::new(format!("t{n}")),
                Duration::from_secs(3600),
            ))
        };
        let a = cache.get_or_fetch(fetch).await.expect("first");
        let b = cache.get_or_fetch(fetch).await.expect("cached");
        assert_eq!(a.value, b.value);
        cache.invalidate(&Secret::new("some other token")).await;
        let c = cache.get_or_fetch(fetch).await.expect("still cached");
        assert_eq!(c.value, a.value);
        cache.invalidate(&a.value).await;
        let d = cache.get_or_fetch(fetch).await.expect("refetched");
        assert_ne!(d.value, a.value);
        // A token inside its refresh margin is replaced.
        let cache = TokenCache::new();
        let short = || async { Ok(AccessToken::new(Secret::new("short"), Duration::ZERO)) };
        cache.get_or_fetch(short).await.expect("short");
        let e = cache.get_or_fetch(fetch).await.expect("replaced");
        assert_ne!(e.value.expose(), "short");
    }
}
