//! Registering and logging in, through the same service functions the pages and the API call, on a real
//! database per test (SQLite, or PostgreSQL when the run is for it).

use crate::common;

use common::TestDatabase;

use leptodo::{
    auth::{
        hashing::PasswordHasher,
        password_change::PasswordChangeInput,
        queries,
        registration::RegistrationInput,
        service::{authenticate, change_password, register, LoginAttempt, SignIn},
    },
    config::EmailConfirmation,
    error::AppError,
    state::AppState,
};

const PASSWORD: &str = "a long and unusual passphrase";

struct Accounts {
    state: AppState,
    database: TestDatabase,
}

async fn accounts() -> Accounts {
    accounts_with_cost(1024, 1).await
}

/// Cheap argon2 parameters keep the suite fast; the rules do not depend on them.
async fn accounts_with_cost(memory_kib: u32, iterations: u32) -> Accounts {
    let database = TestDatabase::new();
    let mut settings = common::test_settings();
    settings.database_url = database.url.clone();
    settings.argon2_memory_kib = memory_kib;
    settings.argon2_iterations = iterations;
    let pool = leptodo::startup::open_database(&settings)
        .await
        .expect("database");
    let address = "127.0.0.1:3000".parse().expect("address");
    Accounts {
        state: AppState::build(&settings, pool, address, false).expect("state"),
        database,
    }
}

/// The account of a sign-in that needed no second step (none of these accounts has two-factor sign-in).
fn complete(signed_in: SignIn) -> queries::UserRecord {
    match signed_in {
        SignIn::Complete(user) => user,
        SignIn::SecondStep(_) => panic!("no account here has two-factor sign-in"),
    }
}

fn form(email: &str, username: &str) -> RegistrationInput {
    RegistrationInput {
        email: email.into(),
        username: username.into(),
        name: "Ann Lee".into(),
        website: String::new(),
        password: PASSWORD.into(),
        password_confirm: PASSWORD.into(),
    }
}

impl Accounts {
    /// Logs in from no particular address.
    async fn log_in(&self, login: &str, password: &str) -> Result<queries::UserRecord, AppError> {
        authenticate(
            &self.state.pool,
            &self.state.hasher,
            &self.state.throttle,
            LoginAttempt {
                login,
                password,
                ip: None,
                device: None,
                remembered: None,
            },
            EmailConfirmation::Optional,
        )
        .await
        .map(complete)
    }
}

/// Registers Ann with the standard password.
async fn register_ann(app: &Accounts) -> queries::UserRecord {
    register(&app.state, &form("ann@example.com", "annlee"), None)
        .await
        .map(|registered| registered.user)
        .expect("registered")
}

fn field_error(error: &AppError, field: &str) -> String {
    error
        .fields()
        .and_then(|fields| fields.get(field))
        .map(|messages| messages.join(" "))
        .unwrap_or_else(|| panic!("no message for {field}: {error:?}"))
}

#[tokio::test]
async fn registration_stores_a_normalised_account_with_the_user_role() {
    let app = accounts().await;
    let mut input = form("  Ann.Lee@EXAMPLE.com ", "AnnLee");
    input.website = "https://Example.com/ann".into();
    let user = register(&app.state, &input, Some("127.0.0.1"))
        .await
        .map(|registered| registered.user)
        .expect("registered");
    assert_eq!(user.email, "Ann.Lee@example.com");
    assert_eq!(user.username, "AnnLee");
    assert_eq!(user.website.as_deref(), Some("https://example.com/ann"));
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert!(!user.password_hash.contains(PASSWORD));
    assert_eq!(user.login_count, 1, "registering logs the user in");
    assert_eq!(user.current_login_ip.as_deref(), Some("127.0.0.1"));
    let roles = queries::role_names(&app.state.pool, user.id)
        .await
        .expect("roles");
    assert_eq!(roles, ["user"]);
}

