//! The store registry: one entry per backend (rclone's `fs.Register` is the model), the one
//! place that knows which backends exist. An entry says how the store is named and written on
//! the command line, what it is for, which settings groups it reads, what permissions its
//! tokens need, and how to open it. `--help`, the store table in docs/cli.md and `auth test`
//! are generated from it; adding a store is one folder and one line in `BACKENDS`.

use std::future::Future;
use std::pin::Pin;

use super::spec::{Location, StoreSpec};
use super::{PhotoStore, RunContext, StoreRole, ad, folder, graph, sharepoint};
use crate::auth::Resource;
use crate::error::Result;
use crate::photo::RenditionSpec;
use crate::settings::env::Group;

/// Checks the text after `name:` and keeps it in the backend's own form.
pub type ParseArgument = fn(Option<&str>) -> Result<Location>;

/// What `open` returns: the store, opened for the run.
pub type Opening<'a> = Pin<Box<dyn Future<Output = Result<Box<dyn PhotoStore>>> + Send + 'a>>;

/// One backend.
#[derive(Debug)]
pub struct Backend {
    /// As written in `--stores`, `--targets` and `--source`, and in output records.
    pub name: &'static str,
    /// How it is written with its argument, if it takes one (`folder:DIR[:RULE]`).
    pub syntax: &'static str,
    pub description: &'static str,
    /// The settings groups it reads (and nothing else).
    pub settings: &'static [Group],
    /// What a target of this backend receives by default (`photo prepare --target`); `None`
    /// when it is never written.
    pub rendition: Option<RenditionSpec>,
    /// What its tokens must allow (`auth test`); `None` when it needs no token.
    pub permissions: Option<&'static Permissions>,
    /// Checks the text after `name:` once, at parse time; `None`: the backend takes none.
    pub parse_argument: Option<ParseArgument>,
    pub open: for<'a> fn(&'a StoreSpec, StoreRole, &'a RunContext) -> Opening<'a>,
}

/// A permission a store's token needs, met when the token carries any one of `any_of`.
#[derive(Debug)]
pub struct Need {
    pub what: &'static str,
    pub any_of: &'static [&'static str],
}

/// The permissions of one backend's tokens.
#[derive(Debug)]
pub struct Permissions {
    pub resource: Resource,
    /// To read it (status, a sync source).
    pub read: &'static [Need],
    /// Besides `read`, to write it (a sync target).
    pub write: &'static [Need],
    /// Not required; each lets photosync explain more.
    pub optional: &'static [Need],
}

/// Every backend, in the order help and docs list them.
pub const BACKENDS: &[&Backend] = &[
    &ad::BACKEND,
    &graph::BACKEND,
    &sharepoint::BACKEND,
    &folder::BACKEND,
];

/// The backend called `name` (any case).
pub fn find(name: &str) -> Option<&'static Backend> {
    BACKENDS
        .iter()
        .copied()
        .find(|b| b.name.eq_ignore_ascii_case(name.trim()))
}

/// Open the store a spec names, for reading or as a sync target.
pub async fn open(
    spec: &StoreSpec,
    role: StoreRole,
    ctx: &RunContext,
) -> Result<Box<dyn PhotoStore>> {
    (spec.backend().open)(spec, role, ctx).await
}

/// `ad, graph, sharepoint, folder:DIR[:RULE]`: how stores are written, for help and hints.
pub fn syntax_list() -> String {
    BACKENDS
        .iter()
        .map(|b| b.syntax)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The store table of docs/cli.md.
pub fn markdown() -> String {
    let mut text = String::from("| spec | store | settings |\n|---|---|---|\n");
    for backend in BACKENDS {
        let settings = match backend.settings {
            [] => "none".to_string(),
            groups => groups
                .iter()
                .map(|g| g.title())
                .collect::<Vec<_>>()
                .join("; "),
        };
        text.push_str(&format!(
            "| `{}` | {} | {settings} |\n",
            backend.syntax, backend.description
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_specs_start_with_them() {
        for (i, backend) in BACKENDS.iter().enumerate() {
            assert!(
                BACKENDS[i + 1..].iter().all(|b| b.name != backend.name),
                "{} is registered twice",
                backend.name
            );
            assert!(backend.syntax.starts_with(backend.name), "{}", backend.name);
            assert_eq!(
                backend.syntax.contains(':'),
                backend.parse_argument.is_some(),
                "{}: the syntax shows an argument exactly when the backend takes one",
                backend.name
            );
        }
    }
}
