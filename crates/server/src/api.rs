//! The routes: one axum router, each handler reading and checking its request in the
//! contract's order (413, malformed JSON, a number out of range, 422, then the route's 400s)
//! before it calls the core.
//!
//! Where the work runs: a handler runs on a tokio worker, which must not be held for long or
//! every other connection on that worker waits. Reading JSON costs about a nanosecond a byte
//! and counting words a few, so a body of up to [`INLINE_BODY_MAX`] bytes (tens of
//! microseconds of work) is handled inline, where a hand-off to another thread would cost
//! more than the work; a larger body is parsed, checked and answered on tokio's blocking pool
//! (`spawn_blocking`). A matrix product is judged by its multiply-adds as well
//! ([`INLINE_PRODUCT_MAX`]), since a small body can ask for a large product. The people
//! store's operations are a map look-up under a lock, always inline.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ffibench_core::arrays;
use ffibench_core::matmul::{self, MatrixRef};
use ffibench_core::person::{self, Person};
use ffibench_core::words::WordCounts;
use http_body_util::BodyExt;
use serde::Serialize;

use crate::error::{
    ApiError, MATMUL_SHAPE, PERSON_SHAPE, STATS_SHAPE, WORDS_SHAPE, json_response, json_value,
};
use crate::json::{self, Json};
use crate::{BODY_LIMIT, STORE_CAPACITY};

/// The OpenAPI document, served byte for byte.
pub const OPENAPI: &str = include_str!("../../../python/ffibench/web/openapi.json");
/// Bodies up to this many bytes are handled on the async worker (see the module docs).
pub const INLINE_BODY_MAX: usize = 16 * 1024;
/// Products of up to this many multiply-adds (`m k n`) run on the async worker.
pub const INLINE_PRODUCT_MAX: usize = 1 << 16;
/// A body that is too large, or that a route ignores, is still read and dropped up to this
/// many bytes, so a client that sends its whole body before reading the answer gets it;
/// past that the connection is closed.
const DISCARD_MAX: usize = 8 * BODY_LIMIT;
/// The largest magnitude of a `/matmul` entry: no product of two operands within it can
/// overflow, whatever the order of its sums.
pub const MATMUL_ENTRY_MAX: f64 = 1e150;
/// The most rows and columns of a `/matmul` operand.
const MATRIX_MAX: usize = 256;
/// `k` of `/words/top` when the query does not give it, and its largest value.
const WORDS_K_DEFAULT: usize = 10;
const WORDS_K_MAX: usize = 1000;

/// What every handler shares: the people store.
#[derive(Debug, Default)]
pub struct AppState {
    people: Mutex<HashMap<u64, Person>>,
}

impl AppState {
    fn people(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Person>> {
        // A panic cannot happen while the lock is held (a map insert or look-up), so a
        // poisoned lock still guards a consistent map.
        self.people.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The API's router over `state`, before the layers of [`crate::serve`].
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
        .route("/stats", post(stats))
        .route("/words/top", post(words_top))
        .route(
            "/people/{id}",
            get(get_person).put(put_person).delete(delete_person),
        )
        .route("/matmul", post(matmul_route))
        // Only after the routes: it becomes the fallback of each route added so far.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(no_route)
        .with_state(state)
}

// -- bodies ---------------------------------------------------------------------------------

/// The request's declared `Content-Length`, if it has a readable one.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Reads and drops up to [`DISCARD_MAX`] more bytes of `body`.
async fn discard(mut body: Body) {
    let mut seen = 0;
    while seen <= DISCARD_MAX {
        match body.frame().await {
            Some(Ok(frame)) => seen += frame.data_ref().map_or(0, Bytes::len),
            _ => return,
        }
    }
}

/// Drops the body of a request whose route reads none (see [`DISCARD_MAX`]).
async fn ignore(body: Body) {
    if !HttpBody::is_end_stream(&body) {
        discard(body).await;
    }
}

/// The whole body, or 413 past [`BODY_LIMIT`] bytes.
async fn read_body(headers: &HeaderMap, mut body: Body) -> Result<Bytes, ApiError> {
    let declared = content_length(headers);
    if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
        // A client waiting for `100 Continue` sends nothing more: answer at once.
        if !headers.contains_key(header::EXPECT) {
            discard(body).await;
        }
        return Err(ApiError::TooLarge);
    }
    let mut buffer = Vec::with_capacity(declared.map_or(0, |length| length as usize));
    while let Some(frame) = body.frame().await {
        // A body that breaks off (a client gone, bad chunked framing) is not a JSON text.
        let frame = frame.map_err(|_| ApiError::Malformed)?;
        if let Some(data) = frame.data_ref() {
            if buffer.len() + data.len() > BODY_LIMIT {
                discard(body).await;
                return Err(ApiError::TooLarge);
            }
            buffer.extend_from_slice(data);
        }
    }
    Ok(Bytes::from(buffer))
}

/// Runs `work` inline when it is light, on the blocking pool when it is not (module docs).
async fn offload<T: Send + 'static>(
    heavy: bool,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    if heavy {
        // A panic there comes back as a JoinError: a 500, like a panic inline.
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| ApiError::Internal)
    } else {
        Ok(work())
    }
}

