//! Where a setting's value comes from, highest first: a flag (clap has already read the
//! flag's variable into it), the environment, the optional config file of `KEY=VALUE` lines.
//! The environment is passed in (not read from the process) so tests resolve settings without
//! touching global state.

use std::path::PathBuf;

use super::Secret;
use super::env::{self, Var};
use crate::error::{Error, Result};

/// `KEY=VALUE` pairs from the optional config file: the lowest layer.
#[derive(Debug, Default)]
pub(super) struct ConfigFile {
    pub(super) values: std::collections::HashMap<String, String>,
}

impl ConfigFile {
    pub(super) fn load(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let hint = match not_utf8_hint(&e) {
                Some(hint) => hint.to_string(),
                None => format!("fix or unset {}", env::CONFIG),
            };
            Error::config(format!("cannot read config file {}: {e}", path.display()))
                .with_hint(hint)
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    pub(super) fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut values = std::collections::HashMap::new();
        // Windows PowerShell 5.1's `Set-Content -Encoding UTF8` starts the file with a BOM.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // Errors name the line, never its text: a secret pasted on the wrong line would
            // otherwise end up in logs and error records.
            let line_no = index + 1;
            let Some((key, value)) = line.split_once('=') else {
                return Err(
                    Error::config(format!("{origin} line {line_no}: expected KEY=VALUE"))
                        .with_hint("use lines such as PHOTOSYNC_TENANT_ID=contoso.onmicrosoft.com"),
                );
            };
            let key = key.trim().trim_start_matches("export ").trim();
            // A listed setting that only the environment sets (PHOTOSYNC_LOG) is named as such;
            // a test-only one stays an unknown setting.
            if let Some(var) = env::find(key).filter(|var| !var.in_config_file() && var.listed()) {
                return Err(Error::config(format!(
                    "{origin} line {line_no}: {} is read from the environment only",
                    var.name
                ))
                .with_hint(format!(
                    "set {} in the environment of the run, not in the config file",
                    var.name
                )));
            }
            if !env::find(key).is_some_and(Var::in_config_file) {
                let hint = match likely_setting(key) {
                    Some(name) => {
                        format!("did you mean {name}? `photosync --help` lists every setting")
                    }
                    None => {
                        "run `photosync --help` for the list of PHOTOSYNC_* settings".to_string()
                    }
                };
                return Err(
                    Error::config(format!("{origin} line {line_no}: unknown setting"))
                        .with_hint(hint),
                );
            }
            let Some(value) = unquote(value.trim()) else {
                return Err(Error::config(format!(
                    "{origin} line {line_no}: the value of {key} opens a quote it never closes"
                ))
                .with_hint("close the quote on the same line, or drop it: values need no quotes"));
            };
            values.insert(key.to_string(), value.to_string());
        }
        Ok(ConfigFile { values })
    }
}

/// The setting a misspelt `PHOTOSYNC_*` key most likely meant. Only keys that start like a
/// setting get a suggestion, so nothing is told about other text (a pasted secret).
fn likely_setting(key: &str) -> Option<&'static str> {
    let upper = key.to_ascii_uppercase();
    if !upper.starts_with("PHOTOSYNC_") {
        return None;
    }
    env::VARS
        .iter()
        .filter(|var| var.in_config_file())
        .map(|var| (edit_distance(&upper, var.name), var.name))
        .filter(|(distance, _)| *distance <= 4)
        .min()
        .map(|(_, name)| name)
}

/// Levenshtein distance over bytes (setting names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The value inside one pair of quotes, or as it stands; `None` for a quote never closed
/// (taken literally, a secret would carry the quote and fail as a wrong secret).
fn unquote(value: &str) -> Option<&str> {
    for quote in ['"', '\''] {
        if let Some(rest) = value.strip_prefix(quote) {
            return rest.strip_suffix(quote);
        }
    }
    Some(value)
}

