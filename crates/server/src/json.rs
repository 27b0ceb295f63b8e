//! A strict JSON reader for request bodies: RFC 8259 as the API's contract reads it.
//!
//! Why not `serde_json::Value`: the contract needs facts about the text that `Value` does not
//! keep. A number is an integer only when written without a fraction or an exponent (`-0` is
//! the integer 0, `-0.0` the float -0.0, which `Value` reads alike); a number beyond float64's
//! range (`1e400`) is its own error, but only in a body that is otherwise valid JSON (serde
//! stops at the number, before it knows whether the rest is malformed); nesting deeper than
//! [`MAX_DEPTH`] is malformed at 101 levels, not at serde's 128. This reader checks the whole
//! text first (UTF-8, grammar, unpaired surrogate escapes, depth) and only then reports a
//! number out of range, so every server answers the same body with the same error.
//!
//! Numbers are read by the standard library's `f64` parser, which rounds correctly (as
//! Python's `float()` does), from the literal's own text. Of an object's keys given twice the
//! last one counts ([`Json::field`]).

/// The deepest nesting of arrays and objects a body may have.
pub const MAX_DEPTH: usize = 100;

/// A JSON value. Objects keep their members in order, duplicates included.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`: not a number.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string (never with an unpaired surrogate: the reader refuses those).
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object's members as written, duplicates included.
    Object(Vec<(String, Json)>),
}

/// A JSON number: its value as float64 and whether it was written as an integer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    /// The literal correctly rounded to float64 (finite: the reader refuses the others).
    /// An integer literal reads as the integer it is, so `-0` is `0.0`, not `-0.0`.
    pub value: f64,
    /// Whether the literal has neither a fraction nor an exponent.
    pub integer: bool,
}

/// Why a body is not a JSON value the API reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// Not UTF-8, not JSON, a string with an unpaired surrogate escape, or nested deeper than
    /// [`MAX_DEPTH`].
    Malformed,
    /// Valid JSON, but a number's magnitude is beyond float64's (it rounds to infinity).
    OutOfRange,
}

impl Json {
    /// The number this value is, if it is one (booleans are not).
    pub fn as_number(&self) -> Option<Number> {
        match self {
            Json::Number(number) => Some(*number),
            _ => None,
        }
    }

