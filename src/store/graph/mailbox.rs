//! What kind of mailbox a user has, as Exchange Online tells it through Graph
//! (`GET /users/{id}/mailboxSettings/userPurpose`: `user`, `linked`, `shared`, `room`,
//! `equipment`, `others`). Shared, room and equipment mailboxes seldom get a photo, and nobody
//! signs in as them to set one; `status` explains that (verdict/diagnose.rs) from the store's
//! `details.userPurpose`.
//!
//! Asked only by `status`, only for a found user without a photo, never for a guest (no
//! mailbox in this tenant) — so in-sync users and `sync` never pay for it. The call is an
//! Outlook resource and goes through the shared Outlook in-flight limit. Reading needs
//! `MailboxSettings.Read` (application), which a photo tool seldom holds: any refusal or
//! missing mailbox just leaves the detail out, silently. Until one answer has shown whether
//! the token may read mailbox settings, users ask one at a time; a 403 to a token whose roles
//! lack the permission ends the asking for the run, so an app without it spends one call per
//! run, not one per user. A 403 despite the role (an Exchange application access policy may
//! scope the app to some mailboxes) is taken per mailbox.

use std::sync::atomic::{AtomicU8, Ordering};

use tokio::sync::Mutex;

use crate::auth::TokenSource;
use crate::http::{HttpClient, Request, Response};

/// The application permissions that read mailbox settings (Graph `user-get-mailboxsettings`).
pub const READ_PERMISSIONS: [&str; 2] = ["MailboxSettings.Read", "MailboxSettings.ReadWrite"];

const UNKNOWN: u8 = 0;
const ALLOWED: u8 = 1;
const DENIED: u8 = 2;

/// Whether this run's token may read mailbox settings, learnt from the first answer.
#[derive(Debug, Default)]
pub struct MailboxSettings {
    access: AtomicU8,
    /// Held by the one user asking while `access` is still unknown.
    first_answer: Mutex<()>,
}

impl MailboxSettings {
    fn access(&self) -> u8 {
        self.access.load(Ordering::Acquire)
    }

    fn learn(&self, access: u8) {
        self.access.store(access, Ordering::Release);
    }

    /// The user's `userPurpose`, or `None` when it cannot be read (no permission, no
    /// mailbox, an error): never an error of its own.
    pub async fn user_purpose(
        &self,
        http: &HttpClient,
        token: &TokenSource,
        v1: &str,
        id: &str,
    ) -> Option<String> {
        if self.access() == DENIED {
            return None;
        }
        let _first = if self.access() == UNKNOWN {
            Some(self.first_answer.lock().await)
        } else {
            None
        };
        if self.access() == DENIED {
            return None;
        }
        let url = format!(
            "{v1}/users/{}/mailboxSettings/userPurpose",
            crate::http::percent_encode(id)
        );
        let resp = match http.send(&Request::get(url).outlook(), Some(token)).await {
            Ok(resp) => resp,
            Err(e) => {
                tracing::debug!(user = %id, error = %e, "mailbox settings not read");
                return None;
            }
        };
        match resp.status {
            200 => {
                self.learn(ALLOWED);
                purpose_of(&resp)
            }
            403 => {
                let held = token.permissions().await;
                let holds_role = held
                    .iter()
                    .any(|p| READ_PERMISSIONS.iter().any(|r| p.eq_ignore_ascii_case(r)));
                if holds_role {
                    self.learn(ALLOWED);
                    tracing::debug!(user = %id, "mailbox settings refused for this mailbox");
                } else {
                    self.learn(DENIED);
                    tracing::info!(
                        "mailbox settings are not readable (no MailboxSettings.Read): shared, room and equipment mailboxes are not told apart"
                    );
                }
                None
            }
            status => {
                // 404 `MailboxNotEnabledForRESTAPI`: no Exchange Online mailbox. The token
                // was good enough to be told so.
                self.learn(ALLOWED);
                tracing::debug!(user = %id, status, "no mailbox settings for this user");
                None
            }
        }
    }
}

/// `{"value": "room"}`: the property alone, whether Graph types it as the enum of its v1.0
/// metadata or as the `{"value": …}` complex type some doc pages describe. A value wrapped once
/// more (as the docs' whole-settings example shows it) is read too.
fn purpose_of(resp: &Response) -> Option<String> {
    let body = resp.json::<serde_json::Value>().ok()?;
    let value = body.get("value")?;
    value
        .as_str()
        .or_else(|| value.get("value").and_then(|v| v.as_str()))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &str) -> Response {
        Response {
            status: 200,
            headers: Default::default(),
            body: bytes::Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn the_purpose_is_read_plain_or_wrapped() {
        let plain = r#"{"@odata.context":"x/mailboxSettings/userPurpose","value":"room"}"#;
        assert_eq!(purpose_of(&response(plain)).as_deref(), Some("room"));
        let wrapped = r#"{"value":{"value":"shared"}}"#;
        assert_eq!(purpose_of(&response(wrapped)).as_deref(), Some("shared"));
        assert_eq!(purpose_of(&response(r#"{"value":""}"#)), None);
        assert_eq!(purpose_of(&response("not json")), None);
    }
}
