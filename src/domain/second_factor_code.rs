/// What answers the second step of signing in: a code from the authenticator app, or a recovery code.
///
/// Told apart by their shape, so one field (and the API's one `code`) takes either: an app code is 6 digits, a
/// recovery code 12 characters of Crockford's base 32. Spaces and dashes are ignored, as people copy them
/// either way, and a recovery code reads the same in any case and with `o`, `i` or `l` typed for `0` or `1`.
#[derive(Clone, PartialEq, Eq)]
pub enum SecondFactorCode {
    /// Six digits from the authenticator app.
    App(String),
    /// A recovery code, normalised to lower case without dashes.
    Recovery(String),
}

/// Digits in an app code (RFC 6238's usual six).
pub const APP_CODE_DIGITS: usize = 6;
/// Characters in a recovery code, without its dashes: 60 random bits.
pub const RECOVERY_CODE_CHARS: usize = 12;
/// The recovery codes' alphabet: Crockford's base 32, which leaves out `i`, `l`, `o` and `u`.
pub const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// The longest input worth reading: a recovery code with a dash or space between every character.
pub const MAX_CODE_CHARS: usize = 2 * RECOVERY_CODE_CHARS;

/// Which kind, never the code: a code must not end up in a log.
impl std::fmt::Debug for SecondFactorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::App(_) => "App(<hidden>)",
            Self::Recovery(_) => "Recovery(<hidden>)",
        })
    }
}

impl SecondFactorCode {
    /// Reads what was typed.
    pub fn parse(input: &str) -> Result<Self, String> {
        if input.chars().count() > MAX_CODE_CHARS {
            return Err(Self::WRONG_SHAPE.into());
        }
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.is_empty() {
            return Err("Enter the 6-digit code from your authenticator app.".into());
        }
        if compact.len() == APP_CODE_DIGITS && compact.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Self::App(compact));
        }
        let recovery: Option<String> = compact
            .chars()
            .map(|c| match c.to_ascii_lowercase() {
                'o' => Some('0'),
                'i' | 'l' => Some('1'),
                c if c.is_ascii() && RECOVERY_ALPHABET.contains(&(c as u8)) => Some(c),
                _ => None,
            })
            .collect();
        match recovery {
            Some(code) if code.chars().count() == RECOVERY_CODE_CHARS => Ok(Self::Recovery(code)),
            _ => Err(Self::WRONG_SHAPE.into()),
        }
    }

    const WRONG_SHAPE: &'static str =
        "Enter the 6 digits your authenticator app shows, or one of your recovery codes (like 4f7k-92mx-c0ph).";
}

#[cfg(test)]
mod tests {
    use super::SecondFactorCode;

    #[test]
    fn six_digits_are_an_app_code_with_or_without_a_space() {
        assert_eq!(
            SecondFactorCode::parse(" 123 456 "),
            Ok(SecondFactorCode::App("123456".into()))
        );
        assert!(SecondFactorCode::parse("12345").is_err());
        assert!(SecondFactorCode::parse("1234567").is_err());
        assert!(SecondFactorCode::parse("+12345").is_err());
    }

    #[test]
    fn a_recovery_code_reads_the_same_however_it_is_typed() {
        let expected = Ok(SecondFactorCode::Recovery("4f7k92mxc0p1".into()));
        assert_eq!(SecondFactorCode::parse("4f7k-92mx-c0p1"), expected);
        assert_eq!(SecondFactorCode::parse("4F7K 92MX COPL"), expected);
        assert_eq!(SecondFactorCode::parse("4f7k92mxc0pi"), expected);
    }

    #[test]
    fn anything_else_is_refused_with_a_message() {
        for input in [
            "",
            "   ",
            "4f7k-92mx-c0pu",
            "4f7k-92mx",
            "ünïcødé12345",
            &"1".repeat(25),
        ] {
            let error = SecondFactorCode::parse(input).expect_err(input);
            assert!(error.starts_with("Enter"), "{input}: {error}");
        }
    }
}
