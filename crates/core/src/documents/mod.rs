//! Scenario 7, `documents`: one nested record crossing a boundary as JSON, bincode and an
//! rkyv archive (the bindings add Python objects).
//!
//! The semantics are those of the pure-Python spec, `python/ffibench/pure/documents.py`:
//! every field required (the optional ones may be null), no unknown field, ints of 64 bits,
//! floats finite (NaN and infinity refused on every way in), a map's keys unique and kept in
//! order. Every refusal is a [`CoreError::InvalidValue`] that says where: the path of the field
//! (`layers[3].shape[1]`), and for JSON the line and column.
//!
//! One set of serde impls serves both formats. JSON is self-describing and a hyperparameter is
//! its bare value there; bincode is not, and a hyperparameter is an enum variant (index, then
//! value): [`Value`] asks the format which it is (`is_human_readable`). Strings are read as
//! borrowed `&str` and copied once, so bincode never allocates a string from its length prefix
//! before the bytes are there (bincode's own `String` decoding allocates first, and a prefix
//! of 1 GB would do so), and sequences reserve at most [`RESERVE_BYTES`] ahead of their items.
//! The hot paths run without path tracking; only a failure is decoded again with
//! `serde_path_to_error` to name the field.

mod archive;
mod generate;
#[cfg(test)]
mod tests;

use std::fmt;

use hashbrown::HashSet;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::{CoreError, CoreResult};

pub use archive::{
    ALIGNMENT, AlignedVec, Archive, access, access_unchecked, aligned_copy, is_aligned,
};
pub use generate::{MAX_SIZE, generate};

/// An archived `i64` (little-endian, whatever the machine).
pub type ArchivedI64 = rkyv::Archived<i64>;

/// The most a sequence reserves before its items are read: a length prefix is a claim, not a
/// fact, until the items are there.
pub const RESERVE_BYTES: usize = 1 << 16;
/// The JSON nesting serde_json refuses beyond (its own default; a document is 4 deep).
pub const JSON_DEPTH_LIMIT: usize = 128;

/// A hyperparameter's value: int, float, str or bool.
#[derive(Debug, Clone, PartialEq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
pub enum Value {
    /// A signed 64-bit int.
    Int(i64),
    /// A finite float.
    Float(f64),
    /// Text.
    Str(String),
    /// A bool.
    Bool(bool),
}

/// One layer of a model.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// Its name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Its kind (`dense`, `conv2d`...).
    #[serde(deserialize_with = "text")]
    pub kind: String,
    /// Its shape.
    #[serde(deserialize_with = "integers")]
    pub shape: Vec<i64>,
    /// Its parameter count.
    pub parameters: i64,
}

/// The document: a model's metadata.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Its name.
    #[serde(deserialize_with = "text")]
    pub name: String,
    /// Its version.
    pub version: i64,
    /// When it was made: a timestamp as text, not checked.
    #[serde(deserialize_with = "text")]
    pub created: String,
    /// An optional description.
    #[serde(deserialize_with = "optional_text")]
    pub description: Option<String>,
    /// An optional parent's name.
    #[serde(deserialize_with = "optional_text")]
    pub parent: Option<String>,
    /// Hyperparameters by name, in order, names unique.
    #[serde(serialize_with = "entries", deserialize_with = "hyperparameters")]
    pub hyperparameters: Vec<(String, Value)>,
    /// The layers.
    #[serde(deserialize_with = "layers")]
    pub layers: Vec<Layer>,
    /// Series of values by metric name, in order, names unique.
    #[serde(serialize_with = "entries", deserialize_with = "metrics")]
    pub metrics: Vec<(String, Vec<f64>)>,
    /// Tags.
    #[serde(deserialize_with = "texts")]
    pub tags: Vec<String>,
}

impl Document {
    /// Compact UTF-8 JSON; `OutOfMemory` where the output cannot grow (never an abort).
    pub fn to_json(&self) -> CoreResult<Vec<u8>> {
        let mut out = TryWriter::with_estimate(self)?;
        // The only failure here is the writer's: no map has a non-str key.
        match serde_json::to_writer(&mut out, self) {
            Ok(()) => Ok(out.bytes),
            Err(error) => Err(out.failure(error)),
        }
    }

