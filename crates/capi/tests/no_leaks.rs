//! The C ABI frees what it made on its error paths: a call refused for a NULL out-parameter
//! leaves no allocation behind. `ffibench_basic_reverse`, `_to_upper` and
//! `ffibench_arrays_filter_greater` made their result first and lost it when the NULL out
//! refused it (found by the memory checks and, independently, by the fuzz target
//! `capi_basic`, whose input is kept in `fuzz/regressions/capi_basic/`). Here a global
//! allocator counts the bytes each thread holds, so the test sees such a leak without a
//! sanitizer or valgrind.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ffibench_capi::{
    Status, ffibench_arrays_filter_greater, ffibench_basic_reverse, ffibench_basic_to_upper,
};

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn count(bytes: usize, sign: isize) {
    // `try_with`: an allocation while the thread's locals are torn down is not counted.
    let _ = LIVE.try_with(|live| live.set(live.get() + sign * bytes as isize));
}

// SAFETY: every call is forwarded to the system allocator unchanged; the counting only
// touches a thread-local `Cell`, which allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size(), 1);
        // SAFETY: forwarded from this function's contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(layout.size(), -1);
        // SAFETY: forwarded from this function's contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The bytes this thread's call of `call` leaves allocated (the second of two calls, so the
/// thread's error message, replaced by one of the same length, does not count).
fn left_behind(mut call: impl FnMut() -> Status) -> isize {
    assert_eq!(call(), Status::NullPointer);
    let before = LIVE.with(Cell::get);
    assert_eq!(call(), Status::NullPointer);
    LIVE.with(Cell::get) - before
}

#[test]
fn strings_refused_for_a_null_out_are_not_leaked() {
    let text = "a text long enough to see: ÅΣ";
    // SAFETY: `text.len()` readable bytes; a NULL out, which the call must refuse.
    let reverse = || unsafe {
        ffibench_basic_reverse(text.as_ptr().cast(), text.len(), std::ptr::null_mut())
    };
    assert_eq!(left_behind(reverse), 0);
    // SAFETY: as above.
    let upper = || unsafe {
        ffibench_basic_to_upper(text.as_ptr().cast(), text.len(), std::ptr::null_mut())
    };
    assert_eq!(left_behind(upper), 0);
}

#[test]
fn arrays_refused_for_a_null_out_are_not_leaked() {
    let values = [1.0, 2.0, 3.0, 4.0];
    // SAFETY: four readable doubles; a NULL out, which the call must refuse.
    let filter = || unsafe {
        ffibench_arrays_filter_greater(values.as_ptr(), values.len(), 0.0, std::ptr::null_mut())
    };
    assert_eq!(left_behind(filter), 0);
}
