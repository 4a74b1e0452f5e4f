//! Carrying out sync's decision for one user x target: gather the facts `plan` decides on
//! (the state file first; the target only when the plan asks to look, and what it found only
//! once the identity gate admitted it), then skip, fail or write through `apply_write`, and
//! record in the state file what the target holds.

use super::plan::{self, Facts, Held, OwnWrite, Plan, Reason, Seen, Written};
use super::{
    Applied, StateSlot, SyncOptions, WriteMark, apply_write, failed, preview, read_back, result,
};
use crate::engine::identity::{self, Admitted, Claims};
use crate::error::{Error, ErrorClass, Result};
use crate::photo::{self, SourcePhoto};
use crate::schema::{Action, ErrorCode, PhotoInfo, ResultRecord, UserRecord};
use crate::state::VerifiedWrite;
use crate::store::PhotoStore;
use crate::store::ad::ObjectGuid;
use crate::store::identity::Identity;

/// One user x one target.
pub(super) struct Job<'a> {
    pub target: &'a dyn PhotoStore,
    /// Where the target writes (its state key): two records admitted to one object there
    /// are one person given twice.
    pub place: &'a str,
    pub record: &'a UserRecord,
    /// The record's objectGUID (already checked to be well formed).
    pub guid: Option<ObjectGuid>,
    /// The user as name-collision messages name it.
    pub who: &'a str,
    /// The files and objects the run's users claimed.
    pub claims: &'a Claims,
    pub state: Option<StateSlot<'a>>,
    pub src: &'a SourcePhoto,
    /// Who the source store's object `src` was read from is (`None` for the input's own
    /// photo and the default photo).
    pub source_person: Option<&'a Identity>,
    /// The source's name, as messages give it.
    pub source_name: &'a str,
    /// `src` is `--default-photo`: the user's own source has none.
    pub default_photo: bool,
    pub opts: &'a SyncOptions,
}

/// What looking at the target found.
enum Look {
    /// The user is there, admitted by the identity gate, with the photo it holds, if any.
    Found {
        user: Admitted,
        current: Option<Current>,
    },
    /// The user is not there, is someone else, or cannot be read.
    Failed(Seen, Error),
}

/// The photo a target holds: its fingerprint (only that: the bytes, a whole photo file for a
/// folder, are not held while the write goes out), and what it is.
struct Current {
    info: PhotoInfo,
    held: Held,
}

impl Look {
    fn seen(&self) -> Seen {
        match self {
            Look::Found { current: None, .. } => Seen::Empty,
            Look::Found {
                current: Some(current),
                ..
            } => Seen::Holds(current.held),
            Look::Failed(seen, _) => *seen,
        }
    }
}

type Outcome = (ResultRecord, Option<ErrorClass>);

