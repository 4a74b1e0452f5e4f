//! Token providers: turn the configured credential into access tokens for Microsoft Graph and
//! SharePoint, cache them per resource, and refresh them before expiry and after a 401.
//! SharePoint checks a token's audience per host (spec §12: an admin-site token is refused on
//! the My Site host), so SharePoint tokens are requested and cached per origin.
//!
//! Credentials (DESIGN §6): a client secret (Graph only — SharePoint refuses app-only tokens
//! minted with a secret), a certificate (JWT client assertion), a managed identity (Azure
//! Automation / App Service, Azure Arc, the older `MSI_ENDPOINT`, or the Azure VM IMDS
//! endpoint: `managed_identity`), or a ready token from the environment or a file. Secrets
//! come only from `Settings` (env or files); nothing here logs a secret, a token or an
//! assertion.

pub mod certificate;
pub mod dead;
pub mod managed_identity;
pub mod token;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::error::{Error, ErrorClass, Result};
use crate::http::{BearerSource, HttpClient, Request, Response};
use crate::schema::ErrorCode;
pub use crate::settings::CredentialKind;
use crate::settings::{CloudSettings, NationalCloud, Secret, SharePointSettings};
pub use certificate::{AssertionAlgorithm, Certificate};
pub use dead::DeadCredential;
pub use managed_identity::{DEFAULT_IMDS_URL, ImdsRetry, ManagedIdentityEndpoint};
pub use token::{AccessToken, TokenCache, TokenClaims};

/// Which service a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    Graph,
    SharePoint,
}

impl Resource {
    pub fn name(self) -> &'static str {
        match self {
            Resource::Graph => "graph",
            Resource::SharePoint => "sharepoint",
        }
    }
}

#[derive(Debug)]
enum Credential {
    Secret {
        tenant: String,
        client_id: String,
        secret: Secret,
    },
    Certificate {
        tenant: String,
        client_id: String,
        cert: Certificate,
    },
    ManagedIdentity {
        endpoint: ManagedIdentityEndpoint,
        /// User-assigned identity's client id; `None` = system-assigned.
        client_id: Option<String>,
    },
    Token {
        token: Secret,
    },
}

/// SharePoint's own app id: a token with this audience is not tied to one host.
const SHAREPOINT_APP_ID: &str = "00000003-0000-0ff1-ce00-000000000000";

/// Microsoft Graph's app id, the audience of some Graph tokens (the same in every cloud).
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// The configured credential plus one token cache per resource (Graph) or origin (SharePoint).
pub struct Authenticator {
    credential: Credential,
    http: Arc<HttpClient>,
    login_url: String,
    graph_resource: String,
    /// The admin site's origin: where the SharePoint store starts.
    sharepoint_resource: Option<String>,
    graph: TokenCache,
    /// One cache per SharePoint origin (`https://contoso-admin.sharepoint.com`, `…-my…`).
    sharepoint: Mutex<HashMap<String, Arc<TokenCache>>>,
    /// Set when the credential cannot work again in this run (an expired ready token).
    pub dead: DeadCredential,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

fn required(value: &Option<String>, what: &str, env: &str) -> Result<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| Error::config(format!("{what} is not set")).with_hint(format!("set {env}")))
}

/// The resource (audience, token scope) of Graph tokens for a Graph base URL: the URL's
/// origin over https; otherwise the cloud's own Graph (a local emulator stands in for it and
/// expects its audience).
pub fn graph_resource(graph_url: &str, cloud: NationalCloud) -> String {
    match reqwest::Url::parse(graph_url) {
        Ok(u) if u.scheme() == "https" && !is_loopback(&u) && u.host_str().is_some() => {
            format!("https://{}", u.host_str().unwrap_or_default())
        }
        _ => cloud.graph_url().to_string(),
    }
}

