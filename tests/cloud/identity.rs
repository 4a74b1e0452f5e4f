//! Never the wrong person (issues 9 and 18): a user found in Entra by UPN or mail is
//! cross-checked against the objectGUID the record carries (also when the account found is
//! cloud-only), a key two users share writes neither, a malformed objectGUID is that record's
//! error for every target, and the SharePoint profile written is bound to the Entra user the
//! record resolved to — checked against the emulator's own state, not photosync's report.

use photosync_emulator::{Faults, SeedUser};
use serde_json::Value;

use super::support::*;

const REUSED: &str = "sam.taylor@contoso.test";
const CLOUD_ONLY: &str = "cloud.only@contoso.test";
const MATCHING: &str = "matching@contoso.test";
const BAD_GUID: &str = "bad.guid@contoso.test";

/// The leaver (GUID 0) has gone; the new hire (GUID 1) got the same UPN and a photo of their
/// own. A cloud-only user has no immutable id; another is found by its GUID.
fn tenant() -> photosync_emulator::RunningEmulator {
    let seed = apps(photosync_emulator::Seed::new())
        .user(
            SeedUser::new(REUSED)
                .immutable_id(&immutable_id_of(1))
                .photo_bytes(&jpeg(501, 200)),
        )
        .user(SeedUser::new(CLOUD_ONLY))
        .user(SeedUser::new(MATCHING).immutable_id(&immutable_id_of(2)))
        .user(SeedUser::new(BAD_GUID).photo_bytes(&jpeg(504, 200)));
    start(seed, Faults::default())
}

fn input() -> String {
    [
        // The leaver's record: their GUID, their (now reused) UPN, their photo.
        record(Some(REUSED), Some(&guid_of(0)), Some(&jpeg(100, 240))),
        // Matched by UPN; the cloud-only account has no immutable id to confirm the GUID.
        record(Some(CLOUD_ONLY), Some(&guid_of(5)), Some(&jpeg(102, 240))),
        // Found by its GUID directly.
        record(Some(MATCHING), Some(&guid_of(2)), Some(&jpeg(103, 240))),
        // A malformed GUID beside a valid UPN.
        record(
            Some(BAD_GUID),
            Some("3ab39606-c642-489b-84b6-58c038d3ef3z"),
            Some(&jpeg(104, 240)),
        ),
    ]
    .join("\n")
}

fn by_upn<'a>(records: &'a [Value], upn: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["user"]["userPrincipalName"] == upn)
        .unwrap_or_else(|| panic!("no record for {upn}: {records:#?}"))
}

// Regression: a new hire who inherited a leaver's UPN got the leaver's photo, because the
// UPN fallback never looked at the onPremisesImmutableId it already selected.
#[test]
fn a_reused_upn_is_refused_and_nothing_is_written() {
    let emu = tenant();
    let creds = secret_creds_graph_only(&emu);
    let before = emu.admin().photo_etag(REUSED).expect("new hire's photo");

    let run = creds
        .photosync()
        .args(["sync", "--source", "input", "--targets", "graph"])
        .stdin(input())
        .run();
    let results = run.of_type("result");
    let refused = by_upn(&results, REUSED);
    assert_eq!(refused["action"], "failed", "{refused}");
    assert_eq!(refused["reason"], "identity-mismatch", "{refused}");
    assert_eq!(refused["error"]["code"], "identity-mismatch");
    let message = refused["error"]["message"].as_str().expect("message");
    assert!(
        message.contains(&immutable_id_of(0)) && message.contains(&immutable_id_of(1)),
        "names both ids: {message}"
    );
    assert!(message.contains(&guid_of(0)) && message.contains(&guid_of(1)));
    assert!(
        refused["error"]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("reused")),
        "{refused}"
    );
    // The emulator still holds the new hire's own photo, untouched.
    assert_eq!(emu.admin().photo_etag(REUSED), Some(before));
    assert!(holds_picture(&emu, REUSED, &jpeg(501, 200)));
    assert!(
        !emu.admin()
            .request_log()
            .iter()
            .any(|e| e.method == "PUT" && e.path.contains(&graph_id(&emu, REUSED))),
        "a PUT reached the new hire"
    );

    // Regression (issue 18): a cloud-only account matched by UPN accepted a record carrying
    // an on-prem GUID it has never seen — exactly how a reused UPN looks once new hires are
    // cloud-only (an earlier version of this test called it a legitimate fallback).
    let cloud_only = by_upn(&results, CLOUD_ONLY);
    assert_eq!(cloud_only["reason"], "identity-mismatch", "{cloud_only}");
    assert!(error_hint(cloud_only).contains("--allow-cloud-only-match"));
    assert_eq!(emu.admin().photo_of(CLOUD_ONLY), None, "nothing written");
    // The GUID's own account went through.
    assert_eq!(by_upn(&results, MATCHING)["action"], "updated");
    assert!(holds_picture(&emu, MATCHING, &jpeg(103, 240)));

    // The malformed GUID is that record's input error: no silent UPN match, no write.
    let bad = by_upn(&results, BAD_GUID);
    assert_eq!(bad["action"], "failed", "{bad}");
    assert_eq!(bad["error"]["code"], "no-identity", "{bad}");
    assert!(holds_picture(&emu, BAD_GUID, &jpeg(504, 200)));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.summary()["counts"]["updated"], 1);
}

