//! `leptodo db copy`: moving a site from one database to another (typically SQLite to PostgreSQL) with every
//! account, role, todo, token, two-factor secret, recovery code, passkey and audit entry, ids and hashes unchanged (the
//! sealed two-factor secrets open on the target with the same `two_factor_key`).
//!
//! Sessions, throttle counts and passkey ceremonies under way are not copied: they are short-lived, and users
//! simply log in again.

use std::fmt;

use sqlx::FromRow;

use super::{run, Pool, Transaction};
use crate::timestamp::Timestamp;

/// Why a copy did not happen. Nothing is written to the target unless everything is.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target holds data already; a copy would mix two sites.
    #[error("the target database is not empty ({0}); copy into an empty database")]
    TargetNotEmpty(String),
    /// A query failed; `what` says which step.
    #[error("{what}: {source}")]
    Database {
        /// The step that failed.
        what: &'static str,
        /// What the driver said.
        source: sqlx::Error,
    },
}

/// How many rows of each kind were copied.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// Accounts.
    pub users: usize,
    /// Roles, the built-in ones included.
    pub roles: usize,
    /// Roles granted to users.
    pub grants: usize,
    /// Todos.
    pub todos: usize,
    /// API tokens (as their hashes).
    pub tokens: usize,
    /// Audit log entries.
    pub audit_entries: usize,
    /// Accounts' two-factor rows (set up or waiting for their first code).
    pub two_factor: usize,
    /// Recovery codes (as their hashes).
    pub recovery_codes: usize,
    /// Passkeys (their public keys).
    pub passkeys: usize,
}

impl fmt::Display for CopyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Copied {} users, {} roles, {} role grants, {} todos, {} API tokens, {} two-factor setups with {} \
             recovery codes, {} passkeys and {} audit entries. Sessions are not copied: users log in again.",
            self.users,
            self.roles,
            self.grants,
            self.todos,
            self.tokens,
            self.two_factor,
            self.recovery_codes,
            self.passkeys,
            self.audit_entries
        )
    }
}

#[derive(FromRow)]
struct RoleRow {
    id: i64,
    name: String,
    description: String,
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    email: String,
    email_key: Option<String>,
    username: String,
    name: String,
    website: Option<String>,
    password_hash: String,
    active: bool,
    session_secret: String,
    created_at: Timestamp,
    updated_at: Timestamp,
    confirmed_at: Option<Timestamp>,
    last_login_at: Option<Timestamp>,
    current_login_at: Option<Timestamp>,
    last_login_ip: Option<String>,
    current_login_ip: Option<String>,
    login_count: i64,
    todos_version: i64,
}

#[derive(FromRow)]
struct GrantRow {
    user_id: i64,
    role_id: i64,
}

#[derive(FromRow)]
struct TodoRow {
    id: i64,
    user_id: i64,
    title: String,
    completed: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
    client_id: Option<String>,
}

#[derive(FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    name: String,
    token_hash: String,
    created_at: Timestamp,
    last_used_at: Option<Timestamp>,
    issued_under: String,
}

#[derive(FromRow)]
struct AuditRow {
    id: i64,
    at: Timestamp,
    actor_id: Option<i64>,
    actor: String,
    action: String,
    target_user_id: Option<i64>,
    target: String,
    detail: Option<String>,
    ip: Option<String>,
}

#[derive(FromRow)]
struct TwoFactorRow {
    user_id: i64,
    sealed_secret: Vec<u8>,
    enabled_at: Option<Timestamp>,
    last_step: Option<i64>,
    remember_nonce: String,
    created_at: Timestamp,
}

#[derive(FromRow)]
struct RecoveryCodeRow {
    id: i64,
    user_id: i64,
    code_hash: String,
    used_at: Option<Timestamp>,
}

#[derive(FromRow)]
struct PasskeyRow {
    id: i64,
    user_id: i64,
    credential_id: Vec<u8>,
    user_handle: Vec<u8>,
    name: String,
    credential: String,
    created_at: Timestamp,
    last_used_at: Option<Timestamp>,
}

/// Everything a site is made of, read from the source.
struct Site {
    two_factor: Vec<TwoFactorRow>,
    recovery_codes: Vec<RecoveryCodeRow>,
    passkeys: Vec<PasskeyRow>,
    roles: Vec<RoleRow>,
    users: Vec<UserRow>,
    grants: Vec<GrantRow>,
    todos: Vec<TodoRow>,
    tokens: Vec<TokenRow>,
    audit: Vec<AuditRow>,
}

