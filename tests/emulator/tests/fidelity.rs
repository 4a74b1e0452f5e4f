//! Runs the Python fidelity suite (Microsoft's msgraph-sdk, azure-identity and
//! Office365-REST-Python-Client) against a freshly started emulator with HTTPS.
//! Fails — never skips — when the venv from `scripts/setup.d/fidelity.sh` is missing.

use std::path::PathBuf;
use std::process::Command;

use photosync_emulator::{CredentialKind, Emulator, Options, Seed, TlsOptions};

#[test]
fn microsoft_python_clients_round_trip() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.join("../..");
    let python = workspace.join("target/fidelity-venv/bin/python");
    assert!(
        python.exists(),
        "the fidelity venv is missing ({}).\nhint: run scripts/test (or bash scripts/setup.d/fidelity.sh) first",
        python.display()
    );
    let tls_dir = std::env::temp_dir().join(format!("emu-fidelity-{}", std::process::id()));
    let emu = Emulator::start(
        Seed::example().expect("example seed"),
        Options {
            tls: Some(TlsOptions {
                dir: Some(tls_dir.clone()),
            }),
            ..Options::default()
        },
    )
    .expect("emulator starts");
    let sp_token = emu
        .admin()
        .issue_token(
            "aaaaaaaa-0000-4000-8000-000000000002",
            &emu.sharepoint_url(),
            CredentialKind::Certificate,
        )
        .expect("SharePoint token");
    let output = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "fidelity"])
        .current_dir(&manifest)
        .env("EMU_BASE", emu.base_url())
        .env("EMU_HTTPS", emu.https_base_url().expect("https url"))
        .env("EMU_CA", emu.ca_cert_path().expect("ca path"))
        .env("EMU_TENANT", emu.tenant_id())
        .env("EMU_SECRET_APP", "aaaaaaaa-0000-4000-8000-000000000001")
        .env("EMU_SECRET", "test-only-secret-not-real")
        .env("EMU_SP_TOKEN", sp_token)
        .env("EMU_SP", emu.sharepoint_url())
        .env("EMU_MY", emu.sharepoint_my_site_url())
        .env("EMU_UPLOAD_FILE", manifest.join("seed/photos/wide.png"))
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .expect("pytest runs");
    let _ = std::fs::remove_dir_all(&tls_dir);
    assert!(
        output.status.success(),
        "fidelity suite failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
