//! Settings: flags > environment > optional config file, resolved once into `Settings`.
//!
//! Every `PHOTOSYNC_*` variable is declared here and nowhere else; commands read `Settings`,
//! never the environment. Secrets (client secret, certificate password, access token, LDAP
//! password) come only from the environment or files, never from argv, and `Debug` redacts them.

use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Every environment variable photosync reads, with what it means (printed by `--help`).
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        ENV_CONFIG,
        "path of a `KEY=VALUE` config file using these names (lowest precedence)",
    ),
    (
        ENV_LOG,
        "log filter for stderr, e.g. `debug` (overrides -v/-q; not read from the config file)",
    ),
    (ENV_NO_COLOR, "set to anything: no colour in the table"),
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
        ENV_CERTIFICATE_ALGORITHM,
        "client assertion signature: ps256 (default, x5t#S256) or rs256 (x5t)",
    ),
    (
        ENV_IDENTITY_ENDPOINT,
        "managed identity endpoint, set by Azure Automation / App Service",
    ),
    (
        ENV_IDENTITY_HEADER,
        "managed identity header value, set with IDENTITY_ENDPOINT (secret)",
    ),
    (
        ENV_IMDS_ENDPOINT,
        "set by the Azure Arc agent beside IDENTITY_ENDPOINT: marks an Arc-enabled server",
    ),
    (
        ENV_MSI_ENDPOINT,
        "older managed identity endpoint (App Service 2017 API; older Automation hybrid jobs)",
    ),
    (ENV_MSI_SECRET, "secret sent with MSI_ENDPOINT (secret)"),
    (
        ENV_IMDS_URL,
        "Azure VM metadata service base URL (default http://169.254.169.254)",
    ),
    (
        ENV_IMDS_RETRY_MS,
        "IMDS retry unit in ms (default 2000): 404/429/5xx wait 1, 3, 7, 15 units; 410 waits 5 units, for up to 35",
    ),
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
        ENV_SHAREPOINT_MY_SITE_URL,
        "SharePoint My Site host (default: derived, contoso-admin -> contoso-my)",
    ),
    (
        ENV_SHAREPOINT_ROOT_URL,
        "SharePoint root site (default: derived, contoso-admin -> contoso)",
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
pub const ENV_LOG: &str = "PHOTOSYNC_LOG";
/// The cross-tool convention, hence no PHOTOSYNC_ prefix.
pub const ENV_NO_COLOR: &str = "NO_COLOR";
pub const ENV_TENANT_ID: &str = "PHOTOSYNC_TENANT_ID";
pub const ENV_CLIENT_ID: &str = "PHOTOSYNC_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "PHOTOSYNC_CLIENT_SECRET";
pub const ENV_CLIENT_SECRET_FILE: &str = "PHOTOSYNC_CLIENT_SECRET_FILE";
pub const ENV_CERTIFICATE_PATH: &str = "PHOTOSYNC_CERTIFICATE_PATH";
pub const ENV_CERTIFICATE_PASSWORD: &str = "PHOTOSYNC_CERTIFICATE_PASSWORD";
pub const ENV_CERTIFICATE_ALGORITHM: &str = "PHOTOSYNC_CERTIFICATE_ALGORITHM";
/// Set by the Azure sandbox itself, hence no PHOTOSYNC_ prefix.
pub const ENV_IDENTITY_ENDPOINT: &str = "IDENTITY_ENDPOINT";
pub const ENV_IDENTITY_HEADER: &str = "IDENTITY_HEADER";
/// Set by the Azure Connected Machine (Arc) agent, hence no PHOTOSYNC_ prefix.
pub const ENV_IMDS_ENDPOINT: &str = "IMDS_ENDPOINT";
/// Set by older App Service / Automation hybrid sandboxes, hence no PHOTOSYNC_ prefix.
pub const ENV_MSI_ENDPOINT: &str = "MSI_ENDPOINT";
pub const ENV_MSI_SECRET: &str = "MSI_SECRET";
pub const ENV_IMDS_URL: &str = "PHOTOSYNC_IMDS_URL";
pub const ENV_IMDS_RETRY_MS: &str = "PHOTOSYNC_IMDS_RETRY_MS";
/// FOR TESTS ONLY: the folder Azure Arc key files may be read from instead of the agent's own
/// (`/var/opt/azcmagent/tokens/`, `%ProgramData%\AzureConnectedMachineAgent\Tokens\`), so
/// the emulator can write its challenge keys into a temporary folder. Read from the process
/// environment only (never the config file), not listed by `--help`, and announced with a
/// warning whenever it is used.
pub const ENV_TEST_ONLY_ARC_KEY_DIR: &str = "PHOTOSYNC_TEST_ONLY_ARC_KEY_DIR";
/// Windows' own variable: where the Arc agent's `Tokens` folder lives.
pub const ENV_PROGRAM_DATA: &str = "ProgramData";
pub const ENV_ACCESS_TOKEN: &str = "PHOTOSYNC_ACCESS_TOKEN";
pub const ENV_ACCESS_TOKEN_FILE: &str = "PHOTOSYNC_ACCESS_TOKEN_FILE";
pub const ENV_AUTH: &str = "PHOTOSYNC_AUTH";
pub const ENV_GRAPH_URL: &str = "PHOTOSYNC_GRAPH_URL";
pub const ENV_LOGIN_URL: &str = "PHOTOSYNC_LOGIN_URL";
pub const ENV_SHAREPOINT_URL: &str = "PHOTOSYNC_SHAREPOINT_URL";
pub const ENV_SHAREPOINT_MY_SITE_URL: &str = "PHOTOSYNC_SHAREPOINT_MY_SITE_URL";
pub const ENV_SHAREPOINT_ROOT_URL: &str = "PHOTOSYNC_SHAREPOINT_ROOT_URL";
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
    /// `NO_COLOR` is set (https://no-color.org): never colour the table.
    pub no_color: bool,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub certificate_path: Option<PathBuf>,
    pub certificate_password: Option<Secret>,
    /// `ps256` (default) or `rs256`.
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
    pub auth: Option<String>,
    pub graph_url: String,
    pub login_url: String,
    pub sharepoint_url: Option<String>,
    /// The My Site and root hosts when they cannot be derived from `sharepoint_url` (the
    /// emulator's loopback ports).
    pub sharepoint_my_site_url: Option<String>,
    pub sharepoint_root_url: Option<String>,
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
        if let Some(dir) = env(ENV_TEST_ONLY_ARC_KEY_DIR).filter(|d| !d.trim().is_empty()) {
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
            let data = env(ENV_PROGRAM_DATA).unwrap_or_else(|| "C:\\ProgramData".to_string());
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

pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
pub const DEFAULT_LOGIN_URL: &str = "https://login.microsoftonline.com";

/// Non-secret connection settings given as flags; each overrides its environment variable.
/// Secrets have no flags on purpose (argv is visible to every process on the machine).
#[derive(Debug, Clone, Default)]
pub struct SettingFlags {
    pub config: Option<PathBuf>,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub certificate_path: Option<PathBuf>,
    pub auth: Option<String>,
    pub graph_url: Option<String>,
    pub login_url: Option<String>,
    pub sharepoint_url: Option<String>,
    pub ldap_url: Option<String>,
    pub ldap_bind_dn: Option<String>,
    pub ldap_base_dn: Option<String>,
    pub ldap_ca_file: Option<PathBuf>,
}

/// `KEY=VALUE` pairs from the optional config file: the lowest layer.
#[derive(Debug, Default)]
struct ConfigFile {
    values: std::collections::HashMap<String, String>,
}

impl ConfigFile {
    fn load(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!("cannot read config file {}: {e}", path.display()))
                .with_hint(format!("fix or unset {ENV_CONFIG}"))
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut values = std::collections::HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // Errors name the line, never its text: a secret pasted on the wrong line would
            // otherwise end up in logs and error records.
            let line_no = index + 1;
            let Some((key, value)) = line.split_once('=') else {
                return Err(
                    Error::config(format!("{origin} line {line_no}: expected KEY=VALUE"))
                        .with_hint("use lines such as PHOTOSYNC_TENANT_ID=contoso.onmicrosoft.com"),
                );
            };
            let key = key.trim().trim_start_matches("export ").trim();
            if !is_config_file_setting(key) {
                let hint = match likely_setting(key) {
                    Some(name) => {
                        format!("did you mean {name}? `photosync --help` lists every setting")
                    }
                    None => {
                        "run `photosync --help` for the list of PHOTOSYNC_* settings".to_string()
                    }
                };
                return Err(
                    Error::config(format!("{origin} line {line_no}: unknown setting"))
                        .with_hint(hint),
                );
            }
            values.insert(key.to_string(), unquote(value.trim()).to_string());
        }
        Ok(ConfigFile { values })
    }
}