/// Sync one user to one target. Returns the result and the error class when it failed.
pub(super) async fn sync_target(job: Job<'_>) -> Outcome {
    let (target, src, opts) = (job.target, job.src, job.opts);
    // Claimed before anything else, also by users the state file lets sync skip, so a later
    // user whose file is this one's never overwrites it.
    if target.capabilities().can_write
        && let Err(e) = claim(&job)
    {
        return failed(target.name(), Reason::NameCollision, &e);
    }
    // What the state file remembers is about the object it recorded: for a user renamed since
    // (a file named by the old UPN), it says nothing about the object the record names now.
    let remembered = job.state.filter(|slot| {
        let recorded = slot.state.object_of(slot.user, slot.target);
        match (recorded, target.named_object(job.record)) {
            (Some(recorded), Some(named)) => recorded == crate::state::object_digest(&named),
            _ => true,
        }
    });
    let verified_write =
        remembered.and_then(|slot| slot.state.verified_write(slot.user, slot.target));
    let mut facts = Facts {
        force: opts.force,
        recheck: opts.recheck,
        verified_unchanged: remembered.is_some_and(|slot| {
            slot.state.verified_unchanged(
                slot.user,
                slot.target,
                &src.info.sha256,
                opts.recheck_after,
            )
        }),
        verified_before: remembered.is_some_and(|slot| {
            slot.state
                .verified_source(slot.user, slot.target, &src.info.sha256)
        }),
        own_write: match verified_write {
            None => OwnWrite::Unknown,
            Some(write) if write.is_of_source(&src.info.sha256) => OwnWrite::OfThisSource,
            Some(_) => OwnWrite::OfEarlierSource,
        },
        can_write: target.capabilities().can_write,
        only_missing: opts.only_missing,
        keep_outside_changes: opts.keep_outside_changes,
        default_photo: job.default_photo,
        placeholder_source: photo::is_placeholder(&src.info),
        seen: None,
    };
    let look = match plan::plan(&facts) {
        Plan::Look => look_at(&job, verified_write).await,
        Plan::Skip(reason) => {
            // Skipped without a look, the object the state file recorded is still this user's
            // for the run: another record resolving to it is the same person.
            if let Some(slot) = remembered
                && let Some(object) = slot.state.object_of(slot.user, slot.target)
                && let Err(e) = job.claims.claim_object(
                    target.name(),
                    job.place,
                    object,
                    "the one the state file recorded",
                    job.who,
                )
            {
                return failed(target.name(), Reason::DuplicateUser, &e);
            }
            return (result(target.name(), Action::Skipped, reason), None);
        }
        Plan::Fail(reason) => {
            let e = Error::config(format!("the {} store cannot be written", target.name()))
                .with_hint("pick a target that accepts writes");
            return failed(target.name(), reason, &e);
        }
        Plan::Write(reason) => return inconsistent(target, Plan::Write(reason)),
    };
    facts.seen = Some(look.seen());
    // From here on the state is only written to, and never in a dry run.
    let state = job.state.filter(|_| !opts.dry_run);
    match (plan::plan(&facts), look) {
        (Plan::Skip(reason), Look::Found { user, current }) => {
            // Remembered only when the target is in sync: a photo left alone (--only-missing,
            // the default photo, --keep-outside-changes) is not this source verified there.
            let own_write = reason == Reason::OwnWriteUnchanged;
            if let (Some(slot), Some(current)) = (state, &current)
                && (own_write || reason == Reason::AlreadyInSync)
            {
                slot.record_verified(src, &current.info, own_write, user.user());
            }
            (result(target.name(), Action::Skipped, reason), None)
        }
        (Plan::Fail(reason), Look::Failed(_, e)) => failed(target.name(), reason, &e),
        (Plan::Write(reason), Look::Found { user, current }) => {
            let before = current.as_ref().map(|c| &c.info);
            write(&job, state, reason, &user, before).await
        }
        (decision, _) => inconsistent(target, decision),
    }
}

/// Claim the file this user is written to, when the target names files.
fn claim(job: &Job<'_>) -> Result<()> {
    match job.target.write_name(job.record) {
        Some(name) => job.claims.claim(job.target.name(), &name, job.who),
        None => Ok(()),
    }
}

/// Claim the file and the object an admitted user is written to.
fn claim_admitted(job: &Job<'_>, admitted: &Admitted) -> Result<()> {
    claim(job)?;
    let user = admitted.user();
    // A store without a directory object (a folder's file) names it by its key.
    let named = match user.identity.object.as_str() {
        "" => user.key.as_str(),
        object => object,
    };
    job.claims.claim_object(
        job.target.name(),
        job.place,
        crate::state::object_digest(&user.key),
        named,
        job.who,
    )
}

/// Resolve the user in the target, pass it through the identity gate, and read what it holds:
/// PhotoSync's own verified write (`verified_write`, compared byte for byte), else a picture
/// judged against the source.
async fn look_at(job: &Job<'_>, verified_write: Option<VerifiedWrite>) -> Look {
    let (target, record, src) = (job.target, job.record, job.src);
    let found = match target.resolve(record).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            let e = Error::new(
                ErrorCode::UserNotFound,
                ErrorClass::NotFound,
                format!("the user was not found in {}", target.name()),
            )
            .with_hint(target.capabilities().not_found_hint);
            return Look::Failed(Seen::NotFound, e);
        }
        Err(e) => return Look::Failed(Seen::failure(&e), e),
    };
    let policy = &job.opts.identity;
    if let Err(e) = identity::confirm_keys_agree(target, record, &found).await {
        return Look::Failed(Seen::failure(&e), e);
    }
    if let Some(source) = job.source_person
        && let Err(e) = identity::confirm_same_person(
            &format!("the source ({})", job.source_name),
            source,
            target.name(),
            &found.identity,
        )
    {
        return Look::Failed(Seen::failure(&e), e);
    }
    // The file claimed again (another user may have claimed it since), and the object now
    // that it is known.
    let user = match identity::admit(target.name(), record, job.guid, found, policy)
        .and_then(|admitted| claim_admitted(job, &admitted).map(|()| admitted))
    {
        Ok(admitted) => admitted,
        Err(e) => return Look::Failed(Seen::failure(&e), e),
    };
    match target.read_photo(user.user()).await {
        Ok(read) => {
            let current = read.photo.map(|p| {
                let held = if verified_write.is_some_and(|w| w.is_held_as(&p.info.sha256)) {
                    Held::OwnWrite
                } else if let Some((true, distance)) = photo::same_picture(&p.info, &src.info) {
                    let rendition = target
                        .capabilities()
                        .rendition
                        .map(|r| r.side_for(src.info.side()));
                    match photo::doubt(distance, p.info.side(), rendition) {
                        None => Held::Same,
                        Some(_) => Held::ProbablySame,
                    }
                } else {
                    Held::Other {
                        placeholder: photo::is_placeholder(&p.info),
                    }
                };
                Current { info: p.info, held }
            });
            Look::Found { user, current }
        }
        // Without knowing what is there, writing could clobber a newer photo: stop here.
        Err(e) => Look::Failed(Seen::Unreadable, e),
    }
}

