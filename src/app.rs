//! The HTML shell and the router: which page answers which path.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::MetaTags;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

use crate::{
    account::{ActivityPage, DataPage, DevicesPage, ProfilePage, SecurityPage},
    admin::UsersPage,
    audit::AuditPage,
    auth::{
        email::{ConfirmPage, ConfirmationBanner, EmailChangePage, ForgotPage, ResetPage},
        two_factor::{RecoveryCodesPage, SecondStepPage, TwoFactorSetupPage},
        Auth, LoginPage, LogoutButton, RegisterPage,
    },
    todos::TodoPage,
};

/// The document around every page, rendered on the server only.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    crate::security::headers::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=crate::assets::fingerprints::stylesheet_href() />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: every page, rendered on the server; only its islands run in the browser.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Leptodo" />
        <Router>
            <Layout />
        </Router>
    }
}

/// Everything inside the router: the header and the page for the current path.
#[component]
fn Layout() -> impl IntoView {
    Auth::provide();
    view! {
        <SiteHeader />
        <ConfirmationBanner />
        <main>
                // Async rendering sends each page whole, with its data in place: it must read and work with
                // JavaScript off, and a page may still set its status or redirect once its data is known.
                <Routes fallback=NotFound>
                    <Route path=StaticSegment("login") view=LoginPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("login"), StaticSegment("code"))
                        view=SecondStepPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("register") view=RegisterPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("account") view=ProfilePage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("account"), StaticSegment("security"))
                        view=SecurityPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("account"), StaticSegment("sessions"))
                        view=DevicesPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("account"), StaticSegment("activity"))
                        view=ActivityPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("account"), StaticSegment("data"))
                        view=DataPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("account"), StaticSegment("two-factor"))
                        view=TwoFactorSetupPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(
                            StaticSegment("account"),
                            StaticSegment("two-factor"),
                            StaticSegment("recovery-codes"),
                        )
                        view=RecoveryCodesPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("forgot") view=ForgotPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("reset"), ParamSegment("token"))
                        view=ResetPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("confirm"), ParamSegment("token"))
                        view=ConfirmPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("change-email"), ParamSegment("token"))
                        view=EmailChangePage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("admin") view=UsersPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("admin"), StaticSegment("audit"))
                        view=AuditPage
                        ssr=SsrMode::Async
                    />
                    // One page for the three filters: moving between them keeps the list mounted.
                    <ParentRoute path=StaticSegment("") view=TodoPage ssr=SsrMode::Async>
                        <Route path=StaticSegment("") view=|| () ssr=SsrMode::Async />
                        <Route path=StaticSegment("active") view=|| () ssr=SsrMode::Async />
                        <Route path=StaticSegment("completed") view=|| () ssr=SsrMode::Async />
                    </ParentRoute>
                </Routes>
            </main>
    }
}

/// The bar on top of every page: the user's name and logout, or links to log in and register.
#[component]
fn SiteHeader() -> impl IntoView {
    let auth = Auth::expect();
    view! {
        <header class="site-header">
            <a href="/" class="brand">
                "Leptodo"
            </a>
            <nav>
                <Transition fallback=|| ()>
                    {move || {
                        auth.user
                            .get()
                            .map(|user| match user {
                                Ok(Some(user)) => {
                                    let is_admin = user.has_role("admin");
                                    view! {
                                        <a href="/account" class="user-name">
                                            {user.name}
                                        </a>
                                        {is_admin
                                            .then(|| view! { <a href="/admin" class="admin-link">"Admin"</a> })}
                                        <LogoutButton />
                                    }
                                        .into_any()
                                }
                                _ => {
                                    view! {
                                        <a href="/login">"Log in"</a>
                                        <a href="/register">"Register"</a>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Transition>
            </nav>
        </header>
    }
}

/// The page for a path no route claims; answered with status 404.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Leptodo" />
        <h1>"Page not found"</h1>
        <p>
            <a href="/">"Back to the start page"</a>
        </p>
    }
}
