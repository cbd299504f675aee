//! Sending mail, in the background: over SMTP when `smtp_url` is set, else into `outbox_dir` as `.eml` files.
//!
//! A request that causes a mail hands it over after its own commit and answers at once; delivery happens in a
//! task of its own, with retries. A mail server that is down or slow never fails or slows the request, and a
//! mail that cannot be delivered after `mail_attempts` tries is logged as lost.

use std::{path::PathBuf, sync::Arc, time::Duration};

use lettre::{
    message::{Mailbox, MultiPart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

use crate::config::Settings;

/// How long one SMTP conversation may take before it counts as a failed attempt.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);
/// The wait before the second attempt; each further wait is twice the one before.
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(2);
/// Most SMTP conversations at once, so a burst of mails does not open a connection each.
const MAX_CONCURRENT_DELIVERIES: usize = 4;

/// A mail ready to be sent: one recipient, a plain-text part and an HTML part.
#[derive(Clone)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text part, which every mail reader shows.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// What the mail is for, for logs (`reset_password`, …).
    pub purpose: &'static str,
    /// The account it concerns, for logs (never the address).
    pub user_id: i64,
    /// The link it carries, logged (at `debug`) only when mail goes to the outbox (a developer's machine).
    pub link: Option<String>,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The link holds a token: it stays out of logs and panics.
        f.debug_struct("Mail")
            .field("purpose", &self.purpose)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// Why the mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailSettingsError {
    /// `mail_from` is not an address.
    #[error("configuration: key `mail_from`: {0}")]
    From(String),
    /// `smtp_url` is not an SMTP URL lettre understands.
    #[error("configuration: key `smtp_url`: {0}")]
    SmtpUrl(String),
    /// `mail_attempts` is zero.
    #[error("configuration: key `mail_attempts`: at least 1 attempt is needed")]
    Attempts,
}

/// Where mail goes.
enum Delivery {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Files in this folder.
    Outbox(PathBuf),
}

struct Inner {
    from: Mailbox,
    delivery: Delivery,
    attempts: u32,
    concurrent: Semaphore,
    /// Every task that may still send a mail, so that [`Mailer::idle`] knows when none is left.
    background: TaskTracker,
}

/// Hands mails over for delivery; cheap to clone.
#[derive(Clone)]
pub struct Mailer(Arc<Inner>);

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP URL may hold a password.
        let delivery = match &self.0.delivery {
            Delivery::Smtp(_) => "smtp".to_owned(),
            Delivery::Outbox(dir) => format!("outbox {}", dir.display()),
        };
        f.debug_struct("Mailer")
            .field("delivery", &delivery)
            .finish()
    }
}

impl Mailer {
    /// Reads `smtp_url`, `mail_from`, `outbox_dir` and `mail_attempts`. Nothing is connected yet: a mail
    /// server that is down at start-up only delays the first mails.
    pub fn new(settings: &Settings) -> Result<Self, MailSettingsError> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|error| MailSettingsError::From(format!("{error}")))?;
        if settings.mail_attempts == 0 {
            return Err(MailSettingsError::Attempts);
        }
        let url = settings.smtp_url.expose().trim();
        let delivery = if url.is_empty() {
            Delivery::Outbox(PathBuf::from(&settings.outbox_dir))
        } else {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                // lettre's message quotes the URL's scheme or parameter, never its password.
                .map_err(|error| MailSettingsError::SmtpUrl(error.to_string()))?
                .timeout(Some(SMTP_TIMEOUT))
                .build();
            Delivery::Smtp(transport)
        };
        Ok(Self(Arc::new(Inner {
            from,
            delivery,
            attempts: settings.mail_attempts,
            concurrent: Semaphore::new(MAX_CONCURRENT_DELIVERIES),
            background: {
                // Closed from the start, which still lets tasks be added: waiting then means "until none is
                // left", however many callers wait at once.
                let background = TaskTracker::new();
                background.close();
                background
            },
        })))
    }

    /// Delivers `mail` in the background and returns at once. Call it after the commit that made the mail
    /// true, so no mail ever speaks of a change that was rolled back.
    pub fn send(&self, mail: Mail) {
        let inner = self.0.clone();
        self.0
            .background
            .spawn(async move { inner.deliver(mail).await });
    }

    /// Runs `work` that may end in [`Mailer::send`] (finding out whom to mail, making the link) in the
    /// background, so that the request answers at once and in the same time whoever is mailed.
    pub fn spawn_work(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        self.0.background.spawn(work);
    }

    /// Resolves once no mail is being prepared or delivered (every attempt made, the last one answered): when
    /// a mail that was not sent will not be sent either, unless a request still on its way asks for one.
    pub async fn idle(&self) {
        self.0.background.wait().await;
    }
}

impl Inner {
    async fn deliver(&self, mail: Mail) {
        let message = match self.message(&mail) {
            Ok(message) => message,
            Err(error) => {
                tracing::error!(purpose = mail.purpose, user_id = mail.user_id, %error, "mail not sent: it cannot be built");
                return;
            }
        };
        let mut delay = FIRST_RETRY_DELAY;
        for attempt in 1..=self.attempts {
            let sent = match self.concurrent.acquire().await {
                Ok(_permit) => self.try_once(&mail, &message).await,
                Err(_) => return,
            };
            match sent {
                Ok(()) => return,
                Err(error) if attempt < self.attempts => {
                    tracing::warn!(purpose = mail.purpose, user_id = mail.user_id, attempt, %error, retry_in_seconds = delay.as_secs(), "mail not sent yet");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(error) => {
                    tracing::error!(purpose = mail.purpose, user_id = mail.user_id, attempts = self.attempts, %error, "mail lost: delivery failed at every attempt");
                }
            }
        }
    }

    fn message(&self, mail: &Mail) -> Result<Message, String> {
        let to: Mailbox = mail.to.parse().map_err(|error| format!("{error}"))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(None)
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|error| error.to_string())
    }

    async fn try_once(&self, mail: &Mail, message: &Message) -> Result<(), String> {
        match &self.delivery {
            Delivery::Smtp(transport) => {
                transport
                    .send(message.clone())
                    .await
                    .map_err(|error| error.to_string())?;
                tracing::info!(purpose = mail.purpose, user_id = mail.user_id, "mail sent");
            }
            Delivery::Outbox(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
                let name = format!(
                    "{}-{}-{}.eml",
                    crate::db::unix_now(),
                    mail.purpose,
                    &crate::security::random::random_secret()[..8]
                );
                let path = dir.join(name);
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
                tracing::info!(
                    purpose = mail.purpose,
                    user_id = mail.user_id,
                    file = %path.display(),
                    "mail written to the outbox (no smtp_url)"
                );
                // A link is a credential: only a developer who asks for `debug` follows it from the log.
                if let Some(link) = &mail.link {
                    tracing::debug!(
                        purpose = mail.purpose,
                        user_id = mail.user_id,
                        link,
                        "link of the mail written to the outbox"
                    );
                }
            }
        }
        Ok(())
    }
}
