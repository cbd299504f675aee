//! The `leptodo` command line: serving, migrating, and the operator's user and role commands.

mod database;
mod password_input;
mod roles;
mod table;
mod users;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{auth::hashing::PasswordHasher, config::Settings, todos::live::hub::Hub};

/// Leptodo: a TodoMVC behind real user accounts.
///
/// Serves the web app when no command is given. Every setting lives in the configuration file (Leptos.toml)
/// and can be overridden by an environment variable LEPTODO_<KEY>, e.g. LEPTODO_DATABASE_URL. The user and
/// role commands work on the configured database and are safe to run while the server is serving.
#[derive(Debug, Parser)]
#[command(name = "leptodo", version, about)]
pub struct Cli {
    /// Path of the configuration file.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "Leptos.toml",
        global = true
    )]
    pub config: PathBuf,
    /// What to do; `serve` if omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Everything else: commands that do one thing to the database and exit.
    #[command(flatten)]
    Operate(OperatorCommand),
}

/// The operator's commands.
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create, list, activate and deactivate accounts; set passwords.
    #[command(subcommand)]
    Users(UsersCommand),
    /// List and create roles; grant and revoke them.
    #[command(subcommand)]
    Roles(RolesCommand),
    /// Move the site to another database.
    #[command(subcommand)]
    Db(DbCommand),
}

/// `leptodo db …`
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy every account, role, todo, API token and audit entry into an empty database, such as a new
    /// PostgreSQL one; ids and password hashes stay as they are, so users log in as before. Sessions are not
    /// copied. Both databases are migrated first; the configured `database_url` is not used.
    Copy {
        /// The database to copy, e.g. sqlite://data/leptodo.db; it must exist.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The empty database to fill, e.g. postgres://leptodo:PASSWORD@db.example.com/leptodo.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

/// `leptodo users …`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create an account, by the same rules as registration.
    ///
    /// The password is read from standard input (one line), or asked for twice when standard input is a
    /// terminal; never from an argument, which other users of the machine could read in the process list.
    Create {
        /// Email address.
        #[arg(long)]
        email: String,
        /// Username: letters and digits.
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Also grant the `admin` role.
        #[arg(long)]
        admin: bool,
    },
    /// Show every account: id, email, username, roles, active, confirmed, last login.
    List,
    /// Let a deactivated account log in again.
    Activate {
        /// Email or username.
        user: String,
    },
    /// Stop an account from logging in; its sessions and API tokens end at once.
    Deactivate {
        /// Email or username.
        user: String,
    },
    /// Mark an account's email address as confirmed, as if its owner had used the link.
    Confirm {
        /// Email or username.
        user: String,
    },
    /// Turn off two-factor sign-in and remove the passkeys of an account whose owner lost their devices and
    /// recovery codes: its secret, recovery codes and passkeys are deleted, the owner is mailed, and the audit
    /// log names the operator.
    #[command(name = "reset-2fa")]
    ResetTwoFactor {
        /// Email or username.
        user: String,
    },
    /// Delete an account and everything of it, for good: todos, API tokens, passkeys, two-factor secrets, mail
    /// links and every session. Its address gets a goodbye mail; the audit log keeps only a tombstone (the
    /// account's id, the time, the operator). The last active admin cannot be deleted.
    Delete {
        /// Email or username.
        user: String,
        /// Confirm that the account is to go: nothing can bring it back.
        #[arg(long)]
        yes: bool,
    },
    /// Set an account's password; its sessions and API tokens end.
    ///
    /// The password is read like `users create` reads it.
    SetPassword {
        /// Email or username.
        user: String,
    },
}

/// `leptodo roles …`
#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// Show every role, its description and how many users hold it.
    List,
    /// Create a role.
    Create {
        /// Lower-case letters, digits, - and _.
        name: String,
        /// What holding the role means.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Grant a role to a user.
    Grant {
        /// Role name.
        role: String,
        /// Email or username.
        user: String,
    },
    /// Revoke a role from a user.
    Revoke {
        /// Role name.
        role: String,
        /// Email or username.
        user: String,
    },
}

/// Why a command failed, in a sentence for the operator; the process exits with status 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CommandError(pub String);

impl From<crate::error::AppError> for CommandError {
    fn from(error: crate::error::AppError) -> Self {
        let message = match error.fields() {
            // Name the option the message is about, as the operator typed it.
            Some(fields) => fields
                .iter()
                .flat_map(|(field, messages)| {
                    let option = match field.as_str() {
                        "password" | "password_confirm" => "password".to_owned(),
                        field => format!("--{field}"),
                    };
                    messages
                        .iter()
                        .map(move |message| format!("{option}: {message}"))
                })
                .collect::<Vec<_>>()
                .join("\n"),
            None => error.user_message(),
        };
        Self(message)
    }
}

impl From<sqlx::Error> for CommandError {
    fn from(error: sqlx::Error) -> Self {
        Self(format!("database: {error}"))
    }
}

/// Runs `migrate`, `users …` or `roles …` against the configured database; answers what to print.
pub async fn run(command: OperatorCommand, settings: &Settings) -> Result<String, CommandError> {
    let command = match command {
        OperatorCommand::Db(DbCommand::Copy { from, to }) => {
            return database::copy(&from, &to, settings).await
        }
        OperatorCommand::Migrate => OnConfiguredDatabase::Migrate,
        OperatorCommand::Users(command) => OnConfiguredDatabase::Users(command),
        OperatorCommand::Roles(command) => OnConfiguredDatabase::Roles(command),
    };
    let pool = crate::startup::open_database(settings)
        .await
        .map_err(|error| CommandError(error.to_string()))?;
    let result = match command {
        OnConfiguredDatabase::Migrate => Ok(format!(
            "The database is up to date ({} migrations).",
            pool.migrations().iter().count()
        )),
        OnConfiguredDatabase::Users(command) => match PasswordHasher::new(settings) {
            // On PostgreSQL, what ends a login here reaches the live streams of every serving instance.
            Ok(hasher) => users::run(command, &pool, &hasher, &Hub::new(settings), settings).await,
            Err(error) => Err(CommandError(error.to_string())),
        },
        OnConfiguredDatabase::Roles(command) => roles::run(command, &pool).await,
    };
    pool.close().await;
    result
}

/// The commands that work on the configured `database_url` (the others name their databases themselves).
enum OnConfiguredDatabase {
    Migrate,
    Users(UsersCommand),
    Roles(RolesCommand),
}
