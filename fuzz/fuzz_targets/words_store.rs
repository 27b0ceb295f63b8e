//! The key-value store (`words::KeyValueStore`) against a model, a list in least- to
//! most-recently-used order: a fuzzed sequence of set, get, get_copy, get_many, contains,
//! delete and set_stats, on a bounded or unbounded store, gives the same values, order
//! (`items`), length and hit, miss and eviction counters after every step.
#![no_main]

use arbitrary::Arbitrary;
use ffibench_core::words::{KeyValueStore, Stats};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Key {
    /// One of a few keys, so that operations meet.
    Pool(u8),
    Any(String),
}

impl Key {
    fn text(&self) -> String {
        match self {
            Key::Pool(index) => {
                ["a", "b", "", "é", "ab", "a\0", "𝄞"][usize::from(*index) % 7].to_owned()
            }
            Key::Any(text) => text.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum Op {
    Set(Key, Vec<u8>),
    Get(Key),
    GetCopy(Key),
    GetMany(Vec<Key>),
    Contains(Key),
    Delete(Key),
    SetStats(u64, u64, u64),
}

#[derive(Debug, Arbitrary)]
struct Input {
    bound: Option<u8>,
    ops: Vec<Op>,
}

#[derive(Default)]
struct Model {
    items: Vec<(String, Vec<u8>)>,
    max: Option<usize>,
    stats: Stats,
}

impl Model {
    fn position(&self, key: &str) -> Option<usize> {
        self.items.iter().position(|(k, _)| k == key)
    }
    fn get(&mut self, key: &str) -> Option<Vec<u8>> {
        match self.position(key) {
            Some(at) => {
                self.stats.hits = self.stats.hits.saturating_add(1);
                let item = self.items.remove(at);
                self.items.push(item);
                self.items.last().map(|(_, v)| v.clone())
            }
            None => {
                self.stats.misses = self.stats.misses.saturating_add(1);
                None
            }
        }
    }
    fn set(&mut self, key: &str, value: &[u8]) {
        if let Some(at) = self.position(key) {
            self.items.remove(at);
        } else if self.max.is_some_and(|max| self.items.len() >= max) && !self.items.is_empty() {
            self.items.remove(0);
            self.stats.evictions = self.stats.evictions.saturating_add(1);
        }
        self.items.push((key.to_owned(), value.to_vec()));
    }
}

fuzz_target!(|input: Input| {
    // 0 is refused; 1 to 8 bounded; None unbounded.
    let max = input.bound.map(|b| usize::from(b % 9));
    let Ok(mut store) = KeyValueStore::new(max) else {
        assert_eq!(max, Some(0));
        return;
    };
    let mut model = Model {
        max,
        ..Model::default()
    };
    for op in &input.ops {
        match op {
            Op::Set(key, value) => {
                store.set(&key.text(), value).expect("set");
                model.set(&key.text(), value);
            }
            Op::Get(key) => {
                let found = store.get(&key.text()).map(<[u8]>::to_vec);
                assert_eq!(found, model.get(&key.text()), "get {key:?}");
            }
            Op::GetCopy(key) => {
                let found = store.get_copy(&key.text()).expect("get_copy");
                assert_eq!(found, model.get(&key.text()), "get_copy {key:?}");
            }
            Op::GetMany(keys) => {
                let keys: Vec<String> = keys.iter().map(Key::text).collect();
                let mut values = b"prefix".to_vec();
                let spans = store.get_many(&keys, &mut values).expect("get_many");
                assert_eq!(spans.len(), keys.len());
                for (key, span) in keys.iter().zip(spans) {
                    let found = span.map(|(start, end)| values[start..end].to_vec());
                    assert_eq!(found, model.get(key), "get_many {key:?}");
                }
            }
            Op::Contains(key) => {
                assert_eq!(
                    store.contains(&key.text()),
                    model.position(&key.text()).is_some()
                );
            }
            Op::Delete(key) => {
                let at = model.position(&key.text());
                if let Some(at) = at {
                    model.items.remove(at);
                }
                assert_eq!(store.delete(&key.text()), at.is_some());
            }
            Op::SetStats(hits, misses, evictions) => {
                let stats = Stats {
                    hits: *hits,
                    misses: *misses,
                    evictions: *evictions,
                };
                store.set_stats(stats);
                model.stats = stats;
            }
        }
        assert_eq!(store.len(), model.items.len());
        assert_eq!(store.stats(), model.stats);
        let items: Vec<(&str, &[u8])> = model
            .items
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        assert_eq!(store.items(), items);
    }
});
