//! Settings: flags > environment > optional config file, resolved once into `Settings`.
//!
//! Every environment variable is declared once, in `env`; commands read `Settings`, never the
//! environment. Settings come in groups (`cloud`, `sharepoint`, `directory`), and each store is
//! opened with only its own groups (see `store::registry`). Secrets (client secret, certificate
//! password, access token, LDAP password) come only from the environment or files, never from
//! argv, and `Debug` redacts them.

mod cloud;
pub mod env;
mod layers;

use std::fmt;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::error::{Error, Result};
pub use cloud::NationalCloud;
use layers::{ConfigFile, Layers, millis, switch};

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

/// The kind of credential (`PHOTOSYNC_AUTH` / `--auth`), as reported by `auth test` and in
/// errors. The one parser of it: clap reads the flag and the variable, the config file goes
/// through the same `ValueEnum`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    #[value(alias = "client-secret")]
    Secret,
    #[value(alias = "cert")]
    Certificate,
    #[value(alias = "msi", alias = "managedidentity")]
    ManagedIdentity,
    Token,
}

impl CredentialKind {
    pub fn name(self) -> &'static str {
        match self {
            CredentialKind::Secret => "secret",
            CredentialKind::Certificate => "certificate",
            CredentialKind::ManagedIdentity => "managed-identity",
            CredentialKind::Token => "token",
        }
    }

    /// Parse a value the way clap does (names, aliases, any case).
    pub fn parse(value: &str) -> Result<Self> {
        <CredentialKind as ValueEnum>::from_str(value.trim(), true).map_err(|_| {
            Error::config(format!("{}=`{value}` is not a credential kind", env::AUTH))
                .with_hint("use secret, certificate, managed-identity or token")
        })
    }
}

/// The `--auth` value: a credential kind, or nothing when the variable is exported empty, which
/// means what an unset one does (every other setting treats an empty value as unset too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthFlag(pub Option<CredentialKind>);

fn auth_flag(value: &str) -> Result<AuthFlag> {
    match value.trim() {
        "" => Ok(AuthFlag(None)),
        kind => CredentialKind::parse(kind).map(|kind| AuthFlag(Some(kind))),
    }
}

/// A file flag: empty (an exported empty variable) means unset, as elsewhere (clap's own path
/// parser refuses it, naming a flag the admin never gave).
fn path_flag() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    use clap::builder::TypedValueParser;
    clap::builder::OsStringValueParser::new().map(PathBuf::from)
}

/// A switch's variable: true/false, yes/no, on/off, 1/0; empty means unset.
fn switch_flag(value: &str) -> std::result::Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "off" | "0" | "n" | "f" => Ok(false),
        "true" | "yes" | "on" | "1" | "y" | "t" => Ok(true),
        other => Err(format!("'{other}' is not a boolean: use true or false")),
    }
}

/// The `--cloud` value; empty (an exported empty variable) means unset, as elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloudFlag(pub Option<NationalCloud>);

fn cloud_flag(value: &str) -> Result<CloudFlag> {
    match value.trim() {
        "" => Ok(CloudFlag(None)),
        name => NationalCloud::parse(name, env::CLOUD.name).map(|c| CloudFlag(Some(c))),
    }
}

/// Resolved settings, in groups: each store sees only its own.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `NO_COLOR` is set (https://no-color.org): never colour the table.
    pub no_color: bool,
    /// `--allow-cloud-only-match`: what the identity gate allows beyond its rules.
    pub allow_cloud_only_match: bool,
    pub cloud: CloudSettings,
    pub sharepoint: SharePointSettings,
    pub directory: DirectorySettings,
}

/// The Microsoft 365 credential and endpoints (`env::Group::Cloud`): what Graph and SharePoint
/// share.
#[derive(Debug, Clone, Default)]
pub struct CloudSettings {
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub certificate_path: Option<PathBuf>,
    pub certificate_password: Option<Secret>,
    /// `rs256` (default) or `ps256`.
    pub certificate_algorithm: Option<String>,
    /// Azure Automation / App Service managed identity endpoint and its header value.
    pub identity_endpoint: Option<String>,
    pub identity_header: Option<Secret>,
    /// Azure Arc: `IMDS_ENDPOINT` beside `IDENTITY_ENDPOINT` (and no `IDENTITY_HEADER`).
    pub imds_endpoint: Option<String>,
    /// The App Service 2017 managed identity endpoint and its secret.
    pub msi_endpoint: Option<String>,
    pub msi_secret: Option<Secret>,
    /// Where Azure Arc challenge key files may be read from (`None`: not Linux or Windows).
    pub arc_key_folder: Option<ArcKeyFolder>,
    /// Azure VM metadata service base URL (default `http://169.254.169.254`).
    pub imds_url: Option<String>,
    /// The IMDS retry unit (default 2 s; tests use a few milliseconds).
    pub imds_retry_unit: Option<std::time::Duration>,
    pub access_token: Option<Secret>,
    pub auth: Option<CredentialKind>,
    /// The credentials given for this run (a flag or the environment), not only by the config
    /// file: without `auth`, one of these is used before any the config file holds.
    pub given_for_run: Vec<CredentialKind>,
    /// The Microsoft cloud the tenant lives in: the default hosts and the Graph token scope.
    pub cloud: NationalCloud,
    /// The cloud's Graph unless set.
    pub graph_url: String,
    /// The cloud's identity platform unless set.
    pub login_url: String,
}

