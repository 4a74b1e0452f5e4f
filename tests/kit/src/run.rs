//! The binary runner: start `photosync` with arguments, environment and stdin, and read back
//! its exit code, its records (stdout is data) and its stderr.
//!
//! ```text
//! let run = photosync_testkit::photosync!()
//!     .args(["status", "--stores", "folder:/tmp/x", "--format", "json"])
//!     .stdin(r#"{"userPrincipalName":"ann@contoso.com"}"#)
//!     .run();
//! assert_eq!(run.code, 0, "{}", run.stderr);
//! let summary = run.summary();
//! ```

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Child, ChildStdin, Command, Stdio};

use serde_json::Value;

/// A runner for the `photosync` binary of the calling test suite.
#[macro_export]
macro_rules! photosync {
    () => {
        $crate::run::Photosync::at(env!("CARGO_BIN_EXE_photosync"))
    };
}

/// One `photosync` invocation being prepared: every stream piped, no config file from the
/// environment, no colour.
pub struct Photosync {
    command: Command,
    stdin: Vec<u8>,
}

impl Photosync {
    pub fn at(exe: impl AsRef<OsStr>) -> Self {
        let mut command = Command::new(exe);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("PHOTOSYNC_CONFIG")
            .env("NO_COLOR", "1");
        Photosync {
            command,
            stdin: Vec::new(),
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Only the variables given with `env` afterwards: no credential or setting of the
    /// machine can leak into the run.
    pub fn clean_env(mut self) -> Self {
        self.command.env_clear().env("NO_COLOR", "1");
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<std::path::Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    pub fn stdin(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.stdin = bytes.as_ref().to_vec();
        self
    }

    /// Start it and feed stdin, leaving the pipe open: the caller drops it to end the input.
    pub fn spawn(mut self) -> (Child, ChildStdin) {
        let mut child = self.command.spawn().expect("photosync starts");
        let mut input = child.stdin.take().expect("stdin is piped");
        // A closed pipe here just means the command did not read stdin.
        let _ = input.write_all(&self.stdin).and_then(|()| input.flush());
        (child, input)
    }

    /// Run it to the end with stdin closed after the given bytes.
    pub fn run(self) -> Run {
        let (child, input) = self.spawn();
        drop(input);
        Run::of(child)
    }
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Wait for a started child and collect what it wrote.
    pub fn of(child: Child) -> Run {
        let out = child.wait_with_output().expect("photosync finishes");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Every stdout line parsed as JSON (panics on a non-JSON line: stdout is data only).
    pub fn records(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }

    pub fn of_type(&self, ty: &str) -> Vec<Value> {
        self.records()
            .into_iter()
            .filter(|r| r["type"] == ty)
            .collect()
    }

    pub fn summary(&self) -> Value {
        self.of_type("summary").pop().unwrap_or_else(|| {
            panic!(
                "no summary; stdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The whole stdout as one JSON document (`auth test`, `policy show`).
    pub fn document(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Panic if `needle` appears anywhere in stdout or stderr.
    pub fn assert_never_shows(&self, needle: &str) {
        assert!(
            !self.stdout.contains(needle) && !self.stderr.contains(needle),
            "a secret leaked into the output:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
    }
}
