//! Two-factor sign-in through the real server: setting it up with codes computed here as a phone's app would,
//! the second step of a login, codes taken once (also through a second instance), recovery codes, the throttle
//! (`sign_in`); remembered browsers, turning it off, the operator's reset, and the secret's encryption at rest
//! (`keeping`).

mod keeping;
mod sign_in;

use crate::common;

use common::{authenticator::Authenticator, Api, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Sets up two-factor sign-in for `api`'s user (whose password is fresh); answers the app and the recovery codes.
pub(super) async fn enrol(api: &Api) -> (Authenticator, Vec<String>) {
    let (status, setup) = api.post("/api/auth/two-factor", &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    let mut app = Authenticator::from_key(setup["secret"].as_str().expect("secret")).await;
    let (status, confirmed) = api
        .post(
            "/api/auth/two-factor/confirm",
            &json!({"code": app.next_code().await}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    let codes = confirmed["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|code| code.as_str().expect("text").to_owned())
        .collect();
    (app, codes)
}

/// A new client on `base` that gave Ann's right password; asserts the second step was asked.
pub(super) async fn password_given(base: &str) -> Api {
    let api = Api::new(base);
    let (status, body) = api.log_in("annlee", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"second_factor_required": true}));
    api
}

pub(super) async fn second_step(api: &Api, code: &str) -> (StatusCode, Value) {
    api.post("/api/auth/login/code", &json!({"code": code}))
        .await
}

/// A code of the same length that the app did not show.
pub(super) fn wrong(code: &str) -> String {
    let number: u32 = code.parse().expect("digits");
    format!("{:06}", (number + 1) % 1_000_000)
}
