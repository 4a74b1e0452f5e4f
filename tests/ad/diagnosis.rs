//! Diagnoses that need AD and the cloud side by side: the Samba DC as AD, the project's
//! emulator as the tenant, the real binary between them (docs/diagnosis.md).

use photosync_emulator::{Emulator, Options, PhotoUpdateSettings, Seed, SeedApp, SeedUser};
use photosync_testkit::portrait;
use serde_json::Value;

use crate::support::{self, SAMBA_ADMIN, SAMBA_ADMIN_PASSWORD};

const APP: &str = "aaaaaaaa-0000-0000-0000-0000000000d1";
const SECRET: &str = "diagnosis-test-secret";

/// The immutable id Entra Connect gives photo.user: the base64 of its objectGUID.
fn photo_user_immutable_id(samba: &support::Samba) -> String {
    let guid = samba
        .ldbsearch("(sAMAccountName=photo.user)", "objectGUID")
        .expect("photo.user has an objectGUID");
    photosync::store::ad::ObjectGuid::parse(guid.trim())
        .expect("ldbsearch prints the GUID as text")
        .immutable_id()
}

/// `status --stores ad,graph` for photo.user (a 96 px AD thumbnail), with Graph holding
/// another picture under the given photo policy.
fn status_of_photo_user(policy: Option<&str>) -> Value {
    status_under(policy, &[])
}

/// The same, with the policy's `allowedRoles` too.
fn status_under(policy: Option<&str>, allowed_roles: &[&str]) -> Value {
    let seed = tenant(
        // Synced by Entra Connect (its immutable id is the AD account's objectGUID): only the
        // policy stands between AD and the cloud.
        vec![
            SeedUser::new("photo.user@example.test")
                .immutable_id(&photo_user_immutable_id(support::samba()))
                .photo_bytes(&portrait::jpeg_at_quality(77, 400, 90))
                .on_premises_sync(Some(true), Some("2026-11-30T08:00:00Z")),
        ],
        &[],
    )
    .photo_update_settings(PhotoUpdateSettings {
        source: policy.map(str::to_string),
        allowed_roles: allowed_roles.iter().map(|r| r.to_string()).collect(),
    });
    let emu = Emulator::start(seed, Options::default()).expect("emulator starts");
    let args = ["--ad-filter", "(sAMAccountName=photo.user)"];
    statuses(&emu, &args, "").pop().expect("a status record")
}

/// The tenant: `users`, and the app with the usual read roles and `roles`.
fn tenant(users: Vec<SeedUser>, roles: &[&str]) -> Seed {
    let mut all = vec![
        "User.Read.All",
        "ProfilePhoto.Read.All",
        "PeopleSettings.Read.All",
    ];
    all.extend_from_slice(roles);
    let mut seed = Seed::new().app(SeedApp::with_secret(APP, SECRET).graph_roles(&all));
    for user in users {
        seed = seed.user(user);
    }
    seed
}

/// Every status record of `status --stores ad,graph ARGS` against Samba and `emu`, with
/// `stdin` as input.
fn statuses(emu: &photosync_emulator::RunningEmulator, args: &[&str], stdin: &str) -> Vec<Value> {
    let mut all = vec!["status", "--stores", "ad,graph"];
    all.extend_from_slice(args);
    records_of(emu, &all, stdin, "status")
}

/// The `kind` records of `photosync ARGS` against Samba and `emu`, with `stdin` as input.
fn records_of(
    emu: &photosync_emulator::RunningEmulator,
    args: &[&str],
    stdin: &str,
    kind: &str,
) -> Vec<Value> {
    let samba = support::samba();
    let out = photosync_testkit::photosync!()
        .args(args)
        .args(["--format", "json", "--progress", "none"])
        .clean_env()
        .inherit("PATH")
        .env("PHOTOSYNC_LDAP_URL", samba.ldaps_url())
        .env("PHOTOSYNC_LDAP_BIND_DN", SAMBA_ADMIN)
        .env("PHOTOSYNC_LDAP_PASSWORD", SAMBA_ADMIN_PASSWORD)
        .env("PHOTOSYNC_LDAP_CA_FILE", &samba.certs.ca)
        .env("PHOTOSYNC_GRAPH_URL", emu.graph_url())
        .env("PHOTOSYNC_LOGIN_URL", emu.login_url())
        .env("PHOTOSYNC_TENANT_ID", emu.tenant_id())
        .env("PHOTOSYNC_CLIENT_ID", APP)
        .env("PHOTOSYNC_CLIENT_SECRET", SECRET)
        // A closed pipe just means the command did not read stdin (--ad-filter).
        .stdin(stdin)
        .output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let records: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == kind)
        .collect();
    assert!(
        !records.is_empty(),
        "no {kind} record:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    records
}

