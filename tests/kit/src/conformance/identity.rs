//! The identity gate's cases, each run through the engine's own `sync` with the store under
//! test as its only target: they prove what the engine does with the store's answers (the
//! store reports who it found, `engine::identity` decides), not what either does alone. Each
//! record carries a picture; a refused user must get the refusal's code, and every account
//! the record could be taken for must still hold what it held before, read from the store
//! directly.

use photosync::engine::{self, SyncOptions, SyncSource};
use photosync::input::{InputEvent, InputStream, InputUser};
use photosync::output::sink::CollectSink;
use photosync::schema::{
    Action, ErrorCode, OutputRecord, PhotoBytes, ResultRecord, UserKeys, UserRecord,
};

use super::{Ctx, Outcome, Problems, Shared, failed, held, picture, same_picture, source, who};

/// An objectGUID no parser accepts (its last character is no hex digit).
const MALFORMED_GUID: &str = "3ab39606-c642-489b-84b6-58c038d3ef3z";

/// A malformed objectGUID refuses the user on every target, whatever key would find them.
pub async fn malformed_guid_is_refused(ctx: &Ctx<'_>) -> Outcome {
    if let Some(skip) = skip_unless(ctx, true, "") {
        return skip;
    }
    let known = &ctx.fixture.with_photo;
    let record = UserRecord {
        object_guid: Some(MALFORMED_GUID.to_string()),
        ..known.clone()
    };
    refused(ctx, record, ErrorCode::NoIdentity, &[known]).await
}

/// A known UPN on a record whose objectGUID is not that account's anchor (the UPN was
/// reused for a new hire) is `identity-mismatch`, and the account is not written.
pub async fn reused_upn_is_refused(ctx: &Ctx<'_>) -> Outcome {
    let anchors = ctx.caps.proofs.anchors;
    if let Some(skip) = skip_unless(ctx, anchors, "it knows no anchors (proofs.anchors: false)") {
        return skip;
    }
    let Some(record) = &ctx.fixture.identity.reused_upn else {
        return failed("the store knows anchors, but the fixture has no reused_upn case");
    };
    if record.object_guid.is_none() {
        return failed("fixture reused_upn carries no objectGUID");
    }
    // The new hire, as the store finds them without the leaver's GUID.
    let new_hire = UserRecord {
        object_guid: None,
        ..record.clone()
    };
    refused(
        ctx,
        record.clone(),
        ErrorCode::IdentityMismatch,
        &[&new_hire],
    )
    .await
}

/// A mail two users share is `ambiguous-identity`, and neither user is written.
pub async fn shared_mail_is_ambiguous(ctx: &Ctx<'_>) -> Outcome {
    let by_mail = ctx.caps.proofs.by_mail;
    if let Some(skip) = skip_unless(
        ctx,
        by_mail,
        "it finds nobody by mail (proofs.by_mail: false)",
    ) {
        return skip;
    }
    let Some(case) = &ctx.fixture.identity.shared_mail else {
        return failed("the store finds users by mail, but the fixture has no shared_mail case");
    };
    let [one, two] = &case.holders;
    refused(
        ctx,
        case.record.clone(),
        ErrorCode::AmbiguousIdentity,
        &[one, two],
    )
    .await
}

/// A DN outside the store's configured base is `identity-mismatch`, even when a key of the
/// account's own confirms it, and the account is not written.
pub async fn dn_outside_base_is_refused(ctx: &Ctx<'_>) -> Outcome {
    let by_dn = ctx.caps.proofs.by_dn;
    if let Some(skip) = skip_unless(ctx, by_dn, "it finds nobody by DN (proofs.by_dn: false)") {
        return skip;
    }
    let Some(record) = &ctx.fixture.identity.dn_outside_base else {
        return failed("the store finds users by DN, but the fixture has no dn_outside_base case");
    };
    if record.distinguished_name.is_none() {
        return failed("fixture dn_outside_base carries no DistinguishedName");
    }
    refused(ctx, record.clone(), ErrorCode::IdentityMismatch, &[record]).await
}

