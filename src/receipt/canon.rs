//! Canonical JSON (RFC 8785 for the values receipts use: strings, integers, booleans, null,
//! arrays, objects): members sorted by UTF-16 code units, no white space, minimal escaping.
//! The same receipt always serialises to the same bytes, so its hash and signature are stable.

use crate::config::json::Json;

pub fn to_string(value: &Json) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Json, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(n),
        Json::String(s) => string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Json::Object(members) => {
            // Members in UTF-16 code unit order of their names (RFC 8785), each inserted in
            // place after any equal name: a stable order without a sort routine in the wasm.
            // (Found by a scan, not a binary search: a receipt's objects have a few members.
            // With the byte comparison below, 267 B less wasm than `partition_point` over
            // `encode_utf16().cmp`.)
            let mut sorted: Vec<&(String, Json)> = Vec::with_capacity(members.len());
            for member in members {
                let mut at = 0;
                while at < sorted.len() && utf16_le(&sorted[at].0, &member.0) {
                    at += 1;
                }
                sorted.insert(at, member);
            }
            out.push('{');
            for (i, (key, item)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(key, out);
                out.push(':');
                write(item, out);
            }
            out.push('}');
        }
    }
}

/// Whether `a` sorts no later than `b` in UTF-16 code unit order, compared on their UTF-8
/// bytes, not re-encoded (`encode_utf16().cmp`). The two orders agree but in one
/// place: U+E000 to U+FFFF (UTF-8 lead bytes 0xEE and 0xEF) come after the supplementary
/// characters in UTF-16, whose surrogates are 0xD800 to 0xDFFF, and before them in UTF-8
/// (lead bytes 0xF0 to 0xF4). So at the first byte that differs (both lead bytes there, or
/// both not: what comes before is the same), those two groups of lead bytes swap places.
fn utf16_le(a: &str, b: &str) -> bool {
    let key = |x: u8| match x {
        0xEE | 0xEF => x + 6,
        0xF0..=0xF4 => x - 2,
        _ => x,
    };
    for (x, y) in a.bytes().zip(b.bytes()) {
        if x != y {
            return key(x) < key(y);
        }
    }
    a.len() <= b.len()
}

fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::json::parse;

    #[test]
    fn sorts_members_and_drops_white_space() {
        let v = parse(r#"{ "b": [1, true, null], "a": { "z": "x", "y": "é" } }"#).unwrap();
        assert_eq!(to_string(&v), r#"{"a":{"y":"é","z":"x"},"b":[1,true,null]}"#);
    }

    #[test]
    fn escapes_only_what_must_be_escaped() {
        let v = Json::String("q\"b\\\n\u{1}</script>分析".into());
        assert_eq!(to_string(&v), r#""q\"b\\\n\u0001</script>分析""#);
    }

    #[test]
    fn sorts_by_utf16_code_units() {
        // U+FB01 sorts after U+1F600 in UTF-16 (0xFB01 > 0xD83D), unlike in UTF-8 or code points.
        let v = Json::Object(vec![("\u{fb01}".into(), Json::Null), ("\u{1f600}".into(), Json::Null)]);
        assert_eq!(to_string(&v), "{\"\u{1f600}\":null,\"\u{fb01}\":null}");
    }

    #[test]
    fn the_byte_comparison_is_utf16_order() {
        // A character from each range whose UTF-8 lead byte differs, and their edges.
        let chars = [
            '\0', 'a', 'z', '\u{7f}', '\u{80}', 'é', '\u{7ff}', '\u{800}', '分', '\u{d7ff}',
            '\u{e000}', '\u{fb01}', '\u{ffff}', '\u{10000}', '\u{1f600}', '\u{10ffff}',
        ];
        let mut texts = vec![String::new()];
        for a in chars {
            texts.push(a.to_string());
            for b in chars {
                texts.push([a, b].iter().collect());
            }
        }
        for a in &texts {
            for b in &texts {
                let expected = a.encode_utf16().cmp(b.encode_utf16()).is_le();
                assert_eq!(utf16_le(a, b), expected, "{a:?} <= {b:?}");
            }
        }
    }

    #[test]
    fn round_trips_through_the_reader() {
        let text = r#"{"a":[{"b":"c"}],"d":"\u0000"}"#;
        assert_eq!(to_string(&parse(text).unwrap()), text);
    }
}
