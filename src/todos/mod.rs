//! Todos: the TodoMVC page, its server functions, the REST API and the queries behind both.

#[cfg(feature = "ssr")]
pub mod api;
mod focus;
mod item;
pub mod live;
pub mod offline;
pub mod page;
mod page_state;
#[cfg(feature = "ssr")]
pub mod queries;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod service;
pub mod sync;

pub use page::TodoPage;

use serde::{Deserialize, Serialize};

use crate::{domain::ClientId, timestamp::Timestamp};

/// One todo, as the page and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Todo {
    /// Stable identifier, never reused.
    pub id: i64,
    /// 1–500 characters, trimmed.
    pub title: String,
    /// Done or not.
    pub completed: bool,
    /// When it was created (RFC 3339, UTC).
    pub created_at: Timestamp,
    /// When its title or state last changed (RFC 3339, UTC).
    pub updated_at: Timestamp,
    /// The id the client that created it gave it (see `POST /api/todos/sync`); `null` for a todo created
    /// otherwise. Operations name such a todo by it, even before they know its `id`.
    pub client_id: Option<ClientId>,
}

impl Todo {
    /// How operations name this todo: by the client's id when it has one (the name its creator used before the
    /// server numbered it, so every device uses the same), else by `id`.
    pub fn key(&self) -> TodoRef {
        match &self.client_id {
            Some(client_id) => TodoRef::Client(client_id.clone()),
            None => TodoRef::Id(self.id),
        }
    }
}

/// One todo as an operation names it: `{"id": 7}` or `{"client": "<the id its creator gave it>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TodoRef {
    /// The server's id.
    Id(i64),
    /// The id the client that created it gave it.
    Client(ClientId),
}

/// Which todos a list shows: TodoMVC's All / Active / Completed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TodoFilter {
    /// Every todo.
    #[default]
    All,
    /// Those not done yet.
    Active,
    /// Those done.
    Completed,
}

impl TodoFilter {
    /// Every filter, in the order the page lists them.
    pub const ALL: [Self; 3] = [Self::All, Self::Active, Self::Completed];

    /// Parses the API's `filter` parameter.
    pub fn parse(input: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|filter| filter.name() == input)
            .ok_or_else(|| "The filter is one of all, active and completed.".into())
    }

    /// The API's name for this filter, as [`TodoFilter::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Active => "active",
            Self::Completed => "completed",
        }
    }

    /// Whether a todo that is `completed` (or not) belongs in this list.
    pub fn matches(self, completed: bool) -> bool {
        match self {
            Self::All => true,
            Self::Active => !completed,
            Self::Completed => completed,
        }
    }

    /// The filter the page at `path` shows; every other path shows them all.
    pub fn for_path(path: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|filter| filter.path() == path)
            .unwrap_or_default()
    }

    /// The page that shows this list.
    pub fn path(self) -> &'static str {
        match self {
            Self::All => "/",
            Self::Active => "/active",
            Self::Completed => "/completed",
        }
    }

    /// The link text on the page.
    pub fn label(self) -> &'static str {
        match self {
            Self::All => "All",
            Self::Active => "Active",
            Self::Completed => "Completed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TodoFilter;

    #[test]
    fn filters_parse_from_their_names_only() {
        for filter in TodoFilter::ALL {
            let name = serde_json::to_value(filter).expect("serialises");
            assert_eq!(
                TodoFilter::parse(name.as_str().unwrap_or_default()),
                Ok(filter)
            );
        }
        assert!(TodoFilter::parse("Active").is_err());
        assert!(TodoFilter::parse("").is_err());
    }

    #[test]
    fn filters_pick_the_right_todos() {
        assert!(TodoFilter::All.matches(true) && TodoFilter::All.matches(false));
        assert!(TodoFilter::Active.matches(false) && !TodoFilter::Active.matches(true));
        assert!(TodoFilter::Completed.matches(true) && !TodoFilter::Completed.matches(false));
    }
}
