//! Every environment variable photosync reads, declared once (uv's `EnvVars` is the model): its
//! name, the group of settings it belongs to, what it means, whether it is a secret, where it
//! may be set, and the flag that overrides it. `--help` (cli.rs), the config-file key check, the flags'
//! `env` and help text, and the tables in README.md and docs/cli.md all come from `VARS` (a test
//! checks the docs agree).

use std::fmt;

/// Which settings a variable belongs to. Each store reads only its own groups (the registry
/// lists them per store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// How photosync itself runs: the config file, logs, colour.
    General,
    /// The Microsoft 365 credential and endpoints (Graph, the identity platform, managed
    /// identities).
    Cloud,
    /// Where the tenant's SharePoint lives.
    SharePoint,
    /// The Active Directory connection (LDAP).
    Directory,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::General,
        Group::Cloud,
        Group::SharePoint,
        Group::Directory,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::General => "General",
            Group::Cloud => "Microsoft 365 credential and endpoints",
            Group::SharePoint => "SharePoint",
            Group::Directory => "Active Directory (LDAP)",
        }
    }
}

/// Where a variable may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The environment or the config file.
    Anywhere,
    /// The process environment only (the config file cannot set it).
    Environment,
    /// The process environment only, for tests; never listed by `--help` or the docs.
    TestOnly,
}

/// One environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Var {
    pub name: &'static str,
    pub group: Group,
    pub meaning: &'static str,
    /// A secret: it has no flag (argv is visible to every process on the machine) and is never
    /// printed.
    pub secret: bool,
    pub source: Source,
    /// The flag that overrides it (`--tenant-id`); secrets have none.
    pub flag: Option<&'static str>,
}

impl Var {
    const fn new(name: &'static str, group: Group, meaning: &'static str) -> Var {
        Var {
            name,
            group,
            meaning,
            secret: false,
            source: Source::Anywhere,
            flag: None,
        }
    }

    const fn secret(self) -> Var {
        Var {
            secret: true,
            ..self
        }
    }

    const fn flag(self, flag: &'static str) -> Var {
        Var {
            flag: Some(flag),
            ..self
        }
    }

    const fn from(self, source: Source) -> Var {
        Var { source, ..self }
    }

    /// Whether `--help` and the docs list it.
    pub fn listed(&self) -> bool {
        self.source != Source::TestOnly
    }

    /// Whether a config file may set it.
    pub fn in_config_file(&self) -> bool {
        self.source == Source::Anywhere
    }

