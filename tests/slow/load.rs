//! Load: many clients at once mixing logins and todo API calls against the real binary, for a fixed time.
//! Every answer must be a success, and the server must never log "database is locked" (or any error).
//!
//! `LEPTODO_LOAD_CLIENTS` (default 200) and `LEPTODO_LOAD_SECONDS` (default 30) set the load. The figures
//! (throughput, p50/p99) are printed; for numbers worth quoting run the release build:
//! `cargo test --release --features ssr --test slow load -- --nocapture`.

use crate::common;

use std::time::{Duration, Instant};

use common::process::start_with;

use crate::setting;

use reqwest::StatusCode;
use serde_json::{json, Value};

const PASSWORD: &str = "a long and unusual passphrase";

/// What one client saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<(&'static str, Duration)>,
    logins: usize,
    failures: Vec<String>,
}

impl Tally {
    fn note(
        &mut self,
        what: &'static str,
        started: Instant,
        outcome: Result<StatusCode, reqwest::Error>,
        expected: StatusCode,
    ) {
        self.latencies.push((what, started.elapsed()));
        match outcome {
            Ok(status) if status == expected => {}
            Ok(status) => self.failures.push(format!("{what}: {status}")),
            Err(error) => self.failures.push(format!("{what}: {error}")),
        }
    }
}

/// One user: logs in, then creates, lists, toggles and deletes todos, logging in again every 25 requests. Each
/// user has an address of their own (`X-Forwarded-For`, which the server is told to trust), as real users do:
/// logins in progress count against their address.
async fn client(base: String, number: usize, username: String, until: Instant) -> Tally {
    let mut address = reqwest::header::HeaderMap::new();
    address.insert(
        "x-forwarded-for",
        reqwest::header::HeaderValue::try_from(format!("10.0.{}.{}", number / 256, number % 256))
            .expect("an address"),
    );
    let http = reqwest::Client::builder()
        .default_headers(address)
        .cookie_store(true)
        .timeout(Duration::from_secs(360))
        .build()
        .expect("client");
    let mut tally = Tally::default();
    let mut last_id: Option<i64> = None;
    let mut n = 0_usize;
    while Instant::now() < until {
        let started = Instant::now();
        match n % 25 {
            0 => {
                let outcome = http
                    .post(format!("{base}/api/auth/login"))
                    .json(&json!({ "login": username, "password": PASSWORD }))
                    .send()
                    .await
                    .map(|response| response.status());
                tally.logins += 1;
                tally.note("login", started, outcome, StatusCode::OK);
            }
            step if step % 4 == 1 => {
                let response = http
                    .post(format!("{base}/api/todos"))
                    .json(&json!({ "title": format!("todo {n}") }))
                    .send()
                    .await;
                if let Ok(response) = response {
                    let status = response.status();
                    last_id = response
                        .json::<Value>()
                        .await
                        .ok()
                        .and_then(|todo| todo["id"].as_i64());
                    tally.note("create", started, Ok(status), StatusCode::CREATED);
                } else if let Err(error) = response {
                    tally.note("create", started, Err(error), StatusCode::CREATED);
                }
            }
            step if step % 4 == 2 && last_id.is_some() => {
                let id = last_id.unwrap_or_default();
                let outcome = http
                    .patch(format!("{base}/api/todos/{id}"))
                    .json(&json!({ "completed": true }))
                    .send()
                    .await
                    .map(|response| response.status());
                tally.note("toggle", started, outcome, StatusCode::OK);
            }
            step if step % 12 == 11 && last_id.is_some() => {
                let id = last_id.take().unwrap_or_default();
                let outcome = http
                    .delete(format!("{base}/api/todos/{id}"))
                    .send()
                    .await
                    .map(|response| response.status());
                tally.note("delete", started, outcome, StatusCode::NO_CONTENT);
            }
            _ => {
                let outcome = http
                    .get(format!("{base}/api/todos?filter=active"))
                    .send()
                    .await
                    .map(|response| response.status());
                tally.note("list", started, outcome, StatusCode::OK);
            }
        }
        n += 1;
    }
    tally
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_clients_mixing_logins_and_todo_calls_get_no_errors() {
    let _alone = crate::alone().await;
    let clients = usize::try_from(setting("LEPTODO_LOAD_CLIENTS", 200)).expect("a count");
    let seconds = setting("LEPTODO_LOAD_SECONDS", 30);
    let database = common::TestDatabase::new();
    let (mut server, base, log) = start_with(
        &database.url,
        &[
            ("LEPTODO_CLIENT_IP_HEADER", "X-Forwarded-For"),
            ("LEPTODO_TRUSTED_PROXIES", "127.0.0.1"),
            // Every client logs in at the same instant at the start; this test measures the mixed load, not the
            // shedding of a flood of logins (startup::overload does).
            ("LEPTODO_PASSWORD_HASHING_QUEUE", "1000"),
            // A login's wait in that line grows with how busy the machine is (hashing yields the CPU to
            // everything else); the claim here is that no answer is an error, not how soon it comes.
            ("LEPTODO_REQUEST_TIMEOUT_SECONDS", "300"),
        ],
    );

    let registrations: Vec<_> = (0..clients)
        .map(|number| {
            let base = base.clone();
            tokio::spawn(async move {
                let username = format!("load{number}");
                let response = reqwest::Client::new()
                    .post(format!("{base}/api/auth/register"))
                    .json(&json!({
                        "email": format!("{username}@example.com"), "username": username,
                        "name": "Load Test", "password": PASSWORD, "password_confirm": PASSWORD,
                    }))
                    .send()
                    .await
                    .expect("register");
                assert_eq!(response.status(), StatusCode::CREATED);
                username
            })
        })
        .collect();
    let mut usernames = Vec::new();
    for registration in registrations {
        usernames.push(registration.await.expect("registration task"));
    }

    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = usernames
        .into_iter()
        .enumerate()
        .map(|(number, username)| tokio::spawn(client(base.clone(), number, username, until)))
        .collect();
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    let mut logins = 0;
    for task in tasks {
        let tally = task.await.expect("client task");
        latencies.extend(tally.latencies);
        failures.extend(tally.failures);
        logins += tally.logins;
    }
    let elapsed = started.elapsed();
    server.kill().expect("stop the server");
    server.wait().expect("reaped");

    let requests = latencies.len();
    println!(
        "{clients} clients, {:.1} s: {requests} requests ({logins} logins), {:.0} requests/s, {} failed",
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64(),
        failures.len(),
    );
    for kind in ["all", "login", "create", "toggle", "delete", "list"] {
        let mut sorted: Vec<Duration> = latencies
            .iter()
            .filter(|(what, _)| kind == "all" || *what == kind)
            .map(|(_, latency)| *latency)
            .collect();
        sorted.sort();
        println!(
            "  {kind:>6}: {:>6} requests, p50 {:>7.1} ms, p99 {:>7.1} ms",
            sorted.len(),
            percentile(&sorted, 0.50).as_secs_f64() * 1000.0,
            percentile(&sorted, 0.99).as_secs_f64() * 1000.0,
        );
    }
    assert!(
        failures.is_empty(),
        "{} failures, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let log = log.lock().expect("lock").clone();
    assert!(!log.contains("database is locked"), "{log}");
    assert!(!log.contains("ERROR"), "{log}");
    assert!(requests > clients, "the clients got almost nothing done");
}