    /// The document of a JSON text; `InvalidValue` naming the field and the position.
    pub fn from_json(data: &[u8]) -> CoreResult<Self> {
        OUT_OF_MEMORY.set(None);
        let mut deserializer = serde_json::Deserializer::from_slice(data);
        match JsonDocument::deserialize(&mut deserializer).and_then(|document| {
            deserializer.end()?;
            Ok(document.0)
        }) {
            Ok(document) => Ok(document),
            Err(error) => {
                if let Some(bytes) = OUT_OF_MEMORY.take() {
                    return Err(CoreError::OutOfMemory { bytes });
                }
                // Again, slowly, for the path of the field at fault.
                let mut deserializer = serde_json::Deserializer::from_slice(data);
                match serde_path_to_error::deserialize::<_, JsonDocument>(&mut deserializer) {
                    Ok(_) => Err(invalid("document", error)),
                    Err(error) => Err(invalid(&error.path().to_string(), error.inner())),
                }
            }
        }
    }

    /// bincode 2's `standard()` encoding, through serde; `OutOfMemory` where the output
    /// cannot grow.
    pub fn to_bincode(&self) -> CoreResult<Vec<u8>> {
        let mut out = TryWriter::with_estimate(self)?;
        // The only failure here is the writer's (no unsized sequence).
        match bincode::serde::encode_into_std_write(self, &mut out, bincode::config::standard()) {
            Ok(_) => Ok(out.bytes),
            Err(error) => Err(out.failure(error)),
        }
    }

    /// The document of its bincode bytes; `InvalidValue` naming the field, or the trailing
    /// bytes.
    pub fn from_bincode(data: &[u8]) -> CoreResult<Self> {
        OUT_OF_MEMORY.set(None);
        let config = bincode::config::standard();
        match bincode::serde::borrow_decode_from_slice::<Self, _>(data, config) {
            Ok((document, read)) if read == data.len() => Ok(document),
            Ok((_, read)) => Err(invalid(
                "document",
                format!(
                    "{} bytes follow the document at byte {read}",
                    data.len() - read
                ),
            )),
            Err(error) => {
                if let Some(bytes) = OUT_OF_MEMORY.take() {
                    return Err(CoreError::OutOfMemory { bytes });
                }
                // Again, slowly, for the path of the field at fault.
                let mut decoder =
                    bincode::serde::BorrowedSerdeDecoder::from_slice(data, config, ());
                match serde_path_to_error::deserialize::<_, Self>(decoder.as_deserializer()) {
                    Ok(_) => Err(invalid("document", bincode_problem(&error))),
                    Err(error) => Err(invalid(
                        &bincode_path(error.path()),
                        bincode_problem(error.inner()),
                    )),
                }
            }
        }
    }

    /// The rkyv archive of the document (see [`access`] to read one).
    pub fn to_archive(&self) -> CoreResult<Archive> {
        archive::to_archive(self)
    }
}

/// An output that grows with `try_reserve`: a failed allocation is an `io::Error` (and then
/// [`CoreError::OutOfMemory`]), not an abort.
struct TryWriter {
    bytes: Vec<u8>,
    failed: Option<usize>,
}

impl TryWriter {
    /// A writer with room for about the document's size already reserved.
    fn with_estimate(document: &Document) -> CoreResult<Self> {
        let estimate = estimate(document);
        let mut bytes = Vec::new();
        bytes
            .try_reserve(estimate)
            .map_err(|_| CoreError::OutOfMemory { bytes: estimate })?;
        Ok(Self {
            bytes,
            failed: None,
        })
    }

    /// The error of a failed write: `OutOfMemory` where it was the writer's.
    fn failure(&self, error: impl fmt::Display) -> CoreError {
        match self.failed {
            Some(bytes) => CoreError::OutOfMemory { bytes },
            None => invalid("document", error),
        }
    }
}