/// Where values come from, lowest precedence last. The environment is passed in (not read
/// from the process) so tests can resolve settings without touching global state.
pub(super) struct Layers<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub file: ConfigFile,
}

impl Layers<'_> {
    pub fn get(&self, var: Var) -> Option<String> {
        (self.env)(var.name)
            .filter(|v| !v.is_empty())
            .or_else(|| self.file.values.get(var.name).cloned())
            .filter(|v| !v.is_empty())
    }

    /// A flag's value, else the layers' (clap has already put the environment in the flag; an
    /// empty value is unset, as in the environment).
    pub fn text(&self, flag: &Option<String>, var: Var) -> Option<String> {
        flag.clone()
            .filter(|v| !v.is_empty())
            .or_else(|| self.get(var))
    }

    pub fn path(&self, flag: &Option<PathBuf>, var: Var) -> Option<PathBuf> {
        flag.clone()
            .filter(|p| !p.as_os_str().is_empty())
            .or_else(|| self.get(var).map(PathBuf::from))
    }

    /// A secret from `var`, else from the file named by `file_var` (trailing newline dropped).
    /// A secret given as `var` or in the file `file_var` names, layer by layer: the
    /// environment's either one before the config file's either one (a stale secret left in
    /// the config file never beats `*_FILE` set for the run).
    pub fn secret(&self, var: Var, file_var: Option<Var>) -> Result<Option<Secret>> {
        let from_env = |v: Var| (self.env)(v.name).filter(|v| !v.is_empty());
        let from_file = |v: Var| {
            self.file
                .values
                .get(v.name)
                .cloned()
                .filter(|v| !v.is_empty())
        };
        for layer in [&from_env as &dyn Fn(Var) -> Option<String>, &from_file] {
            if let Some(value) = layer(var) {
                return Ok(Some(Secret::new(value)));
            }
            if let Some(file_var) = file_var
                && let Some(path) = layer(file_var)
            {
                return read_secret_file(&path, file_var).map(Some);
            }
        }
        Ok(None)
    }
}

/// A secret kept in a file: its first line's text, without a BOM or line end.
fn read_secret_file(path: &str, file_var: Var) -> Result<Secret> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let hint = not_utf8_hint(&e).unwrap_or("check the path and the file's permissions");
        Error::config(format!("cannot read {path} (named by {file_var}): {e}")).with_hint(hint)
    })?;
    let value = text
        .strip_prefix('\u{feff}')
        .unwrap_or(&text)
        .trim_end_matches(['\r', '\n']);
    if value.is_empty() {
        return Err(
            Error::config(format!("{path} (named by {file_var}) is empty"))
                .with_hint("put the secret in the file, or unset the variable"),
        );
    }
    Ok(Secret::new(value))
}

/// The hint for a file that is not UTF-8: most often UTF-16, which Windows PowerShell 5.1's
/// `Out-File` and `>` write.
fn not_utf8_hint(e: &std::io::Error) -> Option<&'static str> {
    (e.kind() == std::io::ErrorKind::InvalidData).then_some(
        "save the file as UTF-8: Windows PowerShell's Out-File and > write UTF-16 (use Set-Content -Encoding UTF8)",
    )
}

/// A duration in milliseconds (unset = the default).
pub(super) fn millis(value: Option<String>, key: Var) -> Result<Option<std::time::Duration>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<u64>()
            .map(|ms| Some(std::time::Duration::from_millis(ms.min(60_000))))
            .map_err(|_| {
                Error::config(format!("{key}={v} is not a number of milliseconds"))
                    .with_hint(format!("set {key}=2000, or unset it"))
            }),
    }
}

/// An on/off setting: `1`/`true`/`yes` or `0`/`false`/`no` (unset = off).
pub(super) fn switch(value: Option<String>, key: Var) -> Result<bool> {
    match value
        .as_deref()
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("" | "0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(other) => Err(
            Error::config(format!("{key}={other} is neither on nor off"))
                .with_hint(format!("set {key}=1 to enable it, or unset it")),
        ),
    }
}
