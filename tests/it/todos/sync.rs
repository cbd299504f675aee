//! `POST /api/todos/sync` through the real server: each operation applied once and in order, the conflict rule,
//! the login a queue belongs to, and what another account's operations can do (nothing).

use crate::common;

use common::{admins::token_client, events::EventStream, spawn_app, Api};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Sends `operations` (with the login they were queued under, if any); answers the status and the body.
async fn sync(api: &Api, login: Option<&str>, operations: Value) -> (StatusCode, Value) {
    let mut body = json!({ "operations": operations });
    if let Some(login) = login {
        body["login"] = json!(login);
    }
    api.post("/api/todos/sync", &body).await
}

/// The same, asserting 200; answers the receipts.
async fn synced(api: &Api, operations: Value) -> Vec<Value> {
    let (status, receipts) = sync(api, None, operations).await;
    assert_eq!(status, StatusCode::OK, "{receipts}");
    receipts.as_array().expect("receipts").clone()
}

/// The caller's list as `(title, completed)` pairs.
async fn list(api: &Api) -> Vec<(String, bool)> {
    let (status, todos) = api.get("/api/todos").await;
    assert_eq!(status, StatusCode::OK);
    todos
        .as_array()
        .expect("a list")
        .iter()
        .map(|todo| {
            (
                todo["title"].as_str().expect("title").to_owned(),
                todo["completed"].as_bool().expect("completed"),
            )
        })
        .collect()
}

fn add(id: &str, client_id: &str, title: &str) -> Value {
    json!({ "id": id, "action": { "add": { "client_id": client_id, "title": title } } })
}

fn owned(pairs: &[(&str, bool)]) -> Vec<(String, bool)> {
    pairs
        .iter()
        .map(|(title, done)| ((*title).to_owned(), *done))
        .collect()
}

/// The login the server names this client's session by, as the todo page's header says it.
async fn login_of(api: &Api) -> String {
    let page = api.navigate("/").await;
    assert_eq!(page.status(), StatusCode::OK);
    page.headers()
        .get("leptodo-login")
        .and_then(|value| value.to_str().ok())
        .expect("the page names its login")
        .to_owned()
}

#[tokio::test]
async fn an_operation_sent_twice_is_applied_once() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let operation = json!([add("op-1", "todo-1", "  Buy milk ")]);

    let first = synced(&ann, operation.clone()).await;
    assert_eq!(first[0]["id"], "op-1");
    assert_eq!(first[0]["repeated"], false);
    assert_eq!(first[0]["dropped"], Value::Null);
    assert_eq!(first[0]["version"], 1);
    // The answer was lost; the page sends the same operation again.
    let again = synced(&ann, operation).await;
    assert_eq!(again[0]["repeated"], true);
    assert_eq!(again[0]["version"], 1, "the version it was applied in");

    let (_, todos) = ann.get("/api/todos").await;
    assert_eq!(todos.as_array().map(Vec::len), Some(1));
    assert_eq!(todos[0]["title"], "Buy milk");
    assert_eq!(todos[0]["client_id"], "todo-1");
    // Another operation adding the same todo (a page that lost its outbox's receipts) adds nothing either.
    let other = synced(&ann, json!([add("op-2", "todo-1", "Buy milk")])).await;
    assert_eq!(other[0]["repeated"], false);
    assert_eq!(other[0]["version"], 1, "nothing changed");
    assert_eq!(list(&ann).await, owned(&[("Buy milk", false)]));
}

#[tokio::test]
async fn operations_apply_in_the_order_sent_each_in_its_own_version_and_are_announced() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let (mut events, _) = EventStream::greeted(&ann).await;

    let receipts = synced(
        &ann,
        json!([
            add("o1", "milk", "Buy milk"),
            add("o2", "dog", "Walk the dog"),
            {"id": "o3", "action": {"edit": {"todo": {"client": "milk"}, "title": "Buy oat milk"}}},
            {"id": "o4", "action": {"toggle_all": {"completed": true,
             "todos": [{"client": "milk"}, {"client": "dog"}]}}},
            {"id": "o5", "action": {"edit": {"todo": {"client": "dog"}, "completed": false}}},
            {"id": "o6", "action": {"clear_completed": {"todos": [{"client": "milk"}]}}},
            add("o7", "mum", "Call mum"),
            {"id": "o8", "action": {"delete": {"todo": {"client": "mum"}}}},
        ]),
    )
    .await;
    let versions: Vec<i64> = receipts
        .iter()
        .map(|receipt| receipt["version"].as_i64().expect("version"))
        .collect();
    assert_eq!(versions, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(list(&ann).await, owned(&[("Walk the dog", false)]));

    let created = events.event().await;
    assert_eq!(created.name, "todo_created");
    assert_eq!(created.data["todo"]["client_id"], "milk");
    assert_eq!(events.event().await.name, "todo_created");
    assert_eq!(events.event().await.data["todo"]["title"], "Buy oat milk");
    let toggled = events.event().await;
    assert_eq!(toggled.name, "todos_toggled");
    assert_eq!(toggled.data["ids"].as_array().map(Vec::len), Some(2));
    assert_eq!(events.event().await.name, "todo_updated");
    let cleared = events.event().await;
    assert_eq!(cleared.name, "todos_cleared");
    assert_eq!(cleared.version(), 6);
}

