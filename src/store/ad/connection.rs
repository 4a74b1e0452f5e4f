//! Connecting to the directory safely: TLS (LDAPS or StartTLS) with a verified certificate,
//! then a simple bind, and LDAP result codes turned into errors a person can act on.
//!
//! A password never crosses the wire in clear unless the operator said so explicitly
//! (`PHOTOSYNC_LDAP_ALLOW_PLAINTEXT=1`), and an empty password is refused because LDAP would
//! treat it as an anonymous bind that "succeeds" and then sees nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::{Error, ErrorClass, Result};
use crate::schema::ErrorCode;
use crate::settings::env::{
    LDAP_ALLOW_PLAINTEXT, LDAP_BIND_DN, LDAP_CA_FILE, LDAP_PASSWORD, LDAP_PASSWORD_FILE, LDAP_URL,
};
use crate::settings::{DirectorySettings, Secret};

/// How to reach and authenticate to the directory.
#[derive(Debug, Clone)]
pub struct AdConnection {
    pub url: String,
    pub bind_dn: String,
    pub password: Secret,
    pub ca_file: Option<PathBuf>,
    pub allow_plaintext: bool,
    pub timeout: Duration,
}

/// How the connection is protected, decided from the URL and the plaintext opt-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Ldaps,
    StartTls,
    Plain,
}

impl AdConnection {
    pub fn from_settings(settings: &DirectorySettings) -> Result<Self> {
        let url = settings.url.clone().ok_or_else(|| {
            Error::config("no directory URL configured for the `ad` store").with_hint(format!(
                "set {LDAP_URL}=ldaps://dc.example.com (or ldap://… for StartTLS)"
            ))
        })?;
        let bind_dn = settings.bind_dn.clone().ok_or_else(|| {
            Error::config("no bind account configured for the `ad` store").with_hint(format!(
                "set {LDAP_BIND_DN} to a DN or UPN (svc-photos@example.com)"
            ))
        })?;
        let password = settings
            .password
            .clone()
            .filter(|p| !p.expose().is_empty())
            .ok_or_else(|| {
                Error::config("no password for the LDAP bind account").with_hint(format!(
                    "set {LDAP_PASSWORD} or {LDAP_PASSWORD_FILE} (an empty password \
                     would be an anonymous bind)"
                ))
            })?;
        Ok(AdConnection {
            url,
            bind_dn,
            password,
            ca_file: settings.ca_file.clone(),
            allow_plaintext: settings.allow_plaintext,
            timeout: Duration::from_secs(30),
        })
    }

    pub fn transport(&self) -> Result<Transport> {
        let scheme = self
            .url
            .split_once("://")
            .map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("ldaps") => Ok(Transport::Ldaps),
            Some("ldap") if self.allow_plaintext => Ok(Transport::Plain),
            Some("ldap") => Ok(Transport::StartTls),
            _ => Err(
                Error::config(format!("`{}` is not an ldaps:// or ldap:// URL", self.url))
                    .with_hint(
                        "use ldaps://dc.example.com:636 or ldap://dc.example.com:389 (StartTLS)",
                    ),
            ),
        }
    }

    /// Connect, secure the channel, and bind. The returned handle is multiplexed: clone it
    /// for concurrent operations.
    pub async fn open(&self) -> Result<Ldap> {
        let transport = self.transport()?;
        let mut settings = LdapConnSettings::new().set_conn_timeout(self.timeout);
        if transport != Transport::Plain {
            settings = settings
                .set_config(Arc::new(tls_config(self.ca_file.as_deref())?))
                .set_starttls(transport == Transport::StartTls);
        } else {
            tracing::warn!("{LDAP_ALLOW_PLAINTEXT} is set: binding over an unencrypted connection");
        }
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.url)
            .await
            .map_err(|e| match e {
                // The only LDAP operation before the bind: the server answered StartTLS, no.
                LdapError::LdapResult { result } => self.starttls_refused(&result),
                e => self.connect_error(e),
            })?;
        ldap3::drive!(conn);
        ldap.with_timeout(self.timeout);
        let bound = ldap
            .simple_bind(&self.bind_dn, self.password.expose())
            .await
            .map_err(|e| self.connect_error(e))?;
        if bound.rc != 0 {
            return Err(self.bind_error(bound.rc, &bound.text));
        }
        Ok(ldap)
    }

    /// A directory that answers StartTLS with an error offers no TLS on this port: a setting
    /// to change, not a network fault to retry.
    fn starttls_refused(&self, result: &ldap3::LdapResult) -> Error {
        Error::new(
            ErrorCode::Config,
            ErrorClass::Config,
            format!(
                "the directory at {} refused StartTLS (LDAP result {}{}): it offers no TLS on this port, and the password is never sent unencrypted",
                self.url,
                result.rc,
                if result.text.is_empty() { String::new() } else { format!(", {}", result.text.trim()) }
            ),
        )
        .with_hint(format!(
            "use ldaps:// (port 636) or give the DC a certificate for LDAP; only on a network you trust, {LDAP_ALLOW_PLAINTEXT}=1 binds without TLS"
        ))
    }

    fn connect_error(&self, e: LdapError) -> Error {
        let text = error_chain(&e);
        if text.contains("certificate") || text.contains("Certificate") || text.contains("TLS") {
            let ca = match &self.ca_file {
                Some(path) => format!("the CA in {}", path.display()),
                None => "the system's trusted CAs".to_string(),
            };
            return Error::new(
                ErrorCode::Config,
                ErrorClass::Config,
                format!(
                    "TLS with {} failed, the directory's certificate could not be verified \
                     against {ca}: {text}",
                    self.url
                ),
            )
            .with_hint(format!(
                "set {LDAP_CA_FILE} to the PEM of the CA that issued the DC's certificate, \
                 and use a host name or IP the certificate names (subjectAltName)"
            ));
        }
        Error::new(
            ErrorCode::Transient,
            ErrorClass::Transient,
            format!("cannot reach the directory at {}: {text}", self.url),
        )
        .with_hint("check the URL, the port (636 for ldaps, 389 for ldap) and the firewall")
    }

    fn bind_error(&self, rc: u32, text: &str) -> Error {
        let detail = if text.is_empty() {
            String::new()
        } else {
            format!(" ({})", text.trim())
        };
        match rc {
            49 => Error::new(
                ErrorCode::AuthFailed,
                ErrorClass::Auth,
                format!(
                    "the directory rejected the bind as `{}`: invalid credentials{detail}",
                    self.bind_dn
                ),
            )
            .with_hint(format!(
                "check {LDAP_BIND_DN} (a full DN or a UPN like svc@example.com) and \
                 {LDAP_PASSWORD}; the account may also be disabled, locked or expired"
            )),
            8 | 13 => Error::new(
                ErrorCode::AuthFailed,
                ErrorClass::Auth,
                format!("the directory requires an encrypted connection for this bind{detail}"),
            )
            .with_hint("use ldaps:// or ldap:// without PHOTOSYNC_LDAP_ALLOW_PLAINTEXT (StartTLS)"),
            _ => Error::new(
                ErrorCode::AuthFailed,
                ErrorClass::Auth,
                format!(
                    "the bind as `{}` failed with LDAP result {rc}{detail}",
                    self.bind_dn
                ),
            )
            .with_hint("check the bind account and the directory's logs"),
        }
    }
}

