//! A moment in time as the pages and the API show it, and as both database engines store it.

use serde::{Deserialize, Serialize};

/// A moment in UTC, whole seconds, held as RFC 3339 text (`2026-11-30T07:31:01Z`).
///
/// Text because the browser only shows it: the bundle need not carry a date library. On the server it is
/// `TEXT` in SQLite (that format, so text order is time order) and `timestamptz` in PostgreSQL. It has no
/// order of its own: the server compares moments as moments ([`Timestamp::to_date_time`]), never as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(String);

impl Timestamp {
    /// The RFC 3339 text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As people read it: `2026-11-22 19:35:00 UTC`.
    pub fn readable(&self) -> String {
        match self.0.strip_suffix('Z') {
            Some(utc) => format!("{} UTC", utc.replacen('T', " ", 1)),
            None => self.0.clone(),
        }
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn utc_timestamps_read_naturally() {
        let at = |text: &str| Timestamp(text.into());
        assert_eq!(
            at("2026-11-22T19:35:00Z").readable(),
            "2026-11-22 19:35:00 UTC"
        );
        assert_eq!(at("not a time").readable(), "not a time");
    }
}

#[cfg(feature = "ssr")]
mod server {
    use sqlx::{
        encode::IsNull,
        error::BoxDynError,
        postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef},
        sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef},
        Decode, Encode, Postgres, Sqlite, Type,
    };
    use time::{format_description::well_known::Rfc3339, OffsetDateTime, UtcOffset};

    use super::Timestamp;

    impl Timestamp {
        /// Now, to the second.
        pub fn now() -> Self {
            Self::from(OffsetDateTime::now_utc())
        }

        /// The moment as a date-time, for arithmetic.
        pub fn to_date_time(&self) -> Result<OffsetDateTime, time::error::Parse> {
            OffsetDateTime::parse(&self.0, &Rfc3339)
        }
    }

    impl From<OffsetDateTime> for Timestamp {
        fn from(moment: OffsetDateTime) -> Self {
            let utc = moment.to_offset(UtcOffset::UTC);
            let utc = utc.replace_nanosecond(0).unwrap_or(utc);
            // RFC 3339 formatting fails only for years outside 0..=9999.
            Self(
                utc.format(&Rfc3339)
                    .unwrap_or_else(|_| utc.unix_timestamp().to_string()),
            )
        }
    }

    impl Type<Sqlite> for Timestamp {
        fn type_info() -> SqliteTypeInfo {
            <String as Type<Sqlite>>::type_info()
        }

        fn compatible(ty: &SqliteTypeInfo) -> bool {
            <String as Type<Sqlite>>::compatible(ty)
        }
    }

    impl<'q> Encode<'q, Sqlite> for Timestamp {
        fn encode_by_ref(
            &self,
            buf: &mut Vec<SqliteArgumentValue<'q>>,
        ) -> Result<IsNull, BoxDynError> {
            <String as Encode<'q, Sqlite>>::encode(self.0.clone(), buf)
        }
    }

    impl<'r> Decode<'r, Sqlite> for Timestamp {
        fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
            Ok(Self(<String as Decode<'r, Sqlite>>::decode(value)?))
        }
    }

    impl Type<Postgres> for Timestamp {
        fn type_info() -> PgTypeInfo {
            <OffsetDateTime as Type<Postgres>>::type_info()
        }
    }

    impl Encode<'_, Postgres> for Timestamp {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            <OffsetDateTime as Encode<'_, Postgres>>::encode(self.to_date_time()?, buf)
        }
    }

    impl<'r> Decode<'r, Postgres> for Timestamp {
        fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
            Ok(Self::from(
                <OffsetDateTime as Decode<'r, Postgres>>::decode(value)?,
            ))
        }
    }

    impl utoipa::PartialSchema for Timestamp {
        fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
            use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                .description(Some("RFC 3339, UTC, whole seconds"))
                .into()
        }
    }

    impl utoipa::ToSchema for Timestamp {}

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn any_moment_becomes_whole_seconds_in_utc() {
            let moment = OffsetDateTime::parse("2026-11-30T09:31:01.75+02:00", &Rfc3339)
                .expect("a valid date");
            let stamp = Timestamp::from(moment);
            assert_eq!(stamp.as_str(), "2026-11-30T07:31:01Z");
            assert_eq!(
                stamp.to_date_time().expect("parses back"),
                moment.replace_nanosecond(0).expect("valid")
            );
        }

        /// SQLite compares the stored text: its order must be the moments' order.
        #[test]
        fn text_order_is_time_order() {
            let earlier = Timestamp::from(OffsetDateTime::UNIX_EPOCH);
            let later = Timestamp::now();
            assert!(earlier.as_str() < later.as_str());
            assert!(earlier.to_date_time().ok() < later.to_date_time().ok());
        }
    }
}
