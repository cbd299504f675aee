//! The operator's runtime configuration: `Leptos.toml`, layered with environment variables.
//!
//! Precedence, lowest first: built-in defaults, the file, `LEPTOS_SITE_ADDR` / `LEPTOS_SITE_ROOT` (set by
//! cargo-leptos when it runs the server), then `LEPTODO_<KEY>`. Defaults live here, in one `impl Default`, so
//! that a file written for an older release keeps working when a key is added; the shipped `Leptos.toml` and
//! the README's table document every key (a test holds the table to these values).

use std::{collections::HashMap, fmt, net::SocketAddr, num::NonZeroU32, path::Path};

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

/// Prefix of the environment variables that override a key of the file.
const ENV_PREFIX: &str = "LEPTODO";
/// The cargo-leptos variables that keep their meaning here, mapped to the key they override.
const CARGO_LEPTOS_VARS: [(&str, &str); 2] = [
    ("LEPTOS_SITE_ADDR", "site_addr"),
    ("LEPTOS_SITE_ROOT", "site_root"),
];

/// Every setting an operator may change.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address and port the server listens on.
    pub site_addr: SocketAddr,
    /// Directory holding the built site (`pkg/` with the wasm bundle, CSS and the public assets).
    pub site_root: String,
    /// `sqlite://PATH` (created on first start) or `postgres://USER:PASSWORD@HOST/DATABASE`.
    pub database_url: String,
    /// Upper bound of open database connections.
    pub database_max_connections: u32,
    /// SQLite only: `synchronous`, `full` (an acknowledged write survives a power loss) or `normal`.
    pub database_synchronous: Synchronous,
    /// Minutes without a request after which a session (a login without "remember me") ends.
    pub session_idle_minutes: u32,
    /// Hours after which every login ends, however active (the absolute session timeout).
    pub session_absolute_hours: u32,
    /// Days a "remember me" login lasts.
    pub remember_me_days: u32,
    /// Minutes after entering the password during which this session may do what could take the account over
    /// (create an API token, set up two-factor sign-in, make new recovery codes) without entering it again.
    pub reauthenticate_minutes: u32,
    /// Days "remember this browser" spares a browser the second step of signing in.
    pub two_factor_remember_days: u32,
    /// Days an account's everyday activity (sign-ins, failed sign-ins, tokens created and revoked, devices
    /// signed out) is kept in its security log, at least one; its changes, and what admins and operators did,
    /// stay in the audit log.
    pub security_log_days: u32,
    /// argon2id memory cost in KiB per hash (OWASP's minimum for argon2id: 19456 = 19 MiB).
    pub argon2_memory_kib: u32,
    /// argon2id iterations (time cost).
    pub argon2_iterations: u32,
    /// argon2id lanes (parallelism) within one hash.
    pub argon2_parallelism: u32,
    /// Most password hashes computed at once; 0 means one per CPU core.
    pub password_hashing_concurrency: u32,
    /// Most password hashes waiting for their turn; past it, logins get 503 with `Retry-After` at once.
    pub password_hashing_queue: u32,
    /// How far below request handling hashing runs: the hashing threads' nice value is the server's plus this
    /// (at most 19).
    pub password_hashing_niceness: Niceness,
    /// Seconds a request may take before it is abandoned with 503.
    pub request_timeout_seconds: u32,
    /// Seconds a connection may take to send a request's headers, from when it waits for one.
    pub header_read_timeout_seconds: NonZeroU32,
    /// Connections waiting for their next request (new ones, idle keep-alive ones) that are kept; a newer
    /// one closes the oldest.
    pub max_pending_connections: NonZeroU32,
    /// Whether cookies carry `Secure` and the `__Host-` prefix, and HSTS is sent; when not given, whether
    /// `site_url` is `https://`.
    pub cookie_secure: bool,
    /// The site's public URL, e.g. `https://todo.example.com`; unsafe requests from another origin are
    /// refused. Empty: the origin must match the request's `Host` header.
    pub site_url: String,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub max_body_bytes: usize,
    /// Failed logins (or password changes, or token creations) per account within the window before 429.
    pub throttle_failures_per_account: u32,
    /// Failed logins per account within the window from addresses that have not failed lately, before 429: the
    /// owner can still log in while an attacker elsewhere is being throttled (at least the per-account limit).
    pub throttle_account_ceiling: u32,
    /// The same as the per-account limit, per client address.
    pub throttle_failures_per_ip: u32,
    /// Registrations per client address within the window before 429.
    pub throttle_registrations_per_ip: u32,
    /// The sliding window of the throttle, in minutes.
    pub throttle_window_minutes: u32,
    /// The most todos one user's list may hold; adding more answers 422.
    pub todos_per_user: u32,
    /// Live-update streams (`GET /api/events`) one user may hold open at once; one more answers 429.
    pub events_streams_per_user: u32,
    /// Live-update streams this instance holds open at once, for all users; one more answers 503.
    pub events_streams_total: u32,
    /// Seconds between the comments an idle live-update stream receives, so proxies do not close it (at least 1).
    pub events_keep_alive_seconds: u32,
    /// Header a trusted reverse proxy sets to the client's address (`X-Forwarded-For`); empty: the TCP peer.
    pub client_ip_header: String,
    /// The proxies whose `client_ip_header` is believed (addresses or CIDR ranges); from any other peer the
    /// header is ignored. At least one is needed when `client_ip_header` is set.
    pub trusted_proxies: TrustedProxies,
    /// The key that signs the flash and secret cookies (base64 of at least 64 random bytes); empty: a key made
    /// at start, so a message left just before a restart, or by another instance, is dropped.
    pub cookie_key: crate::secret::Secret,
    /// The key that encrypts the authenticator-app secrets in the database (base64 of 32 random bytes); empty:
    /// nobody can set up two-factor sign-in.
    pub two_factor_key: crate::secret::Secret,
    /// Where mail goes: `smtps://USER:PASSWORD@HOST:465` (TLS), `smtp://USER:PASSWORD@HOST:587?tls=required`
    /// (STARTTLS) or `smtp://HOST:PORT` (plain, for a local catcher). Empty: each mail is written to
    /// `outbox_dir` as an `.eml` file instead, and its link is logged.
    pub smtp_url: crate::secret::Secret,
    /// The sender of every mail, e.g. `Leptodo <noreply@todo.example.com>`.
    pub mail_from: String,
    /// Where mails are written when `smtp_url` is empty.
    pub outbox_dir: String,
    /// How many times a mail is tried before it is given up (and logged as lost); waits double from 5 s.
    pub mail_attempts: u32,
    /// Whether new accounts must confirm their address: `off`, `optional` (the default) or `required`.
    pub email_confirmation: EmailConfirmation,
    /// Hours a confirmation link works.
    pub confirm_email_hours: u32,
    /// Minutes a password-reset link works.
    pub reset_password_minutes: u32,
    /// Hours a change-of-address link works.
    pub change_email_hours: u32,
    /// Mails (reset, confirmation, change of address) one account or address may ask for within the
    /// throttle's window, before 429.
    pub throttle_mails_per_account: u32,
    /// The same, per client address.
    pub throttle_mails_per_ip: u32,
    /// `tracing` filter directives, e.g. `info` or `leptodo=debug,tower_http=info`.
    pub log_level: String,
    /// `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
}

