//! The `leptodo` binary as an operator runs it: arguments, configuration errors, signals.

use crate::common;

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::process::leptodo;

/// Runs `leptodo` with `config` expecting a configuration error; answers what it wrote to stderr.
fn refused_config(config: &std::path::Path) -> String {
    let output = leptodo()
        .arg("--config")
        .arg(config)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn help_describes_the_configuration() {
    let output = leptodo().arg("--help").output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--config"), "{help}");
    assert!(help.contains("LEPTODO_"), "{help}");
}

#[test]
fn unknown_arguments_are_refused_clearly() {
    let output = leptodo().arg("--frobnicate").output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--frobnicate"), "{stderr}");
}

#[test]
fn malformed_configuration_is_reported_with_file_and_key() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("Leptos.toml");
    std::fs::write(
        &file,
        "site_addr = \"127.0.0.1:3000\"\ncookie_secure = \"sometimes\"\n",
    )
    .expect("write config");
    let stderr = refused_config(&file);
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(stderr.contains("cookie_secure"), "{stderr}");

    std::fs::write(&file, "site_addr = [\n").expect("write config");
    let stderr = refused_config(&file);
    assert!(stderr.contains("line 1"), "{stderr}");
}

#[test]
fn missing_configuration_file_is_reported() {
    let stderr = refused_config(std::path::Path::new("/nonexistent/Leptos.toml"));
    assert!(stderr.contains("/nonexistent/Leptos.toml"), "{stderr}");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let database = common::TestDatabase::new();
    let mut child = leptodo()
        .env("LEPTODO_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTODO_DATABASE_URL", &database.url)
        .env("LEPTODO_LOG_LEVEL", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
    let mut line = String::new();
    let mut log = String::new();
    while !log.contains("listening on http://") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).expect("read log") > 0,
            "exited early: {log}"
        );
        log.push_str(&line);
    }

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("read log");
    assert!(status.success(), "exit status {status}: {log}{rest}");
    assert!(rest.contains("stopped"), "{rest}");
}

/// Starts the server on `database_url` expecting it to refuse at once; answers what it wrote to stderr, after
/// checking that it left no file behind in its working directory.
fn refused_database(database_url: &str) -> String {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = leptodo()
        .current_dir(dir.path())
        .arg("--config")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("LEPTODO_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTODO_DATABASE_URL", database_url)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    let left_behind: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list directory")
        .collect();
    assert!(left_behind.is_empty(), "created {left_behind:?}");
    stderr
}