/// Where the tenant's SharePoint lives (`env::Group::SharePoint`).
#[derive(Debug, Clone, Default)]
pub struct SharePointSettings {
    pub url: Option<String>,
    /// The My Site and root hosts when they cannot be derived from `url` (the emulator's
    /// loopback ports).
    pub my_site_url: Option<String>,
    pub root_url: Option<String>,
    /// The Microsoft cloud the tenant lives in (its SharePoint domain).
    pub cloud: NationalCloud,
}

/// The Active Directory connection (`env::Group::Directory`).
#[derive(Debug, Clone, Default)]
pub struct DirectorySettings {
    pub url: Option<String>,
    pub bind_dn: Option<String>,
    pub password: Option<Secret>,
    pub base_dn: Option<String>,
    pub ca_file: Option<PathBuf>,
    /// Explicit opt-in to a simple bind over an unencrypted connection.
    pub allow_plaintext: bool,
    /// `thumbnailPhoto` (default) or `jpegPhoto`.
    pub photo_attribute: Option<String>,
}

/// The folder Azure Arc key files must sit in (directly), as the path prefix they must start with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArcKeyFolder {
    /// Ends with the platform's path separator.
    pub path: String,
    /// Set from `PHOTOSYNC_TEST_ONLY_ARC_KEY_DIR`, not the agent's own folder.
    pub for_tests: bool,
}

impl ArcKeyFolder {
    /// The Azure Connected Machine agent's folder on this platform (msal-node `AzureArc.ts`:
    /// `/var/opt/azcmagent/tokens/` on Linux, `%ProgramData%\AzureConnectedMachineAgent\Tokens\`
    /// on Windows); `None` elsewhere, where Arc does not run.
    fn resolve(env: &dyn Fn(&str) -> Option<String>) -> Option<ArcKeyFolder> {
        if let Some(dir) = env(env::TEST_ONLY_ARC_KEY_DIR.name).filter(|d| !d.trim().is_empty()) {
            let sep = std::path::MAIN_SEPARATOR;
            let mut path = dir.trim().to_string();
            if !path.ends_with(sep) {
                path.push(sep);
            }
            return Some(ArcKeyFolder {
                path,
                for_tests: true,
            });
        }
        let path = if cfg!(windows) {
            let data = env(env::PROGRAM_DATA.name).unwrap_or_else(|| "C:\\ProgramData".to_string());
            format!(
                "{}\\AzureConnectedMachineAgent\\Tokens\\",
                data.trim_end_matches('\\')
            )
        } else if cfg!(target_os = "linux") {
            "/var/opt/azcmagent/tokens/".to_string()
        } else {
            return None;
        };
        Some(ArcKeyFolder {
            path,
            for_tests: false,
        })
    }
}

/// The worldwide cloud's hosts (`NationalCloud::Global`).
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
pub const DEFAULT_LOGIN_URL: &str = "https://login.microsoftonline.com";

