//! Defences every request passes through, whatever feature answers it: cross-origin protection for unsafe
//! methods and the security headers of every response; and the random secrets the features store.

pub mod client_ip;
pub mod cookie_key;
pub mod cross_origin;
pub mod headers;
pub mod random;
