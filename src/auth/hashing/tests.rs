//! Tests of password hashing: parameters, verification, upgrades, the hashing line and its threads.

use super::*;
use std::{collections::HashMap, path::Path};

/// Cheap parameters keep the tests fast; the shipped defaults are measured by `examples/password_timing.rs`.
fn hasher_settings() -> Settings {
    Settings::load_with_env(Path::new("Leptos.toml"), HashMap::new()).expect("config")
}

fn hasher(memory_kib: u32, iterations: u32) -> PasswordHasher {
    let mut settings = hasher_settings();
    settings.argon2_memory_kib = memory_kib;
    settings.argon2_iterations = iterations;
    PasswordHasher::new(&settings).expect("valid parameters")
}

fn password(text: &str) -> Password {
    Password::parse(text, &[]).expect("valid password")
}

#[tokio::test]
async fn a_hash_verifies_its_password_and_no_other() {
    let hasher = hasher(1024, 1);
    let hash = hasher
        .hash(&password("correct horse battery"))
        .await
        .expect("hash");
    assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
    assert!(!hash.contains("correct horse"));
    assert_only_correct_horse_battery_matches(&hasher, &hash).await;
}

/// `stored` verifies "correct horse battery", current parameters, and not a password one letter off.
async fn assert_only_correct_horse_battery_matches(hasher: &PasswordHasher, stored: &str) {
    let right = hasher.verify("correct horse battery", stored).await;
    assert_eq!(
        right.expect("verify"),
        Verification::Match {
            needs_rehash: false
        }
    );
    let wrong = hasher.verify("correct horse batterY", stored).await;
    assert_eq!(wrong.expect("verify"), Verification::Mismatch);
}

#[tokio::test]
async fn the_same_password_gets_a_different_salt_each_time() {
    let hasher = hasher(1024, 1);
    let first = hasher
        .hash(&password("correct horse battery"))
        .await
        .expect("hash");
    let second = hasher
        .hash(&password("correct horse battery"))
        .await
        .expect("hash");
    assert_ne!(first, second);
}

#[tokio::test]
async fn a_hash_with_outdated_parameters_asks_to_be_upgraded() {
    let old = hasher(1024, 1)
        .hash(&password("correct horse battery"))
        .await
        .expect("hash");
    assert_eq!(
        hasher(2048, 2)
            .verify("correct horse battery", &old)
            .await
            .expect("verify"),
        Verification::Match { needs_rehash: true }
    );
}

#[tokio::test]
async fn a_password_is_the_same_in_every_unicode_form_and_hashes_from_before_still_work() {
    let hasher = hasher(1024, 1);
    // "ë" as one character and "ﬁ" as a ligature; then "e" with a combining diaeresis and "fi".
    let (composed, decomposed) = ("Zoë’s ﬁne passphrase", "Zoe\u{308}’s fine passphrase");
    let hash = hasher.hash(&password(composed)).await.expect("hash");
    for typed in [composed, decomposed] {
        assert_eq!(
            hasher.verify(typed, &hash).await.expect("verify"),
            Verification::Match {
                needs_rehash: false
            },
            "{typed}"
        );
    }
    assert_eq!(
        hasher
            .verify("Zoë’s ﬁne passphrasE", &hash)
            .await
            .expect("verify"),
        Verification::Mismatch
    );

    // Made before normalising, from the characters as typed: it works, and asks to be replaced.
    use argon2::PasswordHasher as _;
    let before = argon2id(hasher.params.clone())
        .hash_password(decomposed.as_bytes(), &SaltString::generate(&mut OsRng))
        .expect("hash")
        .to_string();
    assert_eq!(
        hasher.verify(decomposed, &before).await.expect("verify"),
        Verification::Match { needs_rehash: true }
    );
    assert_eq!(
        hasher
            .verify("Zoe\u{308}’s fine passphrasE", &before)
            .await
            .expect("verify"),
        Verification::Mismatch
    );
}

