use serde::{Deserialize, Serialize};

/// A name a client gives before the server has numbered anything: an operation's id, or a todo's while it
/// exists only in the browser. Clients make them at random (a UUID), so they never meet; the server remembers
/// them per account, which is what makes a retried operation harmless.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

impl ClientId {
    /// The most characters an id has: a UUID has 36.
    pub const MAX_CHARS: usize = 64;

    /// Accepts 1 to 64 ASCII letters, digits, `-` and `_`: a UUID or anything like it, nothing that needs
    /// escaping in a log line or a URL.
    pub fn parse(input: &str) -> Result<Self, String> {
        let valid = !input.is_empty()
            && input.len() <= Self::MAX_CHARS
            && input
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        match valid {
            true => Ok(Self(input.to_owned())),
            false => Err(format!(
                "An id is 1 to {} letters, digits, '-' or '_'.",
                Self::MAX_CHARS
            )),
        }
    }
}

validated_string!(ClientId);

impl ClientId {
    /// The id that 128 random bits spell in hex: how a page names what it makes.
    pub fn from_random(bits: [u8; 16]) -> Self {
        Self(bits.iter().map(|byte| format!("{byte:02x}")).collect())
    }
}

/// Stored as text (a stored value that is not a valid id fails to decode rather than pass as one), and
/// documented as the string it is.
#[cfg(feature = "ssr")]
mod stored {
    use sqlx::{error::BoxDynError, Database, Decode, Type};

    use super::ClientId;

    impl<DB: Database> Type<DB> for ClientId
    where
        String: Type<DB>,
    {
        fn type_info() -> DB::TypeInfo {
            <String as Type<DB>>::type_info()
        }

        fn compatible(ty: &DB::TypeInfo) -> bool {
            <String as Type<DB>>::compatible(ty)
        }
    }

    impl<'r, DB: Database> Decode<'r, DB> for ClientId
    where
        String: Decode<'r, DB>,
    {
        fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
            Ok(ClientId::parse(&String::decode(value)?)?)
        }
    }

    /// In the API's documentation: a string of what `parse` accepts.
    impl utoipa::PartialSchema for ClientId {
        fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .min_length(Some(1))
                .max_length(Some(ClientId::MAX_CHARS))
                .pattern(Some("^[A-Za-z0-9_-]+$"))
                .into()
        }
    }

    impl utoipa::ToSchema for ClientId {}
}

#[cfg(test)]
mod tests {
    use super::ClientId;

    #[test]
    fn uuids_pass_and_anything_that_needs_escaping_does_not() {
        let uuid = "0b6f3c9e-8d7a-4c1e-9f2b-5a4d3c2b1a09";
        assert_eq!(ClientId::parse(uuid).expect("a uuid").as_str(), uuid);
        assert!(ClientId::parse(&"a".repeat(64)).is_ok());
        for bad in ["", " a", "a b", "a/b", "é", "a\n", &"a".repeat(65)] {
            assert!(ClientId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<ClientId>("\"x y\"").is_err());
        let random = ClientId::from_random([0xab; 16]);
        assert_eq!(ClientId::parse(random.as_str()), Ok(random));
    }
}
