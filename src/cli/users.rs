//! `leptodo users …`: the operator's account commands, through the same service as the admin pages.

use super::{password_input::read_new_password, table, CommandError, UsersCommand};
use crate::{
    account::data::deletion,
    admin::{queries as admin_queries, service},
    audit::Actor,
    auth::{
        email::EmailPolicy,
        hashing::PasswordHasher,
        passkeys,
        queries::{self, UserRecord},
        registration::RegistrationInput,
        two_factor,
    },
    config::Settings,
    db::Pool,
    mail::Mailer,
    todos::live::hub::Hub,
};

/// Runs one `users` command; answers what to print.
pub async fn run(
    command: UsersCommand,
    pool: &Pool,
    hasher: &PasswordHasher,
    live: &Hub,
    settings: &Settings,
) -> Result<String, CommandError> {
    let actor = Actor::command_line();
    match command {
        UsersCommand::Create {
            email,
            username,
            name,
            admin,
        } => {
            let input = RegistrationInput {
                email,
                username,
                name,
                ..RegistrationInput::default()
            };
            create(pool, hasher, &actor, input, admin).await
        }
        UsersCommand::List => list(pool).await,
        UsersCommand::Activate { user } => {
            let record = find(pool, &user).await?;
            let outcome = service::set_active(pool, live, &actor, record.id, true).await?;
            Ok(match outcome.changed {
                true => format!("{} is active again.", record.username),
                false => format!("{} was already active.", record.username),
            })
        }
        UsersCommand::Deactivate { user } => {
            let record = find(pool, &user).await?;
            let outcome = service::set_active(pool, live, &actor, record.id, false).await?;
            Ok(match outcome.changed {
                true => format!(
                    "{} is deactivated; their sessions and API tokens have ended.",
                    record.username
                ),
                false => format!("{} was already deactivated.", record.username),
            })
        }
        UsersCommand::Confirm { user } => {
            let record = find(pool, &user).await?;
            Ok(match service::confirm_email(pool, &actor, &record).await? {
                true => format!("The email address of {} is confirmed.", record.username),
                false => format!(
                    "The email address of {} was already confirmed.",
                    record.username
                ),
            })
        }
        UsersCommand::ResetTwoFactor { user } => {
            let record = find(pool, &user).await?;
            let mailer = Mailer::new(settings).map_err(|error| CommandError(error.to_string()))?;
            let email = EmailPolicy::new(settings, mailer, settings.site_addr);
            let was_on = two_factor::service::reset(pool, &email, &actor, &record).await?;
            let passkeys = passkeys::service::reset(pool, &email, &actor, &record).await?;
            // The mail to the account leaves before the process does.
            email.mailer.idle().await;
            let name = &record.username;
            Ok(match (was_on, passkeys) {
                (false, 0) => format!("{name} did not use two-factor sign-in or passkeys."),
                (true, 0) => format!(
                    "Two-factor sign-in of {name} is off; they sign in with their password and were mailed."
                ),
                (was_on, removed) => format!(
                    "{}{removed} passkey(s) of {name} removed; they sign in with their password and were mailed.",
                    if was_on { "Two-factor sign-in is off and " } else { "" }
                ),
            })
        }
        UsersCommand::Delete { user, yes } => {
            let record = find(pool, &user).await?;
            if !yes {
                return Err(CommandError(format!(
                    "This deletes {} (id {}) and everything of it, for good. Run it again with --yes to go ahead.",
                    record.username, record.id
                )));
            }
            let mailer = Mailer::new(settings).map_err(|error| CommandError(error.to_string()))?;
            let email = EmailPolicy::new(settings, mailer, settings.site_addr);
            deletion::delete(pool, live, &email, &actor, &record).await?;
            // The goodbye mail leaves before the process does.
            email.mailer.idle().await;
            Ok(format!(
                "Deleted {} (id {}); their address was mailed.",
                record.username, record.id
            ))
        }
        UsersCommand::SetPassword { user } => {
            let record = find(pool, &user).await?;
            let password = read_new_password()?;
            service::set_password(pool, live, hasher, &actor, &record, &password).await?;
            Ok(format!(
                "Password of {} set; their sessions and API tokens have ended.",
                record.username
            ))
        }
    }
}

/// Creates the account `input` describes, with the password the operator types twice.
async fn create(
    pool: &Pool,
    hasher: &PasswordHasher,
    actor: &Actor,
    input: RegistrationInput,
    admin: bool,
) -> Result<String, CommandError> {
    let password = read_new_password()?;
    let input = RegistrationInput {
        password_confirm: password.clone().into(),
        password: password.into(),
        ..input
    };
    let user = service::create_user(pool, hasher, actor, &input, admin).await?;
    Ok(format!(
        "Created user {} (id {}) with the roles {}.",
        user.username,
        user.id,
        user.roles.join(", ")
    ))
}

/// Every account as a table.
async fn list(pool: &Pool) -> Result<String, CommandError> {
    let users = admin_queries::all_users(pool).await?;
    let rows: Vec<Vec<String>> = users
        .into_iter()
        .map(|user| {
            vec![
                user.id.to_string(),
                user.email,
                user.username,
                user.roles.join(","),
                if user.active { "yes" } else { "no" }.to_owned(),
                if user.confirmed { "yes" } else { "no" }.to_owned(),
                user.last_login_at
                    .map_or_else(|| "never".into(), |at| at.to_string()),
            ]
        })
        .collect();
    Ok(table::render(
        &[
            "id",
            "email",
            "username",
            "roles",
            "active",
            "confirmed",
            "last login",
        ],
        &rows,
    ))
}

/// The account whose email or username is `login`.
pub async fn find(pool: &Pool, login: &str) -> Result<UserRecord, CommandError> {
    queries::find_by_login(pool, login)
        .await?
        .ok_or_else(|| no_such_user(login))
}

fn no_such_user(login: &str) -> CommandError {
    CommandError(format!(
        "No user has the email or username “{login}” (see `leptodo users list`)."
    ))
}
