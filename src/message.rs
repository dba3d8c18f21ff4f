//! Strings put together without `core::fmt`: pieces joined in order, whole numbers in
//! decimal, errors described, and the names of small enums' values. Nothing the wasm runs
//! formats (no `format!`, no `write!` with arguments, no `to_string` through `Display`), so
//! the formatting machinery is not in the wasm: 1.2 KB of its gzip (README, Size). Code
//! outside the wasm may format as usual. Pure.

/// What an error says, as a `String`. The error types implement `Display` through it, so
/// code outside the wasm formats them as usual; the wasm calls `describe` and never builds a
/// `fmt::Formatter` (whose `dyn Write` table alone keeps `core::fmt::write` in).
pub trait Describe {
    fn describe(&self) -> String;
}

/// `Display` for types that [`Describe`] themselves, so what native code prints is what the
/// wasm says.
macro_rules! display_by_describe {
    ($($t:ty),+ $(,)?) => {
        $(impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&$crate::message::Describe::describe(self))
            }
        })+
    };
}
pub(crate) use display_by_describe;

/// The pieces, one after another.
pub fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// The pieces of `text` between the `sep` bytes (an ASCII character), as `str::split` gives
/// them, empty ones included. One byte search for every splitter in the wasm, in place of std's
/// character searchers and their monomorphs.
pub fn pieces(text: &str, sep: u8) -> Pieces<'_> {
    Pieces { rest: Some(text), seps: [sep, sep] }
}

/// As [`pieces`], split at either of two ASCII characters.
pub fn pieces_at_either(text: &str, seps: [u8; 2]) -> Pieces<'_> {
    Pieces { rest: Some(text), seps }
}

pub struct Pieces<'a> {
    /// What is left to split; `None` once the last piece was given.
    rest: Option<&'a str>,
    seps: [u8; 2],
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        Some(match split_first_of(rest, self.seps) {
            Some((piece, after)) => {
                self.rest = Some(after);
                piece
            }
            None => {
                self.rest = None;
                rest
            }
        })
    }
}

/// Texts in one string, a line each. A table of `&str` is a pointer and a length (8 B) for
/// each text in the wasm's data, 1 KB for the keys' names and the two languages' texts,
/// which compressed poorly: the gzip copies were 265 B larger in all.
macro_rules! lines {
    ($first:literal $(, $text:literal)* $(,)?) => { concat!($first $(, "\n", $text)*) };
}
pub(crate) use lines;

/// How many lines `text` has, for compile-time checks of the tables.
pub const fn count_lines(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut n) = (0, 1);
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            n += 1;
        }
        i += 1;
    }
    n
}

/// Line `index` of `lines` ("" past the last).
pub fn line(lines: &'static str, index: usize) -> &'static str {
    pieces(lines, b'\n').nth(index).unwrap_or("")
}

/// Which line of `lines` is `name`.
pub fn line_index(lines: &str, name: &str) -> Option<usize> {
    pieces(lines, b'\n').position(|l| l == name)
}

/// A field-less enum whose values have names: the names are one string, a line each (see
/// [`lines!`]), read by [`line`] and [`line_index`]. A `match` from value to `&'static str`
/// compiled to a table of pointers and lengths (8 B a name), and one from name to value to a
/// chain of comparisons. A check at compile time refuses a name with a line break in it.
macro_rules! named {
    ($(#[$meta:meta])* pub enum $enum:ident { $first:ident = $first_name:literal $(, $variant:ident = $name:literal)* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $enum {
            $first,
            $($variant,)*
        }

        impl $enum {
            /// Every value, in the order of the names.
            pub const ALL: &'static [$enum] = &[$enum::$first $(, $enum::$variant)*];
            const NAMES: &'static str = $crate::message::lines!($first_name $(, $name)*);

            pub fn name(self) -> &'static str {
                $crate::message::line(Self::NAMES, self as usize)
            }

            pub fn from_name(name: &str) -> Option<$enum> {
                Self::ALL.get($crate::message::line_index(Self::NAMES, name)?).copied()
            }
        }

        const _: () = assert!($crate::message::count_lines($enum::NAMES) == $enum::ALL.len());
    };
}
pub(crate) use named;

/// `text` around its first `sep` (an ASCII character): `str::split_once`, by byte.
pub fn split_first(text: &str, sep: u8) -> Option<(&str, &str)> {
    split_first_of(text, [sep, sep])
}

/// `text` around its last `sep` (an ASCII character): `str::rsplit_once`, by byte, which keeps
/// std's reverse character search (640 B) out of the wasm.
pub fn split_last(text: &str, sep: u8) -> Option<(&str, &str)> {
    let at = text.bytes().rposition(|b| b == sep)?;
    Some((&text[..at], &text[at + 1..]))
}

fn split_first_of(text: &str, seps: [u8; 2]) -> Option<(&str, &str)> {
    let at = text.bytes().position(|b| b == seps[0] || b == seps[1])?;
    // An ASCII byte is a whole character, so both sides are on character boundaries.
    Some((&text[..at], &text[at + 1..]))
}

/// `n` in decimal.
pub fn decimal(mut n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[start..].iter().map(|&d| char::from(d)).collect()
}

