//! The database: copying it between engines, its schema, and what survives a kill.

mod copy;
mod durability;
mod schema;
