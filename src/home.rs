//! The start page. For now a placeholder that proves the whole chain: server rendering, hydration, and a
//! server function that reads and writes the database and the session.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How many clicks have been saved, in all and by this browser session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClickCounts {
    /// Saved by everyone, ever.
    pub total: i64,
    /// Saved through the current session.
    pub this_session: i64,
}

/// Reads the saved click counts.
#[server]
pub async fn get_click_counts() -> Result<ClickCounts, AppError> {
    let (state, session) = crate::startup::request_context().await?;
    Ok(ClickCounts {
        total: server::total_clicks(&state.pool).await?,
        this_session: server::session_clicks(&session).await?,
    })
}

/// Saves one click in the database and in the session; answers the new counts.
#[server]
pub async fn save_click() -> Result<ClickCounts, AppError> {
    let (state, session) = crate::startup::request_context().await?;
    let total = server::add_click(&state.pool).await?;
    let this_session = server::session_clicks(&session).await? + 1;
    session
        .insert(server::SESSION_CLICKS_KEY, this_session)
        .await?;
    Ok(ClickCounts {
        total,
        this_session,
    })
}

/// The start page.
#[component]
pub fn HomePage() -> impl IntoView {
    let save = ServerAction::<SaveClick>::new();
    let counts = Resource::new(move || save.version().get(), |_| get_click_counts());
    let (local_clicks, set_local_clicks) = signal(0_u32);

    view! {
        <h1>"Leptodo"</h1>
        <p>"Todos behind real accounts are on their way. Meanwhile, this page proves the stack works."</p>
        <section class="demo">
            <h2>"In your browser"</h2>
            <button id="local-counter" on:click=move |_| *set_local_clicks.write() += 1>
                "Clicked " {local_clicks} {move || if local_clicks.get() == 1 { " time" } else { " times" }}
            </button>
        </section>
        <section class="demo">
            <h2>"On the server"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <p id="saved-clicks">
                    {move || {
                        counts
                            .get()
                            .map(|result| match result {
                                Ok(counts) => {
                                    format!(
                                        "Saved clicks: {} in all, {} from this session",
                                        counts.total,
                                        counts.this_session,
                                    )
                                }
                                Err(error) => error.to_string(),
                            })
                    }}
                </p>
            </Transition>
            <ActionForm action=save>
                <button type="submit" id="save-click">
                    "Save a click"
                </button>
            </ActionForm>
            {move || {
                save.value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <p class="error" role="alert">{error.to_string()}</p> })
            }}
        </section>
    }
}

#[cfg(feature = "ssr")]
mod server {
    use sqlx::SqlitePool;
    use tower_sessions::Session;

    /// Session key of this session's click count.
    pub const SESSION_CLICKS_KEY: &str = "home.clicks";

    pub async fn total_clicks(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT total FROM click_counter WHERE id = 1")
            .fetch_one(pool)
            .await
    }

    /// Adds one click and answers the new total, in one statement so concurrent clicks are never lost.
    pub async fn add_click(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "UPDATE click_counter SET total = total + 1 WHERE id = 1 RETURNING total",
        )
        .fetch_one(pool)
        .await
    }

    pub async fn session_clicks(session: &Session) -> Result<i64, tower_sessions::session::Error> {
        Ok(session.get::<i64>(SESSION_CLICKS_KEY).await?.unwrap_or(0))
    }
}
