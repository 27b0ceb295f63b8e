//! The words scenario's tokeniser and counts over arbitrary bytes: `for_each_word` and
//! `words` against a model on ASCII text (a word is a run of ASCII letters and digits, with
//! `'` kept between two letters, lowercased) and, on any text, the laws that hold whatever
//! the Unicode tables say (a space splits: the words of `a b` are those of `a` then `b`).
//! `WordCounts::from_text` counts what `words` finds; `from_reader`, in chunks of 1 to 64
//! bytes read a few bytes at a time, counts the same, and names the offset of the first
//! invalid UTF-8 byte exactly; `from_items` of the items rebuilds the counts; `most_common`
//! and `get_many` agree with a sort and a lookup of the model.
#![no_main]

use std::collections::HashMap;
use std::io::Read;

use ffibench_core::CoreError;
use ffibench_core::words::{self, WordCounts};
use libfuzzer_sys::fuzz_target;

fn ascii_model(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    for (at, &c) in chars.iter().enumerate() {
        let between_letters = at > 0
            && chars[at - 1].is_ascii_alphabetic()
            && chars.get(at + 1).is_some_and(char::is_ascii_alphabetic);
        if c.is_ascii_alphanumeric() || (c == '\'' && between_letters) {
            word.push(c.to_ascii_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// A reader that hands out at most `step` bytes a call.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&shape, data)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(shape % 64) + 1;
    let step = usize::from(shape / 64) * 3 + 1;
    let read = WordCounts::from_reader_in_chunks(Trickle { data, step }, "input", chunk);
    let text = match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(error) => {
            let expected = format!("input: invalid UTF-8 at byte {}", error.valid_up_to());
            assert_eq!(read, Err(CoreError::InvalidValue(expected)));
            return;
        }
    };

    let found = words::words(text);
    let mut streamed = Vec::new();
    words::for_each_word(text, |word| streamed.push(word.to_owned()));
    assert_eq!(found, streamed);
    assert!(found.iter().all(|word| !word.is_empty()));
    if text.is_ascii() {
        assert_eq!(found, ascii_model(text), "words of {text:?}");
    }
    // A space splits whatever the tables say.
    let cut = (0..=text.len().min(usize::from(shape)))
        .rev()
        .find(|&at| text.is_char_boundary(at))
        .unwrap_or(0);
    let (left, right) = text.split_at(cut);
    let mut parts = words::words(left);
    parts.extend(words::words(right));
    assert_eq!(
        words::words(&format!("{left} {right}")),
        parts,
        "{left:?} | {right:?}"
    );

    let mut model: HashMap<&str, u64> = HashMap::new();
    for word in &found {
        *model.entry(word).or_default() += 1;
    }
    let counts = WordCounts::from_text(text).expect("from_text");
    assert_eq!(
        read.as_ref(),
        Ok(&counts),
        "chunks of {chunk}, reads of {step}"
    );
    assert_eq!(counts.len(), model.len());
    assert_eq!(counts.total(), Ok(found.len() as u64));
    for (word, &count) in &model {
        assert_eq!(counts.get(word), Some(count));
    }
    let mut expected: Vec<(&str, u64)> = model.iter().map(|(&w, &c)| (w, c)).collect();
    expected.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let k = usize::from(shape) % (expected.len() + 2);
    expected.truncate(k);
    assert_eq!(counts.most_common(k), expected);
    let items = counts.items();
    assert!(items.windows(2).all(|pair| pair[0].0 < pair[1].0));
    assert_eq!(
        WordCounts::from_items(items.iter().copied()).as_ref(),
        Ok(&counts)
    );
    let queries: Vec<&str> = found
        .iter()
        .map(String::as_str)
        .chain([left, right])
        .collect();
    let many = counts.get_many(&queries);
    for (query, count) in queries.iter().zip(many) {
        assert_eq!(count, model.get(query).copied().unwrap_or(0));
    }
    let mut doubled = counts.clone();
    doubled.merge_self().expect("merge_self");
    let mut merged = counts.clone();
    merged.merge(&counts).expect("merge");
    assert_eq!(doubled, merged);
});
