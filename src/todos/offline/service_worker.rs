//! `GET /sw.js`: the service worker (`service_worker.js`), with this build's name and files filled in, so a
//! new build is a new worker to the browser.

use std::path::Path;

use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use super::PAGES_CACHE;
use crate::{
    assets::PKG_DIR, auth::session::LOGIN_HEADER, state::AppState, todos::sync::BROWSER_DATABASE,
};

/// The worker's source, with `__NAMES__` to fill in.
const TEMPLATE: &str = include_str!("service_worker.js");
/// The browser asks for the worker again at each navigation: answered afresh, so a new build reaches it.
const REVALIDATE: &str = "no-cache";
/// A worker's policy governs its own requests: it fetches from this site only and loads nothing.
const WORKER_POLICY: &str = "default-src 'none'; connect-src 'self'";

/// Answers the service worker of the build being served.
pub async fn serve(State(state): State<AppState>) -> Response {
    let options = &state.leptos_options;
    let script = render(Path::new(&*options.site_root), options.hash_files);
    let mut response = script.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(WORKER_POLICY),
    );
    response
}

/// The worker for the site at `site_root`. Its build name is a digest of the build's files (names, and when
/// the names are not fingerprinted, sizes and times), so it changes exactly when they do.
fn render(site_root: &Path, fingerprinted: bool) -> String {
    let files = build_files(site_root, fingerprinted);
    let mut digest = Sha256::new();
    for (address, stamp) in &files {
        digest.update(address.as_bytes());
        digest.update(stamp.as_bytes());
    }
    let build = hex::encode(&digest.finalize()[..8]);
    let addresses: Vec<&str> = files.iter().map(|(address, _)| address.as_str()).collect();
    TEMPLATE
        .replace("__BUILD__", &build)
        .replace(
            "__BUILD_FILES__",
            &serde_json::to_string(&addresses).unwrap_or_else(|_| "[]".to_owned()),
        )
        .replace(
            "__FINGERPRINTED__",
            if fingerprinted { "true" } else { "false" },
        )
        .replace("__PAGES_CACHE__", PAGES_CACHE)
        .replace("__DATABASE__", BROWSER_DATABASE)
        .replace("__LOGIN_HEADER__", LOGIN_HEADER)
}

/// The addresses of the build's files under `/pkg/` (not their compressed copies, which the server picks by
/// itself), each with what tells a changed file under the same name.
fn build_files(site_root: &Path, fingerprinted: bool) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut folders = vec![site_root.join(PKG_DIR)];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                folders.push(path);
                continue;
            }
            let compressed = path
                .extension()
                .is_some_and(|extension| extension == "br" || extension == "gz");
            let Ok(relative) = path.strip_prefix(site_root) else {
                continue;
            };
            if compressed {
                continue;
            }
            let stamp = match fingerprinted {
                true => String::new(),
                false => format!("{}:{:?}", metadata.len(), metadata.modified().ok()),
            };
            files.push((format!("/{}", relative.to_string_lossy()), stamp));
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn a_new_build_is_a_new_worker_and_compressed_copies_are_not_listed() {
        let site = tempfile::tempdir().expect("a folder");
        let pkg = site.path().join("pkg");
        std::fs::create_dir_all(pkg.join("snippets")).expect("folders");
        for name in [
            "leptodo.a1.js",
            "leptodo.a1.js.br",
            "leptodo_bg.b2.wasm",
            "snippets/s.js",
        ] {
            std::fs::write(pkg.join(name), name).expect("a file");
        }
        let first = render(site.path(), true);
        assert!(first
            .contains(r#"["/pkg/leptodo.a1.js","/pkg/leptodo_bg.b2.wasm","/pkg/snippets/s.js"]"#));
        assert!(!first.contains("__"), "every name is filled in");
        std::fs::write(pkg.join("leptodo.c3.css"), "css").expect("a file");
        assert_ne!(render(site.path(), true), first);
    }
}
