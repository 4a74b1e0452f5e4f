//! The identity gate: the one place that proves, for every store alike, that the object a
//! store found is the record's person, before sync writes anything there (and before status
//! shows it as the record's picture).
//!
//! Stores report what they found (`store::identity::Identity`); the rules live here:
//! - exactly one object: a key that matched several (mail is not unique in Entra) is
//!   `ambiguous-identity`, never "the first";
//! - the record's objectGUID agrees with the object's on-premises anchor. A GUID-carrying
//!   record that matched an object without one (cloud-only) by UPN or mail is refused unless
//!   the run allows it (`--allow-cloud-only-match`): that is how a reused UPN looks once new
//!   hires are cloud-only;
//! - a malformed objectGUID refuses the user for every target (`record_guid`);
//! - a DN lies under the store's base, agrees with the record's other keys, and writes only
//!   when a second key confirms it;
//! - an entry bound to a directory object (a SharePoint profile) is bound to the one resolved;
//! - two users of one run never share a file, and two records never resolve to one object
//!   (`Claims`): both are refused.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use crate::error::{Error, ErrorClass, Result};
use crate::schema::{ErrorCode, UserRecord};
use crate::store::ad::ObjectGuid;
use crate::store::identity::{Anchor, Identity, Key};
use crate::store::{PhotoStore, StoreUser};

pub use crate::store::identity::record_guid;

/// What the run allows beyond the rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// `--allow-cloud-only-match`: a record carrying an objectGUID may match, by UPN or mail,
    /// an object without an on-premises anchor.
    pub allow_cloud_only_match: bool,
}

/// A user proven to be the record's person in one store. Only the gate makes one, and sync's
/// write chokepoint takes nothing else.
#[derive(Debug)]
pub struct Admitted(Box<StoreUser>);

impl Admitted {
    pub fn user(&self) -> &StoreUser {
        &self.0
    }
}

/// Prove that the object `store` found is the record's person. `guid` is the record's own
/// (`record_guid`).
pub fn prove(
    store: &str,
    record: &UserRecord,
    guid: Option<ObjectGuid>,
    found: &Identity,
    policy: &Policy,
) -> Result<()> {
    let by = found.matched_by.map_or("its naming rule", Key::name);
    if !found.others.is_empty() {
        return Err(Error::new(
            ErrorCode::AmbiguousIdentity,
            ErrorClass::Failed,
            format!(
                "the record's {by} matches more than one {store} object: {} and {}; none was written",
                found.object,
                found.others.join(", ")
            ),
        )
        .with_hint("mail and the other fallback keys need not be unique: identify the user by ObjectGUID or UserPrincipalName"));
    }
    if let Some(base) = &found.outside_base {
        return Err(mismatch(
            format!(
                "the {store} object found by {by}, {}, lies outside the configured base {base}; nothing was written",
                found.object
            ),
            "export the record again with Get-ADUser, or widen the base DN if the account really is in scope",
        ));
    }
    let guids = claimed_guids(record, guid);
    if !guids.is_empty() {
        check_anchor(store, by, record, &guids, found, policy)?;
    }
    if found.matched_by == Some(Key::DistinguishedName) {
        for (key, want, have) in second_keys(record, found) {
            if let (Some(want), Some(have)) = (want, have)
                && !same_key(want, have)
            {
                return Err(mismatch(
                    format!(
                        "the {store} object at {} has {key} {have}, but the record says {want}: a different user; nothing was written",
                        found.object
                    ),
                    "the DistinguishedName is probably stale (the account was moved, renamed or deleted and the DN now names another object): export the user again with Get-ADUser, or match by ObjectGUID alone",
                ));
            }
        }
    }
    if let Some(binding) = &found.binding {
        let bound = binding.bound.as_deref().map(str::trim).unwrap_or_default();
        if !bound.eq_ignore_ascii_case(binding.resolved.trim()) {
            let carries = if bound.is_empty() {
                format!("carries no {}", binding.property)
            } else {
                format!("has {} {bound}", binding.property)
            };
            return Err(mismatch(
                format!(
                    "the {store} entry {} {carries}, but the record resolved to Entra object {}: it is not bound to that user; nothing was written",
                    found.object, binding.resolved
                ),
                "the profile belongs to another account (a reused UPN) or was never synced from Entra ID: check the user profile in the SharePoint admin center",
            ));
        }
    }
    Ok(())
}

