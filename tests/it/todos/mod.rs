//! The todo list: its JSON API and its live updates.

mod api;
mod live;
mod sync;
