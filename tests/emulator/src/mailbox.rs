//! Graph `GET /users/{id|upn}/mailboxSettings` and `…/mailboxSettings/userPurpose`: what
//! Exchange Online says a mailbox is for (user, shared, room, equipment, …). Served by Exchange,
//! so it answers like Outlook's REST surface — `ErrorAccessDenied` without the role,
//! `ErrorInvalidUser` for an unknown user, `MailboxNotEnabledForRESTAPI` for a user without an
//! Exchange Online mailbox (guests, mailbox-less and on-premises users) — and each request
//! takes one of the app's Outlook concurrency slots, like the photo routes.

use std::sync::Arc;

use axum::response::Response;
use serde_json::{Value, json};

use crate::graph::{admit, decorate, denied_photo};
use crate::respond::{graph_error, json};
use crate::state::State;
use crate::token::AccessClaims;

/// Application (and delegated) permissions that read mailbox settings
/// (`user-get-mailboxsettings.md`, least privileged first).
const READ_MAILBOX_SETTINGS: [&str; 2] = ["MailboxSettings.Read", "MailboxSettings.ReadWrite"];

/// Which part of the settings was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// `/mailboxSettings`: the whole `mailboxSettings` object.
    All,
    /// `/mailboxSettings/userPurpose`: the property alone, as `{"value": …}`.
    UserPurpose,
}

pub(crate) async fn mailbox_settings(
    state: &Arc<State>,
    claims: &AccessClaims,
    version: &str,
    key: &str,
    part: Part,
) -> Response {
    if !claims.has_any_role(&READ_MAILBOX_SETTINGS) {
        return denied_photo();
    }
    let Some(user) = state.find_user(key) else {
        return graph_error(
            404,
            "ErrorInvalidUser",
            &format!("The requested user '{key}' is invalid."),
        );
    };
    if let Some(r) = crate::user_faults::intercept(state, &user.id).await {
        return r;
    }
    let admitted = match admit(state, claims, 1, false, Some(&user.id)) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let resp = match user.user_purpose {
        None => graph_error(
            404,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        ),
        Some(purpose) => {
            let context = format!(
                "{}/{version}/$metadata#users('{}')/mailboxSettings",
                state.base_url(),
                user.id
            );
            match part {
                Part::UserPurpose => json(
                    200,
                    json!({
                        "@odata.context": format!("{context}/userPurpose"),
                        "value": purpose.as_str(),
                    }),
                ),
                Part::All => json(200, all_settings(&context, purpose.as_str())),
            }
        }
    };
    decorate(resp, admitted)
}

/// A new mailbox's settings. `userPurpose` is a string here, as in the resource's JSON
/// representation and the v1.0 SDKs (an enum); the API page's first example wraps it in
/// `{"value": …}`, which that enum type does not match.
fn all_settings(context: &str, purpose: &str) -> Value {
    json!({
        "@odata.context": context,
        "archiveFolder": "",
        "timeZone": "UTC",
        "automaticRepliesSetting": {
            "status": "disabled",
            "externalAudience": "all",
            "internalReplyMessage": "",
            "externalReplyMessage": "",
            "scheduledStartDateTime": {"dateTime": "2026-01-01T00:00:00.0000000", "timeZone": "UTC"},
            "scheduledEndDateTime": {"dateTime": "2026-01-02T00:00:00.0000000", "timeZone": "UTC"},
        },
        "language": {"locale": "en-US", "displayName": "English (United States)"},
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": "08:00:00.0000000",
            "endTime": "17:00:00.0000000",
            "timeZone": {"name": "UTC"},
        },
        "userPurpose": purpose,
        "dateFormat": "M/d/yyyy",
        "timeFormat": "h:mm tt",
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
    })
}
