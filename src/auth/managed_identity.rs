//! Managed identity: the token sources an Azure runbook or machine offers, each with its own
//! header, API version and quirks.
//!
//! Which one is used follows what the environment offers (first match wins; docs/auth.md):
//!
//! 1. `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`: App Service / Azure Automation (API 2019-08-01,
//!    header `X-IDENTITY-HEADER`).
//! 2. `IDENTITY_ENDPOINT` + `IMDS_ENDPOINT`: an Azure Arc-enabled server (a Hybrid Runbook
//!    Worker on Arc). The first request is answered 401 with `WWW-Authenticate: Basic
//!    realm=<key file>`; the key file is read only when it sits directly in the agent's folder,
//!    ends in `.key` and holds at most 4096 bytes (as msal-node's `AzureArc.ts` checks), then the
//!    request is repeated with `Authorization: Basic <key>`. System-assigned only.
//! 3. `MSI_ENDPOINT` + `MSI_SECRET`: the App Service 2017-09-01 API that older Automation hybrid
//!    jobs expose (header `secret`, `clientid=` for a user-assigned identity, `expires_on` as a
//!    date or epoch seconds).
//! 4. Otherwise the Azure VM Instance Metadata Service (IMDS), retried on 404, 410, 429 and 5xx
//!    on a bounded schedule (IMDS docs; MSAL waits out a 410 for about 70 s).
//!
//! The identity header, the MSI secret and the Arc key are secrets: never logged, and scrubbed
//! from anything the endpoint echoes back.

use std::path::Path;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderName};

use super::token::{self, AccessToken};
use super::token_answer;
use crate::error::{Error, ErrorClass, Result};
use crate::http::retry::parse_retry_after;
use crate::http::{HttpClient, Request, Response, percent_encode};
use crate::schema::ErrorCode;
use crate::settings::{ArcKeyFolder, CloudSettings, Secret};

/// Default Azure Instance Metadata Service base URL.
pub const DEFAULT_IMDS_URL: &str = "http://169.254.169.254";
/// Largest Azure Arc key file read (msal-node `AZURE_ARC_SECRET_FILE_MAX_SIZE_BYTES`).
pub const ARC_KEY_MAX_BYTES: u64 = 4096;
const APP_SERVICE_API_VERSION: &str = "2019-08-01";
const ARC_API_VERSION: &str = "2020-06-01";
const LEGACY_MSI_API_VERSION: &str = "2017-09-01";
const IMDS_API_VERSION: &str = "2018-02-01";

/// Where a managed identity's tokens come from.
#[derive(Debug, Clone)]
pub enum ManagedIdentityEndpoint {
    /// App Service / Azure Automation: `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`.
    IdentityEndpoint { url: String, header: Secret },
    /// Azure Arc: `IDENTITY_ENDPOINT` + `IMDS_ENDPOINT`, with the key-file challenge.
    AzureArc {
        url: String,
        /// `None` on platforms where Arc does not run.
        key_folder: Option<ArcKeyFolder>,
    },
    /// App Service 2017-09-01 API: `MSI_ENDPOINT` + `MSI_SECRET`.
    LegacyMsi { url: String, secret: Secret },
    /// Azure VM Instance Metadata Service.
    Imds { base_url: String, retry: ImdsRetry },
}

