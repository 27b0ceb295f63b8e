//! The key-value store: `str` keys, byte values, least-recently-used eviction past a bound.
//!
//! One allocation per item holds its key and value side by side; the items live in a slab
//! (`Vec<Slot>`) linked from the least to the most recently used, and the index is a
//! `hashbrown::HashTable` of slot numbers hashed by key, so a key is stored once. A freed slot
//! goes on a free list for the next insert. An item costs its bytes, one allocation, a 32-byte
//! slot and about 5 bytes of index.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::{CoreError, CoreResult};

const NIL: u32 = u32::MAX;

#[derive(Debug, Clone)]
struct Slot {
    /// The key's UTF-8 bytes, then the value's; empty in a free slot.
    data: Box<[u8]>,
    key_len: u32,
    /// The slot used just before this one, or NIL.
    older: u32,
    /// The slot used just after this one (in a free slot: the next free one), or NIL.
    newer: u32,
}

impl Slot {
    fn key(&self) -> &[u8] {
        &self.data[..self.key_len as usize]
    }

    fn value(&self) -> &[u8] {
        &self.data[self.key_len as usize..]
    }
}

/// Hits and misses of `get`, and evictions. Each counter stops at `u64::MAX` rather than wrap
/// (only a store given counters near it, as an unpickled one may be, can get there).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lookups that found their key.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Items evicted to stay within the bound.
    pub evictions: u64,
}

/// A map of `str` keys to byte values, optionally bounded: see the module docs.
#[derive(Debug, Clone)]
pub struct KeyValueStore {
    slots: Vec<Slot>,
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
    oldest: u32,
    newest: u32,
    free: u32,
    len: usize,
    max_items: Option<usize>,
    stats: Stats,
}

fn item(key: &str, value: &[u8]) -> CoreResult<(Box<[u8]>, u32)> {
    let key_len = u32::try_from(key.len())
        .map_err(|_| CoreError::InvalidValue("a key is at most 4 GiB of UTF-8".into()))?;
    let bytes = key.len() + value.len();
    let mut data = Vec::new();
    data.try_reserve_exact(bytes)
        .map_err(|_| CoreError::OutOfMemory { bytes })?;
    data.extend_from_slice(key.as_bytes());
    data.extend_from_slice(value);
    Ok((data.into_boxed_slice(), key_len))
}

impl KeyValueStore {
    /// An empty store; with `max_items` (at least 1, else `InvalidValue`), bounded.
    pub fn new(max_items: Option<usize>) -> CoreResult<Self> {
        if max_items == Some(0) {
            return Err(CoreError::InvalidValue(
                "max_items must be >= 1, not 0".into(),
            ));
        }
        Ok(Self {
            slots: Vec::new(),
            index: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            oldest: NIL,
            newest: NIL,
            free: NIL,
            len: 0,
            max_items,
            stats: Stats::default(),
        })
    }

