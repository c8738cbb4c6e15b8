//! The customer directory (`/directory/v1`) over real HTTP: the bearer check (a client_credentials token
//! of `console-directory` with `directory:read`), the search by name, e-mail or id (case and accents
//! ignored, ids exact, at most 20), one person by any id, and every refusal with what to fix.

mod common;

use common::flow::{access, apiture_get, claims_of, login, token_call, GATEWAY};
use common::sandbox;
use console_sandbox::{Running, DIRECTORY_CLIENT_ID, DIRECTORY_CLIENT_SECRET, SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET};
use serde_json::Value;

const DIRECTORY: Option<(&str, &str)> = Some((DIRECTORY_CLIENT_ID, DIRECTORY_CLIENT_SECRET));

/// A directory token of `console-directory` (HTTP Basic), as the gateway gets it.
async fn directory_token(s: &Running) -> String {
    let (status, _, body) = token_call(s, &[("grant_type", "client_credentials"), ("scope", "directory:read")], DIRECTORY).await;
    assert_eq!(status, 200, "{body}");
    access(&body)
}

async fn get(s: &Running, path: &str, token: Option<&str>) -> (u16, reqwest::header::HeaderMap, Value) {
    apiture_get(s, path, token, None).await
}

fn names(body: &Value) -> Vec<&str> {
    body["people"].as_array().unwrap_or_else(|| panic!("not a people list: {body}")).iter().map(|p| p["name"].as_str().unwrap_or("")).collect()
}

#[tokio::test]
async fn the_directory_client_gets_directory_read_and_nothing_else() {
    let s = sandbox().await;
    let (status, _, body) = token_call(&s, &[("grant_type", "client_credentials")], DIRECTORY).await;
    assert_eq!((status, body["scope"].as_str()), (200, Some("directory:read")), "{body}");
    assert_eq!(claims_of(&access(&body))["sub"], DIRECTORY_CLIENT_ID);
    let (status, _, body) = token_call(&s, &[("grant_type", "client_credentials"), ("scope", "banking/read")], DIRECTORY).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")), "{body}");
    // Nor may the back-office service, or a person's sign-in, read the directory.
    let (_, _, body) = token_call(&s, &[("grant_type", "client_credentials")], Some((SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET))).await;
    assert!(!body["scope"].as_str().unwrap_or("").contains("directory"), "{body}");
    let (status, _, body) = token_call(&s, &[("grant_type", "client_credentials")], GATEWAY).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unauthorized_client")));
    s.shutdown().await;
}