impl ManagedIdentityEndpoint {
    /// The name `auth test` reports.
    pub fn source(&self) -> &'static str {
        match self {
            ManagedIdentityEndpoint::IdentityEndpoint { .. } => "identity-endpoint",
            ManagedIdentityEndpoint::AzureArc { .. } => "azure-arc",
            ManagedIdentityEndpoint::LegacyMsi { .. } => "msi-endpoint",
            ManagedIdentityEndpoint::Imds { .. } => "imds",
        }
    }

    /// Choose the endpoint from what the environment offers (module doc, steps 1–4).
    pub fn from_settings(s: &CloudSettings, client_id: Option<&str>) -> Result<Self> {
        let endpoint = match (&s.identity_endpoint, &s.identity_header, &s.imds_endpoint) {
            (Some(url), Some(header), _) => ManagedIdentityEndpoint::IdentityEndpoint {
                url: url.clone(),
                header: header.clone(),
            },
            (Some(url), None, Some(_)) => ManagedIdentityEndpoint::AzureArc {
                url: url.clone(),
                key_folder: s.arc_key_folder.clone(),
            },
            (Some(_), None, None) => {
                return Err(Error::config(
                    "IDENTITY_ENDPOINT is set, but neither IDENTITY_HEADER (Azure Automation, App Service) nor IMDS_ENDPOINT (Azure Arc) is",
                )
                .with_hint("run inside Azure Automation or on an Arc-enabled server (which set both), or unset IDENTITY_ENDPOINT to use the VM metadata service"));
            }
            (None, ..) => match (&s.msi_endpoint, &s.msi_secret) {
                (Some(url), Some(secret)) => ManagedIdentityEndpoint::LegacyMsi {
                    url: url.clone(),
                    secret: secret.clone(),
                },
                (Some(_), None) => {
                    return Err(Error::config("MSI_ENDPOINT is set but MSI_SECRET is not")
                        .with_hint("an MSI_ENDPOINT without a secret (Azure Cloud Shell) is not supported; run on a Hybrid Runbook Worker, or unset MSI_ENDPOINT to use the VM metadata service"));
                }
                (None, _) => ManagedIdentityEndpoint::Imds {
                    base_url: s
                        .imds_url
                        .clone()
                        .unwrap_or_else(|| DEFAULT_IMDS_URL.to_string()),
                    retry: ImdsRetry {
                        unit: s.imds_retry_unit.unwrap_or(ImdsRetry::default().unit),
                    },
                },
            },
        };
        if client_id.is_some() && matches!(endpoint, ManagedIdentityEndpoint::AzureArc { .. }) {
            return Err(Error::config(
                "Azure Arc offers only the machine's system-assigned identity, but PHOTOSYNC_CLIENT_ID names a user-assigned one",
            )
            .with_hint("unset PHOTOSYNC_CLIENT_ID (Connect-PhotoSync: leave out -ClientId) to use the Arc server's identity"));
        }
        Ok(endpoint)
    }
}

/// IMDS retry schedule, in units (2 s by default, a few milliseconds in tests): 404, 429 and
/// 5xx wait 1, 3, 7 and 15 units (2, 6, 14, 30 s: the IMDS docs' five attempts); 410 ("being
/// updated, available within 70 s") waits 5 units at a time for up to 35 units (MSAL's 10 s ×
/// 7). A 429's `Retry-After` is honoured up to 15 units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImdsRetry {
    pub unit: Duration,
}

impl Default for ImdsRetry {
    fn default() -> Self {
        ImdsRetry {
            unit: Duration::from_secs(2),
        }
    }
}

impl ImdsRetry {
    const EXPONENTIAL_RETRIES: u32 = 4;

    fn exponential(&self, retry: u32) -> Duration {
        self.unit.saturating_mul((1u32 << retry.min(16)) - 1)
    }

    fn gone(&self) -> Duration {
        self.unit.saturating_mul(5)
    }

    fn gone_budget(&self) -> Duration {
        self.unit.saturating_mul(35)
    }

    fn longest(&self) -> Duration {
        self.unit.saturating_mul(15)
    }
}

/// A token for `resource` from `endpoint`.
pub(super) async fn fetch(
    http: &HttpClient,
    endpoint: &ManagedIdentityEndpoint,
    client_id: Option<&str>,
    resource: &str,
) -> Result<AccessToken> {
    let metadata = HeaderName::from_static("metadata");
    match endpoint {
        ManagedIdentityEndpoint::IdentityEndpoint { url, header } => {
            let mut query = vec![
                ("api-version", APP_SERVICE_API_VERSION),
                ("resource", resource),
            ];
            query.extend(client_id.map(|c| ("client_id", c)));
            let req = Request::get(with_query(url, &query))
                .no_redirects()
                .header(metadata, "true")
                .header(
                    HeaderName::from_static("x-identity-header"),
                    header.expose(),
                );
            let resp = http.send(&req, None).await?;
            let what = format!("the managed identity endpoint ({})", without_query(url));
            token_answer(&resp, &what, &[header.expose()])
        }
        ManagedIdentityEndpoint::LegacyMsi { url, secret } => {
            let mut query = vec![
                ("api-version", LEGACY_MSI_API_VERSION),
                ("resource", resource),
            ];
            query.extend(client_id.map(|c| ("clientid", c)));
            let req = Request::get(with_query(url, &query))
                .no_redirects()
                .header(HeaderName::from_static("secret"), secret.expose());
            let resp = http.send(&req, None).await?;
            let what = format!(
                "the MSI_ENDPOINT identity endpoint ({})",
                without_query(url)
            );
            token_answer(&resp, &what, &[secret.expose()])
        }
        ManagedIdentityEndpoint::AzureArc { url, key_folder } => {
            azure_arc(http, url, key_folder.as_ref(), resource).await
        }
        ManagedIdentityEndpoint::Imds { base_url, retry } => {
            imds(http, base_url, *retry, client_id, resource).await
        }
    }
}

