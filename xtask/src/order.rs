//! Orders the wasm's functions so that gzip finds more to share. gzip looks back only 32 KB,
//! and the code section is about 140 KB: functions of a like size and like bytes compress
//! better side by side than in the order LLVM wrote them. [`name_by_likeness`] names every
//! function after its place in that order (in a `name` section); Binaryen's
//! `--reorder-functions-by-name` then moves them there, renumbering every call, table entry
//! and export, and the names are stripped again. The order: by size class (a power of two),
//! then, within a class, each function followed by the one most like it (see
//! [`likeness_order`]). On 2026-11-30 sorting by class and bytes took 635 B of gzip -9 off the
//! wasm (66,301 to 65,666), and chaining by likeness within each class 246 B more; ordering
//! by size alone, by bytes alone, small functions first, classes of 1.5 or 3 times, or one
//! chain across all classes saved less (docs/performance-history.md).

use std::collections::HashSet;

use crate::Result;

/// A wasm section: its id and its bytes (without the id and the size).
pub(crate) struct Section<'a> {
    pub id: u8,
    pub bytes: &'a [u8],
}

/// Reads a LEB128 number at `*at`, moving past it: its bits, how many bits were read, and
/// whether the last byte's sign bit (0x40) is set.
fn leb_bits(bytes: &[u8], at: &mut usize) -> Result<(u64, u32, bool)> {
    let (mut value, mut shift) = (0u64, 0);
    loop {
        let byte = *bytes.get(*at).ok_or(format!("the wasm ends inside a number at byte {}", *at))?;
        *at += 1;
        if shift > 63 {
            return Err(format!("a number longer than 64 bits at byte {}", *at - 1));
        }
        value |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte < 0x80 {
            return Ok((value, shift, byte & 0x40 != 0));
        }
    }
}

/// Reads an unsigned LEB128 number at `*at`, moving past it.
pub(crate) fn leb(bytes: &[u8], at: &mut usize) -> Result<u64> {
    Ok(leb_bits(bytes, at)?.0)
}

/// Reads a signed LEB128 number (an `i32.const`'s) at `*at`, moving past it.
fn sleb(bytes: &[u8], at: &mut usize) -> Result<i64> {
    let (value, bits, negative) = leb_bits(bytes, at)?;
    Ok(if negative && bits < 64 { (value | (u64::MAX << bits)) as i64 } else { value as i64 })
}

/// Reads a constant offset expression at `*at` (a data or element segment's: `i32.const N`,
/// then `end`), moving past it: `None`, with `*at` left anywhere, for any other expression.
pub(crate) fn const_offset(bytes: &[u8], at: &mut usize) -> Result<Option<i64>> {
    if bytes.get(*at) != Some(&0x41) {
        return Ok(None);
    }
    *at += 1;
    let value = sleb(bytes, at)?;
    if bytes.get(*at) != Some(&0x0b) {
        return Ok(None);
    }
    *at += 1;
    Ok(Some(value))
}

pub(crate) fn push_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Moves `*at` past `n` bytes, failing when they are not all there.
pub(crate) fn skip(bytes: &[u8], at: &mut usize, n: u64, what: &str) -> Result<()> {
    let end = usize::try_from(n).ok().and_then(|n| at.checked_add(n)).filter(|&end| end <= bytes.len());
    *at = end.ok_or(format!("the wasm ends inside {what} at byte {}", *at))?;
    Ok(())
}

pub(crate) fn sections(wasm: &[u8]) -> Result<Vec<Section<'_>>> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        return Err("not a wasm module of version 1".into());
    }
    let (mut out, mut at) = (Vec::new(), 8);
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)?;
        let start = at;
        skip(wasm, &mut at, size, "a section")?;
        out.push(Section { id, bytes: &wasm[start..at] });
    }
    Ok(out)
}

