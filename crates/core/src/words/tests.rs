use std::io::Read;

use super::*;

#[test]
fn words_follow_the_spec_rule() {
    assert_eq!(
        words("Don't stop: 90's ΟΔΟΣ, 'tis rock'n'roll!"),
        ["don't", "stop", "90", "s", "οδος", "tis", "rock'n'roll"]
    );
    assert_eq!(
        words("a''b 'x 1'a a'1 l’été"),
        ["a", "b", "x", "1", "a", "a", "1", "l’été"]
    );
    assert_eq!(
        words("İstanbul ǅemal ʰa ²3"),
        ["i\u{307}stanbul", "ǆemal", "ʰa", "3"]
    );
    assert!(words("").is_empty() && words(" ,.;\n\u{feff}").is_empty());
}

#[test]
fn final_sigma_is_decided_within_the_word_as_cpython_does() {
    // cased before and nothing cased after: final; alone or at the start: not
    assert_eq!(words("ΣΑΣ Σ ΑΣ'Α ΑΣ'"), ["σας", "σ", "ασ'α", "ας"]);
    // a case-ignorable letter (ʰ, Lm) is skipped on both sides
    assert_eq!(words("ΑʰΣ ΑΣʰ ΑΣʰΑ"), ["αʰς", "αςʰ", "ασʰα"]);
}

#[test]
fn counts_agree_whatever_the_threads_and_chunks() {
    let text = "the cat, the hat; ΟΔΟΣ don't ".repeat(60_000);
    let mut single = Counts::new();
    count_into(&mut single, &text).unwrap();
    let parallel = WordCounts::from_text(&text).unwrap();
    assert!(text.len() > PARALLEL_MIN_BYTES);
    assert_eq!(parallel, WordCounts { counts: single });
    assert_eq!(parallel.get("the"), Some(120_000));
    assert_eq!(parallel.get("don't"), Some(60_000));

    /// Yields at most `step` bytes a read: chunk boundaries land inside words and characters.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(self.0.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let small = "ΟΔΟΣ don't 90's ".repeat(50);
    for step in [1, 2, 3, 5, 7] {
        let read = WordCounts::from_reader(Trickle(small.as_bytes(), step), "t").unwrap();
        assert_eq!(
            read,
            WordCounts::from_text(&small).unwrap(),
            "reads of {step}"
        );
        let chunked = WordCounts::from_chunks(small.as_bytes(), "t", step).unwrap();
        assert_eq!(
            chunked,
            WordCounts::from_text(&small).unwrap(),
            "chunks of {step}"
        );
    }
}

#[test]
fn a_word_longer_than_many_chunks_is_kept_whole() {
    let text = format!("x ΣΑΣ{}’b c{} d", "a".repeat(1000), "é".repeat(300));
    for chunk in [1, 2, 3, 7, 64] {
        let read = WordCounts::from_chunks(text.as_bytes(), "t", chunk).unwrap();
        assert_eq!(
            read,
            WordCounts::from_text(&text).unwrap(),
            "chunks of {chunk}"
        );
    }
    assert_eq!(WordCounts::from_text(&text).unwrap().len(), 4);
}

#[test]
fn invalid_utf8_names_its_byte_offset() {
    let mut bytes = "ab cd é".as_bytes().to_vec();
    bytes.push(0xFF);
    let error = WordCounts::from_reader(&bytes[..], "f").unwrap_err();
    assert_eq!(
        error,
        CoreError::InvalidValue("f: invalid UTF-8 at byte 8".into())
    );
    // a sequence cut short by the end of the file
    let error = WordCounts::from_reader(&b"abc \xc3"[..], "f").unwrap_err();
    assert_eq!(
        error,
        CoreError::InvalidValue("f: invalid UTF-8 at byte 4".into())
    );
    for chunk in 1..6 {
        let error = WordCounts::from_chunks(&bytes[..], "f", chunk).unwrap_err();
        assert_eq!(
            error,
            CoreError::InvalidValue("f: invalid UTF-8 at byte 8".into())
        );
    }
}

#[test]
fn missing_file_and_directory_keep_their_os_error() {
    let missing = WordCounts::from_file(Path::new("/nonexistent/words.txt")).unwrap_err();
    assert!(
        matches!(missing, CoreError::Io { errno: 2, .. }),
        "{missing:?}"
    );
    let directory = WordCounts::from_file(Path::new("/")).unwrap_err();
    assert!(
        matches!(directory, CoreError::Io { errno: 21, .. }),
        "{directory:?}"
    );
}

