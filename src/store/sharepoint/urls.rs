//! Where a tenant's SharePoint lives: the admin site photosync is given, and the My Site and
//! root hosts derived from it (or configured, for the emulator's loopback ports). SharePoint
//! checks a token's audience per host, so these are also the only origins a SharePoint token
//! is ever sent to.

use crate::settings::{NationalCloud, SharePointSettings};

/// Where the tenant's SharePoint lives: the admin site (`PHOTOSYNC_SHAREPOINT_URL`) and, when
/// they cannot be derived from it, the My Site and root hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharePointUrls {
    pub admin: String,
    pub my_site: String,
    pub root: Option<String>,
}

impl SharePointUrls {
    /// From settings; `None` when no SharePoint URL is set.
    pub fn from_settings(s: &SharePointSettings) -> Option<Self> {
        let set = |v: &Option<String>| {
            v.as_deref()
                .map(|u| u.trim().trim_end_matches('/').to_string())
                .filter(|u| !u.is_empty())
        };
        let admin = set(&s.url)?;
        if let Some(warning) = other_cloud(&admin, s.cloud) {
            tracing::warn!("{warning}");
        }
        Some(SharePointUrls {
            my_site: set(&s.my_site_url).unwrap_or_else(|| my_site_url(&admin)),
            root: set(&s.root_url),
            admin,
        })
    }

    /// Every origin of the tenant's SharePoint, as token resources (`scheme://host[:port]`).
    pub fn origins(&self) -> Vec<String> {
        let mut origins = tenant_origins(&self.admin);
        for extra in std::iter::once(&self.my_site).chain(self.root.as_ref()) {
            for o in tenant_origins(extra) {
                if !origins.contains(&o) {
                    origins.push(o);
                }
            }
        }
        origins
    }
}

/// `https://contoso-admin.sharepoint.com` → `https://contoso-my.sharepoint.com` (and the same
/// in every cloud's SharePoint domain); any other URL (a single-host emulator, a custom domain)
/// is used for both.
pub fn my_site_url(admin_url: &str) -> String {
    let base = admin_url.trim_end_matches('/');
    match reqwest::Url::parse(base).ok().and_then(|u| {
        let (label, domain) = split_host(u.host_str()?)?;
        let tenant = label.strip_suffix("-admin")?;
        Some(base.replacen(
            &format!("{label}.{domain}"),
            &format!("{tenant}-my.{domain}"),
            1,
        ))
    }) {
        Some(my_site) => my_site,
        None => base.to_string(),
    }
}

/// A SharePoint Online host as its first label and its SharePoint domain: `contoso-admin` and
/// `sharepoint.com` (`.us`, `.cn`, `-mil.us`: every cloud's, `NationalCloud`).
fn split_host(host: &str) -> Option<(&str, String)> {
    for cloud in NationalCloud::ALL {
        let domain = cloud.sharepoint_suffix();
        if let Some(label) = host
            .strip_suffix(domain)
            .and_then(|h| h.strip_suffix('.'))
            .filter(|l| !l.is_empty() && !l.contains('.'))
        {
            return Some((label, domain.to_string()));
        }
    }
    // Another `*.sharepoint.<tld>` (a cloud photosync has no name for) works the same way.
    let (label, rest) = host.split_once(".sharepoint.")?;
    Some((label, format!("sharepoint.{rest}")))
}

/// The tenant's SharePoint origins for an admin (or other SharePoint) URL, as token resources:
/// admin, root and My Site (`contoso-admin`, `contoso`, `contoso-my`); just the URL's own origin
/// otherwise.
pub fn tenant_origins(sharepoint_url: &str) -> Vec<String> {
    let base = sharepoint_url.trim_end_matches('/');
    let Ok(own) = crate::auth::sharepoint_resource(base) else {
        return Vec::new();
    };
    let mut origins = vec![own];
    if let Ok(u) = reqwest::Url::parse(base)
        && let Some(host) = u.host_str()
        && let Some((label, domain)) = split_host(host)
    {
        let tenant = label
            .strip_suffix("-admin")
            .or_else(|| label.strip_suffix("-my"))
            .unwrap_or(label);
        for name in [
            tenant.to_string(),
            format!("{tenant}-admin"),
            format!("{tenant}-my"),
        ] {
            let origin = format!("{}://{name}.{domain}", u.scheme());
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
    }
    origins
}

/// A warning when `url` is a SharePoint Online host of another cloud than `cloud` (the URL is
/// still used: an explicit URL wins over the cloud's defaults).
pub fn other_cloud(url: &str, cloud: NationalCloud) -> Option<String> {
    let host = reqwest::Url::parse(url).ok()?.host_str()?.to_string();
    let (_, domain) = split_host(&host)?;
    (domain != cloud.sharepoint_suffix()).then(|| {
        format!(
            "the SharePoint URL {url} is under {domain}, but the cloud is {} (SharePoint under {}): check --cloud / PHOTOSYNC_CLOUD",
            cloud.name(),
            cloud.sharepoint_suffix()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_my_site_host_is_derived_from_the_admin_site() {
        assert_eq!(
            my_site_url("https://contoso-admin.sharepoint.com/"),
            "https://contoso-my.sharepoint.com"
        );
        assert_eq!(
            my_site_url("http://127.0.0.1:9000"),
            "http://127.0.0.1:9000"
        );
    }

    /// Issue 21 §6: every cloud's SharePoint domain, DoD's `sharepoint-mil.us` included.
    #[test]
    fn national_cloud_sharepoint_hosts_are_derived_in_their_own_domain() {
        assert_eq!(
            my_site_url("https://contoso-admin.sharepoint-mil.us"),
            "https://contoso-my.sharepoint-mil.us"
        );
        assert_eq!(
            my_site_url("https://contoso-admin.sharepoint.cn/"),
            "https://contoso-my.sharepoint.cn"
        );
        assert_eq!(
            tenant_origins("https://contoso-my.sharepoint-mil.us/personal/x"),
            vec![
                "https://contoso-my.sharepoint-mil.us",
                "https://contoso.sharepoint-mil.us",
                "https://contoso-admin.sharepoint-mil.us",
            ]
        );
        assert!(other_cloud("https://contoso-admin.sharepoint.us", NationalCloud::Usgov).is_none());
        let warning = other_cloud(
            "https://contoso-admin.sharepoint.com",
            NationalCloud::Usgovdod,
        )
        .expect("another cloud");
        assert!(warning.contains("sharepoint-mil.us"), "{warning}");
        assert!(other_cloud("http://127.0.0.1:9001", NationalCloud::China).is_none());
    }

    #[test]
    fn tenant_origins_cover_admin_root_and_my_site_and_configured_hosts() {
        let urls = SharePointUrls {
            admin: "https://contoso-admin.sharepoint.com".into(),
            my_site: my_site_url("https://contoso-admin.sharepoint.com"),
            root: None,
        };
        assert_eq!(
            urls.origins(),
            vec![
                "https://contoso-admin.sharepoint.com",
                "https://contoso.sharepoint.com",
                "https://contoso-my.sharepoint.com",
            ]
        );
        let emulator = SharePointUrls {
            admin: "http://127.0.0.1:9001".into(),
            my_site: "http://127.0.0.1:9002/".into(),
            root: Some("http://127.0.0.1:9003".into()),
        };
        assert_eq!(
            emulator.origins(),
            vec![
                "http://127.0.0.1:9001",
                "http://127.0.0.1:9002",
                "http://127.0.0.1:9003",
            ]
        );
    }
}
