//! Scenario 4, `words`: word counts of a text or a file, and a bounded key-value store.
//!
//! The semantics are those of the pure-Python spec, `python/ffibench/pure/words.py`: a word is
//! a maximal run of letters (`str.isalpha`) and decimal digits (`str.isdecimal`), keeping an
//! apostrophe (`'` or `’`) only between two letters, lowercased as `str.lower` lowercases the
//! word alone. The character classes and the lowercase mapping are CPython 3.11's (Unicode
//! 14.0.0), from generated tables, so the answer is the spec's to the code point.
//!
//! Counting splits the text at characters no word can span and counts the parts on scoped
//! threads, each into its own map, then merges: the answer never depends on the number of
//! threads. A file is read in chunks and validated as UTF-8 on the way, so its size is
//! bounded by the disk, not by memory.

mod store;
mod unicode_tables;

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::thread;

use hashbrown::HashMap;

pub use store::{KeyValueStore, Stats};
use unicode_tables::{
    CASED, DECIMAL, IGNORABLE, LETTER, LOWER_BLOCKS, LOWER_INDEX, LOWER_MAPPINGS,
    WORD_CLASS_BLOCKS, WORD_CLASS_INDEX,
};

use crate::{CoreError, CoreResult};

/// The size of the chunks a file is read in.
pub const CHUNK_BYTES: usize = 4 << 20;
/// Below this many bytes a text is counted on one thread: a thread costs more than the work.
const PARALLEL_MIN_BYTES: usize = 1 << 20;
const CAPITAL_SIGMA: char = '\u{3A3}';

fn word_class(c: char) -> u8 {
    let code = c as usize;
    let row = WORD_CLASS_INDEX[code >> 7] as usize;
    WORD_CLASS_BLOCKS[row][code & 127]
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Whether `c` ends every word before it: neither a word character nor an apostrophe.
fn is_hard_separator(c: char) -> bool {
    word_class(c) & (LETTER | DECIMAL) == 0 && !is_apostrophe(c)
}

/// The capital sigma at byte `at` of `word` lowercases to a final sigma: CPython's rule, a
/// cased character before it and none after it, skipping case-ignorable ones both ways.
fn is_final_sigma(word: &str, at: usize) -> bool {
    let cased_before = word[..at]
        .chars()
        .rev()
        .find(|&c| word_class(c) & IGNORABLE == 0)
        .is_some_and(|c| word_class(c) & CASED != 0);
    cased_before
        && word[at + CAPITAL_SIGMA.len_utf8()..]
            .chars()
            .find(|&c| word_class(c) & IGNORABLE == 0)
            .is_none_or(|c| word_class(c) & CASED == 0)
}

/// `word.lower()` into `out`, as CPython 3.11 lowercases it.
fn lower_into(word: &str, out: &mut String) {
    out.clear();
    for (at, c) in word.char_indices() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if c == CAPITAL_SIGMA {
            out.push(if is_final_sigma(word, at) {
                '\u{3C2}'
            } else {
                '\u{3C3}'
            });
        } else {
            let code = c as usize;
            let row = LOWER_INDEX[code >> 7] as usize;
            match LOWER_BLOCKS[row][code & 127] {
                0 => out.push(c),
                index => LOWER_MAPPINGS[usize::from(index) - 1]
                    .iter()
                    .filter(|&&mapped| mapped != '\0')
                    .for_each(|&mapped| out.push(mapped)),
            }
        }
    }
}

/// Calls `found` with each word of `text`, lowercased, in order.
pub fn for_each_word(text: &str, mut found: impl FnMut(&str)) {
    let mut lowered = String::new();
    let mut emit = |word: &str| {
        if word
            .bytes()
            .all(|b| !b.is_ascii_uppercase() && b.is_ascii())
        {
            found(word);
        } else {
            lower_into(word, &mut lowered);
            found(&lowered);
        }
    };
    let mut start: Option<usize> = None;
    let mut previous_is_letter = false;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let class = word_class(c);
        let keep = class & (LETTER | DECIMAL) != 0
            || (is_apostrophe(c)
                && previous_is_letter
                && chars
                    .peek()
                    .is_some_and(|&(_, next)| word_class(next) & LETTER != 0));
        if keep {
            start.get_or_insert(at);
        } else if let Some(from) = start.take() {
            emit(&text[from..at]);
        }
        previous_is_letter = class & LETTER != 0;
    }
    if let Some(from) = start {
        emit(&text[from..]);
    }
}

