//! The administration JSON API, `/api/admin/…`: who may call it, and the rules every action follows.

use crate::common;

use common::{
    admins::{admin, id_of, managed, remove_each_other_at_once, token_client},
    spawn_app, PASSWORD,
};
use leptodo::{admin::service, audit::Actor};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Every admin route, for user `id`.
fn routes(id: i64) -> Vec<(Method, String)> {
    vec![
        (Method::GET, "/api/admin/users".into()),
        (Method::POST, format!("/api/admin/users/{id}/activate")),
        (Method::POST, format!("/api/admin/users/{id}/deactivate")),
        (Method::POST, format!("/api/admin/users/{id}/roles/admin")),
        (Method::DELETE, format!("/api/admin/users/{id}/roles/user")),
    ]
}

#[tokio::test]
async fn visitors_get_401_and_users_without_the_role_403_on_every_admin_route() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let ann = app.user("ann").await;
    let ann_id = id_of(&ann).await;
    let ann_token = token_client(&app, &ann).await;
    for (method, path) in routes(ann_id) {
        let (status, body) = app.anonymous().send(method.clone(), &path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
        for caller in [&ann, &ann_token] {
            let (status, body) = caller.send(method.clone(), &path, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
            assert_eq!(body["error"]["code"], "forbidden");
        }
    }
    // Nothing the refused calls asked for happened.
    let ann_now = managed(&root, "ann").await;
    assert_eq!(ann_now["active"], true);
    assert_eq!(ann_now["roles"], json!(["user"]));
    let (status, _) = ann.get("/api/auth/me").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn admins_search_and_page_through_users_with_their_details() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    // 55 more users, one with todos; 56 in all.
    let pool = app.app_pool().await;
    for n in 0..55 {
        let input = leptodo::auth::registration::RegistrationInput {
            email: format!("member{n:02}@example.com"),
            username: format!("member{n:02}"),
            name: "Member".into(),
            website: String::new(),
            password: PASSWORD.into(),
            password_confirm: PASSWORD.into(),
        };
        service::create_user(&pool, &test_hasher(), &Actor::command_line(), &input, false)
            .await
            .expect("created");
    }
    let writer = app.user("writer").await;
    for title in ["one", "two", "three"] {
        writer.post("/api/todos", &json!({"title": title})).await;
    }

    let (status, first) = root.get("/api/admin/users").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["total"], 57);
    assert_eq!(first["page"], 1);
    assert_eq!(first["per_page"], 50);
    assert_eq!(first["users"].as_array().expect("users").len(), 50);
    assert_eq!(first["users"][0]["username"], "root");
    assert_eq!(first["users"][0]["roles"], json!(["admin", "user"]));
    assert!(first["users"][0]["last_login_at"].is_string());
    let (_, second) = root.get("/api/admin/users?page=2").await;
    assert_eq!(second["users"].as_array().expect("users").len(), 7);
    let (_, beyond) = root.get("/api/admin/users?page=9").await;
    assert_eq!(beyond["users"], json!([]));
    assert_eq!(beyond["total"], 57);

    let writer = managed(&root, "writer").await;
    assert_eq!(writer["todo_count"], 3);
    assert_eq!(writer["email"], "writer@example.com");
    let member = managed(&root, "member07").await;
    assert_eq!(member["todo_count"], 0);
    assert_eq!(member["last_login_at"], Value::Null);

    // Search: part of an email or username, any case; wildcards are literal.
    for (query, expected) in [
        ("MEMBER0", 10),
        ("member07@example", 1),
        ("%", 0),
        ("_", 0),
        ("", 57),
    ] {
        let (status, found) = root
            .get(&format!("/api/admin/users?q={}", query.replace('%', "%25")))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {found}");
        assert_eq!(found["total"], expected, "q={query}");
    }

    for bad in [
        "page=0",
        "page=-1",
        "page=two",
        &format!("q={}", "x".repeat(255)),
    ] {
        let (status, body) = root.get(&format!("/api/admin/users?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "bad_request");
    }
}

fn test_hasher() -> leptodo::auth::hashing::PasswordHasher {
    leptodo::auth::hashing::PasswordHasher::new(&common::test_settings()).expect("hasher")
}

#[tokio::test]
async fn deactivation_ends_sessions_and_tokens_at_once_and_is_audited() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let ann = app.user("ann").await;
    let ann_id = id_of(&ann).await;
    let token = token_client(&app, &ann).await;
    assert_eq!(token.get("/api/todos").await.0, StatusCode::OK);

    let (status, body) = root
        .post(&format!("/api/admin/users/{ann_id}/deactivate"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changed"], true);
    assert_eq!(body["user"]["active"], false);
    assert_eq!(ann.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(token.get("/api/todos").await.0, StatusCode::UNAUTHORIZED);
    let login = json!({"login": "ann", "password": PASSWORD});
    let (status, body) = app.anonymous().post("/api/auth/login", &login).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "inactive");

    // Asking again changes nothing and logs nothing.
    let (status, body) = root
        .post(&format!("/api/admin/users/{ann_id}/deactivate"), &json!({}))
        .await;
    assert_eq!((status, &body["changed"]), (StatusCode::OK, &json!(false)));

    let (status, body) = root
        .post(&format!("/api/admin/users/{ann_id}/activate"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["active"], true);
    // Activation lets her log in again, but the ended session and the revoked token stay ended.
    assert_eq!(ann.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(token.get("/api/todos").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.anonymous().post("/api/auth/login", &login).await.0,
        StatusCode::OK
    );

    let entries = leptodo::audit::queries::recent_entries(&app.app_pool().await, 100)
        .await
        .expect("audit log");
    let seen: Vec<(&str, &str, &str, Option<&str>)> = entries
        .iter()
        .map(|entry| {
            (
                entry.actor.as_str(),
                entry.action.as_str(),
                entry.target.as_str(),
                entry.ip.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen[..2],
        [
            ("root", "activate", "ann", Some("127.0.0.1")),
            ("root", "deactivate", "ann", Some("127.0.0.1")),
        ]
    );
    // The repeated deactivation changed nothing and wrote nothing.
    assert_eq!(
        seen.iter().filter(|entry| entry.1 == "deactivate").count(),
        1
    );
    let actor_ids: Vec<Option<i64>> =
        sqlx::query_scalar("SELECT actor_id FROM audit_log WHERE action LIKE '%activate'")
            .fetch_all(&app.database().await)
            .await
            .expect("actor ids");
    let root_id = id_of(&root).await;
    assert_eq!(actor_ids, [Some(root_id), Some(root_id)]);
}

#[tokio::test]
async fn admins_cannot_deactivate_themselves_or_remove_the_last_admin() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let root_id = id_of(&root).await;
    let (status, body) = root
        .post(
            &format!("/api/admin/users/{root_id}/deactivate"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "refused");
    assert_eq!(
        body["error"]["message"],
        "You cannot deactivate your own account."
    );
    let (status, body) = root
        .delete(&format!("/api/admin/users/{root_id}/roles/admin"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .expect("message")
        .contains("last active admin"));
    assert_eq!(
        managed(&root, "root").await["roles"],
        json!(["admin", "user"])
    );

    // With a second admin, root may give the role up, and loses the section with it.
    let deputy = admin(&app, "deputy").await;
    let (status, body) = root
        .delete(&format!("/api/admin/users/{root_id}/roles/admin"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["roles"], json!(["user"]));
    assert_eq!(root.get("/api/admin/users").await.0, StatusCode::FORBIDDEN);
    // The deputy, now the last admin, still cannot be deactivated by anyone, nor demoted.
    let deputy_id = id_of(&deputy).await;
    let (status, _) = deputy
        .delete(&format!("/api/admin/users/{deputy_id}/roles/admin"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn roles_are_granted_and_revoked_once_and_unknown_targets_are_404() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let ann = app.user("ann").await;
    let ann_id = id_of(&ann).await;
    let path = format!("/api/admin/users/{ann_id}/roles/admin");
    let (status, body) = root.post(&path, &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["changed"], &body["user"]["roles"]),
        (&json!(true), &json!(["admin", "user"]))
    );
    let (_, body) = root.post(&path, &json!({})).await;
    assert_eq!(body["changed"], false);
    // The grant is live: ann can use the section now.
    assert_eq!(ann.get("/api/admin/users").await.0, StatusCode::OK);
    let (status, body) = root.delete(&path).await;
    assert_eq!((status, &body["changed"]), (StatusCode::OK, &json!(true)));
    let (_, body) = root.delete(&path).await;
    assert_eq!(body["changed"], false);
    assert_eq!(ann.get("/api/admin/users").await.0, StatusCode::FORBIDDEN);

    for (method, path) in [
        (
            Method::POST,
            format!("/api/admin/users/{ann_id}/roles/editor"),
        ),
        (
            Method::DELETE,
            format!("/api/admin/users/{ann_id}/roles/Admin"),
        ),
        (
            Method::POST,
            format!("/api/admin/users/{ann_id}/roles/a%20b"),
        ),
        (Method::POST, "/api/admin/users/999999/roles/admin".into()),
        (Method::POST, "/api/admin/users/abc/roles/admin".into()),
        (Method::POST, "/api/admin/users/0/activate".into()),
        (Method::POST, "/api/admin/users/999999/deactivate".into()),
        (Method::POST, "/api/admin/users/-1/deactivate".into()),
    ] {
        let (status, body) = root.send(method.clone(), &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (status, _) = root.send(Method::PUT, &path, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn two_admins_removing_each_other_at_once_leave_one_active_admin() {
    let app = spawn_app().await;
    let pool = app.database().await;
    for round in 0..10 {
        let (a, b) = (
            admin(&app, &format!("alpha{round}")).await,
            admin(&app, &format!("beta{round}")).await,
        );
        remove_each_other_at_once(&a, &b, round, &pool).await;
    }
}