    /// What it means, and where it may be set when that is not anywhere.
    pub fn description(&self) -> String {
        match self.source {
            Source::Anywhere => self.meaning.to_string(),
            _ => format!("{}; environment only, not the config file", self.meaning),
        }
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

use Group::{Cloud, Directory, General, SharePoint};

pub const CONFIG: Var = Var::new(
    "PHOTOSYNC_CONFIG",
    General,
    "path of a `KEY=VALUE` config file using these names (lowest precedence)",
)
.flag("--config")
.from(Source::Environment);
pub const LOG: Var = Var::new(
    "PHOTOSYNC_LOG",
    General,
    "log filter for stderr, e.g. `debug` (overrides -v/-q)",
)
.from(Source::Environment);
/// The cross-tool convention (https://no-color.org), hence no PHOTOSYNC_ prefix.
pub const NO_COLOR: Var = Var::new(
    "NO_COLOR",
    General,
    "set to anything: no colour in the table",
)
.from(Source::Environment);
/// When an admin needs it: docs/cli.md "Identity".
pub const ALLOW_CLOUD_ONLY_MATCH: Var = Var::new(
    "PHOTOSYNC_ALLOW_CLOUD_ONLY_MATCH",
    General,
    "1 = a record carrying an objectGUID may match a cloud-only account (no onPremisesImmutableId) by UPN or mail; off by default, as that is how a reused UPN looks",
)
.flag("--allow-cloud-only-match");

pub const TENANT_ID: Var =
    Var::new("PHOTOSYNC_TENANT_ID", Cloud, "Entra tenant id or domain").flag("--tenant-id");
pub const CLIENT_ID: Var =
    Var::new("PHOTOSYNC_CLIENT_ID", Cloud, "application (client) id").flag("--client-id");
pub const CLIENT_SECRET: Var = Var::new(
    "PHOTOSYNC_CLIENT_SECRET",
    Cloud,
    "client secret (Graph only; secret)",
)
.secret();
pub const CLIENT_SECRET_FILE: Var = Var::new(
    "PHOTOSYNC_CLIENT_SECRET_FILE",
    Cloud,
    "file holding the client secret",
);
pub const CERTIFICATE_PATH: Var = Var::new(
    "PHOTOSYNC_CERTIFICATE_PATH",
    Cloud,
    "certificate for app-only auth: PEM (cert + key) or PFX",
)
.flag("--certificate-path");
pub const CERTIFICATE_PASSWORD: Var = Var::new(
    "PHOTOSYNC_CERTIFICATE_PASSWORD",
    Cloud,
    "PFX password (secret)",
)
.secret();
pub const CERTIFICATE_ALGORITHM: Var = Var::new(
    "PHOTOSYNC_CERTIFICATE_ALGORITHM",
    Cloud,
    "client assertion signature: rs256 (default, x5t) or ps256 (x5t#S256)",
);
/// Set by the Azure sandbox itself, hence no PHOTOSYNC_ prefix.
pub const IDENTITY_ENDPOINT: Var = Var::new(
    "IDENTITY_ENDPOINT",
    Cloud,
    "managed identity endpoint, set by Azure Automation / App Service",
);
pub const IDENTITY_HEADER: Var = Var::new(
    "IDENTITY_HEADER",
    Cloud,
    "managed identity header value, set with IDENTITY_ENDPOINT (secret)",
)
.secret();
/// Set by the Azure Connected Machine (Arc) agent, hence no PHOTOSYNC_ prefix.
pub const IMDS_ENDPOINT: Var = Var::new(
    "IMDS_ENDPOINT",
    Cloud,
    "set by the Azure Arc agent beside IDENTITY_ENDPOINT: marks an Arc-enabled server",
);
/// Set by older App Service / Automation hybrid sandboxes, hence no PHOTOSYNC_ prefix.
pub const MSI_ENDPOINT: Var = Var::new(
    "MSI_ENDPOINT",
    Cloud,
    "older managed identity endpoint (App Service 2017 API; older Automation hybrid jobs)",
);
pub const MSI_SECRET: Var = Var::new(
    "MSI_SECRET",
    Cloud,
    "secret sent with MSI_ENDPOINT (secret)",
)
.secret();
pub const IMDS_URL: Var = Var::new(
    "PHOTOSYNC_IMDS_URL",
    Cloud,
    "Azure VM metadata service base URL (default http://169.254.169.254)",
);
pub const IMDS_RETRY_MS: Var = Var::new(
    "PHOTOSYNC_IMDS_RETRY_MS",
    Cloud,
    "IMDS retry unit in ms (default 2000): 404/429/5xx wait 1, 3, 7, 15 units; 410 waits 5 units, for up to 35",
);
/// FOR TESTS ONLY: the folder Azure Arc key files may be read from instead of the agent's own
/// (`/var/opt/azcmagent/tokens/`, `%ProgramData%\AzureConnectedMachineAgent\Tokens\`), so the
/// emulator can write its challenge keys into a temporary folder. Announced with a warning
/// whenever it is used.
pub const TEST_ONLY_ARC_KEY_DIR: Var = Var::new(
    "PHOTOSYNC_TEST_ONLY_ARC_KEY_DIR",
    Cloud,
    "for tests only: where Azure Arc key files may be read from",
)
.from(Source::TestOnly);
/// Windows' own variable: where the Arc agent's `Tokens` folder lives.
pub const PROGRAM_DATA: Var = Var::new(
    "ProgramData",
    Cloud,
    "Windows' ProgramData folder (where the Azure Arc agent keeps its key files)",
)
.from(Source::TestOnly);
pub const ACCESS_TOKEN: Var = Var::new(
    "PHOTOSYNC_ACCESS_TOKEN",
    Cloud,
    "a ready access token, e.g. from Get-AzAccessToken (secret)",
)
.secret();
pub const ACCESS_TOKEN_FILE: Var = Var::new(
    "PHOTOSYNC_ACCESS_TOKEN_FILE",
    Cloud,
    "file holding a ready access token",
);
pub const AUTH: Var = Var::new(
    "PHOTOSYNC_AUTH",
    Cloud,
    "secret | certificate | managed-identity | token (default: the first configured of a ready token, a certificate, a client secret, a managed identity endpoint; one given by a flag or the environment before any the config file holds)",
)
.flag("--auth");
pub const CLOUD: Var = Var::new(
    "PHOTOSYNC_CLOUD",
    Cloud,
    "Microsoft cloud: global (default; also GCC), usgov (GCC High), usgovdod (DoD), china (21Vianet); sets the sign-in, Graph and SharePoint hosts",
)
.flag("--cloud");
pub const GRAPH_URL: Var = Var::new(
    "PHOTOSYNC_GRAPH_URL",
    Cloud,
    "Microsoft Graph base URL (default: the cloud's, https://graph.microsoft.com)",
)
.flag("--graph-url");
pub const LOGIN_URL: Var = Var::new(
    "PHOTOSYNC_LOGIN_URL",
    Cloud,
    "identity platform base URL (default: the cloud's, https://login.microsoftonline.com)",
)
.flag("--login-url");

pub const SHAREPOINT_URL: Var = Var::new(
    "PHOTOSYNC_SHAREPOINT_URL",
    SharePoint,
    "SharePoint base URL, e.g. https://contoso-admin.sharepoint.com",
)
.flag("--sharepoint-url");
pub const SHAREPOINT_MY_SITE_URL: Var = Var::new(
    "PHOTOSYNC_SHAREPOINT_MY_SITE_URL",
    SharePoint,
    "SharePoint My Site host (default: derived, contoso-admin -> contoso-my)",
);
pub const SHAREPOINT_ROOT_URL: Var = Var::new(
    "PHOTOSYNC_SHAREPOINT_ROOT_URL",
    SharePoint,
    "SharePoint root site (default: derived, contoso-admin -> contoso)",
);

pub const LDAP_URL: Var = Var::new(
    "PHOTOSYNC_LDAP_URL",
    Directory,
    "ldaps://dc.example.com or ldap://dc.example.com (StartTLS)",
)
.flag("--ldap-url");
pub const LDAP_BIND_DN: Var = Var::new(
    "PHOTOSYNC_LDAP_BIND_DN",
    Directory,
    "bind DN or UPN for simple bind",
)
.flag("--ldap-bind-dn");
pub const LDAP_PASSWORD: Var = Var::new(
    "PHOTOSYNC_LDAP_PASSWORD",
    Directory,
    "LDAP bind password (secret)",
)
.secret();
pub const LDAP_PASSWORD_FILE: Var = Var::new(
    "PHOTOSYNC_LDAP_PASSWORD_FILE",
    Directory,
    "file holding the LDAP bind password",
);
pub const LDAP_BASE_DN: Var = Var::new(
    "PHOTOSYNC_LDAP_BASE_DN",
    Directory,
    "search base, e.g. DC=example,DC=com",
)
.flag("--ldap-base-dn");
pub const LDAP_CA_FILE: Var = Var::new(
    "PHOTOSYNC_LDAP_CA_FILE",
    Directory,
    "PEM CA bundle to verify the directory's certificate",
)
.flag("--ldap-ca-file");
pub const LDAP_ALLOW_PLAINTEXT: Var = Var::new(
    "PHOTOSYNC_LDAP_ALLOW_PLAINTEXT",
    Directory,
    "1 = allow a simple bind over plain ldap:// without StartTLS (insecure; password sent in clear)",
);
pub const LDAP_PHOTO_ATTRIBUTE: Var = Var::new(
    "PHOTOSYNC_LDAP_PHOTO_ATTRIBUTE",
    Directory,
    "AD photo attribute: thumbnailPhoto (default) or jpegPhoto",
);

/// Every variable, in the order `--help` and the docs list them (grouped).
pub const VARS: &[Var] = &[
    CONFIG,
    LOG,
    NO_COLOR,
    ALLOW_CLOUD_ONLY_MATCH,
    TENANT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    CLIENT_SECRET_FILE,
    CERTIFICATE_PATH,
    CERTIFICATE_PASSWORD,
    CERTIFICATE_ALGORITHM,
    ACCESS_TOKEN,
    ACCESS_TOKEN_FILE,
    AUTH,
    CLOUD,
    GRAPH_URL,
    LOGIN_URL,
    IDENTITY_ENDPOINT,
    IDENTITY_HEADER,
    IMDS_ENDPOINT,
    MSI_ENDPOINT,
    MSI_SECRET,
    IMDS_URL,
    IMDS_RETRY_MS,
    TEST_ONLY_ARC_KEY_DIR,
    PROGRAM_DATA,
    SHAREPOINT_URL,
    SHAREPOINT_MY_SITE_URL,
    SHAREPOINT_ROOT_URL,
    LDAP_URL,
    LDAP_BIND_DN,
    LDAP_PASSWORD,
    LDAP_PASSWORD_FILE,
    LDAP_BASE_DN,
    LDAP_CA_FILE,
    LDAP_ALLOW_PLAINTEXT,
    LDAP_PHOTO_ATTRIBUTE,
];

/// The variable called `name`, if photosync reads one by that name.
pub fn find(name: &str) -> Option<&'static Var> {
    VARS.iter().find(|v| v.name == name)
}

/// The Markdown tables of README.md and docs/cli.md: one per group, a row per variable.
pub fn markdown() -> String {
    let mut text = String::new();
    for group in Group::ALL {
        text.push_str(&format!(
            "\n**{}**\n\n| variable | flag | meaning |\n|---|---|---|\n",
            group.title()
        ));
        for var in VARS.iter().filter(|v| v.group == group && v.listed()) {
            let flag = var.flag.map(|f| format!("`{f}`")).unwrap_or_default();
            text.push_str(&format!(
                "| `{}` | {flag} | {} |\n",
                var.name,
                var.description().replace('|', "\\|")
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_secrets_have_no_flag() {
        for (i, var) in VARS.iter().enumerate() {
            assert!(
                VARS[i + 1..].iter().all(|other| other.name != var.name),
                "{var} is declared twice"
            );
            assert!(
                !(var.secret && var.flag.is_some()),
                "{var} is a secret with a flag: argv is visible to every process"
            );
        }
    }
}