#[tokio::test]
async fn searches_need_a_valid_token_with_directory_read() {
    let s = sandbox().await;
    let (status, headers, body) = get(&s, "/directory/v1/people?q=alice", None).await;
    assert_eq!((status, body["_error"]["type"].as_str()), (401, Some("unauthorized")), "{body}");
    assert!(headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let (status, _, _) = get(&s, "/directory/v1/people/C-100001", Some("not-a-jwt")).await;
    assert_eq!(status, 401);
    let admin = access(&login(&s, "ada", "banking/read").await);
    let (status, headers, body) = get(&s, "/directory/v1/people?q=alice", Some(&admin)).await;
    assert_eq!(status, 403, "a person's token has no directory:read: {body}");
    assert!(headers["www-authenticate"].to_str().unwrap().contains(r#"scope="directory:read""#));
    let (status, _, _) = get(&s, "/directory/v1/people/C-100001", Some(&admin)).await;
    assert_eq!(status, 403);
    s.shutdown().await;
}

#[tokio::test]
async fn a_search_finds_by_part_of_a_name_or_email_ignoring_case_and_accents() {
    let s = sandbox().await;
    let token = directory_token(&s).await;
    for (q, expected) in [
        ("diaz", vec!["Carol Díaz"]),
        ("D%C3%8DAZ", vec!["Carol Díaz"]),
        ("alice.martin%40", vec!["Alice Martin"]),
        ("mart", vec!["Alice Martin"]),
        ("ar", vec!["Alice Martin", "Carol Díaz", "Erin Larsen"]),
        ("%20%20bob%20", vec!["Bob Nguyen"]),
        ("zz", vec![]),
    ] {
        let (status, _, body) = get(&s, &format!("/directory/v1/people?q={q}"), Some(&token)).await;
        assert_eq!(status, 200, "{q}: {body}");
        assert_eq!(names(&body), expected, "{q}");
    }
    let (_, _, body) = get(&s, "/directory/v1/people?q=example.com", Some(&token)).await;
    assert_eq!(names(&body).len(), 7, "every demo person, at most 20");
    s.shutdown().await;
}

#[tokio::test]
async fn a_search_by_any_id_is_exact_and_answers_every_id_of_the_person() {
    let s = sandbox().await;
    let token = directory_token(&s).await;
    for id in ["C-100006", "demo-busy", "b5e70000-0000-4000-8000-000000000006", "usr-demo-0006"] {
        let (status, _, body) = get(&s, &format!("/directory/v1/people?q={id}"), Some(&token)).await;
        assert_eq!((status, names(&body)), (200, vec!["Beatriz Busquets"]), "{id}");
        let person = &body["people"][0];
        assert_eq!(person["person_id"], "C-100006");
        assert_eq!(person["d1_consumer_id"], "demo-busy");
        assert_eq!(person["mas_customer_id"], "b5e70000-0000-4000-8000-000000000006");
        assert_eq!(person["apiture_user_id"], "usr-demo-0006");
    }
    let (_, _, body) = get(&s, "/directory/v1/people?q=demo-bus", Some(&token)).await;
    assert!(names(&body).is_empty(), "an id is not matched by part: {body}");
    s.shutdown().await;
}

#[tokio::test]
async fn one_person_by_any_id_with_null_where_they_have_nothing() {
    let s = sandbox().await;
    let token = directory_token(&s).await;
    for id in ["C-100004", "demo-dave", "da7e0000-0000-4000-8000-000000000004"] {
        let (status, _, body) = get(&s, &format!("/directory/v1/people/{id}"), Some(&token)).await;
        assert_eq!(status, 200, "{id}: {body}");
        assert_eq!(body["name"], "Dave Okafor");
        assert_eq!(body["apiture_user_id"], Value::Null, "Dave has no Apiture user: null, not left out");
        assert!(body.as_object().unwrap().contains_key("apiture_user_id"));
    }
    let (_, _, frank) = get(&s, "/directory/v1/people/usr-demo-0007", Some(&token)).await;
    assert_eq!((frank["name"].as_str(), &frank["d1_consumer_id"]), (Some("Frank Moreau"), &Value::Null));
    let (status, _, body) = get(&s, "/directory/v1/people/C-999999", Some(&token)).await;
    assert_eq!((status, body["_error"]["type"].as_str()), (404, Some("personNotFound")), "{body}");
    assert!(body["_error"]["message"].as_str().unwrap().contains("C-999999"));
    s.shutdown().await;
}

#[tokio::test]
async fn bad_searches_and_ids_are_400_saying_what_to_fix() {
    let s = sandbox().await;
    let token = directory_token(&s).await;
    let long = "x".repeat(101);
    for (path, says) in [
        ("/directory/v1/people".to_string(), "at least 2"),
        ("/directory/v1/people?q=a".to_string(), "at least 2"),
        ("/directory/v1/people?q=%20a%20".to_string(), "at least 2"),
        (format!("/directory/v1/people?q={long}"), "has 101 characters"),
        ("/directory/v1/people?q=al%00ice".to_string(), "U+0000"),
        ("/directory/v1/people?q=alice&limit=5".to_string(), "use only q"),
        ("/directory/v1/people/a%20b".to_string(), "personId"),
        ("/directory/v1/people/a.b".to_string(), "personId"),
    ] {
        let (status, _, body) = get(&s, &path, Some(&token)).await;
        assert_eq!(status, 400, "{path}: {body}");
        let message = body["_error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{path}: {message}");
    }
    let (_, _, body) = get(&s, &format!("/directory/v1/people?q={}", "é".repeat(100)), Some(&token)).await;
    assert!(names(&body).is_empty(), "100 characters is fine, counted as characters: {body}");
    s.shutdown().await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_directory() {
    let s = sandbox().await;
    let doc: Value = reqwest::get(format!("{}/banking/v1/openapi.json", s.base_url())).await.unwrap().json().await.unwrap();
    for path in ["/directory/v1/people", "/directory/v1/people/{personId}"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is documented");
    }
    let person = &doc["components"]["schemas"]["DirectoryPerson"]["properties"];
    for field in ["person_id", "name", "email", "d1_consumer_id", "mas_customer_id", "apiture_user_id"] {
        assert!(person[field].is_object(), "{field}");
    }
    s.shutdown().await;
}
