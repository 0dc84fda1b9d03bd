//! The no_std proof (README, "no_std"): a `#![no_std]` `#![no_main]` binary with its own panic
//! handler and global allocator that links `contact-tracing` with `default-features = false` plus
//! `alloc` and calls into it. If the library, or any of its dependencies, linked `std`, the second
//! `panic_impl` lang item would make this build fail. CI builds it; running it is optional (it
//! exits with 0 when the TCN checks pass).
#![no_std]
#![no_main]

extern crate alloc;

use contact_tracing::tcn::{Matcher, MemoType, ObservedSet, ReportAuthorizationKey, SignedReport};
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

/// A bump allocator over a static arena: enough for this proof, never frees.
struct Bump {
    arena: UnsafeCell<[u8; 1 << 20]>,
    next: UnsafeCell<usize>,
}

// SAFETY: the proof is single-threaded.
unsafe impl Sync for Bump {}

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // Align the absolute address, not the offset: the arena itself is only byte-aligned, and
        // the vectorised curve arithmetic uses aligned 32-byte loads.
        let base = self.arena.get() as *mut u8 as usize;
        let next = &mut *self.next.get();
        let Some(start) = (base + *next)
            .checked_add(layout.align() - 1)
            .map(|a| (a & !(layout.align() - 1)) - base)
        else {
            return core::ptr::null_mut();
        };
        match start.checked_add(layout.size()) {
            Some(end) if end <= (1 << 20) => {
                *next = end;
                (self.arena.get() as *mut u8).add(start)
            }
            _ => core::ptr::null_mut(),
        }
    }
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

#[global_allocator]
static ALLOCATOR: Bump = Bump {
    arena: UnsafeCell::new([0; 1 << 20]),
    next: UnsafeCell::new(0),
};

// The C runtime provides `_start`, `memcpy` and friends; only libc is linked, never Rust's std.
#[link(name = "c")]
extern "C" {}

/// With `panic = "abort"` nothing unwinds, but the precompiled `core` still names the
/// personality routine.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

fn run() -> bool {
    let rak = ReportAuthorizationKey::from_seed([0x19; 32]);
    let tck1 = rak.initial_temporary_contact_key();
    let Ok(report) = rak.create_report(MemoType::COEPI_SYMPTOM_V1, b"no_std", 1, 8) else {
        return false;
    };
    let bytes = report.to_vec();
    let Ok(decoded) = SignedReport::decode(&bytes) else {
        return false;
    };
    let matcher = Matcher::new(
        [tck1.temporary_contact_number()]
            .into_iter()
            .collect::<ObservedSet>(),
    );
    let outcome = matcher.match_reports(core::slice::from_ref(&decoded));
    outcome.rejected.is_empty() && outcome.matches.len() == 1
}

#[no_mangle]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    if run() {
        0
    } else {
        1
    }
}
