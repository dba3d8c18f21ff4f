//! Points every table entry whose function only traps at one such function. wasm-bindgen
//! leaves in the function table the closure shims of js-sys's and its own closure types (it
//! reads them while it builds the glue, then deletes what read them, not the entries), and
//! Binaryen, which cannot know which entries an indirect call reaches, keeps them. Many are
//! bodies of one `unreachable`, one per signature. Calling any of them traps, and calling one
//! of another signature through the table traps too, so one of them serves for all; the
//! others are then called from nowhere, and wasm-opt's next -Oz removes them.

use crate::order::{bodies, const_offset, imported_functions, leb, push_leb, sections, Section};
use crate::Result;

/// A body with no locals that is `unreachable` and its `end`.
const TRAP: [u8; 3] = [0x00, 0x00, 0x0b];

/// The module with every table entry of a trapping function pointed at the first such
/// function, and how many entries changed. Fails, naming it, on an element segment of a kind
/// it does not read.
pub fn merge(wasm: &[u8]) -> Result<(Vec<u8>, usize)> {
    let sections = sections(wasm)?;
    let imported = imported_functions(&sections)?;
    let traps: Vec<u64> = match sections.iter().find(|s| s.id == 10) {
        Some(code) => bodies(code.bytes)?.iter().enumerate().filter(|(_, b)| **b == TRAP).map(|(f, _)| imported + f as u64).collect(),
        None => Vec::new(),
    };
    let (Some(&first), Some(elements)) = (traps.first(), sections.iter().find(|s| s.id == 9)) else {
        return Ok((wasm.to_vec(), 0));
    };
    let (elements, changed) = repoint(elements.bytes, &traps, first)?;
    let mut out = wasm[..8].to_vec();
    for Section { id, bytes } in &sections {
        let bytes = if *id == 9 { &elements[..] } else { bytes };
        out.push(*id);
        push_leb(&mut out, bytes.len() as u64);
        out.extend_from_slice(bytes);
    }
    Ok((out, changed))
}

/// The element section with each entry in `traps` replaced by `to`.
fn repoint(section: &[u8], traps: &[u64], to: u64) -> Result<(Vec<u8>, usize)> {
    let mut at = 0;
    let count = leb(section, &mut at)?;
    let mut out = Vec::new();
    push_leb(&mut out, count);
    let mut changed = 0;
    for segment in 0..count {
        let kind = leb(section, &mut at)?;
        if kind != 0 {
            return Err(format!("element segment {segment} is of kind {kind}; traps.rs reads only kind 0 (active, table 0, function indices)"));
        }
        let start = at;
        if const_offset(section, &mut at)?.is_none() {
            return Err(format!("element segment {segment}'s offset is not a constant (`i32.const`, then `end`)"));
        }
        push_leb(&mut out, 0);
        out.extend_from_slice(&section[start..at]);
        let entries = leb(section, &mut at)?;
        push_leb(&mut out, entries);
        for _ in 0..entries {
            let f = leb(section, &mut at)?;
            let new = if f != to && traps.contains(&f) { to } else { f };
            changed += usize::from(new != f);
            push_leb(&mut out, new);
        }
    }
    if at != section.len() {
        return Err(format!("the element section has {} bytes after its segments", section.len() - at));
    }
    Ok((out, changed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::push_code;

    /// A module of one type (() -> ()), one imported function, the given bodies, and one
    /// element segment at offset 1 with the given function indices.
    fn module(bodies: &[&[u8]], entries: &[u8]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([1, 4, 1, 0x60, 0, 0]);
        wasm.extend([2, 7, 1, 1, b'a', 1, b'f', 0, 0]);
        let mut functions = vec![bodies.len() as u8];
        functions.extend(std::iter::repeat_n(0, bodies.len()));
        wasm.push(3);
        push_leb(&mut wasm, functions.len() as u64);
        wasm.extend(functions);
        let mut elements = vec![1, 0, 0x41, 1, 0x0b, entries.len() as u8];
        elements.extend(entries);
        wasm.push(9);
        push_leb(&mut wasm, elements.len() as u64);
        wasm.extend(elements);
        push_code(&mut wasm, bodies);
        wasm
    }

    #[test]
    fn entries_of_trapping_functions_point_at_the_first_of_them() {
        // Functions 1 to 4 (0 is the import): 2 and 4 only trap; 3 traps after a drop.
        let bodies: [&[u8]; 4] = [&[0, 0x0b], &TRAP, &[0, 0x41, 0, 0x1a, 0, 0x0b], &TRAP];
        let (merged, changed) = merge(&module(&bodies, &[1, 4, 3, 2, 4, 0])).unwrap();
        assert_eq!(changed, 2);
        assert_eq!(merged, module(&bodies, &[1, 2, 3, 2, 2, 0]), "only the element section changed");
    }

    #[test]
    fn a_module_without_trapping_functions_is_unchanged() {
        let wasm = module(&[&[0, 0x0b]], &[1, 1]);
        assert_eq!(merge(&wasm).unwrap(), (wasm, 0));
    }

    #[test]
    fn an_element_segment_of_another_kind_is_refused_by_name() {
        let mut wasm = module(&[&TRAP, &TRAP], &[1, 2]);
        // The segment's kind is the byte before its offset (`i32.const 1`, `end`).
        let at = wasm.windows(3).position(|w| w == [0x41, 1, 0x0b]).unwrap();
        wasm[at - 1] = 2;
        assert_eq!(merge(&wasm).unwrap_err(), "element segment 0 is of kind 2; traps.rs reads only kind 0 (active, table 0, function indices)");
    }
}