impl std::io::Write for TryWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.try_reserve(buf.len()).is_err() {
            self.failed = Some(self.bytes.len().saturating_add(buf.len()));
            return Err(std::io::ErrorKind::OutOfMemory.into());
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// About the size of the document's encoding (a float is 8 bytes in bincode, up to 24 in
/// JSON; this reserves the smaller and grows from there).
fn estimate(document: &Document) -> usize {
    let floats: usize = document
        .metrics
        .iter()
        .map(|(_, series)| series.len())
        .sum();
    let layers: usize = document
        .layers
        .iter()
        .map(|layer| layer.name.len() + layer.kind.len() + 8 * layer.shape.len() + 16)
        .sum();
    256 + 8 * floats + layers + 32 * document.hyperparameters.len()
}

thread_local! {
    /// The size of an allocation that failed in the decoding now under way, if one did:
    /// serde's errors are text, so this says it was memory.
    static OUT_OF_MEMORY: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The serde error for an allocation of `bytes` that failed (and the flag that says so).
fn out_of_memory<E: de::Error>(bytes: usize) -> E {
    OUT_OF_MEMORY.set(Some(bytes));
    E::custom(format_args!("could not allocate {bytes} bytes"))
}

/// Room for one more item in `out`, reserved fallibly (doubling, as `push` does).
fn room<T, E: de::Error>(out: &mut Vec<T>) -> Result<(), E> {
    if out.len() == out.capacity() {
        let more = out.capacity().max(8);
        if out.try_reserve(more).is_err() {
            let bytes = (out.capacity() + more).saturating_mul(std::mem::size_of::<T>());
            return Err(out_of_memory(bytes));
        }
    }
    Ok(())
}

/// The fields of a document, in order (the order of the struct, and of bincode's sequence).
pub const FIELDS: [&str; 9] = [
    "name",
    "version",
    "created",
    "description",
    "parent",
    "hyperparameters",
    "layers",
    "metrics",
    "tags",
];
/// The fields of a layer, in order.
pub const LAYER_FIELDS: [&str; 4] = ["name", "kind", "shape", "parameters"];

/// The path of a bincode failure with the fields named: serde sees a record as a sequence in
/// bincode, so `serde_path_to_error` numbers its fields (`[6][3][2][1]`); this names them as
/// the JSON path does (`layers[3].shape[1]`).
fn bincode_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    let mut field = "";
    for (depth, segment) in path.iter().enumerate() {
        match (depth, segment) {
            (0, Segment::Seq { index }) => {
                field = FIELDS.get(*index).copied().unwrap_or("?");
                out.push_str(field);
            }
            (2, Segment::Seq { index }) if field == "layers" => {
                out.push('.');
                out.push_str(LAYER_FIELDS.get(*index).copied().unwrap_or("?"));
            }
            (_, Segment::Seq { index }) => out.push_str(&format!("[{index}]")),
            (_, Segment::Map { key }) => {
                out.push('.');
                out.push_str(key);
            }
            (_, Segment::Enum { .. }) => {}
            (_, Segment::Unknown) => out.push_str(".?"),
        }
    }
    out
}

/// What went wrong in bincode, in words.
fn bincode_problem(error: &bincode::error::DecodeError) -> String {
    use bincode::error::DecodeError;
    match error {
        DecodeError::UnexpectedEnd { additional } => {
            format!("the input ends {additional} bytes too soon")
        }
        DecodeError::Utf8 { inner } => format!("invalid UTF-8 ({inner})"),
        DecodeError::InvalidBooleanValue(value) => format!("invalid bool {value}"),
        DecodeError::InvalidIntegerType { .. } => "invalid varint marker".to_owned(),
        DecodeError::UnexpectedVariant { found, .. } => {
            format!("invalid option tag or variant {found}")
        }
        DecodeError::OutsideUsizeRange(value) => format!("length {value} out of range"),
        DecodeError::OtherString(message) => message.clone(),
        DecodeError::Other(message) => (*message).to_owned(),
        other => format!("{other:?}"),
    }
}

/// `InvalidValue("{path}: {problem}")`, the root named `document`.
fn invalid(path: &str, problem: impl fmt::Display) -> CoreError {
    let path = if path == "." || path.is_empty() {
        "document"
    } else {
        path
    };
    CoreError::InvalidValue(format!("{path}: {problem}"))
}

// -- serialization ----------------------------------------------------------------------------

fn entries<S: Serializer, V: Serialize>(
    entries: &[(String, V)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(entries.len()))?;
    for (key, value) in entries {
        map.serialize_entry(key, value)?;
    }
    map.end()
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            match self {
                Self::Int(value) => serializer.serialize_i64(*value),
                Self::Float(value) => serializer.serialize_f64(*value),
                Self::Str(value) => serializer.serialize_str(value),
                Self::Bool(value) => serializer.serialize_bool(*value),
            }
        } else {
            match self {
                Self::Int(value) => serializer.serialize_newtype_variant("Value", 0, "int", value),
                Self::Float(value) => {
                    serializer.serialize_newtype_variant("Value", 1, "float", value)
                }
                Self::Str(value) => serializer.serialize_newtype_variant("Value", 2, "str", value),
                Self::Bool(value) => {
                    serializer.serialize_newtype_variant("Value", 3, "bool", value)
                }
            }
        }
    }
}

// -- deserialization --------------------------------------------------------------------------