fn is_config_file_setting(key: &str) -> bool {
    ENV_VARS.iter().any(|(name, _)| *name == key)
        && ![ENV_CONFIG, ENV_LOG, ENV_NO_COLOR].contains(&key)
}

/// The setting a misspelt `PHOTOSYNC_*` key most likely meant. Only keys that start like a
/// setting get a suggestion, so nothing is told about other text (a pasted secret).
fn likely_setting(key: &str) -> Option<&'static str> {
    let upper = key.to_ascii_uppercase();
    if !upper.starts_with("PHOTOSYNC_") {
        return None;
    }
    ENV_VARS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| is_config_file_setting(name))
        .map(|name| (edit_distance(&upper, name), name))
        .filter(|(distance, _)| *distance <= 4)
        .min()
        .map(|(_, name)| name)
}

/// Levenshtein distance over bytes (setting names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// Where values come from, lowest precedence last. The environment is passed in (not read
/// from the process) so tests can resolve settings without touching global state.
struct Layers<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    file: ConfigFile,
}

impl Layers<'_> {
    fn get(&self, key: &str) -> Option<String> {
        (self.env)(key)
            .filter(|v| !v.is_empty())
            .or_else(|| self.file.values.get(key).cloned())
            .filter(|v| !v.is_empty())
    }

    /// A secret from `KEY`, else from the file named by `KEY_FILE` (trailing newline dropped).
    fn secret(&self, key: &str, file_key: Option<&str>) -> Result<Option<Secret>> {
        if let Some(value) = self.get(key) {
            return Ok(Some(Secret::new(value)));
        }
        let Some(path) = file_key.and_then(|k| self.get(k)) else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::config(format!(
                "cannot read {} (named by {}): {e}",
                path,
                file_key.unwrap_or(key)
            ))
            .with_hint("check the path and the file's permissions")
        })?;
        let value = text.trim_end_matches(['\r', '\n']);
        if value.is_empty() {
            return Err(Error::config(format!(
                "{path} (named by {}) is empty",
                file_key.unwrap_or(key)
            ))
            .with_hint("put the secret in the file, or unset the variable"));
        }
        Ok(Some(Secret::new(value)))
    }
}

