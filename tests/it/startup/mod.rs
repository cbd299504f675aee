//! The assembled server: the binary, its router, and its limits (the heavy load tests are in `tests/slow`).

mod binary;
mod overload;
mod server;