/// A record whose other keys name another object of the same store names two people (the
/// objectGUID of one row and the UPN of another; a UPN and a mail of two accounts): refused,
/// whatever key found the object, since the photo may be read or named by the other key. A key
/// that names no object, or this one (a proxy address), is stale (a rename) and the match
/// stands; a key the store cannot look a user up by is refused. Looked up only for a key that
/// differs from the object's own value, so a run pays nothing for records that agree.
pub async fn confirm_keys_agree(
    store: &dyn PhotoStore,
    record: &UserRecord,
    found: &StoreUser,
) -> Result<()> {
    let identity = &found.identity;
    for (key, want, have) in second_keys(record, identity) {
        let (Some(want), Some(have)) = (want, have) else {
            continue;
        };
        if same_key(want, have) {
            continue;
        }
        let alone = only_key(key, want);
        let other = match store.resolve(&alone).await {
            // The store cannot find a user by this key alone (Graph holds sAMAccountName but
            // cannot filter on it by default), so a stale value cannot be told from another
            // person's: refused, naming both.
            Err(e) if e.code == ErrorCode::NoIdentity => {
                return Err(mismatch(
                    format!(
                        "the record's {} names the {} object {}, whose {key} is {have}, but the record's is {want}, and {} cannot look a user up by {key} to tell a rename from another person; nothing was written",
                        identity.matched_by.map_or("key", Key::name),
                        store.name(),
                        identity.object,
                        store.name()
                    ),
                    "if the account was renamed, wait for the directory sync to carry the new name (Entra Connect syncs every 30 minutes) and run again; otherwise the record mixes two people: fix it, or identify the user by ObjectGUID alone",
                ));
            }
            other => other?,
        };
        if let Some(other) = other
            && other.key != found.key
        {
            return Err(mismatch(
                format!(
                    "the record's {} names the {} object {}, but its {key} {want} names another one, {}: the record mixes two people; nothing was written",
                    identity.matched_by.map_or("key", Key::name),
                    store.name(),
                    identity.object,
                    other.identity.object
                ),
                "the record's keys come from different accounts (a row mixed up in the export, a reused name): fix the record, or identify the user by ObjectGUID alone",
            ));
        }
    }
    Ok(())
}

/// A record holding only `key` (as `second_keys` names it) = `value`.
fn only_key(key: &str, value: &str) -> UserRecord {
    let value = Some(value.to_string());
    match key {
        "userPrincipalName" => UserRecord {
            user_principal_name: value,
            ..UserRecord::default()
        },
        "sAMAccountName" => UserRecord {
            sam_account_name: value,
            ..UserRecord::default()
        },
        _ => UserRecord {
            mail: value,
            ..UserRecord::default()
        },
    }
}

/// Two stores found one person for a record: where both know an on-premises anchor, the
/// anchors agree. Sync holds each target to the object its source photo was read from; status
/// holds every store to the directory's (else the first that knows an anchor). Without this,
/// a record whose UPN names bob in one store and whose mail names ann in another (which lacks
/// bob's UPN) compares, and carries, ann's face as bob's, each store's own match being sound.
pub fn confirm_same_person(
    first_store: &str,
    first: &Identity,
    store: &str,
    found: &Identity,
) -> Result<()> {
    let differ = match (&first.anchor, &found.anchor) {
        (Anchor::Guid(a), Anchor::Guid(b)) => a != b,
        (Anchor::Other(a), Anchor::Other(b)) => !a.trim().eq_ignore_ascii_case(b.trim()),
        _ => false,
    };
    if !differ {
        return Ok(());
    }
    Err(mismatch(
        format!(
            "{first_store} found {}, which has {}, but {store} found {}, which has {}: the record's keys name two different people, so {store}'s is not taken for the record's; nothing was written there",
            first.object,
            first.describe_anchor(),
            found.object,
            found.describe_anchor()
        ),
        "the record's keys name different accounts in the two stores (a UPN or mail reused, or a row mixed up in the export): identify the user by ObjectGUID, or fix the record",
    ))
}