/// `--allow-cloud-only-match`: the admin's word that a record's GUID is no on-prem anchor.
/// The cloud-only account is then written; an account with another anchor still is not.
#[test]
fn a_cloud_only_match_is_written_only_when_the_run_allows_it() {
    let emu = tenant();
    let creds = secret_creds_graph_only(&emu);
    let run = sync_from_input(&creds, "graph", &["--allow-cloud-only-match"], &input());
    let results = run.of_type("result");
    assert_eq!(by_upn(&results, CLOUD_ONLY)["action"], "updated");
    assert!(holds_picture(&emu, CLOUD_ONLY, &jpeg(102, 240)));
    assert_eq!(by_upn(&results, REUSED)["reason"], "identity-mismatch");
    assert!(holds_picture(&emu, REUSED, &jpeg(501, 200)));
}

/// A tenant whose Entra Connect anchors accounts by employeeID (a custom source anchor: the
/// immutable id is the attribute's text, no GUID). A Get-ADUser record always carries an
/// objectGUID, which such an anchor cannot confirm: every user was refused. The record's
/// EmployeeID equal to the immutable id proves the account; another EmployeeID is refused,
/// with a hint that says what the tenant anchors by.
#[test]
fn a_custom_source_anchor_is_proven_by_the_records_employee_id() {
    const ANCHORED: &str = "anchored.by.id@contoso.test";
    let seed = apps(photosync_emulator::Seed::new())
        .user(SeedUser::new(ANCHORED).immutable_id("EMP-4711"));
    let emu = start(seed, Faults::default());
    let creds = secret_creds_graph_only(&emu);
    let with_id = |id: &str, person: u64| {
        let mut v: Value = serde_json::from_str(&record(
            Some(ANCHORED),
            Some(&guid_of(7)),
            Some(&jpeg(person, 240)),
        ))
        .expect("record");
        v["employeeId"] = id.into();
        v.to_string()
    };
    let refused = sync_from_input(&creds, "graph", &[], &with_id("EMP-0001", 110));
    let result = &refused.of_type("result")[0];
    assert_eq!(result["reason"], "identity-mismatch", "{result}");
    assert!(error_hint(result).contains("EmployeeID"), "{result}");
    assert_eq!(emu.admin().photo_of(ANCHORED), None, "nothing written");

    let run = sync_from_input(&creds, "graph", &[], &with_id("EMP-4711", 111));
    let result = &run.of_type("result")[0];
    assert_eq!(result["action"], "updated", "{result}");
    assert!(holds_picture(&emu, ANCHORED, &jpeg(111, 240)));
}

// Regression (issue 18): the Graph lookup took the first of several matches, and mail is not
// unique in Entra: a record with only a mail two users share was written to one of them.
#[test]
fn a_mail_two_users_share_writes_neither() {
    a_shared_mail_writes_neither(photosync_emulator::Seed::new());
}

// Regression: the lookup read only the first page, and Graph may page below `$top` (server-side
// paging), so two users sharing a mail on two pages looked like one and the first was written.
#[test]
fn a_shared_mail_split_across_pages_is_still_ambiguous() {
    a_shared_mail_writes_neither(photosync_emulator::Seed::new().max_page_size(1));
}

