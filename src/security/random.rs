//! Random secrets: the per-user value sessions must match, API tokens and mail-link tokens. A leaf that the
//! stores of those secrets can all use without reaching into a feature's service.

use argon2::password_hash::rand_core::{OsRng, RngCore};

/// 256 random bits, hex-encoded: far past guessing.
pub fn random_secret() -> String {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
