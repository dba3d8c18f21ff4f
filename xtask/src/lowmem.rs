//! The check behind wasm-opt's `--low-memory-unused`, which lets Binaryen fold an address's
//! constant part into a load's or store's offset (on 2026-11-30, 208 B of gzip -9 off the
//! wasm). It assumes nothing lives in the first 1,024 bytes of memory. rust-lld puts the
//! stack (32 KB, see `build` in dist.rs) first, growing down towards 0, and the data above
//! it, so only a stack about to overflow would reach them. [`check`] fails the build if a data
//! segment is placed there.

use crate::order::{const_offset, leb, sections, skip};
use crate::Result;

/// The bytes at the bottom of memory that `--low-memory-unused` assumes unused.
const UNUSED: u64 = 1024;

/// Fails when an active data segment starts below [`UNUSED`], or at an address that is not a
/// constant.
pub fn check(wasm: &[u8]) -> Result<()> {
    let Some(data) = sections(wasm)?.into_iter().find(|s| s.id == 11) else { return Ok(()) };
    let bytes = data.bytes;
    let mut at = 0;
    for n in 0..leb(bytes, &mut at)? {
        let flags = leb(bytes, &mut at)?;
        if flags == 2 {
            leb(bytes, &mut at)?; // the memory's index
        }
        if flags != 1 {
            // Active: an offset expression.
            let Some(address) = const_offset(bytes, &mut at)? else {
                return Err(format!("data segment {n}'s address is not a constant: --low-memory-unused cannot be checked"));
            };
            if address < UNUSED as i64 {
                return Err(format!("data segment {n} is placed at {address}, in the first {UNUSED} bytes that --low-memory-unused assumes unused"));
            }
        }
        let len = leb(bytes, &mut at)?;
        skip(bytes, &mut at, len, "a data segment")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with one memory and active data segments at `addresses` (signed LEB128).
    fn module(addresses: &[&[u8]]) -> Vec<u8> {
        let mut data = vec![addresses.len() as u8];
        for address in addresses {
            data.push(0);
            data.push(0x41);
            data.extend_from_slice(address);
            data.extend_from_slice(&[0x0b, 2, b'h', b'i']);
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[5, 3, 1, 0, 1]); // memory section: one memory, min 1 page
        wasm.push(11);
        wasm.push(data.len() as u8);
        wasm.extend_from_slice(&data);
        wasm
    }

    #[test]
    fn data_above_the_first_kilobyte_passes_and_below_it_fails_naming_the_segment() {
        // 1024 is 0x80 0x08; 1048576 (1 MB) is 0x80 0x80 0xc0 0x00.
        assert_eq!(check(&module(&[&[0x80, 0x80, 0xc0, 0x00], &[0x80, 0x08]])), Ok(()));
        assert_eq!(
            check(&module(&[&[0x80, 0x80, 0xc0, 0x00], &[0x10]])).unwrap_err(),
            "data segment 1 is placed at 16, in the first 1024 bytes that --low-memory-unused assumes unused"
        );
    }

    #[test]
    fn a_negative_or_computed_address_is_refused() {
        assert!(check(&module(&[&[0x7f]])).unwrap_err().contains("placed at -1"));
        let mut computed = module(&[&[0x10]]);
        let at = computed.len() - 6; // the i32.const opcode
        computed[at] = 0x23; // global.get
        assert!(check(&computed).unwrap_err().contains("not a constant"));
    }
}
