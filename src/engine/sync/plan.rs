//! What sync does for one user x target, decided from what it knows: pure, so every case is a
//! row of the decision table in the tests. `execute` gathers the facts (it looks at the target
//! only when `plan` asks to) and carries the decision out.

use crate::error::Error;
use crate::schema::{Action, ErrorCode};

/// Why an action was taken: the `reason` of a `result` record (docs/cli.md lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// `--state`: verified before and the source is unchanged; the target was not called.
    UnchangedSinceVerified,
    AlreadyInSync,
    NoSourcePhoto,
    SourceUnreadable,
    IdentityMismatch,
    AmbiguousIdentity,
    NameCollision,
    /// Two records of the run resolve to one object of the target: neither is written.
    DuplicateUser,
    NoIdentity,
    TargetReadOnly,
    UserNotFound,
    TargetUnreadable,
    Differs,
    MissingInTarget,
    Forced,
    NotYetVisible,
    CloudWritesBlocked,
    SharepointProfileWriteDenied,
    /// `--only-missing` (or the default photo): the target already holds a real photo.
    TargetHasPhoto,
    /// The target held a placeholder (a nearly uniform picture): written over.
    PlaceholderInTarget,
    /// `--default-photo`: the user's source has none, the target had none either.
    DefaultPhoto,
    /// The source picture is nearly uniform (a blank, a silhouette, a placeholder) and the
    /// target holds somebody's photo: left in place.
    PlaceholderSource,
    /// `--state`: someone changed the target since PhotoSync's verified write while the source
    /// stayed the same; written back (the default).
    ReplacedOutsideChange,
    /// The same, left alone with `--keep-outside-changes`.
    ChangedOutsidePhotosync,
    /// `--state`: the target holds PhotoSync's verified write byte for byte and the source is
    /// unchanged since: in sync by the record, no picture judgement made.
    OwnWriteUnchanged,
    /// `--state`: the source changed since PhotoSync's verified write to the target: written,
    /// whatever the target shows (a picture judged "the same" is no reason to skip an update).
    SourceChanged,
    /// The target's picture is judged the same as the source's, but not clearly enough to
    /// skip (`photo::doubt`: a narrow margin, or a picture too small to show a changed
    /// region): written, so a misjudged picture is not left.
    ProbablySame,
}

impl Reason {
    /// Every reason, for the docs check.
    pub const ALL: [Reason; 27] = [
        Reason::UnchangedSinceVerified,
        Reason::AlreadyInSync,
        Reason::NoSourcePhoto,
        Reason::SourceUnreadable,
        Reason::IdentityMismatch,
        Reason::AmbiguousIdentity,
        Reason::NameCollision,
        Reason::DuplicateUser,
        Reason::NoIdentity,
        Reason::TargetReadOnly,
        Reason::UserNotFound,
        Reason::TargetUnreadable,
        Reason::Differs,
        Reason::MissingInTarget,
        Reason::Forced,
        Reason::NotYetVisible,
        Reason::CloudWritesBlocked,
        Reason::SharepointProfileWriteDenied,
        Reason::TargetHasPhoto,
        Reason::PlaceholderInTarget,
        Reason::DefaultPhoto,
        Reason::PlaceholderSource,
        Reason::ReplacedOutsideChange,
        Reason::ChangedOutsidePhotosync,
        Reason::OwnWriteUnchanged,
        Reason::SourceChanged,
        Reason::ProbablySame,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reason::UnchangedSinceVerified => "unchanged-since-verified",
            Reason::AlreadyInSync => "already-in-sync",
            Reason::NoSourcePhoto => "no-source-photo",
            Reason::SourceUnreadable => "source-unreadable",
            Reason::IdentityMismatch => "identity-mismatch",
            Reason::AmbiguousIdentity => "ambiguous-identity",
            Reason::NameCollision => "name-collision",
            Reason::DuplicateUser => "duplicate-user",
            Reason::NoIdentity => "no-identity",
            Reason::TargetReadOnly => "target-read-only",
            Reason::UserNotFound => "user-not-found",
            Reason::TargetUnreadable => "target-unreadable",
            Reason::Differs => "differs",
            Reason::MissingInTarget => "missing-in-target",
            Reason::Forced => "forced",
            Reason::NotYetVisible => "not-yet-visible",
            Reason::CloudWritesBlocked => "cloud-writes-blocked",
            Reason::SharepointProfileWriteDenied => "sharepoint-profile-write-denied",
            Reason::TargetHasPhoto => "target-has-photo",
            Reason::PlaceholderInTarget => "placeholder-in-target",
            Reason::DefaultPhoto => "default-photo",
            Reason::PlaceholderSource => "placeholder-source",
            Reason::ReplacedOutsideChange => "replaced-outside-change",
            Reason::ChangedOutsidePhotosync => "changed-outside-photosync",
            Reason::OwnWriteUnchanged => "own-write-unchanged",
            Reason::SourceChanged => "source-changed",
            Reason::ProbablySame => "probably-same",
        }
    }
}

