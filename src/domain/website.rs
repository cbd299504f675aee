use serde::{Deserialize, Serialize};

/// A personal web page: an absolute `http` or `https` URL with a host, at most 200 characters.
///
/// Other schemes are refused because the address is shown as a link: `javascript:` or `data:` would run in
/// the viewer's browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Website(String);

const MAX_LEN: usize = 200;

impl Website {
    /// The most characters a valid value has; what is typed is kept (for a form shown again) up to this.
    pub const MAX_CHARS: usize = MAX_LEN;

    /// Parses an optional field: blank means "no website".
    pub fn parse_optional(input: &str) -> Result<Option<Self>, String> {
        if input.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(input).map(Some)
        }
    }

    /// Parses what the user typed, trimmed. The browser checks the address's shape; the server also parses it
    /// as a URL and keeps the normalised form (lower-case host, punycode), so the browser need not carry
    /// Unicode's IDNA tables.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let too_long = || format!("A website address has at most {MAX_LEN} characters.");
        if trimmed.chars().count() > MAX_LEN {
            return Err(too_long());
        }
        let full_address = || {
            "Enter the full address of your website, starting with https:// or http://.".to_owned()
        };
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(full_address());
        }
        let lowered = trimmed.to_ascii_lowercase();
        let Some(rest) = ["https://", "http://"].into_iter().find_map(|scheme| {
            lowered
                .starts_with(scheme)
                .then(|| &trimmed[scheme.len()..])
        }) else {
            return Err(full_address());
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err("A website address cannot contain a user name or password.".into());
        }
        if authority.split(':').next().unwrap_or_default().is_empty() {
            return Err(
                "A website address starts with https:// or http:// and names a host.".into(),
            );
        }
        #[cfg(feature = "ssr")]
        let trimmed = &{
            let url = url::Url::parse(trimmed).map_err(|_| full_address())?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(full_address());
            }
            // The normalised form can be longer than what was typed.
            let normalised = url.to_string();
            if normalised.chars().count() > MAX_LEN {
                return Err(too_long());
            }
            normalised
        };
        Ok(Self(trimmed.to_owned()))
    }
}

validated_string!(Website);

#[cfg(test)]
mod tests {
    use super::Website;
    use proptest::prelude::*;

    #[test]
    fn accepts_http_and_https_and_normalises() {
        assert_eq!(
            Website::parse(" https://Example.COM/Ann ")
                .expect("valid")
                .as_str(),
            "https://example.com/Ann"
        );
        assert_eq!(
            Website::parse("http://example.com")
                .expect("valid")
                .as_str(),
            "http://example.com/"
        );
    }

    #[test]
    fn blank_is_no_website() {
        assert_eq!(Website::parse_optional("  ").expect("blank is fine"), None);
        assert!(Website::parse_optional("https://example.com")
            .expect("valid")
            .is_some());
    }

    #[test]
    fn refuses_other_schemes_and_non_urls() {
        for bad in [
            "example.com",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://example.com",
            "file:///etc/passwd",
            "https://",
            "https://user:secret@example.com",
            "https://exa mple.com",
        ] {
            assert!(Website::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn refuses_overlong_addresses() {
        let long = format!("https://example.com/{}", "a".repeat(200));
        assert!(Website::parse(&long).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(input in ".{0,300}") {
            let _ = Website::parse_optional(&input);
        }

        #[test]
        fn valid_addresses_round_trip(host in "[a-z]{1,30}\\.[a-z]{2,6}", path in "(/[a-z0-9]{1,20}){0,3}") {
            let typed = format!("https://{host}{path}");
            let website = Website::parse(&typed).expect("valid");
            prop_assert_eq!(Website::parse(website.as_str()).expect("still valid"), website);
        }
    }
}
