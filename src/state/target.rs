//! The identity of a sync target in the state file: which folder, tenant, directory or
//! SharePoint origin, not just which kind of store. Two runs that write different places
//! with the same `--state` must never share entries (a second folder target would otherwise
//! be skipped for everyone and never created).

use std::path::{Component, Path, PathBuf};

use crate::settings::Settings;

/// The state key of a `--targets` spec under these settings.
pub fn target_key(spec: &str, settings: &Settings) -> String {
    let spec = spec.trim();
    let (kind, rest) = match spec.split_once(':') {
        Some((kind, rest)) => (kind.to_ascii_lowercase(), Some(rest)),
        None => (spec.to_ascii_lowercase(), None),
    };
    match (kind.as_str(), rest) {
        ("folder", Some(rest)) => {
            let dir = crate::store::folder::parse_spec(rest)
                .map(|(dir, _)| dir)
                .unwrap_or_else(|_| PathBuf::from(rest));
            format!("folder|{}", canonical_dir(&dir).display())
        }
        ("graph", _) => format!(
            "graph|{}|{}",
            settings
                .cloud
                .tenant_id
                .as_deref()
                .unwrap_or("")
                .trim()
                .to_lowercase(),
            normalise_url(&settings.cloud.graph_url)
        ),
        ("ad", _) => format!(
            "ad|{}|{}",
            normalise_url(settings.directory.url.as_deref().unwrap_or("")),
            normalise_dn(settings.directory.base_dn.as_deref().unwrap_or(""))
        ),
        ("sharepoint", _) => format!(
            "sharepoint|{}",
            origin(settings.sharepoint.url.as_deref().unwrap_or(""))
        ),
        _ => spec.to_string(),
    }
}

/// The directory as an absolute path with symlinks and `..` resolved. A folder that does not
/// exist yet (created at the first write) is resolved through its nearest existing ancestor,
/// so its key is the same before and after it is created.
pub fn canonical_dir(dir: &Path) -> PathBuf {
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    };
    let mut missing = Vec::new();
    let mut existing = absolute.as_path();
    loop {
        if let Ok(found) = std::fs::canonicalize(existing) {
            let mut out = found;
            for part in missing.iter().rev() {
                out.push(part);
            }
            return lexically_normal(&out);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_os_string());
                existing = parent;
            }
            _ => return lexically_normal(&absolute),
        }
    }
}

/// Drop `.` and resolve `..` without touching the file system (for the not-yet-created part).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Scheme and host lower-cased, no trailing slash; the path kept (a national cloud or an
/// emulator may serve Graph under a path).
fn normalise_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            let mut out = format!("{}://{}", scheme.to_lowercase(), host.to_lowercase());
            if !path.is_empty() {
                out.push('/');
                out.push_str(path);
            }
            out
        }
        None => url.to_lowercase(),
    }
}

/// `scheme://host[:port]` of a URL, lower-cased.
fn origin(url: &str) -> String {
    let url = normalise_url(url);
    match url.split_once("://") {
        Some((scheme, rest)) => {
            format!("{scheme}://{}", rest.split('/').next().unwrap_or(""))
        }
        None => url,
    }
}

/// Distinguished names compare case-insensitively and ignore spaces after commas.
fn normalise_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| rdn.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            cloud: crate::settings::CloudSettings {
                tenant_id: Some("Contoso.onmicrosoft.com".into()),
                graph_url: "https://Graph.Microsoft.com/".into(),
                ..Default::default()
            },
            directory: crate::settings::DirectorySettings {
                url: Some("ldaps://DC1.example.com".into()),
                base_dn: Some("OU=Staff, DC=example,DC=com".into()),
                ..Default::default()
            },
            sharepoint: crate::settings::SharePointSettings {
                url: Some("https://contoso-admin.sharepoint.com/sites/x".into()),
                ..Default::default()
            },
            ..Settings::default()
        }
    }

    #[test]
    fn cloud_and_directory_targets_are_named_by_where_they_write() {
        let s = settings();
        assert_eq!(
            target_key("graph", &s),
            "graph|contoso.onmicrosoft.com|https://graph.microsoft.com"
        );
        assert_eq!(
            target_key("ad", &s),
            "ad|ldaps://dc1.example.com|ou=staff,dc=example,dc=com"
        );
        assert_eq!(
            target_key("sharepoint", &s),
            "sharepoint|https://contoso-admin.sharepoint.com"
        );
        let mut other_tenant = settings();
        other_tenant.cloud.tenant_id = Some("fabrikam.onmicrosoft.com".into());
        assert_ne!(target_key("graph", &s), target_key("graph", &other_tenant));
    }

    #[test]
    fn folder_targets_are_named_by_their_canonical_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = settings();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        let key_a = target_key(&format!("folder:{}", a.display()), &s);
        assert_ne!(key_a, target_key(&format!("folder:{}", b.display()), &s));
        // The same folder spelled another way, before and after it exists, with a rule.
        let dotted = dir.path().join("b").join("..").join("a");
        assert_eq!(
            key_a,
            target_key(&format!("folder:{}", dotted.display()), &s)
        );
        std::fs::create_dir(&a).expect("mkdir");
        assert_eq!(
            key_a,
            target_key(
                &format!("folder:{}:{{samAccountName}}.jpg", a.display()),
                &s
            )
        );
    }
}