/// The lowercased words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |word| out.push(word.to_owned()));
    out
}

/// The byte offset just past the last hard separator of `text` (0 when there is none): the
/// text before it holds only whole words.
fn hard_cut(text: &str) -> usize {
    text.char_indices()
        .rev()
        .find(|&(_, c)| is_hard_separator(c))
        .map_or(0, |(at, c)| at + c.len_utf8())
}

/// The first byte offset at or after `from` just past a hard separator, or `text.len()`.
fn next_cut(text: &str, from: usize) -> usize {
    let mut at = from;
    while !text.is_char_boundary(at) {
        at += 1;
    }
    text[at..]
        .char_indices()
        .find(|&(_, c)| is_hard_separator(c))
        .map_or(text.len(), |(offset, c)| at + offset + c.len_utf8())
}

/// How many threads counting may use: the machine's parallelism, at most 16.
fn threads() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get().min(16))
}

type Counts = HashMap<Box<str>, u64>;

/// `word` as a key of its own; `OutOfMemory` rather than an abort when it cannot be had.
fn owned(word: &str) -> CoreResult<Box<str>> {
    let mut key = String::new();
    key.try_reserve_exact(word.len())
        .map_err(|_| CoreError::OutOfMemory { bytes: word.len() })?;
    key.push_str(word);
    Ok(key.into_boxed_str())
}

/// Room in `counts` for `more` new words.
fn reserve(counts: &mut Counts, more: usize) -> CoreResult<()> {
    counts
        .try_reserve(more)
        .map_err(|_| CoreError::OutOfMemory {
            bytes: more.saturating_mul(std::mem::size_of::<(Box<str>, u64)>()),
        })
}

/// Adds `count` to `word`'s count: one lookup for a word already there (almost every word of
/// a text), two and one allocation for a new one. Every allocation is fallible, so a text
/// with more words than memory is `OutOfMemory` (Python's `MemoryError`), not an abort.
fn add(counts: &mut Counts, word: &str, count: u64) -> CoreResult<()> {
    match counts.get_mut(word) {
        Some(found) => *found += count,
        None => {
            reserve(counts, 1)?;
            counts.insert(owned(word)?, count);
        }
    }
    Ok(())
}

fn count_into(counts: &mut Counts, text: &str) -> CoreResult<()> {
    let mut result = Ok(());
    for_each_word(text, |word| {
        if result.is_ok() {
            result = add(counts, word, 1);
        }
    });
    result
}

