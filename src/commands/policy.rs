//! `photosync policy show|set`: the tenant's photo policy (Graph beta `photoUpdateSettings`),
//! read, changed (PATCH) or reset (DELETE), printed as one `policy` record on stdout with what
//! it means. A change is read back, so the record shows what Graph holds, not what was asked.

use crate::auth::Resource;
use crate::cli::{PolicyCommand, PolicySetArgs, PolicySourceArg};
use crate::error::{Error, Result};
use crate::schema::{OutputRecord, PolicyAction, PolicyRecord, SCHEMA_VERSION};
use crate::store::RunContext;
use crate::store::graph::policy::{self, PhotoUpdateSettings, PolicyChange, PolicySource};

/// Said with every record: what replaced Outlook's own switch, and where to change it.
const SHOW_HINT: &str = "change it with `photosync policy set --source cloud|onPremises|unset --allowed-roles ...`; allowedRoles replaces Outlook on the web's SetPhotoEnabled (Set-OwaMailboxPolicy), which no longer controls photo changes";
const CHANGED_HINT: &str = "Microsoft 365 can take up to 24 hours to apply a photo policy change everywhere; `photosync policy show` reads it again";

pub async fn run(cmd: PolicyCommand, ctx: &RunContext) -> Result<i32> {
    let record = match cmd {
        PolicyCommand::Show => {
            let graph = Graph::open(ctx)?;
            let now = graph.read().await?;
            record(PolicyAction::Shown, &now, None, SHOW_HINT)
        }
        PolicyCommand::Set(args) => {
            // A request that makes no sense is said before any sign-in.
            let change = change_of(&args)?;
            let graph = Graph::open(ctx)?;
            let before = graph.read().await?;
            let planned = change.apply(&before);
            let reset = change == PolicyChange::Reset;
            if planned == before {
                record(PolicyAction::Unchanged, &before, Some(&before), SHOW_HINT)
            } else if args.dry_run {
                tracing::info!("skipped the policy change because --dry-run");
                let action = if reset {
                    PolicyAction::WouldReset
                } else {
                    PolicyAction::WouldUpdate
                };
                record(action, &planned, Some(&before), CHANGED_HINT)
            } else {
                policy::write(&graph.cloud.http, &graph.token, &graph.beta, &change).await?;
                let now = graph.read().await?;
                let action = if reset {
                    PolicyAction::Reset
                } else {
                    PolicyAction::Updated
                };
                record(action, &now, Some(&before), CHANGED_HINT)
            }
        }
    };
    crate::output::write_json_line(&OutputRecord::Policy(record)).ok();
    Ok(0)
}

/// The run's Graph client, token and beta root.
struct Graph {
    cloud: std::sync::Arc<crate::store::CloudContext>,
    token: crate::auth::TokenSource,
    beta: String,
}

impl Graph {
    fn open(ctx: &RunContext) -> Result<Self> {
        let cloud = ctx.cloud()?;
        Ok(Graph {
            token: cloud.auth.source(Resource::Graph),
            beta: format!("{}/beta", cloud.settings.graph_url.trim_end_matches('/')),
            cloud,
        })
    }

    async fn read(&self) -> Result<PhotoUpdateSettings> {
        policy::read(&self.cloud.http, &self.token, &self.beta).await
    }
}

fn record(
    action: PolicyAction,
    now: &PhotoUpdateSettings,
    previous: Option<&PhotoUpdateSettings>,
    hint: &str,
) -> PolicyRecord {
    PolicyRecord {
        schema_version: SCHEMA_VERSION,
        action,
        settings: now.record(),
        previous: previous.map(PhotoUpdateSettings::record),
        hint: hint.to_string(),
    }
}

/// What `policy set` asks for; a usage error when it asks for nothing or for a contradiction.
fn change_of(args: &PolicySetArgs) -> Result<PolicyChange> {
    let allowed_roles = args.allowed_roles.as_deref().map(parse_roles).transpose()?;
    match (args.source, allowed_roles) {
        (None, None) => Err(Error::config("policy set needs --source or --allowed-roles")
            .with_hint("e.g. `photosync policy set --source onPremises`, or `--allowed-roles none` to let every user change their own photo")),
        (Some(PolicySourceArg::Unset), Some(_)) => Err(Error::config(
            "--source unset resets the whole policy, allowed roles included",
        )
        .with_hint("reset first, then set roles with `--source cloud --allowed-roles ...`")),
        (Some(PolicySourceArg::Unset), None) => Ok(PolicyChange::Reset),
        (source, allowed_roles) => Ok(PolicyChange::Set {
            source: source.map(|s| match s {
                PolicySourceArg::Cloud => PolicySource::Cloud,
                PolicySourceArg::OnPremises => PolicySource::OnPremises,
                PolicySourceArg::Unset => PolicySource::Unset,
            }),
            allowed_roles,
        }),
    }
}

/// `none` (or nothing) for every user, else comma-separated role names or ids.
fn parse_roles(text: &str) -> Result<Vec<String>> {
    if text.trim().is_empty() || text.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut roles = Vec::new();
    for part in text.split(',') {
        if part.trim().is_empty() {
            return Err(Error::config(format!("--allowed-roles `{text}` has an empty role"))
                .with_hint("separate roles with single commas, e.g. people-administrator,user-administrator"));
        }
        let role = policy::parse_role(part)?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(source: Option<PolicySourceArg>, roles: Option<&str>) -> PolicySetArgs {
        PolicySetArgs {
            source,
            allowed_roles: roles.map(str::to_string),
            dry_run: false,
        }
    }

    #[test]
    fn set_asks_for_something_consistent() {
        assert!(change_of(&args(None, None)).is_err());
        assert!(change_of(&args(Some(PolicySourceArg::Unset), Some("none"))).is_err());
        assert_eq!(
            change_of(&args(Some(PolicySourceArg::Unset), None)).expect("reset"),
            PolicyChange::Reset
        );
        assert_eq!(
            change_of(&args(None, Some("none"))).expect("roles only"),
            PolicyChange::Set {
                source: None,
                allowed_roles: Some(Vec::new())
            }
        );
        let both = change_of(&args(
            Some(PolicySourceArg::Cloud),
            Some("people-administrator, People Administrator,user-administrator"),
        ))
        .expect("both");
        assert_eq!(
            both,
            PolicyChange::Set {
                source: Some(PolicySource::Cloud),
                allowed_roles: Some(vec![
                    "024906de-61e5-49c8-8572-40335f1e0e10".into(),
                    "fe930be7-5e62-47db-91af-98c3a49a38b1".into()
                ])
            }
        );
        assert!(change_of(&args(None, Some("people-administrator,,x"))).is_err());
    }
}
