//! The API's errors, each rendered once as the contract's `{"error": code, "message": text}`.
//!
//! The codes and texts are fixed by `python/ffibench/web/openapi.json`; every server gives the
//! same ones, so they live here as constants, not in the handlers.

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ffibench_core::CoreError;

use crate::BODY_LIMIT;
use crate::json::JsonError;

/// 422 of `/stats`.
pub(crate) const STATS_SHAPE: &str = "expected a JSON array of numbers";
/// 422 of `/words/top`.
pub(crate) const WORDS_SHAPE: &str = "expected an object with one field, text, a string";
/// 422 of `PUT /people/{id}`.
pub(crate) const PERSON_SHAPE: &str =
    "expected an object with exactly the fields name (a string), age and salary (numbers)";
/// 422 of `/matmul`.
pub(crate) const MATMUL_SHAPE: &str = "expected an object with exactly the fields a and b, each a non-empty list of equal-length lists of numbers";

/// Why a request gets no answer but an error.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 404 `not_found`: no route has this path.
    NoRoute,
    /// 404 `not_found`: no person is stored under this id (as given).
    NoPerson(String),
    /// 405 `method_not_allowed`: the path is a route's, the method is not.
    MethodNotAllowed,
    /// 413 `too_large`: the body is over [`BODY_LIMIT`] bytes.
    TooLarge,
    /// 400 `malformed_json`.
    Malformed,
    /// 400 `invalid_value`: a number in the body is beyond float64's range.
    NumberOutOfRange,
    /// 422 `wrong_shape`, with the route's text.
    WrongShape(&'static str),
    /// 400 `invalid_value`, with the route's text.
    Invalid(String),
    /// 408 `timeout`: the request was not read and answered in time (not a contract case:
    /// the contract's requests are all answered in time).
    Timeout(Duration),
    /// 500 `internal_error`: a bug (a panic, an allocation that failed); never the
    /// contract's answer to any request.
    Internal,
}

impl From<JsonError> for ApiError {
    fn from(error: JsonError) -> Self {
        match error {
            JsonError::Malformed => ApiError::Malformed,
            JsonError::OutOfRange => ApiError::NumberOutOfRange,
        }
    }
}

impl From<CoreError> for ApiError {
    /// The core refuses only what the handlers checked before calling it, so a core error
    /// that reaches here is an allocation failure or a bug: a 500, never a contract answer.
    fn from(_: CoreError) -> Self {
        ApiError::Internal
    }
}

impl ApiError {
    /// The status, the code and the message.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::NoRoute => (StatusCode::NOT_FOUND, "not_found", "no such route".into()),
            ApiError::NoPerson(id) => (
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no person with id {id}"),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed".into(),
            ),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is over {BODY_LIMIT} bytes"),
            ),
            ApiError::Malformed => (
                StatusCode::BAD_REQUEST,
                "malformed_json",
                "the body is not valid JSON".into(),
            ),
            ApiError::NumberOutOfRange => (
                StatusCode::BAD_REQUEST,
                "invalid_value",
                "a number is beyond the float64 range".into(),
            ),
            ApiError::WrongShape(message) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "wrong_shape",
                (*message).into(),
            ),
            ApiError::Invalid(message) => {
                (StatusCode::BAD_REQUEST, "invalid_value", message.clone())
            }
            ApiError::Timeout(limit) => (
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                format!(
                    "the request was not read and answered within {} seconds",
                    limit.as_secs_f64()
                ),
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "the server failed to answer this request".into(),
            ),
        }
    }
}

/// A JSON response: `status`, `Content-Type: application/json`, `body`.
pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `value` serialized as the body of a `status` response (a 500 if it cannot be).
pub(crate) fn json_value(status: StatusCode, value: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => json_response(status, body),
        Err(_) => ApiError::Internal.into_response(),
    }
}

#[derive(serde::Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, message) = self.parts();
        let body = serde_json::to_vec(&Body {
            error,
            message: &message,
        })
        .unwrap_or_default();
        let mut response = json_response(status, body);
        if matches!(self, ApiError::Timeout(_)) {
            // The request's body may be half read: the connection cannot carry another.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_the_contracts() {
        let contract = include_str!("../../../python/ffibench/web/openapi.json");
        for message in [STATS_SHAPE, WORDS_SHAPE, PERSON_SHAPE, MATMUL_SHAPE] {
            assert!(contract.contains(message), "{message}");
        }
        for error in [
            ApiError::NoRoute,
            ApiError::MethodNotAllowed,
            ApiError::TooLarge,
            ApiError::Malformed,
            ApiError::NumberOutOfRange,
        ] {
            let (_, code, message) = error.parts();
            assert!(contract.contains(code), "{code}");
            assert!(contract.contains(&message), "{message}");
        }
    }
}