/// Counts `text` into `maps`, one part per map, each part ending at a hard separator.
fn count_parallel(maps: &mut [Counts], text: &str) -> CoreResult<()> {
    if maps.len() == 1 || text.len() < PARALLEL_MIN_BYTES {
        return count_into(&mut maps[0], text);
    }
    let parts = maps.len();
    let mut bounds = vec![0];
    for part in 1..parts {
        let cut = next_cut(text, text.len() * part / parts).max(bounds[part - 1]);
        bounds.push(cut);
    }
    bounds.push(text.len());
    thread::scope(|scope| {
        let counting: Vec<_> = maps
            .iter_mut()
            .enumerate()
            .map(|(index, map)| {
                let part = &text[bounds[index]..bounds[index + 1]];
                scope.spawn(move || count_into(map, part))
            })
            .collect();
        counting.into_iter().try_for_each(|thread| {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })
}

/// How many times each word occurs: see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordCounts {
    counts: Counts,
}

impl WordCounts {
    /// No words.
    pub fn new() -> Self {
        Self::default()
    }

    fn from_maps(maps: Vec<Counts>) -> CoreResult<Self> {
        let mut maps = maps.into_iter();
        let mut counts = maps.next().unwrap_or_default();
        for map in maps {
            let (mut big, small) = if map.len() > counts.len() {
                (map, counts)
            } else {
                (counts, map)
            };
            reserve(&mut big, small.len())?;
            for (word, count) in small {
                *big.entry(word).or_insert(0) += count;
            }
            counts = big;
        }
        Ok(Self { counts })
    }

    /// The counts of the words of `text`; `OutOfMemory` when they do not fit.
    pub fn from_text(text: &str) -> CoreResult<Self> {
        let mut maps: Vec<Counts> = (0..threads()).map(|_| Counts::new()).collect();
        count_parallel(&mut maps, text)?;
        Self::from_maps(maps)
    }

    /// The counts of the words of the UTF-8 bytes `reader` yields, read in chunks of
    /// [`CHUNK_BYTES`]. `InvalidValue` names the byte offset of the first byte that is not
    /// UTF-8; a read error is [`CoreError::Io`].
    pub fn from_reader(reader: impl Read, name: &str) -> CoreResult<Self> {
        Self::from_chunks(reader, name, CHUNK_BYTES)
    }

    /// [`Self::from_reader`] in chunks of `chunk` bytes (at least 1) rather than
    /// [`CHUNK_BYTES`]: the fuzz target `words_tokenise` puts chunk boundaries everywhere
    /// with it, which a 4 MiB chunk never lets it reach. Only in a `--cfg fuzzing` build.
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub fn from_reader_in_chunks(reader: impl Read, name: &str, chunk: usize) -> CoreResult<Self> {
        Self::from_chunks(reader, name, chunk.max(1))
    }

    fn from_chunks(mut reader: impl Read, name: &str, chunk: usize) -> CoreResult<Self> {
        let mut maps: Vec<Counts> = (0..threads()).map(|_| Counts::new()).collect();
        // `buffer[..text_end]` is valid UTF-8 (the words after the last hard separator of
        // the previous chunk), `buffer[text_end..]` bytes read but not yet validated.
        let mut buffer: Vec<u8> = Vec::new();
        let mut text_end = 0;
        let mut consumed: u64 = 0; // bytes of the file before buffer[text_end..]
        loop {
            // `take` + `read_to_end`: a whole chunk however short the reads, appended into
            // spare capacity without zeroing it first.
            let read = (&mut reader)
                .take(chunk as u64)
                .read_to_end(&mut buffer)
                .map_err(|error| CoreError::io(&error, name))?;
            let end_of_file = read < chunk;
            let valid = match std::str::from_utf8(&buffer[text_end..]) {
                Ok(_) => buffer.len(),
                Err(error) if error.error_len().is_none() && !end_of_file => {
                    text_end + error.valid_up_to()
                }
                Err(error) => {
                    let offset = consumed + error.valid_up_to() as u64;
                    return Err(CoreError::InvalidValue(format!(
                        "{name}: invalid UTF-8 at byte {offset}"
                    )));
                }
            };
            consumed += (valid - text_end) as u64;
            // Checked again as a whole rather than assumed (no `unsafe` in the core): a fast
            // pass over bytes known to be valid, a few percent of the counting.
            let text = std::str::from_utf8(&buffer[..valid]).map_err(|error| {
                CoreError::InvalidValue(format!("{name}: invalid UTF-8 ({error})"))
            })?;
            // The carried words hold no hard separator (the last cut was just past the last
            // one), so only the new text is searched: a word longer than many chunks costs
            // its length once, not once per chunk.
            let cut = match hard_cut(&text[text_end..]) {
                _ if end_of_file => text.len(),
                0 => 0,
                cut => text_end + cut,
            };
            count_parallel(&mut maps, &text[..cut])?;
            if end_of_file {
                return Self::from_maps(maps);
            }
            buffer.drain(..cut);
            text_end = valid - cut;
        }
    }

    /// The counts of the words of the UTF-8 file at `path` (see [`Self::from_reader`]).
    pub fn from_file(path: &Path) -> CoreResult<Self> {
        let name = path.display().to_string();
        if path.as_os_str().as_encoded_bytes().contains(&0) {
            // What Python's open() says; the OS would only say "invalid argument".
            return Err(CoreError::InvalidValue("embedded null byte".into()));
        }
        let file = File::open(path).map_err(|error| CoreError::io(&error, &name))?;
        Self::from_reader(file, &name)
    }

    /// The counts of `items`; a word given twice keeps its last count.
    pub fn from_items<'a>(items: impl IntoIterator<Item = (&'a str, u64)>) -> CoreResult<Self> {
        let mut counts = Counts::new();
        for (word, count) in items {
            match counts.get_mut(word) {
                Some(found) => *found = count,
                None => {
                    reserve(&mut counts, 1)?;
                    counts.insert(owned(word)?, count);
                }
            }
        }
        Ok(Self { counts })
    }

    /// The count of `word`, if it occurs.
    pub fn get(&self, word: &str) -> Option<u64> {
        self.counts.get(word).copied()
    }

    /// The number of distinct words.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The number of words counted; `Overflow` past `u64::MAX`.
    pub fn total(&self) -> CoreResult<u64> {
        self.counts
            .values()
            .try_fold(0_u64, |sum, &count| sum.checked_add(count))
            .ok_or_else(|| CoreError::Overflow("the total exceeds 2**64 - 1".into()))
    }

    /// `(word, count)` in code-point order of the words (the byte order of UTF-8).
    pub fn items(&self) -> Vec<(&str, u64)> {
        let mut items: Vec<(&str, u64)> = self.counts.iter().map(|(w, &c)| (&**w, c)).collect();
        items.sort_unstable_by(|a, b| a.0.cmp(b.0));
        items
    }

    /// The `k` largest counts, largest first, ties in code-point order of the words.
    pub fn most_common(&self, k: usize) -> Vec<(&str, u64)> {
        let mut items: Vec<(&str, u64)> = self.counts.iter().map(|(w, &c)| (&**w, c)).collect();
        let order = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
        if k < items.len() {
            if k == 0 {
                return Vec::new();
            }
            items.select_nth_unstable_by(k - 1, order);
            items.truncate(k);
        }
        items.sort_unstable_by(order);
        items
    }

    /// The count of each word (0 when absent), in order.
    pub fn get_many<S: AsRef<str>>(&self, words: &[S]) -> Vec<u64> {
        words
            .iter()
            .map(|word| self.get(word.as_ref()).unwrap_or(0))
            .collect()
    }

    /// Adds the counts of `other`; nothing changes when a sum would pass `u64::MAX`, or when
    /// the new words do not fit (`OutOfMemory`).
    pub fn merge(&mut self, other: &WordCounts) -> CoreResult<()> {
        let mut new_words = Vec::new();
        for (word, &count) in &other.counts {
            match self.get(word) {
                Some(mine) if mine.checked_add(count).is_none() => {
                    return Err(CoreError::Overflow(format!(
                        "the count of {word:?} would exceed 2**64 - 1"
                    )));
                }
                Some(_) => {}
                None => {
                    new_words
                        .try_reserve(1)
                        .map_err(|_| CoreError::OutOfMemory { bytes: word.len() })?;
                    new_words.push((owned(word)?, count));
                }
            }
        }
        reserve(&mut self.counts, new_words.len())?;
        for (word, &count) in &other.counts {
            if let Some(mine) = self.counts.get_mut(word) {
                *mine += count;
            }
        }
        self.counts.extend(new_words);
        Ok(())
    }

    /// Adds these counts to themselves (`merge` of a value with itself): each count doubled,
    /// in place; nothing changes when one would pass `u64::MAX`.
    pub fn merge_self(&mut self) -> CoreResult<()> {
        if let Some((word, _)) = self.counts.iter().find(|&(_, &count)| count > u64::MAX / 2) {
            return Err(CoreError::Overflow(format!(
                "the count of {word:?} would exceed 2**64 - 1"
            )));
        }
        self.counts.values_mut().for_each(|count| *count *= 2);
        Ok(())
    }
}

impl CoreError {
    /// A failed read or open of `name`, keeping the OS error number (Python picks the
    /// `OSError` subclass from it: `FileNotFoundError`, `IsADirectoryError`...).
    pub(crate) fn io(error: &std::io::Error, name: &str) -> Self {
        let text = error.to_string();
        let reason = text.split(" (os error").next().unwrap_or(&text).to_owned();
        CoreError::Io {
            errno: error.raw_os_error().unwrap_or(0),
            message: reason,
            path: name.into(),
        }
    }
}

#[cfg(test)]
mod tests;
