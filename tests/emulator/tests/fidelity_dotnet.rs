//! Runs the .NET fidelity suite (tests/emulator/fidelity-dotnet: Microsoft.Graph 6.10 over
//! Azure.Identity 1.21, which signs in through MSAL.NET like the Graph PowerShell SDK and PnP)
//! against a freshly started emulator with HTTPS. Where `dotnet` is not installed the suite
//! cannot run: this test says NOT RUN on stderr and passes; everywhere else a failing client
//! call fails it. Build output and the restore stamp live under target/dotnet-fidelity.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use photosync_emulator::{Emulator, Options, Seed, TlsOptions};

const PROJECT: &str = "fidelity-dotnet/PhotoSync.EmulatorFidelity.csproj";

fn dotnet_installed() -> bool {
    Command::new("dotnet")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Restores NuGet packages only when the project file changed since the last restore: the
/// first restore downloads the Graph SDK (tens of seconds), later runs skip it.
fn restore_once(manifest: &Path, stamp_dir: &Path) {
    let project = std::fs::read(manifest.join(PROJECT)).expect("project file");
    let want = format!("{:x}", sha2::Sha256::digest(&project));
    let stamp = stamp_dir.join("restore.sha256");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == want) {
        return;
    }
    let out = run(Command::new("dotnet")
        .args(["restore", PROJECT])
        .current_dir(manifest));
    assert!(
        out.status.success(),
        "dotnet restore failed (it needs the NuGet feed once):\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::create_dir_all(stamp_dir).expect("stamp folder");
    std::fs::write(&stamp, want).expect("restore stamp");
}

fn run(cmd: &mut Command) -> Output {
    cmd.env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .env("DOTNET_NOLOGO", "1")
        .output()
        .expect("dotnet runs")
}

use sha2::Digest as _;

#[test]
fn microsoft_dotnet_clients_round_trip() {
    if !dotnet_installed() {
        eprintln!(
            ".NET fidelity suite (tests/emulator/fidelity-dotnet): NOT RUN, `dotnet` is not installed"
        );
        return;
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = manifest.join("../../target/dotnet-fidelity");
    restore_once(&manifest, &target);
    // HTTPS with a per-run test CA in a folder the emulator removes when dropped.
    let emu = Emulator::start(
        Seed::example().expect("example seed"),
        Options {
            tls: Some(TlsOptions::default()),
            ..Options::default()
        },
    )
    .expect("emulator starts");
    let output = run(Command::new("dotnet")
        .args([
            "test",
            PROJECT,
            "--no-restore",
            "--logger",
            "console;verbosity=normal",
        ])
        .current_dir(&manifest)
        .env("EMU_BASE", emu.base_url())
        .env("EMU_HTTPS", emu.https_base_url().expect("https url"))
        .env("EMU_CA", emu.ca_cert_path().expect("ca path"))
        .env("EMU_TENANT", emu.tenant_id())
        .env("EMU_SECRET_APP", "aaaaaaaa-0000-4000-8000-000000000001")
        .env("EMU_SECRET", "test-only-secret-not-real")
        .env("EMU_CERT_APP", "aaaaaaaa-0000-4000-8000-000000000002")
        .env("EMU_CERT_PEM", Seed::example_test_only_cert_path())
        .env("EMU_KEY_PEM", Seed::example_test_only_key_path())
        .env("EMU_MI_APP", "aaaaaaaa-0000-4000-8000-000000000005")
        .env("IDENTITY_ENDPOINT", emu.managed_identity_endpoint())
        .env("IDENTITY_HEADER", emu.managed_identity_header())
        .env("EMU_UPLOAD_FILE", manifest.join("seed/photos/wide.png"))
        .env("NO_PROXY", "127.0.0.1,localhost"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        ".NET fidelity suite failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The test host's own summary, so the cargo output shows what ran.
    for line in stdout
        .lines()
        .filter(|l| l.contains("Passed") || l.contains("Total"))
    {
        eprintln!("{line}");
    }
}