/// The resource of SharePoint tokens for a SharePoint URL: its origin (`scheme://host[:port]`),
/// since SharePoint accepts a token only on the host it was minted for.
pub fn sharepoint_resource(sharepoint_url: &str) -> Result<String> {
    let u = reqwest::Url::parse(sharepoint_url).map_err(|_| {
        Error::config(format!(
            "PHOTOSYNC_SHAREPOINT_URL `{sharepoint_url}` is not a URL"
        ))
        .with_hint("use e.g. https://contoso-admin.sharepoint.com")
    })?;
    let host = u.host_str().unwrap_or_default();
    Ok(match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    })
}

fn is_loopback(u: &reqwest::Url) -> bool {
    matches!(
        u.host_str(),
        Some("localhost" | "127.0.0.1" | "[::1]" | "::1")
    )
}

impl Authenticator {
    /// Choose the credential from settings: `PHOTOSYNC_AUTH` if given, else the first
    /// configured of token, certificate, secret, Automation managed identity.
    pub fn from_settings(
        settings: &CloudSettings,
        sharepoint: &SharePointSettings,
        http: Arc<HttpClient>,
    ) -> Result<Arc<Self>> {
        let credential = credential_from_settings(settings)?;
        let sharepoint_resource = match sharepoint.url.as_deref() {
            Some(u) if !u.trim().is_empty() => Some(sharepoint_resource(u)?),
            _ => None,
        };
        Ok(Arc::new(Authenticator {
            credential,
            http,
            login_url: settings.login_url.trim_end_matches('/').to_string(),
            graph_resource: graph_resource(&settings.graph_url, settings.cloud),
            sharepoint_resource,
            graph: TokenCache::new(),
            sharepoint: Mutex::new(HashMap::new()),
            dead: DeadCredential::default(),
        }))
    }

    pub fn kind(&self) -> CredentialKind {
        match &self.credential {
            Credential::Secret { .. } => CredentialKind::Secret,
            Credential::Certificate { .. } => CredentialKind::Certificate,
            Credential::ManagedIdentity { .. } => CredentialKind::ManagedIdentity,
            Credential::Token { .. } => CredentialKind::Token,
        }
    }

    /// Non-secret facts about the credential (for `auth test`).
    pub fn describe(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("kind".into(), self.kind().name().into());
        match &self.credential {
            Credential::Secret {
                tenant, client_id, ..
            } => {
                m.insert("tenantId".into(), tenant.as_str().into());
                m.insert("clientId".into(), client_id.as_str().into());
            }
            Credential::Certificate {
                tenant,
                client_id,
                cert,
            } => {
                m.insert("tenantId".into(), tenant.as_str().into());
                m.insert("clientId".into(), client_id.as_str().into());
                m.insert("thumbprint".into(), cert.thumbprint.as_str().into());
                m.insert("algorithm".into(), cert.algorithm.name().into());
            }
            Credential::ManagedIdentity {
                endpoint,
                client_id,
            } => {
                m.insert("source".into(), endpoint.source().into());
                m.insert(
                    "identity".into(),
                    if client_id.is_some() {
                        "user-assigned"
                    } else {
                        "system-assigned"
                    }
                    .into(),
                );
                if let Some(c) = client_id {
                    m.insert("clientId".into(), c.as_str().into());
                }
            }
            Credential::Token { .. } => {
                m.insert("source".into(), "PHOTOSYNC_ACCESS_TOKEN".into());
            }
        }
        m
    }

    /// The resource identifier tokens for `resource` are requested for.
    pub fn resource_id(&self, resource: Resource) -> Option<&str> {
        match resource {
            Resource::Graph => Some(&self.graph_resource),
            Resource::SharePoint => self.sharepoint_resource.as_deref(),
        }
    }

