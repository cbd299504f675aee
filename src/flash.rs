//! What one page load shows after a redirect: a one-time message ("You have been logged out.") and, after a
//! form POST made without JavaScript failed, what was typed, so the page comes back with its errors and its
//! input instead of empty fields.
//!
//! With JavaScript the page never reloads and keeps its inputs by itself; without it Leptos redirects back to
//! the form's page with only the error in the URL. The message and the values travel in a short-lived HttpOnly
//! cookie that the next page load reads and deletes: never in the URL (logs, history), and not in the
//! server-side session, so an anonymous visitor posting forms creates no database row at all. Passwords are
//! never kept, and each value only up to its field's own limit. The cookie is signed (`cookie_key`) over its
//! value, the cookie's name and the time it was written: one the server did not write, or wrote for another
//! cookie or over a minute ago, reads as none and is deleted. (A cookie the server did write can still be
//! replayed within its minute: over HTTPS the `__Host-` prefix keeps other hosts from planting it.)
//!
//! Written here rather than taken from a crate: the flash crates for axum keep their messages in the session,
//! which is the database row an anonymous visitor must not create, and none keeps a form's typed values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Field name → typed value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedValues(BTreeMap<String, String>);

impl TypedValues {
    /// Keeps these fields' values, each cut to its field's limit in characters: (name, value, limit).
    pub fn new<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str, usize)>) -> Self {
        Self(
            fields
                .into_iter()
                .map(|(name, value, limit)| (name.to_owned(), value.chars().take(limit).collect()))
                .collect(),
        )
    }

    /// The value typed into `field`, or an empty string.
    pub fn get(&self, field: &str) -> String {
        self.0.get(field).cloned().unwrap_or_default()
    }
}

#[cfg(feature = "ssr")]
pub use server::{discard, keep_after_failure, set_message, set_secret, take, take_secret, Flash};

/// The one-time message left for this page load, if any; reading it uses it up.
#[leptos::server]
pub async fn take_flash_message() -> Result<Option<String>, crate::error::AppError> {
    Ok(take().await?.message)
}

#[cfg(feature = "ssr")]
mod server {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
    use serde::{Deserialize, Serialize};
    use tower_cookies::{
        cookie::{time::Duration, SameSite},
        Cookie, Cookies, Key,
    };

    use super::TypedValues;
    use crate::{
        error::{is_plain_form_post, AppError},
        state::AppState,
    };

    const COOKIE_NAME: &str = "leptodo_flash";
    /// Its name over HTTPS: a `__Host-` cookie cannot be planted by another host (see `session_store`).
    const SECURE_COOKIE_NAME: &str = "__Host-leptodo_flash";
    /// Long enough for the redirect that follows, short enough not to greet a visitor days later.
    const LIFETIME: Duration = Duration::seconds(60);
    /// Browsers drop cookies over 4096 bytes; past this the values are not kept (the message always is). The
    /// signature (44 bytes) and the name come on top, and still fit.
    const MAX_COOKIE_BYTES: usize = 3800;
    /// How far ahead of this server's clock a cookie's time may be (another instance's clock).
    const CLOCK_SKEW_SECONDS: i64 = 5;

    /// What a signed cookie holds: its value, with the cookie it was written for and when. The signature covers
    /// only the value, so these are inside it: a value cannot be moved to another cookie, nor replayed once
    /// its minute is over.
    #[derive(Serialize, Deserialize)]
    struct Stamped<T> {
        cookie: String,
        at: i64,
        value: T,
    }

    /// What the page load after a redirect shows once.
    #[derive(Debug, Clone, Default, Serialize, Deserialize)]
    pub struct Flash {
        /// A one-time message.
        pub message: Option<String>,
        /// The form whose values are kept, and the values.
        typed: Option<(String, TypedValues)>,
    }

    impl Flash {
        /// What was typed into `form` before it failed (empty for another form, or none).
        pub fn typed(&self, form: &str) -> TypedValues {
            self.typed
                .as_ref()
                .filter(|(kept_for, _)| kept_for == form)
                .map(|(_, values)| values.clone())
                .unwrap_or_default()
        }
    }

    /// The request's cookies, signed with the site's key, and whether they are `Secure` ones.
    struct Jar {
        cookies: Cookies,
        key: Key,
        secure: bool,
    }

    impl Jar {
        async fn of_request() -> Result<Self, AppError> {
            let state = leptos::prelude::use_context::<AppState>().ok_or_else(|| {
                tracing::error!("application state missing");
                AppError::Internal
            })?;
            let cookies = crate::state::request_cookies().await?;
            Ok(Self {
                cookies,
                key: state.cookie_key.clone(),
                secure: state.sessions.secure_cookies,
            })
        }

        /// The flash cookie's name in this jar.
        fn flash_name(&self) -> &'static str {
            match self.secure {
                true => SECURE_COOKIE_NAME,
                false => COOKIE_NAME,
            }
        }