#[test]
fn unusable_mail_settings_stop_the_server_with_the_key_and_without_the_password() {
    let database = common::TestDatabase::new();
    for (var, value, key) in [
        (
            "LEPTODO_SMTP_URL",
            "ftp://user:hunter2@mail.example",
            "smtp_url",
        ),
        ("LEPTODO_SMTP_URL", "smtp://user:hunter2@", "smtp_url"),
        ("LEPTODO_MAIL_FROM", "not an address", "mail_from"),
        ("LEPTODO_MAIL_ATTEMPTS", "0", "mail_attempts"),
    ] {
        let output = leptodo()
            .arg("--config")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
            .env("LEPTODO_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTODO_DATABASE_URL", &database.url)
            .env(var, value)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{var}={value}: {stderr}");
        assert!(stderr.contains(key), "{var}={value}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_database_url_of_another_kind_is_refused_not_turned_into_a_file() {
    for url in [
        "mysql://localhost/leptodo",
        "leptodo.db",
        "postgres:leptodo",
    ] {
        let stderr = refused_database(url);
        assert!(stderr.contains("database_url"), "{stderr}");
        assert!(stderr.contains("postgres://"), "names what works: {stderr}");
    }
}

#[test]
fn an_unreachable_postgresql_server_stops_the_server_with_one_clear_line() {
    // A port of this test's own that nothing listens on: the connection is refused at once.
    let (_closed, address) = common::refusing_address();
    // The password in the URL's user part, or as a parameter (as libpq and sqlx also read it).
    for url in [
        format!("postgres://leptodo:s3cret@{address}/leptodo"),
        format!("postgres://leptodo@{address}/leptodo?sslmode=prefer&password=s3cret"),
        format!("postgres://{address}/leptodo?user=leptodo&password=s3cret"),
    ] {
        let stderr = refused_database(&url);
        assert!(
            stderr.contains("cannot connect to the database"),
            "{stderr}"
        );
        assert!(stderr.contains(&address.to_string()), "{stderr}");
        assert!(
            !stderr.contains("s3cret"),
            "the password is never shown: {stderr}"
        );
    }
}

#[test]
fn wrong_postgresql_credentials_stop_the_server_with_one_clear_line() {
    let Some(server) = common::database::postgres_server() else {
        // Needs the PostgreSQL run's server; the SQLite run has none to be wrong about.
        return;
    };
    let mut url = url::Url::parse(&server).expect("a URL");
    url.set_password(Some("not-the-password"))
        .expect("a URL with a password");
    let stderr = refused_database(url.as_str());
    assert!(
        stderr.contains("cannot connect to the database"),
        "{stderr}"
    );
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-password"), "{stderr}");
}

#[tokio::test]
async fn health_checks_are_answered_but_not_logged() {
    let database = common::TestDatabase::new();
    let (mut server, base, log) =
        common::process::start_with(&database.url, &[("LEPTODO_LOG_LEVEL", "info")]);
    let client = reqwest::Client::new();
    for _ in 0..5 {
        let answer = client.get(format!("{base}/healthz")).send().await;
        assert_eq!(answer.expect("answers").status(), reqwest::StatusCode::OK);
    }
    let answer = client.get(format!("{base}/api/auth/me")).send().await;
    assert_eq!(
        answer.expect("answers").status(),
        reqwest::StatusCode::UNAUTHORIZED
    );
    let started = Instant::now();
    while !log.lock().expect("lock").contains("/api/auth/me") {
        assert!(
            started.elapsed() < common::events::EVENTUALLY,
            "requests are logged: {}",
            log.lock().expect("lock")
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().expect("stop the server");
    server.wait().expect("reaped");
    let log = log.lock().expect("lock");
    assert!(!log.contains("healthz"), "{log}");
}

#[tokio::test]
async fn an_https_site_url_makes_cookies_secure_and_sends_hsts_without_being_asked() {
    let database = common::TestDatabase::new();
    let (mut server, base, _log) = common::process::start_with(
        &database.url,
        &[("LEPTODO_SITE_URL", "https://todo.example.com")],
    );
    let answer = reqwest::Client::new()
        .post(format!("{base}/api/auth/register"))
        .json(&common::registration("ann@example.com", "annlee"))
        .send()
        .await
        .expect("answers");
    server.kill().expect("stop the server");
    server.wait().expect("reaped");
    assert_eq!(answer.status(), reqwest::StatusCode::CREATED);
    let cookie = answer
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|cookie| cookie.contains("leptodo_session="))
        .unwrap_or_default();
    assert!(cookie.starts_with("__Host-leptodo_session="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(
        answer
            .headers()
            .contains_key(reqwest::header::STRICT_TRANSPORT_SECURITY),
        "{:?}",
        answer.headers()
    );
}

#[test]
fn an_https_site_url_with_cookie_secure_off_is_refused_naming_both_keys() {
    let database = common::TestDatabase::new();
    let mut server = leptodo()
        .arg("--config")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Leptos.toml"))
        .env("LEPTODO_SITE_ADDR", "127.0.0.1:0")
        .env("LEPTODO_DATABASE_URL", &database.url)
        .env("LEPTODO_SITE_URL", "https://todo.example.com")
        .env("LEPTODO_COOKIE_SECURE", "false")
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // It must stop on its own, at once; a server that started instead is stopped here, and fails the test.
    let deadline = Instant::now() + common::events::EVENTUALLY;
    while server.try_wait().expect("status").is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let started = server.try_wait().expect("status").is_none();
    if started {
        server.kill().expect("stop the server");
    }
    let output = server.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!started, "the server started: {stderr}");
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cookie_secure") && stderr.contains("site_url"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
