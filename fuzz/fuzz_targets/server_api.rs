//! The whole request handling of the http scenario's API (`crates/server/src/api.rs`'s
//! router) without a socket: a request of a fuzzed method, route, query and body goes through
//! the router as a `tower` service. Every answer is one of the contract's (never a 500,
//! which is a bug or a panic), with a JSON body `{"error": code, "message": text}` whose
//! code is the status's; a person stored by PUT reads back the same from GET, and DELETE
//! removes it.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use ffibench_server::api::{AppState, router};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tower::ServiceExt;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a tokio runtime")
    })
}

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
];
const ROUTES: [&str; 7] = [
    "/health",
    "/openapi.json",
    "/stats",
    "/words/top",
    "/people/",
    "/matmul",
    "/",
];

/// Sends one request; returns the status and the body read as JSON (Null when empty).
async fn send(
    state: &Arc<AppState>,
    method: Method,
    uri: &str,
    body: Vec<u8>,
) -> Option<(StatusCode, Value)> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .ok()?;
    let response = router(Arc::clone(state))
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            panic!(
                "{status}: not JSON ({error}): {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    Some((status, value))
}

fn check(status: StatusCode, body: &Value) {
    let code = match status.as_u16() {
        200 | 201 => return assert!(!body.is_null(), "{status} with no body"),
        204 => return assert!(body.is_null(), "204 with a body"),
        400 => &["malformed_json", "invalid_value"][..],
        404 => &["not_found"][..],
        405 => &["method_not_allowed"][..],
        413 => &["too_large"][..],
        422 => &["wrong_shape"][..],
        _ => panic!("status {status}: {body}"),
    };
    let found = body.get("error").and_then(Value::as_str);
    assert!(
        found.is_some_and(|found| code.contains(&found)),
        "{status} with {body}"
    );
    assert!(
        body.get("message").is_some_and(Value::is_string),
        "{status} with {body}"
    );
}

// The input: a method byte, a route byte, the length of the path's tail (the id of
// `/people/`, the query of `/words/top`, a path of its own), the tail, then the body.
fuzz_target!(|data: &[u8]| {
    let [method, route, tail_len, rest @ ..] = data else {
        return;
    };
    let method = &METHODS[usize::from(*method) % METHODS.len()];
    let route = ROUTES[usize::from(*route) % ROUTES.len()];
    let (tail, body) = rest.split_at(usize::from(*tail_len).min(rest.len()));
    let Ok(tail) = std::str::from_utf8(tail) else {
        return;
    };
    let body = body.to_vec();
    let uri = if route.ends_with('/') || route == "/words/top" {
        format!("{route}{tail}")
    } else {
        route.to_owned()
    };
    let state = Arc::new(AppState::default());
    runtime().block_on(async {
        let Some((status, value)) = send(&state, method.clone(), &uri, body).await else {
            return;
        };
        check(status, &value);
        if *method == Method::PUT && status.is_success() {
            // What was stored reads back the same, then is deleted once.
            let (again, read) = send(&state, Method::GET, &uri, Vec::new())
                .await
                .expect("GET");
            assert_eq!(again, StatusCode::OK);
            assert_eq!(read, value, "GET after PUT");
            let (deleted, _) = send(&state, Method::DELETE, &uri, Vec::new())
                .await
                .expect("DELETE");
            assert_eq!(deleted, StatusCode::NO_CONTENT);
            let (gone, body) = send(&state, Method::GET, &uri, Vec::new())
                .await
                .expect("GET");
            assert_eq!(gone, StatusCode::NOT_FOUND);
            check(gone, &body);
        }
    });
});