#[test]
fn most_common_breaks_ties_by_word_and_merge_adds() {
    let mut counts = WordCounts::from_text("b a c b a d").unwrap();
    assert_eq!(counts.most_common(3), [("a", 2), ("b", 2), ("c", 1)]);
    assert_eq!(counts.most_common(0), []);
    assert_eq!(counts.most_common(99).len(), 4);
    assert_eq!(counts.items()[0], ("a", 2));
    assert_eq!(counts.get_many(&["a", "zz"]), [2, 0]);
    counts.merge_self().unwrap();
    assert_eq!((counts.get("a"), counts.total()), (Some(4), Ok(12)));
    let mut full = WordCounts::from_items([("a", u64::MAX), ("b", 1)]).unwrap();
    let before = full.clone();
    assert!(matches!(full.merge(&before), Err(CoreError::Overflow(_))));
    assert_eq!(full, before, "a refused merge changes nothing");
    assert!(matches!(full.total(), Err(CoreError::Overflow(_))));
}

#[test]
fn store_evicts_the_least_recently_used() {
    let mut store = KeyValueStore::new(Some(2)).unwrap();
    store.set("a", b"1").unwrap();
    store.set("b", b"2").unwrap();
    assert_eq!(store.get("a"), Some(&b"1"[..]));
    store.set("c", b"3").unwrap();
    assert_eq!(store.keys(), ["a", "c"]);
    assert_eq!(store.get("b"), None);
    let stats = store.stats();
    assert_eq!((stats.hits, stats.misses, stats.evictions), (1, 1, 1));
    store.set("a", b"one").unwrap(); // update: no eviction, most recent
    assert_eq!(store.keys(), ["c", "a"]);
    assert!(store.contains("c") && store.delete("c") && !store.delete("c"));
    store.set("d", b"").unwrap(); // reuses the freed slot
    assert_eq!(store.items(), [("a", &b"one"[..]), ("d", &b""[..])]);
    let mut values = Vec::new();
    let spans = store.get_many(&["d", "x", "a"], &mut values).unwrap();
    assert_eq!(spans, [Some((0, 0)), None, Some((0, 3))]);
    assert_eq!(values, b"one");
    assert_eq!(store.keys(), ["d", "a"]);
    assert!(KeyValueStore::new(Some(0)).is_err());
}

#[test]
fn store_survives_many_deletes_and_reinserts() {
    let mut store = KeyValueStore::new(Some(100)).unwrap();
    for round in 0..50_u32 {
        for key in 0..150_u32 {
            store.set(&format!("k{key}"), &round.to_le_bytes()).unwrap();
            if key % 3 == 0 {
                store.delete(&format!("k{}", key / 2));
            }
        }
        assert!(store.len() <= 100);
        assert_eq!(store.keys().len(), store.len());
    }
    assert!(
        store.slot_count() <= 101,
        "freed slots are reused: {}",
        store.slot_count()
    );
}

#[test]
fn store_counters_stop_at_the_top_rather_than_wrap() {
    let mut store = KeyValueStore::new(Some(1)).unwrap();
    let top = Stats {
        hits: u64::MAX,
        misses: u64::MAX,
        evictions: u64::MAX,
    };
    store.set_stats(top);
    store.set("a", b"1").unwrap();
    store.set("b", b"2").unwrap(); // an eviction
    assert_eq!(store.get("b"), Some(&b"2"[..]));
    assert_eq!(store.get("a"), None);
    assert_eq!(store.stats(), top);
}

#[test]
fn get_copy_counts_as_get_does() {
    let mut store = KeyValueStore::new(Some(2)).unwrap();
    store.set("a", b"1").unwrap();
    store.set("b", b"2").unwrap();
    assert_eq!(store.get_copy("a").unwrap(), Some(b"1".to_vec()));
    assert_eq!(store.get_copy("zz").unwrap(), None);
    assert_eq!(store.keys(), ["b", "a"]);
    let stats = store.stats();
    assert_eq!((stats.hits, stats.misses), (1, 1));
}

#[test]
fn merge_doubles_in_place_and_refuses_what_would_pass_the_top() {
    let mut counts = WordCounts::from_items([("a", 3), ("b", u64::MAX / 2)]).unwrap();
    counts.merge_self().unwrap();
    assert_eq!(counts.items(), [("a", 6), ("b", u64::MAX - 1)]);
    let before = counts.clone();
    assert!(matches!(counts.merge_self(), Err(CoreError::Overflow(_))));
    assert_eq!(counts, before);
    let mut other = WordCounts::from_items([("a", 1), ("new", 2), ("a", 4)]).unwrap();
    assert_eq!(
        other.get("a"),
        Some(4),
        "a word given twice keeps its last count"
    );
    other
        .merge(&WordCounts::from_text("new z").unwrap())
        .unwrap();
    assert_eq!(other.items(), [("a", 4), ("new", 3), ("z", 1)]);
}
