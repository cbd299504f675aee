//! Who may administer: logged-in users holding the `admin` role. Anyone else logged in is refused with 403;
//! visitors get 401 (the pages send them to the login form instead).

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{
    audit::Actor,
    auth::{api_user::ApiUser, queries, queries::UserRecord, session},
    domain::RoleName,
    error::AppError,
    state::ClientIp,
    state::{client_ip, AppState},
};

async fn ensure_admin(state: &AppState, user: &UserRecord) -> Result<(), AppError> {
    let roles = queries::role_names(state.pool.reads(), user.id).await?;
    match roles.iter().any(|role| role == RoleName::ADMIN) {
        true => Ok(()),
        false => Err(AppError::Forbidden),
    }
}

/// Inside a server function or a page rendered on the server: the state and the calling admin.
pub async fn admin_in_server_fn() -> Result<(AppState, Actor), AppError> {
    let (state, _, user) = session::logged_in().await?;
    ensure_admin(&state, &user).await?;
    let actor = Actor::admin(&user, client_ip().await);
    Ok((state, actor))
}

/// An admin calling the JSON API (session cookie or bearer token), as the actor of what they do.
pub struct ApiAdmin(pub Actor);

impl FromRequestParts<AppState> for ApiAdmin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = ApiUser::from_request_parts(parts, state).await?;
        ensure_admin(state, &caller.record).await?;
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
        Ok(Self(Actor::admin(&caller.record, ip)))
    }
}