/// The Arc challenge: ask, read the key file the 401 names, ask again with it.
async fn azure_arc(
    http: &HttpClient,
    url: &str,
    key_folder: Option<&ArcKeyFolder>,
    resource: &str,
) -> Result<AccessToken> {
    let what = format!("the Azure Arc identity endpoint ({})", without_query(url));
    let target = with_query(
        url,
        &[("api-version", ARC_API_VERSION), ("resource", resource)],
    );
    let metadata = HeaderName::from_static("metadata");
    let challenge = http
        .send(
            &Request::get(&target)
                .no_redirects()
                .header(metadata.clone(), "true"),
            None,
        )
        .await?;
    if challenge.status != 401 {
        // Only a 401 carries the challenge; anything else is the endpoint's final word.
        return token_answer(&challenge, &what, &[]);
    }
    let realm = challenge
        .header("www-authenticate")
        .and_then(basic_realm)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::AuthFailed,
                ErrorClass::Auth,
                format!("{what} answered 401 without a `WWW-Authenticate: Basic realm=<key file>` challenge"),
            )
            .with_hint("IDENTITY_ENDPOINT and IMDS_ENDPOINT should name the local Azure Connected Machine agent (http://localhost:40342)")
        })?;
    let folder = key_folder.ok_or_else(|| {
        Error::config("Azure Arc key files are read only on Linux and Windows")
            .with_hint("use another credential on this platform")
    })?;
    if folder.for_tests {
        tracing::warn!(
            folder = %folder.path,
            "PHOTOSYNC_TEST_ONLY_ARC_KEY_DIR is set: Azure Arc key files are read from this folder instead of the agent's (for tests only)"
        );
    }
    let key = read_arc_key(&realm, folder)?;
    let req = Request::get(&target)
        .no_redirects()
        .header(metadata, "true")
        .header(AUTHORIZATION, format!("Basic {}", key.expose()));
    let resp = http.send(&req, None).await?;
    token_answer(&resp, &what, &[key.expose()])
}

/// The key-file path of `Basic realm=<path>` (quotes optional).
fn basic_realm(header: &str) -> Option<String> {
    let lower = header.to_ascii_lowercase();
    let at = lower.find("basic realm=")? + "basic realm=".len();
    let value = header[at..].trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    (!value.is_empty()).then(|| value.to_string())
}

/// Read the key the Arc endpoint's challenge names, but only a `.key` file of at most 4096
/// bytes directly inside the agent's folder: anything else could be a local server fishing
/// for the contents of another file.
fn read_arc_key(realm: &str, folder: &ArcKeyFolder) -> Result<Secret> {
    let refuse = |why: &str| {
        Error::new(
            ErrorCode::AuthFailed,
            ErrorClass::Auth,
            format!("refused to read the key file the Azure Arc endpoint named ({realm}): {why}"),
        )
        .with_hint("IDENTITY_ENDPOINT should be the local Azure Connected Machine agent (http://localhost:40342/metadata/identity/oauth2/token); a key outside its folder is never read")
    };
    let name = Path::new(realm)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if !name.ends_with(".key") {
        return Err(refuse("it does not end in .key"));
    }
    if format!("{}{name}", folder.path) != realm {
        return Err(refuse(&format!(
            "it is not directly inside {}",
            folder.path
        )));
    }
    let meta = std::fs::symlink_metadata(realm).map_err(|e| unreadable(realm, &e))?;
    if !meta.is_file() {
        return Err(refuse("it is not a regular file"));
    }
    if meta.len() > ARC_KEY_MAX_BYTES {
        return Err(refuse(&format!(
            "it is larger than {ARC_KEY_MAX_BYTES} bytes"
        )));
    }
    let text = std::fs::read_to_string(realm).map_err(|e| unreadable(realm, &e))?;
    let key = text.trim_end_matches(['\r', '\n']);
    if key.is_empty() {
        return Err(refuse("it is empty"));
    }
    Ok(Secret::new(key))
}

