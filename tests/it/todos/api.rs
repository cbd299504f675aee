//! `/api/todos` through the real router, a real port and a fresh SQLite database per test.

use crate::common;

use common::{spawn_app, Api};
use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

async fn add(api: &Api, title: &str) -> Value {
    let (status, todo) = api.post("/api/todos", &json!({ "title": title })).await;
    assert_eq!(status, StatusCode::CREATED, "{todo}");
    todo
}

fn titles(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|todo| todo["title"].as_str().expect("title"))
        .collect()
}

fn id(todo: &Value) -> i64 {
    todo["id"].as_i64().expect("numeric id")
}

#[tokio::test]
async fn a_todo_is_created_read_changed_and_deleted() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;

    let todo = add(&ann, "  buy milk  ").await;
    assert_eq!(todo["title"], "buy milk", "titles are trimmed");
    assert_eq!(todo["completed"], false);
    assert!(todo["created_at"]
        .as_str()
        .is_some_and(|at| at.ends_with('Z')));
    assert_eq!(todo["created_at"], todo["updated_at"]);
    let path = format!("/api/todos/{}", id(&todo));

    assert_eq!(ann.get(&path).await, (StatusCode::OK, todo.clone()));

    let (status, renamed) = ann
        .send(
            Method::PATCH,
            &path,
            Some(&json!({ "title": "buy oat milk" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (renamed["title"].as_str(), renamed["completed"].as_bool()),
        (Some("buy oat milk"), Some(false))
    );

    let (status, done) = ann
        .send(Method::PATCH, &path, Some(&json!({ "completed": true })))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (done["title"].as_str(), done["completed"].as_bool()),
        (Some("buy oat milk"), Some(true))
    );

    let (status, replaced) = ann
        .send(
            Method::PUT,
            &path,
            Some(&json!({ "title": "bread", "completed": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (replaced["title"].as_str(), replaced["completed"].as_bool()),
        (Some("bread"), Some(false))
    );
    assert_eq!(ann.get(&path).await.1, replaced, "changes are stored");

    assert_eq!(
        ann.delete(&path).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    let (status, error) = ann.get(&path).await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(ann.delete(&path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_list_keeps_creation_order_and_filters() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    assert_eq!(ann.get("/api/todos").await, (StatusCode::OK, json!([])));
    let first = add(&ann, "one").await;
    add(&ann, "two").await;
    add(&ann, "three").await;
    let (status, _) = ann
        .send(
            Method::PATCH,
            &format!("/api/todos/{}", id(&first)),
            Some(&json!({ "completed": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    assert_eq!(
        titles(&ann.get("/api/todos").await.1),
        ["one", "two", "three"]
    );
    assert_eq!(
        titles(&ann.get("/api/todos?filter=all").await.1),
        ["one", "two", "three"]
    );
    assert_eq!(
        titles(&ann.get("/api/todos?filter=active").await.1),
        ["two", "three"]
    );
    assert_eq!(
        titles(&ann.get("/api/todos?filter=completed").await.1),
        ["one"]
    );

    for bad in ["Active", "done", "", "active&filter=x"] {
        let (status, error) = ann.get(&format!("/api/todos?filter={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "filter={bad}");
        assert_eq!(error["error"]["code"], "bad_request");
    }
}

#[tokio::test]
async fn toggle_all_and_clear_completed_act_on_the_whole_list() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    for title in ["a", "b", "c"] {
        add(&ann, title).await;
    }
    let (status, all_done) = ann
        .post("/api/todos/toggle-all", &json!({ "completed": true }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(all_done
        .as_array()
        .expect("list")
        .iter()
        .all(|todo| todo["completed"] == true));
    assert_eq!(titles(&all_done), ["a", "b", "c"]);

    let (_, none_done) = ann
        .post("/api/todos/toggle-all", &json!({ "completed": false }))
        .await;
    assert!(none_done
        .as_array()
        .expect("list")
        .iter()
        .all(|todo| todo["completed"] == false));

    let b = &none_done[1];
    ann.send(
        Method::PATCH,
        &format!("/api/todos/{}", id(b)),
        Some(&json!({ "completed": true })),
    )
    .await;
    assert_eq!(
        ann.post("/api/todos/clear-completed", &json!({})).await,
        (StatusCode::OK, json!({ "deleted": 1 }))
    );
    assert_eq!(titles(&ann.get("/api/todos").await.1), ["a", "c"]);
    assert_eq!(
        ann.post("/api/todos/clear-completed", &json!({})).await.1,
        json!({ "deleted": 0 })
    );
}

#[tokio::test]
async fn another_users_todo_behaves_exactly_like_a_missing_one() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let bob = app.user("boblee").await;
    let bobs = add(&bob, "bob's secret").await;
    add(&bob, "bob's done").await;
    bob.post("/api/todos/toggle-all", &json!({ "completed": true }))
        .await;
    let anns = add(&ann, "ann's").await;
    let missing = id(&bobs) + 1000;

    for target in [id(&bobs), missing] {
        let path = format!("/api/todos/{target}");
        let answers = [
            ann.get(&path).await,
            ann.send(Method::PATCH, &path, Some(&json!({ "title": "mine now" })))
                .await,
            ann.send(
                Method::PUT,
                &path,
                Some(&json!({ "title": "mine", "completed": false })),
            )
            .await,
            ann.delete(&path).await,
        ];
        for answer in answers {
            assert_eq!(answer.0, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(
                answer.1,
                json!({ "error": { "code": "not_found", "message": "Not found." } })
            );
        }
    }
    // Ann's bulk actions leave Bob's list alone, and Bob's list never shows Ann's todo.
    ann.post("/api/todos/toggle-all", &json!({ "completed": false }))
        .await;
    ann.post("/api/todos/clear-completed", &json!({})).await;
    assert_eq!(titles(&ann.get("/api/todos").await.1), ["ann's"]);
    let (_, bobs_list) = bob.get("/api/todos").await;
    assert_eq!(titles(&bobs_list), ["bob's secret", "bob's done"]);
    assert!(bobs_list
        .as_array()
        .expect("list")
        .iter()
        .all(|todo| todo["completed"] == true));
    assert_ne!(id(&anns), id(&bobs));
}

#[tokio::test]
async fn every_route_answers_401_json_without_a_login() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let todo_path = format!("/api/todos/{}", id(&add(&ann, "mine").await));
    let anonymous = app.anonymous();
    let title = json!({ "title": "x", "completed": true });
    for (method, path) in [
        (Method::GET, "/api/todos"),
        (Method::POST, "/api/todos"),
        (Method::GET, todo_path.as_str()),
        (Method::PATCH, todo_path.as_str()),
        (Method::PUT, todo_path.as_str()),
        (Method::DELETE, todo_path.as_str()),
        (Method::POST, "/api/todos/toggle-all"),
        (Method::POST, "/api/todos/clear-completed"),
    ] {
        let (status, body) = anonymous.send(method.clone(), path, Some(&title)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(body["error"]["code"], "unauthenticated", "{method} {path}");
    }
    let response = reqwest::get(format!("{}/api/todos", app.address))
        .await
        .expect("request");
    assert_eq!(
        response.headers()[header::WWW_AUTHENTICATE],
        r#"Bearer realm="leptodo""#
    );
    assert_eq!(
        ann.get(&todo_path).await.1["title"],
        "mine",
        "nothing changed"
    );
}

#[tokio::test]
async fn bad_titles_get_422_with_a_message_for_the_title_field() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let todo_path = format!("/api/todos/{}", id(&add(&ann, "keep me").await));
    for (title, message) in [
        ("", "A todo needs a title."),
        ("   \t ", "A todo needs a title."),
        (&"x".repeat(501), "A todo has at most 500 characters."),
        (
            "two\nlines",
            "A todo cannot contain control characters such as line breaks, or text-direction marks.",
        ),
        (
            "nul\u{0}byte",
            "A todo cannot contain control characters such as line breaks, or text-direction marks.",
        ),
    ] {
        let expected = json!({ "error": {
            "code": "validation",
            "message": "Please correct the highlighted fields.",
            "fields": { "title": [message] },
        }});
        assert_eq!(
            ann.post("/api/todos", &json!({ "title": title })).await,
            (StatusCode::UNPROCESSABLE_ENTITY, expected.clone())
        );
        let patch = ann
            .send(Method::PATCH, &todo_path, Some(&json!({ "title": title })))
            .await;
        assert_eq!(patch, (StatusCode::UNPROCESSABLE_ENTITY, expected.clone()));
        let put = ann
            .send(
                Method::PUT,
                &todo_path,
                Some(&json!({ "title": title, "completed": true })),
            )
            .await;
        assert_eq!(put, (StatusCode::UNPROCESSABLE_ENTITY, expected));
    }
    let (_, list) = ann.get("/api/todos").await;
    assert_eq!(titles(&list), ["keep me"]);
    assert_eq!(list[0]["completed"], false, "a refused PUT changes nothing");
}

#[tokio::test]
async fn titles_are_stored_and_answered_literally() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let longest = "é".repeat(500);
    for title in [
        "<script>alert('x')</script>",
        "'); DROP TABLE todos; --",
        "名前 🎉 &amp; \"quotes\"",
        longest.as_str(),
    ] {
        let todo = add(&ann, title).await;
        assert_eq!(todo["title"], title);
        assert_eq!(
            ann.get(&format!("/api/todos/{}", id(&todo))).await.1["title"],
            title
        );
    }
    assert_eq!(
        ann.get("/api/todos").await.1.as_array().map(Vec::len),
        Some(4)
    );
}

#[tokio::test]
async fn malformed_requests_get_json_errors_saying_what_was_wrong() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let todo_path = format!("/api/todos/{}", id(&add(&ann, "x").await));

    for bad_id in ["abc", "0", "-1", "1.5", "99999999999999999999999"] {
        let (status, body) = ann.get(&format!("/api/todos/{bad_id}")).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{bad_id}"
        );
    }
    let cases = [
        (Method::POST, "/api/todos", json!({})),
        (Method::POST, "/api/todos", json!({ "title": 5 })),
        (
            Method::POST,
            "/api/todos",
            json!({ "title": "x", "completed": true }),
        ),
        (Method::PATCH, todo_path.as_str(), json!({})),
        (
            Method::PATCH,
            todo_path.as_str(),
            json!({ "completed": "yes" }),
        ),
        (
            Method::PATCH,
            todo_path.as_str(),
            json!({ "complete": true }),
        ),
        (Method::PUT, todo_path.as_str(), json!({ "title": "x" })),
        (Method::POST, "/api/todos/toggle-all", json!({})),
        (Method::POST, "/api/todos/toggle-all", json!("completed")),
    ];
    for (method, path, body) in cases {
        let (status, answer) = ann.send(method.clone(), path, Some(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path} {body}");
        assert_eq!(answer["error"]["code"], "bad_request");
        assert!(!answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty());
    }

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let login = json!({ "login": "annlee", "password": common::PASSWORD });
    client
        .post(format!("{}/api/auth/login", app.address))
        .json(&login)
        .send()
        .await
        .expect("login");
    let not_json = client
        .post(format!("{}/api/todos", app.address))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(r#"{"title":"x"}"#)
        .send()
        .await
        .expect("request");
    assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let broken = client
        .post(format!("{}/api/todos", app.address))
        .header(header::CONTENT_TYPE, "application/json")
        .body(r#"{"title": "#)
        .send()
        .await
        .expect("request");
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: Value = broken.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "bad_request");

    let (status, body) = ann.get("/api/todos/toggle-all").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed"))
    );
    assert_eq!(
        titles(&ann.get("/api/todos").await.1),
        ["x"],
        "nothing was created or changed"
    );
}

#[tokio::test]
async fn ids_are_never_reused() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let first = add(&ann, "first").await;
    ann.delete(&format!("/api/todos/{}", id(&first))).await;
    let second = add(&ann, "second").await;
    assert!(id(&second) > id(&first));
}

#[tokio::test]
async fn a_list_can_be_read_a_page_at_a_time_following_the_next_link() {
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    for n in 0..5 {
        ann.post("/api/todos", &json!({ "title": format!("todo {n}") }))
            .await;
    }
    let mut path = "/api/todos?limit=2".to_owned();
    let mut titles = Vec::new();
    let mut pages = 0;
    loop {
        let response = ann.raw(Method::GET, &path).send().await.expect("answer");
        assert_eq!(response.status(), StatusCode::OK);
        let next = response
            .headers()
            .get(header::LINK)
            .and_then(|link| link.to_str().ok())
            .map(|link| {
                link.trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            });
        let page: Vec<Value> = response.json().await.expect("JSON");
        assert!(page.len() <= 2);
        titles.extend(page.iter().map(|todo| todo["title"].clone()));
        pages += 1;
        match next {
            Some(next) => path = next,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        titles,
        (0..5)
            .map(|n| json!(format!("todo {n}")))
            .collect::<Vec<_>>()
    );
    for bad in ["limit=0", "limit=1001", "limit=x", "after=x"] {
        let (status, body) = ann.get(&format!("/api/todos?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    // Without a limit, the whole list and no link.
    let response = ann
        .raw(Method::GET, "/api/todos")
        .send()
        .await
        .expect("answer");
    assert!(response.headers().get(header::LINK).is_none());
    assert_eq!(response.json::<Vec<Value>>().await.expect("JSON").len(), 5);
}

#[tokio::test]
async fn a_list_holds_at_most_todos_per_user_even_under_a_burst() {
    let app = common::spawn_app_with(|settings| settings.todos_per_user = 3).await;
    let ann = app.user("annlee").await;
    let burst = (0..10).map(|n| {
        ann.raw(Method::POST, "/api/todos")
            .json(&json!({ "title": format!("todo {n}") }))
            .send()
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(burst)
        .await
        .into_iter()
        .map(|response| response.expect("answer").status())
        .collect();
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 3, "{statuses:?}");
    let (status, body) = ann
        .post("/api/todos", &json!({ "title": "one more" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["title"][0]
        .as_str()
        .is_some_and(|message| message.contains('3')));
    assert_eq!(
        ann.get("/api/todos").await.1.as_array().map(Vec::len),
        Some(3)
    );
    // Another user's list is their own.
    let bob = app.user("bob").await;
    assert_eq!(
        bob.post("/api/todos", &json!({ "title": "mine" })).await.0,
        StatusCode::CREATED
    );
}