fn finding<'a>(status: &'a Value, code: &str) -> Option<&'a Value> {
    status["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["code"] == code))
}

#[test]
fn ad_change_under_cloud_policy_names_the_command_that_fixes_it() {
    let status = status_of_photo_user(Some("cloud"));
    assert_eq!(status["verdict"], "differs", "{status}");
    let overrides = finding(&status, "cloud-photo-overrides-ad").expect("finding");
    assert!(
        overrides["hint"]
            .as_str()
            .is_some_and(|h| h.contains("photosync sync --source ad --targets graph")),
        "{overrides}"
    );
    // AD's 96 px thumbnail is the only source Graph would get.
    let low = finding(&status, "low-resolution-source").expect("low-resolution finding");
    assert_eq!(low["store"], "ad");
    assert!(low["message"].as_str().is_some_and(|m| m.contains("96x96")));

    // With the policy at onPremises, AD does win: the explanation is the blocked cloud side.
    let status = status_of_photo_user(Some("onPremises"));
    assert!(
        finding(&status, "cloud-photo-overrides-ad").is_none(),
        "{status}"
    );
    assert!(
        finding(&status, "cloud-writes-blocked").is_some(),
        "{status}"
    );
}

/// Issue 21: the default policy is unset, and then both Entra Connect and Microsoft 365 write
/// the photo; AD ≠ Graph was explained only for `cloud` and `onPremises`.
#[test]
fn ad_change_under_an_unset_policy_explains_the_last_writer_race_and_the_fix() {
    let status = status_under(None, &[]);
    assert_eq!(status["verdict"], "differs", "{status}");
    let graph = status["stores"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["store"] == "graph"))
        .expect("graph entry");
    assert_eq!(graph["details"]["photoUpdateSource"], "unset", "{graph}");
    assert_eq!(graph["details"]["usersCanChangeOwnPhoto"], true, "{graph}");
    let race = finding(&status, "photo-policy-unset").expect("the race is explained");
    let message = race["message"].as_str().unwrap_or_default();
    assert!(message.contains("whichever wrote last wins"), "{message}");
    // Users may change their own photo here, and Outlook's old switch does not stop them.
    assert!(message.contains("SetPhotoEnabled no longer"), "{message}");
    let hint = race["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("photosync policy set --source onPremises"),
        "{hint}"
    );
    assert!(
        hint.contains("photosync sync --source ad --targets graph"),
        "{hint}"
    );
    assert!(
        finding(&status, "cloud-photo-overrides-ad").is_none(),
        "{status}"
    );

    // Where only an admin role may change photos, users are not named as a cause.
    let status = status_under(None, &["024906de-61e5-49c8-8572-40335f1e0e10"]);
    let race = finding(&status, "photo-policy-unset").expect("the race is explained");
    assert!(
        !race["message"]
            .as_str()
            .unwrap_or_default()
            .contains("SetPhotoEnabled"),
        "{race}"
    );
}

const SYNC_BEHAVIOR_ROLE: &str = "User-OnPremisesSyncBehavior.ReadWrite.All";

/// `status` of `upns`, one at a time in this order (the stale-sync rule compares with the
/// newest sync seen earlier in the run), against a tenant of `users` whose app also holds
/// `roles`.
fn status_of_records(
    users: Vec<SeedUser>,
    roles: &[&str],
    upns: &[&str],
) -> (Vec<Value>, photosync_emulator::RunningEmulator) {
    let emu = Emulator::start(tenant(users, roles), Options::default()).expect("emulator starts");
    let input: String = upns
        .iter()
        .map(|u| format!("{}\n", serde_json::json!({ "userPrincipalName": u })))
        .collect();
    let records = statuses(&emu, &["--concurrency", "1"], &input);
    assert_eq!(records.len(), upns.len(), "{records:?}");
    (records, emu)
}

fn status_for<'a>(records: &'a [Value], upn: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["user"]["userPrincipalName"] == upn)
        .unwrap_or_else(|| panic!("no status for {upn}"))
}

fn sync_behavior_calls(emu: &photosync_emulator::RunningEmulator) -> usize {
    emu.admin()
        .request_log()
        .iter()
        .filter(|e| e.route == "graph.onPremisesSyncBehavior")
        .count()
}