/// How many functions the module of `sections` imports (they come before its own in the
/// numbering).
pub(crate) fn imported_functions(sections: &[Section]) -> Result<u64> {
    let Some(imports) = sections.iter().find(|s| s.id == 2) else { return Ok(0) };
    let imports = imports.bytes;
    let mut at = 0;
    let (count, mut functions) = (leb(imports, &mut at)?, 0);
    for _ in 0..count {
        for what in ["an import's module name", "an import's name"] {
            let len = leb(imports, &mut at)?;
            skip(imports, &mut at, len, what)?;
        }
        let kind = *imports.get(at).ok_or("the import section ends inside an import")?;
        at += 1;
        match kind {
            0 => {
                functions += 1;
                leb(imports, &mut at)?;
            }
            // A table: its element type, then limits. A memory: limits.
            1 | 2 => {
                at += usize::from(kind == 1);
                let flags = *imports.get(at).ok_or("the import section ends inside limits")?;
                at += 1;
                leb(imports, &mut at)?;
                if flags & 1 == 1 {
                    leb(imports, &mut at)?;
                }
            }
            // A global: its type and mutability.
            3 => at += 2,
            other => return Err(format!("an import of unknown kind {other}")),
        }
    }
    Ok(functions)
}

/// The bodies in the code section, in the module's order.
pub(crate) fn bodies(code: &[u8]) -> Result<Vec<&[u8]>> {
    let mut at = 0;
    let count = leb(code, &mut at)?;
    let mut out = Vec::new();
    for _ in 0..count {
        let size = leb(code, &mut at)?;
        let start = at;
        skip(code, &mut at, size, "a function body")?;
        out.push(&code[start..at]);
    }
    Ok(out)
}

/// Where each function goes: `order[k]` is the position of the function that comes k-th. By
/// size class (a power of two), smallest first. Within a class, a chain: it starts at the
/// function with the lowest bytes, and each next one is the one left that shares the largest
/// part of its 3-byte sequences with the one before (Jaccard's index; the first such in byte
/// order on a tie).
fn likeness_order(bodies: &[&[u8]]) -> Vec<usize> {
    let class = |f: usize| usize::BITS - bodies[f].len().leading_zeros();
    let mut sorted: Vec<usize> = (0..bodies.len()).collect();
    sorted.sort_by_key(|&f| (class(f), bodies[f]));
    let mut order = Vec::with_capacity(bodies.len());
    for group in sorted.chunk_by(|&a, &b| class(a) == class(b)) {
        let triples: Vec<HashSet<&[u8]>> = group.iter().map(|&f| bodies[f].windows(3).collect()).collect();
        let mut left: Vec<usize> = (1..group.len()).collect();
        let mut current = 0;
        order.push(group[current]);
        while !left.is_empty() {
            // The best (shared, union) so far, compared as fractions without rounding.
            let (mut best, mut best_shared, mut best_union) = (0, 0, 1);
            for (i, &candidate) in left.iter().enumerate() {
                let shared = triples[current].intersection(&triples[candidate]).count();
                let union = (triples[current].len() + triples[candidate].len() - shared).max(1);
                if i == 0 || shared * best_union > best_shared * union {
                    (best, best_shared, best_union) = (i, shared, union);
                }
            }
            current = left.remove(best);
            order.push(group[current]);
        }
    }
    order
}

/// The module with a `name` section that names each of its own functions after its place in
/// the order, as zero-padded numbers, so that sorting by name sorts by place.
pub fn name_by_likeness(wasm: &[u8]) -> Result<Vec<u8>> {
    let sections = sections(wasm)?;
    if sections.iter().any(|s| s.id == 0 && s.bytes.get(..5) == Some(b"\x04name".as_slice())) {
        return Err("the wasm already has a name section: strip it before ordering".into());
    }
    let imported = imported_functions(&sections)?;
    let code = sections.iter().find(|s| s.id == 10).ok_or("the wasm has no code section")?;
    let bodies = bodies(code.bytes)?;
    let mut names = Vec::new();
    push_leb(&mut names, bodies.len() as u64);
    let mut place = vec![0; bodies.len()];
    for (k, &f) in likeness_order(&bodies).iter().enumerate() {
        place[f] = k;
    }
    for (f, k) in place.iter().enumerate() {
        let name = format!("f{k:06}");
        push_leb(&mut names, imported + f as u64);
        push_leb(&mut names, name.len() as u64);
        names.extend_from_slice(name.as_bytes());
    }
    let mut payload = b"\x04name\x01".to_vec();
    push_leb(&mut payload, names.len() as u64);
    payload.extend(names);
    let mut out = wasm.to_vec();
    out.push(0);
    push_leb(&mut out, payload.len() as u64);
    out.extend(payload);
    Ok(out)
}