fn unreadable(path: &str, e: &std::io::Error) -> Error {
    Error::new(
        ErrorCode::AuthFailed,
        ErrorClass::Auth,
        format!("cannot read the Azure Arc key file {path}: {e}"),
    )
    .with_hint("the account running photosync must be in the himds group (Linux) or the local Administrators or Hybrid agent extension applications group (Windows)")
}

/// IMDS with its own retry schedule ([`ImdsRetry`]); other statuses are final.
async fn imds(
    http: &HttpClient,
    base_url: &str,
    retry: ImdsRetry,
    client_id: Option<&str>,
    resource: &str,
) -> Result<AccessToken> {
    let url = imds_token_url(base_url);
    let what = format!("the Azure VM metadata service (IMDS, {url})");
    let mut query = vec![("api-version", IMDS_API_VERSION), ("resource", resource)];
    query.extend(client_id.map(|c| ("client_id", c)));
    let req = Request::get(with_query(&url, &query))
        .no_redirects()
        .header(HeaderName::from_static("metadata"), "true")
        .caller_retries();
    let (mut exponential, mut gone_waited, mut attempts) = (0u32, Duration::ZERO, 0u32);
    loop {
        attempts += 1;
        let resp = http.send(&req, None).await.map_err(|e| {
            Error::new(
                e.code,
                e.class,
                format!("cannot reach {what}: {}", e.message),
            )
            .with_hint("IMDS answers only on Azure VMs; elsewhere use IDENTITY_ENDPOINT (Automation, Arc), a certificate, or set PHOTOSYNC_IMDS_URL")
        })?;
        let wait = match resp.status {
            200..=299 => return token::parse_token_body(&resp.body, &what),
            410 if gone_waited < retry.gone_budget() => {
                gone_waited += retry.gone();
                retry.gone()
            }
            404 | 429 | 500..=599 if exponential < ImdsRetry::EXPONENTIAL_RETRIES => {
                exponential += 1;
                let backoff = retry.exponential(exponential);
                match resp.header("retry-after").and_then(parse_retry_after) {
                    Some(after) if resp.status == 429 => after.min(retry.longest()),
                    _ => backoff,
                }
            }
            404 | 410 | 429 | 500..=599 => return Err(imds_exhausted(&what, &resp, attempts)),
            _ => return token_answer(&resp, &what, &[]),
        };
        tracing::debug!(
            status = resp.status,
            ?wait,
            "IMDS is not ready; asking again"
        );
        tokio::time::sleep(wait).await;
    }
}

fn imds_exhausted(what: &str, resp: &Response, attempts: u32) -> Error {
    Error::new(
        ErrorCode::Transient,
        ErrorClass::Transient,
        format!(
            "{what} still answered {} after {attempts} attempts",
            resp.status
        ),
    )
    .with_hint("IMDS answers 404 or 410 while it is being updated and 429 when throttled: run again in a few minutes")
}

/// The IMDS token URL: `base_url` may be the service root or the full token URL.
pub fn imds_token_url(base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    if base.ends_with("/oauth2/token") {
        base.to_string()
    } else {
        format!("{base}/metadata/identity/oauth2/token")
    }
}

fn with_query(base: &str, query: &[(&str, &str)]) -> String {
    let qs: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", qs.join("&"))
}

