//! Overload sheds instead of queueing for ever: a bounded password-hashing line and a server-side time limit
//! on every request.

use crate::common;

use common::{spawn_app, spawn_app_with};
use futures::future::join_all;
use reqwest::{header, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn past_the_hashing_line_logins_get_503_and_the_todo_api_still_answers() {
    let app = spawn_app_with(|settings| {
        // One hash at a time, two waiting at most.
        settings.password_hashing_concurrency = 1;
        settings.password_hashing_queue = 2;
        settings.throttle_failures_per_account = 1_000;
        settings.throttle_failures_per_ip = 1_000;
    })
    .await;
    let ann = app.user("annlee").await;
    // The test holds every place of the line, so the line is full however fast this machine hashes.
    let hasher = app.state.hasher.clone();
    let line: Vec<_> = (0..3)
        .map(|_| hasher.turn().expect("a place in the line"))
        .collect();
    assert!(hasher.turn().is_err(), "a line of 3 holds a fourth");
    let login = |n: usize| {
        app.anonymous()
            .raw(reqwest::Method::POST, "/api/auth/login")
            .json(&json!({ "login": "annlee", "password": format!("guess {n}") }))
            .send()
    };
    // Todo calls take no place in the line, so they are answered meanwhile (that they also are while hashing
    // keeps the cores busy is the flood and load tests' part, in tests/slow).
    let todo_calls = (0..10).map(|_| ann.raw(reqwest::Method::GET, "/api/todos").send());
    let (logins, todo_calls) = tokio::join!(join_all((0..30).map(login)), join_all(todo_calls));
    for response in logins {
        let response = response.expect("answer");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let body: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "overloaded");
    }
    for response in todo_calls {
        assert_eq!(response.expect("answer").status(), StatusCode::OK);
    }
    // A shed login was never checked, so it does not count against the account.
    let failures = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM auth_failures WHERE action = 'login' AND subject LIKE 'account:%'",
        )
        .fetch_one(&app.database().await)
        .await
        .expect("count")
    };
    assert_eq!(failures().await, 0);
    // Once the line has room, logins are checked (and counted) again.
    drop(line);
    let checked = join_all((30..33).map(login)).await;
    for response in checked {
        assert_eq!(response.expect("answer").status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(failures().await, 3);
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_abandoned_with_503() {
    // Ann registers, and checks her reads, on a server without the tight limit (a loaded machine may take a
    // second for them); the request under test goes to a second server on the same database, limited to 1 s.
    let app = spawn_app().await;
    let ann = app.user("annlee").await;
    let limited = ann.at(&app
        .another_instance(|settings| settings.request_timeout_seconds = 1)
        .await);
    // The database is stuck for writes until the answer has come: the request cannot finish in time on any
    // machine, however fast, and only the time limit can answer it.
    let stuck = app.db.hold_write_lock("todos").await;
    let asked = Instant::now();
    let response = limited
        .raw(reqwest::Method::POST, "/api/todos")
        .json(&json!({ "title": "never written" }))
        .send()
        .await
        .expect("answer");
    let waited = asked.elapsed();
    let status = response.status();
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let body: serde_json::Value = response.json().await.expect("JSON");
    // While the writes wait, reads are served.
    assert_eq!(ann.get("/api/todos").await.0, StatusCode::OK);
    stuck.release().await;

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(retry_after.is_some());
    assert_eq!(body["error"]["code"], "timed_out");
    assert!(
        waited >= Duration::from_secs(1),
        "answered after {waited:?}, before the limit"
    );
    // The abandoned write rolled back; the next one goes through, once the abandoned transaction's locks are
    // gone (on PostgreSQL its rollback follows the lock's release; a loaded machine may take a moment).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = limited
            .post("/api/todos", &json!({ "title": "written" }))
            .await;
        if status == StatusCode::CREATED {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(Instant::now() < deadline, "the server never recovered");
    }
    let (_, todos) = ann.get("/api/todos").await;
    let titles: Vec<&str> = todos
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|todo| todo["title"].as_str())
        .collect();
    // A retry abandoned while its commit was on its way may have been written as well: never the first one.
    assert!(
        !titles.is_empty() && titles.iter().all(|title| *title == "written"),
        "{titles:?}"
    );
}

/// Reads `stream` until the server closes it (end of file, or a reset), and answers whether it did so within
/// [`common::events::EVENTUALLY`].
async fn closed_by_the_server(mut stream: tokio::net::TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buffer = [0_u8; 1024];
    tokio::time::timeout(common::events::EVENTUALLY, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_client_that_sends_its_headers_too_slowly_is_cut_off() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app_with(|settings| {
        settings.header_read_timeout_seconds = 1.try_into().expect("not zero");
    })
    .await;
    let host = app.address.trim_start_matches("http://").to_owned();
    // One sends half a request and then nothing (a "slowloris"), one nothing at all, one a whole request and
    // then stays idle on its keep-alive connection.
    let mut half = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    half.write_all(b"GET /login HTTP/1.1\r\nHost: leptodo\r\nX-Slow: 1")
        .await
        .expect("write");
    let silent = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    let mut idle = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: leptodo\r\n\r\n")
        .await
        .expect("write");
    for (name, stream) in [("half", half), ("silent", silent), ("idle", idle)] {
        assert!(closed_by_the_server(stream).await, "{name} is still open");
    }
    let (status, _) = app.anonymous().get("/api/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the server still answers");
}

#[tokio::test]
async fn connections_that_send_nothing_cannot_keep_others_out() {
    let app = spawn_app_with(|settings| {
        settings.max_pending_connections = 50.try_into().expect("not zero");
        settings.header_read_timeout_seconds = 3_600.try_into().expect("not zero");
    })
    .await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut silent = Vec::new();
    for _ in 0..200 {
        silent.push(
            tokio::net::TcpStream::connect(&host)
                .await
                .expect("connect"),
        );
    }
    // Accepted after the 200, so answered only once each of them has taken its place: 201 pending
    // connections for 50 places, so the oldest 151 made room.
    let (status, _) = app.anonymous().get("/api/auth/me").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "another client is answered"
    );
    let newest = silent.split_off(150);
    let closed = join_all(silent.into_iter().map(closed_by_the_server)).await;
    assert!(closed.iter().all(|closed| *closed), "{closed:?}");
    drop(newest);
}