/// Two users of one run whose names fold to one file never overwrite each other: each is
/// written to a file of its own, or refused (`name-collision`), and whoever was written
/// shows their own picture afterwards, never the other's.
pub async fn colliding_names_never_overwrite(ctx: &Ctx<'_>) -> Outcome {
    let named = ctx.caps.proofs.named_files;
    let why = "it names no files after users (proofs.named_files: false)";
    if let Some(skip) = skip_unless(ctx, named, why) {
        return skip;
    }
    let Some(pair) = &ctx.fixture.identity.colliding_names else {
        return failed("the store names files, but the fixture has no colliding_names case");
    };
    let pictures = [&ctx.fixture.new_photo, &ctx.fixture.expected_photo];
    let runs = [(&pair[0], pictures[0]), (&pair[1], pictures[1])];
    let results = match sync(ctx, &runs).await {
        Ok(results) => results,
        Err(problem) => return failed(problem),
    };
    let mut problems = Problems::default();
    for (record, bytes) in runs {
        let name = who(record);
        let Some(result) = result_for(&results, record) else {
            problems.add(format!("{name}: sync gave no result"));
            continue;
        };
        match result.action {
            Action::Updated => {}
            Action::Failed if result.reason == "name-collision" => continue,
            _ => {
                problems.add(format!(
                    "{name}: sync gave {} ({}), expected updated or refused with name-collision",
                    result.action.name(),
                    result.reason
                ));
                continue;
            }
        }
        let own = match source(bytes) {
            Ok(own) => own,
            Err(problem) => return failed(problem),
        };
        match picture(ctx, record).await {
            Ok(Some(shown)) if same_picture(&shown, &own.info) => {}
            Ok(Some(_)) => problems.add(format!(
                "{name} was written, but now shows another picture: the other user's write replaced it"
            )),
            Ok(None) => problems.add(format!("{name} was written, but shows no photo")),
            Err(problem) => problems.add(problem),
        }
    }
    problems.outcome()
}

/// Two records that name one account by different keys (its UPN, and its objectGUID,
/// sAMAccountName or mail alone) are one person given twice: the first is written, the
/// second refused (`duplicate-user`), and the account shows the first record's picture,
/// never the second's.
pub async fn one_account_under_two_keys_is_written_once(ctx: &Ctx<'_>) -> Outcome {
    let proofs = ctx.caps.proofs;
    let several = proofs.anchors || proofs.by_mail || proofs.by_dn;
    let why = "it finds users by one key only (proofs: no anchors, mail or DN)";
    if let Some(skip) = skip_unless(ctx, several, why) {
        return skip;
    }
    let Some([first, second]) = &ctx.fixture.identity.two_keys else {
        return failed(
            "the store finds users by several keys, but the fixture has no two_keys case",
        );
    };
    let runs = [
        (first, &ctx.fixture.new_photo),
        (second, &ctx.fixture.expected_photo),
    ];
    let results = match sync(ctx, &runs).await {
        Ok(results) => results,
        Err(problem) => return failed(problem),
    };
    let mut problems = Problems::default();
    expect_written(&mut problems, &results, first, "the first record");
    match result_for(&results, second) {
        Some(r)
            if r.action == Action::Failed
                && r.error.as_ref().is_some_and(|e| e.code == ErrorCode::DuplicateUser) => {}
        Some(r) => problems.add(format!(
            "{}: sync gave {} ({}), expected refused with duplicate-user: the account was already the first record's",
            who(second),
            r.action.name(),
            r.reason
        )),
        None => problems.add(format!("{}: sync gave no result", who(second))),
    }
    expect_shows(
        ctx,
        &mut problems,
        first,
        "the first record's picture: the second record's write replaced it",
    )
    .await;
    problems.outcome()
}

/// A record with one account's UPN and another account's objectGUID names two people: it is
/// `identity-mismatch` (a GUID alone may follow a renamed account, but not onto an account
/// whose UPN is another's), and neither account is written.
pub async fn upn_and_guid_of_two_accounts_is_refused(ctx: &Ctx<'_>) -> Outcome {
    let anchors = ctx.caps.proofs.anchors;
    if let Some(skip) = skip_unless(ctx, anchors, "it knows no anchors (proofs.anchors: false)") {
        return skip;
    }
    let Some(record) = &ctx.fixture.identity.guid_of_another else {
        return failed("the store knows anchors, but the fixture has no guid_of_another case");
    };
    let (Some(upn), Some(guid)) = (&record.user_principal_name, &record.object_guid) else {
        return failed("fixture guid_of_another carries no UPN and objectGUID");
    };
    let by_upn = UserRecord {
        user_principal_name: Some(upn.clone()),
        ..UserRecord::default()
    };
    let by_guid = UserRecord {
        object_guid: Some(guid.clone()),
        ..UserRecord::default()
    };
    refused(
        ctx,
        record.clone(),
        ErrorCode::IdentityMismatch,
        &[&by_upn, &by_guid],
    )
    .await
}