/// Issue 21 §2: why an AD change never arrives, from the user's own sync path. Anna syncs on
/// the tenant's pace; photo.user's last sync is months behind hers (an export error); Jürgen's
/// source of authority moved to the cloud. The sync properties come with the lookup, the
/// beta onPremisesSyncBehavior only for users whose pictures differ.
#[test]
fn an_ad_change_that_never_arrives_is_explained_by_the_users_sync_path() {
    let recent = "2026-11-30T08:00:00Z";
    let users = vec![
        SeedUser::new("anna@corp.example.test")
            .photo_bytes(&portrait::jpeg_at_quality(41, 400, 90))
            .on_premises_sync(Some(true), Some(recent)),
        SeedUser::new("photo.user@example.test")
            .photo_bytes(&portrait::jpeg_at_quality(42, 400, 90))
            .on_premises_sync(Some(true), Some("2026-06-01T08:00:00Z")),
        SeedUser::new("jürgen.ørsted@example.test")
            .photo_bytes(&portrait::jpeg_at_quality(43, 400, 90))
            .on_premises_sync(Some(true), Some(recent))
            .cloud_managed(true),
        // AD's own picture in Graph: nothing to explain, and no extra call.
        SeedUser::new("jdoe@example.test").on_premises_sync(Some(true), Some(recent)),
    ];
    let upns = [
        "anna@corp.example.test",
        "photo.user@example.test",
        "jürgen.ørsted@example.test",
    ];
    let (records, emu) = status_of_records(users, &[SYNC_BEHAVIOR_ROLE], &upns);

    let anna = status_for(&records, "anna@corp.example.test");
    assert_eq!(anna["verdict"], "differs", "{anna}");
    assert!(finding(anna, "stale-directory-sync").is_none(), "{anna}");
    assert!(finding(anna, "photo-policy-unset").is_some(), "{anna}");

    let stale = status_for(&records, "photo.user@example.test");
    let f = finding(stale, "stale-directory-sync").expect("stale sync");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("2026-06-01T08:00:00Z") && message.contains("LargeObject"),
        "{message}"
    );
    assert!(finding(stale, "photo-policy-unset").is_none(), "{stale}");

    let managed = status_for(&records, "jürgen.ørsted@example.test");
    let f = finding(managed, "cloud-managed-user").expect("cloud-managed");
    assert!(
        f["hint"]
            .as_str()
            .is_some_and(|h| h.contains("in the cloud, not in AD")),
        "{f}"
    );
    // One beta call per differing user, none for another.
    assert_eq!(sync_behavior_calls(&emu), 3);
}

#[test]
fn an_ad_user_whose_cloud_account_is_cloud_only_is_explained_and_the_beta_call_is_asked_once() {
    // photo.user is cloud-only in the tenant (no anchor: Entra Connect never synced it); anna
    // and Jürgen are synced, but the app may not read onPremisesSyncBehavior.
    let users = vec![
        SeedUser::new("photo.user@example.test")
            .photo_bytes(&portrait::jpeg_at_quality(51, 400, 90)),
        SeedUser::new("anna@corp.example.test")
            .photo_bytes(&portrait::jpeg_at_quality(52, 400, 90))
            .on_premises_sync(Some(true), Some("2026-11-30T08:00:00Z")),
        SeedUser::new("jürgen.ørsted@example.test")
            .photo_bytes(&portrait::jpeg_at_quality(53, 400, 90))
            .on_premises_sync(Some(true), Some("2026-11-30T08:00:00Z"))
            .cloud_managed(true),
    ];
    let upns = [
        "photo.user@example.test",
        "anna@corp.example.test",
        "jürgen.ørsted@example.test",
    ];
    let (records, emu) = status_of_records(users, &[], &upns);
    let cloud_only = status_for(&records, "photo.user@example.test");
    let f = finding(cloud_only, "not-synced-from-ad").expect("cloud-only");
    assert!(
        f["hint"]
            .as_str()
            .is_some_and(|h| h.contains("onPremisesImmutableId")),
        "{f}"
    );
    // Without the role nobody is told cloud-managed, nothing fails, and the refused call is
    // not repeated for the next user.
    let managed = status_for(&records, "jürgen.ørsted@example.test");
    assert!(
        finding(managed, "cloud-managed-user").is_none(),
        "{managed}"
    );
    assert_eq!(managed["verdict"], "differs", "{managed}");
    assert_eq!(sync_behavior_calls(&emu), 1);
}

