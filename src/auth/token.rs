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
/// App Service/Automation endpoint send strings; either may give `expires_in` or `expires_on`,
/// which the App Service 2017 API (`MSI_ENDPOINT`) sends as a date.
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

/// `expires_on` as Unix seconds: a number, a string of digits, or the App Service 2017 API's
/// date (`MM/DD/YYYY HH:MM:SS [AM|PM] ±HH:MM`, as azure-identity parses it).
fn expires_on_secs(v: &serde_json::Value) -> Option<u64> {
    as_u64(v).or_else(|| v.as_str().and_then(app_service_date))
}

/// `09/14/2017 01:02:03 PM +00:00` (12-hour) or `09/14/2017 13:02:03 +00:00` (24-hour).
fn app_service_date(text: &str) -> Option<u64> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    let (date, time, meridiem, offset) = match fields.as_slice() {
        [d, t, o] => (*d, *t, None, *o),
        [d, t, m, o] => (*d, *t, Some(m.to_ascii_uppercase()), *o),
        _ => return None,
    };
    let numbers = |s: &str, sep: char| -> Option<Vec<i64>> {
        s.split(sep).map(|p| p.parse::<i64>().ok()).collect()
    };
    let (month, day, year) = match numbers(date, '/')?.as_slice() {
        [m, d, y] => (*m, *d, *y),
        _ => return None,
    };
    let (mut hour, minute, second) = match numbers(time, ':')?.as_slice() {
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    match meridiem.as_deref() {
        None => {}
        // Midnight is 12 AM; Microsoft's own example writes noon as `00:00:00 PM`.
        Some("AM") if hour <= 12 => hour %= 12,
        Some("PM") if hour <= 12 => hour = hour % 12 + 12,
        Some(_) => return None,
    }
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..=23).contains(&hour)
        && (0..=59).contains(&minute)
        && (0..=60).contains(&second);
    if !valid {
        return None;
    }
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (oh, om) = offset[1..].split_once(':')?;
    let shift = sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60);
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    u64::try_from(local - shift).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    } else if let Some(on) = parsed.expires_on.as_ref().and_then(expires_on_secs) {
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

    /// The `MSI_ENDPOINT` (App Service 2017) API sends `expires_on` as a date; epoch seconds
    /// (number or string) are accepted too.
    #[test]
    fn app_service_2017_dates_and_epochs_are_both_understood() {
        let date = |s: &str| app_service_date(s);
        assert_eq!(date("01/01/1970 00:00:00 +00:00"), Some(0));
        assert_eq!(date("09/14/2017 13:02:03 +00:00"), Some(1_505_394_123));
        assert_eq!(date("09/14/2017 01:02:03 PM +00:00"), Some(1_505_394_123));
        assert_eq!(date("9/14/2017 1:02:03 pm +00:00"), Some(1_505_394_123));
        assert_eq!(date("09/14/2017 12:00:00 AM +00:00"), Some(1_505_347_200));
        assert_eq!(date("09/14/2017 03:02:03 PM +02:00"), Some(1_505_394_123));
        assert_eq!(date("02/29/2024 00:00:00 -01:30"), Some(1_709_170_200));
        for bad in [
            "",
            "soon",
            "13/01/2017 00:00:00 +00:00",
            "09/14/2017 25:00:00 +00:00",
            "09/14/2017 01:00:00 XM +00:00",
            "09/14/2017 01:00:00 Z",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
        let in_an_hour = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs()
            + 3600;
        for body in [
            format!(r#"{{"access_token":"a","expires_on":{in_an_hour}}}"#),
            format!(r#"{{"access_token":"a","expires_on":"{in_an_hour}"}}"#),
        ] {
            let t = parse_token_body(body.as_bytes(), "x").expect("epoch");
            assert!(t.lifetime > Duration::from_secs(3500), "{body}");
        }
        let t = parse_token_body(
            br#"{"access_token":"a","expires_on":"01/01/2999 12:00:00 AM +00:00"}"#,
            "x",
        )
        .expect("date");
        assert_eq!(t.lifetime, MAX_LIFETIME);
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