    /// Fail early when the credential cannot work for SharePoint.
    pub fn check_sharepoint_supported(&self) -> Result<()> {
        if let Credential::Secret { .. } = self.credential {
            return Err(Error::new(
                ErrorCode::CredentialNotSupported,
                ErrorClass::Config,
                "SharePoint does not accept app-only tokens obtained with a client secret",
            )
            .with_hint("use a certificate (PHOTOSYNC_CERTIFICATE_PATH) or a managed identity (PHOTOSYNC_AUTH=managed-identity) for the sharepoint store"));
        }
        if self.sharepoint_resource.is_none() {
            return Err(Error::config("the SharePoint URL is not set").with_hint(
                "set PHOTOSYNC_SHAREPOINT_URL, e.g. https://contoso-admin.sharepoint.com",
            ));
        }
        Ok(())
    }

    /// A bearer source for requests to `resource` (SharePoint: the admin site).
    pub fn source(self: &Arc<Self>, resource: Resource) -> TokenSource {
        TokenSource {
            auth: Arc::clone(self),
            resource,
            sharepoint_origin: None,
        }
    }

    /// A bearer source for requests to one SharePoint origin, with a token minted for it.
    pub fn sharepoint_source(self: &Arc<Self>, url: &str) -> Result<TokenSource> {
        Ok(TokenSource {
            auth: Arc::clone(self),
            resource: Resource::SharePoint,
            sharepoint_origin: Some(sharepoint_resource(url)?),
        })
    }

    /// A valid token for `resource` (SharePoint: the admin site), cached or freshly obtained.
    pub async fn token(&self, resource: Resource) -> Result<AccessToken> {
        match resource {
            Resource::Graph => {
                self.graph
                    .get_or_fetch(|| self.fetch(resource, &self.graph_resource))
                    .await
            }
            Resource::SharePoint => {
                let origin = self.sharepoint_resource.as_deref().ok_or_else(|| {
                    Error::config("the SharePoint URL is not set")
                        .with_hint("set PHOTOSYNC_SHAREPOINT_URL")
                })?;
                self.sharepoint_token(origin).await
            }
        }
    }

    /// A valid token for one SharePoint origin (`scheme://host[:port]`), cached per origin.
    pub async fn sharepoint_token(&self, origin: &str) -> Result<AccessToken> {
        self.sharepoint_cache(origin)
            .get_or_fetch(|| self.fetch(Resource::SharePoint, origin))
            .await
    }

    fn sharepoint_cache(&self, origin: &str) -> Arc<TokenCache> {
        let mut caches = self.sharepoint.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(caches.entry(origin.to_string()).or_default())
    }

    async fn invalidate(&self, source: &TokenSource, used: &Secret) -> bool {
        match &source.sharepoint_origin {
            Some(origin) => self.sharepoint_cache(origin).invalidate(used).await,
            None => match source.resource {
                Resource::Graph => self.graph.invalidate(used).await,
                Resource::SharePoint => {
                    if let Some(origin) = &self.sharepoint_resource {
                        self.sharepoint_cache(origin).invalidate(used).await;
                    }
                }
            },
        }
        if matches!(self.credential, Credential::Token { .. }) {
            // Nothing can renew a ready token: refused now, refused for every later user.
            self.dead.declare(&dead::refused_token());
            return false;
        }
        true
    }

    async fn fetch(&self, resource: Resource, resource_id: &str) -> Result<AccessToken> {
        let scope = format!("{resource_id}/.default");
        let what = format!("the token endpoint ({} token)", resource.name());
        tracing::debug!(
            resource = resource.name(),
            kind = self.kind().name(),
            "requesting a token"
        );
        match &self.credential {
            Credential::Token { token } => {
                let answer = ready_token(token, resource, resource_id);
                if let Err(e) = &answer
                    && e.code == ErrorCode::AuthFailed
                {
                    self.dead.declare(e);
                }
                answer
            }
            Credential::Secret {
                tenant,
                client_id,
                secret,
            } => {
                let req = Request::new(reqwest::Method::POST, self.token_url(tenant))
                    .form(&[
                        ("client_id", client_id),
                        ("scope", &scope),
                        ("client_secret", secret.expose()),
                        ("grant_type", "client_credentials"),
                    ])
                    .idempotent(true);
                let resp = self.http.send(&req, None).await?;
                token_answer(&resp, &what, &[secret.expose()])
            }
            Credential::Certificate {
                tenant,
                client_id,
                cert,
            } => {
                let url = self.token_url(tenant);
                let assertion = cert.assertion(&url, client_id)?;
                let req = Request::new(reqwest::Method::POST, url)
                    .form(&[
                        ("client_id", client_id),
                        ("scope", &scope),
                        (
                            "client_assertion_type",
                            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                        ),
                        ("client_assertion", &assertion),
                        ("grant_type", "client_credentials"),
                    ])
                    .idempotent(true);
                let resp = self.http.send(&req, None).await?;
                token_answer(&resp, &what, &[&assertion])
            }
            Credential::ManagedIdentity {
                endpoint,
                client_id,
            } => {
                managed_identity::fetch(&self.http, endpoint, client_id.as_deref(), resource_id)
                    .await
            }
        }
    }

