//! The command's allocator: the C library's, asking the kernel to back big
//! blocks (the loader's rows, the timelines, input blocks) with
//! transparent huge pages where it offers them on request. A first touch
//! then maps 2 MB, not 4 KB: faulting tens of megabytes in 4 KB at a time
//! was a fifth of the loading time on a virtual machine (BENCHMARKS.md).
//! Big blocks start on a huge-page boundary: a block that starts anywhere
//! else has up to 2 MB at each end that no huge page can cover.
//! Elsewhere than Linux it is the system allocator unchanged.

#[cfg(not(target_os = "linux"))]
use std::alloc::System;
use std::alloc::{GlobalAlloc, Layout};

/// The C library's allocator on Linux, with huge pages advised for big
/// blocks; the system allocator elsewhere.
pub struct HugePages;

/// Blocks this big or bigger are advised and aligned.
const BIG: usize = 4 << 20;

/// A huge page.
#[cfg(target_os = "linux")]
const HUGE: usize = 2 << 20;

/// The alignment `malloc` and `realloc` give every block on Linux's C
/// libraries (x86-64 and aarch64).
#[cfg(target_os = "linux")]
const MALLOC_ALIGN: usize = 16;

// SAFETY: every block comes from the C library's `malloc` family with at
// least the layout's size and alignment, and goes back through `free` or
// `realloc`, which accept blocks from any of them; `advise` only changes
// how the kernel backs the pages of a block just handed out.
#[cfg(target_os = "linux")]
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let size = layout.size();
        let block = if size >= BIG {
            aligned(layout.align().max(HUGE), size)
        } else if layout.align() <= MALLOC_ALIGN && layout.align() <= size {
            // SAFETY: the caller's layout has a non-zero size.
            unsafe { libc::malloc(size).cast::<u8>() }
        } else {
            aligned(layout.align(), size)
        };
        advise(block, size);
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let size = layout.size();
        if layout.align() <= MALLOC_ALIGN && layout.align() <= size {
            // `calloc` knows fresh pages are zero already: big blocks are
            // not written twice (nor aligned).
            // SAFETY: the caller's layout has a non-zero size.
            let block = unsafe { libc::calloc(1, size).cast::<u8>() };
            advise(block, size);
            block
        } else {
            // SAFETY: the caller's contract for `alloc_zeroed` is that of
            // `alloc`.
            let block = unsafe { self.alloc(layout) };
            if !block.is_null() {
                // SAFETY: the block was just handed out with `size` bytes.
                unsafe { std::ptr::write_bytes(block, 0, size) };
            }
            block
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, _layout: Layout) {
        // SAFETY: the block came from this allocator, so from the C
        // library's `malloc` family.
        unsafe { libc::free(block.cast()) }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN && layout.align() <= new_size {
            // SAFETY: the block came from the C library's `malloc` family
            // and the new size is not zero; `realloc` keeps the alignment
            // asked for, which `malloc`'s covers.
            let moved = unsafe { libc::realloc(block.cast(), new_size).cast::<u8>() };
            if new_size > layout.size() {
                advise(moved, new_size);
            }
            return moved;
        }
        // `realloc` would not keep a larger alignment: move the block.
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the new layout has the caller's alignment and a non-zero
        // size.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks hold at least the smaller size, and a
            // fresh block does not overlap the old one.
            unsafe {
                std::ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
        }
        moved
    }
}

/// A block of `size` bytes aligned to `align` (a power of two), or null.
#[cfg(target_os = "linux")]
fn aligned(align: usize, size: usize) -> *mut u8 {
    let mut block = std::ptr::null_mut();
    let align = align.max(std::mem::size_of::<usize>());
    // SAFETY: `posix_memalign` writes only `block`; the alignment is a
    // power of two and a multiple of the pointer size.
    if unsafe { libc::posix_memalign(&mut block, align, size) } == 0 {
        block.cast()
    } else {
        std::ptr::null_mut()
    }
}

/// Ask for huge pages over the whole pages of a big block.
#[cfg(target_os = "linux")]
fn advise(block: *mut u8, size: usize) {
    const PAGE: usize = 4096;
    if block.is_null() || size < BIG {
        return;
    }
    let start = (block as usize).next_multiple_of(PAGE);
    let end = (block as usize + size) & !(PAGE - 1);
    if end > start {
        // SAFETY: `madvise` reads and writes no memory; the range is whole
        // pages inside the block the allocator just handed out, and
        // MADV_HUGEPAGE only changes how the kernel backs it. A refusal
        // (no THP support) leaves things as they were, so its result is
        // not needed.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

// SAFETY: every call goes to the system allocator with the caller's
// arguments unchanged.
#[cfg(not(target_os = "linux"))]
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc_zeroed` is passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on.
        unsafe { System.dealloc(block, layout) }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is passed on.
        unsafe { System.realloc(block, layout, new_size) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of every size class keep their contents through growing and
    /// shrinking, and have the alignment asked for.
    #[test]
    fn blocks_hold_what_is_written_through_realloc() {
        for (size, align) in [
            (1, 1),
            (24, 8),
            (100, 64),
            (4096, 4096),
            (BIG, 8),
            (BIG + 12345, 32),
        ] {
            let Ok(layout) = Layout::from_size_align(size, align) else {
                panic!("bad layout {size} {align}");
            };
            // SAFETY: the layout has a non-zero size; every access is
            // inside the block as it is at the time.
            unsafe {
                let block = HugePages.alloc(layout);
                assert!(!block.is_null());
                assert_eq!(block as usize % align, 0);
                std::ptr::write_bytes(block, 7, size);
                let grown = HugePages.realloc(block, layout, size * 2 + 1);
                assert!(!grown.is_null());
                assert_eq!(grown as usize % align, 0);
                assert!((0..size).all(|i| *grown.add(i) == 7));
                let grown_layout = Layout::from_size_align(size * 2 + 1, align).unwrap_or(layout);
                let shrunk = HugePages.realloc(grown, grown_layout, size);
                assert!((0..size).all(|i| *shrunk.add(i) == 7));
                HugePages.dealloc(shrunk, layout);
                let zeroed = HugePages.alloc_zeroed(layout);
                assert_eq!(zeroed as usize % align, 0);
                assert!((0..size).all(|i| *zeroed.add(i) == 0));
                HugePages.dealloc(zeroed, layout);
            }
        }
    }
}
