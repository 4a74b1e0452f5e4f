//! `photosync auth test`: which credential is configured, whether a token comes for each
//! resource, and whether the roles it carries cover what each command needs. Prints one JSON
//! document; never prints a token or secret (only the claims that say what a token allows).

use std::sync::Arc;

use serde::Serialize;

use crate::auth::{Authenticator, Resource, TokenClaims};
use crate::error::{Error, ErrorClass, Result};
use crate::store::RunContext;
use crate::store::registry::{BACKENDS, Need};
use crate::store::sharepoint::SharePointUrls;

/// One command's needs, from a store's declared permissions (`store::registry`).
struct Command {
    command: String,
    resource: Resource,
    needs: Vec<&'static Need>,
}

/// What each store's commands need: reading it (`status --stores NAME`), writing it
/// (`sync --targets NAME`), and each optional permission on its own.
fn commands() -> Vec<Command> {
    let mut out = Vec::new();
    for backend in BACKENDS {
        let Some(p) = backend.permissions else {
            continue;
        };
        out.push(Command {
            command: format!("status --stores {}", backend.name),
            resource: p.resource,
            needs: p.read.iter().collect(),
        });
        out.push(Command {
            command: format!("sync --targets {}", backend.name),
            resource: p.resource,
            needs: p.read.iter().chain(p.write).collect(),
        });
        for need in p.optional {
            out.push(Command {
                command: format!("status/sync --stores {} (optional)", backend.name),
                resource: p.resource,
                needs: vec![need],
            });
        }
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenReport {
    resource: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    audience_requested: Option<String>,
    obtained: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    audience: Vec<String>,
    roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<crate::schema::ErrorInfo>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NeedReport {
    need: &'static str,
    any_of: &'static [&'static str],
    met: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CommandReport {
    command: String,
    resource: &'static str,
    /// `ok`, `missing-roles`, `no-token`, `not-configured`.
    verdict: &'static str,
    needs: Vec<NeedReport>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    credential: serde_json::Map<String, serde_json::Value>,
    tokens: Vec<TokenReport>,
    commands: Vec<CommandReport>,
}

fn info(e: &Error) -> crate::schema::ErrorInfo {
    crate::schema::ErrorInfo {
        code: e.code,
        message: e.message.clone(),
        hint: e.hint.clone(),
    }
}

/// `sharepoint_origin`: another SharePoint host than the admin site (each has its own token).
async fn token_report(
    auth: &Arc<Authenticator>,
    resource: Resource,
    sharepoint_origin: Option<&str>,
) -> (TokenReport, Option<Error>) {
    let mut report = TokenReport {
        resource: resource.name(),
        audience_requested: sharepoint_origin
            .or(auth.resource_id(resource))
            .map(str::to_string),
        obtained: false,
        expires_in_seconds: None,
        audience: Vec::new(),
        roles: Vec::new(),
        error: None,
    };
    if resource == Resource::SharePoint
        && let Err(e) = auth.check_sharepoint_supported()
    {
        report.error = Some(info(&e));
        return (report, Some(e));
    }
    let token = match sharepoint_origin {
        Some(origin) => auth.sharepoint_token(origin).await,
        None => auth.token(resource).await,
    };
    match token {
        Ok(token) => {
            report.obtained = true;
            report.expires_in_seconds = Some(
                token
                    .expires_at
                    .saturating_duration_since(std::time::Instant::now())
                    .as_secs(),
            );
            if let Some(claims) = TokenClaims::read(&token.value) {
                report.audience = claims.aud.clone();
                report.roles = claims.permissions();
            }
            (report, None)
        }
        Err(e) => {
            report.error = Some(info(&e));
            (report, Some(e))
        }
    }
}

pub async fn run(ctx: &RunContext) -> Result<i32> {
    let cloud = ctx.cloud()?;
    let auth = &cloud.auth;
    let mut tokens = Vec::new();
    let mut failure: Option<Error> = None;
    let (graph, e) = token_report(auth, Resource::Graph, None).await;
    failure = failure.or(e);
    tokens.push(graph);
    if let Some(urls) = SharePointUrls::from_settings(ctx.sharepoint()) {
        let (sp, e) = token_report(auth, Resource::SharePoint, None).await;
        let supported = e
            .as_ref()
            .is_none_or(|e| e.code != crate::schema::ErrorCode::CredentialNotSupported);
        failure = failure.or(e);
        tokens.push(sp);
        // The My Site host (uploads, pictures) needs a token of its own.
        if let Ok(my_site) = crate::auth::sharepoint_resource(&urls.my_site)
            && Some(my_site.as_str()) != auth.resource_id(Resource::SharePoint)
            && supported
        {
            let (sp, e) = token_report(auth, Resource::SharePoint, Some(&my_site)).await;
            failure = failure.or(e);
            tokens.push(sp);
        }
    }
    let commands = commands()
        .into_iter()
        .map(|c| {
            let token = tokens.iter().find(|t| t.resource == c.resource.name());
            let needs: Vec<NeedReport> = c
                .needs
                .iter()
                .map(|n| NeedReport {
                    need: n.what,
                    any_of: n.any_of,
                    met: token.is_some_and(|t| {
                        t.roles
                            .iter()
                            .any(|r| n.any_of.iter().any(|a| a.eq_ignore_ascii_case(r)))
                    }),
                })
                .collect();
            let verdict = match token {
                None => "not-configured",
                Some(t) if !t.obtained => "no-token",
                Some(_) if needs.iter().all(|n| n.met) => "ok",
                Some(_) => "missing-roles",
            };
            CommandReport {
                command: c.command,
                resource: c.resource.name(),
                verdict,
                needs,
            }
        })
        .collect();
    let report = Report {
        credential: auth.describe(),
        tokens,
        commands,
    };
    crate::output::write_json_pretty(&report).ok();
    Ok(match failure {
        None => 0,
        Some(e) => {
            tracing::error!("{}", e.message);
            if e.class == ErrorClass::Config { 2 } else { 3 }
        }
    })
}