/// Non-secret settings given as flags; each overrides its environment variable, which clap
/// reads for it (`env`). Help texts come from the variable table. Secrets have no flags on
/// purpose (argv is visible to every process on the machine).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Connection (each overrides its PHOTOSYNC_* variable)")]
pub struct Flags {
    #[arg(long, global = true, hide_env_values = true, value_name = "FILE", value_parser = path_flag(), env = env::CONFIG.name, help = env::CONFIG.meaning)]
    pub config: Option<PathBuf>,
    #[arg(long, global = true, hide_env_values = true, value_name = "TENANT", env = env::TENANT_ID.name, help = env::TENANT_ID.meaning)]
    pub tenant_id: Option<String>,
    #[arg(long, global = true, hide_env_values = true, value_name = "ID", env = env::CLIENT_ID.name, help = env::CLIENT_ID.meaning)]
    pub client_id: Option<String>,
    #[arg(long, global = true, hide_env_values = true, value_name = "FILE", value_parser = path_flag(), env = env::CERTIFICATE_PATH.name, help = env::CERTIFICATE_PATH.meaning)]
    pub certificate_path: Option<PathBuf>,
    #[arg(long, global = true, hide_env_values = true, value_name = "KIND", value_parser = auth_flag, env = env::AUTH.name, help = env::AUTH.meaning)]
    pub auth: Option<AuthFlag>,
    #[arg(long, global = true, hide_env_values = true, value_name = "CLOUD", value_parser = cloud_flag, env = env::CLOUD.name, help = env::CLOUD.meaning)]
    pub cloud: Option<CloudFlag>,
    #[arg(long, global = true, hide_env_values = true, value_name = "URL", env = env::GRAPH_URL.name, help = env::GRAPH_URL.meaning)]
    pub graph_url: Option<String>,
    #[arg(long, global = true, hide_env_values = true, value_name = "URL", env = env::LOGIN_URL.name, help = env::LOGIN_URL.meaning)]
    pub login_url: Option<String>,
    #[arg(long, global = true, hide_env_values = true, value_name = "URL", env = env::SHAREPOINT_URL.name, help = env::SHAREPOINT_URL.meaning)]
    pub sharepoint_url: Option<String>,
    #[arg(long, global = true, hide_env_values = true, value_name = "URL", env = env::LDAP_URL.name, help = env::LDAP_URL.meaning)]
    pub ldap_url: Option<String>,
    #[arg(long, global = true, hide_env_values = true, value_name = "DN", env = env::LDAP_BIND_DN.name, help = env::LDAP_BIND_DN.meaning)]
    pub ldap_bind_dn: Option<String>,
    #[arg(long, global = true, hide_env_values = true, value_name = "DN", env = env::LDAP_BASE_DN.name, help = env::LDAP_BASE_DN.meaning)]
    pub ldap_base_dn: Option<String>,
    #[arg(long, global = true, hide_env_values = true, value_name = "FILE", value_parser = path_flag(), env = env::LDAP_CA_FILE.name, help = env::LDAP_CA_FILE.meaning)]
    pub ldap_ca_file: Option<PathBuf>,
    #[arg(long, global = true, hide_env_values = true, env = env::ALLOW_CLOUD_ONLY_MATCH.name,
          help = env::ALLOW_CLOUD_ONLY_MATCH.meaning, help_heading = "Identity",
          action = clap::ArgAction::SetTrue, value_parser = switch_flag)]
    pub allow_cloud_only_match: bool,
}

impl Settings {
    /// Resolve settings from the process environment: flags > environment > config file.
    pub fn resolve(flags: &Flags) -> Result<Settings> {
        Self::resolve_with(flags, &|key| std::env::var(key).ok())
    }

