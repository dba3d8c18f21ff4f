//! A small, strict JSON reader for site configuration: it keeps object key order,
//! rejects duplicate keys, limits nesting, and reports syntax errors by line and column.
//! Native code reads configs with it (`accord-scan`, the tests, the fuzzers); the wasm leaves
//! it out and reads them with the browser's own `JSON.parse` (see `browser::json`), which
//! takes the last of duplicate keys.
//!
//! Numbers are kept as their source text and only read as unsigned integers on demand:
//! the configuration has no fractional numbers, and leaving float parsing out keeps the
//! wasm small. Not a general-purpose JSON library.

use crate::message::{cat, decimal, display_by_describe, parse_decimal, Describe};

/// How deeply arrays and objects may nest before the input is refused.
pub const MAX_DEPTH: usize = 32;
/// The problem when they nest deeper.
pub const TOO_DEEP: &str = "nested deeper than the limit of 32 levels";

/// A parsed JSON value. Objects keep their members in source order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number exactly as written (already checked against the JSON grammar).
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The JSON type name, for error messages ("expected a string, found an array").
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// The value as an unsigned integer, if it is a number written without fraction or exponent.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => parse_decimal(n),
            _ => None,
        }
    }
}

/// A syntax error, with the 1-based line and column where reading stopped. Line 0: the
/// browser's `JSON.parse` read the text (see `browser::json`), and its `message` says where,
/// in the browser's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Describe for SyntaxError {
    fn describe(&self) -> String {
        if self.line == 0 {
            return cat(&["invalid JSON: ", &self.message]);
        }
        let (line, column) = (decimal(self.line as u64), decimal(self.column as u64));
        cat(&["invalid JSON at line ", &line, " column ", &column, ": ", &self.message])
    }
}

display_by_describe!(SyntaxError);

impl std::error::Error for SyntaxError {}

/// Parses one JSON document; anything but white space after it is an error.
pub fn parse(text: &str) -> Result<Json, SyntaxError> {
    let mut reader = Reader { src: text.as_bytes(), text, pos: 0 };
    reader.skip_ws();
    let value = reader.value(0)?;
    reader.skip_ws();
    if reader.pos < reader.src.len() {
        return Err(reader.error("unexpected text after the end of the document"));
    }
    Ok(value)
}

struct Reader<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, message: &str) -> SyntaxError {
        let before = &self.text.as_bytes()[..self.pos.min(self.src.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // Count characters, not bytes, so the column matches what an editor shows: every
        // character has exactly one byte that is not a UTF-8 continuation byte (10xxxxxx).
        let column = before[line_start..].iter().filter(|&&b| b & 0xC0 != 0x80).count() + 1;
        SyntaxError { line, column, message: message.to_string() }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, word: &str, value: Json) -> Result<Json, SyntaxError> {
        if self.src[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        match self.peek() {
            None => Err(self.error("unexpected end of input, expected a value")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.expect_literal("true", Json::Bool(true)),
            Some(b'f') => self.expect_literal("false", Json::Bool(false)),
            Some(b'n') => self.expect_literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn enter(&self, depth: usize) -> Result<(), SyntaxError> {
        if depth > MAX_DEPTH {
            Err(self.error(TOO_DEEP))
        } else {
            Ok(())
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        self.enter(depth)?;
        self.pos += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key_pos = self.pos;
            let key = self.string()?;
            if members.iter().any(|(k, _)| *k == key) {
                self.pos = key_pos;
                return Err(self.error(&cat(&["duplicate key \"", &key, "\""])));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':' after the key"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        self.enter(depth)?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("expected a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        Ok(Json::Number(self.text[start..self.pos].to_string()))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut code = 0u32;
        for _ in 0..4 {
            let digit = self.peek().and_then(|b| (b as char).to_digit(16));
            match digit {
                Some(d) => code = code * 16 + d,
                None => return Err(self.error("expected four hex digits after \\u")),
            }
            self.pos += 1;
        }
        Ok(code)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // The input is a &str and we only stop on ASCII bytes, so this slice is valid UTF-8.
            out.push_str(&self.text[run_start..self.pos]);
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let ch = self.unicode_escape()?;
                            out.push(ch);
                            continue;
                        }
                        _ => return Err(self.error("invalid escape sequence")),
                    };
                    self.pos += 1;
                    out.push(escaped);
                }
                Some(_) => return Err(self.error("control character in string (escape it)")),
            }
        }
    }

    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.src[self.pos..].starts_with(b"\\u") {
                return Err(self.error("lone high surrogate in \\u escape"));
            }
            self.pos += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("invalid low surrogate in \\u escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("\\u escape is not a Unicode scalar value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_documents_in_key_order() {
        let v = parse(r#" {"b": [1, true, null], "a": {"x": "y"}} "#).unwrap();
        let Json::Object(members) = v else { panic!("not an object") };
        assert_eq!(members[0].0, "b");
        assert_eq!(members[1].0, "a");
        assert_eq!(members[0].1, Json::Array(vec![Json::Number("1".into()), Json::Bool(true), Json::Null]));
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let v = parse(r#""\u5fc5\u8981 \ud83c\udf6a \n\"""#).unwrap();
        assert_eq!(v, Json::String("必要 🍪 \n\"".into()));
    }

    #[test]
    fn keeps_non_ascii_text_intact() {
        assert_eq!(parse("\"分析 Cookie\"").unwrap(), Json::String("分析 Cookie".into()));
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = parse("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!((err.line, err.column), (3, 7));
        assert_eq!(err.to_string(), "invalid JSON at line 3 column 7: expected ':' after the key");
    }

    #[test]
    fn a_syntax_error_without_a_line_is_the_browsers_message() {
        let err = SyntaxError { line: 0, column: 0, message: "Unexpected end of JSON input".into() };
        assert_eq!(err.to_string(), "invalid JSON: Unexpected end of JSON input");
    }

    #[test]
    fn column_counts_characters_not_bytes() {
        let err = parse("{\"名\": x}").unwrap_err();
        assert_eq!(err.column, 7);
    }

    #[test]
    fn rejects_duplicate_keys_at_the_second_one() {
        let err = parse(r#"{"a": 1, "a": 2}"#).unwrap_err();
        assert_eq!(err.message, "duplicate key \"a\"");
        assert_eq!(err.column, 10);
    }

    #[test]
    fn rejects_what_json_forbids() {
        for bad in ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "'a'", "\"a", "\"\t\"", "\"\\x\"", "tru", "{} x", "\"\\ud800\""] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn refuses_nesting_past_the_limit() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().message.contains("nested deeper"));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn integers_only_on_demand() {
        assert_eq!(parse("42").unwrap().as_u64(), Some(42));
        assert_eq!(parse("4.5").unwrap().as_u64(), None);
        assert_eq!(parse("-1").unwrap().as_u64(), None);
        assert_eq!(parse("1e3").unwrap().as_u64(), None);
        assert_eq!(parse("99999999999999999999999").unwrap().as_u64(), None);
    }
}