/// Write the source picture for `reason`, unless an earlier run's write of it shows up.
async fn write(
    job: &Job<'_>,
    state: Option<StateSlot<'_>>,
    reason: Reason,
    user: &Admitted,
    before: Option<&PhotoInfo>,
) -> Outcome {
    let (target, src, opts) = (job.target, job.src, job.opts);
    // A read-back is PhotoSync's own write only when it shows other bytes than the target held
    // before: the same bytes may be the old picture still showing (judged "the same" as the
    // source), and recording that as our write would stop later runs from ever judging it.
    let own_write = |shown: &PhotoInfo| before.is_none_or(|b| b.sha256 != shown.sha256);
    // An earlier run's write of this very picture was accepted but not yet seen (that run
    // stopped, or the service is slow to show it): watch for it before writing it again.
    if !opts.force
        && let Some(slot) = state
        && let Some(age) = slot
            .state
            .pending_age(slot.user, slot.target, &src.info.sha256)
        && let Some(left) = opts.verify_window.checked_sub(age)
        && let Ok(Applied::Written(info)) = read_back(target, user.user(), src, before, left).await
    {
        slot.record_verified(src, &info, own_write(&info), user.user());
        return (
            result(target.name(), Action::Skipped, Reason::AlreadyInSync),
            None,
        );
    }
    // Recorded as pending before the write is sent (`apply_write`), so a run killed before
    // the read-back, even before the store's answer, still knows to check this user next time.
    let pending = |mark: WriteMark| {
        if let Some(slot) = state {
            match mark {
                WriteMark::Sending => slot.record_pending(src, user.user()),
                WriteMark::Refused => slot.record_refused(user.user()),
            }
        }
    };
    // Claimed again at the last moment: a later record of the same file or object refuses
    // this write too while it is still to come.
    if let Err(e) = claim_admitted(job, user) {
        return failed(target.name(), plan::source_failure(&e), &e);
    }
    let (written, photo) = match apply_write(target, user, src, before, opts, &pending).await {
        Ok(Applied::WouldWrite(preview)) => (Written::WouldWrite, preview),
        Ok(Applied::Written(info)) => {
            if let Some(slot) = state {
                slot.record_verified(src, &info, own_write(&info), user.user());
            }
            (Written::Verified, Some(info))
        }
        Ok(Applied::NotYetVisible) => (
            Written::NotYetVisible,
            preview(target.capabilities().rendition, src).await,
        ),
        Err(e) => return failed(target.name(), plan::refusal(&e, reason), &e),
    };
    match plan::settle(written, reason, opts.require_verified) {
        (Action::Failed, reason, _) => {
            let e = super::verify_failed(
                target.name(),
                "the previous picture until --verify-window ran out",
            )
            .with_hint("the service shows writes only after a while: run status later, or widen --verify-window");
            failed(target.name(), reason, &e)
        }
        (action, reason, verified) => {
            let mut record = result(target.name(), action, reason);
            record.verified = verified;
            record.photo = photo;
            (record, None)
        }
    }
}

/// A decision that does not fit what sync saw (a bug, never the user's data): the user fails
/// on this target with a plain error instead of a write nobody decided.
fn inconsistent(target: &dyn PhotoStore, decision: Plan) -> Outcome {
    let e = Error::new(
        ErrorCode::StoreRejected,
        ErrorClass::Failed,
        format!(
            "sync could not carry out {decision:?} for the {} target",
            target.name()
        ),
    )
    .with_hint("this is a bug in photosync: please report it with the command line");
    failed(target.name(), Reason::TargetUnreadable, &e)
}
