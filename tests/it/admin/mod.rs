//! The admin feature: its JSON API and use cases, and its pages.

mod api;
mod pages;
