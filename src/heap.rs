//! The wasm's memory allocator: blocks in powers of two, each size with its own list of
//! freed blocks, fresh ones cut from memory the wasm grows. Not a general-purpose allocator:
//! it is for one thread (a wasm without atomics), and it trades up to half of each block for
//! code that is small (the wasm's gzip about 550 B smaller than with talc) and constant
//! time. A freed block is only ever reused for the same size class, so memory grows with the
//! largest number of blocks of each size alive at once, never with the number of allocations.
//!
//! The logic runs natively too, over an arena standing in for the wasm's memory (the tests).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// The smallest block, 16 B: room for the free list's link, and the largest alignment any
/// type here needs, so every block is aligned to it.
const MIN_BLOCK_BITS: u32 = 4;
const MIN_ALIGN: usize = 1 << MIN_BLOCK_BITS;
/// Size classes up to 2^31 B, more than a 32-bit memory can hold.
const CLASSES: usize = 32;
/// A wasm memory page.
pub const PAGE: usize = 65536;

/// Where fresh memory comes from.
pub trait Grow {
    /// Adds `pages` pages of memory and returns the address where they start, or `None` when
    /// there is no more.
    fn grow(&self, pages: usize) -> Option<usize>;
}

/// The allocator, over the memory `G` grows.
pub struct Heap<G> {
    grow: G,
    state: UnsafeCell<State>,
}

struct State {
    /// The first freed block of each class, 0 for none; each links to the next.
    free: [usize; CLASSES],
    /// The part of the grown memory not yet cut into blocks: `next..end`.
    next: u64,
    end: u64,
}

/// The class of blocks that fits `layout`: the power of two at or above its size and its
/// alignment. `None` when no class is that large.
fn class(layout: Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(MIN_ALIGN);
    let bits = (usize::BITS - (size - 1).leading_zeros()) as usize;
    (bits < CLASSES).then_some(bits)
}

impl<G: Grow> Heap<G> {
    pub const fn new(grow: G) -> Self {
        Heap { grow, state: UnsafeCell::new(State { free: [0; CLASSES], next: 0, end: 0 }) }
    }

    /// Cuts a fresh block of `size` B at `align` from the grown memory, growing it when needed.
    /// (In 64-bit arithmetic, so that nothing near the end of a 4 GiB memory can overflow.)
    fn cut(&self, state: &mut State, size: usize, align: usize) -> *mut u8 {
        let (size, align) = (size as u64, align as u64);
        let aligned = |at: u64| (at + align - 1) & !(align - 1);
        let mut start = aligned(state.next);
        if start + size > state.end {
            // Enough pages for the block wherever its alignment puts it.
            let pages = (size + align).div_ceil(PAGE as u64);
            let Some(base) = self.grow.grow(pages as usize) else { return null_mut() };
            let base = base as u64;
            // Memory grown by someone else in between leaves a gap: the rest before it is
            // given up, and cutting goes on from the new pages.
            if base != state.end {
                state.next = base;
            }
            state.end = base + pages * PAGE as u64;
            start = aligned(state.next);
        }
        state.next = start + size;
        start as usize as *mut u8
    }
}

// SAFETY: the caller's contract is GlobalAlloc's. Blocks handed out never overlap: each is
// either cut from `next..end`, which then moves past it, or taken off a free list it was put
// on by `dealloc`, whose layout (GlobalAlloc's contract) has the class it was cut for.
unsafe impl<G: Grow> GlobalAlloc for Heap<G> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(bits) = class(layout) else { return null_mut() };
        // SAFETY: one thread, and no call into the allocator re-enters it.
        let state = unsafe { &mut *self.state.get() };
        let head = state.free[bits];
        // Listed blocks are aligned to MIN_ALIGN at least: a stricter alignment gets a new block.
        if head != 0 && layout.align() <= MIN_ALIGN {
            // SAFETY: a listed block is free and holds the address of the next one.
            state.free[bits] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        self.cut(state, 1 << bits, layout.align().max(MIN_ALIGN))
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(bits) = class(layout) else { return };
        // SAFETY: as in `alloc`; `ptr` is a block of this class no longer in use.
        unsafe {
            let state = &mut *self.state.get();
            *(ptr as *mut usize) = state.free[bits];
            state.free[bits] = ptr as usize;
        }
    }
}

/// The wasm's own memory, grown with `memory.grow`.
#[cfg(target_arch = "wasm32")]
pub struct WasmMemory;

#[cfg(target_arch = "wasm32")]
impl Grow for WasmMemory {
    fn grow(&self, pages: usize) -> Option<usize> {
        let before = core::arch::wasm32::memory_grow(0, pages);
        (before != usize::MAX).then(|| before * PAGE)
    }
}

