//! `GET /api/openapi.json`: the generated description of the whole JSON API.

use crate::common;

use common::spawn_app;
use reqwest::StatusCode;
use serde_json::Value;

/// Every route the API serves, as (method, OpenAPI path).
const ROUTES: [(&str, &str); 50] = [
    ("post", "/api/auth/register"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/login/code"),
    ("post", "/api/auth/reauthenticate"),
    ("post", "/api/auth/two-factor"),
    ("delete", "/api/auth/two-factor"),
    ("post", "/api/auth/two-factor/confirm"),
    ("post", "/api/auth/two-factor/recovery-codes"),
    ("post", "/api/auth/login/passkey/options"),
    ("post", "/api/auth/login/passkey"),
    ("post", "/api/auth/passkey-login/options"),
    ("post", "/api/auth/passkey-login"),
    ("get", "/api/auth/passkeys"),
    ("post", "/api/auth/passkeys"),
    ("post", "/api/auth/passkeys/registration"),
    ("patch", "/api/auth/passkeys/{id}"),
    ("delete", "/api/auth/passkeys/{id}"),
    ("post", "/api/auth/logout"),
    ("get", "/api/auth/me"),
    ("post", "/api/auth/password"),
    ("post", "/api/auth/confirm"),
    ("post", "/api/auth/confirm/resend"),
    ("post", "/api/auth/forgot"),
    ("post", "/api/auth/reset"),
    ("post", "/api/auth/email"),
    ("post", "/api/auth/email/confirm"),
    ("get", "/api/auth/tokens"),
    ("post", "/api/auth/tokens"),
    ("delete", "/api/auth/tokens/{id}"),
    ("get", "/api/todos"),
    ("post", "/api/todos"),
    ("get", "/api/todos/{id}"),
    ("patch", "/api/todos/{id}"),
    ("put", "/api/todos/{id}"),
    ("delete", "/api/todos/{id}"),
    ("post", "/api/todos/toggle-all"),
    ("post", "/api/todos/clear-completed"),
    ("post", "/api/todos/sync"),
    ("get", "/api/events"),
    ("get", "/api/account/sessions"),
    ("delete", "/api/account/sessions/{id}"),
    ("post", "/api/account/sessions/sign-out-others"),
    ("get", "/api/account/activity"),
    ("get", "/api/account/export"),
    ("delete", "/api/account"),
    ("get", "/api/admin/users"),
    ("post", "/api/admin/users/{id}/activate"),
    ("post", "/api/admin/users/{id}/deactivate"),
    ("post", "/api/admin/users/{id}/roles/{role}"),
    ("delete", "/api/admin/users/{id}/roles/{role}"),
];

async fn document() -> Value {
    let app = spawn_app().await;
    let response = app.anonymous().get("/api/openapi.json").await;
    assert_eq!(response.0, StatusCode::OK, "public, no login needed");
    response.1
}

#[tokio::test]
async fn the_document_describes_every_route_and_nothing_else() {
    let doc = document().await;
    assert!(doc["openapi"]
        .as_str()
        .is_some_and(|version| version.starts_with("3.")));
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .expect("operations")
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);
}

#[tokio::test]
async fn schemas_match_what_the_api_answers() {
    let doc = document().await;
    let schemas = &doc["components"]["schemas"];
    let todo_fields: Vec<&str> = schemas["Todo"]["required"]
        .as_array()
        .expect("Todo.required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        todo_fields,
        ["id", "title", "completed", "created_at", "updated_at"]
    );
    assert!(schemas["ErrorBody"]["properties"]["error"].is_object());
    assert!(schemas["User"]["properties"].get("password_hash").is_none());
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "leptodo_session");
    let list = &doc["paths"]["/api/todos"]["get"];
    let parameters: Vec<&str> = list["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|parameter| parameter["name"].as_str())
        .collect();
    assert_eq!(parameters, ["filter", "limit", "after"]);
    assert_eq!(list["parameters"][1]["schema"]["maximum"], 1000);
    assert!(list["responses"]["200"]["headers"]["Link"].is_object());
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"],
        "#/components/schemas/Todo"
    );
    let events = &doc["paths"]["/api/events"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        events["text/event-stream"]["schema"]["$ref"],
        "#/components/schemas/TodoEvent"
    );
    // The change's own fields (flattened into the event) and the version every event carries.
    let event = &schemas["TodoEvent"]["allOf"];
    assert_eq!(event[0]["$ref"], "#/components/schemas/Change");
    assert_eq!(event[1]["required"], serde_json::json!(["version"]));
    assert!(schemas["Change"]["oneOf"]
        .as_array()
        .is_some_and(|kinds| kinds.len() == 5));
    assert!(schemas["ListVersion"]["properties"]["version"].is_object());
}

#[tokio::test]
async fn every_operation_that_needs_a_login_documents_401() {
    let doc = document().await;
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let secured = operation["security"]
                .as_array()
                .is_some_and(|requirements| !requirements.is_empty());
            if secured {
                assert!(operation["responses"]["401"].is_object(), "{method} {path}");
            }
        }
    }
}

#[tokio::test]
async fn every_schema_reference_resolves() {
    fn references(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target.clone());
                }
                map.values().for_each(|value| references(value, found));
            }
            Value::Array(items) => items.iter().for_each(|value| references(value, found)),
            _ => {}
        }
    }
    let document = document().await;
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(found.iter().any(|target| target.ends_with("/TodoFilter")));
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {target}"));
        assert!(
            document["components"]["schemas"].get(name).is_some(),
            "{target} is not defined"
        );
    }
}