/// Sync's gate: `prove`, plus what only a write needs (a DN confirmed by a second key).
pub fn admit(
    store: &str,
    record: &UserRecord,
    guid: Option<ObjectGuid>,
    found: StoreUser,
    policy: &Policy,
) -> Result<Admitted> {
    let identity = &found.identity;
    prove(store, record, guid, identity, policy)?;
    if identity.matched_by == Some(Key::DistinguishedName) {
        let by_guid = identity.has_guid(&claimed_guids(record, guid));
        let by_other = second_keys(record, identity)
            .any(|(_, want, have)| want.zip(have).is_some_and(|(w, h)| same_key(w, h)));
        if !by_guid && !by_other {
            return Err(Error::input(
                ErrorCode::NoIdentity,
                format!(
                    "{} was found by its DistinguishedName alone, which no second key of the record confirms; a DN can name another account after a move or rename, so nothing was written",
                    identity.object
                ),
            )
            .with_hint("add ObjectGUID or UserPrincipalName to the record (Get-ADUser prints both)"));
        }
    }
    Ok(Admitted(Box::new(found)))
}

/// A key's value, trimmed; `None` when absent or blank.
fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Whether two values of a key name one account: directories compare names without case, in
/// every script (AD takes `JÜRGEN` for `Jürgen`).
fn same_key(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// The record's UPN, sAMAccountName and mail beside the object's own. A sAMAccountName given
/// in its down-level form (`CONTOSO\alice`) is its account part: no account name holds a `\`.
fn second_keys<'a>(
    record: &'a UserRecord,
    found: &'a Identity,
) -> impl Iterator<Item = (&'static str, Option<&'a str>, Option<&'a str>)> {
    [
        (
            "userPrincipalName",
            text(&record.user_principal_name),
            text(&found.keys.user_principal_name),
        ),
        (
            "sAMAccountName",
            text(&record.sam_account_name).map(|sam| sam.rsplit('\\').next().unwrap_or(sam)),
            text(&found.keys.sam_account_name),
        ),
        ("mail", text(&record.mail), text(&found.keys.mail)),
    ]
    .into_iter()
}

/// The GUIDs the record names its person by: its objectGUID (`guid`, checked by
/// `record_guid`) and its `mS-DS-ConsistencyGuid`, given or learned (`with_learned_anchor`).
fn claimed_guids(record: &UserRecord, guid: Option<ObjectGuid>) -> Vec<ObjectGuid> {
    let consistency = crate::store::identity::record_consistency_guid(record)
        .ok()
        .flatten();
    guid.into_iter().chain(consistency).collect()
}

/// A directory object proven the record's person by its own objectGUID, whose anchor is
/// another GUID (`mS-DS-ConsistencyGuid` after a forest migration), tells the other stores
/// which anchor Entra Connect gave that person: the record, with it as its consistency GUID.
/// Only a match by the record's own objectGUID teaches it: any weaker match could teach the
/// anchor of somebody else.
pub fn with_learned_anchor(
    record: &UserRecord,
    guid: Option<ObjectGuid>,
    directory: &Identity,
) -> Option<UserRecord> {
    let (Some(guid), Anchor::Guid(anchor)) = (guid, &directory.anchor) else {
        return None;
    };
    let learned = directory.object_guid == Some(guid)
        && *anchor != guid
        && record
            .consistency_guid
            .as_deref()
            .is_none_or(|c| c.trim().is_empty());
    learned.then(|| UserRecord {
        consistency_guid: Some(anchor.to_string()),
        ..record.clone()
    })
}

