//! The `/admin` pages as a browser without JavaScript gets them: who may see them, and the forms.

use crate::common;

use common::{
    admins::{admin, id_of, managed},
    spawn_app,
};
use reqwest::{header, Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn the_admin_pages_send_visitors_to_log_in_and_refuse_other_users_with_403() {
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let ann = app.user("ann").await;
    for path in ["/admin", "/admin/audit"] {
        let response = app.anonymous().navigate(path).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{path}");
        let location = response.headers()[header::LOCATION]
            .to_str()
            .expect("location");
        assert_eq!(
            location,
            format!("/login?next={}", path.replace('/', "%2F"))
        );

        let response = ann.navigate(path).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        let html = response.text().await.expect("HTML");
        assert!(html.contains("Admins only"), "{html}");
        assert!(!html.contains("root@example.com"), "{html}");
        assert!(!html.contains("admin-nav"), "{html}");
    }

    let response = root.navigate("/admin?q=ANN").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("HTML");
    assert!(html.contains("ann@example.com"), "{html}");
    assert!(html.contains(r#"data-username="ann""#), "{html}");
    assert!(
        !html.contains(r#"data-username="root""#),
        "search ignored: {html}"
    );
    assert!(html.contains("Deactivate ann"), "{html}");
    assert!(
        html.contains(r#"value="ANN""#),
        "search box keeps the query: {html}"
    );

    let ann_id = id_of(&ann).await;
    root.post(&format!("/api/admin/users/{ann_id}/deactivate"), &json!({}))
        .await;
    let response = root.navigate("/admin/audit").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("HTML");
    for expected in [
        "deactivate",
        "ann",
        "root",
        "127.0.0.1",
        "grant role",
        "command line",
    ] {
        assert!(html.contains(expected), "{expected} missing: {html}");
    }
}

#[tokio::test]
async fn the_users_table_works_without_javascript() {
    use leptos::server_fn::ServerFn;
    let app = spawn_app().await;
    let root = admin(&app, "root").await;
    let ann = app.user("ann").await;
    let ann_id = id_of(&ann).await.to_string();
    let submit = |fields: Vec<(&'static str, String)>| {
        let request = root
            .raw(Method::POST, leptodo::admin::users_page::ManageUser::PATH)
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("{}/admin?q=ann", app.address))
            .form(&fields);
        // Answers where the browser is sent back to, as a path.
        let address = app.address.clone();
        async move {
            let response = request.send().await.expect("answers");
            assert_eq!(response.status(), StatusCode::FOUND);
            let back = response.headers()[header::LOCATION]
                .to_str()
                .expect("location");
            back.strip_prefix(&address).unwrap_or(back).to_owned()
        }
    };
    let back = submit(vec![
        ("id", ann_id.clone()),
        ("change", "grant".into()),
        ("role", "admin".into()),
    ])
    .await;
    assert_eq!(back, "/admin?q=ann");
    assert_eq!(
        managed(&root, "ann").await["roles"],
        json!(["admin", "user"])
    );

    submit(vec![
        ("id", ann_id.clone()),
        ("change", "deactivate".into()),
        ("role", String::new()),
    ])
    .await;
    assert_eq!(managed(&root, "ann").await["active"], false);
    assert_eq!(ann.get("/api/auth/me").await.0, StatusCode::UNAUTHORIZED);

    // A refusal comes back to the page, which shows why.
    let root_id = id_of(&root).await.to_string();
    let back = submit(vec![
        ("id", root_id),
        ("change", "deactivate".into()),
        ("role", String::new()),
    ])
    .await;
    let html = root.navigate(&back).await.text().await.expect("HTML");
    assert!(
        html.contains("You cannot deactivate your own account."),
        "{back}: {html}"
    );
}
