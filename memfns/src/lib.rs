//! `memcpy`, `memmove` and `memcmp` for the Linux release binary, which is linked with musl
//! (`cargo xtask build`; see CONTRIBUTING.md, Start-up).
//!
//! musl's x86_64 `memcpy` is one `rep movsq` with byte loops around it and its `memcmp` a
//! byte loop: fine for long buffers, slow for the short copies and comparisons that make up
//! most of a provider's (strings, map keys, HTTP headers, small messages). In a fleet plan they
//! took 12 % and 3 % of the provider's CPU, against 4.5 % for glibc's vector `memmove`.
//! These copy 16 or 32 bytes at a time with unaligned vector moves, hand long copies to
//! `rep movsb` (fast on processors with ERMS), and compare 8 bytes at a time.
//!
//! The crate is `no_builtins`, so the compiler does not turn its own loops back into calls
//! to the functions it defines, and those functions are exported (`memcpy`, `memmove`,
//! `memcmp`) only on x86_64 musl builds outside tests: the linker then takes them instead of
//! libc's. Elsewhere the crate only holds the tested functions.

#![no_std]
#![no_builtins]

use core::ptr::{read_unaligned, write_unaligned};

/// From this length on, a forward copy is one `rep movsb`.
const REP_MOVSB_FROM: usize = 1024;

/// Copies `n` bytes from `src` to `dst`, front to back. Correct when the regions do not
/// overlap, and when they do with `dst` before `src`.
///
/// # Safety
///
/// `src` must be valid for reading and `dst` for writing `n` bytes.
#[inline(always)]
pub unsafe fn copy_forward(dst: *mut u8, src: *const u8, n: usize) {
    unsafe {
        if n <= 32 {
            return copy_short(dst, src, n);
        }
        if n >= REP_MOVSB_FROM {
            return rep_movsb(dst, src, n);
        }
        // The last 32 bytes are read before anything is written and written last, so the
        // blocks before them may overlap them (and `src`, when `dst` is before it).
        let tail_a = read_unaligned(src.add(n - 32).cast::<u128>());
        let tail_b = read_unaligned(src.add(n - 16).cast::<u128>());
        let mut at = 0;
        while at + 32 < n {
            let a = read_unaligned(src.add(at).cast::<u128>());
            let b = read_unaligned(src.add(at + 16).cast::<u128>());
            write_unaligned(dst.add(at).cast::<u128>(), a);
            write_unaligned(dst.add(at + 16).cast::<u128>(), b);
            at += 32;
        }
        write_unaligned(dst.add(n - 32).cast::<u128>(), tail_a);
        write_unaligned(dst.add(n - 16).cast::<u128>(), tail_b);
    }
}

/// Copies `n` bytes from `src` to `dst`, back to front: correct when the regions overlap
/// with `dst` after `src`.
///
/// # Safety
///
/// `src` must be valid for reading and `dst` for writing `n` bytes.
#[inline(always)]
pub unsafe fn copy_backward(dst: *mut u8, src: *const u8, n: usize) {
    unsafe {
        if n <= 32 {
            return copy_short(dst, src, n);
        }
        // The first 32 bytes are read first and written last.
        let head_a = read_unaligned(src.cast::<u128>());
        let head_b = read_unaligned(src.add(16).cast::<u128>());
        let mut end = n;
        while end > 32 {
            let at = end - 32;
            let a = read_unaligned(src.add(at).cast::<u128>());
            let b = read_unaligned(src.add(at + 16).cast::<u128>());
            write_unaligned(dst.add(at).cast::<u128>(), a);
            write_unaligned(dst.add(at + 16).cast::<u128>(), b);
            end = at;
        }
        write_unaligned(dst.cast::<u128>(), head_a);
        write_unaligned(dst.add(16).cast::<u128>(), head_b);
    }
}

/// Copies up to 32 bytes: every byte is read before any is written, so any overlap is fine.
#[inline(always)]
unsafe fn copy_short(dst: *mut u8, src: *const u8, n: usize) {
    unsafe {
        if n >= 16 {
            let a = read_unaligned(src.cast::<u128>());
            let b = read_unaligned(src.add(n - 16).cast::<u128>());
            write_unaligned(dst.cast::<u128>(), a);
            write_unaligned(dst.add(n - 16).cast::<u128>(), b);
        } else if n >= 8 {
            let a = read_unaligned(src.cast::<u64>());
            let b = read_unaligned(src.add(n - 8).cast::<u64>());
            write_unaligned(dst.cast::<u64>(), a);
            write_unaligned(dst.add(n - 8).cast::<u64>(), b);
        } else if n >= 4 {
            let a = read_unaligned(src.cast::<u32>());
            let b = read_unaligned(src.add(n - 4).cast::<u32>());
            write_unaligned(dst.cast::<u32>(), a);
            write_unaligned(dst.add(n - 4).cast::<u32>(), b);
        } else if n > 0 {
            let a = *src;
            let b = *src.add(n / 2);
            let c = *src.add(n - 1);
            *dst = a;
            *dst.add(n / 2) = b;
            *dst.add(n - 1) = c;
        }
    }
}

/// `rep movsb`: one instruction for a long forward copy.
#[inline(always)]
unsafe fn rep_movsb(dst: *mut u8, src: *const u8, n: usize) {
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::asm!(
            "rep movsb",
            inout("rcx") n => _,
            inout("rdi") dst => _,
            inout("rsi") src => _,
            options(nostack, preserves_flags)
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    unsafe {
        let mut at = 0;
        while at < n {
            *dst.add(at) = *src.add(at);
            at += 1;
        }
    }
}

/// Copies `n` bytes from `src` to `dst`, which may overlap.
///
/// # Safety
///
/// `src` must be valid for reading and `dst` for writing `n` bytes.
#[inline(always)]
pub unsafe fn copy(dst: *mut u8, src: *const u8, n: usize) {
    // Unsigned distance: at least `n` when `dst` is before `src` or the regions are apart.
    unsafe {
        if (dst as usize).wrapping_sub(src as usize) >= n {
            copy_forward(dst, src, n)
        } else {
            copy_backward(dst, src, n)
        }
    }
}

/// Compares `n` bytes as unsigned bytes, as `memcmp` does: negative, zero or positive.
///
/// # Safety
///
/// `a` and `b` must be valid for reading `n` bytes.
#[inline(always)]
pub unsafe fn compare(a: *const u8, b: *const u8, n: usize) -> i32 {
    unsafe {
        let mut at = 0;
        while at + 8 <= n {
            let x = read_unaligned(a.add(at).cast::<u64>());
            let y = read_unaligned(b.add(at).cast::<u64>());
            if x != y {
                // The first differing byte decides: compare the words in memory order.
                return if u64::from_be(x) < u64::from_be(y) {
                    -1
                } else {
                    1
                };
            }
            at += 8;
        }
        while at < n {
            let (x, y) = (*a.add(at), *b.add(at));
            if x != y {
                return i32::from(x) - i32::from(y);
            }
            at += 1;
        }
        0
    }
}

#[cfg(all(target_env = "musl", target_arch = "x86_64", not(test)))]
mod exported {
    /// # Safety
    ///
    /// As C's `memcpy`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        unsafe { super::copy_forward(dst, src, n) };
        dst
    }

    /// # Safety
    ///
    /// As C's `memmove`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        unsafe { super::copy(dst, src, n) };
        dst
    }

    /// # Safety
    ///
    /// As C's `memcmp`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        unsafe { super::compare(a, b, n) }
    }
}
