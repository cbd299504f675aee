//! Throttling of password guessing and of costly creations: attempts are counted per account and per client
//! address within a sliding window; past a limit, attempts are refused (429 with `Retry-After`) before any
//! password is checked. Written here, not a rate-limit crate (`tower_governor`): those count requests in one
//! process's memory, and these counts are of failures, per account as well as per address, and shared by
//! every instance through the database.
//!
//! An attempt is *reserved* before the expensive work: counting and recording happen in one transaction that
//! runs alone among those touching the same counts, so sixty attempts sent at once cannot all read "nine
//! failures so far" and all go ahead. A reservation that ends in success is released; one that ends in failure
//! simply stays, as the failure's record.
//!
//! Refused attempts are not counted, so a lockout ends at most one window after the failure that caused it:
//! an attacker can slow a real user down but not lock them out for longer. The counts live in the database so
//! that several instances share them.
//!
//! So that an attacker cannot keep the owner out of their account by failing on purpose, the account's limit
//! applies to addresses that have failed lately; an address with no recent failure is still let through up to
//! a higher ceiling per account (see the README's "Throttling").

use std::net::IpAddr;

use crate::{
    config::Settings,
    db::{run, unix_now, Lock, Pool, Transaction},
    domain::MAX_LOGIN_CHARS,
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
    /// Registering: every registration counts against the address, so one client cannot fill the database.
    Registration,
    /// Asking for a mail (a reset link, a confirmation link again, a change of address): every request
    /// counts, so nobody can flood a mailbox or the mail server.
    Mail,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::PasswordChange => "password_change",
            Self::TokenCreation => "token_creation",
            Self::Registration => "registration",
            Self::Mail => "mail",
        }
    }
}

/// Who an attempt is about: the account (by id when it exists, else by what was typed) and the client address.
#[derive(Debug, Clone)]
pub struct Subjects {
    account: Option<String>,
    ip: Option<String>,
}

impl Subjects {
    /// An existing account.
    pub fn user(user_id: i64, ip: Option<&str>) -> Self {
        Self {
            account: Some(format!("account:{user_id}")),
            ip: ip.map(address_group),
        }
    }

    /// A login for no account: counted under what was typed (cut to the login field's limit), so guessing at
    /// unknown names is throttled too; under the caseless key an account's address is found by, so that two
    /// spellings of one address (`straße`, `STRASSE`) share a count whether or not an account has it.
    pub fn unknown_login(login: &str, ip: Option<&str>) -> Self {
        let typed: String = login.chars().take(MAX_LOGIN_CHARS).collect();
        // Case folding may lengthen what was typed (`ß` to `ss`): the key is cut to the limit too.
        let key: String = super::identity::email_key(&typed)
            .chars()
            .take(MAX_LOGIN_CHARS)
            .collect();
        Self {
            account: Some(format!("login:{key}")),
            ip: ip.map(address_group),
        }
    }

    /// A mail asked for an address that may or may not have an account: counted under the address's caseless
    /// key, the same whether an account exists or not, so the count reveals nothing.
    pub fn mailbox(email_key: &str, ip: Option<&str>) -> Self {
        Self {
            account: Some(format!("email:{email_key}")),
            ip: ip.map(address_group),
        }
    }

    /// An attempt counted against the client address only (a registration has no account yet).
    pub fn address(ip: Option<&str>) -> Self {
        Self {
            account: None,
            ip: ip.map(address_group),
        }
    }

    /// For logs: the account's subject, or "unknown".
    fn account_for_log(&self) -> &str {
        self.account.as_deref().unwrap_or("none")
    }
}

/// The subject under which an address is counted. An IPv6 client usually holds a whole /64 and can pick any
/// address in it, so IPv6 addresses count by /64; an IPv4-mapped IPv6 address counts as its IPv4 address.
fn address_group(ip: &str) -> String {
    match ip.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(ip)) => {
            let [a, b, c, d, ..] = ip.segments();
            format!("ip:{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
        Ok(IpAddr::V4(ip)) => format!("ip:{ip}"),
        Err(_) => format!("ip:{ip}"),
    }
}