#[tokio::test]
async fn a_malformed_stored_hash_is_an_error_not_a_match() {
    let result = hasher(1024, 1)
        .verify("anything at all", "not-a-phc-string")
        .await;
    assert!(
        matches!(result, Err(HashingError::MalformedHash(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_decoy_check_runs_without_an_account() {
    hasher(1024, 1)
        .verify_decoy("whatever was typed")
        .await
        .expect("decoy");
}

#[tokio::test]
async fn hashes_made_by_the_argon2_crate_itself_verify() {
    // Hashes stored before the hashing threads computed in their own memory were the crate's own.
    use argon2::password_hash::PasswordHasher as _;
    let params = Params::new(1024, 1, 1, None).expect("parameters");
    let salt = SaltString::generate(&mut OsRng);
    let stored = argon2id(params)
        .hash_password(b"correct horse battery", &salt)
        .expect("hash")
        .to_string();
    assert_only_correct_horse_battery_matches(&hasher(1024, 1), &stored).await;
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn hashing_threads_run_below_the_priority_of_requests() {
    // Each of this hasher's threads reports its own nice value, never another hasher's: tests beside this
    // one start hashing threads of their own, which run for a moment at the nice value they inherit.
    // All jobs wait until every thread holds one, so each thread is seen once.
    const THREADS: usize = 2;
    let mut settings = hasher_settings();
    settings.password_hashing_concurrency = THREADS as u32;
    let hasher = PasswordHasher::new(&settings).expect("valid parameters");
    let all_busy = Arc::new(Rendezvous::new(THREADS));
    let reports = (0..THREADS).map(|_| {
        let all_busy = Arc::clone(&all_busy);
        hasher.threads.run(move |_| {
            all_busy.arrive();
            Ok((std::thread::current().id(), nice_value_of_this_thread()))
        })
    });
    let reports: Vec<_> = futures::future::join_all(reports)
        .await
        .into_iter()
        .map(|report| report.expect("a thread answered"))
        .collect();

    let configured = i64::from(settings.password_hashing_niceness.get());
    assert!(
        configured > 0,
        "the shipped configuration lowers hashing's priority"
    );
    // The hasher's threads start from this thread's nice value, whatever the test runs under.
    let requests = nice_value_of_this_thread();
    let expected = (requests + configured).min(19);
    let threads: std::collections::HashSet<_> = reports.iter().map(|(thread, _)| *thread).collect();
    assert_eq!(threads.len(), THREADS, "every hashing thread answered");
    assert!(
        reports.iter().all(|(_, nice)| *nice == expected),
        "requests at {requests}, expected {expected}: {reports:?}"
    );
}

/// The calling thread's nice value, as the kernel schedules it.
#[cfg(target_os = "linux")]
fn nice_value_of_this_thread() -> i64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("thread stat");
    // Field 19 is the nice value; the name (field 2) may hold spaces but ends with ')'.
    let after_name = stat.rsplit_once(')').expect("stat has a name").1;
    after_name
        .split_whitespace()
        .nth(16)
        .and_then(|field| field.parse().ok())
        .expect("a nice value")
}

/// Makes `parties` threads wait for each other; a party that waits in vain for half a minute panics, so a
/// missing thread fails the test instead of hanging it.
#[cfg(target_os = "linux")]
struct Rendezvous {
    parties: usize,
    arrived: std::sync::Mutex<usize>,
    all_here: std::sync::Condvar,
}

#[cfg(target_os = "linux")]
impl Rendezvous {
    fn new(parties: usize) -> Self {
        Self {
            parties,
            arrived: std::sync::Mutex::new(0),
            all_here: std::sync::Condvar::new(),
        }
    }

    fn arrive(&self) {
        let mut arrived = self.arrived.lock().expect("not poisoned");
        *arrived += 1;
        self.all_here.notify_all();
        let (arrived, waited) = self
            .all_here
            .wait_timeout_while(arrived, std::time::Duration::from_secs(30), |arrived| {
                *arrived < self.parties
            })
            .expect("not poisoned");
        drop(arrived);
        assert!(!waited.timed_out(), "not every hashing thread took a job");
    }
}

#[test]
fn parameters_argon2_rejects_are_a_configuration_error() {
    let mut settings =
        Settings::load_with_env(Path::new("Leptos.toml"), HashMap::new()).expect("config");
    settings.argon2_iterations = 0;
    let error = PasswordHasher::new(&settings)
        .expect_err("t = 0 is refused")
        .to_string();
    assert!(error.contains("argon2_iterations"), "{error}");
}
