//! Defences every request passes through, whatever feature answers it: cross-origin protection for unsafe
//! methods and the security headers of every response.

pub mod client_ip;
pub mod cross_origin;
pub mod headers;