/// What the target showed when sync looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The target does not know the user.
    NotFound,
    /// The identity gate refused what the target found (another person, several objects, a
    /// file another user claimed, a DN alone), for this reason.
    NotProven(Reason),
    /// The target could not be read: writing blind could clobber a newer photo.
    Unreadable,
    /// The user is there without a photo.
    Empty,
    /// The user's photo.
    Holds(Held),
}

/// What the photo in a target is. Only a picture PhotoSync did not write is judged by looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Byte for byte the verified write the state records (`OwnWrite` says of which source).
    OwnWrite,
    /// Clearly judged to be the source picture.
    Same,
    /// Judged to be the source picture, but not clearly (`photo::Doubt`): not reason enough
    /// to skip.
    ProbablySame,
    /// Judged to be another picture; `placeholder`: a nearly uniform one rather than
    /// somebody's photo.
    Other { placeholder: bool },
}

/// What the state records of PhotoSync's own verified write to the target (`--state`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OwnWrite {
    /// None recorded: no state, no entry, a pending write, a picture found in place, or a
    /// line from an older version. The target is judged by its picture, as before.
    #[default]
    Unknown,
    /// A write of this very source picture.
    OfThisSource,
    /// A write of an earlier source picture: the source changed since, so the target is out
    /// of date whatever it shows.
    OfEarlierSource,
}

impl Seen {
    /// How a failed look reads.
    pub fn failure(e: &Error) -> Seen {
        match identity_refusal(e) {
            Some(reason) => Seen::NotProven(reason),
            None => Seen::Unreadable,
        }
    }
}

/// What sync knows about one user x target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    /// `--force`: write even when the picture is already there.
    pub force: bool,
    /// `--recheck`: read the target even when the state says it is verified.
    pub recheck: bool,
    /// The state says the target was verified, recently, to hold this very source picture.
    pub verified_unchanged: bool,
    /// The state says the target was verified, at any time, to hold this very source picture:
    /// another picture there now was put there by someone else.
    pub verified_before: bool,
    /// PhotoSync's own verified write to this target, as the state records it.
    pub own_write: OwnWrite,
    pub can_write: bool,
    /// `--only-missing`: write only where the target has no photo or a placeholder.
    pub only_missing: bool,
    /// `--keep-outside-changes`: leave a target someone changed since the verified write.
    pub keep_outside_changes: bool,
    /// The source picture is `--default-photo` (the user's own source has none): it only ever
    /// fills a missing photo or a placeholder, never replaces somebody's photo.
    pub default_photo: bool,
    /// The source picture is nearly uniform (`photo::is_placeholder`): like the default photo,
    /// it fills a missing photo or a placeholder and never replaces somebody's photo, so a
    /// directory whose pictures were blanked does not blank every service.
    pub placeholder_source: bool,
    /// What the target showed; `None` before sync has looked.
    pub seen: Option<Seen>,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Look at the target (resolve the user, read the photo), then plan again.
    Look,
    Skip(Reason),
    Fail(Reason),
    Write(Reason),
}

