//! Shared, room and equipment mailboxes and guests: `status` reads what Graph says about a
//! found user without a photo (`mailboxSettings/userPurpose`, `userType`) and explains what
//! works for each — only where the token may read it, silently otherwise, and never for an
//! in-sync user or during `sync`.

use photosync_emulator::{
    Faults, LogEntry, Mailbox, RunningEmulator, Seed, SeedApp, SeedUser, UserPurpose,
};
use serde_json::Value;

use super::support::*;

/// An app that may also read mailbox settings (`MailboxSettings.Read`, application).
const READER_APP: &str = "dddddddd-0000-0000-0000-00000000000d";
const READER_SECRET: &str = "mailbox-settings-reader-secret";
const USER_PURPOSE_ROUTE: &str = "graph.mailboxSettings.userPurpose.get";

const ROOM: &str = "harbour.room@contoso.test";
const EQUIPMENT: &str = "projector@contoso.test";
const SHARED: &str = "helpdesk@contoso.test";
const PERSON: &str = "ann@contoso.test";
const GUEST: &str = "guest_fabrikam.test#EXT#@contoso.test";
const IN_SYNC: &str = "carl@contoso.test";

/// `apps()` (photo apps without the mailbox role) plus the reader app, and `users`.
fn tenant(users: Vec<SeedUser>) -> RunningEmulator {
    let mut roles = GRAPH_RW.to_vec();
    roles.push("MailboxSettings.Read");
    let mut seed =
        apps(Seed::new()).app(SeedApp::with_secret(READER_APP, READER_SECRET).graph_roles(&roles));
    for user in users {
        seed = seed.user(user);
    }
    start(seed, Faults::default())
}

fn mailboxes_without_photos() -> Vec<SeedUser> {
    vec![
        SeedUser::new(ROOM).user_purpose(UserPurpose::Room),
        SeedUser::new(EQUIPMENT).user_purpose(UserPurpose::Equipment),
        SeedUser::new(SHARED).user_purpose(UserPurpose::Shared),
        SeedUser::new(PERSON),
        SeedUser::new(GUEST).guest(true).mailbox(Mailbox::None),
    ]
}

fn reader_creds(emu: &RunningEmulator) -> Creds {
    let mut creds = secret_creds_graph_only(emu);
    for (key, value) in &mut creds.env {
        match key.as_str() {
            "PHOTOSYNC_CLIENT_ID" => *value = READER_APP.to_string(),
            "PHOTOSYNC_CLIENT_SECRET" => *value = READER_SECRET.to_string(),
            _ => {}
        }
    }
    creds
}

fn upns_only(upns: &[&str]) -> String {
    upns.iter()
        .map(|u| record(Some(*u), None, None))
        .collect::<Vec<_>>()
        .join("\n")
}

fn status_of(run: &Run, upn: &str) -> Value {
    run.of_type("status")
        .into_iter()
        .find(|r| r["user"]["userPrincipalName"] == upn)
        .unwrap_or_else(|| panic!("no status for {upn}:\n{}\n{}", run.stdout, run.stderr))
}