fn check_anchor(
    store: &str,
    by: &str,
    record: &UserRecord,
    guids: &[ObjectGuid],
    found: &Identity,
    policy: &Policy,
) -> Result<()> {
    let agrees = match &found.anchor {
        Anchor::Unknown => true,
        // A store that knows both of an account's GUIDs (AD) holds every GUID the record
        // gives to them: a record whose two GUIDs are two people's is refused there. Graph
        // knows only the anchor, which either GUID may be.
        Anchor::Guid(_) if found.object_guid.is_some() => guids
            .iter()
            .all(|g| found.has_guid(std::slice::from_ref(g))),
        Anchor::Guid(_) => found.has_guid(guids),
        Anchor::Missing => policy.allow_cloud_only_match,
        // A custom source anchor (a string attribute such as employeeID, which Entra Connect
        // keeps as it is): the record proves it by giving the same value, exactly (source
        // anchors are case-sensitive), as its EmployeeID.
        Anchor::Other(anchor) => text(&record.employee_id) == Some(anchor.trim()),
    };
    if agrees {
        return Ok(());
    }
    let want = guids
        .iter()
        .map(|g| format!("{g} (immutable id `{}`)", g.immutable_id()))
        .collect::<Vec<_>>()
        .join(" and ");
    let message = format!(
        "the {store} object found by {by}, {}, has {}, but the record gives {want}: not proven to be the same person; nothing was written",
        found.object,
        found.describe_anchor()
    );
    let hint = if found.anchor == Anchor::Missing {
        "a cloud-only account cannot confirm an on-premises objectGUID: this is how a reused UPN looks when new hires are cloud-only. If the record's GUID is only an HR key for this cloud-only account, run with --allow-cloud-only-match"
    } else if matches!(found.anchor, Anchor::Other(_)) {
        "this immutable id is no GUID: the tenant's Entra Connect anchors accounts by another attribute (a custom source anchor, such as employeeID). Give each record that attribute's value as EmployeeID: a record whose EmployeeID is the account's immutable id is proven by it"
    } else {
        "check whether the UPN or mail was reused for a new account (a leaver's address given to a new hire), or whether the record's objectGUID is stale; fix the record or the account, then run again. After a forest migration Entra Connect anchors the account by its mS-DS-ConsistencyGuid: add that to the record (Get-ADUser -Properties mS-DS-ConsistencyGuid), or put the ad store in the run, which reads it"
    };
    Err(mismatch(message, hint))
}

fn mismatch(message: String, hint: &str) -> Error {
    Error::new(ErrorCode::IdentityMismatch, ErrorClass::Failed, message).with_hint(hint)
}

/// What the users of one run claimed: the files a naming rule gives them (across every target:
/// two folder targets may name one file) and the objects the gate admitted them to (several
/// records, by different keys, may resolve to one person). A place claimed by two users is
/// refused to both: to the later at once, to the earlier at its write if it is still to come
/// (a write done before the second user arrived stands; it is the earlier user's own).
#[derive(Debug, Default)]
pub struct Claims {
    /// By a hash of the place (8 bytes, not its text: a sync of 100,000 users keeps one entry
    /// per user and target; two places sharing a hash would only refuse both users, plainly).
    places: Mutex<HashMap<u64, Claim>>,
}

#[derive(Debug)]
struct Claim {
    first: String,
    contested_by: Option<String>,
}

impl Claims {
    /// Claim the file `name` (compared case-insensitively, as Windows and SharePoint compare
    /// file names) for `who`.
    pub fn claim(&self, store: &str, name: &str, who: &str) -> Result<()> {
        self.take(("file", name.to_lowercase()), who)
            .map_err(|(other, earlier)| collision(store, name, who, &other, earlier))
    }

    /// Take the file `name` for `who` as the input gives the user, before any user's work
    /// runs: the first record to name a file is its first claimant, whatever finishes first.
    pub fn reserve_file(&self, name: &str, who: &str) {
        let _ = self.take(("file", name.to_lowercase()), who);
    }

    /// Claim, for `who`, the object `store` writes at `place` (its state key), given as its
    /// `state::object_digest` (from a look at the store, or from the state file); `named` is
    /// how messages name it.
    pub fn claim_object(
        &self,
        store: &str,
        place: &str,
        object: [u8; 16],
        named: &str,
        who: &str,
    ) -> Result<()> {
        self.take(("object", place, object), who)
            .map_err(|(other, _)| same_object(store, named, who, &other))
    }

    /// Take `place` for `who`; the other user's name when someone else has or wants it, and
    /// whether that other user claimed it first.
    fn take(&self, place: impl Hash, who: &str) -> std::result::Result<(), (String, bool)> {
        // SipHash with fixed keys: the same place gives the same hash throughout the run.
        let mut hasher = std::hash::DefaultHasher::new();
        place.hash(&mut hasher);
        let mut places = self.places.lock().unwrap_or_else(|e| e.into_inner());
        let claim = places.entry(hasher.finish()).or_insert_with(|| Claim {
            first: who.to_string(),
            contested_by: None,
        });
        if claim.first == who {
            return match &claim.contested_by {
                Some(other) => Err((other.clone(), false)),
                None => Ok(()),
            };
        }
        claim.contested_by.get_or_insert_with(|| who.to_string());
        Err((claim.first.clone(), true))
    }
}

