//! Where to go after logging in: only somewhere on this site.

/// `next` if it is a safe local path, else `/`.
///
/// Safe means one leading `/` and nothing a browser could read as another origin: no `//` (a
/// scheme-relative URL), no `\` (which browsers treat as `/`), and no control characters or whitespace
/// (browsers drop tabs and newlines, so `/\t/evil.example` would become `//evil.example`).
pub fn safe_next(next: &str) -> &str {
    let is_safe = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    if is_safe {
        next
    } else {
        "/"
    }
}

/// The login page that returns to `path` afterwards: `/login?next=<path, percent-encoded>`.
pub fn login_then(path: &str) -> String {
    format!("/login?next={}", percent_encode(path))
}

/// `text` fit for a URL's query string: every byte but letters, digits and `-._~` percent-encoded.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{login_then, safe_next};

    #[test]
    fn the_login_link_carries_the_path_encoded() {
        assert_eq!(login_then("/"), "/login?next=%2F");
        assert_eq!(login_then("/account"), "/login?next=%2Faccount");
        assert_eq!(login_then("/a b&c=é"), "/login?next=%2Fa%20b%26c%3D%C3%A9");
    }

    #[test]
    fn local_paths_are_kept() {
        for path in [
            "/",
            "/account",
            "/active?x=1#top",
            "/a/b/c",
            "/%2F%2Fevil.example",
        ] {
            assert_eq!(safe_next(path), path);
        }
    }

    #[test]
    fn anything_that_could_leave_the_site_becomes_the_start_page() {
        for path in [
            "",
            "account",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            " /account",
            "javascript:alert(1)",
            "///evil.example",
        ] {
            assert_eq!(safe_next(path), "/", "{path:?}");
        }
    }
}