/// Copies the site in `from` into the empty database `to`, in one transaction on `to`. Both are migrated
/// first, so both have this release's tables.
pub async fn copy(from: &Pool, to: &Pool) -> Result<CopyReport, CopyError> {
    let step = |what| move |source| CopyError::Database { what, source };
    refuse_non_empty(to).await?;
    let site = read(from).await.map_err(step("reading the source"))?;
    let mut transaction = to.begin().await.map_err(step("opening the target"))?;
    write(&mut transaction, &site)
        .await
        .map_err(step("writing the target"))?;
    restart_identities(&mut transaction)
        .await
        .map_err(step("moving the target's id sequences"))?;
    transaction
        .commit()
        .await
        .map_err(step("committing the target"))?;
    Ok(CopyReport {
        users: site.users.len(),
        roles: site.roles.len(),
        grants: site.grants.len(),
        todos: site.todos.len(),
        tokens: site.tokens.len(),
        audit_entries: site.audit.len(),
        two_factor: site.two_factor.len(),
        recovery_codes: site.recovery_codes.len(),
        passkeys: site.passkeys.len(),
    })
}

/// Refuses a target with any account, todo, token, audit entry or role beyond the two every database starts
/// with.
async fn refuse_non_empty(to: &Pool) -> Result<(), CopyError> {
    let (users, todos, tokens, audit, roles) =
        target_counts(to)
            .await
            .map_err(|source| CopyError::Database {
                what: "reading the target",
                source,
            })?;
    let found: Vec<String> = [
        (users, "users"),
        (todos, "todos"),
        (tokens, "API tokens"),
        (audit, "audit entries"),
        (roles, "roles of its own"),
    ]
    .into_iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, what)| format!("{count} {what}"))
    .collect();
    if found.is_empty() {
        Ok(())
    } else {
        Err(CopyError::TargetNotEmpty(found.join(", ")))
    }
}

/// Users, todos, tokens, audit entries and roles other than the built-in ones.
async fn target_counts(to: &Pool) -> Result<(i64, i64, i64, i64, i64), sqlx::Error> {
    run!(to, |connection| sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM todos),
                (SELECT COUNT(*) FROM api_tokens), (SELECT COUNT(*) FROM audit_log),
                (SELECT COUNT(*) FROM roles WHERE name NOT IN ('user', 'admin'))"
    )
    .fetch_one(connection)
    .await)
}

async fn read(from: &Pool) -> Result<Site, sqlx::Error> {
    run!(from, |connection| {
        Ok(Site {
        two_factor: sqlx::query_as(
            "SELECT user_id, sealed_secret, enabled_at, last_step, remember_nonce, created_at
             FROM two_factor ORDER BY user_id"
        )
        .fetch_all(&mut *connection)
        .await?,
        recovery_codes: sqlx::query_as(
            "SELECT id, user_id, code_hash, used_at FROM recovery_codes ORDER BY id"
        )
        .fetch_all(&mut *connection)
        .await?,
        passkeys: sqlx::query_as(
            "SELECT id, user_id, credential_id, user_handle, name, credential, created_at, last_used_at
             FROM passkeys ORDER BY id"
        )
        .fetch_all(&mut *connection)
        .await?,
        roles: sqlx::query_as("SELECT id, name, description FROM roles ORDER BY id")
            .fetch_all(&mut *connection)
            .await?,
        users: sqlx::query_as(
            "SELECT id, email, email_key, username, name, website, password_hash, active, session_secret, created_at,
                 updated_at, confirmed_at, last_login_at, current_login_at, last_login_ip, current_login_ip,
                 login_count, todos_version
             FROM users ORDER BY id",
        )
        .fetch_all(&mut *connection)
        .await?,
        grants: sqlx::query_as("SELECT user_id, role_id FROM roles_users ORDER BY user_id, role_id")
            .fetch_all(&mut *connection)
            .await?,
        todos: sqlx::query_as(
            "SELECT id, user_id, title, completed, created_at, updated_at, client_id FROM todos ORDER BY id"
        )
        .fetch_all(&mut *connection)
        .await?,
        tokens: sqlx::query_as(
            "SELECT id, user_id, name, token_hash, created_at, last_used_at, issued_under FROM api_tokens ORDER BY id"
        )
        .fetch_all(&mut *connection)
        .await?,
        audit: sqlx::query_as(
            "SELECT id, at, actor_id, actor, action, target_user_id, target, detail, ip
             FROM audit_log ORDER BY id"
        )
        .fetch_all(&mut *connection)
        .await?,
    })
    })
}

