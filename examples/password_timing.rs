//! Measures what one login costs: a single argon2id verification with the parameters in Leptos.toml, then the
//! throughput of many at once through the bounded hasher.
//!
//! Run: `cargo run --release --features ssr --example password_timing`

use std::{path::Path, time::Instant};

use leptodo::{
    auth::hashing::{PasswordHasher, Verification},
    config::Settings,
    domain::Password,
};

const SEQUENTIAL: usize = 20;
const CONCURRENT: usize = 32;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::load(Path::new("Leptos.toml"))?;
    let hasher = PasswordHasher::new(&settings)?;
    let password = Password::parse("a reasonably long passphrase", &[])?;
    let hash = hasher.hash(&password).await?;
    println!("parameters: {}", hash.split('$').nth(3).unwrap_or("?"));

    let mut timings = Vec::with_capacity(SEQUENTIAL);
    for _ in 0..SEQUENTIAL {
        let started = Instant::now();
        let outcome = hasher.verify(password.expose(), &hash).await?;
        timings.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(
            outcome,
            Verification::Match {
                needs_rehash: false
            }
        );
    }
    timings.sort_by(f64::total_cmp);
    println!(
        "one verification, {SEQUENTIAL} runs: min {:.1} ms, median {:.1} ms, max {:.1} ms",
        timings[0],
        timings[SEQUENTIAL / 2],
        timings[SEQUENTIAL - 1]
    );

    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let hasher = hasher.clone();
            let hash = hash.clone();
            let password = password.expose().to_owned();
            tokio::spawn(async move { hasher.verify(&password, &hash).await })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{CONCURRENT} verifications at once: {:.2} s in all, {:.1} logins/s",
        elapsed,
        CONCURRENT as f64 / elapsed
    );
    Ok(())
}
