//! The operator's commands, run as the real `leptodo` binary against a temporary database.

use crate::common;

use common::{
    process::{self, Server},
    TestDatabase, PASSWORD,
};
use leptodo::audit::queries;
use reqwest::StatusCode;
use serde_json::json;

/// `users create` with these options (and `extra` ones).
fn create_args<'a>(
    email: &'a str,
    username: &'a str,
    name: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "users",
        "create",
        "--email",
        email,
        "--username",
        username,
        "--name",
        name,
    ];
    args.extend_from_slice(extra);
    args
}

/// What a command did.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A temporary database the commands share.
struct Database(TestDatabase);

impl Database {
    fn new() -> Self {
        Self(TestDatabase::new())
    }

    /// Runs `leptodo <args>` on this database, with `stdin` as its standard input.
    fn run(&self, args: &[&str], stdin: &str) -> Ran {
        let output = process::command(&self.0.url, args, stdin);
        Ran {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs a command that must succeed; answers its output.
    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let ran = self.run(args, stdin);
        assert_eq!(ran.code, Some(0), "{args:?}: {}{}", ran.stdout, ran.stderr);
        ran.stdout
    }

    /// Runs a command that must fail with status 1 and a message; answers the message.
    fn refused(&self, args: &[&str], stdin: &str) -> String {
        let ran = self.run(args, stdin);
        assert_eq!(ran.code, Some(1), "{args:?}: {}{}", ran.stdout, ran.stderr);
        assert!(ran.stderr.starts_with("leptodo: "), "{}", ran.stderr);
        ran.stderr
    }

    /// Creates `username` (`<username>@example.com`) with the shared password; `--admin` if `admin`.
    fn create_user(&self, username: &str, admin: bool) {
        let email = format!("{username}@example.com");
        let extra: &[&str] = if admin { &["--admin"] } else { &[] };
        let args = create_args(&email, username, "Ann Lee", extra);
        self.ok(&args, &format!("{PASSWORD}\n"));
    }

    /// The `users list` line of `username`, split into its columns.
    fn listed(&self, username: &str) -> Option<Vec<String>> {
        self.ok(&["users", "list"], "")
            .lines()
            .map(|line| {
                line.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .find(|columns| columns.get(2).map(String::as_str) == Some(username))
    }

    async fn pool(&self) -> leptodo::db::Pool {
        self.0.app_pool().await
    }
}

#[test]
fn migrate_brings_the_database_up_to_date_and_can_run_again() {
    let database = Database::new();
    let output = database.ok(&["migrate"], "");
    assert!(output.contains("up to date"), "{output}");
    let again = database.ok(&["migrate"], "");
    assert_eq!(again, output);
}

#[test]
fn migrate_creates_a_missing_sqlite_file() {
    let database = Database::new();
    let Some(path) = database.0.sqlite_path.clone() else {
        return;
    };
    assert!(!path.exists());
    database.ok(&["migrate"], "");
    assert!(path.exists());
}

#[test]
fn every_command_explains_itself() {
    let database = Database::new();
    for (args, expected) in [
        (&["--help"][..], "serve"),
        (&["users", "--help"], "set-password"),
        (&["users", "create", "--help"], "standard input"),
        (&["roles", "--help"], "revoke"),
        (&["roles", "create", "--help"], "--description"),
    ] {
        let help = database.ok(args, "");
        assert!(help.contains(expected), "{args:?}: {help}");
    }
}

#[test]
fn a_created_user_is_listed_with_a_normalised_email_and_roles() {
    let database = Database::new();
    let output = database.ok(
        &create_args("Ann@Example.com", "ann", "Ann Lee", &["--admin"]),
        &format!("{PASSWORD}\r\n"),
    );
    assert!(output.contains("Created user ann"), "{output}");
    database.create_user("bob", false);
    let ann = database.listed("ann").expect("ann is listed");
    assert_eq!(
        ann[1..],
        ["Ann@example.com", "ann", "admin,user", "yes", "no", "never"]
    );
    let bob = database.listed("bob").expect("bob is listed");
    assert_eq!(bob[3..], ["user", "yes", "no", "never"]);
}

#[test]
fn bad_input_is_refused_per_option_and_creates_nothing() {
    let database = Database::new();
    let message = database.refused(&create_args("nope", "a", " ", &[]), "short\n");
    for expected in ["--email:", "--username:", "--name:", "password:"] {
        assert!(message.contains(expected), "{expected} missing: {message}");
    }
    // A common password breaks the registration rules too.
    let message = database.refused(
        &create_args("c@example.com", "carol", "C", &[]),
        "password123\n",
    );
    assert!(message.contains("password:"), "{message}");
    // Nothing on standard input: no account without a password.
    let message = database.refused(&create_args("c@example.com", "carol", "C", &[]), "");
    assert!(message.contains("No password"), "{message}");
    // The password is never an argument.
    let ran = database.run(
        &create_args("c@example.com", "carol", "C", &["--password", PASSWORD]),
        "",
    );
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(database.listed("carol").is_none());

    database.create_user("dave", false);
    let message = database.refused(
        &create_args("DAVE@example.com", "dave2", "D", &[]),
        &format!("{PASSWORD}\n"),
    );
    assert!(
        message.contains("--email: This email address is already registered."),
        "{message}"
    );
    let message = database.refused(
        &create_args("d2@example.com", "Dave", "D", &[]),
        &format!("{PASSWORD}\n"),
    );
    assert!(
        message.contains("--username: This username is taken."),
        "{message}"
    );
}

#[test]
fn missing_users_and_roles_are_named_in_the_message() {
    let database = Database::new();
    database.create_user("ann", false);
    for args in [
        &["users", "activate", "nobody"][..],
        &["users", "deactivate", "nobody@example.com"],
        &["users", "set-password", "nobody"],
        &["roles", "grant", "user", "nobody"],
    ] {
        let message = database.refused(args, &format!("{PASSWORD}\n"));
        assert!(
            message.contains("No user has the email or username “nobody"),
            "{message}"
        );
    }
    let message = database.refused(&["roles", "grant", "editor", "ann"], "");
    assert!(message.contains("There is no role “editor”"), "{message}");
    let message = database.refused(&["roles", "create", "Editor"], "");
    assert!(message.contains("lower-case"), "{message}");
    let message = database.refused(&["roles", "create", "admin"], "");
    assert!(message.contains("exists already"), "{message}");
    let ran = database.run(&["users", "frobnicate"], "");
    assert_eq!(ran.code, Some(2));
}

#[test]
fn roles_are_created_granted_and_revoked() {
    let database = Database::new();
    database.create_user("ann", false);
    let output = database.ok(
        &[
            "roles",
            "create",
            "editor",
            "--description",
            "Edits shared lists.",
        ],
        "",
    );
    assert!(output.contains("Created the role “editor”"), "{output}");
    assert!(database
        .ok(&["roles", "grant", "editor", "ann"], "")
        .contains("now has"));
    assert!(database
        .ok(&["roles", "grant", "editor", "ANN@example.com"], "")
        .contains("already had"));
    assert_eq!(database.listed("ann").expect("listed")[3], "editor,user");
    let roles = database.ok(&["roles", "list"], "");
    let editor = roles
        .lines()
        .find(|line| line.starts_with("editor"))
        .expect("editor listed");
    assert_eq!(
        editor.split_whitespace().collect::<Vec<_>>(),
        ["editor", "1", "Edits", "shared", "lists."]
    );
    assert!(database
        .ok(&["roles", "revoke", "editor", "ann"], "")
        .contains("no longer has"));
    assert!(database
        .ok(&["roles", "revoke", "editor", "ann"], "")
        .contains("did not have"));
    assert_eq!(database.listed("ann").expect("listed")[3], "user");
}

#[test]
fn the_last_active_admin_can_be_neither_deactivated_nor_demoted() {
    let database = Database::new();
    database.create_user("root", true);
    database.create_user("ann", false);
    // With no other admin, both ways of losing the last one are refused and change nothing.
    let message = database.refused(&["users", "deactivate", "root"], "");
    assert!(
        message.contains("root is the last active admin"),
        "{message}"
    );
    let message = database.refused(&["roles", "revoke", "admin", "root"], "");
    assert!(
        message.contains("root is the last active admin"),
        "{message}"
    );
    assert_eq!(
        database.listed("root").expect("listed")[3..5],
        ["admin,user", "yes"]
    );
    // An inactive admin does not count: granting ann admin helps only while she is active.
    database.ok(&["roles", "grant", "admin", "ann"], "");
    database.ok(&["users", "deactivate", "ann"], "");
    database.refused(&["roles", "revoke", "admin", "root"], "");
    database.ok(&["users", "activate", "ann"], "");
    // Now root may step down.
    database.ok(&["roles", "revoke", "admin", "root"], "");
    database.ok(&["users", "deactivate", "root"], "");
    assert_eq!(
        database.listed("root").expect("listed")[3..5],
        ["user", "no"]
    );
    // Regular users are not held back on a site without any admin.
    database.create_user("bob", false);
    database.ok(&["users", "deactivate", "bob"], "");
}

#[tokio::test]
async fn every_change_is_in_the_audit_log_as_the_command_line() {
    let database = Database::new();
    database.create_user("ann", true);
    database.ok(&["roles", "create", "editor"], "");
    database.ok(&["roles", "grant", "editor", "ann"], "");
    database.ok(&["roles", "grant", "editor", "ann"], ""); // no change, no entry
    database.ok(
        &["users", "set-password", "ann"],
        "another long passphrase\n",
    );
    let mut entries = queries::recent_entries(&database.pool().await, 100)
        .await
        .expect("audit log");
    entries.reverse();
    let actions: Vec<(&str, &str, Option<&str>)> = entries
        .iter()
        .map(|entry| {
            (
                entry.action.as_str(),
                entry.target.as_str(),
                entry.detail.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("create_user", "ann", None),
            ("grant_role", "ann", Some("admin")),
            ("create_role", "editor", None),
            ("grant_role", "ann", Some("editor")),
            ("set_password", "ann", None),
        ]
    );
    assert!(entries
        .iter()
        .all(|entry| entry.actor.starts_with("command line") && entry.ip.is_none()));
}

#[tokio::test]
async fn commands_take_effect_on_the_running_server_at_once() {
    let database = Database::new();
    database.create_user("ann", false);
    let server = Server::start(&database.0.url, &[]);
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let login = |password: &'static str| {
        let browser = browser.clone();
        let url = server.url.clone();
        async move {
            browser
                .post(format!("{url}/api/auth/login"))
                .json(&json!({"login": "ann", "password": password}))
                .send()
                .await
                .expect("login answers")
                .status()
        }
    };
    let me = || {
        let browser = browser.clone();
        let url = server.url.clone();
        async move {
            browser
                .get(format!("{url}/api/auth/me"))
                .send()
                .await
                .expect("me answers")
                .status()
        }
    };
    assert_eq!(login(PASSWORD).await, StatusCode::OK);
    let token: serde_json::Value = browser
        .post(format!("{}/api/auth/tokens", server.url))
        .json(&json!({"name": "script"}))
        .send()
        .await
        .expect("token created")
        .json()
        .await
        .expect("token JSON");
    let token = token["token"].as_str().expect("token secret").to_owned();
    let with_token = || {
        reqwest::Client::new()
            .get(format!("{}/api/todos", server.url))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(
        with_token().await.expect("answers").status(),
        StatusCode::OK
    );

    // Deactivated while logged in: the open session and the token stop working on their next request.
    database.ok(&["users", "deactivate", "ann"], "");
    assert_eq!(me().await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        with_token().await.expect("answers").status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(PASSWORD).await, StatusCode::FORBIDDEN);

    // Active again: a new login works; the old token stays revoked.
    database.ok(&["users", "activate", "ann"], "");
    assert_eq!(login(PASSWORD).await, StatusCode::OK);
    assert_eq!(me().await, StatusCode::OK);
    assert_eq!(
        with_token().await.expect("answers").status(),
        StatusCode::UNAUTHORIZED
    );

    // A new password from the operator ends the session; only the new password logs in.
    database.ok(
        &["users", "set-password", "ann"],
        "the operator's new passphrase\n",
    );
    assert_eq!(me().await, StatusCode::UNAUTHORIZED);
    assert_eq!(login(PASSWORD).await, StatusCode::UNAUTHORIZED);
    assert_eq!(login("the operator's new passphrase").await, StatusCode::OK);

    // A role granted on the command line opens the admin API on the next request.
    let admin_users = || {
        let browser = browser.clone();
        let url = server.url.clone();
        async move {
            browser
                .get(format!("{url}/api/admin/users"))
                .send()
                .await
                .expect("answers")
                .status()
        }
    };
    assert_eq!(admin_users().await, StatusCode::FORBIDDEN);
    database.ok(&["roles", "grant", "admin", "ann"], "");
    assert_eq!(admin_users().await, StatusCode::OK);
}