/// The limits, and the database holding the counts.
#[derive(Debug, Clone)]
pub struct Throttle {
    pool: Pool,
    per_account: i64,
    account_ceiling: i64,
    per_ip: i64,
    registrations_per_ip: i64,
    mails_per_account: i64,
    mails_per_ip: i64,
    window_seconds: i64,
}

/// One attempt let through and recorded; see [`Throttle::release`].
#[must_use = "a reservation stays counted as a failure unless released"]
#[derive(Debug)]
pub struct Reservation {
    ids: Vec<i64>,
}

impl Reservation {
    /// The attempt failed (or, for creations, happened): it stays counted until it leaves the window.
    pub fn keep(self) {}
}

impl Throttle {
    /// Reads `throttle_*` from the settings.
    pub fn new(pool: Pool, settings: &Settings) -> Self {
        Self {
            pool,
            per_account: i64::from(settings.throttle_failures_per_account),
            account_ceiling: i64::from(settings.throttle_account_ceiling),
            per_ip: i64::from(settings.throttle_failures_per_ip),
            registrations_per_ip: i64::from(settings.throttle_registrations_per_ip),
            mails_per_account: i64::from(settings.throttle_mails_per_account),
            mails_per_ip: i64::from(settings.throttle_mails_per_ip),
            window_seconds: i64::from(settings.throttle_window_minutes) * 60,
        }
    }

    /// Lets one attempt through and counts it, or refuses it with [`AppError::TooManyAttempts`] when the account
    /// or the address has failed too often lately. Atomic: concurrent attempts on the same counts take turns.
    pub async fn reserve(
        &self,
        action: Action,
        subjects: &Subjects,
    ) -> Result<Reservation, AppError> {
        let now = unix_now();
        let since = now - self.window_seconds;
        let counted: Vec<String> = subjects
            .account
            .iter()
            .chain(subjects.ip.iter())
            .cloned()
            .collect();
        let names: Vec<String> = counted
            .iter()
            .map(|subject| format!("{}:{subject}", action.name()))
            .collect();
        let locks: Vec<Lock<'_>> = names.iter().map(|name| Lock::Throttle(name)).collect();
        let mut transaction = self.pool.begin_serialized(&locks).await?;
        let account = match &subjects.account {
            Some(subject) => Some(window_count(&mut transaction, action, subject, since).await?),
            None => None,
        };
        let ip = match &subjects.ip {
            Some(subject) => Some(window_count(&mut transaction, action, subject, since).await?),
            None => None,
        };
        let (account_limit, ip_limit) =
            self.limits(action, ip.is_some_and(|(count, _)| count == 0));
        let wait = [(account, account_limit), (ip, ip_limit)]
            .into_iter()
            .filter_map(|(count, limit)| {
                let (count, oldest) = count?;
                (count >= limit).then(|| oldest.unwrap_or(now) + self.window_seconds - now)
            })
            .max();
        if let Some(wait) = wait {
            drop(transaction);
            tracing::warn!(
                action = action.name(),
                account = subjects.account_for_log(),
                address = subjects.ip.as_deref().unwrap_or("unknown"),
                "attempt refused: too many recent attempts"
            );
            return Err(AppError::TooManyAttempts {
                retry_after_seconds: u64::try_from(wait).unwrap_or(1).max(1),
            });
        }
        let mut ids = Vec::with_capacity(counted.len());
        for subject in &counted {
            let id: i64 = run!(&mut transaction, |connection| sqlx::query_scalar(
                "INSERT INTO auth_failures (action, subject, failed_at) VALUES ($1, $2, $3)
                 RETURNING id",
            )
            .bind(action.name())
            .bind(subject)
            .bind(now)
            .fetch_one(connection)
            .await)?;
            ids.push(id);
        }
        transaction.commit().await?;
        Ok(Reservation { ids })
    }

