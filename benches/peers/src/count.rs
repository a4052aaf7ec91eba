//! A global allocator that counts allocations over the system's: those of the thread that
//! runs the calls apart from those of every other thread (a library's own threads, such as
//! neli's router), so each can be put to the call that caused it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

static CALLER: AtomicU64 = AtomicU64::new(0);
static OTHERS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Whether this thread is the one that runs the calls.
    static IS_CALLER: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as the one that runs the calls.
pub fn mark_caller() {
    IS_CALLER.with(|c| c.set(true));
}

/// Allocations so far by the thread marked with [`mark_caller`].
pub fn caller() -> u64 {
    CALLER.load(Ordering::Relaxed)
}

/// Allocations so far by every other thread.
pub fn others() -> u64 {
    OTHERS.load(Ordering::Relaxed)
}

fn count() {
    // A thread being torn down has no thread-local left: not the caller.
    let counter = if IS_CALLER.try_with(Cell::get).unwrap_or(false) { &CALLER } else { &OTHERS };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// The system allocator, counting each `alloc` and `realloc`.
pub struct Counting;

// SAFETY: every call is passed on to `System` unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract for `alloc` is `System::alloc`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with `layout`, as the caller promises.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as for `dealloc`, and `new_size` is the caller's, unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
