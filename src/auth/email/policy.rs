//! How the accounts use mail: the settings every flow reads, and the one way a link is made.

use std::net::SocketAddr;

use super::queries::{self, Purpose};
use crate::{
    auth::{credentials, queries::UserRecord},
    config::{EmailConfirmation, Settings},
    db::Pool,
    error::AppError,
    mail::Mailer,
};

/// How the accounts use mail: the mailer, whether confirmation is asked for, where links point, how long
/// they work.
#[derive(Debug, Clone)]
pub struct EmailPolicy {
    /// Sends in the background.
    pub mailer: Mailer,
    /// `email_confirmation`.
    pub confirmation: EmailConfirmation,
    /// The start of every link, without a trailing slash.
    pub(crate) site_url: String,
    pub(super) confirm_hours: u32,
    pub(super) reset_minutes: u32,
    pub(super) change_hours: u32,
}

impl EmailPolicy {
    /// Reads the settings; links start with `site_url`, or with the address the server listens on.
    pub fn new(settings: &Settings, mailer: Mailer, listening_on: SocketAddr) -> Self {
        let site_url = match settings.site_url.trim() {
            "" => format!("http://{listening_on}"),
            url => url.trim_end_matches('/').to_owned(),
        };
        Self {
            mailer,
            confirmation: settings.email_confirmation,
            site_url,
            confirm_hours: settings.confirm_email_hours,
            reset_minutes: settings.reset_password_minutes,
            change_hours: settings.change_email_hours,
        }
    }

    /// Makes a token for `purpose`, sent to `sent_to`, in a transaction of its own, and answers the link that
    /// carries it. The transaction has committed when the link is answered: a mail never names a token that
    /// was rolled back. `user` as the request found it: if its credentials ended meanwhile (a password change,
    /// a reset, a deactivation), no link is made (`None`), so none outlives them.
    pub(super) async fn issue_link(
        &self,
        pool: &Pool,
        user: &UserRecord,
        purpose: Purpose,
        sent_to: &str,
    ) -> Result<Option<String>, AppError> {
        let mut transaction = pool.begin().await?;
        if !credentials::still_current(&mut transaction, user).await? {
            return Ok(None);
        }
        let token = queries::issue(
            &mut transaction,
            user.id,
            purpose,
            sent_to,
            self.lifetime(purpose),
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(format!("{}{}{token}", self.site_url, purpose.path())))
    }

    fn lifetime(&self, purpose: Purpose) -> time::Duration {
        match purpose {
            Purpose::Confirm => time::Duration::hours(i64::from(self.confirm_hours)),
            Purpose::Reset => time::Duration::minutes(i64::from(self.reset_minutes)),
            Purpose::ChangeEmail => time::Duration::hours(i64::from(self.change_hours)),
        }
    }
}
