//! The `ad` store against real directory servers started by the tests: a throw-away Samba AD
//! domain controller (real AD schema and rules) and OpenLDAP slapd (caps unpaged searches).
//! Run `scripts/setup.d/ad.sh` first; missing servers fail these tests, they never skip.

mod support;

mod cli;
mod diagnosis;
mod identity;
mod samba;
mod slapd;

use std::path::Path;
use std::time::Duration;

use photosync::settings::Secret;
use photosync::store::ad::{AdConnection, AdOptions, AdStore};

pub fn connection(url: &str, bind_dn: &str, password: &str, ca: Option<&Path>) -> AdConnection {
    AdConnection {
        url: url.to_string(),
        bind_dn: bind_dn.to_string(),
        password: Secret::new(password),
        ca_file: ca.map(Path::to_path_buf),
        allow_plaintext: false,
        // Per LDAP operation; a loaded Samba answers slowly, and a test is no place to time it.
        timeout: Duration::from_secs(60),
    }
}

pub async fn open(
    connection: &AdConnection,
    base_dn: Option<&str>,
) -> photosync::error::Result<AdStore> {
    let options = AdOptions {
        base_dn: base_dn.map(str::to_string),
        ..AdOptions::default()
    };
    AdStore::connect(connection, options).await
}
