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

/// Every byte but letters, digits and `-._~` (RFC 3986's unreserved characters) is encoded in a query value.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `text` fit for a URL's query string: every byte but letters, digits and `-._~` percent-encoded.
pub fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, QUERY_VALUE).to_string()
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