/// `other_first`: the other record came first in the input, so its write may already be done.
fn collision(store: &str, name: &str, who: &str, other: &str, other_first: bool) -> Error {
    let outcome = if other_first {
        format!(
            "{who}, the later record, is not written there, so it never replaces {other}'s photo ({other} is refused too unless its write was already done)"
        )
    } else {
        "neither is written there, so neither replaces the other's photo".to_string()
    };
    Error::new(
        ErrorCode::NameCollision,
        ErrorClass::Failed,
        format!("{who} and {other} would both be written to `{name}` in {store}; {outcome}"),
    )
    .with_hint("name files by a key unique per user, e.g. {userPrincipalName} or {objectGuid}")
}

fn same_object(store: &str, object: &str, who: &str, other: &str) -> Error {
    Error::new(
        ErrorCode::DuplicateUser,
        ErrorClass::Failed,
        format!(
            "{who} and {other} are two records of one {store} object, {object}; neither is written there, so neither record's photo silently replaces the other's"
        ),
    )
    .with_hint("give each person one record: the input names this user twice, by different keys (UPN, objectGUID, mail)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::identity::{Binding, ObjectKeys};

    const GUID_A: &str = "3ab39606-c642-489b-84b6-58c038d3ef39";
    const GUID_B: &str = "8c4ac332-975f-4717-ad7b-ba4a4e968fff";

    fn guid(text: &str) -> ObjectGuid {
        ObjectGuid::parse(text).expect("guid")
    }

    fn found(matched_by: Key, anchor: Anchor) -> Identity {
        Identity {
            matched_by: Some(matched_by),
            object: "CN=Someone,OU=People,DC=x".into(),
            anchor,
            keys: ObjectKeys {
                user_principal_name: Some("ann@x".into()),
                ..ObjectKeys::default()
            },
            ..Identity::default()
        }
    }

    fn record(upn: Option<&str>) -> UserRecord {
        UserRecord {
            user_principal_name: upn.map(str::to_string),
            ..UserRecord::default()
        }
    }

    fn code(result: Result<()>) -> Option<ErrorCode> {
        result.err().map(|e| e.code)
    }

    #[test]
    fn the_anchor_decides_a_match_by_a_fallback_key() {
        let strict = Policy::default();
        let lenient = Policy {
            allow_cloud_only_match: true,
        };
        // Her EmployeeID is what a tenant with a custom source anchor keeps as immutable id.
        let rec = UserRecord {
            employee_id: Some("EMP-7".into()),
            ..record(Some("ann@x"))
        };
        let g = Some(guid(GUID_A));
        #[rustfmt::skip]
        let rows: &[(Anchor, Option<ObjectGuid>, Policy, Option<ErrorCode>)] = &[
            (Anchor::Guid(guid(GUID_A)), g,    strict,  None),
            (Anchor::Guid(guid(GUID_B)), g,    strict,  Some(ErrorCode::IdentityMismatch)),
            (Anchor::Guid(guid(GUID_B)), g,    lenient, Some(ErrorCode::IdentityMismatch)),
            (Anchor::Guid(guid(GUID_B)), None, strict,  None),
            (Anchor::Missing,            g,    strict,  Some(ErrorCode::IdentityMismatch)),
            (Anchor::Missing,            g,    lenient, None),
            (Anchor::Missing,            None, strict,  None),
            (Anchor::Other("EMP-1".into()), g, lenient, Some(ErrorCode::IdentityMismatch)),
            (Anchor::Other("EMP-7".into()), g, strict,  None),
            (Anchor::Other("emp-7".into()), g, strict,  Some(ErrorCode::IdentityMismatch)),
            (Anchor::Unknown,            g,    strict,  None),
        ];
        for (anchor, record_guid, policy, expected) in rows {
            let f = found(Key::UserPrincipalName, anchor.clone());
            assert_eq!(
                code(prove("store", &rec, *record_guid, &f, policy)),
                *expected,
                "{anchor:?} {record_guid:?} {policy:?}"
            );
        }
    }

    /// AD's view of an account migrated from another forest: objectGUID A, and B (the old
    /// forest's GUID) in mS-DS-ConsistencyGuid, the anchor Entra Connect syncs it by.
    fn migrated(matched_by: Key) -> Identity {
        Identity {
            object_guid: Some(guid(GUID_A)),
            ..found(matched_by, Anchor::Guid(guid(GUID_B)))
        }
    }

    #[test]
    fn a_migrated_account_is_proven_by_either_of_its_guids() {
        let policy = Policy::default();
        let ad = migrated(Key::UserPrincipalName);
        for record_guid in [GUID_A, GUID_B] {
            let result = prove(
                "directory",
                &record(None),
                Some(guid(record_guid)),
                &ad,
                &policy,
            );
            assert!(result.is_ok(), "{record_guid}: {result:?}");
        }
        let other = "5d6e7f80-0000-4000-8000-000000000001";
        let err =
            prove("directory", &record(None), Some(guid(other)), &ad, &policy).expect_err("other");
        // AD knows both GUIDs: a record whose consistency GUID is somebody else's is refused
        // though its objectGUID agrees.
        let mixed = UserRecord {
            consistency_guid: Some(other.into()),
            ..record(None)
        };
        assert!(prove("directory", &mixed, Some(guid(GUID_A)), &ad, &policy).is_err());
        assert!(
            err.message.contains(GUID_A) && err.message.contains("mS-DS-ConsistencyGuid"),
            "names the object's own GUID and its anchor: {}",
            err.message
        );
        // Graph knows only the anchor: the record's objectGUID alone does not prove it, its
        // consistency GUID does.
        let cloud = found(Key::UserPrincipalName, Anchor::Guid(guid(GUID_B)));
        assert!(prove("cloud", &record(None), Some(guid(GUID_A)), &cloud, &policy).is_err());
        let with_anchor = UserRecord {
            consistency_guid: Some(GUID_B.into()),
            ..record(None)
        };
        assert!(prove("cloud", &with_anchor, Some(guid(GUID_A)), &cloud, &policy).is_ok());
    }

    #[test]
    fn only_a_match_by_the_records_own_objectguid_teaches_the_anchor() {
        let learned = |record_guid: Option<&str>, found: &Identity, given: Option<&str>| {
            let rec = UserRecord {
                consistency_guid: given.map(str::to_string),
                ..record(None)
            };
            with_learned_anchor(&rec, record_guid.map(guid), found).and_then(|r| r.consistency_guid)
        };
        let ad = migrated(Key::ObjectGuid);
        assert_eq!(learned(Some(GUID_A), &ad, None), Some(GUID_B.to_string()));
        // Found by UPN for a record whose objectGUID is another: not the record's person.
        let other = "5d6e7f80-0000-4000-8000-000000000001";
        assert_eq!(
            learned(Some(other), &migrated(Key::UserPrincipalName), None),
            None
        );
        // No GUID to vouch for the match; an anchor the record gives itself stays.
        assert_eq!(learned(None, &ad, None), None);
        assert_eq!(learned(Some(GUID_A), &ad, Some(other)), None);
        // Nothing to learn where the anchor is the objectGUID.
        let plain = Identity {
            object_guid: Some(guid(GUID_A)),
            ..found(Key::ObjectGuid, Anchor::Guid(guid(GUID_A)))
        };
        assert_eq!(learned(Some(GUID_A), &plain, None), None);
    }

    #[test]
    fn a_mismatch_names_both_anchors_and_the_cloud_only_case_names_the_flag() {
        let rec = record(Some("ann@x"));
        let f = found(Key::Mail, Anchor::Guid(guid(GUID_B)));
        let err =
            prove("store", &rec, Some(guid(GUID_A)), &f, &Policy::default()).expect_err("mismatch");
        assert!(err.message.contains(GUID_A) && err.message.contains(GUID_B));
        assert!(err.message.contains(&guid(GUID_B).immutable_id()));
        assert!(err.hint.as_deref().is_some_and(|h| h.contains("reused")));
        let cloud = found(Key::UserPrincipalName, Anchor::Missing);
        let err = prove(
            "store",
            &rec,
            Some(guid(GUID_A)),
            &cloud,
            &Policy::default(),
        )
        .expect_err("cloud-only");
        assert!(
            err.hint
                .as_deref()
                .is_some_and(|h| h.contains("--allow-cloud-only-match")),
            "{err:?}"
        );
    }

    #[test]
    fn several_matches_are_ambiguous_and_name_every_candidate() {
        let mut f = found(Key::Mail, Anchor::Missing);
        f.object = "ann@x (id 1)".into();
        f.others = vec!["anna@x (id 2)".into()];
        let err = prove("store", &record(None), None, &f, &Policy::default()).expect_err("two");
        assert_eq!(err.code, ErrorCode::AmbiguousIdentity);
        assert!(err.message.contains("id 1") && err.message.contains("id 2"));
    }

    #[test]
    fn a_dn_must_be_in_the_base_agree_with_the_record_and_be_confirmed_to_write() {
        let policy = Policy::default();
        let by_dn = |anchor| StoreUser {
            identity: found(Key::DistinguishedName, anchor),
            ..StoreUser::default()
        };
        // Outside the base: refused even for reading.
        let mut outside = found(Key::DistinguishedName, Anchor::Guid(guid(GUID_A)));
        outside.outside_base = Some("OU=People,DC=x".into());
        assert_eq!(
            code(prove(
                "store",
                &record(Some("ann@x")),
                None,
                &outside,
                &policy
            )),
            Some(ErrorCode::IdentityMismatch)
        );
        // Another UPN than the object's: a stale DN.
        let other = record(Some("bob@x"));
        let err = admit(
            "store",
            &other,
            None,
            by_dn(Anchor::Guid(guid(GUID_A))),
            &policy,
        )
        .expect_err("other upn");
        assert_eq!(err.code, ErrorCode::IdentityMismatch);
        assert!(err.hint.as_deref().is_some_and(|h| h.contains("stale")));
        // Confirmed by the UPN, or by the GUID: written.
        let rec = record(Some("ANN@x"));
        assert!(
            admit(
                "store",
                &rec,
                None,
                by_dn(Anchor::Guid(guid(GUID_A))),
                &policy
            )
            .is_ok()
        );
        let dn_and_guid = UserRecord::default();
        let g = Some(guid(GUID_A));
        assert!(
            admit(
                "store",
                &dn_and_guid,
                g,
                by_dn(Anchor::Guid(guid(GUID_A))),
                &policy
            )
            .is_ok()
        );
        // A DN alone reads, but never writes.
        let alone = UserRecord::default();
        let user = by_dn(Anchor::Guid(guid(GUID_A)));
        assert!(prove("store", &alone, None, &user.identity, &policy).is_ok());
        let err = admit("store", &alone, None, user, &policy).expect_err("dn alone");
        assert_eq!(err.code, ErrorCode::NoIdentity);
    }

    #[test]
    fn a_bound_entry_must_be_bound_to_the_resolved_object() {
        let binding = |bound: Option<&str>| Identity {
            binding: Some(Binding {
                property: "msOnline-ObjectId",
                resolved: "AAAA-1".into(),
                bound: bound.map(str::to_string),
            }),
            ..Identity::default()
        };
        let policy = Policy::default();
        let rec = record(Some("ann@x"));
        assert!(prove("store", &rec, None, &binding(Some("aaaa-1")), &policy).is_ok());
        for bound in [Some("BBBB-2"), Some(""), None] {
            let err = prove("store", &rec, None, &binding(bound), &policy).expect_err("unbound");
            assert_eq!(err.code, ErrorCode::IdentityMismatch, "{bound:?}");
            assert!(err.message.contains("msOnline-ObjectId"));
        }
    }

    #[test]
    fn a_name_two_users_claim_is_refused_to_both() {
        let claims = Claims::default();
        assert!(claims.claim("store", "Ann.jpg", "upn:ann@x").is_ok());
        assert!(
            claims.claim("store", "Ann.jpg", "upn:ann@x").is_ok(),
            "again"
        );
        let later = claims
            .claim("store", "ANN.jpg", "upn:anna@x")
            .expect_err("taken");
        assert_eq!(later.code, ErrorCode::NameCollision);
        assert!(later.message.contains("upn:ann@x") && later.message.contains("upn:anna@x"));
        // The earlier user, asked again before its write, is refused too.
        let earlier = claims
            .claim("store", "ann.jpg", "upn:ann@x")
            .expect_err("contested");
        assert_eq!(earlier.code, ErrorCode::NameCollision);
        assert!(claims.claim("store", "bob.jpg", "upn:bob@x").is_ok());
    }
}
