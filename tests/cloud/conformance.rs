//! The store conformance suite (src/store/conformance.rs) run against the Graph store and the
//! emulator: the behaviour the engine relies on — resolve, read, write and read back the same
//! picture — from the store itself, not only through the binary.

use photosync::schema::UserRecord;
use photosync::settings::{Secret, Settings};
use photosync::store::conformance::{self, Fixture};
use photosync_emulator::Faults;

use super::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_graph_store_passes_the_conformance_suite() {
    // user0 holds person 1's photo, user1 and user2 none.
    let emu = start(
        tenant_with_users(3, |i| (i == 0).then_some(1)),
        Faults::default(),
    );
    let settings = Settings {
        tenant_id: Some(emu.tenant_id()),
        client_id: Some(SECRET_APP.to_string()),
        client_secret: Some(Secret::new(SECRET)),
        graph_url: emu.graph_url(),
        login_url: emu.login_url(),
        ..Settings::default()
    };
    let store = photosync::store::open_target("graph", &settings)
        .await
        .expect("the graph store opens");
    let user = |upn: &str| UserRecord {
        user_principal_name: Some(upn.to_string()),
        ..Default::default()
    };
    let fixture = Fixture {
        with_photo: user(&upn(0)),
        expected_photo: emu.admin().photo_of(&upn(0)).expect("seeded photo"),
        without_photo: Some(user(&upn(1))),
        unknown: Some(user("nobody@contoso.test")),
        writable: Some(user(&upn(2))),
        new_photo: jpeg(77, 400),
    };
    conformance::check(store.as_ref(), &fixture)
        .await
        .expect_conformant();
}