impl Settings {
    /// Resolve settings from the process environment: flags > environment > config file.
    pub fn resolve(flags: &SettingFlags) -> Result<Settings> {
        Self::resolve_with(flags, &|key| std::env::var(key).ok())
    }

    /// Resolve with an explicit environment lookup (tests pass a map).
    pub fn resolve_with(
        flags: &SettingFlags,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings> {
        let config_path = flags
            .config
            .clone()
            .or_else(|| env(ENV_CONFIG).filter(|v| !v.is_empty()).map(PathBuf::from));
        let file = match config_path {
            Some(path) => ConfigFile::load(&path)?,
            None => ConfigFile::default(),
        };
        let layers = Layers { env, file };
        let text = |flag: &Option<String>, key: &str| flag.clone().or_else(|| layers.get(key));
        let path = |flag: &Option<PathBuf>, key: &str| {
            flag.clone().or_else(|| layers.get(key).map(PathBuf::from))
        };
        let auth = text(&flags.auth, ENV_AUTH);
        if let Some(kind) = &auth
            && !["secret", "certificate", "managed-identity", "token"].contains(&kind.as_str())
        {
            return Err(Error::config(format!("unknown auth kind `{kind}`"))
                .with_hint("use one of: secret, certificate, managed-identity, token"));
        }
        Ok(Settings {
            no_color: env(ENV_NO_COLOR).is_some_and(|v| !v.is_empty()),
            tenant_id: text(&flags.tenant_id, ENV_TENANT_ID),
            client_id: text(&flags.client_id, ENV_CLIENT_ID),
            client_secret: layers.secret(ENV_CLIENT_SECRET, Some(ENV_CLIENT_SECRET_FILE))?,
            certificate_path: path(&flags.certificate_path, ENV_CERTIFICATE_PATH),
            certificate_password: layers.secret(ENV_CERTIFICATE_PASSWORD, None)?,
            certificate_algorithm: layers.get(ENV_CERTIFICATE_ALGORITHM),
            identity_endpoint: layers.get(ENV_IDENTITY_ENDPOINT),
            identity_header: layers.secret(ENV_IDENTITY_HEADER, None)?,
            imds_endpoint: layers.get(ENV_IMDS_ENDPOINT),
            msi_endpoint: layers.get(ENV_MSI_ENDPOINT),
            msi_secret: layers.secret(ENV_MSI_SECRET, None)?,
            // The process environment only: a config file cannot redirect key-file reads.
            arc_key_folder: ArcKeyFolder::resolve(env),
            imds_url: layers.get(ENV_IMDS_URL),
            imds_retry_unit: millis(layers.get(ENV_IMDS_RETRY_MS), ENV_IMDS_RETRY_MS)?,
            access_token: layers.secret(ENV_ACCESS_TOKEN, Some(ENV_ACCESS_TOKEN_FILE))?,
            auth,
            graph_url: text(&flags.graph_url, ENV_GRAPH_URL)
                .map(|u| graph_root(&u))
                .unwrap_or_else(|| DEFAULT_GRAPH_URL.to_string()),
            login_url: text(&flags.login_url, ENV_LOGIN_URL)
                .unwrap_or_else(|| DEFAULT_LOGIN_URL.to_string()),
            sharepoint_url: text(&flags.sharepoint_url, ENV_SHAREPOINT_URL),
            sharepoint_my_site_url: layers.get(ENV_SHAREPOINT_MY_SITE_URL),
            sharepoint_root_url: layers.get(ENV_SHAREPOINT_ROOT_URL),
            ldap_url: text(&flags.ldap_url, ENV_LDAP_URL),
            ldap_bind_dn: text(&flags.ldap_bind_dn, ENV_LDAP_BIND_DN),
            ldap_password: layers.secret(ENV_LDAP_PASSWORD, Some(ENV_LDAP_PASSWORD_FILE))?,
            ldap_base_dn: text(&flags.ldap_base_dn, ENV_LDAP_BASE_DN),
            ldap_ca_file: path(&flags.ldap_ca_file, ENV_LDAP_CA_FILE),
            ldap_allow_plaintext: switch(
                layers.get(ENV_LDAP_ALLOW_PLAINTEXT),
                ENV_LDAP_ALLOW_PLAINTEXT,
            )?,
            ldap_photo_attribute: layers.get(ENV_LDAP_PHOTO_ATTRIBUTE),
        })
    }
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

/// A duration in milliseconds (unset = the default).
fn millis(value: Option<String>, key: &str) -> Result<Option<std::time::Duration>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .map(|ms| Some(std::time::Duration::from_millis(ms.min(60_000))))
            .map_err(|_| {
                Error::config(format!("{key}={v} is not a number of milliseconds"))
                    .with_hint(format!("set {key}=2000, or unset it"))
            }),
    }
}

