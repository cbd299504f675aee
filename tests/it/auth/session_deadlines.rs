//! Session lifetimes — idle and absolute deadlines, "remember me" — on the real session store of the run's
//! engine, through the clock seam `current_user_at`, so hours pass without waiting.

use crate::common;

use std::sync::Arc;

use common::{TestDatabase, PASSWORD};
use leptodo::{
    auth::{
        device::Client,
        queries::UserRecord,
        reauth,
        registration::RegistrationInput,
        service,
        session::{current_user_at, log_in},
        two_factor::pending,
    },
    db::{unix_now, Pool},
    session_store::{SessionPolicy, Store},
    state::AppState,
};
use tower_sessions::{
    session::{Id, Record},
    session_store::ExpiredDeletion,
    Session, SessionStore,
};

struct Fixture {
    pool: Pool,
    store: Arc<Store>,
    policy: SessionPolicy,
    user: UserRecord,
    database: TestDatabase,
}

/// A real database with Ann registered, idle timeout 30 minutes.
async fn fixture() -> Fixture {
    let database = TestDatabase::new();
    let mut settings = common::test_settings();
    settings.database_url = database.url.clone();
    settings.session_idle_minutes = 30;
    settings.session_absolute_hours = 12;
    let pool = leptodo::startup::open_database(&settings)
        .await
        .expect("database");
    let store = Store::new(&pool);
    let form = RegistrationInput {
        email: "ann@example.com".into(),
        username: "annlee".into(),
        name: "Ann Lee".into(),
        website: String::new(),
        password: PASSWORD.into(),
        password_confirm: PASSWORD.into(),
    };
    let address = "127.0.0.1:3000".parse().expect("address");
    let state = AppState::build(&settings, pool.clone(), address, false).expect("state");
    let user = service::register(&state, &form, None)
        .await
        .expect("registration")
        .user;
    Fixture {
        pool,
        store: Arc::new(store),
        policy: SessionPolicy::new(&settings),
        user,
        database,
    }
}

/// A new login of Ann's, and the clock's seconds just before and just after it: its deadlines count from a
/// moment in between, so a check "still valid" counts from `before` and a check "over" from `after`, and a
/// pause of the machine between the steps cannot flip either.
async fn log_in_now(fixture: &Fixture, remember: bool) -> (Session, i64, i64) {
    let session = Session::new(None, fixture.store.clone(), None);
    let before = unix_now();
    log_in(
        &session,
        fixture.policy,
        &fixture.user,
        remember,
        &Client::default(),
    )
    .await
    .expect("log in");
    (session, before, unix_now())
}

async fn user_at(fixture: &Fixture, session: &Session, now: i64) -> Option<UserRecord> {
    current_user_at(session, fixture.policy, &fixture.pool, now)
        .await
        .expect("session readable")
}

#[tokio::test]
async fn a_session_without_remember_me_ends_after_the_idle_time() {
    let fixture = fixture().await;
    let (session, before, _) = log_in_now(&fixture, false).await;
    assert!(user_at(&fixture, &session, before + 30 * 60 - 1)
        .await
        .is_some());
    let (session, _, after) = log_in_now(&fixture, false).await;
    assert!(user_at(&fixture, &session, after + 30 * 60 + 1)
        .await
        .is_none());
}

#[tokio::test]
async fn activity_pushes_the_idle_deadline_back() {
    let fixture = fixture().await;
    let (session, mut now, _) = log_in_now(&fixture, false).await;
    // Six requests 25 minutes apart: three hours in all, never 30 idle minutes.
    for _ in 0..6 {
        now += 25 * 60;
        let user = current_user_at(&session, fixture.policy, &fixture.pool, now).await;
        assert!(user.expect("session readable").is_some());
    }
    let after_idling = now + 31 * 60;
    let user = current_user_at(&session, fixture.policy, &fixture.pool, after_idling).await;
    assert!(user.expect("session readable").is_none());
    // The idle session was deleted, not merely refused once.
    let again = current_user_at(&session, fixture.policy, &fixture.pool, now).await;
    assert!(again.expect("session readable").is_none());
}

#[tokio::test]
async fn remember_me_is_not_bound_by_the_idle_time() {
    let fixture = fixture().await;
    let (session, before, _) = log_in_now(&fixture, true).await;
    assert!(user_at(&fixture, &session, before + 11 * 3600)
        .await
        .is_some());
}

