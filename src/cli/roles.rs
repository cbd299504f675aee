//! `leptodo roles …`: listing and creating roles, granting and revoking them.

use super::{table, users::find, CommandError, RolesCommand};
use crate::{
    admin::{queries as admin_queries, service},
    audit::Actor,
    db::Pool,
    domain::RoleName,
};

/// Longest role description; it is shown in one table cell.
const MAX_DESCRIPTION_CHARS: usize = 200;

/// Runs one `roles` command; answers what to print.
pub async fn run(command: RolesCommand, pool: &Pool) -> Result<String, CommandError> {
    let actor = Actor::command_line();
    match command {
        RolesCommand::List => {
            let rows: Vec<Vec<String>> = admin_queries::roles(pool)
                .await?
                .into_iter()
                .map(|role| vec![role.name, role.user_count.to_string(), role.description])
                .collect();
            Ok(table::render(&["role", "users", "description"], &rows))
        }
        RolesCommand::Create { name, description } => {
            let name = role_name(&name)?;
            let description = description.trim();
            if description.chars().count() > MAX_DESCRIPTION_CHARS
                || description.chars().any(char::is_control)
            {
                return Err(CommandError(format!(
                    "--description: one line of at most {MAX_DESCRIPTION_CHARS} characters."
                )));
            }
            match service::create_role(pool, &actor, &name, description).await? {
                true => Ok(format!("Created the role “{name}”.")),
                false => Err(CommandError(format!("The role “{name}” exists already."))),
            }
        }
        RolesCommand::Grant { role, user } => {
            let (role, record) = role_and_user(pool, &role, &user).await?;
            let outcome = service::grant_role(pool, &actor, record.id, &role).await?;
            Ok(match outcome.changed {
                true => format!("{} now has the role “{role}”.", record.username),
                false => format!("{} already had the role “{role}”.", record.username),
            })
        }
        RolesCommand::Revoke { role, user } => {
            let (role, record) = role_and_user(pool, &role, &user).await?;
            let outcome = service::revoke_role(pool, &actor, record.id, &role).await?;
            Ok(match outcome.changed {
                true => format!("{} no longer has the role “{role}”.", record.username),
                false => format!("{} did not have the role “{role}”.", record.username),
            })
        }
    }
}

fn role_name(name: &str) -> Result<RoleName, CommandError> {
    RoleName::parse(name).map_err(|message| CommandError(format!("role “{name}”: {message}")))
}

/// The role and the user a grant or revoke names, each checked to exist.
async fn role_and_user(
    pool: &Pool,
    role: &str,
    user: &str,
) -> Result<(RoleName, crate::auth::queries::UserRecord), CommandError> {
    let role = role_name(role)?;
    if admin_queries::role_id(pool, &role).await?.is_none() {
        return Err(CommandError(format!(
            "There is no role “{role}” (see `leptodo roles list`)."
        )));
    }
    Ok((role, find(pool, user).await?))
}