/// Decide what to do for one user x target.
pub fn plan(facts: &Facts) -> Plan {
    if facts.verified_unchanged && !facts.force && !facts.recheck {
        return Plan::Skip(Reason::UnchangedSinceVerified);
    }
    if !facts.can_write {
        return Plan::Fail(Reason::TargetReadOnly);
    }
    let only_missing = facts.only_missing || facts.default_photo || facts.placeholder_source;
    match facts.seen {
        None => Plan::Look,
        Some(Seen::NotFound) => Plan::Fail(Reason::UserNotFound),
        Some(Seen::NotProven(reason)) => Plan::Fail(reason),
        Some(Seen::Unreadable) => Plan::Fail(Reason::TargetUnreadable),
        // PhotoSync's own write of this very source, still there: in sync by the record.
        Some(Seen::Holds(Held::OwnWrite)) if facts.own_write == OwnWrite::OfThisSource => {
            if facts.force && !only_missing {
                Plan::Write(Reason::Forced)
            } else {
                Plan::Skip(Reason::OwnWriteUnchanged)
            }
        }
        // A picture judged the same counts only while the source is the one last written.
        Some(Seen::Holds(Held::Same)) if facts.own_write != OwnWrite::OfEarlierSource => {
            if facts.force && !only_missing {
                Plan::Write(Reason::Forced)
            } else {
                Plan::Skip(Reason::AlreadyInSync)
            }
        }
        Some(Seen::Holds(Held::Other { placeholder: true })) => {
            Plan::Write(Reason::PlaceholderInTarget)
        }
        Some(Seen::Holds(_))
            if facts.placeholder_source && !facts.only_missing && !facts.default_photo =>
        {
            Plan::Skip(Reason::PlaceholderSource)
        }
        Some(Seen::Holds(_)) if only_missing => Plan::Skip(Reason::TargetHasPhoto),
        Some(Seen::Holds(_)) if facts.own_write == OwnWrite::OfEarlierSource => {
            Plan::Write(Reason::SourceChanged)
        }
        Some(Seen::Holds(_)) if facts.verified_before && facts.keep_outside_changes => {
            Plan::Skip(Reason::ChangedOutsidePhotosync)
        }
        Some(Seen::Holds(_)) if facts.verified_before => Plan::Write(Reason::ReplacedOutsideChange),
        Some(Seen::Holds(Held::ProbablySame)) => Plan::Write(Reason::ProbablySame),
        Some(Seen::Holds(_)) => Plan::Write(Reason::Differs),
        Some(Seen::Empty) if facts.default_photo => Plan::Write(Reason::DefaultPhoto),
        Some(Seen::Empty) => Plan::Write(Reason::MissingInTarget),
    }
}

/// Why a user fails on every target when its source photo cannot be had.
pub fn source_failure(e: &Error) -> Reason {
    identity_refusal(e).unwrap_or(Reason::SourceUnreadable)
}

/// The reason of an identity refusal (the gate's, or a store's own lookup).
fn identity_refusal(e: &Error) -> Option<Reason> {
    Some(match e.code {
        ErrorCode::IdentityMismatch => Reason::IdentityMismatch,
        ErrorCode::AmbiguousIdentity => Reason::AmbiguousIdentity,
        ErrorCode::NameCollision => Reason::NameCollision,
        ErrorCode::DuplicateUser => Reason::DuplicateUser,
        ErrorCode::NoIdentity => Reason::NoIdentity,
        _ => return None,
    })
}

/// What became of a write `execute` carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// `--dry-run`: nothing was written.
    WouldWrite,
    /// Read back as the source picture.
    Verified,
    /// Accepted, but reads still showed the previous state when the verify window ran out.
    NotYetVisible,
}

/// The action, reason and `verified` of a write done for `reason`; a write not yet visible is
/// a failure only with `--require-verified`.
pub fn settle(
    written: Written,
    reason: Reason,
    require_verified: bool,
) -> (Action, Reason, Option<bool>) {
    match written {
        Written::WouldWrite => (Action::WouldUpdate, reason, None),
        Written::Verified => (Action::Updated, reason, Some(true)),
        Written::NotYetVisible if require_verified => (Action::Failed, Reason::NotYetVisible, None),
        Written::NotYetVisible => (Action::Updated, Reason::NotYetVisible, Some(false)),
    }
}