/// A record with one account's UPN and another account's mail names two people, whichever key
/// the store finds it by: `identity-mismatch` (a photo source named by mail would give the
/// other's face), and neither account is written.
pub async fn upn_and_mail_of_two_accounts_is_refused(ctx: &Ctx<'_>) -> Outcome {
    let by_mail = ctx.caps.proofs.by_mail;
    if let Some(skip) = skip_unless(
        ctx,
        by_mail,
        "it finds no users by mail (proofs.by_mail: false)",
    ) {
        return skip;
    }
    let Some(record) = &ctx.fixture.identity.mail_of_another else {
        return failed(
            "the store finds users by mail, but the fixture has no mail_of_another case",
        );
    };
    let (Some(upn), Some(mail)) = (&record.user_principal_name, &record.mail) else {
        return failed("fixture mail_of_another carries no UPN and mail");
    };
    let by_upn = UserRecord {
        user_principal_name: Some(upn.clone()),
        ..UserRecord::default()
    };
    let by_mail = UserRecord {
        mail: Some(mail.clone()),
        ..UserRecord::default()
    };
    refused(
        ctx,
        record.clone(),
        ErrorCode::IdentityMismatch,
        &[&by_upn, &by_mail],
    )
    .await
}

/// An account migrated from another forest is written under a record carrying both its
/// GUIDs (its objectGUID here, the old forest's as mS-DS-ConsistencyGuid): either one may be
/// what the store anchors it by. The same record with another account's GUID as its
/// consistency GUID names two people: `identity-mismatch`, and neither account is written.
pub async fn migrated_account_is_one_person_by_either_guid(ctx: &Ctx<'_>) -> Outcome {
    let anchors = ctx.caps.proofs.anchors;
    if let Some(skip) = skip_unless(ctx, anchors, "it knows no anchors (proofs.anchors: false)") {
        return skip;
    }
    let Some(migrated) = &ctx.fixture.identity.migrated else {
        return failed("the store knows anchors, but the fixture has no migrated case");
    };
    let record = &migrated.record;
    if record.object_guid.is_none() || record.consistency_guid.is_none() {
        return failed("fixture migrated carries no objectGUID and consistency GUID");
    }
    let results = match sync(ctx, &[(record, &ctx.fixture.new_photo)]).await {
        Ok(results) => results,
        Err(problem) => return failed(problem),
    };
    let mut problems = Problems::default();
    expect_written(&mut problems, &results, record, "the migrated account");
    expect_shows(ctx, &mut problems, record, "the picture written to it").await;
    let mixed = UserRecord {
        consistency_guid: Some(migrated.another_guid.clone()),
        ..record.clone()
    };
    let another = UserRecord {
        object_guid: Some(migrated.another_guid.clone()),
        ..UserRecord::default()
    };
    let by_upn = UserRecord {
        user_principal_name: record.user_principal_name.clone(),
        ..UserRecord::default()
    };
    if let Outcome::Failed(more) = refused(
        ctx,
        mixed,
        ErrorCode::IdentityMismatch,
        &[&by_upn, &another],
    )
    .await
    {
        for problem in more {
            problems.add(format!(
                "with another account's consistency GUID: {problem}"
            ));
        }
    }
    problems.outcome()
}

/// `record`'s sync result is a write (`what` names the record in the problem).
fn expect_written(
    problems: &mut Problems,
    results: &[ResultRecord],
    record: &UserRecord,
    what: &str,
) {
    match result_for(results, record) {
        Some(r) if r.action != Action::Failed => {}
        Some(r) => problems.add(format!(
            "{}: {what} was refused ({}{}), expected written",
            who(record),
            r.reason,
            r.error
                .as_ref()
                .map(|e| format!(": {}", e.message))
                .unwrap_or_default()
        )),
        None => problems.add(format!("{}: sync gave no result", who(record))),
    }
}