    fn token_url(&self, tenant: &str) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.login_url,
            crate::http::percent_encode(tenant)
        )
    }
}

/// Serve the ready-made token, but never to a service (or SharePoint host) it was not issued
/// for: a token for another service (or one that shows no audience) is not sent at all.
/// A ready token minted in another tenant than `PHOTOSYNC_TENANT_ID` (when that is a tenant
/// id) would act on that tenant: refused before any call.
fn refuse_another_tenant(token: &Secret, tenant_id: Option<&str>) -> Result<()> {
    let Some(expected) = tenant_id.map(str::trim).filter(|t| uuid_like(t)) else {
        return Ok(());
    };
    match TokenClaims::read(token).and_then(|c| c.tid) {
        Some(tid) if !tid.trim().eq_ignore_ascii_case(expected) => Err(Error::config(format!(
            "the ready access token was issued by tenant {}, not PHOTOSYNC_TENANT_ID {expected}: it would act on another organisation",
            crate::terminal::printable(tid.trim())
        ))
        .with_hint("get a token for this tenant (Connect-AzAccount -Tenant ...; Get-AzAccessToken), or correct PHOTOSYNC_TENANT_ID")),
        _ => Ok(()),
    }
}

/// A tenant given as its id (GUID text), not as a domain name.
fn uuid_like(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn ready_token(token: &Secret, resource: Resource, resource_id: &str) -> Result<AccessToken> {
    let claims = TokenClaims::read(token);
    let app_id = match resource {
        Resource::Graph => GRAPH_APP_ID,
        Resource::SharePoint => SHAREPOINT_APP_ID,
    };
    let audiences = claims.as_ref().map(|c| c.aud.clone()).unwrap_or_default();
    let for_this_resource = audiences.iter().any(|a| {
        let a = a.trim_end_matches('/');
        a.eq_ignore_ascii_case(resource_id) || a.eq_ignore_ascii_case(app_id)
    });
    if !for_this_resource {
        let minted_for = if audiences.is_empty() {
            "no audience it shows".to_string()
        } else {
            crate::terminal::printable(&audiences.join(", "))
        };
        let why = match resource {
            Resource::Graph => "it is not sent to the Graph URL",
            Resource::SharePoint => "SharePoint accepts a token only on the host it was minted for",
        };
        return Err(Error::new(
            ErrorCode::CredentialNotSupported,
            ErrorClass::Config,
            format!("the ready access token is for {minted_for}, not {resource_id}: {why}"),
        )
        .with_hint("a ready token serves one resource: get one for this resource (Get-AzAccessToken -ResourceUrl ...), or use a certificate or managed identity to reach Graph and each SharePoint host"));
    }
    if let Some(exp) = claims.as_ref().and_then(|c| c.exp)
        && dead::has_expired(exp)
    {
        return Err(dead::expired_token(exp));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let lifetime = claims
        .and_then(|c| c.exp)
        .map(|exp| std::time::Duration::from_secs(exp.saturating_sub(now)))
        .unwrap_or(std::time::Duration::from_secs(3600));
    Ok(AccessToken::new(token.clone(), lifetime))
}

/// Turn a token endpoint's answer into a token or an explained error. `secrets` are scrubbed
/// from any text the service echoed back.
fn token_answer(resp: &Response, what: &str, secrets: &[&str]) -> Result<AccessToken> {
    if resp.is_success() {
        return token::parse_token_body(&resp.body, what);
    }
    let (code, message) = match resp.service_error() {
        Some(e) => (e.code, e.message),
        None => (format!("HTTP {}", resp.status), String::new()),
    };
    let mut text = format!("{what} refused the credential ({code}");
    if !message.is_empty() {
        text.push_str(": ");
        text.push_str(&message);
    }
    text.push(')');
    // A service may echo the request back: the secret as sent (form-encoded, percent-encoded)
    // as well as raw.
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        for form in [
            s.to_string(),
            crate::http::form_encode(s),
            crate::http::percent_encode(s),
        ] {
            text = text.replace(&form, "***");
        }
    }
    Err(Error::new(ErrorCode::AuthFailed, ErrorClass::Auth, text).with_hint(hint_for(&message)))
}

fn hint_for(message: &str) -> String {
    let tips: &[(&str, &str)] = &[
        (
            "AADSTS7000215",
            "the client secret is wrong: use the secret's Value, not its Secret ID",
        ),
        (
            "AADSTS7000222",
            "the client secret has expired: create a new one in the app registration",
        ),
        (
            "AADSTS700016",
            "the application was not found in this tenant: check PHOTOSYNC_CLIENT_ID and PHOTOSYNC_TENANT_ID",
        ),
        (
            "AADSTS90002",
            "the tenant was not found: check PHOTOSYNC_TENANT_ID",
        ),
        (
            "AADSTS700027",
            "the certificate is not registered on the app (or the assertion is invalid): upload the certificate's public part to the app registration",
        ),
        (
            "AADSTS500011",
            "the resource was not found in the tenant: check PHOTOSYNC_SHAREPOINT_URL",
        ),
        (
            "Identity not found",
            "no managed identity is assigned: enable the machine's system-assigned identity, or set PHOTOSYNC_CLIENT_ID to a user-assigned identity attached to it",
        ),
    ];
    tips.iter()
        .find(|(code, _)| message.contains(code))
        .map(|(_, tip)| tip.to_string())
        .unwrap_or_else(|| {
            "check the tenant id, client id and credential; `photosync auth test` shows what works"
                .to_string()
        })
}

fn credential_from_settings(s: &CloudSettings) -> Result<Credential> {
    use crate::settings::env::{CLIENT_ID, TENANT_ID};
    let kind = match s.auth {
        Some(kind) => kind,
        // A credential given for the run beats one the config file holds (a stale token there
        // must not replace the secret or certificate the run was started with).
        None if !s.given_for_run.is_empty() => s.given_for_run[0],
        None => {
            if s.access_token.is_some() {
                CredentialKind::Token
            } else if s.certificate_path.is_some() {
                CredentialKind::Certificate
            } else if s.client_secret.is_some() {
                CredentialKind::Secret
            } else if s.identity_endpoint.is_some() || s.msi_endpoint.is_some() {
                CredentialKind::ManagedIdentity
            } else {
                return Err(Error::config(
                    "no credential is configured for Microsoft 365",
                )
                .with_hint("set PHOTOSYNC_CERTIFICATE_PATH, PHOTOSYNC_CLIENT_SECRET, PHOTOSYNC_ACCESS_TOKEN, or PHOTOSYNC_AUTH=managed-identity (see docs/auth.md)"));
            }
        }
    };
    Ok(match kind {
        CredentialKind::Token => {
            let token = s.access_token.as_ref().ok_or_else(|| {
                Error::config("PHOTOSYNC_AUTH=token but no access token is set")
                    .with_hint("set PHOTOSYNC_ACCESS_TOKEN or PHOTOSYNC_ACCESS_TOKEN_FILE")
            })?;
            // An Authorization header copied whole: the token is what follows `Bearer `.
            let token = match token.expose().trim().get(..7) {
                Some(head) if head.eq_ignore_ascii_case("bearer ") => {
                    Secret::new(token.expose().trim()[7..].trim())
                }
                _ => token.clone(),
            };
            refuse_another_tenant(&token, s.tenant_id.as_deref())?;
            Credential::Token { token }
        }
        CredentialKind::Secret => Credential::Secret {
            tenant: required(&s.tenant_id, "the tenant id", TENANT_ID.name)?,
            client_id: required(&s.client_id, "the client id", CLIENT_ID.name)?,
            secret: s.client_secret.clone().ok_or_else(|| {
                Error::config("PHOTOSYNC_AUTH=secret but no client secret is set")
                    .with_hint("set PHOTOSYNC_CLIENT_SECRET or PHOTOSYNC_CLIENT_SECRET_FILE")
            })?,
        },
        CredentialKind::Certificate => {
            let path = s.certificate_path.as_ref().ok_or_else(|| {
                Error::config("PHOTOSYNC_AUTH=certificate but no certificate is set")
                    .with_hint("set PHOTOSYNC_CERTIFICATE_PATH to a PEM or PFX file")
            })?;
            let algorithm =
                AssertionAlgorithm::parse(s.certificate_algorithm.as_deref().unwrap_or(""))?;
            Credential::Certificate {
                tenant: required(&s.tenant_id, "the tenant id", TENANT_ID.name)?,
                client_id: required(&s.client_id, "the client id", CLIENT_ID.name)?,
                cert: Certificate::load(path, s.certificate_password.as_ref(), algorithm)?,
            }
        }
        CredentialKind::ManagedIdentity => {
            let client_id = s.client_id.clone().filter(|c| !c.trim().is_empty());
            Credential::ManagedIdentity {
                endpoint: ManagedIdentityEndpoint::from_settings(s, client_id.as_deref())?,
                client_id,
            }
        }
    })
}

/// A bearer source for one resource (one origin, for SharePoint), handed to the HTTP client.
#[derive(Clone)]
pub struct TokenSource {
    auth: Arc<Authenticator>,
    resource: Resource,
    /// For SharePoint: the origin its tokens are minted for (`None`: the admin site).
    sharepoint_origin: Option<String>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("resource", &self.resource)
            .field("sharepoint_origin", &self.sharepoint_origin)
            .finish()
    }
}