fn a_shared_mail_writes_neither(seed: photosync_emulator::Seed) {
    let shared = "team@contoso.test";
    let seed = apps(seed)
        .user(SeedUser::new("ann@contoso.test").mail(Some(shared)))
        .user(SeedUser::new("bob@contoso.test").mail(Some(shared)));
    let emu = start(seed, Faults::default());
    let creds = secret_creds_graph_only(&emu);
    let mut only_mail = serde_json::json!({"mail": shared});
    let photo: Value =
        serde_json::from_str(&record(None, None, Some(&jpeg(9, 240)))).expect("record");
    only_mail["thumbnailPhoto"] = photo["thumbnailPhoto"].clone();
    let run = sync_from_input(&creds, "graph", &[], &only_mail.to_string());
    let result = run.of_type("result").pop().expect("result");
    assert_eq!(result["action"], "failed", "{result}");
    assert_eq!(result["reason"], "ambiguous-identity", "{result}");
    let message = result["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("ann@contoso.test") && message.contains("bob@contoso.test"),
        "names both candidates: {message}"
    );
    for upn in ["ann@contoso.test", "bob@contoso.test"] {
        assert_eq!(emu.admin().photo_of(upn), None, "{upn} was written");
    }
    assert_eq!(run.code, 1);
}

// Regression: Graph's lookup never read onPremisesSamAccountName, so a record whose GUID and
// UPN name one account and whose sAMAccountName names another (a row mixed up in the export)
// was written without a word, though Entra holds every synced account's sAMAccountName. It is
// now held to the record like the UPN and mail; Graph cannot look a user up by it by default,
// so a differing one is refused, naming both. One that differs only in case, in any script,
// is the same, and so is its down-level form (`CONTOSO\name`).
#[test]
fn a_sam_account_name_that_is_not_the_entra_objects_is_refused() {
    let (mixed, agreeing) = ("mixed@contoso.test", "agreeing@contoso.test");
    let (jurgen, down_level) = ("jurgen@contoso.test", "down.level@contoso.test");
    let seed = apps(photosync_emulator::Seed::new())
        .user(
            SeedUser::new(mixed)
                .immutable_id(&immutable_id_of(7))
                .sam_account_name("mixed")
                .photo_bytes(&jpeg(701, 200)),
        )
        .user(
            SeedUser::new(agreeing)
                .immutable_id(&immutable_id_of(8))
                .sam_account_name("agreeing"),
        )
        .user(
            SeedUser::new(jurgen)
                .immutable_id(&immutable_id_of(9))
                .sam_account_name("Jürgen"),
        )
        .user(
            SeedUser::new(down_level)
                .immutable_id(&immutable_id_of(10))
                .sam_account_name("down.level"),
        );
    let emu = start(seed, Faults::default());
    let creds = secret_creds_graph_only(&emu);
    let with_sam = |upn: &str, guid: usize, sam: &str, picture: u64| {
        let mut v: Value = serde_json::from_str(&record(
            Some(upn),
            Some(&guid_of(guid)),
            Some(&jpeg(picture, 240)),
        ))
        .expect("record");
        v["samAccountName"] = sam.into();
        v.to_string()
    };
    let input = [
        with_sam(mixed, 7, "someone.else", 71),
        with_sam(agreeing, 8, "AGREEING", 81),
        with_sam(jurgen, 9, "JÜRGEN", 91),
        with_sam(down_level, 10, "CONTOSO\\down.level", 92),
    ]
    .join("\n");
    let run = sync_from_input(&creds, "graph", &[], &input);
    let results = run.of_type("result");
    let refused = by_upn(&results, mixed);
    assert_eq!(refused["reason"], "identity-mismatch", "{refused}");
    let message = refused["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("sAMAccountName is mixed") && message.contains("someone.else"),
        "names both values: {message}"
    );
    assert!(error_hint(refused).contains("renamed"), "{refused}");
    assert!(
        holds_picture(&emu, mixed, &jpeg(701, 200)),
        "nothing written"
    );
    for (upn, picture) in [(agreeing, 81), (jurgen, 91), (down_level, 92)] {
        assert_eq!(by_upn(&results, upn)["action"], "updated", "{upn}");
        assert!(holds_picture(&emu, upn, &jpeg(picture, 240)), "{upn}");
    }
    assert_eq!(run.code, 1);
}

