//! The devices page's "API tokens" section: list, create (the secret shown once) and revoke.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{ApiToken, NewApiToken};
use crate::auth::reauth::reauth_input;
use crate::{
    domain::TokenName,
    error::AppError,
    form_errors::{refusal, ErrorSummary, Field, FormErrors, Input},
    moment::Moment,
    secret::Secret,
};

/// What the section shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenList {
    /// The user's tokens, oldest first.
    pub tokens: Vec<ApiToken>,
    /// A token created by a form POST without JavaScript, shown on the page it returned to, once.
    pub just_created: Option<NewApiToken>,
    /// Whether the password was entered recently enough to create a token without typing it again.
    pub password_fresh: bool,
}

/// The logged-in user's tokens.
#[server]
pub async fn load_tokens() -> Result<TokenList, AppError> {
    use self::server::*;
    let (state, session, user) = logged_in().await?;
    let tokens = service::list(&state, &user).await?;
    let password_fresh = reauth::is_fresh(state.sessions, &session).await?;
    let just_created = crate::flash::take_secret::<NewApiToken>()
        .await?
        // Only while it is one of this user's: the browser may have logged in as someone else since.
        .filter(|created| tokens.iter().any(|token| token.id == created.id));
    Ok(TokenList {
        tokens,
        just_created,
        password_fresh,
    })
}

/// Creates a token named `name`; its secret is in the answer and nowhere else. `current_password` is needed
/// when this session's was entered too long ago.
#[server]
pub async fn create_token(
    name: String,
    current_password: Option<Secret>,
) -> Result<NewApiToken, AppError> {
    use self::server::*;
    let result = async {
        let (state, session, user) = logged_in().await?;
        let ip = crate::state::client_ip().await;
        let proof = reauth::Proof {
            session: Some(&session),
            password: current_password.as_ref(),
        };
        let token = service::create(&state, &user, proof, &name, ip.as_deref()).await?;
        // Without JavaScript the answer is a redirect, so the page it returns to shows the secret instead.
        if is_plain_form_post() {
            crate::flash::set_secret(&token).await?;
        }
        Ok(token)
    }
    .await;
    with_status(result)
}

/// Revokes one of the logged-in user's tokens.
#[server]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    use self::server::*;
    let result = async {
        let (state, _, user) = logged_in().await?;
        service::revoke(&state, &user, id, client_ip().await.as_deref()).await
    }
    .await;
    with_status(result)
}

#[cfg(feature = "ssr")]
mod server {
    pub use crate::{
        auth::{reauth, session::logged_in, tokens::service},
        error::{is_plain_form_post, with_status},
        state::client_ip,
    };
}

/// The section: the list, the form that creates a token and each token's revoke button.
#[component]
pub fn TokensPanel() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let list = Resource::new(|| (), |_| load_tokens());
    let errors = FormErrors::new(
        "token",
        refusal(create).as_ref(),
        &[TOKEN_NAME, TOKEN_PASSWORD],
    );
    let revoke_errors = FormErrors::new("revoke", refusal(revoke).as_ref(), &[]);

    view! {
        <section class="tokens">
            <h2>"API tokens"</h2>
            <p>
                "Scripts can use the JSON API (" <a href="/api/openapi.json">"OpenAPI description"</a>
                ") by sending " <code>"Authorization: Bearer <token>"</code>
                ". Changing your password revokes every token."
            </p>
            <ErrorSummary errors=revoke_errors />
            <Transition fallback=|| ()>
                {move || {
                    let errors = errors.clone();
                    list.get()
                        .map(|loaded| match loaded {
                            Ok(loaded) => {
                                view! {
                                    <ErrorSummary errors=errors.clone() />
                                    <ActionForm action=create attr:class="auth-form token-form">
                                        {errors
                                            .input(
                                                TOKEN_NAME,
                                                Input::text("Token name")
                                                    .required()
                                                    .max_length(TokenName::MAX_CHARS)
                                                    .placeholder("backup script"),
                                            )}
                                        {(!loaded.password_fresh)
                                            .then(|| errors.input(TOKEN_PASSWORD, reauth_input()))}
                                        <button type="submit">"Create token"</button>
                                    </ActionForm>
                                    {loaded.just_created.map(new_token_view)}
                                    {token_table(loaded.tokens, revoke)}
                                }
                                    .into_any()
                            }
                            Err(error) => {
                                view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

fn new_token_view(token: NewApiToken) -> impl IntoView {
    view! {
        <div class="flash new-token" role="status">
            <p>"Token “" {token.name} "” created. Copy it now: it will not be shown again."</p>
            <code class="token-secret">{token.token}</code>
        </div>
    }
}

fn token_table(tokens: Vec<ApiToken>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="no-tokens">"No tokens yet."</p> }.into_any();
    }
    view! {
        <table class="token-list">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Created"</th>
                    <th>"Last used"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {tokens
                    .into_iter()
                    .map(|token| {
                        let revoke_label = format!("Revoke ‘{}’", token.name);
                        view! {
                            <tr>
                                <td class="token-name">{token.name}</td>
                                <td>
                                    <Moment at=token.created_at />
                                </td>
                                <td>
                                    {token
                                        .last_used_at
                                        .map_or_else(|| "never".into_any(), |at| view! { <Moment at /> }.into_any())}
                                </td>
                                <td>
                                    <ActionForm action=revoke>
                                        <input type="hidden" name="id" value=token.id />
                                        <button type="submit" aria-label=revoke_label>
                                            "Revoke"
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The new token's name input.
const TOKEN_NAME: Field = Field::new("name", "token-name");
/// The password input, shown when this session's password was entered too long ago.
const TOKEN_PASSWORD: Field = Field::new("current_password", "token-password");
