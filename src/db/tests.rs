//! Tests of the engine choice and of redacting database URLs.

use super::{redacted, Engine};

#[test]
fn the_scheme_chooses_the_engine() {
    assert_eq!(
        Engine::of_url("sqlite://data/leptodo.db"),
        Some(Engine::Sqlite)
    );
    assert_eq!(
        Engine::of_url("postgres://u:p@localhost/leptodo"),
        Some(Engine::Postgres)
    );
    assert_eq!(
        Engine::of_url("postgresql://localhost/leptodo"),
        Some(Engine::Postgres)
    );
    for other in ["mysql://localhost/db", "data/leptodo.db", "postgres:", ""] {
        assert_eq!(Engine::of_url(other), None, "{other}");
    }
}

#[test]
fn passwords_never_reach_a_message() {
    let shown = redacted("postgres://ann:s3cret@db.example.com:5432/leptodo");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("ann") && shown.contains("db.example.com"));
    assert_eq!(
        redacted("sqlite://data/leptodo.db"),
        "sqlite://data/leptodo.db"
    );
    for url in [
        "postgres://ann@db.example.com/leptodo?sslmode=require&password=s3cret",
        "postgres://db.example.com/leptodo?sslpassword=s3cret&PASSWORD=s3cret",
        // Not a URL (a bad IPv6 host), but a password all the same.
        "postgres://ann:s3cret@[db/leptodo",
    ] {
        let shown = redacted(url);
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.starts_with("postgres"), "{shown}");
    }
    assert!(redacted("postgres://db/x?sslmode=require&password=p").contains("sslmode=require"));
}