/// The body read, parsed and answered by `answer`, inline or not by the body's size.
async fn answer_body(
    headers: HeaderMap,
    body: Body,
    answer: impl FnOnce(Json) -> Result<Response, ApiError> + Send + 'static,
) -> Response {
    let bytes = match read_body(&headers, body).await {
        Ok(bytes) => bytes,
        Err(error) => return error.into_response(),
    };
    let heavy = bytes.len() > INLINE_BODY_MAX;
    offload(heavy, move || answer(json::parse(&bytes)?))
        .await
        .and_then(|answer| answer)
        .unwrap_or_else(IntoResponse::into_response)
}

// -- fallbacks, health, the document --------------------------------------------------------

async fn no_route(body: Body) -> ApiError {
    ignore(body).await;
    ApiError::NoRoute
}

async fn method_not_allowed(uri: Uri, body: Body) -> ApiError {
    ignore(body).await;
    // `/people/abc` is no route whatever the method: only a valid id makes the path known.
    if uri.path().starts_with("/people/") && person_id(&uri).is_err() {
        return ApiError::NoRoute;
    }
    ApiError::MethodNotAllowed
}

async fn health(body: Body) -> Response {
    ignore(body).await;
    json_response(StatusCode::OK, br#"{"status":"ok"}"#.to_vec())
}

async fn openapi(body: Body) -> Response {
    ignore(body).await;
    json_response(StatusCode::OK, OPENAPI.as_bytes().to_vec())
}

// -- /stats ---------------------------------------------------------------------------------

#[derive(Serialize)]
struct Stats {
    count: usize,
    sum: f64,
    mean: f64,
    min: f64,
    max: f64,
}

/// `/stats` of a parsed body.
fn stats_of(body: Json) -> Result<Response, ApiError> {
    let Json::Array(items) = body else {
        return Err(ApiError::WrongShape(STATS_SHAPE));
    };
    let values = items
        .iter()
        .map(|item| item.as_number().map(|number| number.value))
        .collect::<Option<Vec<f64>>>()
        .ok_or(ApiError::WrongShape(STATS_SHAPE))?;
    if values.is_empty() {
        return Err(ApiError::Invalid("the list is empty".into()));
    }
    let sum = arrays::sum(&values);
    if !sum.is_finite() {
        return Err(ApiError::Invalid(
            "the sum is beyond the float64 range".into(),
        ));
    }
    let stats = Stats {
        count: values.len(),
        sum,
        mean: sum / values.len() as f64,
        min: arrays::min(&values)?,
        max: arrays::max(&values)?,
    };
    Ok(json_value(StatusCode::OK, &stats))
}

async fn stats(headers: HeaderMap, body: Body) -> Response {
    answer_body(headers, body, stats_of).await
}

// -- /words/top -----------------------------------------------------------------------------

#[derive(Serialize)]
struct Top<'a> {
    total: u64,
    top: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    word: &'a str,
    count: u64,
}

/// `%XX` decoded (a `%` without two hex digits kept as it is), and `+` as a space when
/// `plus_is_space` (query strings, as HTML forms and Python's `parse_qsl` read them).
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |i: usize| bytes.get(i).and_then(|&b| char::from(b).to_digit(16));
        match bytes[at] {
            b'%' => {
                if let (Some(high), Some(low)) = (hex(at + 1), hex(at + 2)) {
                    out.push((high * 16 + low) as u8);
                    at += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus_is_space => out.push(b' '),
            byte => out.push(byte),
        }
        at += 1;
    }
    out
}

