//! The assembled server: the binary, its router, its limits under load, and several instances behind HAProxy.

mod anonymous_flood;
mod binary;
mod instances;
mod load;
mod overload;
mod server;