/// The number a run of ASCII digits spells; `None` for anything else (a sign, a space, an
/// empty string) and for a number beyond `u64`.
pub fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.bytes().try_fold(0u64, |n, b| {
        let digit = b.checked_sub(b'0').filter(|d| *d < 10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// The first `n` characters of `text` (all of it when shorter), cut on a character boundary.
/// (Counted by the bytes that start a character: `chars().take(n).collect()` compiled three
/// iterator functions into the wasm.)
pub fn first_chars(text: &str, n: usize) -> &str {
    let mut seen = 0;
    for (i, b) in text.bytes().enumerate() {
        if b & 0xC0 != 0x80 {
            if seen == n {
                return text.get(..i).unwrap_or(text);
            }
            seen += 1;
        }
    }
    text
}

/// `items` separated by `sep`. (A slice, not an iterator: each iterator type would compile a
/// copy of this function into the wasm.)
pub fn joined<S: AsRef<str>>(items: &[S], sep: &str) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    named! {
        pub enum Shade {
            Red = "red",
            DarkRed = "dark red",
            Empty = "",
            Last = "last",
        }
    }

    #[test]
    fn a_named_value_reads_back_from_its_name_and_nothing_else_does() {
        assert_eq!(Shade::ALL, [Shade::Red, Shade::DarkRed, Shade::Empty, Shade::Last]);
        for &shade in Shade::ALL {
            assert_eq!(Shade::from_name(shade.name()), Some(shade), "{shade:?}");
        }
        assert_eq!((Shade::DarkRed.name(), Shade::Empty.name(), Shade::Last.name()), ("dark red", "", "last"));
        for other in ["re", "redd", "Red", "dark", "red\ndark red", "last\n", " red"] {
            assert_eq!(Shade::from_name(other), None, "{other:?}");
        }
    }

    #[test]
    fn the_crates_named_values_keep_their_names() {
        use crate::config::{Layout, Position, Theme, TrackerKind};
        use crate::receipt::Method;
        // What configs, receipts and the kept lines of localStorage spell.
        let names = |all: &[&str]| all.join(" / ");
        assert_eq!(names(&Layout::ALL.iter().map(|v| v.name()).collect::<Vec<_>>()), "bar / box / modal");
        assert_eq!(
            names(&Position::ALL.iter().map(|v| v.name()).collect::<Vec<_>>()),
            "top / bottom / top-left / top-right / bottom-left / bottom-right / center"
        );
        assert_eq!(names(&Theme::ALL.iter().map(|v| v.name()).collect::<Vec<_>>()), "auto / light / dark");
        assert_eq!(
            names(&TrackerKind::ALL.iter().map(|v| v.name()).collect::<Vec<_>>()),
            "cookie / web_beacon / pixel_tag / local_storage"
        );
        assert_eq!(
            names(&Method::ALL.iter().map(|v| v.name()).collect::<Vec<_>>()),
            "banner / preference panel / click-to-load / site script"
        );
        assert_eq!(Position::from_name("bottom-left"), Some(Position::BottomLeft));
        assert_eq!(Method::from_name("click-to-load"), Some(Method::Contextual));
    }

    #[test]
    fn decimal_writes_every_digit() {
        for n in [0, 7, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn parse_decimal_takes_digits_only() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("0042"), Some(42));
        assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "-1", "+1", " 1", "1 ", "1.5", "18446744073709551616", "١"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn first_chars_counts_characters_not_bytes() {
        for text in ["", "abc", "同意全部", "a😀b\u{301}c", "\u{10FFFF}x"] {
            for n in 0..6 {
                let expected: String = text.chars().take(n).collect();
                assert_eq!(first_chars(text, n), expected, "{text:?} {n}");
            }
        }
    }

    #[test]
    fn pieces_and_split_first_agree_with_std() {
        for text in ["", "-", "a", "a-b", "-a-", "zh-Hant-TW", "a--b", "名-字", "x_y-z", "__"] {
            assert_eq!(pieces(text, b'-').collect::<Vec<_>>(), text.split('-').collect::<Vec<_>>(), "{text:?}");
            assert_eq!(pieces_at_either(text, [b'-', b'_']).collect::<Vec<_>>(), text.split(['-', '_']).collect::<Vec<_>>(), "{text:?}");
            assert_eq!(split_first(text, b'-'), text.split_once('-'), "{text:?}");
        }
    }

    #[test]
    fn split_last_splits_at_the_last_separator() {
        assert_eq!(split_last("a:b:c", b':'), Some(("a:b", "c")));
        assert_eq!(split_last("user@名.example@host", b'@'), Some(("user@名.example", "host")));
        assert_eq!(split_last("host:", b':'), Some(("host", "")));
        assert_eq!(split_last("host", b':'), None);
    }

    #[test]
    fn cat_and_joined_keep_the_order() {
        assert_eq!(cat(&["a", "", "bc", "名"]), "abc名");
        assert_eq!(cat(&[]), "");
        assert_eq!(joined(&["en", "zh-CN"], ", "), "en, zh-CN");
        assert_eq!(joined(&[String::from("x")], "+"), "x");
        assert_eq!(joined::<&str>(&[], "+"), "");
    }
}
