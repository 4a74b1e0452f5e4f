//! Searches: paged streaming over many users, small bounded lookups, and base DN discovery.
//!
//! AD refuses to return more than MaxPageSize (1000) entries to an unpaged search, so every
//! multi-user search uses the paged-results control. Entries are handed over through a
//! bounded channel: the directory is read as fast as the consumer takes users, no faster.

use std::pin::Pin;
use std::time::Duration;

use futures::Stream;
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, Scope, SearchOptions};
use tokio::sync::mpsc;

use super::connection::{operation_error, transport_error};
use super::entry::{AdUser, RawEntry};
use crate::error::{Error, Result};
use crate::settings::env::{LDAP_BASE_DN, LDAP_URL};

/// Users in directory order; ends after the last page or the first error.
pub type UserStream = Pin<Box<dyn Stream<Item = Result<AdUser>> + Send>>;

/// How many parsed users may wait for the consumer.
const BUFFERED_USERS: usize = 256;

pub fn paged_users(
    ldap: Ldap,
    base: String,
    filter: String,
    attrs: Vec<String>,
    page_size: i32,
    photo_attribute: &'static str,
) -> UserStream {
    let (tx, rx) = mpsc::channel::<Result<AdUser>>(BUFFERED_USERS);
    tokio::spawn(async move {
        if let Err(e) =
            run_paged(ldap, &base, &filter, attrs, page_size, photo_attribute, &tx).await
        {
            // The receiver may be gone (consumer stopped early): nothing left to tell.
            let _ = tx.send(Err(e)).await;
        }
    });
    Box::pin(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

async fn run_paged(
    mut ldap: Ldap,
    base: &str,
    filter: &str,
    attrs: Vec<String>,
    page_size: i32,
    photo_attribute: &'static str,
    tx: &mpsc::Sender<Result<AdUser>>,
) -> Result<()> {
    let what = format!("searching {base} for {filter}");
    let adapters: Vec<Box<dyn Adapter<'static, String, Vec<String>>>> = vec![
        Box::new(EntriesOnly::new()),
        Box::new(PagedResults::new(page_size)),
    ];
    let mut stream = ldap
        .streaming_search_with(adapters, base, Scope::Subtree, filter, attrs)
        .await
        .map_err(|e| transport_error(&what, &e))?;
    loop {
        let next = stream
            .next()
            .await
            .map_err(|e| transport_error(&what, &e))?;
        let Some(entry) = next else { break };
        let user = RawEntry::parse(entry).map(|raw| AdUser::from_entry(raw, photo_attribute));
        if tx.send(user).await.is_err() {
            // Consumer gone: stop paging instead of reading the rest of the directory.
            let handle = stream.ldap_handle();
            let id = handle.last_id();
            let _ = handle.abandon(id).await;
            return Ok(());
        }
    }
    let result = stream.finish().await;
    if result.rc != 0 {
        return Err(operation_error(&what, result.rc, &result.text));
    }
    warn_of_unread_parts(base, &result.refs);
    Ok(())
}

/// Continuation references name parts of the tree this server does not hold (a child domain,
/// a subordinate server): the users there were not read, so the run must say so rather than
/// look complete. AD answers a search from the domain root with references to its DNS and
/// configuration partitions, which hold no users; those are not worth a warning.
fn warn_of_unread_parts(base: &str, refs: &[String]) {
    let unread: Vec<&str> = refs
        .iter()
        .map(String::as_str)
        .filter(|url| !holds_no_users(url))
        .collect();
    if unread.is_empty() {
        return;
    }
    tracing::warn!(
        references = %unread.join(" "),
        "the directory referred {} part(s) of {base} to other servers; users there were not \
         read. Run again against each (set {LDAP_URL} and {LDAP_BASE_DN} to the reference's \
         server and DN)",
        unread.len()
    );
}

/// AD's application and configuration partitions, which it refers a domain-root search to.
fn holds_no_users(url: &str) -> bool {
    let dn = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map_or("", |(_, dn)| dn)
        .to_ascii_lowercase();
    [
        "dc=domaindnszones,",
        "dc=forestdnszones,",
        "cn=configuration,",
    ]
    .iter()
    .any(|partition| dn.starts_with(partition))
}

/// A small search (lookups): at most `size_limit` entries; more is reported to the caller by
/// returning `size_limit` entries (the server answers sizeLimitExceeded).
pub async fn entries(
    mut ldap: Ldap,
    base: &str,
    scope: Scope,
    filter: &str,
    attrs: &[String],
    size_limit: i32,
) -> Result<Vec<RawEntry>> {
    let what = format!("looking up {filter} under {base}");
    let result = ldap
        .with_search_options(SearchOptions::new().sizelimit(size_limit))
        .search(base, scope, filter, attrs)
        .await
        .map_err(|e| transport_error(&what, &e))?;
    let ldap3::SearchResult(raw, outcome) = result;
    match outcome.rc {
        0 | 4 => {}
        // noSuchObject: a DN that does not exist (any more) is "no such user".
        32 => return Ok(Vec::new()),
        rc => return Err(operation_error(&what, rc, &outcome.text)),
    }
    raw.into_iter()
        .filter(|e| !e.is_ref() && !e.is_intermediate())
        .map(RawEntry::parse)
        .collect()
}

/// The domain's naming context from the rootDSE (AD: `defaultNamingContext`).
pub async fn discover_base_dn(ldap: Ldap, timeout: Duration) -> Result<String> {
    let mut ldap = ldap;
    ldap.with_timeout(timeout);
    let attrs = vec![
        "defaultNamingContext".to_string(),
        "namingContexts".to_string(),
    ];
    let found = entries(ldap, "", Scope::Base, "(objectClass=*)", &attrs, 1).await?;
    found
        .first()
        .and_then(|root| {
            root.text("defaultNamingContext")
                .or_else(|| root.text("namingContexts"))
        })
        .filter(|base| !base.is_empty())
        .ok_or_else(|| {
            Error::config("the directory did not say which base DN to search")
                .with_hint(format!("set {LDAP_BASE_DN}, e.g. DC=example,DC=com"))
        })
}

#[cfg(test)]
mod tests {
    use super::holds_no_users;

    #[test]
    fn only_ads_dns_and_configuration_partitions_are_known_to_hold_no_users() {
        for url in [
            "ldap://DomainDnsZones.example.com/DC=DomainDnsZones,DC=example,DC=com",
            "ldap://ForestDnsZones.example.com/DC=ForestDnsZones,DC=example,DC=com",
            "ldap://example.com/CN=Configuration,DC=example,DC=com",
        ] {
            assert!(holds_no_users(url), "{url}");
        }
        for url in [
            "ldap://child.example.com/DC=child,DC=example,DC=com",
            "ldap://branch.example.test/ou=branch,dc=example,dc=test",
            "ldap://example.com/OU=DomainDnsZones,DC=example,DC=com",
            "not a url",
        ] {
            assert!(!holds_no_users(url), "{url}");
        }
    }
}
