//! What a visitor typed into a form, carried across the redirect that answers a form POST made without
//! JavaScript, so a page that comes back with errors keeps the input instead of emptying every field.
//!
//! With JavaScript the page never reloads and the inputs keep their values by themselves; without it Leptos
//! redirects back to the form's page with only the error in the URL. The values go in the session (never in
//! the URL, where they would land in logs and history) and are read once. Passwords are never kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Field name → typed value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedValues(BTreeMap<String, String>);

impl TypedValues {
    /// Keeps these fields' values.
    pub fn new<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            fields
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
        )
    }

    /// The value typed into `field`, or an empty string.
    pub fn get(&self, field: &str) -> String {
        self.0.get(field).cloned().unwrap_or_default()
    }
}

#[cfg(feature = "ssr")]
pub use server::{keep_after_failure, take};

#[cfg(feature = "ssr")]
mod server {
    use tower_sessions::Session;

    use super::TypedValues;
    use crate::error::{is_plain_form_post, AppError};

    fn key(form: &str) -> String {
        format!("typed.{form}")
    }

    /// After `result` failed a form POST made without JavaScript, keeps `values` for the page it returns to.
    pub async fn keep_after_failure<T>(
        session: &Session,
        form: &str,
        values: TypedValues,
        result: &Result<T, AppError>,
    ) -> Result<(), AppError> {
        if result.is_err() && is_plain_form_post() {
            session.insert(&key(form), values).await?;
        }
        Ok(())
    }

    /// Takes what was kept for `form` (empty when nothing was).
    pub async fn take(session: &Session, form: &str) -> Result<TypedValues, AppError> {
        Ok(session.remove(&key(form)).await?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::TypedValues;

    #[test]
    fn missing_fields_read_as_empty() {
        let typed = TypedValues::new([("email", "ann@example.com")]);
        assert_eq!(typed.get("email"), "ann@example.com");
        assert_eq!(typed.get("name"), "");
    }
}