    /// Resolve with an explicit environment lookup (tests pass a map).
    pub fn resolve_with(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> Result<Settings> {
        use env::*;
        let config_path = flags
            .config
            .clone()
            .filter(|p| !p.as_os_str().is_empty())
            .or_else(|| {
                env(CONFIG.name)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            });
        let file = match config_path {
            Some(path) => ConfigFile::load(&path)?,
            None => ConfigFile::default(),
        };
        let layers = Layers { env, file };
        let auth = match flags.auth {
            Some(AuthFlag(Some(kind))) => Some(kind),
            _ => layers
                .get(AUTH)
                .as_deref()
                .map(CredentialKind::parse)
                .transpose()?,
        };
        let national = match flags.cloud {
            Some(CloudFlag(Some(cloud))) => cloud,
            _ => layers
                .get(CLOUD)
                .map(|v| NationalCloud::parse(&v, CLOUD.name))
                .transpose()?
                .unwrap_or_default(),
        };
        let cloud = CloudSettings {
            tenant_id: layers.text(&flags.tenant_id, TENANT_ID),
            client_id: layers.text(&flags.client_id, CLIENT_ID),
            client_secret: layers.secret(CLIENT_SECRET, Some(CLIENT_SECRET_FILE))?,
            certificate_path: layers.path(&flags.certificate_path, CERTIFICATE_PATH),
            certificate_password: layers.secret(CERTIFICATE_PASSWORD, None)?,
            certificate_algorithm: layers.get(CERTIFICATE_ALGORITHM),
            identity_endpoint: layers.get(IDENTITY_ENDPOINT),
            identity_header: layers.secret(IDENTITY_HEADER, None)?,
            imds_endpoint: layers.get(IMDS_ENDPOINT),
            msi_endpoint: layers.get(MSI_ENDPOINT),
            msi_secret: layers.secret(MSI_SECRET, None)?,
            // The process environment only: a config file cannot redirect key-file reads.
            arc_key_folder: ArcKeyFolder::resolve(env),
            imds_url: layers.get(IMDS_URL),
            imds_retry_unit: millis(layers.get(IMDS_RETRY_MS), IMDS_RETRY_MS)?,
            access_token: layers.secret(ACCESS_TOKEN, Some(ACCESS_TOKEN_FILE))?,
            auth,
            given_for_run: [
                (
                    CredentialKind::Token,
                    [ACCESS_TOKEN, ACCESS_TOKEN_FILE].as_slice(),
                ),
                (CredentialKind::Certificate, &[CERTIFICATE_PATH]),
                (CredentialKind::Secret, &[CLIENT_SECRET, CLIENT_SECRET_FILE]),
            ]
            .into_iter()
            .filter(|(kind, vars)| {
                (*kind == CredentialKind::Certificate
                    && flags
                        .certificate_path
                        .as_ref()
                        .is_some_and(|p| !p.as_os_str().is_empty()))
                    || vars
                        .iter()
                        .any(|v| env(v.name).is_some_and(|v| !v.is_empty()))
            })
            .map(|(kind, _)| kind)
            .collect(),
            cloud: national,
            graph_url: layers
                .text(&flags.graph_url, GRAPH_URL)
                .map(|u| graph_root(&u))
                .unwrap_or_else(|| national.graph_url().to_string()),
            login_url: layers
                .text(&flags.login_url, LOGIN_URL)
                .unwrap_or_else(|| national.login_url().to_string()),
        };
        let sharepoint = SharePointSettings {
            url: layers.text(&flags.sharepoint_url, SHAREPOINT_URL),
            my_site_url: layers.get(SHAREPOINT_MY_SITE_URL),
            root_url: layers.get(SHAREPOINT_ROOT_URL),
            cloud: national,
        };
        let directory = DirectorySettings {
            url: layers.text(&flags.ldap_url, LDAP_URL),
            bind_dn: layers.text(&flags.ldap_bind_dn, LDAP_BIND_DN),
            password: layers.secret(LDAP_PASSWORD, Some(LDAP_PASSWORD_FILE))?,
            base_dn: layers.text(&flags.ldap_base_dn, LDAP_BASE_DN),
            ca_file: layers.path(&flags.ldap_ca_file, LDAP_CA_FILE),
            allow_plaintext: switch(layers.get(LDAP_ALLOW_PLAINTEXT), LDAP_ALLOW_PLAINTEXT)?,
            photo_attribute: layers.get(LDAP_PHOTO_ATTRIBUTE),
        };
        let urls = [
            (GRAPH_URL, Some(&cloud.graph_url)),
            (LOGIN_URL, Some(&cloud.login_url)),
            (IDENTITY_ENDPOINT, cloud.identity_endpoint.as_ref()),
            (SHAREPOINT_URL, sharepoint.url.as_ref()),
            (SHAREPOINT_MY_SITE_URL, sharepoint.my_site_url.as_ref()),
            (SHAREPOINT_ROOT_URL, sharepoint.root_url.as_ref()),
            (LDAP_URL, directory.url.as_ref()),
        ];
        for (var, url) in urls {
            refuse_credentials_in_url(var, url.map(String::as_str))?;
        }
        // The identity endpoint is plain HTTP by design (IMDS, Arc, App Service); the services
        // that get the token or the client secret are not.
        for (var, url) in [
            (GRAPH_URL, Some(&cloud.graph_url)),
            (LOGIN_URL, Some(&cloud.login_url)),
            (SHAREPOINT_URL, sharepoint.url.as_ref()),
            (SHAREPOINT_MY_SITE_URL, sharepoint.my_site_url.as_ref()),
            (SHAREPOINT_ROOT_URL, sharepoint.root_url.as_ref()),
        ] {
            refuse_plain_http(var, url.map(String::as_str))?;
        }
        Ok(Settings {
            no_color: env(NO_COLOR.name).is_some_and(|v| !v.is_empty()),
            allow_cloud_only_match: flags.allow_cloud_only_match
                || switch(layers.get(ALLOW_CLOUD_ONLY_MATCH), ALLOW_CLOUD_ONLY_MATCH)?,
            cloud,
            sharepoint,
            directory,
        })
    }
}

/// A URL with a user name or password in it (`https://user:pass@host`) would be logged with
/// every retried request and sent as Basic authentication beside the token: refused, without
/// echoing it.
fn refuse_credentials_in_url(var: env::Var, url: Option<&str>) -> Result<()> {
    let Some(url) = url else { return Ok(()) };
    let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(Error::config(format!(
            "{} holds a user name or password (user:password@host); a URL never carries credentials",
            var.name
        ))
        .with_hint("give the service's address alone, and the credential in its own settings (see `photosync --help`)"));
    }
    Ok(())
}

