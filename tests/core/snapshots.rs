//! Every command example in README.md and docs/cli.md, run as written and snapshotted with
//! insta: exit code, stdout and stderr, volatile fields redacted (`redact`). The examples are
//! read from the docs' code blocks, so a new one is run (and needs its snapshot) as soon as it
//! is written; only those in `NEEDS_LIVE` are skipped, by their exact text.
//!
//! Each runs in a fresh temp folder holding a link to `examples/` (the bundled data), so the
//! relative paths of the docs work and nothing is written into the repository; examples that
//! name a cloud store or `policy` run against the emulator's example tenant, started here.
//! Refresh after an intended change: `INSTA_UPDATE=always cargo test --test core snapshots`
//! (docs/testing.md).

use std::path::{Path, PathBuf};

use photosync_emulator::{Emulator, Options, RunningEmulator, Seed};
use photosync_testkit::photosync;

/// The documents whose examples are run.
const DOCS: &[&str] = &["README.md", "docs/cli.md"];

/// Examples that cannot run offline, by their exact text, and why.
const NEEDS_LIVE: &[(&str, &str)] = &[(
    r"photosync status --stores folder:\\fs01\photos:{samAccountName}.jpg",
    "its input is Get-ADUser's output from a live domain, its folder a UNC share",
)];

/// The example tenant's certificate app (tests/emulator/seed/example.json).
const EXAMPLE_APP: &str = "aaaaaaaa-0000-4000-8000-000000000002";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One command line of a code block.
#[derive(Debug)]
struct Example {
    doc: &'static str,
    command: String,
}

impl Example {
    /// The arguments after `photosync` (or `cargo run --`), split as a POSIX shell would for
    /// the quoting the docs use (single and double quotes, no expansion).
    fn args(&self) -> Vec<String> {
        let rest = self
            .command
            .strip_prefix("cargo run -- ")
            .or_else(|| self.command.strip_prefix("photosync "))
            .unwrap_or_default();
        let (mut args, mut word, mut quote, mut in_word) = (Vec::new(), String::new(), None, false);
        for c in rest.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => word.push(c),
                (None, '\'' | '"') => {
                    quote = Some(c);
                    in_word = true;
                }
                (None, c) if c.is_whitespace() => {
                    if in_word {
                        args.push(std::mem::take(&mut word));
                        in_word = false;
                    }
                }
                (None, c) => {
                    word.push(c);
                    in_word = true;
                }
            }
        }
        if in_word {
            args.push(word);
        }
        args
    }

    /// A snapshot name from the document and the command's words.
    fn name(&self) -> String {
        let doc = self.doc.trim_end_matches(".md").replace('/', "-");
        let words: String = self
            .args()
            .join("-")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let words: Vec<&str> = words.split('-').filter(|w| !w.is_empty()).collect();
        format!("{}__{}", doc.to_lowercase(), words.join("-"))
    }

    /// Whether the command needs Microsoft 365 (the emulator stands in).
    fn needs_tenant(&self) -> bool {
        let args = self.args();
        args.first().is_some_and(|a| a == "policy")
            || args.iter().any(|a| {
                a.split(',')
                    .any(|store| store == "graph" || store == "sharepoint")
            })
    }
}

/// Every `photosync …` / `cargo run -- …` line inside a code block of `doc` (a `$ ` prompt and
/// a trailing `# comment` dropped), except synopsis lines (`[--flag]`, `a | b` alternatives).
fn examples_in(doc: &'static str) -> Vec<Example> {
    let text = std::fs::read_to_string(repo().join(doc)).expect(doc);
    let mut in_block = false;
    let mut found = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let line = line.trim();
        let line = line.strip_prefix("$ ").unwrap_or(line);
        if !in_block || !(line.starts_with("photosync ") || line.starts_with("cargo run -- ")) {
            continue;
        }
        let command = match line.find(" #") {
            Some(at) => line[..at].trim_end(),
            None => line,
        };
        let synopsis = command.contains('[') || command.split_whitespace().any(|w| w == "|");
        if !synopsis {
            found.push(Example {
                doc,
                command: command.to_string(),
            });
        }
    }
    found
}

fn examples() -> Vec<Example> {
    DOCS.iter().flat_map(|doc| examples_in(doc)).collect()
}

