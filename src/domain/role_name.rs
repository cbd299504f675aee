use serde::{Deserialize, Serialize};

/// The name of a role (`admin`, `user`, `support-staff`): lower-case ASCII letters, digits, `-` and `_`, so it
/// reads the same in a URL (`/api/admin/users/{id}/roles/{role}`), a shell command and a table cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoleName(String);

const MAX_LEN: usize = 50;

impl RoleName {
    /// The role that opens the administration section.
    pub const ADMIN: &'static str = "admin";

    /// The `admin` role.
    pub fn admin() -> Self {
        Self(Self::ADMIN.to_owned())
    }

    /// Parses a role name; surrounding spaces are ignored, capitals are refused rather than folded so that
    /// `Admin` is not silently the same role as `admin`.
    pub fn parse(input: &str) -> Result<Self, String> {
        let name = input.trim();
        if name.is_empty() {
            return Err("Name the role.".into());
        }
        if name.len() > MAX_LEN {
            return Err(format!("A role name has at most {MAX_LEN} characters."));
        }
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if !name.chars().all(allowed) || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(
                "A role name starts with a lower-case letter and holds only lower-case letters, digits, - and _."
                    .into(),
            );
        }
        Ok(Self(name.to_owned()))
    }
}

validated_string!(RoleName);

#[cfg(test)]
mod tests {
    use super::RoleName;

    #[test]
    fn lower_case_words_with_digits_and_dashes() {
        assert_eq!(
            RoleName::parse(" admin ").expect("valid"),
            RoleName::admin()
        );
        assert!(RoleName::parse("support-staff_2").is_ok());
        assert!(RoleName::parse(&"r".repeat(50)).is_ok());
        for bad in [
            "",
            "Admin",
            "2fa",
            "-x",
            "a b",
            "a,b",
            "rôle",
            &"r".repeat(51),
        ] {
            assert!(RoleName::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