/// A service that receives the bearer token or the client secret over plain `http://` hands
/// them to anyone on the path: refused, except on this machine (an emulator, a local proxy).
fn refuse_plain_http(var: env::Var, url: Option<&str>) -> Result<()> {
    let Some(url) = url else { return Ok(()) };
    let Ok(parsed) = url::Url::parse(url.trim()) else {
        return Ok(());
    };
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if parsed.scheme() == "http" && !loopback {
        return Err(Error::config(format!(
            "{} is plain http:// to another machine ({}); the token and the client secret would cross the network unencrypted",
            var.name,
            parsed.host_str().unwrap_or_default()
        ))
        .with_hint("use the service's https:// address (plain http is accepted only for 127.0.0.1, ::1 or localhost)"));
    }
    Ok(())
}

/// The Graph root without a version: most people copy `https://graph.microsoft.com/v1.0`,
/// and the stores append `/v1.0` or `/beta` themselves (a doubled version is a confusing 404).
pub fn graph_root(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    let lower = trimmed.to_ascii_lowercase();
    for version in ["/v1.0", "/beta"] {
        if lower.ends_with(version) {
            return trimmed[..trimmed.len() - version.len()]
                .trim_end_matches('/')
                .to_string();
        }
    }
    trimmed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Regression: `PHOTOSYNC_GRAPH_URL=https://graph.microsoft.com/v1.0` became
    /// `…/v1.0/v1.0/users` and every lookup failed with a 404.
    #[test]
    fn graph_url_with_a_version_suffix_is_accepted() {
        for url in [
            "https://graph.microsoft.com/v1.0",
            "https://graph.microsoft.com/v1.0/",
            "https://graph.microsoft.com/beta",
            "https://graph.microsoft.com/BETA/",
            "https://graph.microsoft.com",
        ] {
            assert_eq!(graph_root(url), "https://graph.microsoft.com", "{url}");
        }
        assert_eq!(
            graph_root("http://127.0.0.1:9/x/v1.0"),
            "http://127.0.0.1:9/x"
        );
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn flags_beat_environment_which_beats_config_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("photosync.conf");
        std::fs::write(
            &config,
            "# comment\nPHOTOSYNC_TENANT_ID=from-file\nPHOTOSYNC_CLIENT_ID=\"file-client\"\nPHOTOSYNC_LDAP_URL=ldap://file\n",
        )
        .expect("write config");
        let env = env_of(&[
            (env::CONFIG.name, config.to_str().expect("utf-8 path")),
            (env::TENANT_ID.name, "from-env"),
            (env::LDAP_URL.name, "ldap://env"),
        ]);
        let flags = Flags {
            ldap_url: Some("ldap://flag".into()),
            ..Default::default()
        };
        let s = Settings::resolve_with(&flags, &env).expect("resolve");
        assert_eq!(s.cloud.tenant_id.as_deref(), Some("from-env"));
        assert_eq!(s.cloud.client_id.as_deref(), Some("file-client"));
        assert_eq!(s.directory.url.as_deref(), Some("ldap://flag"));
        assert_eq!(s.cloud.graph_url, DEFAULT_GRAPH_URL);
    }

    #[test]
    fn secret_files_are_read_and_redacted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "s3cr3t-value\n").expect("write secret");
        let env = env_of(&[(
            env::CLIENT_SECRET_FILE.name,
            secret.to_str().expect("utf-8"),
        )]);
        let s = Settings::resolve_with(&Flags::default(), &env).expect("resolve");
        assert_eq!(
            s.cloud.client_secret.as_ref().map(Secret::expose),
            Some("s3cr3t-value")
        );
        assert!(!format!("{s:?}").contains("s3cr3t"));
    }

    // Regression: a secret left in the config file beat `*_FILE` set in the environment for the
    // run (every plain variable was looked up in every layer before any `*_FILE`).
    #[test]
    fn a_secret_file_in_the_environment_beats_a_secret_in_the_config_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "fresh-secret\n").expect("write secret");
        let config = dir.path().join("photosync.conf");
        std::fs::write(&config, "PHOTOSYNC_CLIENT_SECRET=stale-secret\n").expect("config");
        let env = env_of(&[
            (
                env::CLIENT_SECRET_FILE.name,
                secret.to_str().expect("utf-8"),
            ),
            (env::CONFIG.name, config.to_str().expect("utf-8")),
        ]);
        let s = Settings::resolve_with(&Flags::default(), &env).expect("resolve");
        assert_eq!(
            s.cloud.client_secret.as_ref().map(Secret::expose),
            Some("fresh-secret")
        );
        // Within one layer the value itself still comes first, and the config file still
        // counts when the environment gives neither.
        let only_config = env_of(&[(env::CONFIG.name, config.to_str().expect("utf-8"))]);
        let s = Settings::resolve_with(&Flags::default(), &only_config).expect("resolve");
        assert_eq!(
            s.cloud.client_secret.as_ref().map(Secret::expose),
            Some("stale-secret")
        );
    }

    // Regression: a secret file saved by Windows PowerShell's Out-File (UTF-16) was "stream did
    // not contain valid UTF-8 … check the path and the file's permissions".
    #[test]
    fn a_utf16_secret_file_is_told_to_be_saved_as_utf8() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret");
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("s3cret".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        std::fs::write(&secret, utf16).expect("write secret");
        let env = env_of(&[(
            env::CLIENT_SECRET_FILE.name,
            secret.to_str().expect("utf-8"),
        )]);
        let err = Settings::resolve_with(&Flags::default(), &env).expect_err("utf-16");
        assert!(
            err.hint.as_deref().unwrap_or_default().contains("UTF-8"),
            "{err:?}"
        );
    }

    // Regression: settings accepted only the four canonical credential kinds while auth also
    // matched `msi`, `cert`, `client-secret` and `managedidentity`, so those aliases were
    // refused before they could reach it. One `ValueEnum` parses the flag, the variable and
    // the config file now.
    #[test]
    fn credential_kind_aliases_resolve_from_every_layer() {
        for (value, kind) in [
            ("msi", CredentialKind::ManagedIdentity),
            ("Managed-Identity", CredentialKind::ManagedIdentity),
            ("managedidentity", CredentialKind::ManagedIdentity),
            ("cert", CredentialKind::Certificate),
            ("client-secret", CredentialKind::Secret),
            ("token", CredentialKind::Token),
        ] {
            let s = Settings::resolve_with(&Flags::default(), &env_of(&[(env::AUTH.name, value)]))
                .expect(value);
            assert_eq!(s.cloud.auth, Some(kind), "{value}");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("photosync.conf");
        std::fs::write(&config, "PHOTOSYNC_AUTH=cert\n").expect("write config");
        let env = env_of(&[(env::CONFIG.name, config.to_str().expect("utf-8 path"))]);
        let s = Settings::resolve_with(&Flags::default(), &env).expect("resolve");
        assert_eq!(s.cloud.auth, Some(CredentialKind::Certificate));
        let err =
            Settings::resolve_with(&Flags::default(), &env_of(&[(env::AUTH.name, "kerberos")]))
                .expect_err("not a kind");
        assert_eq!(err.class, crate::error::ErrorClass::Config);
        assert!(
            err.hint
                .as_deref()
                .is_some_and(|h| h.contains("managed-identity"))
        );
    }

    /// Issue 21 §6: each national cloud brings its own sign-in and Graph hosts, from the flag,
    /// the variable or the config file; an explicit URL still wins.
    #[test]
    fn the_cloud_sets_the_default_hosts_and_explicit_urls_still_win() {
        let resolve = |pairs: &[(&str, &str)], flags: Flags| {
            Settings::resolve_with(&flags, &env_of(pairs)).expect("resolve")
        };
        let usgov = resolve(&[(env::CLOUD.name, "usgov")], Flags::default());
        assert_eq!(usgov.cloud.login_url, "https://login.microsoftonline.us");
        assert_eq!(usgov.cloud.graph_url, "https://graph.microsoft.us");
        assert_eq!(usgov.sharepoint.cloud, NationalCloud::Usgov);
        let flags = Flags {
            cloud: Some(CloudFlag(Some(NationalCloud::China))),
            graph_url: Some("https://graph.example.test/v1.0".into()),
            ..Default::default()
        };
        let china = resolve(&[(env::CLOUD.name, "usgov")], flags);
        assert_eq!(china.cloud.cloud, NationalCloud::China);
        assert_eq!(china.cloud.login_url, "https://login.chinacloudapi.cn");
        assert_eq!(china.cloud.graph_url, "https://graph.example.test");
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("photosync.conf");
        std::fs::write(&config, "PHOTOSYNC_CLOUD=usgovdod\n").expect("write config");
        let dod = resolve(
            &[(env::CONFIG.name, config.to_str().expect("utf-8 path"))],
            Flags::default(),
        );
        assert_eq!(dod.cloud.graph_url, "https://dod-graph.microsoft.us");
        let global = resolve(&[(env::CLOUD.name, "")], Flags::default());
        assert_eq!(global.cloud.graph_url, DEFAULT_GRAPH_URL);
        assert_eq!(global.cloud.login_url, DEFAULT_LOGIN_URL);
        let err = Settings::resolve_with(&Flags::default(), &env_of(&[(env::CLOUD.name, "mars")]))
            .expect_err("not a cloud");
        assert!(err.hint.is_some_and(|h| h.contains("usgovdod")));
    }

    #[test]
    fn unknown_config_key_is_a_config_error_naming_the_line_and_the_likely_setting() {
        let err = ConfigFile::parse("# c\nPHOTOSYNC_TENANTID=x\n", "test.conf").expect_err("typo");
        assert_eq!(err.class, crate::error::ErrorClass::Config);
        assert!(err.message.contains("line 2"), "{}", err.message);
        let hint = err.hint.unwrap_or_default();
        assert!(hint.contains(env::TENANT_ID.name), "{hint}");
    }

    /// Windows PowerShell 5.1's `Set-Content -Encoding UTF8` starts a file with a BOM; the
    /// first line is still read as a setting (and a secret file's value has no BOM in it).
    /// A listed environment-only setting is named as such, not as unknown.
    #[test]
    fn a_config_file_with_a_bom_is_read_and_env_only_settings_are_named() {
        ConfigFile::parse("\u{feff}PHOTOSYNC_TENANT_ID=t\n", "test.conf").expect("bom");
        ConfigFile::parse("\u{feff}# settings\nPHOTOSYNC_TENANT_ID=t\n", "test.conf")
            .expect("bom before a comment");
        let err = ConfigFile::parse("PHOTOSYNC_LOG=debug\n", "test.conf").expect_err("env only");
        assert!(err.message.contains("environment only"), "{}", err.message);
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "\u{feff}s3cret\r\n").expect("write");
        let env = env_of(&[(
            env::CLIENT_SECRET_FILE.name,
            secret.to_str().expect("utf-8"),
        )]);
        let settings = Settings::resolve_with(&Flags::default(), &env).expect("resolve");
        assert_eq!(
            settings.cloud.client_secret.as_ref().map(Secret::expose),
            Some("s3cret")
        );
    }

    // Regression (issue 19, item 19): a secret pasted on a line of its own (base64 secrets
    // end in `=`) was echoed as the "unknown setting" in the error record.
    #[test]
    fn a_config_file_error_never_echoes_the_line() {
        for text in [
            "q8Q~hunter2SecretValue==\n",
            "hunter2-secret value\n",
            "PHOTOSYNC_TENANT_ID=t\nhunter2=secret\n",
        ] {
            let err = ConfigFile::parse(text, "test.conf").expect_err(text);
            let all = format!("{} {}", err.message, err.hint.unwrap_or_default());
            assert!(!all.contains("hunter2"), "{all}");
            assert!(all.contains("test.conf line "), "{all}");
        }
    }

    #[test]
    fn a_quote_never_closed_is_refused_without_echoing_the_value() {
        let file = ConfigFile::parse(
            "PHOTOSYNC_TENANT_ID=\"contoso\"\nPHOTOSYNC_CLIENT_ID='app'\n",
            "test.conf",
        )
        .expect("quoted values");
        assert_eq!(file.values["PHOTOSYNC_TENANT_ID"], "contoso");
        assert_eq!(file.values["PHOTOSYNC_CLIENT_ID"], "app");
        for text in [
            "PHOTOSYNC_CLIENT_SECRET=\"hunter2\n",
            "PHOTOSYNC_CLIENT_SECRET='hunter2\"\n",
            "PHOTOSYNC_CLIENT_SECRET=\"\n",
        ] {
            let err = ConfigFile::parse(text, "test.conf").expect_err(text);
            let all = format!("{} {}", err.message, err.hint.unwrap_or_default());
            assert!(all.contains("line 1") && all.contains("quote"), "{all}");
            assert!(!all.contains("hunter2"), "{all}");
        }
    }

    // Regression: a plain-http Graph or login URL on another host received the bearer token or
    // the client secret in clear, without a word on stderr.
    #[test]
    fn plain_http_is_refused_for_a_service_on_another_machine() {
        for var in [env::GRAPH_URL, env::LOGIN_URL, env::SHAREPOINT_URL] {
            let err = Settings::resolve_with(
                &Flags::default(),
                &env_of(&[(var.name, "http://192.0.2.2:18206")]),
            )
            .expect_err(var.name);
            assert!(err.message.contains(var.name), "{}", err.message);
            assert!(err.message.contains("192.0.2.2"), "{}", err.message);
            for local in [
                "http://127.0.0.1:8080",
                "http://[::1]:80",
                "http://localhost:9",
            ] {
                Settings::resolve_with(&Flags::default(), &env_of(&[(var.name, local)]))
                    .expect(local);
            }
            Settings::resolve_with(
                &Flags::default(),
                &env_of(&[(var.name, "https://192.0.2.2")]),
            )
            .expect("https");
        }
        let imds = env_of(&[(env::IDENTITY_ENDPOINT.name, "http://169.254.169.254/x")]);
        Settings::resolve_with(&Flags::default(), &imds).expect("the identity endpoint");
    }

    #[test]
    fn a_url_with_credentials_is_refused_without_echoing_them() {
        for (var, url) in [
            (env::GRAPH_URL, "https://svc:PASSW0RD@graph.example.test"),
            (env::LDAP_URL, "ldaps://admin:PASSW0RD@dc.example.test:636"),
        ] {
            let err = Settings::resolve_with(&Flags::default(), &env_of(&[(var.name, url)]))
                .expect_err(url);
            let all = format!("{} {}", err.message, err.hint.unwrap_or_default());
            assert!(all.contains(var.name), "{all}");
            assert!(!all.contains("PASSW0RD"), "{all}");
        }
        let mail_in_path = env_of(&[(env::GRAPH_URL.name, "https://graph.example.test/a@b")]);
        Settings::resolve_with(&Flags::default(), &mail_in_path).expect("an @ in the path");
    }

    #[test]
    fn missing_secret_file_names_the_variable() {
        let env = env_of(&[(
            env::LDAP_PASSWORD_FILE.name,
            "/nonexistent/photosync-secret",
        )]);
        let err = Settings::resolve_with(&Flags::default(), &env).expect_err("missing");
        assert!(
            err.message.contains(env::LDAP_PASSWORD_FILE.name),
            "{}",
            err.message
        );
    }

    /// The Arc key folder moves only for tests, only through the process environment: a
    /// config file cannot redirect which files photosync reads and sends as a key.
    #[test]
    fn the_arc_key_folder_moves_only_by_the_test_only_environment_variable() {
        let default = Settings::resolve_with(&Flags::default(), &env_of(&[]))
            .expect("resolve")
            .cloud
            .arc_key_folder;
        if cfg!(target_os = "linux") {
            assert_eq!(
                default,
                Some(ArcKeyFolder {
                    path: "/var/opt/azcmagent/tokens/".into(),
                    for_tests: false
                })
            );
        }
        let env = env_of(&[(env::TEST_ONLY_ARC_KEY_DIR.name, "/tmp/keys")]);
        let moved = Settings::resolve_with(&Flags::default(), &env)
            .expect("resolve")
            .cloud
            .arc_key_folder
            .expect("folder");
        assert!(moved.for_tests);
        assert_eq!(
            moved.path,
            format!("/tmp/keys{}", std::path::MAIN_SEPARATOR)
        );
        let err = ConfigFile::parse("PHOTOSYNC_TEST_ONLY_ARC_KEY_DIR=/tmp/keys\n", "test.conf")
            .expect_err("not a config-file setting");
        assert!(err.message.contains("unknown setting"), "{}", err.message);
        assert!(!env::TEST_ONLY_ARC_KEY_DIR.listed());
    }

    #[test]
    fn imds_retry_unit_is_milliseconds() {
        let resolve = |v: &str| {
            Settings::resolve_with(&Flags::default(), &env_of(&[(env::IMDS_RETRY_MS.name, v)]))
        };
        assert_eq!(
            resolve("5").expect("ms").cloud.imds_retry_unit,
            Some(std::time::Duration::from_millis(5))
        );
        assert!(resolve("soon").is_err());
    }

    #[test]
    fn plaintext_ldap_needs_an_explicit_switch() {
        let resolve = |pairs: &[(&str, &str)]| {
            let env = env_of(pairs);
            Settings::resolve_with(&Flags::default(), &env)
        };
        assert!(!resolve(&[]).expect("resolve").directory.allow_plaintext);
        let on = resolve(&[(env::LDAP_ALLOW_PLAINTEXT.name, "1")]).expect("resolve");
        assert!(on.directory.allow_plaintext);
        let off = resolve(&[(env::LDAP_ALLOW_PLAINTEXT.name, "no")]).expect("resolve");
        assert!(!off.directory.allow_plaintext);
        let err = resolve(&[(env::LDAP_ALLOW_PLAINTEXT.name, "maybe")]).expect_err("ambiguous");
        assert!(err.message.contains(env::LDAP_ALLOW_PLAINTEXT.name));
    }
}
