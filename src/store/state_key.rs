//! Building blocks of `PhotoStore::state_key`: where a store writes, spelled the same way
//! every run. Two targets that write different places with the same `--state` must never share
//! entries (a second folder target would otherwise be skipped for everyone and never written;
//! another tenant on the same URL would skip every user as "unchanged since verified").

use std::path::{Component, Path, PathBuf};

/// Join the parts of a key with `|`, the kind first (`graph|<tenant>|<url>`).
pub fn join(parts: &[&str]) -> String {
    parts.join("|")
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
pub fn normalise_url(url: &str) -> String {
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
pub fn origin(url: &str) -> String {
    let url = normalise_url(url);
    match url.split_once("://") {
        Some((scheme, rest)) => {
            format!("{scheme}://{}", rest.split('/').next().unwrap_or(""))
        }
        None => url,
    }
}

/// Distinguished names compare case-insensitively and ignore spaces after commas.
pub fn normalise_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| rdn.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_dns_are_spelled_one_way() {
        assert_eq!(
            normalise_url("https://Graph.Microsoft.com/"),
            "https://graph.microsoft.com"
        );
        assert_eq!(
            normalise_url("http://127.0.0.1:9/Path/"),
            "http://127.0.0.1:9/Path"
        );
        assert_eq!(
            origin("https://Contoso-Admin.sharepoint.com/sites/x"),
            "https://contoso-admin.sharepoint.com"
        );
        assert_eq!(
            normalise_dn("OU=Staff, DC=example,DC=com"),
            "ou=staff,dc=example,dc=com"
        );
    }

    #[test]
    fn a_directory_is_named_the_same_however_it_is_spelled_and_before_it_exists() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        let dotted = dir.path().join("b").join("..").join("a");
        let before = canonical_dir(&a);
        assert_eq!(before, canonical_dir(&dotted));
        std::fs::create_dir(&a).expect("mkdir");
        assert_eq!(before, canonical_dir(&a));
        assert_ne!(before, canonical_dir(&dir.path().join("b")));
    }
}