// Regression (issue 18): the SharePoint target wrote with no identity check: a reused UPN
// refused by Graph was written to SharePoint in the same run, and so was a record whose GUID
// was malformed. Now the record is resolved in Entra and the profile must be bound to that
// Entra user (its msOnline-ObjectId).
#[test]
fn sharepoint_writes_only_the_profile_bound_to_the_records_entra_user() {
    let rebound = "rebound@contoso.test";
    let seed = apps(photosync_emulator::Seed::new())
        .user(
            SeedUser::new(REUSED)
                .immutable_id(&immutable_id_of(1))
                .photo_bytes(&jpeg(501, 200)),
        )
        .user(SeedUser::new(MATCHING).immutable_id(&immutable_id_of(2)))
        .user(SeedUser::new(BAD_GUID))
        .user(SeedUser::new(rebound).immutable_id(&immutable_id_of(3)));
    let emu = start(
        seed,
        Faults {
            sharepoint_app_only_profile_writes: true,
            ..Faults::default()
        },
    );
    // The profile under this UPN still belongs to the account that had it before.
    emu.admin().set_sharepoint_property(
        rebound,
        "msOnline-ObjectId",
        "0badc0de-0000-4000-8000-000000000000",
    );
    let creds = pem_creds(&emu, "rs256");
    let input = [
        record(Some(REUSED), Some(&guid_of(0)), Some(&jpeg(100, 240))),
        record(Some(MATCHING), Some(&guid_of(2)), Some(&jpeg(103, 240))),
        record(
            Some(BAD_GUID),
            Some("3ab39606-c642-489b-84b6-58c038d3ef3z"),
            Some(&jpeg(104, 240)),
        ),
        record(Some(rebound), Some(&guid_of(3)), Some(&jpeg(105, 240))),
    ]
    .join("\n");
    let run = sync_from_input(&creds, "graph,sharepoint", &[], &input);
    let results = run.of_type("result");
    let outcome = |upn: &str, target: &str| {
        results
            .iter()
            .find(|r| r["user"]["userPrincipalName"] == upn && r["target"] == target)
            .unwrap_or_else(|| panic!("no {target} result for {upn}: {results:#?}"))
            .clone()
    };
    for (upn, reason) in [
        (REUSED, "identity-mismatch"),
        (BAD_GUID, "no-identity"),
        (rebound, "identity-mismatch"),
    ] {
        let sp = outcome(upn, "sharepoint");
        assert_eq!(sp["action"], "failed", "{sp}");
        assert_eq!(sp["reason"], reason, "{sp}");
        assert_eq!(
            emu.admin()
                .sharepoint_property(upn, "PictureURL")
                .as_deref(),
            None,
            "{upn}'s profile was written"
        );
    }
    assert!(
        outcome(rebound, "sharepoint")["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("0badc0de-0000-4000-8000-000000000000")),
        "names the profile's object id"
    );
    // Graph refuses the same records, and writes the rebound user (its Entra object is right).
    assert_eq!(outcome(REUSED, "graph")["reason"], "identity-mismatch");
    assert_eq!(outcome(BAD_GUID, "graph")["reason"], "no-identity");
    assert_eq!(outcome(rebound, "graph")["action"], "updated");
    // The record whose profile is its own is written to both.
    assert_eq!(outcome(MATCHING, "sharepoint")["action"], "updated");
    assert!(
        emu.admin()
            .sharepoint_property(MATCHING, "PictureURL")
            .is_some_and(|u| u.ends_with("_MThumb.jpg"))
    );
}

#[test]
fn status_reports_the_mismatch_as_an_error_not_in_sync() {
    let emu = tenant();
    let creds = secret_creds_graph_only(&emu);
    // The record's picture IS what the new hire's account shows: still never "in-sync".
    let input = record(Some(REUSED), Some(&guid_of(0)), Some(&jpeg(501, 200)));
    let run = creds
        .photosync()
        .args(["status", "--stores", "graph"])
        .stdin(&input)
        .run();
    let status = run.of_type("status").pop().expect("status");
    assert_eq!(status["verdict"], "error", "{status}");
    let graph = store_entry(&status, "graph");
    assert_eq!(graph["state"], "error");
    assert_eq!(graph["error"]["code"], "identity-mismatch");
    let finding = status["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == "identity-mismatch"))
        .unwrap_or_else(|| panic!("no identity-mismatch finding: {status}"));
    let message = finding["message"].as_str().expect("message");
    assert!(message.contains(&immutable_id_of(0)) && message.contains(&immutable_id_of(1)));
    assert_eq!(run.code, 1);
}

fn graph_id(emu: &photosync_emulator::RunningEmulator, upn: &str) -> String {
    emu.admin().user(upn).expect("seeded user").id
}
