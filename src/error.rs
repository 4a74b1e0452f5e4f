//! One error type for everything a user can see: a stable `code`, a plain `message`, and a
//! `hint` saying what to do. The error's class decides retry behaviour and the exit code, so
//! callers never match on message text.

use crate::schema::{ErrorCode, ErrorInfo};

/// How an error behaves: whether retrying can help, and which exit code it maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Bad input for one item (a CSV row, an image): report it, go on with the rest.
    Input,
    /// The user or object does not exist in a store.
    NotFound,
    /// Credentials missing or rejected.
    Auth,
    /// Authenticated, but not allowed (missing role, blocked by policy).
    Permission,
    /// Throttling that outlasted our retries.
    Throttled,
    /// Network or server trouble that outlasted our retries.
    Transient,
    /// Usage or configuration error: nothing can run until it is fixed.
    Config,
    /// Anything else that stops one item.
    Failed,
}

impl ErrorClass {
    /// The process exit code this class maps to when it decides the run's outcome (DESIGN §5).
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorClass::Config => 2,
            ErrorClass::Auth | ErrorClass::Permission => 3,
            ErrorClass::Throttled | ErrorClass::Transient => 4,
            ErrorClass::Input | ErrorClass::NotFound | ErrorClass::Failed => 1,
        }
    }

    /// Whether repeating the same request later may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorClass::Throttled | ErrorClass::Transient)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub code: ErrorCode,
    pub class: ErrorClass,
    pub message: String,
    pub hint: Option<String>,
}

impl Error {
    pub fn new(code: ErrorCode, class: ErrorClass, message: impl Into<String>) -> Self {
        Error {
            code,
            class,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Config, ErrorClass::Config, message)
    }

    pub fn input(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::new(code, ErrorClass::Input, message)
    }

    /// A command or store whose capability has not been built yet: a clear refusal, exit 2.
    pub fn not_available(what: &str) -> Self {
        Error::new(
            ErrorCode::NotAvailable,
            ErrorClass::Config,
            format!("{what} is not available in this build of photosync yet"),
        )
        .with_hint("run `photosync --help` to see what this build can do")
    }
}

/// The error part of an output record: what every engine record carries about a failure.
pub fn error_info(e: &Error) -> ErrorInfo {
    ErrorInfo {
        code: e.code,
        message: e.message.clone(),
        hint: e.hint.clone(),
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