/// The reason a refused write is reported with: a refusal with its own name says more than the
/// reason the write was attempted.
pub fn refusal(e: &Error, attempted: Reason) -> Reason {
    match e.code {
        ErrorCode::SharepointProfileWriteDenied => Reason::SharepointProfileWriteDenied,
        ErrorCode::BlockedByPolicy => Reason::CloudWritesBlocked,
        _ => attempted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorClass;

    const NO: bool = false;
    const YES: bool = true;

    /// Every row: force, recheck, verified_unchanged, can_write, what the target showed, and
    /// the decision (without the modes below). Read it as the specification of sync's choices.
    #[test]
    fn the_decision_table() {
        use Plan::*;
        use Reason::*;
        let same = Some(Seen::Holds(Held::Same));
        let probably = Some(Seen::Holds(Held::ProbablySame));
        let other = Some(Seen::Holds(Held::Other { placeholder: false }));
        let refused = |reason| Some(Seen::NotProven(reason));
        type Row = (bool, bool, bool, bool, Option<Seen>, Plan);
        #[rustfmt::skip]
        let rows: &[Row] = &[
            // --state: verified and unchanged skips without a call, unless forced or rechecked.
            (NO,  NO,  YES, YES, None,                         Skip(UnchangedSinceVerified)),
            (NO,  NO,  YES, NO,  None,                         Skip(UnchangedSinceVerified)),
            (YES, NO,  YES, YES, None,                         Look),
            (NO,  YES, YES, YES, None,                         Look),
            // A target that cannot be written fails before it is looked at.
            (NO,  NO,  NO,  NO,  None,                         Fail(TargetReadOnly)),
            (YES, YES, YES, NO,  None,                         Fail(TargetReadOnly)),
            // Nothing is decided before looking.
            (NO,  NO,  NO,  YES, None,                         Look),
            // What the target showed decides.
            (NO,  NO,  NO,  YES, Some(Seen::NotFound),         Fail(UserNotFound)),
            (YES, NO,  NO,  YES, Some(Seen::NotFound),         Fail(UserNotFound)),
            (NO,  NO,  NO,  YES, refused(IdentityMismatch),    Fail(IdentityMismatch)),
            (YES, NO,  NO,  YES, refused(IdentityMismatch),    Fail(IdentityMismatch)),
            (YES, NO,  NO,  YES, refused(AmbiguousIdentity),   Fail(AmbiguousIdentity)),
            (YES, NO,  NO,  YES, refused(NameCollision),       Fail(NameCollision)),
            (NO,  NO,  NO,  YES, refused(NoIdentity),          Fail(NoIdentity)),
            (NO,  NO,  NO,  YES, Some(Seen::Unreadable),       Fail(TargetUnreadable)),
            (YES, NO,  NO,  YES, Some(Seen::Unreadable),       Fail(TargetUnreadable)),
            (NO,  NO,  NO,  YES, same,                         Skip(AlreadyInSync)),
            (NO,  YES, YES, YES, same,                         Skip(AlreadyInSync)),
            (YES, NO,  NO,  YES, same,                         Write(Forced)),
            // Judged the same too narrowly to leave: written, forced or not.
            (NO,  NO,  NO,  YES, probably,                     Write(ProbablySame)),
            (NO,  YES, YES, YES, probably,                     Write(ProbablySame)),
            (YES, NO,  NO,  YES, probably,                     Write(ProbablySame)),
            (NO,  NO,  NO,  YES, other,                        Write(Differs)),
            (YES, NO,  NO,  YES, other,                        Write(Differs)),
            (NO,  NO,  NO,  YES, Some(Seen::Empty),            Write(MissingInTarget)),
            (YES, NO,  NO,  YES, Some(Seen::Empty),            Write(MissingInTarget)),
        ];
        for &(force, recheck, verified_unchanged, can_write, seen, expected) in rows {
            let facts = Facts {
                force,
                recheck,
                verified_unchanged,
                can_write,
                seen,
                ..Facts::default()
            };
            assert_eq!(plan(&facts), expected, "{facts:?}");
        }
    }

    /// Issue 21 §3, after looking at a writable target: `--only-missing`, the default photo,
    /// and a picture changed outside PhotoSync (the state verified this source there before)
    /// with and without `--keep-outside-changes`. Row: only_missing, default_photo,
    /// verified_before, keep_outside_changes, force, what the target showed, the decision.
    #[test]
    fn the_decision_table_of_missing_photos_and_outside_changes() {
        use Plan::*;
        use Reason::*;
        let other = |placeholder| Some(Seen::Holds(Held::Other { placeholder }));
        let (photo, placeholder, same) = (other(NO), other(YES), Some(Seen::Holds(Held::Same)));
        let probably = Some(Seen::Holds(Held::ProbablySame));
        let empty = Some(Seen::Empty);
        type Row = (bool, bool, bool, bool, bool, Option<Seen>, Plan);
        #[rustfmt::skip]
        let rows: &[Row] = &[
            // --only-missing fills what has no photo or a placeholder, and nothing else.
            (YES, NO,  NO,  NO,  NO,  empty,       Write(MissingInTarget)),
            (YES, NO,  NO,  NO,  NO,  placeholder, Write(PlaceholderInTarget)),
            (YES, NO,  NO,  NO,  NO,  photo,       Skip(TargetHasPhoto)),
            (YES, NO,  YES, NO,  NO,  photo,       Skip(TargetHasPhoto)),
            (YES, NO,  NO,  NO,  NO,  same,        Skip(AlreadyInSync)),
            (YES, NO,  NO,  NO,  NO,  probably,    Skip(TargetHasPhoto)),
            (NO,  YES, NO,  NO,  NO,  probably,    Skip(TargetHasPhoto)),
            // A placeholder is replaced in every mode.
            (NO,  NO,  NO,  NO,  NO,  placeholder, Write(PlaceholderInTarget)),
            (NO,  NO,  YES, YES, NO,  placeholder, Write(PlaceholderInTarget)),
            // The default photo never replaces somebody's photo, even with --force.
            (NO,  YES, NO,  NO,  NO,  empty,       Write(DefaultPhoto)),
            (NO,  YES, NO,  NO,  NO,  placeholder, Write(PlaceholderInTarget)),
            (NO,  YES, NO,  NO,  NO,  photo,       Skip(TargetHasPhoto)),
            (NO,  YES, NO,  NO,  YES, photo,       Skip(TargetHasPhoto)),
            (NO,  YES, NO,  NO,  YES, same,        Skip(AlreadyInSync)),
            // Changed outside PhotoSync while the source stayed: written back by default,
            // left alone with --keep-outside-changes.
            (NO,  NO,  YES, NO,  NO,  photo,       Write(ReplacedOutsideChange)),
            (NO,  NO,  YES, YES, NO,  photo,       Skip(ChangedOutsidePhotosync)),
            (NO,  NO,  YES, YES, NO,  same,        Skip(AlreadyInSync)),
            (NO,  NO,  YES, YES, NO,  probably,    Skip(ChangedOutsidePhotosync)),
            (NO,  NO,  YES, NO,  NO,  probably,    Write(ReplacedOutsideChange)),
            (NO,  NO,  YES, YES, NO,  empty,       Write(MissingInTarget)),
            // Without a verified write before, a different picture is just a difference.
            (NO,  NO,  NO,  YES, NO,  photo,       Write(Differs)),
        ];
        for &(
            only_missing,
            default_photo,
            verified_before,
            keep_outside_changes,
            force,
            seen,
            expected,
        ) in rows
        {
            let facts = Facts {
                force,
                can_write: true,
                only_missing,
                default_photo,
                verified_before,
                keep_outside_changes,
                seen,
                ..Facts::default()
            };
            assert_eq!(plan(&facts), expected, "{facts:?}");
        }
    }

    /// A nearly uniform source picture, after looking at a writable target: it fills what has
    /// no photo or a placeholder and never replaces somebody's photo, whatever the mode or the
    /// state says. Row: force, verified_before, what the state records of the write,
    /// only_missing, what the target showed, the decision.
    #[test]
    fn the_decision_table_of_a_placeholder_source() {
        use OwnWrite::*;
        use Plan::*;
        use Reason::*;
        let holds = |held| Some(Seen::Holds(held));
        let (photo, placeholder) = (
            holds(Held::Other { placeholder: NO }),
            holds(Held::Other { placeholder: YES }),
        );
        let (same, probably) = (holds(Held::Same), holds(Held::ProbablySame));
        type Row = (bool, bool, OwnWrite, bool, Option<Seen>, Plan);
        #[rustfmt::skip]
        let rows: &[Row] = &[
            (NO,  NO,  Unknown,         NO,  photo,            Skip(PlaceholderSource)),
            (YES, NO,  Unknown,         NO,  photo,            Skip(PlaceholderSource)),
            (NO,  NO,  Unknown,         NO,  probably,         Skip(PlaceholderSource)),
            // The source turned into a placeholder since PhotoSync wrote a photo there.
            (NO,  NO,  OfEarlierSource, NO,  photo,            Skip(PlaceholderSource)),
            (NO,  YES, Unknown,         NO,  photo,            Skip(PlaceholderSource)),
            (NO,  NO,  Unknown,         YES, photo,            Skip(TargetHasPhoto)),
            // Where nobody's photo would be lost, it is written as any source.
            (NO,  NO,  Unknown,         NO,  Some(Seen::Empty), Write(MissingInTarget)),
            (NO,  NO,  Unknown,         NO,  placeholder,      Write(PlaceholderInTarget)),
            (NO,  NO,  Unknown,         NO,  same,             Skip(AlreadyInSync)),
        ];
        for &(force, verified_before, own_write, only_missing, seen, expected) in rows {
            let facts = Facts {
                force,
                verified_before,
                own_write,
                only_missing,
                can_write: true,
                placeholder_source: true,
                seen,
                ..Facts::default()
            };
            assert_eq!(plan(&facts), expected, "{facts:?}");
        }
    }

    /// Issue 18, after looking at a writable target with `--state`: where the state records
    /// PhotoSync's own verified write, the record decides, not the picture judgement. Row:
    /// what the state records of the write, force, only_missing, default_photo, what the
    /// target showed, the decision.
    #[test]
    fn the_decision_table_of_photosyncs_own_writes() {
        use OwnWrite::*;
        use Plan::*;
        use Reason::*;
        let holds = |held| Some(Seen::Holds(held));
        let (ours, same) = (holds(Held::OwnWrite), holds(Held::Same));
        let probably = holds(Held::ProbablySame);
        let (photo, placeholder) = (
            holds(Held::Other { placeholder: NO }),
            holds(Held::Other { placeholder: YES }),
        );
        let empty = Some(Seen::Empty);
        type Row = (OwnWrite, bool, bool, bool, Option<Seen>, Plan);
        #[rustfmt::skip]
        let rows: &[Row] = &[
            // The target holds PhotoSync's write of this very source: in sync by the record,
            // whatever a picture judgement would say; --force still writes.
            (OfThisSource,    NO,  NO,  NO,  ours,        Skip(OwnWriteUnchanged)),
            (OfThisSource,    YES, NO,  NO,  ours,        Write(Forced)),
            (OfThisSource,    NO,  YES, NO,  ours,        Skip(OwnWriteUnchanged)),
            (OfThisSource,    YES, YES, NO,  ours,        Skip(OwnWriteUnchanged)),
            (OfThisSource,    NO,  NO,  YES, ours,        Skip(OwnWriteUnchanged)),
            // Another picture than that write: judged as before.
            (OfThisSource,    NO,  NO,  NO,  same,        Skip(AlreadyInSync)),
            (OfThisSource,    NO,  NO,  NO,  placeholder, Write(PlaceholderInTarget)),
            (OfThisSource,    NO,  NO,  NO,  empty,       Write(MissingInTarget)),
            // The source changed since PhotoSync's write: never a skipped update, whether the
            // target still holds that write or a picture judged "the same" as the new source.
            (OfEarlierSource, NO,  NO,  NO,  ours,        Write(SourceChanged)),
            (OfEarlierSource, NO,  NO,  NO,  same,        Write(SourceChanged)),
            (OfEarlierSource, YES, NO,  NO,  same,        Write(SourceChanged)),
            (OfEarlierSource, NO,  NO,  NO,  probably,    Write(SourceChanged)),
            (OfEarlierSource, NO,  NO,  NO,  photo,       Write(SourceChanged)),
            (OfEarlierSource, NO,  NO,  NO,  placeholder, Write(PlaceholderInTarget)),
            (OfEarlierSource, NO,  NO,  NO,  empty,       Write(MissingInTarget)),
            // --only-missing and the default photo still replace no photo.
            (OfEarlierSource, NO,  YES, NO,  ours,        Skip(TargetHasPhoto)),
            (OfEarlierSource, NO,  NO,  YES, same,        Skip(TargetHasPhoto)),
            (OfEarlierSource, YES, NO,  YES, photo,       Skip(TargetHasPhoto)),
            // Nothing recorded (no state, or a line from an older version): as before.
            (Unknown,         NO,  NO,  NO,  same,        Skip(AlreadyInSync)),
            (Unknown,         YES, NO,  NO,  same,        Write(Forced)),
            (Unknown,         NO,  NO,  NO,  photo,       Write(Differs)),
            (Unknown,         NO,  NO,  NO,  probably,    Write(ProbablySame)),
        ];
        for &(own_write, force, only_missing, default_photo, seen, expected) in rows {
            let facts = Facts {
                own_write,
                force,
                only_missing,
                default_photo,
                can_write: true,
                seen,
                ..Facts::default()
            };
            assert_eq!(plan(&facts), expected, "{facts:?}");
        }
    }

    #[test]
    fn a_write_settles_by_what_the_read_back_showed() {
        use Reason::*;
        let cases = [
            (
                Written::WouldWrite,
                NO,
                (Action::WouldUpdate, Differs, None),
            ),
            (
                Written::Verified,
                NO,
                (Action::Updated, Differs, Some(true)),
            ),
            (
                Written::NotYetVisible,
                NO,
                (Action::Updated, NotYetVisible, Some(false)),
            ),
            (
                Written::NotYetVisible,
                YES,
                (Action::Failed, NotYetVisible, None),
            ),
        ];
        for (written, require_verified, expected) in cases {
            assert_eq!(
                settle(written, Differs, require_verified),
                expected,
                "{written:?}"
            );
        }
    }

    #[test]
    fn a_named_refusal_says_more_than_the_attempted_reason() {
        let refused = |code| Error::new(code, ErrorClass::Permission, "refused");
        assert_eq!(
            refusal(&refused(ErrorCode::BlockedByPolicy), Reason::Differs),
            Reason::CloudWritesBlocked
        );
        assert_eq!(
            refusal(
                &refused(ErrorCode::SharepointProfileWriteDenied),
                Reason::Forced
            ),
            Reason::SharepointProfileWriteDenied
        );
        assert_eq!(
            refusal(
                &refused(ErrorCode::PermissionDenied),
                Reason::MissingInTarget
            ),
            Reason::MissingInTarget
        );
        let mismatch = Error::new(ErrorCode::IdentityMismatch, ErrorClass::Input, "other");
        assert_eq!(source_failure(&mismatch), Reason::IdentityMismatch);
        assert_eq!(
            Seen::failure(&mismatch),
            Seen::NotProven(Reason::IdentityMismatch)
        );
        for (code, reason) in [
            (ErrorCode::AmbiguousIdentity, Reason::AmbiguousIdentity),
            (ErrorCode::NameCollision, Reason::NameCollision),
            (ErrorCode::NoIdentity, Reason::NoIdentity),
        ] {
            let refused = Error::new(code, ErrorClass::Failed, "refused");
            assert_eq!(Seen::failure(&refused), Seen::NotProven(reason));
            assert_eq!(source_failure(&refused), reason);
        }
        let gone = Error::new(ErrorCode::Throttled, ErrorClass::Throttled, "429");
        assert_eq!(source_failure(&gone), Reason::SourceUnreadable);
        assert_eq!(Seen::failure(&gone), Seen::Unreadable);
    }
}
