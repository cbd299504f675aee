//! A moment as pages show it: "3 minutes ago" when recent, else the date and time, always in a
//! `<time datetime>` whose title is the exact time. The server writes UTC; in the browser,
//! [`LocalTimes`] rewrites both in the reader's own time zone and language.

use leptos::prelude::*;

use crate::timestamp::Timestamp;

/// Moments more recent than this are said relatively ("5 hours ago").
#[cfg(feature = "ssr")]
const RELATIVE_SECONDS: i64 = 24 * 3600;

/// `at`, as the rest of this module says.
#[component]
pub fn Moment(at: Timestamp) -> impl IntoView {
    let exact = at.readable();
    let relative = relative(&at);
    let is_relative = relative.is_some().then_some("");
    let shown = relative.unwrap_or_else(|| exact.clone());
    view! {
        <time datetime=at.as_str().to_owned() title=exact data-local="" data-relative=is_relative>
            {shown}
        </time>
    }
}

#[cfg(feature = "ssr")]
fn relative(at: &Timestamp) -> Option<String> {
    let at = at.to_date_time().ok()?;
    let ago = (time::OffsetDateTime::now_utc() - at).whole_seconds();
    relative_text(ago)
}

/// Pages are rendered on the server; a moment inside an island (none so far) shows the exact time.
#[cfg(not(feature = "ssr"))]
fn relative(_at: &Timestamp) -> Option<String> {
    None
}

/// "just now", "1 minute ago", "5 hours ago" for `ago` seconds in the past; `None` for the future or a day and
/// more.
#[cfg(feature = "ssr")]
fn relative_text(ago: i64) -> Option<String> {
    let plural = |count: i64, unit: &str| match count {
        1 => format!("1 {unit} ago"),
        count => format!("{count} {unit}s ago"),
    };
    match ago {
        0..60 => Some("just now".into()),
        60..3600 => Some(plural(ago / 60, "minute")),
        3600..RELATIVE_SECONDS => Some(plural(ago / 3600, "hour")),
        _ => None,
    }
}

/// Once on a page with moments: shows them in the reader's time zone and language (`local_time.js`).
#[island]
pub fn LocalTimes() -> impl IntoView {
    crate::hydration::mark_hydrated();
    #[cfg(feature = "hydrate")]
    Effect::new(|_| browser::show_local_times());
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/local_time.js")]
    extern "C" {
        #[wasm_bindgen(js_name = showLocalTimes)]
        pub fn show_local_times();
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::relative_text;

    #[test]
    fn recent_moments_are_said_relatively_and_older_ones_not() {
        assert_eq!(relative_text(0).as_deref(), Some("just now"));
        assert_eq!(relative_text(59).as_deref(), Some("just now"));
        assert_eq!(relative_text(60).as_deref(), Some("1 minute ago"));
        assert_eq!(relative_text(3 * 60 + 5).as_deref(), Some("3 minutes ago"));
        assert_eq!(relative_text(3600).as_deref(), Some("1 hour ago"));
        assert_eq!(relative_text(23 * 3600).as_deref(), Some("23 hours ago"));
        assert_eq!(relative_text(24 * 3600), None);
        assert_eq!(relative_text(-5), None);
    }
}