#[tokio::test]
async fn per_field_the_last_write_to_reach_the_server_wins_and_a_delete_wins_over_an_edit() {
    let app = spawn_app().await;
    let laptop = app.user("ann").await;
    let phone = app.anonymous().logged_in_as("ann").await;
    synced(
        &laptop,
        json!([add("a1", "bread", "Bread"), add("a2", "jam", "Jam")]),
    )
    .await;

    // Offline on both, different fields of one todo: both changes stay.
    synced(
        &laptop,
        json!([{"id": "l1", "action": {"edit": {"todo": {"client": "bread"}, "title": "Rye bread"}}}]),
    )
    .await;
    synced(
        &phone,
        json!([{"id": "p1", "action": {"edit": {"todo": {"client": "bread"}, "completed": true}}}]),
    )
    .await;
    // The same field: the phone's change reaches the server last, and wins.
    synced(
        &laptop,
        json!([{"id": "l2", "action": {"edit": {"todo": {"client": "jam"}, "title": "Apricot jam"}}}]),
    )
    .await;
    synced(
        &phone,
        json!([{"id": "p2", "action": {"edit": {"todo": {"client": "jam"}, "title": "Plum jam"}}}]),
    )
    .await;
    assert_eq!(
        list(&laptop).await,
        owned(&[("Rye bread", true), ("Plum jam", false)])
    );

    // The laptop deletes the jam; the phone's edit of it arrives after, and is dropped with a reason.
    synced(
        &laptop,
        json!([{"id": "l3", "action": {"delete": {"todo": {"client": "jam"}}}}]),
    )
    .await;
    let edit = synced(
        &phone,
        json!([{"id": "p3", "action": {"edit": {"todo": {"client": "jam"}, "completed": true}}}]),
    )
    .await;
    let why = edit[0]["dropped"].as_str().expect("a reason");
    assert!(why.contains("deleted elsewhere"), "{why}");
    // Deleting what is gone already is no error, and the answer to a resend is the same as the first.
    let delete = synced(
        &phone,
        json!([{"id": "p4", "action": {"delete": {"todo": {"client": "jam"}}}}]),
    )
    .await;
    assert_eq!(delete[0]["dropped"], Value::Null);
    let again = synced(
        &phone,
        json!([{"id": "p3", "action": {"edit": {"todo": {"client": "jam"}, "completed": true}}}]),
    )
    .await;
    assert_eq!(
        (&again[0]["repeated"], &again[0]["dropped"]),
        (&json!(true), &edit[0]["dropped"])
    );
    assert_eq!(list(&phone).await, owned(&[("Rye bread", true)]));
}

#[tokio::test]
async fn another_users_operations_reach_nothing_of_yours() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    synced(&ann, json!([add("shared-op-id", "anns", "Ann's secret")])).await;
    let (_, anns) = ann.get("/api/todos").await;
    let anns_id = anns[0]["id"].as_i64().expect("id");

    let receipts = synced(
        &bob,
        json!([
            {"id": "b1", "action": {"edit": {"todo": {"id": anns_id}, "title": "Bob was here"}}},
            {"id": "b2", "action": {"edit": {"todo": {"client": "anns"}, "completed": true}}},
            {"id": "b3", "action": {"delete": {"todo": {"id": anns_id}}}},
            {"id": "b4", "action": {"toggle_all": {"completed": true, "todos": [{"id": anns_id}]}}},
            {"id": "b5", "action": {"clear_completed": {"todos": [{"client": "anns"}, {"id": anns_id}]}}},
            // Ann's operation id means nothing for Bob: his operation is his own, and applied.
            add("shared-op-id", "anns", "Bob's own"),
        ]),
    )
    .await;
    assert!(receipts[0]["dropped"].is_string());
    assert!(receipts[1]["dropped"].is_string());
    assert_eq!(receipts[5]["repeated"], false);
    assert_eq!(receipts[5]["dropped"], Value::Null);
    assert_eq!(list(&ann).await, owned(&[("Ann's secret", false)]));
    assert_eq!(list(&bob).await, owned(&[("Bob's own", false)]));
}

