//! A credential that cannot work again during this run. A ready access token
//! (`PHOTOSYNC_ACCESS_TOKEN`, what `Get-AzAccessToken` gives a runbook) cannot be renewed: once
//! it has expired, or the service has refused it, every later user would fail the same way, one
//! by one. The authenticator says so here, once; the commands then stop taking users, let those
//! in flight finish, and exit 3 with one error record that says why
//! (`commands::dead_credential`). Renewable credentials (secret, certificate, managed identity)
//! never die this way: their tokens are fetched again.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::error::{Error, ErrorClass};
use crate::schema::{ErrorCode, ErrorInfo};

/// What to do instead, said with every dead-credential error.
const HINT: &str = "a ready token cannot be renewed: for long runs use a managed identity or a certificate, which photosync renews; or get a new token and run again (users already in sync are skipped)";

/// Set once, when the run's credential stops working for good.
#[derive(Debug)]
pub struct DeadCredential {
    sender: watch::Sender<Option<ErrorInfo>>,
}

impl Default for DeadCredential {
    fn default() -> Self {
        DeadCredential {
            sender: watch::channel(None).0,
        }
    }
}

impl DeadCredential {
    /// Record why the credential is dead; the first reason is kept.
    pub fn declare(&self, error: &Error) {
        self.sender.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            tracing::error!("{}; no further users are taken", error.message);
            *current = Some(ErrorInfo {
                code: error.code,
                message: format!("{}; no further users were taken", error.message),
                hint: error.hint.clone(),
            });
            true
        });
    }

    /// Why the credential is dead, if it is.
    pub fn reason(&self) -> Option<ErrorInfo> {
        self.sender.borrow().clone()
    }

    /// Resolves once the credential is declared dead (never, for a healthy run).
    pub async fn declared(&self) -> ErrorInfo {
        let mut rx = self.sender.subscribe();
        loop {
            let reason = rx.borrow_and_update().clone();
            if let Some(reason) = reason {
                return reason;
            }
            // The sender lives in `self`, so `changed` only fails once it is gone.
            if rx.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }
}

/// The error of a ready token whose `exp` has passed.
pub fn expired_token(exp: u64) -> Error {
    let at = UNIX_EPOCH + Duration::from_secs(exp);
    Error::new(
        ErrorCode::AuthFailed,
        ErrorClass::Auth,
        format!(
            "the ready access token expired at {}",
            httpdate::fmt_http_date(at)
        ),
    )
    .with_hint(HINT)
}

/// The error of a ready token the service refused (401): it will not be accepted later either.
pub fn refused_token() -> Error {
    Error::new(
        ErrorCode::AuthFailed,
        ErrorClass::Auth,
        "the service refused the ready access token (401)",
    )
    .with_hint(HINT)
}

/// Whether a token with this `exp` has expired now.
pub fn has_expired(exp: u64) -> bool {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    exp <= now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn first_reason_is_kept_and_wakes_the_waiter() {
        let dead = DeadCredential::default();
        assert!(dead.reason().is_none());
        dead.declare(&expired_token(1_700_000_000));
        dead.declare(&refused_token());
        let reason = dead.declared().await;
        assert_eq!(reason.code, ErrorCode::AuthFailed);
        assert!(reason.message.contains("expired at"), "{}", reason.message);
        assert!(
            reason.message.contains("no further users"),
            "{}",
            reason.message
        );
        assert!(
            reason
                .hint
                .as_deref()
                .unwrap_or_default()
                .contains("managed identity"),
            "{reason:?}"
        );
        assert!(has_expired(1_700_000_000));
        assert!(!has_expired(u64::MAX));
    }
}
