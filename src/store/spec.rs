//! A store named on the command line (`ad`, `graph`, `sharepoint`, `folder:DIR[:RULE]`),
//! parsed once: clap runs `StoreSpec::parse` for `--stores`, `--targets` and `--source`, the
//! backend checks its own argument (a folder's directory and naming rule) right there, and
//! nothing downstream reads the text again.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use super::INPUT;
use super::registry::{self, Backend};
use crate::error::{Error, Result};

/// What a backend parsed from the text after `name:` (a folder's directory and rule), kept in
/// the backend's own type for its `open`.
#[derive(Clone)]
pub struct Location(Arc<dyn Any + Send + Sync>);

impl Location {
    pub fn new<T: Any + Send + Sync>(value: T) -> Self {
        Location(Arc::new(value))
    }

    /// The backend's own form of it; `None` for another type (a backend reads only its own).
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

/// One store named on the command line.
#[derive(Clone)]
pub struct StoreSpec {
    backend: &'static Backend,
    location: Option<Location>,
    /// As written, for messages.
    text: String,
}

impl StoreSpec {
    /// Parse `name` or `name:ARGUMENT` against the registry (clap's value parser).
    pub fn parse(text: &str) -> Result<StoreSpec> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::config("a store name is empty (a stray comma?)")
                .with_hint(format!("name stores as in: {}", registry::syntax_list())));
        }
        let (name, argument) = match text.split_once(':') {
            Some((name, rest)) => (name, Some(rest)),
            None => (text, None),
        };
        let backend = registry::find(name).ok_or_else(|| {
            Error::config(format!("unknown store `{text}`"))
                .with_hint(format!("stores are: {}", registry::syntax_list()))
        })?;
        let location = match (backend.parse_argument, argument) {
            (Some(parse), argument) => Some(parse(argument)?),
            (None, None) => None,
            (None, Some(rest)) => {
                return Err(Error::config(format!(
                    "the {} store takes nothing after its name (`:{rest}`)",
                    backend.name
                ))
                .with_hint(format!("write just `{}`", backend.name)));
            }
        };
        Ok(StoreSpec {
            backend,
            location,
            text: text.to_string(),
        })
    }

    pub fn backend(&self) -> &'static Backend {
        self.backend
    }

    pub fn name(&self) -> &'static str {
        self.backend.name
    }

    /// The backend's parsed argument, in its own type.
    pub fn location<T: Any>(&self) -> Option<&T> {
        self.location.as_ref().and_then(Location::get)
    }
}

impl fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreSpec({})", self.text)
    }
}

/// `--source`: the record's own photo (`input`) or a store.
#[derive(Clone, Debug)]
pub enum SourceSpec {
    Input,
    Store(StoreSpec),
}

impl SourceSpec {
    /// clap's value parser for `--source`.
    pub fn parse(text: &str) -> Result<SourceSpec> {
        match text.trim() {
            "" => Err(Error::config("--source is empty").with_hint(format!(
                "use --source {INPUT} or a store: {}",
                registry::syntax_list()
            ))),
            name if name.eq_ignore_ascii_case(INPUT) => Ok(SourceSpec::Input),
            spec => StoreSpec::parse(spec).map(SourceSpec::Store),
        }
    }
}
