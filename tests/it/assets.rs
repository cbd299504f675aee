//! How answers travel: compressed as the client accepts (brotli first), site files as compressed at build time
//! and never again, and each with the cache policy it deserves.

use crate::common;

use common::{spawn_app_with, TestApp};
use reqwest::{header, Method, Response, StatusCode};
use serde_json::json;

/// `path` asked for with `Accept-Encoding: accepted` by the client `api`.
async fn fetch(api: &common::Api, path: &str, accepted: &str) -> Response {
    api.raw(Method::GET, path)
        .header(header::ACCEPT_ENCODING, accepted)
        .send()
        .await
        .expect("answer")
}

fn header_of(response: &Response, name: header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().expect("ASCII").to_owned())
}

/// A site root of its own: a built stylesheet with hand-made compressed copies (whose bytes could not come out
/// of a compressor, so a test can tell they were sent as they are) and a public file with none.
fn site_with_built_files() -> tempfile::TempDir {
    let site = tempfile::tempdir().expect("temporary directory");
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).expect("pkg directory");
    let css = "body { color: black; }\n".repeat(100);
    std::fs::write(pkg.join("leptodo.css"), &css).expect("stylesheet");
    std::fs::write(pkg.join("leptodo.css.br"), "made by the build, brotli").expect("brotli copy");
    std::fs::write(pkg.join("leptodo.css.gz"), "made by the build, gzip").expect("gzip copy");
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><!-- {} --></svg>",
        "x".repeat(2000)
    );
    std::fs::write(site.path().join("favicon.svg"), svg).expect("public file");
    site
}

async fn spawn_with_site(site: &tempfile::TempDir) -> TestApp {
    let root = site.path().display().to_string();
    spawn_app_with(move |settings| settings.site_root = root).await
}

#[tokio::test]
async fn pages_and_api_answers_are_compressed_as_the_client_accepts_and_never_stored() {
    let site = site_with_built_files();
    let app = spawn_with_site(&site).await;
    let api = app.user("reader").await;
    for n in 0..40 {
        let (status, _) = api
            .post(
                "/api/todos",
                &json!({ "title": format!("todo number {n}") }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    for path in ["/api/todos", "/", "/login"] {
        let plain = fetch(&api, path, "identity").await;
        assert_eq!(plain.status(), StatusCode::OK, "{path}");
        assert_eq!(header_of(&plain, header::CONTENT_ENCODING), None, "{path}");
        assert_eq!(
            header_of(&plain, header::CACHE_CONTROL).as_deref(),
            Some("no-store"),
            "{path}"
        );
        let plain_body = plain.bytes().await.expect("body");
        assert!(plain_body.len() > 1024, "{path} is big enough to compress");

        for (accepted, sent) in [
            ("gzip, deflate, br", "br"),
            ("gzip", "gzip"),
            ("br;q=0, gzip", "gzip"),
        ] {
            let response = fetch(&api, path, accepted).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(
                header_of(&response, header::CONTENT_ENCODING).as_deref(),
                Some(sent),
                "{path} {accepted}"
            );
            assert!(
                header_of(&response, header::VARY)
                    .is_some_and(|vary| vary.contains("accept-encoding")),
                "{path}: caches must key on Accept-Encoding"
            );
            assert_eq!(
                header_of(&response, header::CACHE_CONTROL).as_deref(),
                Some("no-store"),
                "{path}"
            );
            let body = response.bytes().await.expect("body");
            assert!(
                body.len() < plain_body.len() / 2,
                "{path} {accepted}: {} bytes",
                body.len()
            );
            if sent == "gzip" {
                assert_eq!(&body[..2], &[0x1f, 0x8b], "{path}: a gzip stream");
            }
        }
    }
}

#[tokio::test]
async fn small_answers_are_sent_as_they_are() {
    let site = site_with_built_files();
    let app = spawn_with_site(&site).await;
    let api = app.user("brief").await;
    for path in ["/healthz", "/api/todos", "/api/auth/me"] {
        let response = fetch(&api, path, "br, gzip").await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(
            header_of(&response, header::CONTENT_ENCODING),
            None,
            "{path}"
        );
    }
}

#[tokio::test]
async fn site_files_are_sent_as_compressed_at_build_time_and_cached_as_their_names_allow() {
    let site = site_with_built_files();
    let app = spawn_with_site(&site).await;
    let visitor = app.anonymous();

    for (accepted, sent, body) in [
        ("gzip, br", Some("br"), "made by the build, brotli"),
        ("gzip", Some("gzip"), "made by the build, gzip"),
        ("identity", None, ""),
    ] {
        let response = fetch(&visitor, "/pkg/leptodo.css", accepted).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header_of(&response, header::CONTENT_ENCODING).as_deref(),
            sent,
            "{accepted}"
        );
        assert!(
            header_of(&response, header::VARY).is_some_and(|vary| vary.contains("accept-encoding"))
        );
        // The test binary has no fingerprint file beside it: a built file without a hash in its name may change
        // at the next build, so the browser must ask again (a fingerprinted build's files are immutable, which
        // end2end/tests/loading.spec.ts checks against the release build).
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL).as_deref(),
            Some("no-cache")
        );
        let received = response.text().await.expect("body");
        if sent.is_some() {
            assert_eq!(received, body, "the build's copy, sent as it is");
        } else {
            assert!(received.starts_with("body { color: black; }"));
        }
    }

    // A public file without compressed copies goes out as it is: nothing is compressed per request.
    let favicon = fetch(&visitor, "/favicon.svg", "br, gzip").await;
    assert_eq!(favicon.status(), StatusCode::OK);
    assert_eq!(header_of(&favicon, header::CONTENT_ENCODING), None);
    assert_eq!(
        header_of(&favicon, header::CACHE_CONTROL).as_deref(),
        Some("public, max-age=86400")
    );

    for missing in ["/pkg/nothing.js", "/nothing.svg"] {
        let response = fetch(&visitor, missing, "br").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL).as_deref(),
            Some("no-store"),
            "{missing}"
        );
    }
}

