//! Marking memory as secret (undefined to memcheck) or public (defined again).
//!
//! memcheck reports a conditional jump, a memory address or a system-call argument that depends
//! on undefined bytes. So a function that branches on, or indexes memory by, a byte derived from a
//! secret is reported, while arithmetic on secrets is not. Public outputs (a signature, a published
//! number) are declassified before anything branches on them.

extern "C" {
    fn ct_mark_secret(p: *const u8, n: usize);
    fn ct_mark_public(p: *const u8, n: usize);
}

/// Marks the bytes of `value` as secret.
pub fn secret<T: ?Sized>(value: &T) {
    // SAFETY: the pointer and length describe `value`'s own bytes; the requests only change
    // valgrind's shadow state.
    unsafe { ct_mark_secret((value as *const T).cast(), core::mem::size_of_val(value)) }
}

/// Marks the bytes of `value` as public.
pub fn public<T: ?Sized>(value: &T) {
    // SAFETY: as above.
    unsafe { ct_mark_public((value as *const T).cast(), core::mem::size_of_val(value)) }
}