/// The example tenant in the emulator, and the environment that signs in to it.
fn tenant(work: &Path) -> (RunningEmulator, Vec<(String, String)>) {
    let emu = Emulator::start(Seed::example().expect("example seed"), Options::default())
        .expect("emulator starts");
    let pem = work.join("app.pem");
    let cert = std::fs::read_to_string(Seed::example_test_only_cert_path()).expect("cert");
    let key = std::fs::read_to_string(Seed::example_test_only_key_path()).expect("key");
    std::fs::write(&pem, format!("{cert}\n{key}")).expect("write pem");
    let env = vec![
        ("PHOTOSYNC_AUTH".into(), "certificate".into()),
        (
            "PHOTOSYNC_CERTIFICATE_PATH".into(),
            pem.display().to_string(),
        ),
        ("PHOTOSYNC_TENANT_ID".into(), emu.tenant_id()),
        ("PHOTOSYNC_CLIENT_ID".into(), EXAMPLE_APP.into()),
        ("PHOTOSYNC_GRAPH_URL".into(), emu.graph_url()),
        ("PHOTOSYNC_LOGIN_URL".into(), emu.login_url()),
    ];
    (emu, env)
}

/// Replaces what differs from run to run with a stable marker: the run's folder and the
/// emulator's addresses, durations (`"durationMs":N`, `N ms`, `N s`), times of day
/// (RFC 3339), and the version; and puts runs of user rows (records or table lines, which
/// appear as users finish) in a stable order.
fn redact(text: &str, replacements: &[(String, &str)]) -> String {
    let mut text = text.to_string();
    for (volatile, marker) in replacements {
        if !volatile.is_empty() {
            text = text.replace(volatile.as_str(), marker);
        }
    }
    text = text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
    let lines: Vec<String> = text.lines().map(redact_line).collect();
    let mut ordered = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    for line in lines {
        if is_user_row(&line) {
            rows.push(line);
            continue;
        }
        rows.sort();
        ordered.append(&mut rows);
        ordered.push(line);
    }
    rows.sort();
    ordered.append(&mut rows);
    ordered.join("\n")
}