// SAFETY: a wasm without atomics has one thread.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl Sync for Heap<WasmMemory> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Memory for the tests: an aligned arena, handed out a page at a time, with room for
    /// a gap (as when something else grows the memory) and a limit.
    struct Arena {
        base: usize,
        pages: usize,
        used: Cell<usize>,
        gap_next: Cell<bool>,
    }

    impl Arena {
        fn new(pages: usize) -> Arena {
            let layout = Layout::from_size_align(pages * PAGE, PAGE).unwrap();
            let base = unsafe { std::alloc::alloc(layout) } as usize;
            assert_ne!(base, 0);
            Arena { base, pages, used: Cell::new(0), gap_next: Cell::new(false) }
        }
    }

    impl Grow for Arena {
        fn grow(&self, pages: usize) -> Option<usize> {
            let skip = usize::from(self.gap_next.replace(false));
            let start = self.used.get() + skip;
            (start + pages <= self.pages).then(|| {
                self.used.set(start + pages);
                self.base + start * PAGE
            })
        }
    }

    impl Drop for Arena {
        fn drop(&mut self) {
            unsafe { std::alloc::dealloc(self.base as *mut u8, Layout::from_size_align(self.pages * PAGE, PAGE).unwrap()) }
        }
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn live_blocks_are_aligned_and_never_overlap() {
        let heap = Heap::new(Arena::new(64));
        let mut live: Vec<(usize, Layout)> = Vec::new();
        for i in 0..600usize {
            let l = layout(1 + (i * 37) % 3000, [1, 2, 4, 8, 16, 32, 64][i % 7]);
            let p = unsafe { heap.alloc(l) };
            assert!(!p.is_null(), "allocation {i} failed");
            assert_eq!(p as usize % l.align(), 0, "allocation {i} misaligned");
            unsafe { p.write_bytes(i as u8, l.size()) };
            live.push((p as usize, l));
            if i % 3 == 0 {
                let (q, ql) = live.remove(i % live.len());
                unsafe { heap.dealloc(q as *mut u8, ql) };
            }
        }
        live.sort_by_key(|(p, _)| *p);
        for pair in live.windows(2) {
            assert!(pair[0].0 + pair[0].1.size() <= pair[1].0, "blocks overlap: {pair:?}");
        }
    }

    #[test]
    fn freed_blocks_are_reused_so_memory_does_not_grow_with_use() {
        let heap = Heap::new(Arena::new(4));
        for _ in 0..100_000 {
            let a = unsafe { heap.alloc(layout(100, 4)) };
            let b = unsafe { heap.alloc(layout(5000, 8)) };
            assert!(!a.is_null() && !b.is_null());
            unsafe {
                heap.dealloc(a, layout(100, 4));
                heap.dealloc(b, layout(5000, 8));
            }
        }
        assert_eq!(heap.grow.used.get(), 1, "one page holds both blocks, over and over");
        let a = unsafe { heap.alloc(layout(120, 8)) };
        let b = unsafe { heap.alloc(layout(100, 1)) };
        assert_ne!(a, b, "a reused block is handed out once");
    }

    #[test]
    fn realloc_keeps_the_contents_and_frees_the_old_block() {
        let heap = Heap::new(Arena::new(8));
        let p = unsafe { heap.alloc(layout(20, 1)) };
        unsafe { p.copy_from_nonoverlapping(b"accord consent heap!".as_ptr(), 20) };
        let moved = unsafe { heap.realloc(p, layout(20, 1), 10_000) };
        assert_ne!(moved, p);
        assert_eq!(unsafe { std::slice::from_raw_parts(moved, 20) }, b"accord consent heap!");
        let again = unsafe { heap.alloc(layout(30, 1)) };
        assert_eq!(again, p, "the old block went back on its list");
    }

    #[test]
    fn out_of_memory_is_a_null_pointer_and_a_gap_in_memory_is_skipped() {
        let heap = Heap::new(Arena::new(4));
        let first = unsafe { heap.alloc(layout(16, 1)) } as usize;
        heap.grow.gap_next.set(true);
        let big = unsafe { heap.alloc(layout(PAGE, 8)) } as usize;
        assert_eq!(big, heap.grow.base + 2 * PAGE, "cut from the pages after the gap");
        assert!(first < heap.grow.base + PAGE);
        assert!(unsafe { heap.alloc(layout(4 * PAGE, 8)) }.is_null(), "more than is left");
        assert!(unsafe { heap.alloc(layout((1 << 31) + 1, 1)) }.is_null(), "larger than any class");
        let small = unsafe { heap.alloc(layout(8, 8)) } as usize;
        assert!(small > big, "the gap's memory is not handed out");
    }
}
