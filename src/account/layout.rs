//! What every page of the account area shares: the navigation between its sections, the section's heading,
//! and local times.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::moment::LocalTimes;

/// The sections of the account area, in the navigation's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `/account`: name, address, username.
    Profile,
    /// `/account/security`: password, two-factor sign-in, passkeys.
    Security,
    /// `/account/sessions`: signed-in devices and API tokens.
    Devices,
    /// `/account/activity`: the security log.
    Activity,
    /// `/account/data`: export, delete.
    Data,
}

impl Section {
    const ALL: [Self; 5] = [
        Self::Profile,
        Self::Security,
        Self::Devices,
        Self::Activity,
        Self::Data,
    ];

    /// The section's page.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Profile => "/account",
            Self::Security => "/account/security",
            Self::Devices => "/account/sessions",
            Self::Activity => "/account/activity",
            Self::Data => "/account/data",
        }
    }

    /// The section's name, in the navigation and as its page's heading.
    pub const fn title(self) -> &'static str {
        match self {
            Self::Profile => "Profile",
            Self::Security => "Password and sign-in",
            Self::Devices => "Devices",
            Self::Activity => "Activity",
            Self::Data => "Your data",
        }
    }
}

/// A page of the account area: the navigation beside (on a phone, above) the section.
#[component]
pub fn AccountArea(section: Section, children: Children) -> impl IntoView {
    view! {
        <Title text=format!("{} · Your account · Leptodo", section.title()) />
        <div class="account-area">
            <nav class="account-nav" aria-label="Your account">
                <ul>
                    {Section::ALL
                        .into_iter()
                        .map(|each| {
                            let current = (each == section).then_some("page");
                            view! {
                                <li>
                                    <a href=each.path() aria-current=current>
                                        {each.title()}
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
            <section class="account account-section" aria-labelledby="account-section-title">
                <h1 id="account-section-title">{section.title()}</h1>
                {children()}
            </section>
        </div>
        <LocalTimes />
    }
}