/// A line whose place depends on when users finish: a record other than the summary, or a
/// table row starting with a UPN.
fn is_user_row(line: &str) -> bool {
    (line.starts_with(r#"{"type":"#) && !line.starts_with(r#"{"type":"summary""#))
        || line
            .split_whitespace()
            .next()
            .is_some_and(|w| w.contains('@'))
}

/// Durations, times of day and ETags in one line.
fn redact_line(line: &str) -> String {
    let line = redact_json_string(line, "\"etag\":\"", "[ETAG]");
    let line = redact_times(&line);
    let line = redact_after(
        &line,
        "\"durationMs\":",
        |c| c.is_ascii_digit(),
        "\"[DURATION]\"",
    );
    redact_spoken_durations(&line)
}

/// The JSON string value after each `key` (which ends with the opening quote), escapes and all.
fn redact_json_string(line: &str, key: &str, marker: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(key) {
        out.push_str(&rest[..at + key.len()]);
        let value = &rest[at + key.len()..];
        let mut escaped = false;
        let end = value
            .char_indices()
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .map_or(value.len(), |(i, _)| i);
        out.push_str(marker);
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// The characters matching `part` right after each `prefix`.
fn redact_after(line: &str, prefix: &str, part: impl Fn(char) -> bool, marker: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        out.push_str(&rest[..at + prefix.len()]);
        let value = &rest[at + prefix.len()..];
        let end = value.find(|c| !part(c)).unwrap_or(value.len());
        out.push_str(marker);
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// `2026-12-05T02:01:00Z`-like times (a date, a `T`, a clock, fractions and zone).
fn redact_times(line: &str) -> String {
    let b = line.as_bytes();
    let digits = |from: usize, n: usize| {
        b.get(from..from + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let mut out = String::new();
    let (mut i, mut copied) = (0, 0);
    while i + 16 <= b.len() {
        let time = digits(i, 4)
            && b[i + 4] == b'-'
            && digits(i + 5, 2)
            && b[i + 7] == b'-'
            && digits(i + 8, 2)
            && b[i + 10] == b'T'
            && digits(i + 11, 2)
            && b[i + 13] == b':'
            && digits(i + 14, 2);
        if !time {
            i += 1;
            continue;
        }
        let mut end = i + 16;
        while end < b.len() && (b[end].is_ascii_digit() || b":.Z+-".contains(&b[end])) {
            end += 1;
        }
        out.push_str(&line[copied..i]);
        out.push_str("[TIME]");
        (i, copied) = (end, end);
    }
    out.push_str(&line[copied..]);
    out
}

/// `239 ms`, `9 s` in prose.
fn redact_spoken_durations(line: &str) -> String {
    let words = split_keeping(line);
    let mut out = String::new();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let number = !word.is_empty() && word.chars().all(|c| c.is_ascii_digit() || c == '.');
        let unit = words.get(i + 2).and_then(|next| {
            let letters = next.chars().take_while(char::is_ascii_alphabetic).count();
            matches!(&next[..letters], "ms" | "s").then(|| &next[letters..])
        });
        if let (true, Some(" "), Some(after)) = (number, words.get(i + 1).map(String::as_str), unit)
        {
            out.push_str("[DURATION]");
            out.push_str(after);
            i += 3;
            continue;
        }
        out.push_str(word);
        i += 1;
    }
    out
}

/// Words and the single spaces between them, so a line is rebuilt as it was.
fn split_keeping(line: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut word = String::new();
    for c in line.chars() {
        if c == ' ' {
            if !word.is_empty() {
                parts.push(std::mem::take(&mut word));
            }
            parts.push(" ".into());
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        parts.push(word);
    }
    parts
}

/// Runs one example and the text its snapshot holds.
fn run(example: &Example) -> String {
    let work = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(repo().join("examples"), work.path().join("examples"))
        .expect("link examples");
    let (emu, env) = if example.needs_tenant() {
        let (emu, env) = tenant(work.path());
        (Some(emu), env)
    } else {
        (None, Vec::new())
    };
    let out = photosync!()
        .current_dir(work.path())
        .clean_env()
        .inherit("PATH")
        .envs(env)
        .args(example.args())
        .run();
    let mut replacements = vec![(work.path().display().to_string(), "[WORK]")];
    if let Some(emu) = &emu {
        replacements.push((emu.graph_url(), "[EMULATOR]"));
        replacements.push((emu.login_url(), "[EMULATOR]"));
    }
    let stdout = if example.args() == ["schema"] {
        // The schema is committed as docs/schema.json (tests/core/schema.rs): the same text,
        // not a second copy.
        let committed = std::fs::read_to_string(repo().join("docs/schema.json")).expect("schema");
        assert_eq!(
            out.stdout, committed,
            "`photosync schema` prints docs/schema.json"
        );
        "(docs/schema.json, byte for byte)".to_string()
    } else {
        redact(&out.stdout, &replacements)
    };
    format!(
        "$ {}\nexit code: {}\n--- stdout\n{}\n--- stderr\n{}\n",
        example.command,
        out.code,
        stdout,
        redact(&out.stderr, &replacements)
    )
}

#[test]
fn every_doc_example_matches_its_snapshot() {
    let examples = examples();
    // The docs hold at least the README's offline examples: a parser that finds none (or a
    // skip list naming examples no longer there) would pass without checking anything.
    assert!(examples.len() >= 8, "only {examples:#?}");
    for (command, _) in NEEDS_LIVE {
        assert!(
            examples.iter().any(|e| e.command == *command),
            "NEEDS_LIVE names `{command}`, which no doc holds any more"
        );
    }
    let mut names = std::collections::BTreeSet::new();
    for example in &examples {
        if NEEDS_LIVE.iter().any(|(c, _)| *c == example.command) {
            continue;
        }
        let name = example.name();
        assert!(names.insert(name.clone()), "two examples named {name}");
        insta::assert_snapshot!(name, run(example));
    }
}

#[test]
fn redaction_hides_what_changes_between_runs_and_keeps_the_rest() {
    let work = "/tmp/.tmpAb12".to_string();
    let text = format!(
        "b@x in-sync\na@x differs\nReport: {work}/r.html\n4 users (exit code 0, 239 ms) in 9 s\n\
         {{\"type\":\"summary\",\"durationMs\":306,\"exitCode\":0}}\nat 2026-12-05T02:01:00Z\n\
         {{\"etag\":\"W/\\\"3f9a\\\"\",\"at\":\"2026-12-05T02:33:00.123Z\"}}\n"
    );
    assert_eq!(
        redact(&text, &[(work, "[WORK]")]),
        "a@x differs\nb@x in-sync\nReport: [WORK]/r.html\n\
         4 users (exit code 0, [DURATION]) in [DURATION]\n\
         {\"type\":\"summary\",\"durationMs\":\"[DURATION]\",\"exitCode\":0}\nat [TIME]\n\
         {\"etag\":\"[ETAG]\",\"at\":\"[TIME]\"}"
    );
}
