//! Crash safety: the real binary is killed with SIGKILL again and again while clients create and toggle
//! todos; after each restart every write the server acknowledged must be there, and SQLite must find no
//! corruption. `LEPTODO_CRASH_CYCLES` sets the number of cycles (default 20). SQLite only: it tests SQLite's
//! `synchronous` setting and file integrity; PostgreSQL's crash safety is its own, and the several-instances
//! test kills instances in front of it.

use crate::common;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use common::process::start;

use reqwest::StatusCode;
use serde_json::{json, Value};

const PASSWORD: &str = "a long and unusual passphrase";
const CLIENTS: usize = 8;

/// What the server said was saved: todo id → (title, acknowledged as completed).
type Acknowledged = Arc<Mutex<HashMap<i64, (String, bool)>>>;

/// Creates and toggles todos until the server stops answering, recording each acknowledgement.
async fn client(
    base: String,
    token: String,
    cycle: usize,
    number: usize,
    acknowledged: Acknowledged,
) {
    // A killed server ends its connections at once; the bound is for a hung one, never for a slow disk.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    for n in 0.. {
        let title = format!("cycle {cycle} client {number} todo {n}");
        let Ok(response) = http
            .post(format!("{base}/api/todos"))
            .bearer_auth(&token)
            .json(&json!({ "title": title }))
            .send()
            .await
        else {
            return;
        };
        if response.status() != StatusCode::CREATED {
            return;
        }
        let Ok(todo) = response.json::<Value>().await else {
            return;
        };
        let id = todo["id"].as_i64().expect("id");
        acknowledged
            .lock()
            .expect("lock")
            .insert(id, (title, false));
        if n % 2 == 0 {
            let Ok(response) = http
                .patch(format!("{base}/api/todos/{id}"))
                .bearer_auth(&token)
                .json(&json!({ "completed": true }))
                .send()
                .await
            else {
                return;
            };
            if response.status() == StatusCode::OK {
                if let Some(entry) = acknowledged.lock().expect("lock").get_mut(&id) {
                    entry.1 = true;
                }
            }
        }
    }
}

async fn token_for_new_user(base: &str) -> String {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let registered = http
        .post(format!("{base}/api/auth/register"))
        .json(&json!({
            "email": "crash@example.com", "username": "crash", "name": "Crash Test",
            "password": PASSWORD, "password_confirm": PASSWORD,
        }))
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), StatusCode::CREATED);
    let token: Value = http
        .post(format!("{base}/api/auth/tokens"))
        .json(&json!({ "name": "crash test" }))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("JSON");
    token["token"].as_str().expect("secret").to_owned()
}

/// Everything the server holds, as id → (title, completed).
async fn stored(base: &str, token: &str) -> HashMap<i64, (String, bool)> {
    let list: Value = reqwest::Client::new()
        .get(format!("{base}/api/todos"))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("JSON");
    list.as_array()
        .expect("array")
        .iter()
        .map(|todo| {
            let id = todo["id"].as_i64().expect("id");
            let title = todo["title"].as_str().expect("title").to_owned();
            (id, (title, todo["completed"].as_bool().expect("completed")))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_repeated_sigkill_of_the_sqlite_server() {
    let _alone = crate::alone().await;
    let cycles: usize = std::env::var("LEPTODO_CRASH_CYCLES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = dir.path().join("leptodo.db");
    let (mut server, base, _log) = start(&format!("sqlite://{}", database.display()));
    let token = token_for_new_user(&base).await;
    let acknowledged: Acknowledged = Arc::default();

    let mut base = base;
    for cycle in 0..cycles {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|number| {
                tokio::spawn(client(
                    base.clone(),
                    token.clone(),
                    cycle,
                    number,
                    acknowledged.clone(),
                ))
            })
            .collect();
        // Pull the plug once this cycle has had writes acknowledged (however long that takes on this machine),
        // after a pause that varies from cycle to cycle so the kill lands at different points of a write.
        let before = acknowledged.lock().expect("lock").len();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while acknowledged.lock().expect("lock").len() < before + CLIENTS {
            assert!(
                tokio::time::Instant::now() < deadline,
                "cycle {cycle}: no writes acknowledged in a minute"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis((cycle as u64 * 37) % 250)).await;
        server.kill().expect("SIGKILL");
        server.wait().expect("reaped");
        for client in clients {
            client.await.expect("client task");
        }

        (server, base, _) = start(&format!("sqlite://{}", database.display()));
        let after = stored(&base, &token).await;
        let expected = acknowledged.lock().expect("lock").clone();
        for (id, (title, completed)) in &expected {
            let found = after.get(id);
            assert!(
                found.is_some(),
                "cycle {cycle}: acknowledged todo {id} ({title}) is missing"
            );
            if let Some((stored_title, stored_completed)) = found {
                assert_eq!(stored_title, title, "cycle {cycle}: todo {id}");
                assert!(
                    !completed || *stored_completed,
                    "cycle {cycle}: todo {id} lost its toggle"
                );
            }
        }
    }
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");

    let acknowledged = acknowledged.lock().expect("lock").len();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display()))
        .await
        .expect("open");
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .expect("integrity check");
    assert_eq!(integrity, "ok");
    println!("{cycles} SIGKILL cycles survived; {acknowledged} acknowledged todos all present");
}