    /// The value of member `key` of an object: the last one when the key is given twice.
    pub fn field(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members
                .iter()
                .rev()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    /// Whether this is an object whose distinct keys are exactly `keys`.
    pub fn has_exactly(&self, keys: &[&str]) -> bool {
        match self {
            Json::Object(members) => {
                members
                    .iter()
                    .all(|(name, _)| keys.contains(&name.as_str()))
                    && keys
                        .iter()
                        .all(|key| members.iter().any(|(name, _)| name == key))
            }
            _ => false,
        }
    }
}

/// The JSON value of `body`, checked as the module docs say.
pub fn parse(body: &[u8]) -> Result<Json, JsonError> {
    let text = std::str::from_utf8(body).map_err(|_| JsonError::Malformed)?;
    let mut reader = Reader {
        text,
        bytes: body,
        at: 0,
        out_of_range: false,
    };
    reader.skip_whitespace();
    let value = reader.value(0).ok_or(JsonError::Malformed)?;
    reader.skip_whitespace();
    if reader.at != body.len() {
        return Err(JsonError::Malformed);
    }
    if reader.out_of_range {
        return Err(JsonError::OutOfRange);
    }
    Ok(value)
}

/// The reader's position in a text known to be UTF-8. Every method returns `None` for
/// malformed input; a number out of range is only noted, so the rest is still checked.
struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    out_of_range: bool,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Option<Json> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Some(value)
        } else {
            None
        }
    }

    /// The value at the reader's position, inside `depth` arrays and objects.
    fn value(&mut self, depth: usize) -> Option<Json> {
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Json::String),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'n' => self.literal("null", Json::Null),
            b'-' | b'0'..=b'9' => self.number().map(Json::Number),
            _ => None,
        }
    }

    fn array(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.at += 1; // [
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(Json::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(Json::Array(items));
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.at += 1; // {
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek()? != b':' {
                return None;
            }
            self.at += 1;
            self.skip_whitespace();
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(Json::Object(members));
                }
                _ => return None,
            }
        }
    }

    /// A string from its opening quote; escapes decoded, unpaired surrogates refused.
    fn string(&mut self) -> Option<String> {
        self.at += 1; // "
        let mut out = String::new();
        let mut run = self.at; // start of the bytes not yet copied to `out`
        loop {
            match self.peek()? {
                b'"' => {
                    // Slicing at ASCII bytes always falls on a character boundary.
                    out.push_str(&self.text[run..self.at]);
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run..self.at]);
                    self.at += 1;
                    self.escape(&mut out)?;
                    run = self.at;
                }
                0x00..=0x1F => return None, // control characters must be escaped
                _ => self.at += 1,
            }
        }
    }

    /// The escape after a backslash, appended to `out`.
    fn escape(&mut self, out: &mut String) -> Option<()> {
        let kind = self.peek()?;
        self.at += 1;
        let c = match kind {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                match first {
                    0xD800..=0xDBFF => {
                        // A high surrogate must be followed by an escaped low one.
                        if !self.bytes[self.at..].starts_with(b"\\u") {
                            return None;
                        }
                        self.at += 2;
                        let second = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return None;
                        }
                        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        char::from_u32(code)?
                    }
                    0xDC00..=0xDFFF => return None,
                    _ => char::from_u32(first)?,
                }
            }
            _ => return None,
        };
        out.push(c);
        Some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let mut code = 0;
        for &digit in digits {
            code = code * 16 + char::from(digit).to_digit(16)?;
        }
        self.at += 4;
        Some(code)
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, read as float64.
    fn number(&mut self) -> Option<Number> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return None;
            }
            integer = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
            integer = false;
        }
        // The grammar above is a subset of what `f64::from_str` reads, which rounds correctly
        // and gives infinity (not an error) past float64's range.
        let value: f64 = self.text[start..self.at].parse().ok()?;
        if value.is_infinite() {
            self.out_of_range = true;
        }
        // `-0` is the integer zero; only a float literal keeps the sign of a zero.
        let value = if integer && value == 0.0 { 0.0 } else { value };
        Some(Number { value, integer })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(value: f64, integer: bool) -> Json {
        Json::Number(Number { value, integer })
    }

    #[test]
    fn reads_every_kind_of_value() {
        let parsed = parse(br#" {"a": [1, -2.5, true, false, null, "x\u00e9\n"], "b": {}} "#);
        assert_eq!(
            parsed,
            Ok(Json::Object(vec![
                (
                    "a".into(),
                    Json::Array(vec![
                        number(1.0, true),
                        number(-2.5, false),
                        Json::Bool(true),
                        Json::Bool(false),
                        Json::Null,
                        Json::String("x\u{e9}\n".into()),
                    ])
                ),
                ("b".into(), Json::Object(vec![])),
            ]))
        );
    }

    #[test]
    fn integers_are_literals_without_fraction_or_exponent() {
        assert_eq!(parse(b"150"), Ok(number(150.0, true)));
        assert_eq!(parse(b"150.0"), Ok(number(150.0, false)));
        assert_eq!(parse(b"1.5e2"), Ok(number(150.0, false)));
        assert_eq!(parse(b"1E2"), Ok(number(100.0, false)));
        // -0 is the integer zero; -0.0 keeps its sign, as Python's float() does.
        let Ok(Json::Number(zero)) = parse(b"-0") else {
            panic!("-0 is a number")
        };
        assert!(zero.integer && zero.value == 0.0 && zero.value.is_sign_positive());
        let Ok(Json::Number(negative)) = parse(b"-0.0") else {
            panic!("-0.0 is a number")
        };
        assert!(!negative.integer && negative.value.is_sign_negative());
    }

    #[test]
    fn numbers_are_rounded_correctly() {
        // 2**53 + 1 rounds to even; a 309-digit integer below float64's maximum is finite.
        assert_eq!(
            parse(b"9007199254740993"),
            Ok(number(9007199254740992.0, true))
        );
        assert_eq!(parse(b"0.1"), Ok(number(0.1, false)));
        assert_eq!(parse(b"1e-400"), Ok(number(0.0, false)));
        let big = format!("1{}", "0".repeat(308));
        assert_eq!(parse(big.as_bytes()), Ok(number(1e308, true)));
        assert_eq!(
            parse(b"1.7976931348623157e308"),
            Ok(number(f64::MAX, false))
        );
    }

    #[test]
    fn numbers_beyond_float64_are_out_of_range_in_valid_json_only() {
        assert_eq!(parse(b"1e400"), Err(JsonError::OutOfRange));
        assert_eq!(parse(b"[-1e400]"), Err(JsonError::OutOfRange));
        assert_eq!(parse(b"1.8e308"), Err(JsonError::OutOfRange));
        assert_eq!(parse(b"1e99999999999999999999"), Err(JsonError::OutOfRange));
        let huge = format!("[{}]", "9".repeat(310));
        assert_eq!(parse(huge.as_bytes()), Err(JsonError::OutOfRange));
        // Malformed wins, wherever the number is.
        assert_eq!(parse(b"[1e400,"), Err(JsonError::Malformed));
        assert_eq!(parse(b"[1e400] x"), Err(JsonError::Malformed));
    }

    #[test]
    fn refuses_what_rfc_8259_refuses() {
        for text in [
            "",
            " ",
            "NaN",
            "Infinity",
            "-Infinity",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "+1",
            "0x10",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "'a'",
            "\"a",
            "tru",
            "nul",
            "[",
            "{",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12G4\"",
            "1 2",
            "\u{feff}1",
            "\"tab\there\"",
            "[1]]",
            "{\"a\":1}}",
            "\u{a0}1",
        ] {
            assert_eq!(
                parse(text.as_bytes()),
                Err(JsonError::Malformed),
                "{text:?}"
            );
        }
        assert_eq!(parse(b"\"\xff\""), Err(JsonError::Malformed));
        assert_eq!(parse(b"\"a\x00\""), Err(JsonError::Malformed));
    }

    #[test]
    fn surrogate_escapes_must_pair() {
        assert_eq!(
            parse(br#""\ud83d\ude00""#),
            Ok(Json::String("\u{1f600}".into()))
        );
        assert_eq!(
            parse(br#""\uD83D\uDE00""#),
            Ok(Json::String("\u{1f600}".into()))
        );
        for text in [
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\ud83d\u0041""#,
            r#""\ud83dx""#,
            r#""\ude00\ud83d""#,
            r#""\ud83d\ud83d""#,
        ] {
            assert_eq!(parse(text.as_bytes()), Err(JsonError::Malformed), "{text}");
        }
    }

    #[test]
    fn nesting_is_limited_to_100_levels() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse(nested(100).as_bytes()).is_ok());
        assert_eq!(parse(nested(101).as_bytes()), Err(JsonError::Malformed));
        assert_eq!(parse(nested(100_000).as_bytes()), Err(JsonError::Malformed));
        let objects = format!("{}1{}", "{\"a\":".repeat(100), "}".repeat(100));
        assert!(parse(objects.as_bytes()).is_ok());
        let objects = format!("{}1{}", "{\"a\":".repeat(101), "}".repeat(101));
        assert_eq!(parse(objects.as_bytes()), Err(JsonError::Malformed));
    }

    #[test]
    fn the_last_of_duplicate_keys_counts() {
        let Ok(object) = parse(br#"{"a": 1, "b": 2, "a": "x"}"#) else {
            panic!("valid JSON")
        };
        assert_eq!(object.field("a"), Some(&Json::String("x".into())));
        assert!(object.has_exactly(&["b", "a"]));
        assert!(!object.has_exactly(&["a"]));
        assert!(!object.has_exactly(&["a", "b", "c"]));
    }
}
