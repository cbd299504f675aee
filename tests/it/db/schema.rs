//! The migrated schema (of either engine) enforces what the application relies on, whatever code writes to it.

use crate::common;

use common::TestDatabase;
use sqlx::AnyPool;

async fn migrated_database() -> (AnyPool, TestDatabase) {
    let database = TestDatabase::new();
    let pool = database.app_pool().await;
    pool.migrate().await.expect("migrations apply");
    pool.close().await;
    (database.pool().await, database)
}

/// Inserts a user as the application does, with the email's Unicode key.
async fn insert_user(pool: &AnyPool, email: &str, username: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (email, email_key, username, name, password_hash, session_secret, created_at,
             updated_at)
         VALUES ($1, $2, $3, 'Ann', '$argon2id$stub', 'secret', '2026-01-01T00:00:00Z',
             '2026-01-01T00:00:00Z')
         RETURNING id",
    )
    .bind(email)
    .bind(leptodo::auth::identity::email_key(email))
    .bind(username)
    .fetch_one(pool)
    .await
}

#[tokio::test]
async fn the_user_and_admin_roles_are_seeded() {
    let (pool, _database) = migrated_database().await;
    let roles: Vec<String> = sqlx::query_scalar("SELECT name FROM roles ORDER BY name")
        .fetch_all(&pool)
        .await
        .expect("roles");
    assert_eq!(roles, ["admin", "user"]);
}

#[tokio::test]
async fn emails_and_usernames_are_unique_whatever_their_case() {
    let (pool, _database) = migrated_database().await;
    insert_user(&pool, "Ann@example.com", "AnnLee")
        .await
        .expect("first");
    let same_email = insert_user(&pool, "ann@example.com", "Other").await;
    assert!(
        same_email.is_err_and(|e| {
            let message = e.to_string();
            message.contains("users_email_key") || message.contains("users.email_key")
        }),
        "duplicate email accepted"
    );
    let same_username = insert_user(&pool, "other@example.com", "annlee").await;
    assert!(
        same_username.is_err_and(|e| e.to_string().contains("users_username_key")),
        "duplicate username accepted"
    );
}

#[tokio::test]
async fn deleting_a_user_deletes_their_role_grants() {
    let (pool, _database) = migrated_database().await;
    let id = insert_user(&pool, "ann@example.com", "ann")
        .await
        .expect("user");
    sqlx::query(
        "INSERT INTO roles_users (user_id, role_id) SELECT $1, id FROM roles WHERE name = 'user'",
    )
    .bind(id)
    .execute(&pool)
    .await
    .expect("grant");
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .expect("delete");
    let grants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM roles_users")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(grants, 0);
}

#[tokio::test]
async fn a_grant_must_name_an_existing_user() {
    let (pool, _database) = migrated_database().await;
    let orphan = sqlx::query("INSERT INTO roles_users (user_id, role_id) VALUES (999, 1)")
        .execute(&pool)
        .await;
    assert!(orphan.is_err(), "foreign keys are not enforced");
}

#[tokio::test]
async fn a_sqlite_database_runs_in_wal_mode_and_syncs_every_commit() {
    let database = TestDatabase::new();
    // SQLite's own settings, on the application's pool (they are per connection).
    let leptodo::db::Pool::Sqlite { writer, .. } = database.app_pool().await else {
        return;
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&writer)
        .await
        .expect("journal mode");
    assert_eq!(mode, "wal");
    // 2 = FULL: a commit is on disk before the request that made it is answered.
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&writer)
        .await
        .expect("synchronous");
    assert_eq!(synchronous, 2);
}

#[tokio::test]
async fn sqlite_reading_connections_see_every_commit_and_cannot_write() {
    let database = TestDatabase::new();
    let pool = database.app_pool().await;
    pool.migrate().await.expect("migrations apply");
    let leptodo::db::Pool::Sqlite { writer, readers } = &pool else {
        return;
    };
    sqlx::query("INSERT INTO roles (name, description) VALUES ('editor', 'Edits')")
        .execute(writer)
        .await
        .expect("the writer writes");
    let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM roles WHERE name = 'editor'")
        .fetch_one(readers)
        .await
        .expect("a reader reads");
    assert_eq!(seen, 1, "a commit is visible to the next read at once");
    let refused = sqlx::query("DELETE FROM roles WHERE name = 'editor'")
        .execute(readers)
        .await
        .expect_err("a reading connection refuses to write");
    assert!(refused.to_string().contains("readonly"), "{refused}");
}
