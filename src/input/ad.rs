//! The `--ad-filter` input source: users read from Active Directory with an LDAP filter.
//!
//! The directory is read by an async task (paged, see `store::ad`); the engine reads input on
//! its own thread through a blocking iterator, so the two meet in a bounded channel and the
//! directory is paged only as fast as users are processed. A search that fails part-way is
//! not "bad input": it ends the list with `SourceFailed`, which says the list is partial and
//! keeps the failure's class (a lost connection is transient, exit 4).

use futures::StreamExt;
use tokio::sync::mpsc;

use super::{InputEvent, InputUser};
use crate::error::Result;
use crate::schema::{ErrorInfo, ErrorRecord, SCHEMA_VERSION};
use crate::settings::DirectorySettings;
use crate::store::ad::AdStore;

/// Users waiting for the engine.
const QUEUE: usize = 256;

pub struct AdInput {
    events: mpsc::Receiver<InputEvent>,
}

impl AdInput {
    /// Connect, check the filter, and start paging. Setup problems (no URL, bind refused, a
    /// malformed filter) are returned here and stop the run; per-entry problems become
    /// error records.
    pub async fn open(settings: &DirectorySettings, filter: &str) -> Result<Self> {
        let store = AdStore::open(settings).await?;
        let filter = Some(filter).filter(|f| !f.trim().is_empty());
        let mut users = store.user_records(filter).await?;
        let (tx, events) = mpsc::channel(QUEUE);
        tokio::spawn(async move {
            let mut line = 0u64;
            let mut next = users.next().await;
            while let Some(user) = next {
                // Read one ahead: an error that ends the stream is the search failing (the
                // list is cut short), one with users after it is one malformed entry.
                next = users.next().await;
                line += 1;
                let event = match user {
                    Ok(user) => InputEvent::User(InputUser {
                        record: user.to_record(),
                        line,
                    }),
                    Err(e) if next.is_some() => {
                        InputEvent::Error(record(line, e.message.clone(), e))
                    }
                    Err(e) => {
                        let message = format!(
                            "the AD search stopped after {} users, so the user list is partial: {}",
                            line - 1,
                            e.message
                        );
                        let class = e.class;
                        let e = e.with_hint(
                            "run again once the directory answers (with --state, users already synced are skipped quickly)",
                        );
                        InputEvent::SourceFailed(record(line, message, e), class)
                    }
                };
                if tx.send(event).await.is_err() {
                    break;
                }
            }
            drop(store);
        });
        Ok(AdInput { events })
    }
}

fn record(line: u64, message: String, e: crate::error::Error) -> ErrorRecord {
    ErrorRecord {
        schema_version: SCHEMA_VERSION,
        user: None,
        line: Some(line),
        store: Some("ad".to_string()),
        error: ErrorInfo {
            code: e.code,
            message,
            hint: e.hint,
        },
    }
}

impl Iterator for AdInput {
    type Item = InputEvent;

    /// Blocks the (non-async) input thread until the next user arrives.
    fn next(&mut self) -> Option<InputEvent> {
        self.events.blocking_recv()
    }
}