/// How many items to reserve for a sequence that claims `hint`: at most [`RESERVE_BYTES`].
fn cautious<T>(hint: Option<usize>) -> usize {
    let most = RESERVE_BYTES / std::mem::size_of::<T>().max(1);
    hint.unwrap_or(0).min(most)
}

/// A record that must be a JSON object in JSON (serde's derive takes an array as well) and
/// is its fields in order in bincode.
struct MapOnly<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for MapOnly<T> {
    type Value = T;
    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

fn record<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<T, D::Error> {
    if deserializer.is_human_readable() {
        deserializer.deserialize_map(MapOnly(std::marker::PhantomData))
    } else {
        T::deserialize(deserializer)
    }
}

/// The whole document as a JSON object.
struct JsonDocument(Document);

impl<'de> Deserialize<'de> for JsonDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        record(deserializer).map(JsonDocument)
    }
}

/// A str, borrowed from the input where the format can, copied once.
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Text, E> {
                owned(value).map(Text)
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// `value` copied, the allocation fallible.
fn owned<E: de::Error>(value: &str) -> Result<String, E> {
    let mut out = String::new();
    out.try_reserve_exact(value.len())
        .map_err(|_| out_of_memory(value.len()))?;
    out.push_str(value);
    Ok(out)
}

fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Text::deserialize(deserializer).map(|text| text.0)
}

fn optional_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct OptionalVisitor;
    impl<'de> Visitor<'de> for OptionalVisitor {
        type Value = Option<String>;
        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a string or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Self::Value, D::Error> {
            text(inner).map(Some)
        }
    }
    deserializer.deserialize_option(OptionalVisitor)
}

/// A finite float: an int where a float is due is refused, as the spec refuses JSON's `1`.
struct Finite(f64);

impl<'de> Deserialize<'de> for Finite {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FiniteVisitor;
        impl Visitor<'_> for FiniteVisitor {
            type Value = Finite;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a finite float")
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Finite, E> {
                finite(value).map(Finite)
            }
        }
        deserializer.deserialize_f64(FiniteVisitor)
    }
}

fn finite<E: de::Error>(value: f64) -> Result<f64, E> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(E::custom(format_args!(
            "{} is not finite (NaN and infinity are refused)",
            python_float(value)
        )))
    }
}

/// A non-finite float as Python's `repr` writes it.
fn python_float(value: f64) -> &'static str {
    if value.is_nan() {
        "nan"
    } else if value > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

/// A sequence of `W`, each unwrapped to `T` (`W` checks it).
struct SeqOf<W, T>(std::marker::PhantomData<(W, T)>);

impl<'de, W: Deserialize<'de> + Into<T>, T> Visitor<'de> for SeqOf<W, T> {
    type Value = Vec<T>;
    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(cautious::<T>(seq.size_hint()));
        while let Some(item) = seq.next_element::<W>()? {
            room(&mut out)?;
            out.push(item.into());
        }
        Ok(out)
    }
}

fn seq_of<'de, D: Deserializer<'de>, W: Deserialize<'de> + Into<T>, T>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    deserializer.deserialize_seq(SeqOf::<W, T>(std::marker::PhantomData))
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0
    }
}

impl From<Finite> for f64 {
    fn from(value: Finite) -> Self {
        value.0
    }
}

/// An `i64` item (serde's own, with no conversion).
struct Integer(i64);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::deserialize(deserializer).map(Integer)
    }
}

impl From<Integer> for i64 {
    fn from(value: Integer) -> Self {
        value.0
    }
}

fn texts<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    seq_of::<D, Text, String>(deserializer)
}

fn integers<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<i64>, D::Error> {
    seq_of::<D, Integer, i64>(deserializer)
}

struct Floats(Vec<f64>);

impl<'de> Deserialize<'de> for Floats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        seq_of::<D, Finite, f64>(deserializer).map(Floats)
    }
}

impl From<Floats> for Vec<f64> {
    fn from(value: Floats) -> Self {
        value.0
    }
}

struct LayerItem(Layer);

impl<'de> Deserialize<'de> for LayerItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        record(deserializer).map(LayerItem)
    }
}

impl From<LayerItem> for Layer {
    fn from(value: LayerItem) -> Self {
        value.0
    }
}

fn layers<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Layer>, D::Error> {
    seq_of::<D, LayerItem, Layer>(deserializer)
}

/// A map of unique str keys to `W` (unwrapped to `T`), in order.
struct EntriesOf<W, T>(std::marker::PhantomData<(W, T)>);

