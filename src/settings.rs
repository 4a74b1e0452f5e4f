//! Settings: flags > environment > optional config file, resolved once into `Settings`.
//!
//! Every `PHOTOSYNC_*` variable is declared here and nowhere else; commands read `Settings`,
//! never the environment. Secrets (client secret, certificate password, access token, LDAP
//! password) come only from the environment or files, never from argv, and `Debug` redacts them.

use std::fmt;
use std::path::PathBuf;

/// Every environment variable photosync reads, with what it means (printed by `--help`).
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        ENV_CONFIG,
        "path of a TOML-free `KEY=VALUE` config file (lowest precedence)",
    ),
    (ENV_TENANT_ID, "Entra tenant id or domain"),
    (ENV_CLIENT_ID, "application (client) id"),
    (ENV_CLIENT_SECRET, "client secret (Graph only; secret)"),
    (ENV_CLIENT_SECRET_FILE, "file holding the client secret"),
    (
        ENV_CERTIFICATE_PATH,
        "certificate for app-only auth: PEM (cert + key) or PFX",
    ),
    (ENV_CERTIFICATE_PASSWORD, "PFX password (secret)"),
    (
        ENV_ACCESS_TOKEN,
        "a ready access token, e.g. from Get-AzAccessToken (secret)",
    ),
    (ENV_ACCESS_TOKEN_FILE, "file holding a ready access token"),
    (ENV_AUTH, "secret | certificate | managed-identity | token"),
    (
        ENV_GRAPH_URL,
        "Microsoft Graph base URL (default https://graph.microsoft.com)",
    ),
    (
        ENV_LOGIN_URL,
        "identity platform base URL (default https://login.microsoftonline.com)",
    ),
    (
        ENV_SHAREPOINT_URL,
        "SharePoint base URL, e.g. https://contoso-admin.sharepoint.com",
    ),
    (
        ENV_LDAP_URL,
        "ldaps://dc.example.com or ldap://dc.example.com (StartTLS)",
    ),
    (ENV_LDAP_BIND_DN, "bind DN or UPN for simple bind"),
    (ENV_LDAP_PASSWORD, "LDAP bind password (secret)"),
    (
        ENV_LDAP_PASSWORD_FILE,
        "file holding the LDAP bind password",
    ),
    (ENV_LDAP_BASE_DN, "search base, e.g. DC=example,DC=com"),
    (
        ENV_LDAP_CA_FILE,
        "PEM CA bundle to verify the directory's certificate",
    ),
    (
        ENV_LDAP_ALLOW_PLAINTEXT,
        "1 = allow a simple bind over plain ldap:// without StartTLS (insecure; password sent in clear)",
    ),
    (
        ENV_LDAP_PHOTO_ATTRIBUTE,
        "AD photo attribute: thumbnailPhoto (default) or jpegPhoto",
    ),
];

pub const ENV_CONFIG: &str = "PHOTOSYNC_CONFIG";
pub const ENV_TENANT_ID: &str = "PHOTOSYNC_TENANT_ID";
pub const ENV_CLIENT_ID: &str = "PHOTOSYNC_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "PHOTOSYNC_CLIENT_SECRET";
pub const ENV_CLIENT_SECRET_FILE: &str = "PHOTOSYNC_CLIENT_SECRET_FILE";
pub const ENV_CERTIFICATE_PATH: &str = "PHOTOSYNC_CERTIFICATE_PATH";
pub const ENV_CERTIFICATE_PASSWORD: &str = "PHOTOSYNC_CERTIFICATE_PASSWORD";
pub const ENV_ACCESS_TOKEN: &str = "PHOTOSYNC_ACCESS_TOKEN";
pub const ENV_ACCESS_TOKEN_FILE: &str = "PHOTOSYNC_ACCESS_TOKEN_FILE";
pub const ENV_AUTH: &str = "PHOTOSYNC_AUTH";
pub const ENV_GRAPH_URL: &str = "PHOTOSYNC_GRAPH_URL";
pub const ENV_LOGIN_URL: &str = "PHOTOSYNC_LOGIN_URL";
pub const ENV_SHAREPOINT_URL: &str = "PHOTOSYNC_SHAREPOINT_URL";
pub const ENV_LDAP_URL: &str = "PHOTOSYNC_LDAP_URL";
pub const ENV_LDAP_BIND_DN: &str = "PHOTOSYNC_LDAP_BIND_DN";
pub const ENV_LDAP_PASSWORD: &str = "PHOTOSYNC_LDAP_PASSWORD";
pub const ENV_LDAP_PASSWORD_FILE: &str = "PHOTOSYNC_LDAP_PASSWORD_FILE";
pub const ENV_LDAP_BASE_DN: &str = "PHOTOSYNC_LDAP_BASE_DN";
pub const ENV_LDAP_CA_FILE: &str = "PHOTOSYNC_LDAP_CA_FILE";
pub const ENV_LDAP_ALLOW_PLAINTEXT: &str = "PHOTOSYNC_LDAP_ALLOW_PLAINTEXT";
pub const ENV_LDAP_PHOTO_ATTRIBUTE: &str = "PHOTOSYNC_LDAP_PHOTO_ATTRIBUTE";

/// A secret string: never printed by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The only way to get the value out: call sites are easy to audit.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Connection settings for the cloud and the directory, resolved once.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub certificate_path: Option<PathBuf>,
    pub certificate_password: Option<Secret>,
    pub access_token: Option<Secret>,
    pub auth: Option<String>,
    pub graph_url: String,
    pub login_url: String,
    pub sharepoint_url: Option<String>,
    pub ldap_url: Option<String>,
    pub ldap_bind_dn: Option<String>,
    pub ldap_password: Option<Secret>,
    pub ldap_base_dn: Option<String>,
    pub ldap_ca_file: Option<PathBuf>,
    /// Explicit opt-in to a simple bind over an unencrypted connection.
    pub ldap_allow_plaintext: bool,
    /// `thumbnailPhoto` (default) or `jpegPhoto`.
    pub ldap_photo_attribute: Option<String>,
}

pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
pub const DEFAULT_LOGIN_URL: &str = "https://login.microsoftonline.com";
