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
use std::process::{Child, ChildStdin, Command, Output, Stdio};

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

    pub fn envs<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.command.envs(vars);
        self
    }

    /// Drop every variable of the test's environment whose name starts with `prefix`: the
    /// machine's settings stay out, the rest (PATH, HOME) stays in.
    pub fn without_env_prefix(mut self, prefix: &str) -> Self {
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with(prefix) {
                self.command.env_remove(name);
            }
        }
        self
    }

    /// Pass on the test's own value of `key` (after `clean_env`), if it has one.
    pub fn inherit(self, key: &str) -> Self {
        match std::env::var_os(key) {
            Some(value) => self.env(key, value),
            None => self,
        }
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

    /// Cap the process's heap (`RLIMIT_DATA`), so a build that reads without bound fails
    /// instead of exhausting the machine.
    #[cfg(unix)]
    pub fn memory_cap(mut self, bytes: u64) -> Self {
        use std::os::unix::process::CommandExt;
        // SAFETY: between fork and exec only `setrlimit` runs: async-signal-safe, no allocation.
        unsafe {
            self.command.pre_exec(move || {
                let cap = libc::rlimit {
                    rlim_cur: bytes,
                    rlim_max: bytes,
                };
                libc::setrlimit(libc::RLIMIT_DATA, &cap);
                Ok(())
            });
        }
        self
    }

    pub fn stdin(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.stdin = bytes.as_ref().to_vec();
        self
    }

    /// Start it and feed stdin (before returning: keep it small), leaving the pipe open: the
    /// caller drops it to end the input.
    pub fn spawn(mut self) -> (Child, ChildStdin) {
        let mut child = self.command.spawn().expect("photosync starts");
        let mut input = child.stdin.take().expect("stdin is piped");
        // A closed pipe here just means the command did not read stdin.
        let _ = input.write_all(&self.stdin).and_then(|()| input.flush());
        (child, input)
    }

    /// Run it to the end with stdin closed after the given bytes.
    pub fn run(self) -> Run {
        Run::of(self.output())
    }

    /// Like `run`, but the process's own `Output` (for tests that read raw bytes).
    pub fn output(self) -> Output {
        self.fed_in_two_parts(|| {}, Vec::new())
    }

    /// Run it with stdin in two parts: the bytes given to `stdin`, then `rest` once `between`
    /// returns (a run that has started when something changes, such as a token expiring).
    pub fn run_fed_in_two_parts(
        self,
        between: impl FnOnce() + Send + 'static,
        rest: impl Into<Vec<u8>>,
    ) -> Run {
        Run::of(self.fed_in_two_parts(between, rest.into()))
    }

    /// stdin is written from a thread while the output is read: a run whose output fills its
    /// pipe before it has read all its input cannot deadlock the test.
    fn fed_in_two_parts(
        mut self,
        between: impl FnOnce() + Send + 'static,
        rest: Vec<u8>,
    ) -> Output {
        let first = std::mem::take(&mut self.stdin);
        let mut child = self.command.spawn().expect("photosync starts");
        let mut input = child.stdin.take().expect("stdin is piped");
        let writer = std::thread::spawn(move || {
            // A closed pipe just means the command stopped reading (or never read).
            let _ = input.write_all(&first).and_then(|()| input.flush());
            between();
            let _ = input.write_all(&rest);
        });
        let out = child.wait_with_output().expect("photosync finishes");
        writer.join().expect("the stdin writer finishes");
        out
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
    /// What a finished process wrote (`child.wait_with_output()` for a spawned one).
    pub fn of(out: Output) -> Run {
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