#[tokio::test]
async fn the_service_worker_names_this_builds_files_is_asked_for_afresh_and_may_only_fetch_from_the_site(
) {
    let site = site_with_built_files();
    let app = spawn_with_site(&site).await;
    let response = fetch(&app.browser, "/sw.js", "identity").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header_of(&response, header::CONTENT_TYPE)
        .is_some_and(|kind| kind.starts_with("text/javascript")));
    assert_eq!(
        header_of(&response, header::CACHE_CONTROL).as_deref(),
        Some("no-cache")
    );
    assert_eq!(
        header_of(&response, header::CONTENT_SECURITY_POLICY).as_deref(),
        Some("default-src 'none'; connect-src 'self'")
    );
    let script = response.text().await.expect("the script");
    assert!(
        script.contains(r#"const BUILD_FILES = ["/pkg/leptodo.css"];"#),
        "{script}"
    );
    assert!(script.contains(r#"const LOGIN_HEADER = "leptodo-login";"#));
}

#[tokio::test]
async fn every_page_names_its_login_and_a_visitors_page_none() {
    let app = spawn_app_with(|_| {}).await;
    let login = |response: &Response| {
        response
            .headers()
            .get("leptodo-login")
            .map(|value| value.to_str().expect("ASCII").to_owned())
    };
    assert_eq!(login(&app.browser.navigate("/login").await), None);
    let ann = app.user("ann").await;
    let todos = login(&ann.navigate("/").await).expect("the todo page names its login");
    assert_eq!(
        login(&ann.navigate("/account").await).as_deref(),
        Some(todos.as_str())
    );
    assert_eq!(login(&ann.fetch("/api/todos").await), None, "only pages");
    let bob = app.user("bob").await;
    assert_ne!(login(&bob.navigate("/").await), Some(todos));
}
