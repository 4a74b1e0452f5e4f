//! Stopping a run whose credential died (`auth::dead`): an expired ready token would fail every
//! remaining user one by one, so the run stops taking users as soon as the authenticator says
//! so, lets the users in flight finish, and exits 3. One error record about no user, written
//! just before the summary, says why, so a caller (the PowerShell module) can tell "the
//! credential died" from "some users were refused".

use std::io;

use crate::engine::{StopReason, StopSignal};
use crate::output::sink::RecordSink;
use crate::schema::{ErrorRecord, OutputRecord, SCHEMA_VERSION};
use crate::store::{CloudContext, RunContext};
use std::sync::Arc;

/// Stop the run when the run's credential dies. Call after the stores are open (they create
/// the credential); a run without cloud stores has nothing to watch.
pub fn watch(stop: &StopSignal, ctx: &RunContext) {
    let Some(context) = ctx.opened_cloud() else {
        return;
    };
    let stop = stop.clone();
    tokio::spawn(async move {
        context.auth.dead.declared().await;
        stop.trigger(StopReason::CredentialDead);
    });
}

/// Passes records through, and writes the dead credential's error record before the summary.
pub struct NoticeSink {
    inner: Box<dyn RecordSink>,
    cloud: Option<Arc<CloudContext>>,
}

impl NoticeSink {
    /// Call after the stores are open, like `watch`.
    pub fn new(inner: Box<dyn RecordSink>, ctx: &RunContext) -> Self {
        NoticeSink {
            inner,
            cloud: ctx.opened_cloud(),
        }
    }
}

impl RecordSink for NoticeSink {
    fn emit(&mut self, record: &OutputRecord) -> io::Result<()> {
        if let OutputRecord::Summary(_) = record
            && let Some(reason) = self.cloud.as_ref().and_then(|c| c.auth.dead.reason())
        {
            self.inner.emit(&OutputRecord::Error(ErrorRecord {
                schema_version: SCHEMA_VERSION,
                user: None,
                line: None,
                store: None,
                error: reason,
            }))?;
        }
        self.inner.emit(record)
    }
}
