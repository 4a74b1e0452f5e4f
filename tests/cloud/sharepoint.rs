//! The legacy SharePoint profile store: refused early for a secret credential, read and
//! written with a certificate.

use photosync_emulator::Faults;

use super::support::*;

#[test]
fn a_client_secret_for_sharepoint_fails_early_with_a_hint() {
    let emu = start(tenant_with_users(1, |_| None), Faults::default());
    let creds = secret_creds(&emu);
    let run = status_json(
        &creds,
        "graph,sharepoint",
        &record(Some(&upn(0)), None, None),
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let err = run.of_type("error").pop().expect("error record");
    assert_eq!(err["code"], "credential-not-supported", "{err}");
    assert!(
        err["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("certificate"),
        "{err}"
    );
    assert!(
        run.of_type("status").is_empty(),
        "no user should be processed"
    );
    run.assert_never_shows(SECRET);
    // auth test says the same for the SharePoint token, and still gets the Graph one.
    let doc = photosync(&creds, &["auth", "test"], "").document();
    assert_eq!(doc["tokens"][0]["obtained"], true, "{doc}");
    assert_eq!(
        doc["tokens"][1]["error"]["code"], "credential-not-supported",
        "{doc}"
    );
}

#[test]
fn certificate_reads_placeholders_and_writes_the_legacy_renditions() {
    let apostrophe = "o'neil@contoso.test";
    let seed = tenant_with_users(2, |i| Some(100 + i as u64))
        .user(photosync_emulator::SeedUser::new(apostrophe));
    // A tenant that still allows app-only profile writes (most deny them).
    let emu = start(
        seed,
        Faults {
            sharepoint_app_only_profile_writes: true,
            ..Faults::default()
        },
    );
    let creds = pem_creds(&emu, "ps256");
    let input = [
        record(Some(&upn(0)), None, Some(&jpeg(100, 240))),
        record(Some(&upn(1)), None, Some(&jpeg(101, 240))),
        record(Some(apostrophe), None, Some(&jpeg(7, 240))),
    ]
    .join("\n");

    let before = status_json(&creds, "graph,sharepoint", &input);
    assert_eq!(
        before.of_type("status").len(),
        3,
        "{}\n{}",
        before.stdout,
        before.stderr
    );
    for status in before.of_type("status") {
        assert_eq!(
            store_entry(&status, "sharepoint")["state"],
            "absent",
            "{status}"
        );
        assert!(has_finding(&status, "sharepoint-placeholder"), "{status}");
    }

    let sync = sync_from_input(&creds, "sharepoint", &[], &input);
    assert_eq!(sync.code, 0, "{}\n{}", sync.stdout, sync.stderr);
    assert_eq!(sync.summary()["counts"]["updated"], 3, "{}", sync.summary());
    let admin = emu.admin();
    for upn in [upn(0), apostrophe.to_string()] {
        let url = admin
            .sharepoint_property(&upn, "PictureURL")
            .expect("PictureURL set");
        assert!(url.ends_with("_MThumb.jpg"), "{url}");
        assert_eq!(
            admin
                .sharepoint_property(&upn, "SPS-PicturePlaceholderState")
                .as_deref(),
            Some("0")
        );
    }
    for size in ["S", "M", "L"] {
        assert!(
            admin
                .sharepoint_file(&format!("user0_contoso_test_{size}Thumb.jpg"))
                .is_some(),
            "{size} missing"
        );
    }
    assert!(
        admin
            .sharepoint_file("o'neil_contoso_test_MThumb.jpg")
            .is_some()
    );

    let after = status_json(&creds, "graph,sharepoint", &input);
    for status in after.of_type("status") {
        let sp = store_entry(&status, "sharepoint");
        assert_eq!(sp["state"], "present", "{status}");
        assert_eq!(sp["matchesReference"], true, "{status}");
    }
    // A new HR photo: SharePoint's copy is now stale, and says so.
    let newer = record(Some(&upn(0)), None, Some(&jpeg(555, 240)));
    let stale = status_json(&creds, "graph,sharepoint", &newer);
    let status = &stale.of_type("status")[0];
    assert!(has_finding(status, "sharepoint-stale"), "{status}");
    // sharepoint is written only as an explicit target: a graph sync leaves it alone.
    admin.reset_counters();
    let graph_only = sync_from_input(&creds, "graph", &[], &input);
    assert_eq!(graph_only.code, 0, "{}", graph_only.stderr);
    assert!(
        graph_only
            .of_type("result")
            .iter()
            .all(|r| r["target"] == "graph")
    );
}
