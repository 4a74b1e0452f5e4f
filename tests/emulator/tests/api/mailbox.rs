//! Graph mailbox settings (`userPurpose`): the documented shapes, the permission, the answers
//! for users without an Exchange Online mailbox, and the Outlook concurrency slot.

use photosync_emulator::{Emulator, Faults, Options, RunningEmulator, Seed, SeedApp};
use serde_json::{Value, json};

use crate::common::*;

/// An app holding only the documented least-privileged application permission.
const READER: &str = "aaaaaaaa-0000-4000-8000-0000000000cc";
const READER_SECRET: &str = "mailbox-settings-reader-secret";

fn tenant(faults: Faults) -> RunningEmulator {
    let seed = Seed::example()
        .unwrap()
        .app(SeedApp::with_secret(READER, READER_SECRET).graph_roles(&["MailboxSettings.Read"]));
    Emulator::start(
        seed,
        Options {
            faults,
            ..Options::default()
        },
    )
    .unwrap()
}

#[tokio::test]
async fn user_purpose_names_each_kind_of_mailbox_in_the_documented_shape() {
    let emu = tenant(Faults::default());
    let token = secret_token(&emu, READER, READER_SECRET, GRAPH_SCOPE).await;
    for (upn, purpose) in [
        ("room.harbour@contoso.test", "room"),
        ("projector.one@contoso.test", "equipment"),
        ("helpdesk@contoso.test", "shared"),
        ("alice@contoso.test", "user"),
    ] {
        let (status, body) = get_json(
            &emu,
            &token,
            &format!("/users/{upn}/mailboxSettings/userPurpose"),
        )
        .await;
        assert_eq!(
            (status, body["value"].as_str()),
            (200, Some(purpose)),
            "{body}"
        );
        let id = emu.admin().user(upn).unwrap().id;
        assert_eq!(
            body["@odata.context"],
            format!(
                "{}/v1.0/$metadata#users('{id}')/mailboxSettings/userPurpose",
                emu.base_url()
            )
        );
    }
    // By object id too, and as part of the whole settings object (a string there).
    let room = emu.admin().user("room.harbour@contoso.test").unwrap().id;
    let (status, all) = get_json(&emu, &token, &format!("/users/{room}/mailboxSettings")).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["userPurpose"], "room");
    assert_eq!(all["timeZone"], "UTC");
    assert!(
        all["@odata.context"]
            .as_str()
            .is_some_and(|c| c.ends_with(&format!("users('{room}')/mailboxSettings")))
    );
    let counters = emu.admin().counters();
    assert_eq!(
        counters.requests_per_route["graph.mailboxSettings.userPurpose.get"],
        4
    );
    assert_eq!(counters.requests_per_route["graph.mailboxSettings.get"], 1);
}

#[tokio::test]
async fn without_the_role_or_a_mailbox_the_answers_are_outlooks() {
    let emu = tenant(Faults::default());
    let reader = secret_token(&emu, READER, READER_SECRET, GRAPH_SCOPE).await;
    // The example's secret app reads users and photos but not mailbox settings.
    let photo_app = graph_token(&emu).await;
    let (status, body) = get_json(
        &emu,
        &photo_app,
        "/users/room.harbour@contoso.test/mailboxSettings/userPurpose",
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "ErrorAccessDenied");
    assert_eq!(
        body["error"]["message"],
        "Access is denied. Check credentials and try again."
    );
    // Guests, mailbox-less and on-premises users have no Exchange Online mailbox here.
    for upn in [
        "bob_fabrikam.test%23EXT%23@contoso.test",
        "nomail.one@contoso.test",
        "onprem.one@contoso.test",
    ] {
        let (status, body) = get_json(
            &emu,
            &reader,
            &format!("/users/{upn}/mailboxSettings/userPurpose"),
        )
        .await;
        assert_eq!(status, 404, "{upn}: {body}");
        assert_eq!(
            body["error"]["code"], "MailboxNotEnabledForRESTAPI",
            "{upn}"
        );
        assert_eq!(
            body["error"]["message"],
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise."
        );
    }
    let (status, body) = get_json(
        &emu,
        &reader,
        "/users/nobody@contoso.test/mailboxSettings/userPurpose",
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("ErrorInvalidUser"))
    );
    assert_eq!(
        body["error"]["message"],
        "The requested user 'nobody@contoso.test' is invalid."
    );
    let patch = client()
        .patch(format!(
            "{}/v1.0/users/alice@contoso.test/mailboxSettings/userPurpose",
            emu.graph_url()
        ))
        .bearer_auth(&reader)
        .json(&json!({"value": "shared"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 405, "read-only here");
}

/// Mailbox settings are served by Exchange: each request holds one of the app's four Outlook
/// slots, shared with photo requests.
// Regression (issue 22): six requests "at once" relied on 1 s of latency to overlap; the frozen
// clock holds all six in the emulator until each has been admitted or refused.
#[tokio::test]
async fn mailbox_settings_share_the_apps_outlook_concurrency_slots() {
    let emu = tenant(Faults::default());
    let token = secret_token(&emu, READER, READER_SECRET, GRAPH_SCOPE).await;
    emu.admin().freeze_clock();
    emu.admin().set_faults(Faults {
        latency_ms: 1_000,
        ..Faults::default()
    });
    let mut handles = Vec::new();
    for upn in [
        "room.harbour@contoso.test",
        "helpdesk@contoso.test",
        "projector.one@contoso.test",
        "alice@contoso.test",
        "chen@contoso.test",
        "dana@contoso.test",
    ] {
        let url = format!(
            "{}/v1.0/users/{upn}/mailboxSettings/userPurpose",
            emu.graph_url()
        );
        let t = token.clone();
        handles.push(tokio::spawn(async move {
            let r = client().get(url).bearer_auth(t).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or_default())
        }));
    }
    wait_until_held(&emu, handles.len()).await;
    emu.admin().advance_clock(std::time::Duration::from_secs(1));
    let mut answers = Vec::new();
    for h in handles {
        answers.push(h.await.unwrap());
    }
    let ok = answers.iter().filter(|a| a.0 == 200).count();
    let throttled: Vec<_> = answers.iter().filter(|a| a.0 == 429).collect();
    assert_eq!((ok, throttled.len()), (4, 2), "{answers:?}");
    for (_, body) in throttled {
        assert_eq!(body["error"]["code"], "ApplicationThrottled", "{body}");
    }
}

#[tokio::test]
async fn user_purpose_can_be_read_in_a_batch() {
    let emu = tenant(Faults::default());
    let token = secret_token(&emu, READER, READER_SECRET, GRAPH_SCOPE).await;
    let r = client()
        .post(format!("{}/v1.0/$batch", emu.graph_url()))
        .bearer_auth(&token)
        .json(&json!({"requests": [
            {"id": "1", "method": "GET", "url": "/users/helpdesk@contoso.test/mailboxSettings/userPurpose"},
            {"id": "2", "method": "GET", "url": "/users/nomail.two@contoso.test/mailboxSettings/userPurpose"},
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let item = |id: &str| {
        body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(item("1")["status"], 200);
    assert_eq!(item("1")["body"]["value"], "shared");
    assert_eq!(item("2")["status"], 404);
    assert_eq!(
        item("2")["body"]["error"]["code"],
        "MailboxNotEnabledForRESTAPI"
    );
    assert!(
        emu.admin()
            .request_log()
            .iter()
            .any(|e| e.route == "batch:graph.mailboxSettings.userPurpose.get")
    );
}