#[tokio::test]
async fn a_taken_email_or_username_is_a_field_conflict_whatever_the_case() {
    let app = accounts().await;
    register_ann(&app).await;

    let error = register(&app.state, &form("ANN@Example.COM", "other"), None)
        .await
        .map(|registered| registered.user)
        .expect_err("same email");
    assert_eq!(error.status(), 409);
    assert!(field_error(&error, "email").contains("already registered"));

    let error = register(&app.state, &form("other@example.com", "ANNLEE"), None)
        .await
        .map(|registered| registered.user)
        .expect_err("same username");
    assert_eq!(error.status(), 409);
    assert!(field_error(&error, "username").contains("taken"));
}

#[tokio::test]
async fn invalid_registrations_store_nothing() {
    let app = accounts().await;
    let mut input = form("not-an-email", "a");
    input.password = "password".into();
    input.password_confirm = "password".into();
    let error = register(&app.state, &input, None)
        .await
        .map(|registered| registered.user)
        .expect_err("invalid");
    assert_eq!(error.status(), 422);
    field_error(&error, "email");
    field_error(&error, "username");
    field_error(&error, "password");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.database.pool().await)
        .await
        .expect("count");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn sql_and_html_metacharacters_are_stored_literally() {
    let app = accounts().await;
    let mut input = form("o'brien@example.com", "obrien");
    input.name = "Robert'); DROP TABLE users;-- <script>alert(1)</script>".into();
    let user = register(&app.state, &input, None)
        .await
        .map(|registered| registered.user)
        .expect("registered");
    let stored = queries::find_by_id(&app.state.pool, user.id)
        .await
        .expect("query")
        .expect("still there");
    assert_eq!(stored.name, input.name);
    assert_eq!(stored.email, "o'brien@example.com");
}