impl<'de, W: Deserialize<'de> + Into<T>, T> Visitor<'de> for EntriesOf<W, T> {
    type Value = Vec<(String, T)>;
    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Vec<(String, T)> =
            Vec::with_capacity(cautious::<(String, T)>(map.size_hint()));
        while let Some(key) = map.next_key::<Text>()? {
            let value = map.next_value::<W>()?;
            room(&mut out)?;
            out.push((key.0, value.into()));
        }
        let found = duplicate(out.iter().map(|(key, _)| key.as_str())).map_err(out_of_memory)?;
        if let Some(key) = found {
            return Err(de::Error::custom(format_args!(
                "duplicate key {}",
                py_repr(key)
            )));
        }
        Ok(out)
    }
}

/// The first key that occurs twice, if any; `Err(bytes)` where the set of keys cannot be
/// allocated (a map of millions of keys near the memory limit).
pub(crate) fn duplicate<'a>(
    keys: impl ExactSizeIterator<Item = &'a str>,
) -> Result<Option<&'a str>, usize> {
    let mut seen = HashSet::new();
    seen.try_reserve(keys.len())
        .map_err(|_| keys.len().saturating_mul(2 * std::mem::size_of::<&str>()))?;
    Ok(keys.into_iter().find(|&key| !seen.insert(key)))
}

/// `key` quoted as Python's `repr` quotes a plain str (single quotes unless it holds one).
pub fn py_repr(key: &str) -> String {
    let quote = if key.contains('\'') && !key.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(key.len() + 2);
    out.push(quote);
    for c in key.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !printable(c) => {
                let code = c as u32;
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Whether Python's `str.isprintable` holds for `c`: not a control (Cc), a format
/// character (Cf), a separator other than the space (Zs, Zl, Zp), a private-use character
/// (Co) or a noncharacter. Unassigned code points (the rest of Cn) are printed as they are:
/// telling them needs the Unicode tables.
fn printable(c: char) -> bool {
    let code = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(
        code,
        0xad | 0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x890..=0x891
            | 0x8e2
            | 0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xe000..=0xf8ff
            | 0xfdd0..=0xfdef
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
            | 0xf0000..=0x10ffff
    ) && (code & 0xfffe) != 0xfffe
}

fn hyperparameters<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(String, Value)>, D::Error> {
    deserializer.deserialize_map(EntriesOf::<Value, Value>(std::marker::PhantomData))
}

fn metrics<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(String, Vec<f64>)>, D::Error> {
    deserializer.deserialize_map(EntriesOf::<Floats, Vec<f64>>(std::marker::PhantomData))
}

/// A hyperparameter in JSON: the bare value.
struct BareValue;

impl Visitor<'_> for BareValue {
    type Value = Value;
    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an int, a float, a string or a bool")
    }
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Int(value))
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        i64::try_from(value)
            .map(Value::Int)
            .map_err(|_| E::custom(format_args!("{value} does not fit a signed 64-bit integer")))
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        finite(value).map(Value::Float)
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        owned(value).map(Value::Str)
    }
}

/// A hyperparameter in bincode: a variant index, then the value.
struct TaggedValue;

const VARIANTS: &[&str] = &["int", "float", "str", "bool"];

impl<'de> Visitor<'de> for TaggedValue {
    type Value = Value;
    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a hyperparameter (0 int, 1 float, 2 str, 3 bool)")
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use de::VariantAccess;
        let (variant, access) = data.variant_seed(VariantIndex)?;
        match variant {
            0 => access.newtype_variant::<i64>().map(Value::Int),
            1 => access
                .newtype_variant::<Finite>()
                .map(|f| Value::Float(f.0)),
            2 => access.newtype_variant::<Text>().map(|t| Value::Str(t.0)),
            _ => access.newtype_variant::<bool>().map(Value::Bool),
        }
    }
}

/// A variant index, 0 to 3.
struct VariantIndex;

impl<'de> DeserializeSeed<'de> for VariantIndex {
    type Value = u32;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<u32, D::Error> {
        struct IndexVisitor;
        impl Visitor<'_> for IndexVisitor {
            type Value = u32;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a variant index 0 to 3")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<u32, E> {
                match u32::try_from(value) {
                    Ok(index) if index < 4 => Ok(index),
                    _ => Err(E::custom(format_args!(
                        "unknown variant {value} (0 int, 1 float, 2 str, 3 bool)"
                    ))),
                }
            }
        }
        deserializer.deserialize_identifier(IndexVisitor)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_any(BareValue)
        } else {
            deserializer.deserialize_enum("Value", VARIANTS, TaggedValue)
        }
    }
}