/// `k` of the query: ASCII digits worth 0 to 1000, given at most once; 10 when absent.
pub(crate) fn words_k(query: Option<&str>) -> Result<usize, ApiError> {
    let invalid = || ApiError::Invalid("k must be an integer from 0 to 1000, given once".into());
    let mut found: Option<Vec<u8>> = None;
    for pair in query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
    {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if percent_decode(name, true) == b"k" {
            if found.is_some() {
                return Err(invalid());
            }
            found = Some(percent_decode(value, true));
        }
    }
    let Some(digits) = found else {
        return Ok(WORDS_K_DEFAULT);
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    // Leading zeros do not change the worth; what is left has at most 4 digits to be <= 1000.
    let significant = digits
        .iter()
        .position(|&d| d != b'0')
        .map_or(&[][..], |first| &digits[first..]);
    if significant.len() > 4 {
        return Err(invalid());
    }
    let k = significant
        .iter()
        .fold(0, |k, &d| k * 10 + usize::from(d - b'0'));
    if k > WORDS_K_MAX {
        return Err(invalid());
    }
    Ok(k)
}

/// `/words/top` of a parsed body and the query.
fn words_of(body: Json, query: Option<&str>) -> Result<Response, ApiError> {
    let text = match body.field("text") {
        Some(Json::String(text)) if body.has_exactly(&["text"]) => text,
        _ => return Err(ApiError::WrongShape(WORDS_SHAPE)),
    };
    let k = words_k(query)?;
    let counts = WordCounts::from_text(text)?;
    let top = Top {
        total: counts.total()?,
        top: counts
            .most_common(k)
            .into_iter()
            .map(|(word, count)| Entry { word, count })
            .collect(),
    };
    Ok(json_value(StatusCode::OK, &top))
}

async fn words_top(uri: Uri, headers: HeaderMap, body: Body) -> Response {
    answer_body(headers, body, move |json| words_of(json, uri.query())).await
}

// -- /people/{id} ---------------------------------------------------------------------------

#[derive(Serialize)]
struct StoredPerson<'a> {
    id: u64,
    name: &'a str,
    age: i64,
    salary: f64,
}

fn stored(status: StatusCode, id: u64, person: &Person) -> Response {
    json_value(
        status,
        &StoredPerson {
            id,
            name: person.name(),
            age: person.age(),
            salary: person.salary(),
        },
    )
}

/// The id of a `/people/{id}` path: `0` or up to 18 digits without a leading zero, else the
/// path is no route. Returns the id and its text.
pub(crate) fn person_id(uri: &Uri) -> Result<(u64, &str), ApiError> {
    let text = uri
        .path()
        .strip_prefix("/people/")
        .ok_or(ApiError::NoRoute)?;
    let valid = match text.as_bytes() {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.len() <= 17 && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !valid {
        return Err(ApiError::NoRoute);
    }
    text.parse()
        .map(|id| (id, text))
        .map_err(|_| ApiError::NoRoute)
}

/// The person a `PUT` body describes, checked in the contract's order.
pub(crate) fn person_of(body: &Json) -> Result<Person, ApiError> {
    let (Some(Json::String(name)), Some(age), Some(salary)) = (
        body.field("name"),
        body.field("age").and_then(Json::as_number),
        body.field("salary").and_then(Json::as_number),
    ) else {
        return Err(ApiError::WrongShape(PERSON_SHAPE));
    };
    if !body.has_exactly(&["name", "age", "salary"]) {
        return Err(ApiError::WrongShape(PERSON_SHAPE));
    }
    person::check_name(name)
        .map_err(|_| ApiError::Invalid("name must have 1 to 256 characters".into()))?;
    let age_error = || ApiError::Invalid("age must be an integer from 0 to 150".into());
    if !age.integer {
        return Err(age_error());
    }
    // An integer literal's float is exact up to 2**53, far past 150: the saturating cast of
    // a larger one is out of range too.
    let age = age.value as i64;
    person::check_age(age).map_err(|_| age_error())?;
    person::check_salary(salary.value)
        .map_err(|_| ApiError::Invalid("salary must be a number >= 0".into()))?;
    Ok(Person::new(name, age, salary.value)?)
}

async fn get_person(State(state): State<Arc<AppState>>, uri: Uri, body: Body) -> Response {
    ignore(body).await;
    let (id, text) = match person_id(&uri) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let found = state.people().get(&id).cloned();
    match found {
        Some(person) => stored(StatusCode::OK, id, &person),
        None => ApiError::NoPerson(text.to_owned()).into_response(),
    }
}

async fn put_person(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let id = match person_id(&uri) {
        Ok((id, _)) => id,
        Err(error) => {
            ignore(body).await;
            return error.into_response();
        }
    };
    answer_body(headers, body, move |json| {
        let person = person_of(&json)?;
        // Stored before the answer is made: an acknowledged write is in the map.
        let status = {
            let mut people = state.people();
            let new = !people.contains_key(&id);
            if new && people.len() >= STORE_CAPACITY {
                return Err(ApiError::Invalid(format!(
                    "the store is full: it holds {STORE_CAPACITY} people"
                )));
            }
            people.insert(id, person.clone());
            if new {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            }
        };
        Ok(stored(status, id, &person))
    })
    .await
}

async fn delete_person(State(state): State<Arc<AppState>>, uri: Uri, body: Body) -> Response {
    ignore(body).await;
    let (id, text) = match person_id(&uri) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let removed = state.people().remove(&id);
    match removed {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => ApiError::NoPerson(text.to_owned()).into_response(),
    }
}

// -- /matmul --------------------------------------------------------------------------------

/// A matrix read from JSON: its values row-major and its shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Matrix {
    values: Vec<f64>,
    rows: usize,
    cols: usize,
}