/// Appends a code section of `bodies` (each under 128 bytes, fewer than 128 of them): the
/// tests' hand-built modules end with one.
#[cfg(test)]
pub(crate) fn push_code(wasm: &mut Vec<u8>, bodies: &[&[u8]]) {
    let mut code = vec![bodies.len() as u8];
    for body in bodies {
        code.push(body.len() as u8);
        code.extend(*body);
    }
    wasm.push(10);
    push_leb(wasm, code.len() as u64);
    wasm.extend(code);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing one function and one memory, with the given function bodies.
    fn module(bodies: &[&[u8]]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        // Type section: one type, () -> ().
        wasm.extend([1, 4, 1, 0x60, 0, 0]);
        // Import section: a.f (function of type 0) and a.m (memory, min 1).
        let imports = [2, 1, b'a', 1, b'f', 0, 0, 1, b'a', 1, b'm', 2, 0, 1];
        wasm.extend([2, imports.len() as u8]);
        wasm.extend(imports);
        push_code(&mut wasm, bodies);
        wasm
    }

    #[test]
    fn numbers_read_back_as_written() {
        for n in [0, 1, 127, 128, 300, 624_485, u64::MAX] {
            let mut bytes = Vec::new();
            push_leb(&mut bytes, n);
            assert_eq!(leb(&bytes, &mut 0).unwrap(), n);
        }
    }

    #[test]
    fn functions_are_named_after_their_place_numbered_after_the_imports() {
        // Sizes 5, 2, 3, 2: classes 3, 2, 2, 2. Within class 2: [0,1,0x0b] < [0,0x0b] < [1,0x0b].
        let wasm = module(&[&[0, 1, 1, 0x1a, 0x0b], &[1, 0x0b], &[0, 1, 0x0b], &[0, 0x0b]]);
        let named = name_by_likeness(&wasm).unwrap();
        assert_eq!(&named[..wasm.len()], &wasm[..], "the module itself is unchanged");
        let sections = sections(&named).unwrap();
        let names = sections.last().unwrap().bytes;
        let mut at = 6; // "\x04name", then the subsection id 1
        leb(names, &mut at).unwrap(); // the subsection's size
        let count = leb(names, &mut at).unwrap();
        let mut got = Vec::new();
        for _ in 0..count {
            let index = leb(names, &mut at).unwrap();
            let len = leb(names, &mut at).unwrap() as usize;
            got.push((index, String::from_utf8(names[at..at + len].to_vec()).unwrap()));
            at += len;
        }
        // Function 0 is the import; the module's own are 1 to 4.
        let expected = [(1, "f000003"), (2, "f000002"), (3, "f000000"), (4, "f000001")];
        assert_eq!(got, expected.map(|(i, n)| (i, n.to_string())));
    }

    #[test]
    fn within_a_class_each_function_is_followed_by_the_one_most_like_it() {
        // One class (4 bytes each). By bytes alone: a, b, c. But c shares [1, 2, 3] with a, and
        // b shares nothing with either: a, c, b. The longer d is a class of its own, last.
        let (a, b, c, d): (&[u8], &[u8], &[u8], &[u8]) = (&[0, 1, 2, 3], &[0, 9, 8, 7], &[5, 1, 2, 3], &[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(likeness_order(&[d, b, c, a]), vec![3, 2, 1, 0]);
        // No triples in common anywhere (or none at all): byte order stands.
        assert_eq!(likeness_order(&[&[2, 0], &[1, 0], &[3, 0]]), vec![1, 0, 2]);
    }

    #[test]
    fn a_broken_or_already_named_module_is_refused_with_the_reason() {
        let wasm = module(&[&[0, 0x0b]]);
        assert_eq!(name_by_likeness(&wasm[..wasm.len() - 1]).unwrap_err(), "the wasm ends inside a section at byte 32");
        assert_eq!(name_by_likeness(b"\0asm\x02\0\0\0").unwrap_err(), "not a wasm module of version 1");
        let named = name_by_likeness(&wasm).unwrap();
        assert_eq!(name_by_likeness(&named).unwrap_err(), "the wasm already has a name section: strip it before ordering");
    }
}