/// An endpoint URL as shown in messages (a query could carry anything).
fn without_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(dir: &Path) -> ArcKeyFolder {
        let mut path = dir.to_string_lossy().into_owned();
        path.push(std::path::MAIN_SEPARATOR);
        ArcKeyFolder {
            path,
            for_tests: true,
        }
    }

    #[test]
    fn arc_realms_are_read_from_the_challenge() {
        assert_eq!(
            basic_realm("Basic realm=/var/opt/azcmagent/tokens/a.key").as_deref(),
            Some("/var/opt/azcmagent/tokens/a.key")
        );
        assert_eq!(
            basic_realm("basic realm=\"C:\\ProgramData\\x.key\"").as_deref(),
            Some("C:\\ProgramData\\x.key")
        );
        assert_eq!(basic_realm("Bearer realm=x"), None);
        assert_eq!(basic_realm("Basic realm="), None);
    }

    /// msal-node's checks: a `.key` file of at most 4096 bytes directly in the agent's folder.
    #[test]
    fn arc_key_files_outside_the_folder_or_too_big_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = folder(dir.path());
        let good = dir.path().join("abc.key");
        std::fs::write(&good, "k3y-value\n").expect("key");
        let good = good.to_string_lossy().into_owned();
        assert_eq!(
            read_arc_key(&good, &f).expect("readable").expose(),
            "k3y-value"
        );

        let other = tempfile::tempdir().expect("other dir");
        let outside = other.path().join("abc.key");
        std::fs::write(&outside, "x").expect("outside key");
        let err = read_arc_key(&outside.to_string_lossy(), &f).expect_err("outside");
        assert!(
            err.message.contains("not directly inside"),
            "{}",
            err.message
        );

        let traversal = format!(
            "{}sub{}..{}abc.key",
            f.path,
            std::path::MAIN_SEPARATOR,
            std::path::MAIN_SEPARATOR
        );
        assert!(read_arc_key(&traversal, &f).is_err());

        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).expect("subdir");
        std::fs::write(sub.join("abc.key"), "x").expect("nested key");
        assert!(read_arc_key(&sub.join("abc.key").to_string_lossy(), &f).is_err());

        let not_key = dir.path().join("passwd");
        std::fs::write(&not_key, "root:x").expect("not a key");
        let err = read_arc_key(&not_key.to_string_lossy(), &f).expect_err("extension");
        assert!(err.message.contains(".key"), "{}", err.message);

        let big = dir.path().join("big.key");
        std::fs::write(&big, vec![b'a'; ARC_KEY_MAX_BYTES as usize + 1]).expect("big key");
        let err = read_arc_key(&big.to_string_lossy(), &f).expect_err("too big");
        assert!(err.message.contains("4096"), "{}", err.message);
        let edge = dir.path().join("edge.key");
        std::fs::write(&edge, vec![b'a'; ARC_KEY_MAX_BYTES as usize]).expect("edge key");
        assert!(read_arc_key(&edge.to_string_lossy(), &f).is_ok());

        let missing = dir.path().join("gone.key");
        let err = read_arc_key(&missing.to_string_lossy(), &f).expect_err("missing");
        assert_eq!(err.class, ErrorClass::Auth);
    }

    #[test]
    fn imds_schedule_matches_the_documented_waits() {
        let r = ImdsRetry::default();
        let waits: Vec<u64> = (1..=4).map(|n| r.exponential(n).as_secs()).collect();
        assert_eq!(waits, vec![2, 6, 14, 30]);
        assert_eq!(r.gone(), Duration::from_secs(10));
        assert_eq!(r.gone_budget(), Duration::from_secs(70));
    }

    #[test]
    fn endpoints_are_detected_in_the_documented_order() {
        let mut s = CloudSettings::default();
        let source =
            |s: &CloudSettings| ManagedIdentityEndpoint::from_settings(s, None).map(|e| e.source());
        assert_eq!(source(&s).ok(), Some("imds"));
        s.msi_endpoint = Some("http://127.0.0.1:1/msi".into());
        assert!(source(&s).is_err(), "MSI_ENDPOINT without a secret");
        s.msi_secret = Some(Secret::new("msi-secret"));
        assert_eq!(source(&s).ok(), Some("msi-endpoint"));
        s.identity_endpoint = Some("http://localhost:40342/metadata/identity/oauth2/token".into());
        assert!(source(&s).is_err(), "IDENTITY_ENDPOINT alone");
        s.imds_endpoint = Some("http://localhost:40342".into());
        assert_eq!(source(&s).ok(), Some("azure-arc"));
        let err = ManagedIdentityEndpoint::from_settings(&s, Some("user-assigned"))
            .expect_err("Arc is system-assigned only");
        assert_eq!(err.class, ErrorClass::Config);
        s.identity_header = Some(Secret::new("hdr"));
        assert_eq!(source(&s).ok(), Some("identity-endpoint"));
    }
}