/// How hard SQLite pushes each commit to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// Sync the write-ahead log at every commit.
    Full,
    /// Sync at checkpoints only: safe from process crashes, not from power loss.
    Normal,
}

/// Whether an account must prove it owns its email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "lowercase")]
pub enum EmailConfirmation {
    /// No confirmation mail is sent and nobody is asked to confirm.
    Off,
    /// A link is sent at registration; the app works meanwhile and offers to send it again.
    Optional,
    /// An account cannot log in before it confirms.
    Required,
}

impl EmailConfirmation {
    /// Whether accounts are asked to confirm their address at all.
    pub fn is_asked(self) -> bool {
        self != Self::Off
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per event.
    Json,
}

/// A configuration that cannot be used, with the file and key at fault.
#[derive(Debug)]
pub struct ConfigError {
    file: String,
    key: Option<String>,
    message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(
                f,
                "configuration {}: key `{key}` (or {ENV_PREFIX}_{}): {}",
                self.file,
                key.to_uppercase(),
                self.message
            ),
            None => write!(f, "configuration {}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Settings {
    /// Reads `path` and the process environment.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_with_env(path, std::env::vars().collect())
    }

    /// Reads `path` with `env` standing in for the process environment, so tests need not mutate it.
    pub fn load_with_env(path: &Path, env: HashMap<String, String>) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let fail = |key: Option<String>, message: String| ConfigError {
            file: file.clone(),
            key,
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|error| {
            fail(
                None,
                format!("cannot read the file ({error}); pass --config FILE or run from the directory holding Leptos.toml"),
            )
        })?;
        let cargo_leptos_env: HashMap<String, String> = CARGO_LEPTOS_VARS
            .iter()
            .filter_map(|(var, key)| env.get(*var).map(|value| (key.to_string(), value.clone())))
            .collect();
        let leptodo_env: HashMap<String, String> = env
            .into_iter()
            .filter(|(var, _)| var.starts_with(&format!("{ENV_PREFIX}_")))
            .collect();