#[tokio::test]
async fn changes_queued_under_a_login_that_ended_are_refused_whole() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let before = login_of(&ann).await;
    assert_eq!(login_of(&ann).await, before, "one login, one name");
    let (status, _) = sync(&ann, Some(&before), json!([add("o1", "t1", "Kept")])).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _) = ann.post("/api/auth/logout", &json!({})).await;
    assert!(status.is_success());
    let ann = ann.logged_in_as("ann").await;
    let now = login_of(&ann).await;
    assert_ne!(now, before, "a new login has a new name");
    let (status, body) = sync(
        &ann,
        Some(&before),
        json!([
            add("o2", "t2", "Queued before"),
            add("o3", "t3", "Also before")
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "stale_login");
    assert_eq!(list(&ann).await, owned(&[("Kept", false)]));

    // A token names no login: an operation that claims one is refused too.
    let script = token_client(&app, &ann).await;
    let (status, _) = sync(&script, Some(&now), json!([add("o4", "t4", "Scripted")])).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = sync(&script, None, json!([add("o5", "t5", "Scripted")])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = sync(&ann, Some(&now), json!([add("o6", "t6", "Now")])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list(&ann).await,
        owned(&[("Kept", false), ("Scripted", false), ("Now", false)])
    );
}

#[tokio::test]
async fn bad_operations_are_dropped_with_a_reason_and_bad_requests_change_nothing() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;

    let receipts = synced(
        &ann,
        json!([
            add("o1", "t1", "   "),
            add("o2", "t2", &"x".repeat(501)),
            add("o3", "t3", "fine"),
            {"id": "o4", "action": {"edit": {"todo": {"client": "t3"}, "title": "two\nlines"}}},
            {"id": "o5", "action": {"edit": {"todo": {"client": "nowhere"}, "title": "x"}}},
        ]),
    )
    .await;
    let dropped: Vec<bool> = receipts
        .iter()
        .map(|receipt| receipt["dropped"].is_string())
        .collect();
    assert_eq!(dropped, [true, true, false, true, true]);
    assert_eq!(list(&ann).await, owned(&[("fine", false)]));

    let too_many: Vec<Value> = (0..101)
        .map(|n| add(&format!("m{n}"), &format!("c{n}"), "many"))
        .collect();
    let too_wide: Vec<Value> = (0..501).map(|n| json!({"id": n})).collect();
    for (operations, what) in [
        (json!(too_many), "101 operations"),
        (
            json!([{"id": "w", "action": {"toggle_all": {"completed": true, "todos": too_wide}}}]),
            "501 todos in one",
        ),
        (json!([add("bad id", "t", "x")]), "an id with a space"),
        (
            json!([{"id": "k", "action": {"rename": {}}}]),
            "an unknown kind",
        ),
        (json!([{"id": "k", "action": {"delete": {}}}]), "no todo"),
    ] {
        let (status, body) = sync(&ann, None, operations).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {status} {body}"
        );
    }
    let (status, _) = ann
        .post("/api/todos/sync", &json!({"operations": [], "extra": 1}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(list(&ann).await, owned(&[("fine", false)]));

    let visitor = app.anonymous();
    let (status, _) = sync(&visitor, None, json!([add("v", "v", "x")])).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_forgotten_operation_still_cannot_add_its_todo_twice() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let operation = json!([add("o1", "t1", "Once")]);
    synced(&ann, operation.clone()).await;
    let tomorrow = leptodo::timestamp::Timestamp::from(
        time::OffsetDateTime::now_utc() + time::Duration::days(1),
    );
    let forgotten =
        leptodo::todos::sync::expiry::forget_older_than(&app.app_pool().await, &tomorrow)
            .await
            .expect("the sweep runs");
    assert_eq!(forgotten, 1);
    let again = synced(&ann, operation).await;
    assert_eq!(again[0]["repeated"], false, "the server forgot it");
    assert_eq!(list(&ann).await, owned(&[("Once", false)]));
}
