//! `/admin/audit`: the latest administrative actions, newest first.

use leptos::prelude::*;
use leptos_meta::Title;

use super::AuditEntry;
use crate::{
    admin::layout::{refusal_view, AdminNav},
    error::AppError,
};

/// The latest 100 audit entries, for an admin.
#[server]
pub async fn load_audit_log() -> Result<Vec<AuditEntry>, AppError> {
    use crate::{
        admin::access::admin_in_server_fn,
        audit::{queries, AUDIT_ENTRIES_SHOWN},
    };
    let (state, _) = admin_in_server_fn().await?;
    Ok(queries::recent_entries(&state.pool, AUDIT_ENTRIES_SHOWN).await?)
}

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| load_audit_log());
    view! {
        <Title text="Audit log · Admin · Leptodo" />
        <section class="admin">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    entries
                        .get()
                        .map(|loaded| match loaded {
                            Ok(entries) => entries_view(entries),
                            Err(error) => refusal_view(error, "/admin/audit"),
                        })
                }}
            </Transition>
        </section>
    }
}

fn entries_view(entries: Vec<AuditEntry>) -> AnyView {
    let summary = match entries.len() {
        0 => "Nothing has been done yet.".to_owned(),
        1 => "One action so far.".to_owned(),
        count => format!("The latest {count} actions, newest first."),
    };
    view! {
        <AdminNav />
        <h1>"Audit log"</h1>
        <p class="admin-summary">{summary}</p>
        <table class="audit-log">
            <thead>
                <tr>
                    <th>"When"</th>
                    <th>"Who"</th>
                    <th>"What"</th>
                    <th>"To whom"</th>
                    <th>"Role"</th>
                    <th>"From"</th>
                </tr>
            </thead>
            <tbody>
                {entries
                    .into_iter()
                    .map(|entry| {
                        view! {
                            <tr>
                                <td>{entry.at.readable()}</td>
                                <td class="actor">{entry.actor}</td>
                                <td class="action">{entry.action.label()}</td>
                                <td class="target">{entry.target}</td>
                                <td>{entry.detail.unwrap_or_default()}</td>
                                <td>{entry.ip.unwrap_or_default()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