fn account_type(status: &Value) -> Option<&Value> {
    status["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == "account-type"))
}

fn user_purpose_calls(emu: &RunningEmulator) -> Vec<LogEntry> {
    emu.admin()
        .request_log()
        .into_iter()
        .filter(|e| e.route.ends_with(USER_PURPOSE_ROUTE))
        .collect()
}

fn graph_id(emu: &RunningEmulator, upn: &str) -> String {
    emu.admin()
        .user(upn)
        .expect("seeded user")
        .id
        .to_lowercase()
}

#[test]
fn shared_room_and_equipment_mailboxes_and_guests_without_a_photo_are_explained() {
    let emu = tenant(mailboxes_without_photos());
    let run = reader_creds(&emu)
        .photosync()
        .args(["status", "--stores", "graph", "--format", "json"])
        .stdin(upns_only(&[ROOM, EQUIPMENT, SHARED, PERSON, GUEST]))
        .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.of_type("error").is_empty(), "{}", run.stdout);
    for (upn, purpose, says) in [
        (ROOM, "room", "this is a room mailbox"),
        (EQUIPMENT, "equipment", "this is an equipment mailbox"),
        (SHARED, "shared", "this is a shared mailbox"),
    ] {
        let status = status_of(&run, upn);
        assert_eq!(status["verdict"], "no-photo", "{status}");
        assert_eq!(
            store_entry(&status, "graph")["details"]["userPurpose"],
            purpose,
            "{status}"
        );
        let finding = account_type(&status).unwrap_or_else(|| panic!("{upn}: {status}"));
        assert_eq!(finding["store"], "graph");
        assert!(
            finding["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(says)),
            "{finding}"
        );
        assert!(
            finding["hint"]
                .as_str()
                .is_some_and(|h| h.contains("photosync sync --targets graph")),
            "{finding}"
        );
    }
    // An ordinary mailbox says so, and needs no explanation.
    let person = status_of(&run, PERSON);
    assert_eq!(
        store_entry(&person, "graph")["details"]["userPurpose"],
        "user"
    );
    assert!(account_type(&person).is_none(), "{person}");
    // A guest is explained by userType; it has no mailbox here, so none is asked about.
    let guest = status_of(&run, GUEST);
    let finding = account_type(&guest).unwrap_or_else(|| panic!("{guest}"));
    assert!(
        finding["message"]
            .as_str()
            .is_some_and(|m| m.contains("guest (B2B) account")),
        "{finding}"
    );
    let asked: Vec<String> = user_purpose_calls(&emu)
        .iter()
        .map(|e| e.path.to_lowercase())
        .collect();
    assert_eq!(
        asked.len(),
        4,
        "one read per mailbox without a photo: {asked:?}"
    );
    assert!(
        !asked.iter().any(|p| p.contains(&graph_id(&emu, GUEST))),
        "{asked:?}"
    );
}

/// Most photo apps hold no `MailboxSettings.Read`: the explanation is left out without an
/// error, and the one refused call tells the run to stop asking.
#[test]
fn an_app_without_mailbox_settings_read_gets_no_error_and_no_mailbox_finding() {
    let emu = tenant(mailboxes_without_photos());
    let run = secret_creds_graph_only(&emu)
        .photosync()
        .args(["status", "--stores", "graph", "--format", "json"])
        .stdin(upns_only(&[ROOM, EQUIPMENT, SHARED, PERSON]))
        .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.of_type("error").is_empty(), "{}", run.stdout);
    for upn in [ROOM, EQUIPMENT, SHARED, PERSON] {
        let status = status_of(&run, upn);
        assert_eq!(status["verdict"], "no-photo", "{status}");
        assert_eq!(store_entry(&status, "graph")["state"], "absent", "{status}");
        assert!(
            store_entry(&status, "graph")["details"]
                .get("userPurpose")
                .is_none(),
            "{status}"
        );
        assert_eq!(status["findings"], serde_json::json!([]), "{status}");
    }
    let summary = run.summary();
    assert_eq!(summary["counts"]["no-photo"], 4, "{summary}");
    assert!(summary["counts"].get("errors").is_none(), "{summary}");
    let calls = user_purpose_calls(&emu);
    let statuses: Vec<u16> = calls.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [403],
        "one refused read per run, not one per user: {calls:?}"
    );
}

#[test]
fn in_sync_users_and_sync_never_read_mailbox_settings() {
    let photo = jpeg(7, 300);
    let mut users = vec![SeedUser::new(IN_SYNC).photo_bytes(&photo)];
    users.push(SeedUser::new(ROOM).user_purpose(UserPurpose::Room));
    let emu = tenant(users);
    let creds = reader_creds(&emu);
    let input = [
        record(Some(IN_SYNC), None, Some(&photo)),
        record(Some(ROOM), None, None),
    ]
    .join("\n");
    let run = creds
        .photosync()
        .args(["status", "--stores", "graph", "--format", "json"])
        .stdin(&input)
        .run();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(status_of(&run, IN_SYNC)["verdict"], "in-sync");
    assert!(account_type(&status_of(&run, ROOM)).is_some());
    let asked: Vec<String> = user_purpose_calls(&emu)
        .iter()
        .map(|e| e.path.to_lowercase())
        .collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains(&graph_id(&emu, ROOM)), "{asked:?}");

    // Sync reads photos (the room has none, so it is written) but never mailbox settings.
    emu.admin().clear_request_log();
    let input = [
        record(Some(IN_SYNC), None, Some(&photo)),
        record(Some(ROOM), None, Some(&jpeg(8, 300))),
    ]
    .join("\n");
    let sync = creds
        .photosync()
        .args([
            "sync",
            "--source",
            "input",
            "--targets",
            "graph",
            "--format",
            "json",
        ])
        .stdin(&input)
        .run();
    assert_eq!(sync.code, 0, "{}\n{}", sync.stdout, sync.stderr);
    assert_eq!(sync.summary()["counts"]["updated"], 1, "{}", sync.stdout);
    assert!(
        user_purpose_calls(&emu).is_empty(),
        "{:?}",
        user_purpose_calls(&emu)
    );
}