/// `record`'s account shows the fixture's new picture (`expected` says which, in the problem).
async fn expect_shows(ctx: &Ctx<'_>, problems: &mut Problems, record: &UserRecord, expected: &str) {
    let own = match source(&ctx.fixture.new_photo) {
        Ok(own) => own,
        Err(problem) => return problems.add(problem),
    };
    match picture(ctx, record).await {
        Ok(Some(shown)) if same_picture(&shown, &own.info) => {}
        Ok(_) => problems.add(format!("{} does not show {expected}", who(record))),
        Err(problem) => problems.add(problem),
    }
}

/// The skip of a case sync cannot reach (a store it never writes) or the store's declared
/// capabilities rule out (`declared` false, for the reason `why`).
fn skip_unless(ctx: &Ctx<'_>, declared: bool, why: &'static str) -> Option<Outcome> {
    if !ctx.caps.can_write {
        Some(Outcome::Skipped(
            "it declares can_write: false: sync never writes it",
        ))
    } else if !declared {
        Some(Outcome::Skipped(why))
    } else {
        None
    }
}

/// Sync `record` (with the fixture's new picture) to the store: it must be refused with
/// `code`, and every one of `bystanders` must hold what it held before.
async fn refused(
    ctx: &Ctx<'_>,
    record: UserRecord,
    code: ErrorCode,
    bystanders: &[&UserRecord],
) -> Outcome {
    let mut before = Vec::new();
    for bystander in bystanders {
        match held(ctx, bystander).await {
            Ok(photo) => before.push(photo),
            Err(problem) => return failed(format!("fixture: {problem}")),
        }
    }
    let results = match sync(ctx, &[(&record, &ctx.fixture.new_photo)]).await {
        Ok(results) => results,
        Err(problem) => return failed(problem),
    };
    let mut problems = Problems::default();
    let name = who(&record);
    match result_for(&results, &record) {
        Some(r)
            if r.action == Action::Failed && r.error.as_ref().is_some_and(|e| e.code == code) => {}
        Some(r) => problems.add(format!(
            "{name}: sync gave {} ({}{}), expected refused with {}",
            r.action.name(),
            r.reason,
            r.error
                .as_ref()
                .map(|e| format!(": {}", e.message))
                .unwrap_or_default(),
            code_name(code)
        )),
        None => problems.add(format!("{name}: sync gave no result")),
    }
    for (bystander, before) in bystanders.iter().zip(before) {
        match held(ctx, bystander).await {
            Ok(after) if after == before => {}
            Ok(_) => problems.add(format!(
                "{}'s photo was written by {name}'s refused record",
                who(bystander)
            )),
            Err(problem) => problems.add(problem),
        }
    }
    problems.outcome()
}

/// Run the engine's `sync --source input` on these records, each with its picture, one user
/// at a time, with the store as the only target: the results.
async fn sync(
    ctx: &Ctx<'_>,
    records: &[(&UserRecord, &Vec<u8>)],
) -> Result<Vec<ResultRecord>, String> {
    let events: Vec<InputEvent> = records
        .iter()
        .zip(1..)
        .map(|((record, bytes), line)| {
            InputEvent::User(InputUser {
                record: UserRecord {
                    thumbnail_photo: Some(PhotoBytes::Bytes(bytes.to_vec())),
                    ..(*record).clone()
                },
                line,
            })
        })
        .collect();
    let input: InputStream = Box::new(events.into_iter());
    let targets: Vec<Box<dyn photosync::store::PhotoStore>> =
        vec![Box::new(Shared(ctx.store.clone()))];
    let opts = SyncOptions {
        concurrency: 1,
        // A store that drops writes is watched this long, not the default minute; a store
        // that shows them late still reports the write done (`not-yet-visible`), and each
        // check reads the store itself.
        verify_window: std::time::Duration::from_secs(5),
        ..SyncOptions::default()
    };
    let mut sink = CollectSink::default();
    engine::run_sync(input, &SyncSource::Input, &targets, &opts, &mut sink).await;
    let results: Vec<ResultRecord> = sink
        .records
        .into_iter()
        .filter_map(|r| match r {
            OutputRecord::Result(result) => Some(result),
            _ => None,
        })
        .collect();
    if results.is_empty() {
        return Err("sync gave no result at all".to_string());
    }
    Ok(results)
}

fn result_for<'a>(results: &'a [ResultRecord], record: &UserRecord) -> Option<&'a ResultRecord> {
    let keys = UserKeys::from(record);
    results.iter().find(|r| r.user == keys)
}

fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{code:?}"))
}
