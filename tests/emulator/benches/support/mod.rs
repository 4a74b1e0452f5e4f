//! What the emulator's benchmarks share: the example tenant with throttling off (they measure
//! the emulator, not the limits it models) and a Graph token of its secret app.

use photosync_emulator::{
    CredentialKind, Emulator, Faults, Options, RunningEmulator, Seed, ThrottleLimits,
};

/// The example tenant, unthrottled, answering `latency_ms` after each request arrives; and a
/// Graph token.
pub fn unthrottled_tenant(latency_ms: u64) -> anyhow::Result<(RunningEmulator, String)> {
    let emu = Emulator::start(
        Seed::example()?,
        Options {
            faults: Faults {
                latency_ms,
                throttle: ThrottleLimits {
                    enabled: false,
                    ..ThrottleLimits::default()
                },
                ..Faults::default()
            },
            request_log_capacity: 1_000,
            ..Options::default()
        },
    )?;
    let token = emu.admin().issue_token(
        "aaaaaaaa-0000-4000-8000-000000000001",
        "https://graph.microsoft.com",
        CredentialKind::Secret,
    )?;
    Ok((emu, token))
}