async fn write(transaction: &mut Transaction, site: &Site) -> Result<(), sqlx::Error> {
    run!(transaction, |connection| {
        // The target's built-in roles give way to the source's, which keep their ids (grants refer to them).
        sqlx::query("DELETE FROM roles")
            .execute(&mut *connection)
            .await?;
        for role in &site.roles {
            sqlx::query("INSERT INTO roles (id, name, description) VALUES ($1, $2, $3)")
                .bind(role.id)
                .bind(&role.name)
                .bind(&role.description)
                .execute(&mut *connection)
                .await?;
        }
        for user in &site.users {
            sqlx::query(
                "INSERT INTO users (id, email, username, name, website, password_hash, active, session_secret,
                     created_at, updated_at, confirmed_at, last_login_at, current_login_at, last_login_ip,
                     current_login_ip, login_count, email_key, todos_version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            )
            .bind(user.id)
            .bind(&user.email)
            .bind(&user.username)
            .bind(&user.name)
            .bind(&user.website)
            .bind(&user.password_hash)
            .bind(user.active)
            .bind(&user.session_secret)
            .bind(&user.created_at)
            .bind(&user.updated_at)
            .bind(&user.confirmed_at)
            .bind(&user.last_login_at)
            .bind(&user.current_login_at)
            .bind(&user.last_login_ip)
            .bind(&user.current_login_ip)
            .bind(user.login_count)
            .bind(&user.email_key)
            .bind(user.todos_version)
            .execute(&mut *connection)
            .await?;
        }
        for grant in &site.grants {
            sqlx::query("INSERT INTO roles_users (user_id, role_id) VALUES ($1, $2)")
                .bind(grant.user_id)
                .bind(grant.role_id)
                .execute(&mut *connection)
                .await?;
        }
        for todo in &site.todos {
            sqlx::query(
                "INSERT INTO todos (id, user_id, title, completed, created_at, updated_at, client_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(todo.id)
            .bind(todo.user_id)
            .bind(&todo.title)
            .bind(todo.completed)
            .bind(&todo.created_at)
            .bind(&todo.updated_at)
            .bind(&todo.client_id)
            .execute(&mut *connection)
            .await?;
        }
        for token in &site.tokens {
            sqlx::query(
                "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, last_used_at, issued_under)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(token.id)
            .bind(token.user_id)
            .bind(&token.name)
            .bind(&token.token_hash)
            .bind(&token.created_at)
            .bind(&token.last_used_at)
            .bind(&token.issued_under)
            .execute(&mut *connection)
            .await?;
        }
        for row in &site.two_factor {
            sqlx::query(
                "INSERT INTO two_factor (user_id, sealed_secret, enabled_at, last_step, remember_nonce, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(row.user_id)
            .bind(&row.sealed_secret)
            .bind(&row.enabled_at)
            .bind(row.last_step)
            .bind(&row.remember_nonce)
            .bind(&row.created_at)
            .execute(&mut *connection)
            .await?;
        }
        for code in &site.recovery_codes {
            sqlx::query(
                "INSERT INTO recovery_codes (id, user_id, code_hash, used_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(code.id)
            .bind(code.user_id)
            .bind(&code.code_hash)
            .bind(&code.used_at)
            .execute(&mut *connection)
            .await?;
        }
        for passkey in &site.passkeys {
            sqlx::query(
                "INSERT INTO passkeys (id, user_id, credential_id, user_handle, name, credential, created_at, last_used_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(passkey.id)
            .bind(passkey.user_id)
            .bind(&passkey.credential_id)
            .bind(&passkey.user_handle)
            .bind(&passkey.name)
            .bind(&passkey.credential)
            .bind(&passkey.created_at)
            .bind(&passkey.last_used_at)
            .execute(&mut *connection)
            .await?;
        }
        for entry in &site.audit {
            sqlx::query(
                "INSERT INTO audit_log (id, at, actor_id, actor, action, target_user_id, target, detail, ip)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(entry.id)
            .bind(&entry.at)
            .bind(entry.actor_id)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(entry.target_user_id)
            .bind(&entry.target)
            .bind(&entry.detail)
            .bind(&entry.ip)
            .execute(&mut *connection)
            .await?;
        }
        Ok(())
    })
}

/// PostgreSQL identities do not notice explicit ids: each sequence moves past the largest id copied, so the
/// next row gets a fresh id (and ids are still never reused). SQLite's AUTOINCREMENT keeps track by itself.
async fn restart_identities(transaction: &mut Transaction) -> Result<(), sqlx::Error> {
    let Transaction::Postgres(transaction) = transaction else {
        return Ok(());
    };
    for table in [
        "roles",
        "users",
        "todos",
        "api_tokens",
        "audit_log",
        "recovery_codes",
        "passkeys",
    ] {
        // Table names are constants of this function, never input.
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
        ))
        .execute(&mut **transaction)
        .await?;
    }
    Ok(())
}
