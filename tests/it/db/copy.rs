//! `leptodo db copy`: a site that outgrew its SQLite file moves to the run's engine (PostgreSQL in the
//! PostgreSQL pass) and its users log in as before and find everything where they left it.

use crate::common;

use common::{
    authenticator::Authenticator,
    passkey::Passkey,
    process::{command as leptodo, Server},
    Api, TestDatabase, PASSWORD,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Serves `database_url` until dropped, with cheap hashing (the rules do not depend on the cost).
fn serve(database_url: &str) -> Server {
    Server::start(
        database_url,
        &[
            ("LEPTODO_ARGON2_MEMORY_KIB", "1024"),
            ("LEPTODO_ARGON2_ITERATIONS", "1"),
            ("LEPTODO_TWO_FACTOR_KEY", common::TWO_FACTOR_KEY),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_copied_site_keeps_its_users_passwords_todos_tokens_roles_and_audit_log() {
    let source_dir = tempfile::tempdir().expect("temporary directory");
    let source = format!("sqlite://{}/old.db", source_dir.path().display());

    // The old site: Ann with todos (one done) and a token, an admin, a role of the site's own.
    let admin_args = [
        "users",
        "create",
        "--email",
        "root@example.com",
        "--username",
        "root",
        "--name",
        "Root",
        "--admin",
    ];
    assert!(leptodo(&source, &admin_args, &format!("{PASSWORD}\n"))
        .status
        .success());
    let (before, token, mut phone, mut key) = {
        let old = serve(&source);
        let ann = Api::new(&old.url);
        let (status, _) = ann
            .post(
                "/api/auth/register",
                &common::registration("ann@example.com", "annlee"),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        for title in ["milk", "bread", "eggs"] {
            ann.post("/api/todos", &json!({"title": title})).await;
        }
        let (_, todos) = ann.get("/api/todos").await;
        let bread = todos[1]["id"].as_i64().expect("id");
        ann.send(
            reqwest::Method::PATCH,
            &format!("/api/todos/{bread}"),
            Some(&json!({"completed": true})),
        )
        .await;
        let (_, token) = ann
            .post("/api/auth/tokens", &json!({"name": "script"}))
            .await;
        let (_, before) = ann.get("/api/todos").await;
        // Ann signs in with a second factor; one of her recovery codes is used up.
        let (_, setup) = ann.post("/api/auth/two-factor", &json!({})).await;
        let mut phone = Authenticator::from_key(setup["secret"].as_str().expect("key")).await;
        let (status, confirmed) = ann
            .post(
                "/api/auth/two-factor/confirm",
                &json!({"code": phone.next_code().await}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{confirmed}");
        // And a passkey.
        let mut key = Passkey::new(&old.url);
        let (status, added) = key.add_to(&ann, "Laptop").await;
        assert_eq!(status, StatusCode::CREATED, "{added}");
        (
            before,
            token["token"].as_str().expect("token").to_owned(),
            phone,
            key,
        )
    };
    for args in [
        &["roles", "create", "editor", "--description", "Edits"][..],
        &["roles", "grant", "editor", "annlee"],
    ] {
        assert!(leptodo(&source, args, "").status.success(), "{args:?}");
    }

    let target = TestDatabase::new();
    let copied = leptodo(
        &target.url,
        &["db", "copy", "--from", &source, "--to", &target.url],
        "",
    );
    let report = text(&copied.stdout);
    assert!(copied.status.success(), "{report}{}", text(&copied.stderr));
    assert!(
        report.contains(
            "Copied 2 users, 3 roles, 4 role grants, 3 todos, 1 API tokens, 1 two-factor setups with 10 recovery codes, 1 passkeys and 8 audit entries"
        ),
        "{report}"
    );

    let new = serve(&target.url);
    // Her second factor came along, sealed secret and taken steps: the next code of her phone opens it.
    let ann = Api::new(&new.url);
    let (_, answer) = ann.log_in("ann@example.com", PASSWORD).await;
    assert_eq!(answer, json!({"second_factor_required": true}));
    let (status, answer) = ann
        .post(
            "/api/auth/login/code",
            &json!({"code": phone.next_code().await}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = key.sign_in(&Api::new(&new.url)).await;
    assert_eq!(status, StatusCode::OK, "her passkey too: {answer}");
    let (status, after) = ann.get("/api/todos").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after, before, "the same todos, ids, states and times");
    let (_, me) = ann.get("/api/auth/me").await;
    assert_eq!(me["user"]["roles"], json!(["editor", "user"]));
    let script = Api::new(&new.url).with_bearer(&token);
    assert_eq!(script.get("/api/todos").await.0, StatusCode::OK);
    // New rows get new ids: the copy moved the id sequences past the copied rows.
    let (status, added) = ann.post("/api/todos", &json!({"title": "jam"})).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let largest_copied = before
        .as_array()
        .and_then(|todos| todos.iter().filter_map(|todo| todo["id"].as_i64()).max())
        .expect("ids");
    assert!(
        added["id"].as_i64().expect("id") > largest_copied,
        "{added}"
    );
    let newcomer = Api::new(&new.url);
    let (status, body) = newcomer
        .post(
            "/api/auth/register",
            &common::registration("bob@example.com", "bob"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let root = Api::new(&new.url).logged_in_as("root").await;
    let (status, audit) = root.get("/api/admin/users?q=ann").await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert_eq!(audit["users"][0]["todo_count"], Value::from(4));
    assert_eq!(audit["users"][0]["passkey_count"], Value::from(1));
}

#[test]
fn a_copy_into_a_database_with_data_is_refused_and_changes_nothing() {
    let source_dir = tempfile::tempdir().expect("temporary directory");
    let source = format!("sqlite://{}/old.db", source_dir.path().display());
    let target = TestDatabase::new();
    let create = |url: &str, username: &str| {
        let args = [
            "users",
            "create",
            "--email",
            &format!("{username}@example.com"),
            "--username",
            username,
            "--name",
            "Someone",
        ]
        .map(str::to_owned);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert!(leptodo(url, &args, &format!("{PASSWORD}\n"))
            .status
            .success());
    };
    create(&source, "ann");
    create(&target.url, "bob");

    let refused = leptodo(
        &target.url,
        &["db", "copy", "--from", &source, "--to", &target.url],
        "",
    );
    assert_eq!(refused.status.code(), Some(1));
    let message = text(&refused.stderr);
    assert!(
        message.contains("not empty") && message.contains("1 users"),
        "{message}"
    );
    let listed = text(&leptodo(&target.url, &["users", "list"], "").stdout);
    assert!(
        listed.contains("bob") && !listed.contains("ann@"),
        "{listed}"
    );
}

#[test]
fn a_missing_source_is_refused_without_creating_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let missing = dir.path().join("typo.db");
    let target = TestDatabase::new();
    let refused = leptodo(
        &target.url,
        &[
            "db",
            "copy",
            "--from",
            &format!("sqlite://{}", missing.display()),
            "--to",
            &target.url,
        ],
        "",
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("no database"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!missing.exists());

    let unsupported = leptodo(
        &target.url,
        &[
            "db",
            "copy",
            "--from",
            "mysql://localhost/x",
            "--to",
            &target.url,
        ],
        "",
    );
    assert_eq!(unsupported.status.code(), Some(1));
    assert!(
        text(&unsupported.stderr).contains("--from"),
        "{}",
        text(&unsupported.stderr)
    );
}
