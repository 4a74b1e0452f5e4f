//! Deterministic per-user failures of the photo service, seeded (`photoFault`) or set by a
//! test (`Admin::set_user_photo_fault`): unlike the random rates in `Faults`, the same user
//! fails the same way on every call, as a broken mailbox does.
//!
//! - `storeInternalServerError`: 500 `ErrorStoreInternalServerError`, Exchange's answer for a
//!   mailbox it cannot open (field report: Bookings and other scheduling mailboxes).
//! - `stall`: the call hangs for `Faults::stall_ms`, then a gateway's 504 — longer than any
//!   client waits, so only the client's own timeout and retry budget end it.

use std::time::Duration;

use axum::response::Response;

use crate::respond::graph_error;
use crate::seed::UserPhotoFault;
use crate::state::State;

/// The answer a faulty user's photo (or mailbox-settings) call gets instead of being served;
/// `None` for users without a fault.
pub(crate) async fn intercept(state: &State, user_id: &str) -> Option<Response> {
    match state.user_fault(user_id)? {
        UserPhotoFault::StoreInternalServerError => Some(graph_error(
            500,
            "ErrorStoreInternalServerError",
            "An internal server error occurred. The operation failed.",
        )),
        UserPhotoFault::Stall => {
            let stall = Duration::from_millis(state.faults().stall_ms);
            tokio::time::sleep(stall).await;
            Some(graph_error(
                504,
                "GatewayTimeout",
                "The gateway did not receive a response within the specified time period.",
            ))
        }
    }
}
