//! The server's strict JSON reader (`crates/server/src/json.rs`) against serde_json's, the
//! model: on every input it never panics, and within its nesting limit the two accept the
//! same texts and read the same values (numbers correctly rounded; of a key given twice the
//! last one). A number beyond float64 is `OutOfRange` only where serde_json refuses too.
#![no_main]

use ffibench_server::json::{self, Json, JsonError, MAX_DEPTH};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The deepest nesting of arrays and objects in `value` (a scalar is 0).
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn same(ours: &Json, model: &Value) -> bool {
    match (ours, model) {
        (Json::Null, Value::Null) => true,
        (Json::Bool(a), Value::Bool(b)) => a == b,
        (Json::String(a), Value::String(b)) => a == b,
        (Json::Number(number), Value::Number(model)) => {
            let Some(value) = model.as_f64() else {
                return false;
            };
            // An integer literal reads as the integer it is: `-0` is 0.0, not -0.0.
            let sign_ok = !(number.integer && number.value.to_bits() == (-0.0_f64).to_bits());
            // serde_json keeps integers that fit 64 bits as integers; a larger one, and
            // `-0`, it reads as a float, so only that direction is a fact.
            let kind_ok = number.integer || model.is_f64();
            number.value == value && number.value.is_finite() && sign_ok && kind_ok
        }
        (Json::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Json::Object(members), Value::Object(model)) => {
            let mut keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            keys.len() == model.len()
                && keys.iter().all(|key| {
                    let last = ours.field(key).expect("a member's key is found");
                    model.get(*key).is_some_and(|value| same(last, value))
                })
        }
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let ours = json::parse(data);
    let model = serde_json::from_slice::<Value>(data);
    match (&ours, &model) {
        (Ok(value), Ok(model)) => {
            assert!(same(value, model), "read {value:?}, serde_json {model:?}")
        }
        (Ok(value), Err(error)) => panic!("accepted {value:?}; serde_json: {error}"),
        (Err(JsonError::Malformed), Ok(model)) => assert!(
            depth(model) > MAX_DEPTH,
            "refused as malformed; serde_json read {model:?}"
        ),
        (Err(JsonError::OutOfRange), Ok(model)) => {
            panic!("out of range; serde_json read {model:?}")
        }
        (Err(_), Err(_)) => {}
    }
});