/// Roots: the CA file if one is given (only it is trusted), else the system store, which
/// honours `SSL_CERT_FILE`/`SSL_CERT_DIR`.
pub fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<std::result::Result<_, _>>())
                .map_err(|e| {
                    Error::config(format!("cannot read the CA file {}: {e}", path.display()))
                        .with_hint(format!(
                            "{LDAP_CA_FILE} must be a PEM file of CA certificates"
                        ))
                })?;
            if certs.is_empty() {
                return Err(Error::config(format!(
                    "the CA file {} holds no PEM certificate",
                    path.display()
                ))
                .with_hint(format!(
                    "{LDAP_CA_FILE} must be a PEM file of CA certificates"
                )));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| {
                    Error::config(format!(
                        "the CA file {} holds an unusable certificate: {e}",
                        path.display()
                    ))
                })?;
            }
        }
        None => {
            let native = rustls_native_certs::load_native_certs();
            for e in &native.errors {
                tracing::debug!("skipping a system CA: {e}");
            }
            roots.add_parsable_certificates(native.certs);
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// The error and its causes in one line (rustls' reason sits a few sources deep).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

/// An LDAP result code from an operation on one user, as a per-user error.
pub fn operation_error(what: &str, rc: u32, text: &str) -> Error {
    let detail = if text.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", text.trim())
    };
    let (code, class, hint) = match rc {
        50 => (
            ErrorCode::PermissionDenied,
            ErrorClass::Permission,
            "grant the bind account write access to thumbnailPhoto (delegate \"Write \
             thumbnailPhoto\" on the users' OU)",
        ),
        19 | 21 => (
            ErrorCode::StoreRejected,
            ErrorClass::Failed,
            "AD allows at most 102400 bytes in thumbnailPhoto (Exchange uses only ≤ 10 KB); \
             photosync's ad rendition fits — check the value written",
        ),
        32 => (
            ErrorCode::UserNotFound,
            ErrorClass::NotFound,
            "the object may have been moved or deleted; re-run to resolve it again",
        ),
        4 => (
            ErrorCode::StoreRejected,
            ErrorClass::Failed,
            "the server capped the result size; photosync pages its searches, so check the \
             server's size limits for paged results",
        ),
        51 | 52 => (
            ErrorCode::Transient,
            ErrorClass::Transient,
            "the directory is busy or unavailable; try again later",
        ),
        _ => (
            ErrorCode::StoreRejected,
            ErrorClass::Failed,
            "see the directory's message above",
        ),
    };
    Error::new(
        code,
        class,
        format!("{what} failed (LDAP result {rc}){detail}"),
    )
    .with_hint(hint)
}

/// A library error (network, timeout, protocol) during an operation.
pub fn transport_error(what: &str, e: &LdapError) -> Error {
    if let LdapError::LdapResult { result } = e {
        return operation_error(what, result.rc, &result.text);
    }
    Error::new(
        ErrorCode::Transient,
        ErrorClass::Transient,
        format!("{what} failed: {}", error_chain(e)),
    )
    .with_hint("the connection to the directory failed; try again")
}