/// An on/off setting: `1`/`true`/`yes` or `0`/`false`/`no` (unset = off).
fn switch(value: Option<String>, key: &str) -> Result<bool> {
    match value
        .as_deref()
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("" | "0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(other) => Err(
            Error::config(format!("{key}={other} is neither on nor off"))
                .with_hint(format!("set {key}=1 to enable it, or unset it")),
        ),
    }
}

/// The `--help` paragraph listing every environment variable, pre-wrapped with a hanging
/// indent so clap (which wraps at 100 columns) leaves the table aligned.
pub fn env_help() -> String {
    const NAME: usize = 32;
    const WIDTH: usize = 98;
    let mut text =
        String::from("Environment (flags win over these, these over the config file):\n");
    for (name, meaning) in ENV_VARS {
        let mut line = format!("  {name:<NAME$} ");
        let indent = line.len();
        for word in meaning.split_whitespace() {
            if line.len() + word.len() > WIDTH && line.len() > indent {
                text.push_str(line.trim_end());
                text.push('\n');
                line = " ".repeat(indent);
            }
            line.push_str(word);
            line.push(' ');
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
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
            (ENV_CONFIG, config.to_str().expect("utf-8 path")),
            (ENV_TENANT_ID, "from-env"),
            (ENV_LDAP_URL, "ldap://env"),
        ]);
        let flags = SettingFlags {
            ldap_url: Some("ldap://flag".into()),
            ..Default::default()
        };
        let s = Settings::resolve_with(&flags, &env).expect("resolve");
        assert_eq!(s.tenant_id.as_deref(), Some("from-env"));
        assert_eq!(s.client_id.as_deref(), Some("file-client"));
        assert_eq!(s.ldap_url.as_deref(), Some("ldap://flag"));
        assert_eq!(s.graph_url, DEFAULT_GRAPH_URL);
    }

    #[test]
    fn secret_files_are_read_and_redacted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "s3cr3t-value\n").expect("write secret");
        let env = env_of(&[(ENV_CLIENT_SECRET_FILE, secret.to_str().expect("utf-8"))]);
        let s = Settings::resolve_with(&SettingFlags::default(), &env).expect("resolve");
        assert_eq!(
            s.client_secret.as_ref().map(Secret::expose),
            Some("s3cr3t-value")
        );
        assert!(!format!("{s:?}").contains("s3cr3t"));
    }

    #[test]
    fn unknown_config_key_is_a_config_error_naming_the_line_and_the_likely_setting() {
        let err = ConfigFile::parse("# c\nPHOTOSYNC_TENANTID=x\n", "test.conf").expect_err("typo");
        assert_eq!(err.class, crate::error::ErrorClass::Config);
        assert!(err.message.contains("line 2"), "{}", err.message);
        let hint = err.hint.unwrap_or_default();
        assert!(hint.contains(ENV_TENANT_ID), "{hint}");
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
    fn missing_secret_file_names_the_variable() {
        let env = env_of(&[(ENV_LDAP_PASSWORD_FILE, "/nonexistent/photosync-secret")]);
        let err = Settings::resolve_with(&SettingFlags::default(), &env).expect_err("missing");
        assert!(
            err.message.contains(ENV_LDAP_PASSWORD_FILE),
            "{}",
            err.message
        );
    }

    /// The Arc key folder moves only for tests, only through the process environment: a
    /// config file cannot redirect which files photosync reads and sends as a key.
    #[test]
    fn the_arc_key_folder_moves_only_by_the_test_only_environment_variable() {
        let default = Settings::resolve_with(&SettingFlags::default(), &env_of(&[]))
            .expect("resolve")
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
        let env = env_of(&[(ENV_TEST_ONLY_ARC_KEY_DIR, "/tmp/keys")]);
        let moved = Settings::resolve_with(&SettingFlags::default(), &env)
            .expect("resolve")
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
        assert!(!env_help().contains(ENV_TEST_ONLY_ARC_KEY_DIR));
    }

    #[test]
    fn imds_retry_unit_is_milliseconds() {
        let resolve = |v: &str| {
            Settings::resolve_with(&SettingFlags::default(), &env_of(&[(ENV_IMDS_RETRY_MS, v)]))
        };
        assert_eq!(
            resolve("5").expect("ms").imds_retry_unit,
            Some(std::time::Duration::from_millis(5))
        );
        assert!(resolve("soon").is_err());
    }

    #[test]
    fn plaintext_ldap_needs_an_explicit_switch() {
        let resolve = |pairs: &[(&str, &str)]| {
            let env = env_of(pairs);
            Settings::resolve_with(&SettingFlags::default(), &env)
        };
        assert!(!resolve(&[]).expect("resolve").ldap_allow_plaintext);
        let on = resolve(&[(ENV_LDAP_ALLOW_PLAINTEXT, "1")]).expect("resolve");
        assert!(on.ldap_allow_plaintext);
        let off = resolve(&[(ENV_LDAP_ALLOW_PLAINTEXT, "no")]).expect("resolve");
        assert!(!off.ldap_allow_plaintext);
        let err = resolve(&[(ENV_LDAP_ALLOW_PLAINTEXT, "maybe")]).expect_err("ambiguous");
        assert!(err.message.contains(ENV_LDAP_ALLOW_PLAINTEXT));
    }
}