#[tokio::test]
async fn login_works_with_email_or_username_in_any_case() {
    let app = accounts().await;
    register(&app.state, &form("ann@example.com", "AnnLee"), None)
        .await
        .map(|registered| registered.user)
        .expect("registered");
    for login in ["ann@example.com", "ANN@EXAMPLE.COM", "annlee", " AnnLee "] {
        app.log_in(login, PASSWORD)
            .await
            .unwrap_or_else(|error| panic!("{login:?}: {error:?}"));
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = accounts().await;
    register_ann(&app).await;
    let wrong_password = app
        .log_in("annlee", "not the passphrase")
        .await
        .expect_err("wrong password");
    let unknown = app
        .log_in("nobody", PASSWORD)
        .await
        .expect_err("unknown account");
    assert_eq!(wrong_password, AppError::InvalidCredentials);
    assert_eq!(unknown, wrong_password);
    assert_eq!(unknown.to_string(), wrong_password.to_string());
}

#[tokio::test]
async fn blank_fields_are_reported_per_field() {
    let app = accounts().await;
    let error = app.log_in("  ", "").await.expect_err("blank");
    assert_eq!(error.status(), 422);
    field_error(&error, "login");
    field_error(&error, "password");
}

#[tokio::test]
async fn overlong_input_is_refused_without_error() {
    let app = accounts().await;
    let long = "x".repeat(100_000);
    let result = app.log_in(&long, PASSWORD).await;
    assert!(
        matches!(result, Err(AppError::InvalidCredentials)),
        "{result:?}"
    );
    let result = app.log_in("annlee", &long).await;
    assert!(
        matches!(result, Err(AppError::InvalidCredentials)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_deactivated_account_is_told_so_only_after_the_right_password() {
    let app = accounts().await;
    let user = register_ann(&app).await;
    sqlx::query("UPDATE users SET active = FALSE WHERE id = $1")
        .bind(user.id)
        .execute(&app.database.pool().await)
        .await
        .expect("deactivate");
    let wrong = app
        .log_in("annlee", "not the passphrase")
        .await
        .expect_err("wrong password");
    assert_eq!(wrong, AppError::InvalidCredentials);
    let right = app.log_in("annlee", PASSWORD).await.expect_err("inactive");
    assert_eq!(right, AppError::Inactive);
    assert_eq!(right.status(), 403);
}

#[tokio::test]
async fn each_login_shifts_the_trackable_fields() {
    let app = accounts().await;
    register(
        &app.state,
        &form("ann@example.com", "annlee"),
        Some("10.0.0.1"),
    )
    .await
    .map(|registered| registered.user)
    .expect("registered");
    let user = authenticate(
        &app.state.pool,
        &app.state.hasher,
        &app.state.throttle,
        LoginAttempt {
            login: "annlee",
            password: PASSWORD,
            ip: Some("10.0.0.2"),
            device: None,
            remembered: None,
        },
        EmailConfirmation::Optional,
    )
    .await
    .map(complete)
    .expect("login");
    assert_eq!(user.login_count, 2);
    assert_eq!(user.last_login_ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(user.current_login_ip.as_deref(), Some("10.0.0.2"));
    assert!(user.last_login_at.is_some());
    let moment = |at: &Option<leptodo::timestamp::Timestamp>| {
        at.as_ref()
            .map(|at| at.to_date_time().expect("a valid moment"))
    };
    assert!(moment(&user.current_login_at) >= moment(&user.last_login_at));
}

#[tokio::test]
async fn an_outdated_hash_is_upgraded_at_the_next_login() {
    let old = accounts_with_cost(1024, 1).await;
    let user = register_ann(&old).await;
    assert!(user.password_hash.contains("m=1024,t=1"));

    // Same database, stronger parameters: as after an operator raised them in Leptos.toml.
    let mut settings = common::test_settings();
    settings.argon2_memory_kib = 2048;
    settings.argon2_iterations = 2;
    let stronger = PasswordHasher::new(&settings).expect("hasher");
    authenticate(
        &old.state.pool,
        &stronger,
        &old.state.throttle,
        LoginAttempt {
            login: "annlee",
            password: PASSWORD,
            ip: None,
            device: None,
            remembered: None,
        },
        EmailConfirmation::Optional,
    )
    .await
    .map(complete)
    .expect("old hash still logs in");
    let upgraded = queries::find_by_id(&old.state.pool, user.id)
        .await
        .expect("query")
        .expect("user");
    assert!(
        upgraded.password_hash.contains("m=2048,t=2"),
        "{}",
        upgraded.password_hash
    );
    authenticate(
        &old.state.pool,
        &stronger,
        &old.state.throttle,
        LoginAttempt {
            login: "annlee",
            password: PASSWORD,
            ip: None,
            device: None,
            remembered: None,
        },
        EmailConfirmation::Optional,
    )
    .await
    .map(complete)
    .expect("new hash logs in");
}

fn change(current: &str, new: &str) -> PasswordChangeInput {
    PasswordChangeInput {
        current_password: current.into(),
        new_password: new.into(),
        new_password_confirm: new.into(),
    }
}

#[tokio::test]
async fn a_password_change_needs_the_current_password() {
    let app = accounts().await;
    let user = register_ann(&app).await;
    let error = change_password(
        &app.state,
        &user,
        &change("not my password", "a brand new passphrase"),
        None,
    )
    .await
    .expect_err("wrong current password");
    assert_eq!(error.status(), 422);
    field_error(&error, "current_password");
    app.log_in("annlee", PASSWORD)
        .await
        .expect("the old password still works");
}

#[tokio::test]
async fn a_password_change_replaces_the_password_and_the_session_secret() {
    let app = accounts().await;
    let user = register_ann(&app).await;
    let changed = change_password(
        &app.state,
        &user,
        &change(PASSWORD, "a brand new passphrase"),
        None,
    )
    .await
    .expect("changed");
    assert_ne!(changed.session_secret, user.session_secret);
    assert_ne!(changed.password_hash, user.password_hash);
    assert_eq!(
        app.log_in("annlee", PASSWORD).await.map(|_| ()),
        Err(AppError::InvalidCredentials)
    );
    app.log_in("annlee", "a brand new passphrase")
        .await
        .expect("the new password works");
}

#[tokio::test]
async fn a_weak_new_password_is_refused_even_with_the_right_current_one() {
    let app = accounts().await;
    let user = register_ann(&app).await;
    let error = change_password(&app.state, &user, &change(PASSWORD, "password1"), None)
        .await
        .expect_err("common password");
    assert!(field_error(&error, "new_password").contains("commonly used"));
    assert!(error
        .fields()
        .and_then(|f| f.get("current_password"))
        .is_none());
}