    /// The most attempts of `action` an account and an address may make in the window. An address that has not
    /// failed lately (`fresh_address`) may go on up to the account's ceiling; see the module's comment.
    fn limits(&self, action: Action, fresh_address: bool) -> (i64, i64) {
        let ip_limit = match action {
            Action::Registration => self.registrations_per_ip,
            Action::Mail => self.mails_per_ip,
            _ => self.per_ip,
        };
        let account_limit = match (action, fresh_address) {
            (Action::Mail, _) => self.mails_per_account,
            (Action::Login, true) => self.account_ceiling.max(self.per_account),
            _ => self.per_account,
        };
        (account_limit, ip_limit)
    }

    /// The attempt succeeded (or failed for a reason that is not a guess): it no longer counts.
    pub async fn release(&self, reservation: Reservation) -> Result<(), AppError> {
        for id in reservation.ids {
            run!(&self.pool, |connection| sqlx::query(
                "DELETE FROM auth_failures WHERE id = $1"
            )
            .bind(id)
            .execute(connection)
            .await
            .map(|done| done.rows_affected()))?;
        }
        Ok(())
    }

    /// After a successful login: the attempt is released and the account's failures are forgiven (the
    /// address's are not).
    pub async fn forgive_account(
        &self,
        action: Action,
        subjects: &Subjects,
        reservation: Reservation,
    ) -> Result<(), AppError> {
        self.release(reservation).await?;
        if let Some(account) = &subjects.account {
            run!(&self.pool, |connection| sqlx::query(
                "DELETE FROM auth_failures WHERE action = $1 AND subject = $2"
            )
            .bind(action.name())
            .bind(account)
            .execute(connection)
            .await
            .map(|done| done.rows_affected()))?;
        }
        Ok(())
    }

    /// Deletes the counts that have left the window; run now and then, so the table holds one window's worth.
    pub async fn sweep(&self) -> Result<u64, sqlx::Error> {
        let before = unix_now() - self.window_seconds;
        run!(&self.pool, |connection| sqlx::query(
            "DELETE FROM auth_failures WHERE failed_at <= $1"
        )
        .bind(before)
        .execute(connection)
        .await
        .map(|done| done.rows_affected()))
    }
}

/// How many attempts `subject` made at `action` after `since`, and when the oldest of them was.
async fn window_count(
    transaction: &mut Transaction,
    action: Action,
    subject: &str,
    since: i64,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    run!(transaction, |connection| sqlx::query_as(
        "SELECT COUNT(*), MIN(failed_at) FROM auth_failures
         WHERE action = $1 AND subject = $2 AND failed_at > $3",
    )
    .bind(action.name())
    .bind(subject)
    .bind(since)
    .fetch_one(connection)
    .await)
}

#[cfg(test)]
mod tests {
    use super::{address_group, Subjects, MAX_LOGIN_CHARS};

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            address_group("2001:db8:1:2:aaaa::1"),
            address_group("2001:db8:1:2:bbbb:cccc:dddd:eeee")
        );
        assert_eq!(address_group("2001:db8:1:2::9"), "ip:2001:db8:1:2::/64");
        assert_ne!(
            address_group("2001:db8:1:2::1"),
            address_group("2001:db8:1:3::1")
        );
        assert_eq!(address_group("::ffff:203.0.113.7"), "ip:203.0.113.7");
        assert_eq!(address_group("203.0.113.7"), "ip:203.0.113.7");
    }

    #[test]
    fn an_unknown_login_is_counted_under_at_most_the_fields_limit() {
        for typed in ["x", "ß"] {
            let subjects = Subjects::unknown_login(&typed.repeat(100_000), None);
            assert_eq!(
                subjects.account.map(|account| account.chars().count()),
                Some("login:".len() + MAX_LOGIN_CHARS),
                "{typed}"
            );
        }
        assert_eq!(
            Subjects::unknown_login("Straße@Example.com", None).account,
            Subjects::unknown_login(" STRASSE@example.com", None).account
        );
    }
}