#[tokio::test]
async fn every_session_ends_at_the_absolute_limit_however_busy() {
    let fixture = fixture().await;
    for remember in [false, true] {
        let (session, before, after) = log_in_now(&fixture, remember).await;
        // A request every 20 minutes keeps the idle deadline away for the whole 12 hours …
        for request in 1..=36 {
            let now = before + request * 20 * 60 - 1;
            assert!(
                user_at(&fixture, &session, now).await.is_some(),
                "remember={remember}"
            );
        }
        // … and then the login is over.
        let end = after + 12 * 3600 + 1;
        assert!(
            user_at(&fixture, &session, end).await.is_none(),
            "remember={remember}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_instance_may_sweep_expired_sessions_at_the_same_time() {
    let fixture = fixture().await;
    // A second pool on the same database: another instance with its own sweeper.
    let other = Arc::new(Store::new(&fixture.database.app_pool().await));
    let record = |expires_in: time::Duration| Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() + expires_in,
    };
    for _ in 0..20 {
        fixture
            .store
            .create(&mut record(-time::Duration::hours(1)))
            .await
            .expect("saved");
    }
    let mut live = record(time::Duration::hours(1));
    fixture.store.create(&mut live).await.expect("saved");

    let sweeps = (0..10).map(|n| {
        let store = if n % 2 == 0 {
            fixture.store.clone()
        } else {
            other.clone()
        };
        async move { store.delete_expired().await }
    });
    for swept in futures::future::join_all(sweeps).await {
        swept.expect("a sweep does not fail because another one ran");
    }
    let remaining: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
        .fetch_one(&fixture.database.pool().await)
        .await
        .expect("count");
    assert_eq!(remaining, 1, "only the live session is left");
    let loaded = other.load(&live.id).await.expect("loads");
    assert_eq!(loaded.map(|record| record.id), Some(live.id));
}

#[tokio::test]
async fn a_session_deleted_while_a_request_used_it_is_not_written_back() {
    let fixture = fixture().await;
    let session = Session::new(None, fixture.store.clone(), None);
    log_in(
        &session,
        fixture.policy,
        &fixture.user,
        false,
        &Client::default(),
    )
    .await
    .expect("log in");
    session.save().await.expect("saved");
    let id = session.id().expect("an id");
    // A request loads the session …
    let in_flight = Session::new(Some(id), fixture.store.clone(), None);
    assert!(
        current_user_at(&in_flight, fixture.policy, &fixture.pool, unix_now())
            .await
            .expect("readable")
            .is_some()
    );
    // … the user logs out meanwhile …
    fixture.store.delete(&id).await.expect("logged out");
    // … and the request changes the session and saves it as it ends.
    in_flight
        .insert("auth.idle_deadline", unix_now() + 3600)
        .await
        .expect("changed");
    in_flight.save().await.expect("saved");
    assert!(fixture.store.load(&id).await.expect("loads").is_none());
}

#[tokio::test]
async fn a_login_opens_the_reauthentication_window_for_ten_minutes_and_no_longer() {
    let fixture = fixture().await;
    let (session, before, after) = log_in_now(&fixture, true).await;
    let fresh = |now| reauth::is_fresh_at(fixture.policy, &session, now);
    assert!(fresh(after).await.expect("readable"));
    assert!(fresh(before + 600).await.expect("readable"), "10 minutes");
    assert!(
        !fresh(after + 601).await.expect("readable"),
        "past 10 minutes"
    );
    // A remembered login outlives the window by far: an hour later it still needs the password again.
    assert!(!fresh(after + 3600).await.expect("readable"));
    assert!(user_at(&fixture, &session, after + 3600).await.is_some());
    // Entering the password again reopens it.
    let later = Session::new(None, fixture.store.clone(), None);
    reauth::mark(&later).await.expect("marked");
    assert!(reauth::is_fresh(fixture.policy, &later)
        .await
        .expect("readable"));
    let anonymous = Session::new(None, fixture.store.clone(), None);
    assert!(!reauth::is_fresh(fixture.policy, &anonymous)
        .await
        .expect("readable"));
}

#[tokio::test]
async fn a_second_step_waits_five_minutes_and_grants_no_login_meanwhile() {
    let fixture = fixture().await;
    let session = Session::new(None, fixture.store.clone(), None);
    let before = unix_now();
    pending::begin(&session, &fixture.user, false)
        .await
        .expect("begun");
    let after = unix_now();
    assert!(
        user_at(&fixture, &session, after).await.is_none(),
        "nobody is logged in before the second step"
    );
    let waiting = pending::current_at(&session, before + 300)
        .await
        .expect("readable")
        .expect("still waiting at 5 minutes");
    assert!(waiting.is_for(&fixture.user));
    assert!(pending::current_at(&session, after + 301)
        .await
        .expect("readable")
        .is_none());
    assert!(
        pending::current_at(&session, before)
            .await
            .expect("readable")
            .is_none(),
        "an expired step is dropped, not only hidden"
    );
}