    /// The bound, if any.
    pub fn max_items(&self) -> Option<usize> {
        self.max_items
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Hits, misses and evictions so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Sets the counters (a copy or an unpickled store takes its original's).
    pub fn set_stats(&mut self, stats: Stats) {
        self.stats = stats;
    }

    fn find(&self, key: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(key.as_bytes());
        let slots = &self.slots;
        self.index
            .find(hash, |&i| slots[i as usize].key() == key.as_bytes())
            .copied()
    }

    fn unlink(&mut self, index: u32) {
        let (older, newer) = {
            let slot = &self.slots[index as usize];
            (slot.older, slot.newer)
        };
        match older {
            NIL => self.oldest = newer,
            older => self.slots[older as usize].newer = newer,
        }
        match newer {
            NIL => self.newest = older,
            newer => self.slots[newer as usize].older = older,
        }
    }

    fn push_newest(&mut self, index: u32) {
        let slot = &mut self.slots[index as usize];
        slot.older = self.newest;
        slot.newer = NIL;
        match self.newest {
            NIL => self.oldest = index,
            newest => self.slots[newest as usize].newer = index,
        }
        self.newest = index;
    }

    fn touch(&mut self, index: u32) {
        if self.newest != index {
            self.unlink(index);
            self.push_newest(index);
        }
    }

    /// Takes the item of slot `index` out of the index and the order, and frees the slot.
    fn remove_slot(&mut self, index: u32) {
        let hash = self.hasher.hash_one(self.slots[index as usize].key());
        if let Ok(entry) = self.index.find_entry(hash, |&i| i == index) {
            entry.remove();
        }
        self.unlink(index);
        let slot = &mut self.slots[index as usize];
        slot.data = Box::default();
        slot.key_len = 0;
        slot.newer = self.free;
        self.free = index;
        self.len -= 1;
    }

    /// Stores `value` under `key`, the most recently used from now; past the bound, the least
    /// recently used item is evicted first.
    pub fn set(&mut self, key: &str, value: &[u8]) -> CoreResult<()> {
        let (data, key_len) = item(key, value)?;
        if let Some(index) = self.find(key) {
            self.slots[index as usize].data = data;
            self.touch(index);
            return Ok(());
        }
        if self.max_items.is_some_and(|max| self.len >= max) && self.oldest != NIL {
            self.remove_slot(self.oldest);
            self.stats.evictions = self.stats.evictions.saturating_add(1);
        }
        let slot = Slot {
            data,
            key_len,
            older: NIL,
            newer: NIL,
        };
        let index = if self.free == NIL {
            let index = u32::try_from(self.slots.len())
                .ok()
                .filter(|&index| index != NIL)
                .ok_or_else(|| CoreError::InvalidValue("the store is full".into()))?;
            self.slots
                .try_reserve(1)
                .map_err(|_| CoreError::OutOfMemory {
                    bytes: std::mem::size_of::<Slot>(),
                })?;
            self.slots.push(slot);
            index
        } else {
            let index = self.free;
            self.free = self.slots[index as usize].newer;
            self.slots[index as usize] = slot;
            index
        };
        let hash = self.hasher.hash_one(key.as_bytes());
        let (slots, hasher) = (&self.slots, &self.hasher);
        self.index
            .insert_unique(hash, index, |&i| hasher.hash_one(slots[i as usize].key()));
        self.push_newest(index);
        self.len += 1;
        Ok(())
    }

    /// The value of `key` (a hit, which makes it the most recently used) or `None` (a miss).
    pub fn get(&mut self, key: &str) -> Option<&[u8]> {
        match self.find(key) {
            Some(index) => {
                self.stats.hits = self.stats.hits.saturating_add(1);
                self.touch(index);
                Some(self.slots[index as usize].value())
            }
            None => {
                self.stats.misses = self.stats.misses.saturating_add(1);
                None
            }
        }
    }

    /// Whether `key` is stored; no change to the order or the counters.
    pub fn contains(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// Removes `key`; whether it was there.
    pub fn delete(&mut self, key: &str) -> bool {
        match self.find(key) {
            Some(index) => {
                self.remove_slot(index);
                true
            }
            None => false,
        }
    }

    /// `get` of each key in order, the values copied end to end into `values`, and for each
    /// key its value's `(start, end)` there or `None`. The room for the values is reserved
    /// first: `OutOfMemory`, with nothing changed (order, counters), when it cannot be had
    /// (one large value asked for many times needs many copies).
    pub fn get_many<S: AsRef<str>>(
        &mut self,
        keys: &[S],
        values: &mut Vec<u8>,
    ) -> CoreResult<Vec<Option<(usize, usize)>>> {
        let mut spans = Vec::new();
        spans
            .try_reserve_exact(keys.len())
            .map_err(|_| CoreError::OutOfMemory {
                bytes: keys
                    .len()
                    .saturating_mul(std::mem::size_of::<Option<(usize, usize)>>()),
            })?;
        let mut found: Vec<Option<u32>> = Vec::new();
        found
            .try_reserve_exact(keys.len())
            .map_err(|_| CoreError::OutOfMemory {
                bytes: keys
                    .len()
                    .saturating_mul(std::mem::size_of::<Option<u32>>()),
            })?;
        // A lookup moves no item (nothing is evicted), so the slots found stay valid.
        found.extend(keys.iter().map(|key| self.find(key.as_ref())));
        let bytes = found
            .iter()
            .flatten()
            .try_fold(0_usize, |sum, &index| {
                sum.checked_add(self.slots[index as usize].value().len())
            })
            .unwrap_or(usize::MAX);
        values
            .try_reserve_exact(bytes)
            .map_err(|_| CoreError::OutOfMemory { bytes })?;
        for index in found {
            spans.push(match index {
                Some(index) => {
                    self.stats.hits = self.stats.hits.saturating_add(1);
                    self.touch(index);
                    let start = values.len();
                    values.extend_from_slice(self.slots[index as usize].value());
                    Some((start, values.len()))
                }
                None => {
                    self.stats.misses = self.stats.misses.saturating_add(1);
                    None
                }
            });
        }
        Ok(spans)
    }

    /// A copy of the value of `key` (see [`Self::get`]); `OutOfMemory`, with nothing changed,
    /// when the copy cannot be allocated.
    pub fn get_copy(&mut self, key: &str) -> CoreResult<Option<Vec<u8>>> {
        let Some(index) = self.find(key) else {
            self.stats.misses = self.stats.misses.saturating_add(1);
            return Ok(None);
        };
        let value = self.slots[index as usize].value();
        let mut copy = Vec::new();
        copy.try_reserve_exact(value.len())
            .map_err(|_| CoreError::OutOfMemory { bytes: value.len() })?;
        copy.extend_from_slice(value);
        self.stats.hits = self.stats.hits.saturating_add(1);
        self.touch(index);
        Ok(Some(copy))
    }

    /// The keys and values, least recently used first.
    pub fn items(&self) -> Vec<(&str, &[u8])> {
        let mut out = Vec::with_capacity(self.len);
        let mut index = self.oldest;
        while index != NIL {
            let slot = &self.slots[index as usize];
            // Keys are stored from `&str` only, so they are always UTF-8.
            out.push((
                std::str::from_utf8(slot.key()).unwrap_or_default(),
                slot.value(),
            ));
            index = slot.newer;
        }
        out
    }

    /// The number of slots, free ones included (for the tests of slot reuse).
    #[cfg(test)]
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// The keys, least recently used first.
    pub fn keys(&self) -> Vec<&str> {
        self.items().into_iter().map(|(key, _)| key).collect()
    }
}
