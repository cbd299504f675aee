//! Every integration test, in one binary (one build and one link instead of one per file): the modules mirror
//! `src/`, and `common` is the harness they share.

mod common;

mod account;
mod admin;
mod api;
mod app;
mod assets;
mod auth;
mod cli;
mod concurrency;
mod db;
mod security;
mod startup;
mod todos;
