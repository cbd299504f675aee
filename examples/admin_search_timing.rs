//! Measures the admin users table on a large site: one page of `/admin` (the query behind it and
//! `GET /api/admin/users`) with 100,000 accounts, every hundredth keeping 20 todos.
//!
//! Run: `cargo run --release --features ssr --example admin_search_timing`

use std::{collections::HashMap, path::Path, time::Instant};

use leptodo::{admin::queries, config::Settings, db};

const USERS: i64 = 100_000;
const RUNS: usize = 20;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::load_with_env(Path::new("Leptos.toml"), HashMap::new())?;
    settings.database_url = format!("sqlite://{}", dir.path().join("leptodo.db").display());
    let pool = leptodo::startup::open_database(&settings).await?;

    let db::Pool::Sqlite { writer: sqlite, .. } = &pool else {
        return Err("the example seeds a SQLite file".into());
    };
    let started = Instant::now();
    let mut transaction = sqlite.begin().await?;
    for n in 1..=USERS {
        sqlx::query(
            "INSERT INTO users (id, email, username, name, password_hash, session_secret, created_at, updated_at)
             VALUES (?1, 'member' || ?1 || '@example.com', 'member' || ?1, 'Member', 'x', 'x',
                     '2026-11-23T00:00:00Z', '2026-11-23T00:00:00Z')",
        )
        .bind(n)
        .execute(&mut *transaction)
        .await?;
        sqlx::query("INSERT INTO roles_users (user_id, role_id) SELECT ?, id FROM roles WHERE name = 'user'")
            .bind(n)
            .execute(&mut *transaction)
            .await?;
        if n % 100 == 0 {
            for _ in 0..20 {
                sqlx::query(
                    "INSERT INTO todos (user_id, title, created_at, updated_at)
                     VALUES (?, 'a todo', '2026-11-23T00:00:00Z', '2026-11-23T00:00:00Z')",
                )
                .bind(n)
                .execute(&mut *transaction)
                .await?;
            }
        }
    }
    transaction.commit().await?;
    println!(
        "seeded {USERS} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let last_page = u32::try_from((USERS + 49) / 50)?;
    for (label, query, page) in [
        ("first page, no search", "", 1),
        ("last page, no search", "", last_page),
        ("search matching 111 users, page 1", "member777", 1),
        ("search matching one user", "member99999@", 1),
        ("search matching nobody", "nobody", 1),
    ] {
        let mut timings = Vec::with_capacity(RUNS);
        let mut found = None;
        for _ in 0..RUNS {
            let started = Instant::now();
            let listing = queries::search_users(&pool, query, page).await?;
            timings.push(started.elapsed().as_secs_f64() * 1000.0);
            found = Some((listing.total, listing.users.len()));
        }
        timings.sort_by(f64::total_cmp);
        let (total, shown) = found.unwrap_or_default();
        println!(
            "{label}: {total} matching, {shown} shown; median {:.1} ms, max {:.1} ms",
            timings[RUNS / 2],
            timings[RUNS - 1]
        );
    }
    Ok(())
}
