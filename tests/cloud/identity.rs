//! Never the wrong person (issue 9): a user found in Entra by UPN or mail is cross-checked
//! against the objectGUID the record carries, and a malformed objectGUID is that record's
//! error — checked against the emulator's own state, not photosync's report.

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
        // Matched by UPN; no immutable id in the cloud to contradict the GUID.
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

    let run = photosync(
        &creds,
        &["sync", "--source", "input", "--targets", "graph"],
        &input(),
    );
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

    // The legitimate fallbacks went through.
    for (upn, person) in [(CLOUD_ONLY, 102), (MATCHING, 103)] {
        assert_eq!(by_upn(&results, upn)["action"], "updated", "{upn}");
        assert!(holds_picture(&emu, upn, &jpeg(person, 240)), "{upn}");
    }

    // The malformed GUID is that record's input error: no silent UPN match, no write.
    let bad = by_upn(&results, BAD_GUID);
    assert_eq!(bad["action"], "failed", "{bad}");
    assert_eq!(bad["error"]["code"], "no-identity", "{bad}");
    assert!(holds_picture(&emu, BAD_GUID, &jpeg(504, 200)));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.summary()["counts"]["updated"], 2);
}

#[test]
fn status_reports_the_mismatch_as_an_error_not_in_sync() {
    let emu = tenant();
    let creds = secret_creds_graph_only(&emu);
    // The record's picture IS what the new hire's account shows: still never "in-sync".
    let input = record(Some(REUSED), Some(&guid_of(0)), Some(&jpeg(501, 200)));
    let run = photosync(&creds, &["status", "--stores", "graph"], &input);
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
