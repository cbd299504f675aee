//! The database: copying it between engines, and its schema (what survives a kill is in `tests/slow`).

mod copy;
mod schema;
