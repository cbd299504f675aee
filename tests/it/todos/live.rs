//! Live updates (`GET /api/events`) through the real server: every change reaches the owner's streams, in
//! order, and nobody else's; streams end with the login that opened them, at shutdown, and are bounded; a
//! stream that falls behind is told to reload rather than silently missing changes.

use crate::common;

use std::time::Duration;

use common::{
    admins::{admin, id_of, new_token, token_client},
    events::{EventStream, Read, EVENTUALLY},
    spawn_app, spawn_app_with, test_settings, Api, TestDatabase, PASSWORD,
};
use leptodo::startup::Application;
use reqwest::{header, Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn every_kind_of_change_reaches_the_owner_in_order_and_never_anyone_else() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let ann_script = token_client(&app, &ann).await;
    let (mut ann_page, version) = EventStream::greeted(&ann).await;
    assert_eq!(version, 0, "a new list is at version 0");
    let (mut ann_token, _) = EventStream::greeted(&ann_script).await;
    let (mut bob_page, _) = EventStream::greeted(&bob).await;

    let (status, first) = ann.post("/api/todos", &json!({"title": "Buy milk"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, second) = ann
        .post("/api/todos", &json!({"title": "Walk the dog"}))
        .await;
    let first_id = first["id"].as_i64().expect("id");
    let second_id = second["id"].as_i64().expect("id");
    ann.send(
        Method::PATCH,
        &format!("/api/todos/{first_id}"),
        Some(&json!({"title": "Buy oat milk", "completed": true})),
    )
    .await;
    ann.post("/api/todos/toggle-all", &json!({"completed": true}))
        .await;
    ann.post("/api/todos/clear-completed", &json!({})).await;
    let (_, third) = ann.post("/api/todos", &json!({"title": "Call mum"})).await;
    ann.delete(&format!("/api/todos/{}", third["id"])).await;

    for stream in [&mut ann_page, &mut ann_token] {
        let created = stream.event().await;
        assert_eq!(created.name, "todo_created");
        assert_eq!(created.version(), 1);
        assert_eq!(created.id.as_deref(), Some("1"));
        assert_eq!(created.data["kind"], "todo_created");
        assert_eq!(created.data["todo"], first);
        assert_eq!(
            created.data["todo"]["client_id"],
            json!(null),
            "a todo made through the API has no client's id"
        );
        assert_eq!(stream.event().await.data["todo"], second);
        let updated = stream.event().await;
        assert_eq!(updated.name, "todo_updated");
        assert_eq!(updated.data["todo"]["title"], "Buy oat milk");
        assert_eq!(updated.data["todo"]["completed"], true);
        let toggled = stream.event().await;
        assert_eq!(toggled.name, "todos_toggled");
        assert_eq!(toggled.data["completed"], true);
        let mut toggled_ids: Vec<i64> =
            serde_json::from_value(toggled.data["ids"].clone()).expect("ids");
        toggled_ids.sort_unstable();
        assert_eq!(toggled_ids, [second_id], "only the todo that changed");
        let cleared = stream.event().await;
        assert_eq!(cleared.name, "todos_cleared");
        let mut ids: Vec<i64> = serde_json::from_value(cleared.data["ids"].clone()).expect("ids");
        ids.sort_unstable();
        assert_eq!(ids, [first_id, second_id]);
        assert_eq!(stream.event().await.name, "todo_created");
        let deleted = stream.event().await;
        assert_eq!(deleted.name, "todo_deleted");
        assert_eq!(deleted.data["id"], third["id"]);
        assert_eq!(deleted.version(), 7, "one version per change");
    }
    let (_, bobs_own) = bob.post("/api/todos", &json!({"title": "Bob's own"})).await;
    assert!(
        bob_page.next_is_creation_of(&bobs_own).await,
        "bob hears nothing of ann's list"
    );
}

#[tokio::test]
async fn a_refused_change_announces_nothing_and_leaves_the_version() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let bob = app.user("bob").await;
    let (_, bobs) = bob.post("/api/todos", &json!({"title": "Bob's"})).await;
    let (mut stream, _) = EventStream::greeted(&ann).await;
    let (status, _) = ann.post("/api/todos", &json!({"title": "   "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = ann.delete(&format!("/api/todos/{}", bobs["id"])).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another user's todo is not ann's"
    );
    ann.post("/api/todos/clear-completed", &json!({})).await;
    ann.post("/api/todos/toggle-all", &json!({"completed": true}))
        .await;
    let (_, todo) = ann.post("/api/todos", &json!({"title": "Real"})).await;
    let created = stream.event().await;
    assert_eq!(created.data["todo"], todo);
    assert_eq!(
        created.version(),
        1,
        "refused changes did not raise the version"
    );
}

#[tokio::test]
async fn logout_ends_that_sessions_stream_and_not_the_others() {
    let app = spawn_app().await;
    let laptop = app.user("ann").await;
    let phone = app.anonymous();
    let (status, _) = phone
        .post(
            "/api/auth/login",
            &json!({"login": "ann", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (mut on_laptop, _) = EventStream::greeted(&laptop).await;
    let (mut on_phone, _) = EventStream::greeted(&phone).await;

    let (status, _) = laptop.post("/api/auth/logout", &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        on_laptop.ends_within(EVENTUALLY).await,
        "the logged-out stream ends"
    );
    let after = EventStream::request(&laptop, &[]).await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);

    phone
        .post("/api/todos", &json!({"title": "Still here"}))
        .await;
    assert_eq!(
        on_phone.event().await.name,
        "todo_created",
        "the other login keeps its stream"
    );
}

#[tokio::test]
async fn a_password_change_a_revoked_token_and_a_deactivation_end_the_streams_they_should() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let script = token_client(&app, &ann).await;
    let other_session = app.anonymous();
    other_session
        .post(
            "/api/auth/login",
            &json!({"login": "ann", "password": PASSWORD}),
        )
        .await;
    let (mut by_token, _) = EventStream::greeted(&script).await;
    let (mut elsewhere, _) = EventStream::greeted(&other_session).await;
    let (status, body) = ann
        .post(
            "/api/auth/password",
            &json!({
                "current_password": PASSWORD,
                "new_password": "another long passphrase",
                "new_password_confirm": "another long passphrase",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(
        by_token.ends_within(EVENTUALLY).await,
        "tokens end with a password change"
    );
    assert!(
        elsewhere.ends_within(EVENTUALLY).await,
        "other sessions too"
    );

    // The session that changed the password goes on (under a new id) and may open a new stream.
    let second_script = token_client(&app, &ann).await;
    let (mut by_second_token, _) = EventStream::greeted(&second_script).await;
    let (_, tokens) = ann.get("/api/auth/tokens").await;
    let id = tokens[0]["id"].as_i64().expect("token id");
    let (status, _) = ann.delete(&format!("/api/auth/tokens/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        by_second_token.ends_within(EVENTUALLY).await,
        "a revoked token's stream ends"
    );

    let boss = admin(&app, "boss").await;
    let (mut anns, _) = EventStream::greeted(&ann).await;
    let ann_id = id_of(&ann).await;
    let (status, _) = boss
        .post(&format!("/api/admin/users/{ann_id}/deactivate"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        anns.ends_within(EVENTUALLY).await,
        "a deactivated account's streams end"
    );
}

#[tokio::test]
async fn visitors_are_refused_and_streams_are_bounded_per_user_and_per_instance() {
    let app = spawn_app_with(|settings| {
        settings.events_streams_per_user = 2;
        settings.events_streams_total = 3;
    })
    .await;
    let response = EventStream::request(&app.anonymous(), &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let garbage = app.anonymous().with_bearer("not-a-token");
    assert_eq!(
        EventStream::request(&garbage, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let ann = app.user("ann").await;
    let first = EventStream::open(&ann).await;
    let _second = EventStream::open(&ann).await;
    let third = EventStream::request(&ann, &[]).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: serde_json::Value = third.json().await.expect("JSON error");
    assert_eq!(body["error"]["code"], "too_many_streams");

    let bob = app.user("bob").await;
    let _bobs = EventStream::open(&bob).await;
    let full = EventStream::request(&bob, &[]).await;
    assert_eq!(
        full.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "the instance is full"
    );
    assert!(full.headers().contains_key(header::RETRY_AFTER));

    // A closed stream frees its place.
    drop(first);
    let mut reopened = None;
    let deadline = tokio::time::Instant::now() + EVENTUALLY;
    while tokio::time::Instant::now() < deadline {
        let response = EventStream::request(&ann, &[]).await;
        if response.status() == StatusCode::OK {
            reopened = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        reopened.is_some(),
        "the place of a closed stream is given again"
    );
}

#[tokio::test]
async fn idle_streams_get_keep_alive_comments_outlive_the_request_timeout_and_are_never_compressed()
{
    // Ann registers on a server without the tight limit (a loaded machine may take a second for it), and
    // listens on one with it, on the same database.
    let app = spawn_app().await;
    let ann = app.user("ann").await.at(&app
        .another_instance(|settings| {
            settings.events_keep_alive_seconds = 1;
            settings.request_timeout_seconds = 1;
        })
        .await);
    let response = EventStream::request(&ann, &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
    let mut stream = EventStream::open(&ann).await;
    assert_eq!(stream.event().await.name, "hello");
    // Two keep-alives come a second apart, and the stream stays open past the request timeout meanwhile.
    let opened = std::time::Instant::now();
    let mut comments = 0;
    while comments < 2 || opened.elapsed() <= Duration::from_secs(1) {
        match stream.read(EVENTUALLY).await {
            Read::Comment => comments += 1,
            other => panic!("only keep-alives on an idle stream, got {other:?}"),
        }
    }
    // The request timeout (1 s here) bounds the time to the answer's start, never a stream's life.
    ann.post("/api/todos", &json!({"title": "Still listening"}))
        .await;
    assert_eq!(stream.event().await.name, "todo_created");
}

#[tokio::test]
async fn a_reconnect_that_missed_changes_is_told_to_reload() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let (stream, version) = EventStream::greeted(&ann).await;
    drop(stream);
    ann.post("/api/todos", &json!({"title": "While away"}))
        .await;
    let last_id = version.to_string();
    let mut again = EventStream::open_with(&ann, &[("last-event-id", &last_id)]).await;
    let hello = again.event().await;
    assert_eq!((hello.name.as_str(), hello.version()), ("hello", 1));
    let resync = again.event().await;
    assert_eq!((resync.name.as_str(), resync.version()), ("resync", 1));

    let mut current = EventStream::open_with(&ann, &[("last-event-id", "1")]).await;
    assert_eq!(current.event().await.name, "hello");
    let (_, todo) = ann.post("/api/todos", &json!({"title": "Back"})).await;
    assert!(
        current.next_is_creation_of(&todo).await,
        "an up-to-date reconnect is not told to reload"
    );
}

#[tokio::test]
async fn a_stream_that_does_not_read_is_told_to_reload_instead_of_silently_missing_changes() {
    let app = spawn_app().await;
    let ann = app.user("ann").await;
    let script = token_client(&app, &ann).await;
    let (_, todo) = ann
        .post("/api/todos", &json!({"title": "Often renamed"}))
        .await;
    let token = new_token(&ann).await;

    // A client that reads nothing: a small receive window, so the server's writes soon block.
    let address = app.address.trim_start_matches("http://");
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("buffer size");
    let mut connection = socket
        .connect(address.parse().expect("address"))
        .await
        .expect("connects");
    let request = format!(
        "GET /api/events HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    connection
        .write_all(request.as_bytes())
        .await
        .expect("request sent");
    // The stream is open once its greeting has come (a few hundred bytes, which leave the window as it was).
    let mut greeting = Vec::new();
    let greeted = tokio::time::timeout(EVENTUALLY, async {
        let mut buffer = [0_u8; 512];
        while !String::from_utf8_lossy(&greeting).contains("event: hello") {
            let read = connection
                .read(&mut buffer)
                .await
                .expect("the stream answers");
            assert!(read > 0, "the stream ended before its greeting");
            greeting.extend_from_slice(&buffer[..read]);
        }
    })
    .await;
    assert!(greeted.is_ok(), "no greeting within {EVENTUALLY:?}");

    // More than the server's socket buffers (at most 4 MiB here) hold, and the backlog besides: 2,400 renames
    // of 2 KB each (500 four-byte characters), from 4 clients at once.
    let id = todo["id"].as_i64().expect("id");
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let script = script.at(&app.address);
            tokio::spawn(async move {
                for number in 0..600 {
                    let title = format!("{writer} {number} {}", "🦀".repeat(490));
                    let (status, _) = script
                        .send(
                            Method::PATCH,
                            &format!("/api/todos/{id}"),
                            Some(&json!({ "title": title })),
                        )
                        .await;
                    assert_eq!(status, StatusCode::OK);
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }

    // Now read everything that was sent: until the resync has come and the stream has been quiet for half a
    // second, or, if it never comes, for as long as a loaded machine could pause.
    let mut received = Vec::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut told = false;
    loop {
        let quiet = if told {
            Duration::from_millis(500)
        } else {
            EVENTUALLY
        };
        match tokio::time::timeout(quiet, connection.read(&mut buffer)).await {
            Ok(Ok(read)) if read > 0 => {
                // The new bytes, and enough before them to catch the name split across two reads.
                let from = received.len().saturating_sub(16);
                received.extend_from_slice(&buffer[..read]);
                told = told
                    || received[from..]
                        .windows(b"event: resync".len())
                        .any(|window| window == b"event: resync");
            }
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&received);
    let events: Vec<(String, i64)> = text
        .split("\n\n")
        .filter_map(|block| {
            let name = block
                .lines()
                .find_map(|line| line.strip_prefix("event: "))?;
            let id = block.lines().find_map(|line| line.strip_prefix("id: "))?;
            Some((name.to_owned(), id.trim().parse().ok()?))
        })
        .collect();
    assert!(
        events.iter().any(|(name, _)| name == "resync"),
        "a stream that fell behind is told to reload; {} events, {} bytes, last {:?}",
        events.len(),
        received.len(),
        events.last()
    );
    // Never a silent gap: between two changes either the versions follow on, or a resync stands between.
    for pair in events.windows(2) {
        let ((before, from), (after, to)) = (&pair[0], &pair[1]);
        if before.starts_with("todo") && after.starts_with("todo") {
            assert_eq!(
                *to,
                from + 1,
                "a change went missing without a resync: {before} {from} → {to}"
            );
        }
    }
    let last_resync = events
        .iter()
        .rev()
        .find(|(name, _)| name == "resync")
        .map(|(_, version)| *version)
        .unwrap_or_default();
    assert!(last_resync > 1, "a resync names the version to reload at");
}

#[tokio::test]
async fn stopping_the_server_ends_open_streams_and_the_stop_completes() {
    let db = TestDatabase::new();
    let mut settings = test_settings();
    settings.site_addr = "127.0.0.1:0".parse().expect("address");
    settings.database_url = db.url.clone();
    let app = Application::build(&settings).await.expect("starts");
    let address = format!("http://{}", app.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let ann = Api::new(&address).registered("ann").await;
    let (mut stream, _) = EventStream::greeted(&ann).await;
    stop.send(()).expect("server running");
    assert!(
        stream.ends_within(EVENTUALLY).await,
        "streams end at shutdown"
    );
    tokio::time::timeout(EVENTUALLY, server)
        .await
        .expect("the graceful stop does not wait for streams")
        .expect("task");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL: make test runs it in its PostgreSQL pass"]
async fn on_postgresql_a_change_through_one_instance_reaches_a_stream_on_another() {
    let db = TestDatabase::new();
    assert!(
        db.is_postgres(),
        "set TEST_POSTGRES_URL: this test is for PostgreSQL"
    );
    let mut addresses = Vec::new();
    for _ in 0..2 {
        let mut settings = test_settings();
        settings.site_addr = "127.0.0.1:0".parse().expect("address");
        settings.database_url = db.url.clone();
        let app = Application::build(&settings).await.expect("starts");
        addresses.push(format!("http://{}", app.local_addr()));
        tokio::spawn(app.run_until(std::future::pending()));
    }
    let on_a = Api::new(&addresses[0]).registered("ann").await;
    let on_b = on_a.at(&addresses[1]);
    let bob_on_b = Api::new(&addresses[1]).registered("bob").await;
    let (mut ann_on_b, _) = EventStream::greeted(&on_b).await;
    let (mut ann_on_a, _) = EventStream::greeted(&on_a).await;
    let (mut bobs, _) = EventStream::greeted(&bob_on_b).await;

    let (_, todo) = on_a.post("/api/todos", &json!({"title": "From A"})).await;
    let heard = ann_on_b.event().await;
    assert_eq!(heard.name, "todo_created");
    assert_eq!(heard.data["todo"], todo);
    assert_eq!(
        ann_on_a.event().await.data["todo"],
        todo,
        "the writing instance's own streams too"
    );
    let (_, bobs_own) = bob_on_b
        .post("/api/todos", &json!({"title": "Bob's own"}))
        .await;
    assert!(bobs.next_is_creation_of(&bobs_own).await);

    // A logout on A ends the stream on B.
    on_a.post("/api/auth/logout", &json!({})).await;
    assert!(ann_on_b.ends_within(EVENTUALLY).await);
}