/// A non-empty list of equal-length lists of numbers (rows may be empty), or `None`.
fn matrix_of(value: Option<&Json>) -> Option<Matrix> {
    let Some(Json::Array(rows)) = value else {
        return None;
    };
    let Some(Json::Array(first)) = rows.first() else {
        return None;
    };
    let cols = first.len();
    let mut values = Vec::new();
    for row in rows {
        let Json::Array(row) = row else {
            return None;
        };
        if row.len() != cols {
            return None;
        }
        for cell in row {
            values.push(cell.as_number()?.value);
        }
    }
    Some(Matrix {
        values,
        rows: rows.len(),
        cols,
    })
}

/// The operands of a `/matmul` body, checked in the contract's order.
pub(crate) fn operands_of(body: &Json) -> Result<(Matrix, Matrix), ApiError> {
    let (Some(a), Some(b)) = (matrix_of(body.field("a")), matrix_of(body.field("b"))) else {
        return Err(ApiError::WrongShape(MATMUL_SHAPE));
    };
    if !body.has_exactly(&["a", "b"]) {
        return Err(ApiError::WrongShape(MATMUL_SHAPE));
    }
    if [a.rows, a.cols, b.rows, b.cols]
        .iter()
        .any(|&n| n > MATRIX_MAX)
    {
        return Err(ApiError::Invalid(format!(
            "a matrix may have at most {MATRIX_MAX} rows and {MATRIX_MAX} columns"
        )));
    }
    if a.cols != b.rows {
        return Err(ApiError::Invalid(format!(
            "a has {} columns but b has {} rows",
            a.cols, b.rows
        )));
    }
    // Bounded entries keep every sum of at most 256 products under 256 * 1e300, far from
    // f64::MAX, in any order of summation: the answer cannot depend on the kernel's order.
    if a.values
        .iter()
        .chain(&b.values)
        .any(|x| x.abs() > MATMUL_ENTRY_MAX)
    {
        return Err(ApiError::Invalid(
            "a matrix entry's magnitude may be at most 1e150".into(),
        ));
    }
    Ok((a, b))
}

#[derive(Serialize)]
struct Product<'a> {
    c: Vec<&'a [f64]>,
}

/// The product of checked operands, as the response.
fn product_of(a: &Matrix, b: &Matrix) -> Result<Response, ApiError> {
    let c = matmul::matmul(
        MatrixRef::row_major(&a.values, a.rows, a.cols)?,
        MatrixRef::row_major(&b.values, b.rows, b.cols)?,
    )?;
    let rows = if b.cols == 0 {
        vec![&[][..]; a.rows]
    } else {
        c.chunks(b.cols).collect()
    };
    Ok(json_value(StatusCode::OK, &Product { c: rows }))
}

