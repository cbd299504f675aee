//! Tests of the configuration: the shipped file, overrides by environment, and refusals of bad values.

use super::*;
use std::io::Write;

fn file_with(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    file.write_all(text.as_bytes())
        .expect("write temporary file");
    file
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn shipped_file_is_valid_and_uses_sqlite() {
    let settings = Settings::load_with_env(Path::new("Leptos.toml"), HashMap::new())
        .expect("the shipped Leptos.toml loads");
    assert!(settings.database_url.starts_with("sqlite:"));
    assert_eq!(settings.site_addr.to_string(), "127.0.0.1:3000");
    assert!(!settings.cookie_secure);
}

#[test]
fn cookies_are_secure_exactly_when_the_site_is_https_unless_told_and_a_contradiction_is_refused() {
    let file = file_with("");
    let secure = |pairs: &[(&str, &str)]| {
        Settings::load_with_env(file.path(), env(pairs)).map(|settings| settings.cookie_secure)
    };
    assert!(!secure(&[]).expect("defaults"));
    assert!(!secure(&[("LEPTODO_SITE_URL", "http://todo.example.com")]).expect("http"));
    assert!(secure(&[("LEPTODO_SITE_URL", " HTTPS://todo.example.com ")]).expect("https"));
    assert!(secure(&[("LEPTODO_COOKIE_SECURE", "true")]).expect("chosen"));
    let refused = secure(&[
        ("LEPTODO_SITE_URL", "https://todo.example.com"),
        ("LEPTODO_COOKIE_SECURE", "false"),
    ])
    .expect_err("a contradiction")
    .to_string();
    assert!(
        refused.contains("`cookie_secure`") && refused.contains("`site_url`"),
        "{refused}"
    );
    let refused = secure(&[("LEPTODO_COOKIE_SECURE", "maybe")]).expect_err("not a bool");
    assert!(refused.to_string().contains("cookie_secure"), "{refused}");
}

#[test]
fn missing_keys_take_defaults() {
    let file = file_with("");
    let settings = Settings::load_with_env(file.path(), HashMap::new()).expect("defaults");
    assert_eq!(settings.session_idle_minutes, 1440);
    assert_eq!(settings.log_format, LogFormat::Text);
    assert_eq!(
        (
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism
        ),
        (19_456, 2, 1)
    );
}

#[test]
fn environment_overrides_the_file_and_cargo_leptos_variables() {
    let file =
        file_with("database_url = \"sqlite://from-file.db\"\nsite_addr = \"127.0.0.1:4000\"\n");
    let settings = Settings::load_with_env(
        file.path(),
        env(&[
            ("LEPTODO_DATABASE_URL", "sqlite://from-env.db"),
            ("LEPTODO_COOKIE_SECURE", "true"),
            ("LEPTODO_SESSION_IDLE_MINUTES", "5"),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:5000"),
            ("LEPTOS_OUTPUT_NAME", "ignored"),
        ]),
    )
    .expect("overrides apply");
    assert_eq!(settings.database_url, "sqlite://from-env.db");
    assert!(settings.cookie_secure);
    assert_eq!(settings.session_idle_minutes, 5);
    assert_eq!(settings.site_addr.to_string(), "127.0.0.1:5000");

    let settings = Settings::load_with_env(
        file.path(),
        env(&[
            ("LEPTOS_SITE_ADDR", "127.0.0.1:5000"),
            ("LEPTODO_SITE_ADDR", "127.0.0.1:6000"),
        ]),
    )
    .expect("overrides apply");
    assert_eq!(settings.site_addr.to_string(), "127.0.0.1:6000");
}

#[test]
fn malformed_toml_names_the_file_and_line() {
    let file = file_with("site_addr = \"127.0.0.1:3000\"\ndatabase_url = sqlite://oops\n");
    let error = Settings::load_with_env(file.path(), HashMap::new())
        .expect_err("invalid TOML is refused")
        .to_string();
    assert!(
        error.contains(&file.path().display().to_string()),
        "{error}"
    );
    assert!(error.contains("line 2"), "{error}");
}

#[test]
fn wrong_type_names_the_key() {
    let file = file_with("session_idle_minutes = \"soon\"\n");
    let error = Settings::load_with_env(file.path(), HashMap::new())
        .expect_err("a string is not a number")
        .to_string();
    assert!(error.contains("session_idle_minutes"), "{error}");
}

#[test]
fn bad_environment_value_names_the_key() {
    let file = file_with("");
    let error = Settings::load_with_env(file.path(), env(&[("LEPTODO_SITE_ADDR", "nowhere")]))
        .expect_err("not a socket address")
        .to_string();
    assert!(error.contains("site_addr"), "{error}");
    assert!(error.contains("LEPTODO_SITE_ADDR"), "{error}");
}

#[test]
fn a_nice_value_outside_0_to_19_is_refused_with_its_key() {
    for (text, accepted) in [("0", true), ("19", true), ("20", false), ("-5", false)] {
        let file = file_with(&format!("password_hashing_niceness = {text}\n"));
        match Settings::load_with_env(file.path(), HashMap::new()) {
            Ok(settings) => {
                assert!(accepted, "{text} was accepted");
                assert_eq!(settings.password_hashing_niceness.get().to_string(), text);
            }
            Err(error) => {
                let error = error.to_string();
                assert!(!accepted, "{text} was refused: {error}");
                assert!(error.contains("password_hashing_niceness"), "{error}");
                assert!(error.contains("0 to 19"), "{error}");
            }
        }
    }
}

#[test]
fn unknown_keys_are_refused_so_typos_do_not_pass_silently() {
    let file = file_with("databse_url = \"sqlite://typo.db\"\n");
    let error = Settings::load_with_env(file.path(), HashMap::new())
        .expect_err("unknown key")
        .to_string();
    assert!(error.contains("databse_url"), "{error}");
}

#[test]
fn missing_file_is_reported_not_panicked() {
    let error = Settings::load_with_env(Path::new("/nonexistent/Leptos.toml"), HashMap::new())
        .expect_err("no file")
        .to_string();
    assert!(error.contains("/nonexistent/Leptos.toml"), "{error}");
    assert!(error.contains("cannot read"), "{error}");
}

/// The items written between backticks in `cell`.
fn backticked(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// The backticked values a cell starts with (`` `24`, `60`, `24` ``), none when it starts with prose.
fn leading_values(cell: &str) -> Vec<&str> {
    let mut values = Vec::new();
    let mut rest = cell.trim();
    while let Some(after) = rest.strip_prefix('`') {
        let Some((value, tail)) = after.split_once('`') else {
            break;
        };
        values.push(value);
        match tail.strip_prefix(", ") {
            Some(next) if next.starts_with('`') => rest = next,
            _ => break,
        }
    }
    values
}

/// A default as the README writes it.
fn as_written(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) if text.is_empty() => "\"\"".into(),
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[test]
fn the_readme_table_names_every_key_with_its_default() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Configuration section");
    let defaults = serde_json::to_value(Settings::default()).expect("serialisable");
    let defaults = defaults.as_object().expect("a table of keys");
    let mut documented = std::collections::BTreeSet::new();
    for row in section.lines().filter(|line| line.starts_with("| `")) {
        let cells: Vec<&str> = row.trim_start_matches("| ").split(" | ").collect();
        let (keys, values) = (backticked(cells[0]), leading_values(cells[1]));
        for key in &keys {
            assert!(
                defaults.contains_key(*key),
                "the README names `{key}`, which is no key"
            );
            documented.insert(key.to_string());
        }
        if values.is_empty() {
            continue;
        }
        assert_eq!(values.len(), keys.len(), "one default per key: {row}");
        for (key, value) in keys.iter().zip(values) {
            assert_eq!(
                as_written(&defaults[*key]),
                value,
                "the README's default of `{key}`"
            );
        }
    }
    let missing: Vec<&String> = defaults
        .keys()
        .filter(|key| !documented.contains(*key))
        .collect();
    assert!(
        missing.is_empty(),
        "keys the README's table leaves out: {missing:?}"
    );
}

#[test]
fn trusted_proxies_are_read_from_a_list_or_one_string_and_a_wrong_entry_is_named() {
    let file = file_with("client_ip_header = \"X-Forwarded-For\"\ntrusted_proxies = [\"10.0.0.5\", \"10.1.0.0/16\"]\n");
    let settings = Settings::load_with_env(file.path(), HashMap::new()).expect("a list");
    assert!(settings
        .trusted_proxies
        .contains("10.1.200.3".parse().expect("ip")));
    assert!(!settings
        .trusted_proxies
        .contains("10.0.0.6".parse().expect("ip")));
    let settings = Settings::load_with_env(
        file.path(),
        env(&[("LEPTODO_TRUSTED_PROXIES", "192.0.2.1, 2001:db8::/32")]),
    )
    .expect("one string");
    assert!(settings
        .trusted_proxies
        .contains("2001:db8::9".parse().expect("ip")));
    assert!(!settings
        .trusted_proxies
        .contains("10.0.0.5".parse().expect("ip")));
    let error = Settings::load_with_env(
        file.path(),
        env(&[("LEPTODO_TRUSTED_PROXIES", "10.0.0.5, proxy.internal")]),
    )
    .expect_err("not an address")
    .to_string();
    assert!(
        error.contains("trusted_proxies") && error.contains("proxy.internal"),
        "{error}"
    );
    // An IPv4 proxy written, or seen, as an IPv4-mapped IPv6 address is the same proxy.
    let mapped = TrustedProxies::parse("::ffff:10.0.0.5, ::ffff:192.0.2.0/120").expect("mapped");
    for peer in [
        "10.0.0.5",
        "::ffff:10.0.0.5",
        "192.0.2.77",
        "::ffff:192.0.2.77",
    ] {
        assert!(mapped.contains(peer.parse().expect("ip")), "{peer}");
    }
    assert!(!mapped.contains("10.0.0.6".parse().expect("ip")));
}