        let config = Config::builder()
            .add_source(File::from_str(&text, FileFormat::Toml))
            .add_source(Environment::default().source(Some(cargo_leptos_env)))
            .add_source(
                Environment::with_prefix(ENV_PREFIX)
                    .prefix_separator("_")
                    .source(Some(leptodo_env)),
            )
            .build()
            .map_err(|error| fail(None, error.to_string()))?;
        let cookie_secure = cookie_secure_for(&config)
            .map_err(|message| fail(Some("cookie_secure".into()), message))?;
        let config = Config::builder()
            .add_source(config)
            .set_override("cookie_secure", cookie_secure)
            .and_then(|builder| builder.build())
            .map_err(|error| fail(None, error.to_string()))?;

        serde_path_to_error::deserialize(config).map_err(|error| {
            let key = error.path().to_string();
            fail((key != ".").then_some(key), error.into_inner().to_string())
        })
    }
}

impl Default for Settings {
    /// Every key's value when neither the file nor the environment gives one.
    fn default() -> Self {
        Self {
            site_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: "target/site".into(),
            database_url: "sqlite://data/leptodo.db".into(),
            database_max_connections: 8,
            database_synchronous: Synchronous::Full,
            session_idle_minutes: 60 * 24,
            session_absolute_hours: 30 * 24,
            remember_me_days: 30,
            reauthenticate_minutes: 10,
            two_factor_remember_days: 30,
            security_log_days: 90,
            // OWASP's minimum for argon2id.
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            password_hashing_concurrency: 0,
            password_hashing_queue: 32,
            password_hashing_niceness: Niceness(3),
            request_timeout_seconds: 30,
            header_read_timeout_seconds: const { NonZeroU32::new(10).expect("not zero") },
            max_pending_connections: const { NonZeroU32::new(256).expect("not zero") },
            // Replaced by `load`: when not given, it follows `site_url`.
            cookie_secure: false,
            site_url: String::new(),
            max_body_bytes: 64 * 1024,
            throttle_failures_per_account: 10,
            throttle_account_ceiling: 25,
            throttle_failures_per_ip: 50,
            throttle_registrations_per_ip: 20,
            throttle_window_minutes: 15,
            todos_per_user: 10_000,
            events_streams_per_user: 16,
            events_streams_total: 1000,
            events_keep_alive_seconds: 15,
            client_ip_header: String::new(),
            trusted_proxies: TrustedProxies::default(),
            cookie_key: crate::secret::Secret::default(),
            two_factor_key: crate::secret::Secret::default(),
            smtp_url: crate::secret::Secret::default(),
            mail_from: "Leptodo <leptodo@localhost>".into(),
            outbox_dir: "data/outbox".into(),
            mail_attempts: 5,
            email_confirmation: EmailConfirmation::Optional,
            confirm_email_hours: 24,
            reset_password_minutes: 60,
            change_email_hours: 24,
            throttle_mails_per_account: 5,
            throttle_mails_per_ip: 30,
            log_level: "info".into(),
            log_format: LogFormat::Text,
        }
    }
}