async fn matmul_route(headers: HeaderMap, body: Body) -> Response {
    let bytes = match read_body(&headers, body).await {
        Ok(bytes) => bytes,
        Err(error) => return error.into_response(),
    };
    let heavy_body = bytes.len() > INLINE_BODY_MAX;
    let parsed = offload(heavy_body, move || operands_of(&json::parse(&bytes)?)).await;
    let (a, b) = match parsed.and_then(|operands| operands) {
        Ok(operands) => operands,
        Err(error) => return error.into_response(),
    };
    let heavy = heavy_body || a.rows * a.cols * b.cols > INLINE_PRODUCT_MAX;
    offload(heavy, move || product_of(&a, &b))
        .await
        .and_then(|answer| answer)
        .unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    #[test]
    fn the_store_holds_at_most_100000_people() {
        let state = Arc::new(AppState::default());
        // Filled directly: 100000 requests would test one path 100000 times, slowly.
        let someone = Person::new("a", 1, 1.0).unwrap();
        state
            .people()
            .extend((0..STORE_CAPACITY as u64).map(|id| (id, someone.clone())));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let put = |id: usize| {
            let request = Request::put(format!("/people/{id}"))
                .body(Body::from(r#"{"name": "b", "age": 2, "salary": 2}"#))
                .unwrap();
            runtime.block_on(async {
                let response = router(Arc::clone(&state)).oneshot(request).await.unwrap();
                let status = response.status();
                let body = response.into_body().collect().await.unwrap().to_bytes();
                (status, String::from_utf8(body.to_vec()).unwrap())
            })
        };
        assert_eq!(
            put(STORE_CAPACITY),
            (
                StatusCode::BAD_REQUEST,
                r#"{"error":"invalid_value","message":"the store is full: it holds 100000 people"}"#
                    .to_owned()
            )
        );
        // Replacing a person needs no room.
        assert_eq!(put(5).0, StatusCode::OK);
        state.people().remove(&0);
        assert_eq!(put(STORE_CAPACITY).0, StatusCode::CREATED);
    }

    fn parsed(text: &str) -> Json {
        json::parse(text.as_bytes()).unwrap_or(Json::Null)
    }

    #[test]
    fn k_is_ascii_digits_worth_0_to_1000_given_once() {
        assert_eq!(words_k(None), Ok(10));
        assert_eq!(words_k(Some("")), Ok(10));
        assert_eq!(words_k(Some("x=1&kk=2")), Ok(10));
        assert_eq!(words_k(Some("k=0")), Ok(0));
        assert_eq!(words_k(Some("k=1000")), Ok(1000));
        assert_eq!(words_k(Some("k=0001000")), Ok(1000));
        assert_eq!(words_k(Some(&format!("k={}7", "0".repeat(5000)))), Ok(7));
        assert_eq!(words_k(Some("%6B=%35")), Ok(5));
        assert_eq!(words_k(Some("a=1&&k=3&b")), Ok(3));
        for bad in [
            "k=1001",
            "k=",
            "k",
            "k=-1",
            "k=+1",
            "k=1.0",
            "k=1e2",
            "k=%2B1",
            "k=1&k=1",
            "k=1&%6B=2",
            "k=%EF%BC%95",
            "k=10000",
            "k= 1",
            "k=1+",
        ] {
            assert!(words_k(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn percent_decoding_keeps_what_is_not_an_escape() {
        assert_eq!(percent_decode("a%20b%zz%4", false), b"a b%zz%4");
        assert_eq!(percent_decode("a+b%2B", true), b"a b+");
        assert_eq!(percent_decode("a+b", false), b"a+b");
        assert_eq!(percent_decode("%ff", false), [0xFF]);
    }

    #[test]
    fn person_ids_are_canonical_decimals() {
        let id = |path: &str| person_id(&Uri::try_from(path).unwrap_or_default()).map(|(id, _)| id);
        assert_eq!(id("/people/0"), Ok(0));
        assert_eq!(id("/people/42"), Ok(42));
        assert_eq!(
            id("/people/999999999999999999"),
            Ok(999_999_999_999_999_999)
        );
        for bad in [
            "/people/",
            "/people/01",
            "/people/00",
            "/people/-1",
            "/people/1000000000000000000",
            "/people/1a",
            "/people/%31",
            "/people/+1",
            "/people/1.0",
        ] {
            assert_eq!(id(bad), Err(ApiError::NoRoute), "{bad}");
        }
    }

    #[test]
    fn people_are_checked_in_order() {
        let check = |text: &str| person_of(&parsed(text)).map(|p| (p.age(), p.salary()));
        assert_eq!(
            check(r#"{"name": "Ada", "age": 36, "salary": 1}"#),
            Ok((36, 1.0))
        );
        assert_eq!(
            check(r#"{"name": "Ada", "age": -0, "salary": 0}"#),
            Ok((0, 0.0))
        );
        let shape = Err(ApiError::WrongShape(PERSON_SHAPE));
        for text in [
            r#"{"name": "Ada", "age": 36}"#,
            r#"{"name": "Ada", "age": 36, "salary": 1, "x": 1}"#,
            r#"{"name": 1, "age": 36, "salary": 1}"#,
            r#"{"name": "Ada", "age": true, "salary": 1}"#,
            r#"{"name": "Ada", "age": 36, "salary": "1"}"#,
            r#"["Ada", 36, 1]"#,
        ] {
            assert_eq!(check(text), shape, "{text}");
        }
        let name = Err(ApiError::Invalid(
            "name must have 1 to 256 characters".into(),
        ));
        assert_eq!(check(r#"{"name": "", "age": -1, "salary": -1}"#), name);
        let long = format!(
            r#"{{"name": "{}", "age": 1, "salary": 1}}"#,
            "é".repeat(257)
        );
        assert_eq!(check(&long), name);
        let age = Err(ApiError::Invalid(
            "age must be an integer from 0 to 150".into(),
        ));
        for bad in ["36.0", "1e1", "151", "-1", "100000000000000000000000"] {
            let text = format!(r#"{{"name": "Ada", "age": {bad}, "salary": -1}}"#);
            assert_eq!(check(&text), age, "{bad}");
        }
        let salary = Err(ApiError::Invalid("salary must be a number >= 0".into()));
        assert_eq!(
            check(r#"{"name": "Ada", "age": 1, "salary": -0.5}"#),
            salary
        );
        // Duplicate keys: the last counts.
        assert_eq!(
            check(r#"{"name": "Ada", "age": "x", "salary": 1, "age": 150}"#),
            Ok((150, 1.0))
        );
    }

    #[test]
    fn matmul_operands_are_checked_in_order() {
        let check = |text: &str| operands_of(&parsed(text)).map(|(a, b)| (a.rows, a.cols, b.cols));
        assert_eq!(check(r#"{"a": [[1, 2]], "b": [[3], [4]]}"#), Ok((1, 2, 1)));
        assert_eq!(check(r#"{"a": [[1], [2]], "b": [[]]}"#), Ok((2, 1, 0)));
        let shape = Err(ApiError::WrongShape(MATMUL_SHAPE));
        for text in [
            r#"{"a": [], "b": [[1]]}"#,
            r#"{"a": [[1], [1, 2]], "b": [[1]]}"#,
            r#"{"a": [1], "b": [[1]]}"#,
            r#"{"a": [[true]], "b": [[1]]}"#,
            r#"{"a": [[1]]}"#,
            r#"{"a": [[1]], "b": [[1]], "c": 1}"#,
            r#"[[1]]"#,
        ] {
            assert_eq!(check(text), shape, "{text}");
        }
        let wide = format!(r#"{{"a": [[{}]], "b": [[1]]}}"#, vec!["0"; 257].join(","));
        assert_eq!(
            check(&wide),
            Err(ApiError::Invalid(
                "a matrix may have at most 256 rows and 256 columns".into()
            ))
        );
        assert_eq!(
            check(r#"{"a": [[1, 2]], "b": [[1], [-1.0000001e150]]}"#),
            Err(ApiError::Invalid(
                "a matrix entry's magnitude may be at most 1e150".into()
            ))
        );
        assert_eq!(check(r#"{"a": [[1e150]], "b": [[-1e150]]}"#), Ok((1, 1, 1)));
        assert_eq!(
            check(r#"{"a": [[], []], "b": [[1]]}"#),
            Err(ApiError::Invalid("a has 0 columns but b has 1 rows".into()))
        );
    }
}
