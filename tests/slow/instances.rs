//! Several `leptodo` instances on one PostgreSQL database behind HAProxy (`deploy/haproxy.cfg`): whatever one
//! instance does, the others see at once, and killing one under load loses no acknowledged write.
//!
//! Needs the PostgreSQL run's server (`TEST_POSTGRES_URL`) and HAProxy, so the tests are ignored in a
//! plain `cargo test`; `make test` runs them with `--ignored` in its PostgreSQL pass.
//! `LEPTODO_FAULT_CLIENTS` (default 200) and `LEPTODO_FAULT_SECONDS` (default 30) set the fault test's load.

use crate::common;

use std::{
    collections::HashMap,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::setting;
use common::{
    admins::{id_of, remove_each_other_at_once},
    process::start_with,
    Api, TestDatabase,
};
use leptodo::{admin::service, audit::Actor, domain::RoleName};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// How long a fault-test client waits for an answer: long enough that only a hung request, never a slow machine
/// under 200 clients, times out (the app itself gives up after `request_timeout_seconds`, 30 s).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

const NEEDS: &str = "needs PostgreSQL and HAProxy: make test runs it in its PostgreSQL pass";

/// Settings every instance gets: behind HAProxy, cheap hashing (the rules do not depend on the cost).
const INSTANCE_SETTINGS: [(&str, &str); 5] = [
    ("LEPTODO_CLIENT_IP_HEADER", "X-Forwarded-For"),
    ("LEPTODO_TRUSTED_PROXIES", "127.0.0.1"),
    // One key for all: a message one instance leaves is read by whichever answers next.
    (
        "LEPTODO_COOKIE_KEY",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",
    ),
    ("LEPTODO_ARGON2_MEMORY_KIB", "1024"),
    ("LEPTODO_ARGON2_ITERATIONS", "1"),
];

/// One running `leptodo` process; killed when dropped.
struct Instance {
    child: Child,
    /// `127.0.0.1:port`
    addr: String,
    database_url: String,
}

impl Instance {
    fn start(database_url: &str, addr: &str) -> Self {
        let mut settings = INSTANCE_SETTINGS.to_vec();
        settings.push(("LEPTODO_SITE_ADDR", addr));
        let (child, url, _log) = start_with(database_url, &settings);
        Self {
            child,
            addr: url.trim_start_matches("http://").to_owned(),
            database_url: database_url.to_owned(),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL: no graceful stop, in-flight requests die with it.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// A new process on the same address.
    fn restart(&mut self) {
        let addr = self.addr.clone();
        *self = Self::start(&self.database_url.clone(), &addr);
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// HAProxy on `deploy/haproxy.cfg`, in the foreground; stopped when dropped.
struct Balancer {
    child: Child,
    url: String,
}

impl Balancer {
    async fn start(instances: &[Instance]) -> Self {
        // Not a port freed for the moment between choosing it and HAProxy's bind: a test beside this one could
        // be given it.
        let port = unshared_port();
        let mut command = Command::new("haproxy");
        command
            .args([
                "-f",
                concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/haproxy.cfg"),
            ])
            .arg("-db")
            .env("LEPTODO_LB_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (number, instance) in instances.iter().enumerate() {
            command.env(format!("LEPTODO_BACKEND_{}", number + 1), &instance.addr);
        }
        let child = command
            .spawn()
            .expect("haproxy starts (apt-get install haproxy)");
        let balancer = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        wait_until_healthy(&balancer.url).await;
        balancer
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_until_healthy(url: &str) {
    let started = Instant::now();
    let client = reqwest::Client::new();
    while started.elapsed() < Duration::from_secs(20) {
        let answer = client.get(format!("{url}/healthz")).send().await;
        if answer.is_ok_and(|answer| answer.status() == StatusCode::OK) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never became healthy");
}

/// `count` instances started at the same moment on one new, empty database, and HAProxy in front of them.
struct Cluster {
    database: TestDatabase,
    instances: Vec<Instance>,
    balancer: Balancer,
}

async fn cluster(count: usize) -> Cluster {
    let database = TestDatabase::new();
    assert!(database.is_postgres(), "{NEEDS}");
    let url = database.url.clone();
    // All at once: they race to migrate the empty database, which sqlx's advisory lock must serialise.
    let starting: Vec<_> = (0..count)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                Instance::start(&url, &format!("127.0.0.1:{}", unshared_port()))
            })
        })
        .collect();
    let instances: Vec<Instance> = starting
        .into_iter()
        .map(|thread| thread.join().expect("the instance starts"))
        .collect();
    let balancer = Balancer::start(&instances).await;
    Cluster {
        database,
        instances,
        balancer,
    }
}

impl Cluster {
    /// A new browser (cookie jar) registered as `username`, talking to instance `number`.
    async fn user(&self, number: usize, username: &str) -> Api {
        Api::new(&self.instances[number].url())
            .registered(username)
            .await
    }

    fn on(&self, api: &Api, number: usize) -> Api {
        api.at(&self.instances[number].url())
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL and HAProxy: make test runs it in its PostgreSQL pass"]
async fn instances_starting_together_on_an_empty_database_migrate_it_once() {
    let _alone = crate::alone().await;
    let cluster = cluster(3).await;
    for instance in &cluster.instances {
        wait_until_healthy(&instance.url()).await;
    }
    let pool = cluster.database.pool().await;
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .expect("migrations table");
    assert_eq!(
        applied,
        i64::try_from(leptodo::db::POSTGRES_MIGRATIONS.iter().count()).expect("a count")
    );
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
        .fetch_one(&pool)
        .await
        .expect("the session table exists");
    assert_eq!(sessions, 0);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL and HAProxy: make test runs it in its PostgreSQL pass"]
async fn a_session_made_on_one_instance_works_on_the_others_and_through_the_balancer() {
    let _alone = crate::alone().await;
    let cluster = cluster(3).await;
    let on_a = cluster.user(0, "annlee").await;
    let (on_b, on_c) = (cluster.on(&on_a, 1), cluster.on(&on_a, 2));

    let (status, created) = on_b
        .post("/api/todos", &json!({"title": "made on B"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, listed) = on_c.get("/api/todos").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed[0]["title"], "made on B");
    let (status, me) = on_a.get("/api/auth/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["username"], "annlee");

    // Ten requests through the balancer, spread over the three instances: one session throughout.
    let through_balancer = on_a.at(&cluster.balancer.url);
    for n in 0..10 {
        let (status, _) = through_balancer
            .post(
                "/api/todos",
                &json!({"title": format!("through the balancer {n}")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "request {n}");
    }
    let (_, listed) = on_a.get("/api/todos").await;
    assert_eq!(listed.as_array().map(Vec::len), Some(11));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL and HAProxy: make test runs it in its PostgreSQL pass"]
async fn logout_on_one_instance_kills_the_cookie_on_every_instance() {
    let _alone = crate::alone().await;
    let cluster = cluster(3).await;
    cluster.user(0, "annlee").await;
    // The cookie of a login on A, as a thief who copied it would send it anywhere.
    let login = reqwest::Client::new()
        .post(format!("{}/api/auth/login", cluster.instances[0].url()))
        .json(&json!({"login": "annlee", "password": common::PASSWORD}))
        .send()
        .await
        .expect("login answers");
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let with_cookie = |method: Method, number: usize, path: &str| {
        reqwest::Client::new()
            .request(method, format!("{}{path}", cluster.instances[number].url()))
            .header("Cookie", &cookie)
            .json(&json!({}))
            .send()
    };
    for number in 0..3 {
        let answer = with_cookie(Method::GET, number, "/api/todos").await;
        assert_eq!(
            answer.expect("answers").status(),
            StatusCode::OK,
            "instance {number}"
        );
    }
    let logout = with_cookie(Method::POST, 2, "/api/auth/logout").await;
    assert!(logout.expect("answers").status().is_success());
    for number in 0..3 {
        let answer = with_cookie(Method::GET, number, "/api/todos").await;
        assert_eq!(
            answer.expect("answers").status(),
            StatusCode::UNAUTHORIZED,
            "instance {number}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL and HAProxy: make test runs it in its PostgreSQL pass"]
async fn a_password_change_on_one_instance_ends_other_sessions_and_tokens_on_all() {
    let _alone = crate::alone().await;
    let cluster = cluster(3).await;
    let laptop = cluster.user(0, "annlee").await;
    let phone = Api::new(&cluster.instances[1].url());
    let (status, _) = phone
        .post(
            "/api/auth/login",
            &json!({"login": "annlee", "password": common::PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, token) = laptop
        .post("/api/auth/tokens", &json!({"name": "script"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let script =
        Api::new(&cluster.instances[2].url()).with_bearer(token["token"].as_str().expect("token"));
    assert_eq!(script.get("/api/todos").await.0, StatusCode::OK);

    let new_password = "another long and unusual passphrase";
    let (status, body) = cluster
        .on(&laptop, 2)
        .post(
            "/api/auth/password",
            &json!({"current_password": common::PASSWORD, "new_password": new_password,
                    "new_password_confirm": new_password}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    for number in 0..3 {
        assert_eq!(
            cluster.on(&phone, number).get("/api/todos").await.0,
            StatusCode::UNAUTHORIZED,
            "the phone's session on instance {number}"
        );
        assert_eq!(
            script
                .at(&cluster.instances[number].url())
                .get("/api/todos")
                .await
                .0,
            StatusCode::UNAUTHORIZED,
            "the token on instance {number}"
        );
        assert_eq!(
            cluster.on(&laptop, number).get("/api/todos").await.0,
            StatusCode::OK,
            "the session that changed it, on instance {number}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL and HAProxy: make test runs it in its PostgreSQL pass"]
async fn failed_logins_spread_over_the_instances_are_throttled_together() {
    let _alone = crate::alone().await;
    let cluster = cluster(3).await;
    cluster.user(0, "annlee").await;
    let wrong = json!({"login": "annlee", "password": "not the passphrase at all"});
    // The configured limit is 10 failures per account: four, three and three on the three instances …
    for number in [0, 0, 0, 0, 1, 1, 1, 2, 2, 2] {
        let (status, body) = Api::new(&cluster.instances[number].url())
            .post("/api/auth/login", &wrong)
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "instance {number}: {body}"
        );
    }
    // … and the next attempt is refused on every instance, even with the right password.
    let right = json!({"login": "annlee", "password": common::PASSWORD});
    for number in 0..3 {
        let (status, body) = Api::new(&cluster.instances[number].url())
            .post("/api/auth/login", &right)
            .await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "instance {number}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL and HAProxy: make test runs it in its PostgreSQL pass"]
async fn two_admins_on_different_instances_at_the_same_moment_leave_one_active_admin() {
    let _alone = crate::alone().await;
    let cluster = cluster(3).await;
    let pool = cluster.database.app_pool().await;
    let raw = cluster.database.pool().await;
    for round in 0..10 {
        let alpha = cluster.user(0, &format!("alpha{round}")).await;
        let beta = cluster.user(1, &format!("beta{round}")).await;
        for id in [id_of(&alpha).await, id_of(&beta).await] {
            service::grant_role(&pool, &Actor::command_line(), id, &RoleName::admin())
                .await
                .expect("granted");
        }
        remove_each_other_at_once(&alpha, &beta, round, &raw).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL and HAProxy: make test runs it in its PostgreSQL pass"]
async fn an_instance_whose_database_is_gone_answers_503_and_leaves_the_rotation() {
    let _alone = crate::alone().await;
    let (kept, lost) = (TestDatabase::new(), TestDatabase::new());
    let instances = vec![
        Instance::start(&kept.url, "127.0.0.1:0"),
        Instance::start(&lost.url, "127.0.0.1:0"),
    ];
    let balancer = Balancer::start(&instances).await;
    let health = |url: String| async move {
        reqwest::get(format!("{url}/healthz"))
            .await
            .expect("answers")
            .status()
    };
    assert_eq!(health(instances[1].url()).await, StatusCode::OK);

    let name = url::Url::parse(&lost.url).expect("a URL").path()[1..].to_owned();
    let server = common::database::postgres_server().expect("the PostgreSQL run");
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&server)
        .await
        .expect("connect");
    sqlx::raw_sql(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop the instance's database");

    assert_eq!(
        health(instances[1].url()).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    // Two failed checks a second apart take it out, however long the checks take on this machine; then every
    // request goes to the instance that works.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut in_a_row = 0;
    while in_a_row < 20 {
        assert!(
            Instant::now() < deadline,
            "the balancer still sends requests to the instance without a database"
        );
        match health(balancer.url.clone()).await {
            StatusCode::OK => in_a_row += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                in_a_row = 0;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("unexpected {other}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL and HAProxy: make test runs it in its PostgreSQL pass"]
async fn behind_the_balancer_a_client_cannot_choose_the_address_that_counts() {
    let _alone = crate::alone().await;
    let cluster = cluster(2).await;
    let client = Api::new(&cluster.balancer.url);
    // 60 failed logins from one machine, each claiming another address: the shipped limit is 50 per address.
    let mut refused = 0;
    for attempt in 0..60 {
        let (status, body) = client
            .with_header("x-forwarded-for", &format!("198.51.100.{attempt}"))
            .post(
                "/api/auth/login",
                &json!({ "login": format!("nobody{attempt}"), "password": "a wrong guess" }),
            )
            .await;
        match status {
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            StatusCode::UNAUTHORIZED => {}
            other => panic!("attempt {attempt}: {other} {body}"),
        }
    }
    assert_eq!(refused, 10);
    let counted: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT subject FROM auth_failures WHERE action = 'login' AND subject LIKE 'ip:%'",
    )
    .fetch_all(&cluster.database.pool().await)
    .await
    .expect("failures");
    assert_eq!(counted, ["ip:127.0.0.1"], "the address HAProxy saw");
}

/// What the clients of the fault test saw.
#[derive(Default)]
struct Seen {
    /// Titles the server acknowledged creating (201), with their ids.
    created: HashMap<String, i64>,
    /// Ids the server acknowledged marking completed.
    completed: Vec<i64>,
    /// Failed requests: when each was sent and when it failed, and what came back.
    failures: Vec<Failure>,
}

struct Failure {
    sent: Instant,
    failed: Instant,
    /// `HTTP 502`, `connection closed`, `timeout` …
    kind: String,
    /// The request and the whole answer.
    what: String,
}

impl Seen {
    /// Notes a request sent at `sent` that did not succeed.
    fn fail(&mut self, sent: Instant, kind: String, what: String) {
        self.failures.push(Failure {
            sent,
            failed: Instant::now(),
            kind,
            what,
        });
    }
}

/// What kind of failure an answer is.
fn kind_of(answer: &Result<reqwest::Response, reqwest::Error>) -> String {
    match answer {
        Ok(response) => format!("HTTP {}", response.status()),
        Err(error) if error.is_timeout() => "timeout".into(),
        Err(_) => "connection closed".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL and HAProxy: make test runs it in its PostgreSQL pass"]
async fn killing_an_instance_under_load_loses_no_acknowledged_write() {
    let _alone = crate::alone().await;
    let clients = setting("LEPTODO_FAULT_CLIENTS", 200);
    let seconds = setting("LEPTODO_FAULT_SECONDS", 30);
    let mut cluster = cluster(3).await;
    let balancer = cluster.balancer.url.clone();

    // Browsers with their session cookies, registered through the balancer: their sessions must hold on
    // whichever instance answers, also after one of them died.
    let browsers: Vec<Api> = futures::future::join_all(
        (0..clients).map(|number| Api::new(&balancer).registered_as(format!("client{number}"))),
    )
    .await;

    let seen = Arc::new(Mutex::new(Seen::default()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = browsers
        .into_iter()
        .enumerate()
        .map(|(number, browser)| tokio::spawn(client(browser, number, deadline, seen.clone())))
        .collect();

    tokio::time::sleep(Duration::from_secs(seconds / 3)).await;
    let killed_at = Instant::now();
    cluster.instances[1].kill();
    let dead_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds / 3)).await;
    let restarted_at = Instant::now();
    tokio::task::block_in_place(|| cluster.instances[1].restart());
    for worker in workers {
        worker.await.expect("client finished");
    }

    let pool = cluster.database.pool().await;
    let seen = std::mem::take(&mut *seen.lock().expect("lock"));
    let stored: Vec<(i64, String, bool)> =
        sqlx::query_as("SELECT id, title, completed FROM todos ORDER BY id")
            .fetch_all(&pool)
            .await
            .expect("todos");
    let mut by_title: HashMap<&str, Vec<(i64, bool)>> = HashMap::new();
    for (id, title, completed) in &stored {
        by_title.entry(title).or_default().push((*id, *completed));
    }
    let duplicated: Vec<_> = by_title.iter().filter(|(_, rows)| rows.len() > 1).collect();
    assert!(duplicated.is_empty(), "written twice: {duplicated:?}");
    for (title, id) in &seen.created {
        assert_eq!(
            by_title.get(title.as_str()).map(|rows| rows[0].0),
            Some(*id),
            "acknowledged todo {title} is missing"
        );
    }
    let completed: HashMap<i64, bool> = stored.iter().map(|(id, _, done)| (*id, *done)).collect();
    for id in &seen.completed {
        assert_eq!(
            completed.get(id),
            Some(&true),
            "acknowledged toggle of {id} lost"
        );
    }
    // Only requests already on their way while the instance died may fail: a request sent to a dead instance
    // is retried elsewhere by HAProxy, and each client has one request in flight at a time. The window ends
    // when the process is reaped, however long that takes; the grace is HAProxy noticing its closed sockets.
    // Within a second, even with 200 clients on two cores; a request sent after that must not fail.
    let grace = Duration::from_secs(1);
    for failure in &seen.failures {
        assert!(
            failure.sent <= dead_at + grace && failure.failed >= killed_at,
            "a request not in flight at the kill failed: {} (sent {:?} after the kill)",
            failure.what,
            failure.sent.saturating_duration_since(killed_at)
        );
    }
    assert!(
        seen.failures.len() <= usize::try_from(clients).expect("a count"),
        "{} failures for {clients} clients",
        seen.failures.len()
    );
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for failure in &seen.failures {
        *kinds.entry(&failure.kind).or_default() += 1;
    }
    println!(
        "{} todos acknowledged, {} toggles; {} requests in flight on the killed instance failed {kinds:?}; \
         restarted {:?} after the kill",
        seen.created.len(),
        seen.completed.len(),
        seen.failures.len(),
        restarted_at - killed_at
    );
}

/// Creates a todo and marks it completed, again and again until `deadline`, noting what was acknowledged.
async fn client(browser: Api, number: usize, deadline: Instant, seen: Arc<Mutex<Seen>>) {
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let title = format!("client {number} todo {n}");
        let sent = Instant::now();
        let created = browser
            .raw(Method::POST, "/api/todos")
            .timeout(CLIENT_TIMEOUT)
            .json(&json!({"title": title}))
            .send()
            .await;
        let body = match created {
            Ok(response) if response.status() == StatusCode::CREATED => {
                response.json::<serde_json::Value>().await
            }
            answer => {
                let what = format!("create {title}: {answer:?}");
                seen.lock()
                    .expect("lock")
                    .fail(sent, kind_of(&answer), what);
                continue;
            }
        };
        // A 201 whose body was cut off is not an acknowledgement either.
        let Some(id) = body.ok().and_then(|body| body["id"].as_i64()) else {
            let what = format!("create {title}: body cut off");
            seen.lock()
                .expect("lock")
                .fail(sent, "body cut off".into(), what);
            continue;
        };
        seen.lock().expect("lock").created.insert(title.clone(), id);
        let sent = Instant::now();
        let toggled = browser
            .raw(Method::PATCH, &format!("/api/todos/{id}"))
            .timeout(CLIENT_TIMEOUT)
            .json(&json!({"completed": true}))
            .send()
            .await;
        match toggled {
            Ok(response) if response.status() == StatusCode::OK => {
                seen.lock().expect("lock").completed.push(id);
            }
            answer => {
                let what = format!("toggle {id}: {answer:?}");
                seen.lock()
                    .expect("lock")
                    .fail(sent, kind_of(&answer), what);
            }
        }
    }
}

/// A loopback port no other test is given and the kernel never picks for a `127.0.0.1:0` socket: one outside
/// the range it picks from (`ip_local_port_range`), below it or above it. For a server that must come back on
/// the same address after a kill, where a port freed for a moment could be taken by a test beside it. Each
/// test process starts at its own place (its id), so two runs on one machine do not hand out the same ports.
pub fn unshared_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let range: Vec<u32> = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|bound| bound.parse().ok())
        .collect();
    let (low, high) = match range[..] {
        [low, high] => (low, high),
        _ => (32_768, 60_999),
    };
    // Well above the fixed ports people use (the end-to-end server's 3100 and the like).
    let outside: Vec<u32> = (10_000..low).chain(high + 1..=65_535).collect();
    assert!(!outside.is_empty(), "the kernel picks from every port");
    let start = std::process::id().wrapping_mul(97) as usize;
    loop {
        let turn = NEXT.fetch_add(1, Ordering::Relaxed) as usize;
        assert!(turn < outside.len(), "no unshared port left");
        let port = u16::try_from(outside[(start + turn) % outside.len()]).expect("a port");
        // Taken by another program of the machine: the next one.
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Api {
    /// [`Api::registered`] with an owned name, for futures that outlive the caller's borrow.
    pub async fn registered_as(self, username: String) -> Self {
        self.registered(&username).await
    }
}