/// One record, two people: bob's UPN (unknown to AD) and photo.user's mail. AD finds
/// photo.user by the mail, Graph finds bob by the UPN; both matches are sound, and their
/// on-premises anchors disagree. Status used to compare the two faces as one user's and
/// suggest the sync that would carry photo.user's face to bob; Graph is refused now, naming
/// both accounts, and AD's picture stays the directory's.
#[test]
fn status_never_compares_the_directorys_person_with_another_in_the_cloud() {
    let other = photosync::store::ad::ObjectGuid::parse("0d7c5f0e-6a53-4a8e-9c1e-5b2f6d4a3e21")
        .expect("guid")
        .immutable_id();
    let seed = tenant(
        vec![
            SeedUser::new("bob@example.test")
                .immutable_id(&other)
                .photo_bytes(&portrait::jpeg_at_quality(78, 400, 90))
                .on_premises_sync(Some(true), Some("2026-11-30T08:00:00Z")),
        ],
        &["ProfilePhoto.ReadWrite.All"],
    );
    let emu = Emulator::start(seed, Options::default()).expect("emulator starts");
    let bobs = emu
        .admin()
        .photo_of("bob@example.test")
        .expect("bob's photo");
    let input = serde_json::json!({
        "UserPrincipalName": "bob@example.test",
        "mail": "photo.user@example.test",
    })
    .to_string();
    let status = statuses(&emu, &[], &format!("{input}\n"))
        .pop()
        .expect("status");
    assert_eq!(status["verdict"], "error", "{status}");
    let graph = support::store_of(&status, "graph");
    assert_eq!(graph["error"]["code"], "identity-mismatch", "{status}");
    let message = graph["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("CN=Photo User") && message.contains("bob@example.test"),
        "{message}"
    );
    assert_eq!(
        support::store_of(&status, "ad")["state"],
        "present",
        "{status}"
    );

    // Sync from AD holds the target to the source's person the same way: photo.user's face,
    // read by the record's mail, is not written to Graph's bob.
    let args = ["sync", "--source", "ad", "--targets", "graph"];
    let results = records_of(&emu, &args, &format!("{input}\n"), "result");
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0]["action"], "failed", "{}", results[0]);
    assert_eq!(results[0]["reason"], "identity-mismatch", "{}", results[0]);
    assert_eq!(
        emu.admin().photo_of("bob@example.test"),
        Some(bobs),
        "photo.user's face written to bob"
    );
}

/// An account migrated from another forest: AD's objectGUID is new, and Entra Connect anchors
/// it by mS-DS-ConsistencyGuid, which keeps the old forest's GUID (Graph's immutable id). A
/// record with the objectGUID Get-ADUser prints was refused by Graph (identity-mismatch) in
/// status and sync; AD's match by that objectGUID now vouches for the anchor, and the
/// `--ad-filter` records carry it.
#[test]
fn a_migrated_account_is_matched_to_its_cloud_object_by_its_consistency_guid() {
    use photosync::store::ad::ObjectGuid;
    let samba = support::samba();
    let old = ObjectGuid::parse(support::MIGRATED_OLD_FOREST_GUID).expect("guid");
    let own = samba
        .ldbsearch("(sAMAccountName=migrated.user)", "objectGUID")
        .expect("an objectGUID");
    let own = ObjectGuid::parse(own.trim()).expect("ldbsearch prints the GUID as text");
    assert_ne!(own, old, "Samba made the account a GUID of its own");
    let seed = tenant(
        vec![
            SeedUser::new("migrated.user@example.test")
                .immutable_id(&old.immutable_id())
                .on_premises_sync(Some(true), Some("2026-11-30T08:00:00Z")),
        ],
        &["ProfilePhoto.ReadWrite.All"],
    );
    let emu = Emulator::start(seed, Options::default()).expect("emulator starts");
    let record = serde_json::json!({
        "ObjectGUID": own.to_string(),
        "UserPrincipalName": "migrated.user@example.test",
    });
    let stdin = format!("{record}\n");
    let before = statuses(&emu, &[], &stdin).pop().expect("status");
    let graph = support::store_of(&before, "graph");
    assert!(graph["error"].is_null(), "{before}");
    assert_eq!(graph["state"], "absent", "{before}");
    let ad = support::store_of(&before, "ad");
    assert_eq!(ad["details"]["consistencyGuid"], old.to_string(), "{ad}");
    assert_eq!(
        ad["details"]["onPremisesImmutableId"],
        old.immutable_id(),
        "{ad}"
    );

    let args = ["sync", "--source", "ad", "--targets", "graph"];
    let results = records_of(&emu, &args, &stdin, "result");
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0]["action"], "updated", "{}", results[0]);

    let after = statuses(&emu, &["--ad-filter", "(sAMAccountName=migrated.user)"], "")
        .pop()
        .expect("status");
    assert_eq!(after["verdict"], "in-sync", "{after}");
}
