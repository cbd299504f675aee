//! The admin feature: its JSON API and operations, and its pages.

mod api;
mod pages;