/// `cookie_secure` as given, or, when it is not given, whether `site_url` is `https://`: a site served over
/// HTTPS gets `Secure` `__Host-` cookies and HSTS without being asked. Given as `false` for an `https://`
/// `site_url` it is refused, as a contradiction that would send the session cookie in clear.
fn cookie_secure_for(config: &Config) -> Result<bool, String> {
    let site_is_https = config
        .get_string("site_url")
        .is_ok_and(|url| url.trim().to_ascii_lowercase().starts_with("https://"));
    match config.get_bool("cookie_secure") {
        Ok(false) if site_is_https => Err(format!(
            "is false, but `site_url` (or {ENV_PREFIX}_SITE_URL) is an https:// address: the session \
             cookie would travel without `Secure`. Set cookie_secure = true, or leave it out to follow \
             site_url"
        )),
        Ok(chosen) => Ok(chosen),
        Err(config::ConfigError::NotFound(_)) => Ok(site_is_https),
        Err(error) => Err(error.to_string()),
    }
}

/// Steps of Unix nice value, 0 to 19: how much lower than its own a thread may make its priority without
/// privilege.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(try_from = "i64")]
pub struct Niceness(u8);

impl Niceness {
    /// The number of steps.
    pub fn get(self) -> i32 {
        i32::from(self.0)
    }
}

impl TryFrom<i64> for Niceness {
    type Error = String;

    fn try_from(value: i64) -> Result<Self, String> {
        u8::try_from(value)
            .ok()
            .filter(|value| *value <= 19)
            .map(Self)
            .ok_or_else(|| format!("expected a nice value from 0 to 19, got {value}"))
    }
}

/// The peers whose forwarding header is believed (`trusted_proxies`): addresses and CIDR ranges, given as a
/// TOML array or, from the environment, one string separated by commas or spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "ListOrText")]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Addresses and ranges separated by commas or spaces, as the environment gives them.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::from_entries(text.split(|c: char| c == ',' || c.is_whitespace()))
    }

    /// Whether no proxy is named.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `peer` is one of the proxies.
    pub fn contains(&self, peer: std::net::IpAddr) -> bool {
        // An IPv4 peer on a dual-stack socket arrives as `::ffff:a.b.c.d`; it is the IPv4 proxy (entries are
        // made canonical the same way when they are read).
        let peer = peer.to_canonical();
        self.0.iter().any(|range| range.contains(&peer))
    }

    fn from_entries<'a>(entries: impl Iterator<Item = &'a str>) -> Result<Self, String> {
        entries
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(proxy_range)
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

#[cfg(test)]
impl serde::Serialize for TrustedProxies {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

/// `trusted_proxies` as it may be written.
#[derive(Deserialize)]
#[serde(untagged)]
enum ListOrText {
    List(Vec<String>),
    Text(String),
}

impl TryFrom<ListOrText> for TrustedProxies {
    type Error = String;

    fn try_from(given: ListOrText) -> Result<Self, String> {
        match given {
            ListOrText::List(list) => Self::from_entries(list.iter().map(String::as_str)),
            ListOrText::Text(text) => Self::parse(&text),
        }
    }
}

/// One entry: an address (a range of one) or a CIDR range, an IPv4-mapped IPv6 one read as the IPv4 it is.
fn proxy_range(entry: &str) -> Result<ipnet::IpNet, String> {
    let range = entry
        .parse::<ipnet::IpNet>()
        .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            format!("`{entry}` is neither an address nor a CIDR range such as 10.0.0.0/8")
        })?;
    Ok(match range {
        ipnet::IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96)
                .map(ipnet::IpNet::V4)
                .unwrap_or(range),
            None => range,
        },
        other => other,
    })
}

#[cfg(test)]
mod tests;