impl TokenSource {
    async fn current(&self) -> Result<AccessToken> {
        match &self.sharepoint_origin {
            Some(origin) => self.auth.sharepoint_token(origin).await,
            None => self.auth.token(self.resource).await,
        }
    }

    /// The permissions the current token claims (roles and scopes); empty when the token is
    /// opaque or cannot be obtained. For explaining refusals, never for deciding access.
    pub async fn permissions(&self) -> Vec<String> {
        match self.current().await {
            Ok(t) => token::TokenClaims::read(&t.value)
                .map(|c| c.permissions())
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }
}

#[async_trait]
impl BearerSource for TokenSource {
    async fn bearer(&self) -> Result<Secret> {
        Ok(self.current().await?.value)
    }

    async fn rejected(&self, used: &Secret) -> bool {
        self.auth.invalidate(self, used).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_resource_follows_national_clouds_but_not_emulators() {
        let global = NationalCloud::Global;
        assert_eq!(
            graph_resource("https://graph.microsoft.com", global),
            "https://graph.microsoft.com"
        );
        assert_eq!(
            graph_resource("https://graph.microsoft.us/", global),
            "https://graph.microsoft.us"
        );
        assert_eq!(
            graph_resource("http://127.0.0.1:8080", global),
            "https://graph.microsoft.com"
        );
        // A stand-in for a national cloud's Graph gets tokens scoped to that cloud's Graph.
        assert_eq!(
            graph_resource("http://127.0.0.1:8080", NationalCloud::Usgovdod),
            "https://dod-graph.microsoft.us"
        );
    }

    #[test]
    fn credential_choice_follows_settings() {
        let mut s = CloudSettings {
            graph_url: "https://graph.microsoft.com".into(),
            login_url: "https://login.microsoftonline.com".into(),
            ..CloudSettings::default()
        };
        assert!(credential_from_settings(&s).is_err());
        s.client_secret = Some(Secret::new("s3cr3t-value"));
        let err = credential_from_settings(&s).expect_err("tenant missing");
        assert_eq!(err.class, ErrorClass::Config);
        s.tenant_id = Some("t".into());
        s.client_id = Some("c".into());
        assert!(matches!(
            credential_from_settings(&s),
            Ok(Credential::Secret { .. })
        ));
        s.auth = Some(CredentialKind::ManagedIdentity);
        assert!(matches!(
            credential_from_settings(&s),
            Ok(Credential::ManagedIdentity {
                endpoint: ManagedIdentityEndpoint::Imds { .. },
                ..
            })
        ));
        s.auth = Some(CredentialKind::Token);
        assert!(credential_from_settings(&s).is_err(), "no token configured");
    }

    // Regression: a ready token left in the config file replaced the client secret the run was
    // started with (a token is first in the default order, whatever layer it came from).
    #[test]
    fn a_credential_given_for_the_run_beats_one_in_the_config_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("photosync.conf");
        std::fs::write(
            &config,
            "PHOTOSYNC_ACCESS_TOKEN=eyJhbGciOiJub25lIn0.e30.sig\n",
        )
        .expect("config");
        let config = config.to_str().expect("utf-8").to_string();
        let env = |pairs: Vec<(&'static str, String)>| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
            }
        };
        let run = env(vec![
            ("PHOTOSYNC_CONFIG", config.clone()),
            ("PHOTOSYNC_TENANT_ID", "t".into()),
            ("PHOTOSYNC_CLIENT_ID", "c".into()),
            ("PHOTOSYNC_CLIENT_SECRET", "s3cr3t-value".into()),
        ]);
        let flags = crate::settings::Flags::default();
        let settings = crate::settings::Settings::resolve_with(&flags, &run).expect("settings");
        assert!(matches!(
            credential_from_settings(&settings.cloud),
            Ok(Credential::Secret { .. })
        ));
        // With nothing given for the run, the config file's token is the credential.
        let only_config = env(vec![("PHOTOSYNC_CONFIG", config)]);
        let settings =
            crate::settings::Settings::resolve_with(&flags, &only_config).expect("settings");
        assert!(matches!(
            credential_from_settings(&settings.cloud),
            Ok(Credential::Token { .. })
        ));
    }

