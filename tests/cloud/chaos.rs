//! Chaos: `sync --state` over 1,000 users with every fault at once, killed (`kill -9`) or
//! interrupted (SIGINT) at random moments and re-run with the same state until a run
//! completes. Nothing may be lost, written twice after it was verified, or written to the
//! wrong person; the state file must load. The figures for 10,000 users come from
//! `cargo bench --bench chaos` (docs/performance.md).

use photosync::state::SyncState;
use photosync::store::graph::target_key;

use super::chaos_driver::{ChaosConfig, ChaosReport, Stop, run_chaos};

fn assert_nothing_lost(report: &ChaosReport, emu: &photosync_emulator::RunningEmulator) {
    let last = report.final_run();
    assert_eq!(
        (last.stopped, last.exit_code),
        (None, Some(0)),
        "no run completed in {} runs; last stderr:\n{}",
        report.runs.len(),
        last.stderr
    );
    assert!(
        report.wrong_pictures.is_empty(),
        "wrong or missing cloud photo for {:?}",
        report.wrong_pictures
    );
    assert!(
        report.rewrites_after_verified.is_empty(),
        "written again after a verified write (user, run): {:?}",
        report.rewrites_after_verified
    );
    let missing: Vec<&String> = report
        .upns
        .iter()
        .filter(|u| !report.final_users().contains(*u))
        .collect();
    assert!(
        missing.is_empty(),
        "no result in the final run for {missing:?}"
    );
    // At most one write per user per run: a lost answer, a 503 after the service stored the
    // photo, or a write still on its way is watched for rather than sent again.
    assert!(
        report.written_twice_in_a_run.is_empty(),
        "written more than once in one run (user, run, writes): {:?}",
        report.written_twice_in_a_run
    );
    // Every user was written; a kill can still cost one more write in the next run (the
    // service took it, the run died before it could know).
    let runs = report.runs.len() as u64;
    let out_of_bounds: Vec<(&String, &u64)> = report
        .writes_per_user
        .iter()
        .filter(|(_, n)| **n == 0 || **n > runs)
        .collect();
    assert!(
        out_of_bounds.is_empty() && report.writes_per_user.len() == report.upns.len(),
        "writes per user outside 1..={runs}: {out_of_bounds:?}"
    );
    let state = SyncState::open_read_only(&report.state_path).expect("the state file loads");
    let stats = state.stats();
    assert_eq!(stats.entries as usize, report.upns.len(), "{stats:?}");
    // Graph writes are keyed by the tenant of the token (the emulator's tenant id).
    let target = target_key(&emu.tenant_id(), &emu.graph_url());
    let unverified = (0..report.upns.len())
        .filter(|&i| {
            let user = format!("guid:{:08x}-1234-4abc-8def-{:012x}", i + 1, i * 7919);
            !state.last_write(&user, &target).is_some_and(|w| w.verified)
        })
        .count();
    assert_eq!(unverified, 0, "state entries not verified at the end");
}

#[test]
fn chaos_kill_9_at_random_moments_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = ChaosConfig::every_fault(1_000);
    let (emu, report) = run_chaos(&config, dir.path());
    let kills = report
        .runs
        .iter()
        .filter(|r| r.stopped == Some(Stop::Kill))
        .count();
    let twice = report.writes_per_user.values().filter(|n| **n > 1).count();
    eprintln!(
        "chaos: {} runs ({kills} killed) in {:.1} s; 429s {}, 5xx {} (+{} after processing), dropped {} (after processing {}), tokens {}; users written more than once {twice}",
        report.runs.len(),
        report.seconds,
        report.throttled_429,
        report.injected_5xx,
        report.failed_after_processing,
        report.dropped_connections,
        report.dropped_after_processing,
        report.tokens_issued
    );
    assert!(kills >= 1, "at least one run was killed mid-way");
    assert!(
        report.throttled_429 > 0
            && report.injected_5xx > 0
            && report.dropped_connections > 0
            && report.dropped_after_processing > 0
            && report.failed_after_processing > 0,
        "every fault fired"
    );
    assert!(report.tokens_issued > 1, "tokens expired and were renewed");
    assert_nothing_lost(&report, &emu);
}

#[test]
fn chaos_sigint_at_random_moments_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = ChaosConfig {
        stops: vec![Stop::Interrupt, Stop::Interrupt],
        ..ChaosConfig::every_fault(400)
    };
    let (emu, report) = run_chaos(&config, dir.path());
    let interrupted: Vec<_> = report
        .runs
        .iter()
        .filter(|r| r.stopped == Some(Stop::Interrupt))
        .collect();
    assert!(!interrupted.is_empty(), "at least one run was interrupted");
    for run in &interrupted {
        // Graceful: users in flight finish, their records and the summary are written (whole
        // JSON lines), and the exit code says "interrupted".
        assert_eq!(run.records.len(), run.stdout_lines, "{}", run.stderr);
        assert_eq!(run.exit_code, Some(130), "{}", run.stderr);
        assert!(
            run.summary().is_some(),
            "no summary after SIGINT:\n{}",
            run.stderr
        );
    }
    assert_nothing_lost(&report, &emu);
}