        /// The secret cookie's name in this jar.
        fn secret_name(&self) -> &'static str {
            match self.secure {
                true => "__Host-leptodo_secret",
                false => "leptodo_secret",
            }
        }

        /// Whether the browser sent a cookie `name` at all, signed or not.
        fn has(&self, name: &str) -> bool {
            self.cookies.get(name).is_some()
        }

        /// The value of cookie `name` if its signature holds and it was written for `name` within its
        /// lifetime; a forged, moved, stale or unreadable one reads as the default.
        fn read<T: serde::de::DeserializeOwned + Default>(&self, name: &str) -> T {
            let now = crate::db::unix_now();
            self.cookies
                .signed(&self.key)
                .get(name)
                .and_then(|cookie| URL_SAFE_NO_PAD.decode(cookie.value()).ok())
                .and_then(|json| serde_json::from_slice::<Stamped<T>>(&json).ok())
                .filter(|stamped| {
                    stamped.cookie == name
                        && (-CLOCK_SKEW_SECONDS..=LIFETIME.whole_seconds())
                            .contains(&(now - stamped.at))
                })
                .map(|stamped| stamped.value)
                .unwrap_or_default()
        }

        fn add(&self, name: &'static str, value: String) {
            self.cookies.signed(&self.key).add(
                Cookie::build((name, value))
                    .path("/")
                    .http_only(true)
                    .secure(self.secure)
                    .same_site(SameSite::Lax)
                    .max_age(LIFETIME)
                    .build(),
            );
        }

        fn remove(&self, name: &'static str) {
            self.cookies.remove(
                Cookie::build((name, ""))
                    .path("/")
                    .secure(self.secure)
                    .build(),
            );
        }

        fn write(&self, mut flash: Flash) {
            let name = self.flash_name();
            let mut value = encode(name, &flash);
            if value.len() > MAX_COOKIE_BYTES {
                flash.typed = None;
                value = encode(name, &flash);
            }
            self.add(name, value);
        }
    }

    /// `value` stamped for cookie `name` and now, as the cookie's text (before its signature).
    fn encode<T: Serialize>(name: &str, value: &T) -> String {
        let stamped = Stamped {
            cookie: name.to_owned(),
            at: crate::db::unix_now(),
            value,
        };
        serde_json::to_vec(&stamped)
            .map(|json| URL_SAFE_NO_PAD.encode(json))
            .unwrap_or_default()
    }

    /// Leaves `message` for the next page this browser loads.
    pub async fn set_message(message: &str) -> Result<(), AppError> {
        let jar = Jar::of_request().await?;
        let mut flash: Flash = jar.read(jar.flash_name());
        flash.message = Some(message.to_owned());
        jar.write(flash);
        Ok(())
    }

    /// After `result` failed a form POST made without JavaScript, keeps `values` for the page it returns to.
    pub async fn keep_after_failure<T>(
        form: &str,
        values: TypedValues,
        result: &Result<T, AppError>,
    ) -> Result<(), AppError> {
        if result.is_err() && is_plain_form_post() {
            let jar = Jar::of_request().await?;
            let mut flash: Flash = jar.read(jar.flash_name());
            flash.typed = Some((form.to_owned(), values));
            jar.write(flash);
        }
        Ok(())
    }

    /// Takes what was left for this page load; it is shown once.
    pub async fn take() -> Result<Flash, AppError> {
        let jar = Jar::of_request().await?;
        let name = jar.flash_name();
        if !jar.has(name) {
            return Ok(Flash::default());
        }
        let flash: Flash = jar.read(name);
        jar.remove(name);
        Ok(flash)
    }

    /// Leaves a secret for the next page load to show once (an API token made without JavaScript): in a
    /// cookie of its own, HttpOnly and gone after a minute or its first reading, so that it is never stored
    /// in the session's row, where a copy of the database would keep it.
    pub async fn set_secret<T: Serialize>(secret: &T) -> Result<(), AppError> {
        let jar = Jar::of_request().await?;
        let name = jar.secret_name();
        jar.add(name, encode(name, secret));
        Ok(())
    }

    /// Takes the secret [`set_secret`] left, if any.
    pub async fn take_secret<T: serde::de::DeserializeOwned>() -> Result<Option<T>, AppError> {
        let jar = Jar::of_request().await?;
        let name = jar.secret_name();
        if !jar.has(name) {
            return Ok(None);
        }
        let secret: Option<T> = jar.read(name);
        jar.remove(name);
        Ok(secret)
    }

    /// Drops whatever was left for the next page load, when that page is another account's (a login).
    pub async fn discard() -> Result<(), AppError> {
        let jar = Jar::of_request().await?;
        for name in [jar.flash_name(), jar.secret_name()] {
            if jar.has(name) {
                jar.remove(name);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::TypedValues;

    #[test]
    fn missing_fields_read_as_empty() {
        let typed = TypedValues::new([("email", "ann@example.com", 254)]);
        assert_eq!(typed.get("email"), "ann@example.com");
        assert_eq!(typed.get("name"), "");
    }

    #[test]
    fn values_are_kept_only_up_to_their_fields_limit() {
        let typed = TypedValues::new([("title", "ü".repeat(10_000).as_str(), 500)]);
        assert_eq!(typed.get("title").chars().count(), 500);
    }
}
