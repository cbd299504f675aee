//! An authenticator app for tests: learns a secret from the setup key the server shows, and makes codes as a
//! phone would (RFC 6238 by totp-rs; the verifier's own tests hold it to the RFC's vectors).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use totp_rs::{Builder, Secret, Totp};

/// Seconds of a time step.
const STEP: u64 = 30;

/// The phone's app, with the secret of one account.
pub struct Authenticator {
    totp: Totp,
    /// The next code's offset from now, in steps: codes are handed out from the step before the current one on,
    /// so a test gets three codes (of three steps, each accepted once) without waiting.
    next_offset: i64,
}

impl Authenticator {
    /// Learns the secret from its setup key (base 32, maybe in groups), as typed into an app. If the current
    /// step ends within a few seconds, waits for the next one first, so the three codes stay in the window.
    pub async fn from_key(key: &str) -> Self {
        let compact: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        let secret = Secret::try_from_base32(&compact).expect("a base-32 setup key");
        let totp = Builder::new()
            .with_secret(secret.as_bytes().to_vec())
            .build()
            .expect("a valid secret");
        let left = STEP - now() % STEP;
        if left < 8 {
            tokio::time::sleep(Duration::from_secs(left + 1)).await;
        }
        Self {
            totp,
            next_offset: -1,
        }
    }

    /// A code the server has not taken yet (the steps go forward one by one; after three, it waits for time).
    pub async fn next_code(&mut self) -> String {
        if self.next_offset > 1 {
            let left = STEP - now() % STEP;
            tokio::time::sleep(Duration::from_secs(left + 1)).await;
            self.next_offset = 1;
        }
        let code = self.code_at_offset(self.next_offset);
        self.next_offset += 1;
        code
    }

    /// The code of the step `offset` steps from now (0: the current one).
    pub fn code_at_offset(&self, offset: i64) -> String {
        let time = now().saturating_add_signed(offset * STEP as i64);
        self.totp.generate(time).to_string()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}
