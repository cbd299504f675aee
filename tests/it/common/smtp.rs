//! A real SMTP server for the tests: it listens on a loopback port, speaks the protocol with the app's SMTP
//! client (lettre), keeps every message it accepts, and lets a test wait for the mail of one recipient.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::{watch, Notify},
};

/// A message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// `RCPT TO` addresses.
    pub recipients: Vec<String>,
    /// The message, headers and body, as sent.
    pub raw: String,
}

impl ReceivedMail {
    /// The message as a mail reader sees it: encoded headers decoded, parts found however they nest.
    fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(self.raw.as_bytes()).expect("a MIME message")
    }

    /// The value of header `name` (the first one), unfolded and decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name)
    }

    /// The subject line, decoded.
    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The decoded body of the part whose type is `content_type` (`text/plain`, `text/html`).
    pub fn part(&self, content_type: &str) -> Option<String> {
        fn find(part: &mailparse::ParsedMail<'_>, content_type: &str) -> Option<String> {
            if part.ctype.mimetype == content_type {
                return part.get_body().ok();
            }
            part.subparts
                .iter()
                .find_map(|subpart| find(subpart, content_type))
        }
        find(&self.parsed(), content_type)
    }

    /// The plain-text part.
    pub fn text(&self) -> String {
        self.part("text/plain").expect("a text/plain part")
    }

    /// The first link in the plain-text part that contains `path`, if any.
    pub fn link(&self, path: &str) -> Option<String> {
        self.text()
            .split_whitespace()
            .find(|word| word.starts_with("http") && word.contains(path))
            .map(str::to_owned)
    }
}

#[derive(Default)]
struct Inbox {
    mails: Mutex<Vec<ReceivedMail>>,
    arrived: Notify,
    /// Connections still to be turned away with `421` before mail is accepted.
    refusals_left: Mutex<u32>,
    /// Connections accepted so far, answered or held.
    connections: Mutex<usize>,
}

/// The running server; it stops when the test's runtime ends.
pub struct SmtpSink {
    port: u16,
    inbox: Arc<Inbox>,
    /// Whether connections are answered; while `false` each waits, unanswered, before the greeting.
    open: watch::Sender<bool>,
}

impl SmtpSink {
    /// Listens on a free loopback port.
    pub async fn start() -> Self {
        Self::start_with(0, true).await
    }

    /// Listens, but turns the first `refusals` connections away with `421` (a server that is briefly down).
    pub async fn start_refusing(refusals: u32) -> Self {
        Self::start_with(refusals, true).await
    }

    /// Listens and accepts connections, but greets none until [`SmtpSink::open`]: a mail server that hangs.
    /// What must not wait for mail is then proven done while its mail is still held, on any machine.
    pub async fn start_held() -> Self {
        Self::start_with(0, false).await
    }

    async fn start_with(refusals: u32, open: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let inbox = Arc::new(Inbox {
            refusals_left: Mutex::new(refusals),
            ..Inbox::default()
        });
        let (open, opened) = watch::channel(open);
        let shared = inbox.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                *shared.connections.lock().expect("lock") += 1;
                shared.arrived.notify_waiters();
                let inbox = shared.clone();
                let mut opened = opened.clone();
                tokio::spawn(async move {
                    if opened.wait_for(|open| *open).await.is_ok() {
                        let _ = converse(stream, &inbox).await;
                    }
                });
            }
        });
        Self { port, inbox, open }
    }

    /// Answers the connections held so far and every later one.
    pub fn open(&self) {
        self.open.send_replace(true);
    }

    /// Waits (at most 15 s) until `count` connections have reached the server, answered or held.
    pub async fn wait_for_connections(&self, count: usize) {
        let connections = || *self.inbox.connections.lock().expect("lock");
        self.wait_until(
            || (connections() >= count).then_some(()),
            || {
                format!(
                    "{} connection(s) reached the mail server, expected {count}",
                    connections()
                )
            },
        )
        .await;
    }

    /// Waits (at most 15 s) until `found` answers something, looking again at each arrival; fails the test with
    /// `failure` otherwise.
    async fn wait_until<T>(
        &self,
        found: impl Fn() -> Option<T>,
        failure: impl FnOnce() -> String,
    ) -> T {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            // Made before looking, so an arrival between the look and the wait is not missed.
            let arrived = self.inbox.arrived.notified();
            if let Some(value) = found() {
                return value;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("{}", failure());
            }
        }
    }

    /// The `smtp_url` that reaches this server (plain SMTP on loopback).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far for `address`.
    pub fn mails_to(&self, address: &str) -> Vec<ReceivedMail> {
        self.inbox
            .mails
            .lock()
            .expect("lock")
            .iter()
            .filter(|mail| mail.recipients.iter().any(|to| to == address))
            .cloned()
            .collect()
    }

    /// Waits (at most 15 s) until `address` has received `count` mails; answers them, oldest first.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<ReceivedMail> {
        self.wait_until(
            || Some(self.mails_to(address)).filter(|mails| mails.len() >= count),
            || {
                format!(
                    "{address} received {} mail(s), expected {count}",
                    self.mails_to(address).len()
                )
            },
        )
        .await
    }

    /// The newest mail to `address` whose subject contains `subject`, waiting for it if need be.
    pub async fn latest(&self, address: &str, subject: &str) -> ReceivedMail {
        self.wait_until(
            || {
                self.mails_to(address)
                    .into_iter()
                    .rev()
                    .find(|mail| mail.subject().contains(subject))
            },
            || format!("no mail \"{subject}\" reached {address}"),
        )
        .await
    }

    /// The first link containing `path` in the newest mail to `address` about `subject`, waiting for the mail.
    pub async fn latest_link(&self, address: &str, subject: &str, path: &str) -> String {
        self.latest(address, subject)
            .await
            .link(path)
            .unwrap_or_else(|| panic!("a {path} link in the mail \"{subject}\" to {address}"))
    }
}

async fn converse(stream: TcpStream, inbox: &Inbox) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let refuse = {
        let mut refusals = inbox.refusals_left.lock().expect("lock");
        let refuse = *refusals > 0;
        *refusals = refusals.saturating_sub(1);
        refuse
    };
    if refuse {
        write
            .write_all(b"421 sink.test Service not available, try again later\r\n")
            .await?;
        return Ok(());
    }
    write
        .write_all(b"220 sink.test ESMTP test sink\r\n")
        .await?;
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("HELO") {
            b"250 sink.test\r\n"
        } else if command.starts_with("MAIL FROM:") {
            recipients.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO:") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or_default()
                .to_owned();
            recipients.push(address);
            b"250 OK\r\n"
        } else if command == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                raw.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            inbox.mails.lock().expect("lock").push(ReceivedMail {
                recipients: std::mem::take(&mut recipients),
                raw,
            });
            inbox.arrived.notify_waiters();
            b"250 OK: queued\r\n"
        } else if command == "RSET" || command == "NOOP" {
            b"250 OK\r\n"
        } else if command == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}
