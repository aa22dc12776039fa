//! The command's allocator: the system's, asking the kernel to back big
//! blocks (the loader's rows, the timelines, input blocks) with
//! transparent huge pages where it offers them on request. A first touch
//! then maps 2 MB, not 4 KB: faulting tens of megabytes in 4 KB at a time
//! was a fifth of the loading time on a virtual machine (BENCHMARKS.md).
//! Elsewhere than Linux, or where the kernel declines, it is the system
//! allocator unchanged.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, with huge pages advised for big blocks.
pub struct HugePages;

/// Blocks this big or bigger are advised.
const BIG: usize = 4 << 20;

// SAFETY: every call goes to the system allocator with the caller's
// arguments unchanged; `advise` only changes how the kernel backs the pages
// of the block just returned.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on.
        let block = unsafe { System.alloc(layout) };
        advise(block, layout.size());
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc_zeroed` is passed on.
        let block = unsafe { System.alloc_zeroed(layout) };
        advise(block, layout.size());
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on.
        unsafe { System.dealloc(block, layout) }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is passed on.
        let moved = unsafe { System.realloc(block, layout, new_size) };
        if new_size > layout.size() {
            advise(moved, new_size);
        }
        moved
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

/// Elsewhere the block is left as the system gave it.
#[cfg(not(target_os = "linux"))]
fn advise(_block: *mut u8, _size: usize) {}