    // Regression: a ready token from another tenant than PHOTOSYNC_TENANT_ID was sent to Graph,
    // and one pasted with its `Bearer ` prefix passed `auth test` and then failed every call.
    #[test]
    fn a_ready_token_is_held_to_the_tenant_and_freed_of_a_bearer_prefix() {
        use base64::Engine;
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = |tid: &str| {
            format!(
                "{}.{}.sig",
                enc.encode(br#"{"alg":"none"}"#),
                enc.encode(
                    serde_json::json!({ "aud": "https://graph.microsoft.com", "tid": tid })
                        .to_string()
                )
            )
        };
        let ours = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        let theirs = "99999999-9999-4999-8999-999999999999";
        let settings = |token: String, tenant: Option<&str>| CloudSettings {
            auth: Some(CredentialKind::Token),
            access_token: Some(Secret::new(token)),
            tenant_id: tenant.map(str::to_string),
            ..CloudSettings::default()
        };
        let Err(err) = credential_from_settings(&settings(token(theirs), Some(ours))) else {
            panic!("a token of another tenant was taken");
        };
        assert_eq!(err.class, ErrorClass::Config);
        assert!(
            err.message.contains(theirs) && err.message.contains(ours),
            "{}",
            err.message
        );
        for tenant in [Some(ours), Some("contoso.onmicrosoft.com"), None] {
            assert!(
                credential_from_settings(&settings(token(ours), tenant)).is_ok(),
                "{tenant:?}"
            );
        }
        match credential_from_settings(&settings(format!("Bearer {}", token(ours)), Some(ours))) {
            Ok(Credential::Token { token: got }) => assert_eq!(got.expose(), token(ours)),
            _ => panic!("a token with its Bearer prefix"),
        }
    }

    /// SharePoint checks the audience per host (spec §12): a ready token is served only to
    /// the origin it names (or for SharePoint's app id), never to another SharePoint host.
    #[test]
    fn a_ready_sharepoint_token_serves_only_its_own_host() {
        use base64::Engine;
        let jwt = |aud: &str| {
            let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            Secret::new(format!(
                "{}.{}.sig",
                enc.encode(br#"{"alg":"none"}"#),
                enc.encode(serde_json::json!({ "aud": aud }).to_string())
            ))
        };
        let admin = "https://contoso-admin.sharepoint.com";
        let my = "https://contoso-my.sharepoint.com";
        assert!(ready_token(&jwt(admin), Resource::SharePoint, admin).is_ok());
        assert!(ready_token(&jwt(&format!("{admin}/")), Resource::SharePoint, admin).is_ok());
        let err = ready_token(&jwt(admin), Resource::SharePoint, my).expect_err("other host");
        assert!(err.message.contains(my), "{}", err.message);
        assert!(ready_token(&jwt(SHAREPOINT_APP_ID), Resource::SharePoint, my).is_ok());
        assert!(ready_token(&Secret::new("opaque"), Resource::SharePoint, my).is_err());
        // Graph: its own audience (URL or app id), nothing else.
        let graph = "https://graph.microsoft.com";
        assert!(ready_token(&jwt(graph), Resource::Graph, graph).is_ok());
        assert!(ready_token(&jwt(GRAPH_APP_ID), Resource::Graph, graph).is_ok());
        let err = ready_token(&jwt(admin), Resource::Graph, graph).expect_err("not graph");
        assert!(err.message.contains(admin), "{}", err.message);
        assert!(ready_token(&jwt(graph), Resource::Graph, "https://graph.microsoft.us").is_err());
        assert!(ready_token(&Secret::new("opaque"), Resource::Graph, graph).is_err());
    }

    #[test]
    fn secrets_are_scrubbed_from_service_messages() {
        let resp = Response {
            status: 401,
            headers: Default::default(),
            body: bytes::Bytes::from_static(
                br#"{"error":"invalid_client","error_description":"AADSTS7000215: bad secret s3cr3t-value"}"#,
            ),
        };
        let err =
            token_answer(&resp, "the token endpoint", &["s3cr3t-value"]).expect_err("refused");
        assert!(!err.message.contains("s3cr3t-value"), "{}", err.message);
        assert!(err.hint.as_deref().unwrap_or_default().contains("Value"));
        assert_eq!(err.class, ErrorClass::Auth);
    }

    // Regression: a token endpoint echoing the request body showed the secret form-encoded
    // (`client_secret=S3cr3t%7EVALUE%2B…`), which the raw-text scrub missed.
    #[test]
    fn a_secret_echoed_as_the_request_encoded_it_is_scrubbed() {
        let secret = "S3cr3t~VALUE+leak check&x=1";
        let echoed = format!(
            r#"{{"error":"invalid_client","error_description":"bad request: client_secret={}; again {}"}}"#,
            crate::http::form_encode(secret),
            crate::http::percent_encode(secret)
        );
        let resp = Response {
            status: 401,
            headers: Default::default(),
            body: bytes::Bytes::from(echoed),
        };
        let err = token_answer(&resp, "the token endpoint", &[secret]).expect_err("refused");
        assert!(!err.message.contains("S3cr3t"), "{}", err.message);
        assert!(err.message.contains("client_secret=***"), "{}", err.message);
    }
}
