//! Strings put together without `core::fmt`: pieces joined in order, whole numbers in
//! decimal, and errors described. Nothing the wasm runs formats (no `format!`, no `write!`
//! with arguments, no `to_string` through `Display`), so the formatting machinery is not in
//! the wasm: 1.2 KB of its gzip (README, Size). Code outside the wasm may format as usual. Pure.

/// What an error says, as a `String`. The error types implement `Display` through it, so
/// code outside the wasm formats them as usual; the wasm calls `describe` and never builds a
/// `fmt::Formatter` (whose `dyn Write` table alone keeps `core::fmt::write` in).
pub trait Describe {
    fn describe(&self) -> String;
}

/// The pieces, one after another.
pub fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// `n` in decimal.
pub fn decimal(mut n: u64) -> String {
    let mut digits = Vec::with_capacity(20);
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    // Only ASCII digits were pushed.
    String::from_utf8(digits).unwrap_or_default()
}

/// `items` separated by `sep`.
pub fn joined<'a>(items: impl IntoIterator<Item = &'a str>, sep: &str) -> String {
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_writes_every_digit() {
        for n in [0, 7, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn cat_and_joined_keep_the_order() {
        assert_eq!(cat(&["a", "", "bc", "名"]), "abc名");
        assert_eq!(cat(&[]), "");
        assert_eq!(joined(["en", "zh-CN"], ", "), "en, zh-CN");
        assert_eq!(joined(["x"], "+"), "x");
        assert_eq!(joined(std::iter::empty(), "+"), "");
    }
}
