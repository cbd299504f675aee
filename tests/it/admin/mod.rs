//! The admin feature: its JSON API and service, and its pages.

mod api;
mod pages;
