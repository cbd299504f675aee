//! A passkey for tests: webauthn-authenticator-rs's software authenticator, answering the server's ceremonies
//! as a browser would at `http://localhost:<port>` (browsers, and this authenticator, refuse passkeys on an IP
//! address; the requests themselves still go to 127.0.0.1).

use reqwest::StatusCode;
use serde_json::{json, Value};
use webauthn_authenticator_rs::{prelude::*, softpasskey::SoftPasskey};
use webauthn_rs_proto::AllowCredentials;

use super::{Api, PASSWORD};

/// A security key with user verification (a fingerprint), holding the passkeys it registered.
pub struct Passkey {
    key: SoftPasskey,
    origin: Url,
    /// The credential id and user handle of the last passkey it registered.
    pub registered: Option<(Vec<u8>, Vec<u8>)>,
}

impl Passkey {
    /// A new authenticator, used on the site at `address` (`http://127.0.0.1:<port>`).
    pub fn new(address: &str) -> Self {
        let port = address.rsplit(':').next().expect("a port");
        Self {
            key: SoftPasskey::new(true),
            origin: Url::parse(&format!("http://localhost:{port}")).expect("origin"),
            registered: None,
        }
    }

    /// What the authenticator answers to creation `options` (as the server sent them).
    pub fn create(&mut self, options: &Value) -> Value {
        let options: CreationChallengeResponse =
            serde_json::from_value(options.clone()).expect("creation options");
        let handle = options.public_key.user.id.clone();
        let answer = self
            .key
            .do_registration(self.origin.clone(), options)
            .expect("the authenticator registers");
        self.registered = Some((answer.raw_id.clone(), handle));
        serde_json::to_value(answer).expect("JSON")
    }

    /// What the authenticator answers to request `options`. Options that name no credential (a sign-in by
    /// autofill) are answered as a discoverable credential is: with the last passkey this registered and the
    /// account's handle, which this software authenticator would not add by itself.
    pub fn get(&mut self, options: &Value) -> Value {
        let mut options: RequestChallengeResponse =
            serde_json::from_value(options.clone()).expect("request options");
        let discoverable = options.public_key.allow_credentials.is_empty();
        let (credential_id, handle) = self.registered.clone().expect("a registered passkey");
        if discoverable {
            options.public_key.allow_credentials.push(AllowCredentials {
                type_: "public-key".into(),
                id: credential_id,
                transports: None,
            });
        }
        let mut answer = self
            .key
            .do_authentication(self.origin.clone(), options)
            .expect("the authenticator signs");
        if discoverable {
            answer.response.user_handle = Some(handle);
        }
        serde_json::to_value(answer).expect("JSON")
    }

    /// Adds a passkey named `name` to `api`'s account (giving the password); answers the final status and body.
    pub async fn add_to(&mut self, api: &Api, name: &str) -> (StatusCode, Value) {
        let (status, options) = api
            .post(
                "/api/auth/passkeys/registration",
                &json!({"current_password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{options}");
        let credential = self.create(&options);
        api.post(
            "/api/auth/passkeys",
            &json!({"name": name, "credential": credential}),
        )
        .await
    }

    /// Signs `api` in with this passkey, as the login page's button does; answers the final status and body.
    pub async fn sign_in(&mut self, api: &Api) -> (StatusCode, Value) {
        let (status, options) = api
            .post("/api/auth/passkey-login/options", &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{options}");
        let credential = self.get(&options);
        api.post(
            "/api/auth/passkey-login",
            &json!({"credential": credential}),
        )
        .await
    }
}
