//! Microsoft's clouds (`--cloud`, `PHOTOSYNC_CLOUD`): the worldwide service and the national
//! clouds, each a separate Entra ID with its own sign-in host, Graph host (and so token scope)
//! and SharePoint domain. A tenant lives in exactly one; its app registration and tokens work
//! only there. The hosts are Microsoft's: Graph `concepts/deployments.md` (Entra ID and Graph
//! root endpoints) and the Microsoft 365 endpoint lists for GCC High, DoD and 21Vianet
//! (`*.sharepoint.us`, `*.sharepoint-mil.us`, `*.sharepoint.cn`). A GCC (moderate) tenant uses
//! the worldwide endpoints. Explicit URLs (`--login-url`, `--graph-url`, the SharePoint URL)
//! always win over the cloud's defaults.

use clap::ValueEnum;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum NationalCloud {
    /// The worldwide service (also Microsoft 365 GCC).
    #[default]
    Global,
    /// Microsoft 365 GCC High (US Government L4).
    #[value(alias = "gcchigh", alias = "usgovhigh")]
    Usgov,
    /// Microsoft 365 DoD (US Government L5).
    #[value(alias = "dod")]
    Usgovdod,
    /// Microsoft 365 operated by 21Vianet.
    China,
}

impl NationalCloud {
    pub const ALL: [NationalCloud; 4] = [
        NationalCloud::Global,
        NationalCloud::Usgov,
        NationalCloud::Usgovdod,
        NationalCloud::China,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NationalCloud::Global => "global",
            NationalCloud::Usgov => "usgov",
            NationalCloud::Usgovdod => "usgovdod",
            NationalCloud::China => "china",
        }
    }

    /// The identity platform (token endpoints).
    pub fn login_url(self) -> &'static str {
        match self {
            NationalCloud::Global => "https://login.microsoftonline.com",
            NationalCloud::Usgov | NationalCloud::Usgovdod => "https://login.microsoftonline.us",
            NationalCloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// Microsoft Graph's root, also the resource (scope) of Graph tokens.
    pub fn graph_url(self) -> &'static str {
        match self {
            NationalCloud::Global => "https://graph.microsoft.com",
            NationalCloud::Usgov => "https://graph.microsoft.us",
            NationalCloud::Usgovdod => "https://dod-graph.microsoft.us",
            NationalCloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The domain SharePoint sites live under (`contoso-admin.<suffix>`).
    pub fn sharepoint_suffix(self) -> &'static str {
        match self {
            NationalCloud::Global => "sharepoint.com",
            NationalCloud::Usgov => "sharepoint.us",
            NationalCloud::Usgovdod => "sharepoint-mil.us",
            NationalCloud::China => "sharepoint.cn",
        }
    }

    /// Parse a value the way clap does (names, aliases, any case).
    pub fn parse(value: &str, variable: &str) -> Result<Self> {
        <NationalCloud as ValueEnum>::from_str(value.trim(), true).map_err(|_| {
            Error::config(format!("{variable}=`{value}` is not a Microsoft cloud"))
                .with_hint("use global, usgov (GCC High), usgovdod (DoD) or china (21Vianet); GCC tenants use global")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cloud_has_its_own_hosts_and_names_parse_back() {
        for cloud in NationalCloud::ALL {
            assert_eq!(NationalCloud::parse(cloud.name(), "X").ok(), Some(cloud));
            assert!(cloud.login_url().starts_with("https://login."));
            assert!(cloud.graph_url().starts_with("https://"));
        }
        assert_eq!(
            NationalCloud::parse("DoD", "X").ok(),
            Some(NationalCloud::Usgovdod)
        );
        let err = NationalCloud::parse("germany", "PHOTOSYNC_CLOUD").expect_err("retired");
        assert!(err.message.contains("PHOTOSYNC_CLOUD"), "{}", err.message);
    }
}
