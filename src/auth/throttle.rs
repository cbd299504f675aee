//! Throttling of password guessing: failed attempts are counted per account and per client address within a
//! sliding window; past a limit, attempts are refused (429 with `Retry-After`) before any password is checked.
//!
//! Refused attempts are not counted, so a lockout ends at most one window after the failure that caused it:
//! an attacker can slow a real user down but not lock them out for longer. The counts live in the database so
//! that several instances share them.

use crate::{
    config::Settings,
    db::{run, unix_now, Pool},
    error::AppError,
};

/// What is being attempted; each has its own counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Logging in: failures are wrong passwords.
    Login,
    /// Changing the password: failures are wrong current passwords.
    PasswordChange,
    /// Creating API tokens: every creation counts, so a stolen session cannot mint tokens in bulk.
    TokenCreation,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::PasswordChange => "password_change",
            Self::TokenCreation => "token_creation",
        }
    }
}

/// Who an attempt is about: the account (by id when it exists, else by what was typed) and the client address.
#[derive(Debug, Clone)]
pub struct Subjects {
    account: String,
    ip: Option<String>,
}

impl Subjects {
    /// An existing account.
    pub fn user(user_id: i64, ip: Option<&str>) -> Self {
        Self {
            account: format!("account:{user_id}"),
            ip: ip.map(|ip| format!("ip:{ip}")),
        }
    }

    /// A login for no account: counted under what was typed, so guessing at unknown names is throttled too.
    pub fn unknown_login(login: &str, ip: Option<&str>) -> Self {
        Self {
            account: format!("login:{}", login.trim().to_lowercase()),
            ip: ip.map(|ip| format!("ip:{ip}")),
        }
    }
}

/// The limits, and the database holding the counts.
#[derive(Debug, Clone)]
pub struct Throttle {
    pool: Pool,
    per_account: i64,
    per_ip: i64,
    window_seconds: i64,
}

impl Throttle {
    /// Reads `throttle_*` from the settings.
    pub fn new(pool: Pool, settings: &Settings) -> Self {
        Self {
            pool,
            per_account: i64::from(settings.throttle_failures_per_account),
            per_ip: i64::from(settings.throttle_failures_per_ip),
            window_seconds: i64::from(settings.throttle_window_minutes) * 60,
        }
    }

    /// Refuses with [`AppError::TooManyAttempts`] when the account or the address has failed too often lately.
    pub async fn check(&self, action: Action, subjects: &Subjects) -> Result<(), AppError> {
        let now = unix_now();
        let mut wait = 0;
        let limits = [
            (Some(&subjects.account), self.per_account),
            (subjects.ip.as_ref(), self.per_ip),
        ];
        for (subject, limit) in limits {
            let Some(subject) = subject else { continue };
            let (count, oldest): (i64, Option<i64>) = run!(&self.pool, |connection| {
                sqlx::query_as(
                    "SELECT COUNT(*), MIN(failed_at) FROM auth_failures
                     WHERE action = $1 AND subject = $2 AND failed_at > $3",
                )
                .bind(action.name())
                .bind(subject)
                .bind(now - self.window_seconds)
                .fetch_one(connection)
                .await?
            });
            if count >= limit {
                let free_at = oldest.unwrap_or(now) + self.window_seconds;
                wait = wait.max(free_at - now);
            }
        }
        if wait > 0 {
            tracing::warn!(
                action = action.name(),
                "attempt refused: too many recent failures"
            );
            return Err(AppError::TooManyAttempts {
                retry_after_seconds: u64::try_from(wait).unwrap_or(1).max(1),
            });
        }
        Ok(())
    }

    /// Counts a failure against the account and the address; forgets failures older than the window.
    pub async fn record_failure(
        &self,
        action: Action,
        subjects: &Subjects,
    ) -> Result<(), AppError> {
        let now = unix_now();
        let mut transaction = self.pool.begin().await?;
        run!(&mut transaction, |connection| {
            sqlx::query("DELETE FROM auth_failures WHERE failed_at <= $1")
                .bind(now - self.window_seconds)
                .execute(&mut *connection)
                .await?;
            for subject in std::iter::once(&subjects.account).chain(subjects.ip.as_ref()) {
                sqlx::query(
                    "INSERT INTO auth_failures (action, subject, failed_at) VALUES ($1, $2, $3)",
                )
                .bind(action.name())
                .bind(subject)
                .bind(now)
                .execute(&mut *connection)
                .await?;
            }
        });
        transaction.commit().await?;
        Ok(())
    }

    /// After a success: the account's failures are forgiven (the address's are not).
    pub async fn forgive_account(
        &self,
        action: Action,
        subjects: &Subjects,
    ) -> Result<(), AppError> {
        run!(&self.pool, |connection| sqlx::query(
            "DELETE FROM auth_failures WHERE action = $1 AND subject = $2"
        )
        .bind(action.name())
        .bind(&subjects.account)
        .execute(connection)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(())
    }
}
