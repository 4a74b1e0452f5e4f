//! Why an AD change never arrives: the directory-sync path of one user, for `status` to explain
//! an AD picture that Graph does not show (verdict/diagnose.rs).
//!
//! Two facts come with the lookup PhotoSync already makes (no extra call): `onPremisesSyncEnabled`
//! (`true` for a user Entra Connect syncs; `false` or absent for a cloud-only one) and
//! `onPremisesLastSyncDateTime` (Graph `resources/user.md`). The store remembers the newest last
//! sync it has seen in the run, the tenant's own pace, so a user far behind it stands out: an
//! Entra Connect export error such as `LargeObject` / `ExceededAllowedLength` (where
//! `thumbnailPhoto` is a named cause) stops the whole user exporting. The third fact costs a
//! call and is asked only for users whose AD and Graph pictures differ: beta
//! `GET /users/{id}/onPremisesSyncBehavior` (`isCloudManaged`: the source of authority was moved
//! to the cloud, so updates from AD are blocked; preview since August 2025). It needs
//! `User-OnPremisesSyncBehavior.ReadWrite.All`; the first refusal ends the asking for the run.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde_json::Value;

use crate::auth::TokenSource;
use crate::auth::token::days_from_civil;
use crate::http::{HttpClient, Request};

/// The only permission, read or write (Graph beta `onpremisessyncbehavior-get`).
pub const PERMISSION: &str = "User-OnPremisesSyncBehavior.ReadWrite.All";

#[derive(Debug, Default)]
pub struct SyncPath {
    /// The newest `onPremisesLastSyncDateTime` seen in this run, Unix seconds (0: none yet).
    newest_sync: AtomicU64,
    /// A refusal showed the token may not read `onPremisesSyncBehavior`.
    denied: AtomicBool,
}

impl SyncPath {
    /// Note a looked-up user's last sync.
    pub fn saw(&self, last_sync: Option<&str>) {
        if let Some(at) = last_sync.and_then(unix_seconds) {
            self.newest_sync.fetch_max(at, Ordering::AcqRel);
        }
    }

    /// How many whole hours `last_sync` is behind the newest sync seen in the run.
    pub fn lag_hours(&self, last_sync: &str) -> Option<u64> {
        let newest = self.newest_sync.load(Ordering::Acquire);
        let at = unix_seconds(last_sync)?;
        (newest > 0).then(|| newest.saturating_sub(at) / 3600)
    }

    /// `isCloudManaged`, or `None` when it cannot be read (no permission, an error): never an
    /// error of its own.
    pub async fn cloud_managed(
        &self,
        http: &HttpClient,
        token: &TokenSource,
        beta: &str,
        id: &str,
    ) -> Option<bool> {
        if self.denied.load(Ordering::Acquire) {
            return None;
        }
        let url = format!(
            "{beta}/users/{}/onPremisesSyncBehavior",
            crate::http::percent_encode(id)
        );
        let resp = match http.send(&Request::get(url), Some(token)).await {
            Ok(resp) => resp,
            Err(e) => {
                tracing::debug!(user = %id, error = %e, "onPremisesSyncBehavior not read");
                return None;
            }
        };
        match resp.status {
            200 => resp
                .json::<Value>()
                .ok()?
                .get("isCloudManaged")
                .and_then(Value::as_bool),
            401 | 403 => {
                if !self.denied.swap(true, Ordering::AcqRel) {
                    tracing::info!(
                        "onPremisesSyncBehavior is not readable (no {PERMISSION}): users whose source of authority moved to the cloud are not told apart"
                    );
                }
                None
            }
            status => {
                tracing::debug!(user = %id, status, "no onPremisesSyncBehavior for this user");
                None
            }
        }
    }
}

/// `2026-01-05T07:00:00Z` (fractions and offsets allowed) as Unix seconds.
fn unix_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if text.get(4..5)? != "-" || text.get(7..8)? != "-" || text.get(13..14)? != ":" {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    // The offset, if any, after the seconds and their fraction.
    let rest = text
        .get(19..)?
        .trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(rest.len() - 2..)?.parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let seconds =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    u64::try_from(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_dates_read_as_unix_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2026-01-05T07:00:00Z"), Some(1_767_596_400));
        assert_eq!(
            unix_seconds("2026-01-05T07:00:00.123Z"),
            Some(1_767_596_400)
        );
        assert_eq!(
            unix_seconds("2026-01-05T09:00:00+02:00"),
            Some(1_767_596_400)
        );
        assert_eq!(unix_seconds("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-01-05 07:00"] {
            assert_eq!(unix_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_users_lag_is_measured_from_the_newest_sync_seen() {
        let path = SyncPath::default();
        assert_eq!(
            path.lag_hours("2026-01-05T07:00:00Z"),
            None,
            "nothing seen yet"
        );
        path.saw(Some("2026-01-05T07:00:00Z"));
        path.saw(Some("2025-12-01T07:00:00Z"));
        path.saw(None);
        assert_eq!(path.lag_hours("2026-01-05T07:00:00Z"), Some(0));
        assert_eq!(path.lag_hours("2026-01-01T07:00:00Z"), Some(96));
    }
}
