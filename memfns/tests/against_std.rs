//! The copies and the comparison against the standard library's, at every length up to past
//! the `rep movsb` threshold, at every alignment, and for every overlap a `memmove` can have.

use ff_memfns::{compare, copy, copy_forward};
use proptest::prelude::*;

fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn copy_forward_equals_copy_from_slice_at_every_length_and_alignment() {
    for n in 0..=1100 {
        for offset in [0, 1, 7, 8, 15] {
            let src = pattern(n + 16, 3);
            let mut dst = vec![0xAA_u8; n + 32];
            unsafe { copy_forward(dst.as_mut_ptr().add(offset), src.as_ptr().add(1), n) };
            assert_eq!(
                &dst[offset..offset + n],
                &src[1..1 + n],
                "n {n} offset {offset}"
            );
            assert!(dst[..offset].iter().all(|b| *b == 0xAA), "before, n {n}");
            assert!(dst[offset + n..].iter().all(|b| *b == 0xAA), "after, n {n}");
        }
    }
}

#[test]
fn copy_handles_every_overlap_like_copy_within() {
    let lengths = (0..=80).chain([95, 96, 97, 127, 128, 129, 500, 1023, 1024, 1025, 2000]);
    for n in lengths {
        for shift in -70_i64..=70 {
            let size = n + 150;
            let mut ours = pattern(size, 9);
            let mut theirs = ours.clone();
            let src = 75;
            let dst = (src as i64 + shift) as usize;
            unsafe {
                let base = ours.as_mut_ptr();
                copy(base.add(dst), base.add(src), n);
            }
            theirs.copy_within(src..src + n, dst);
            assert_eq!(ours, theirs, "n {n} shift {shift}");
        }
    }
}

#[test]
fn compare_orders_like_slices() {
    for n in 0..=40 {
        let a = pattern(n, 1);
        assert_eq!(unsafe { compare(a.as_ptr(), a.as_ptr(), n) }, 0);
        for i in 0..n {
            for delta in [1_u8, 0x80, 0xFF] {
                let mut b = a.clone();
                b[i] = b[i].wrapping_add(delta);
                let ours = unsafe { compare(a.as_ptr(), b.as_ptr(), n) };
                assert_eq!(
                    ours.signum(),
                    a.cmp(&b) as i32,
                    "n {n} at {i} delta {delta}"
                );
                let back = unsafe { compare(b.as_ptr(), a.as_ptr(), n) };
                assert_eq!(back.signum(), b.cmp(&a) as i32);
            }
        }
    }
}

proptest! {
    #[test]
    fn random_buffers_compare_like_slices(a in proptest::collection::vec(any::<u8>(), 0..300),
                                          b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let n = a.len().min(b.len());
        let ours = unsafe { compare(a.as_ptr(), b.as_ptr(), n) };
        prop_assert_eq!(ours.signum(), a[..n].cmp(&b[..n]) as i32);
    }

    #[test]
    fn random_moves_equal_copy_within(data in proptest::collection::vec(any::<u8>(), 1..3000),
                                      from in any::<prop::sample::Index>(),
                                      to in any::<prop::sample::Index>(),
                                      len in any::<prop::sample::Index>()) {
        let size = data.len();
        let src = from.index(size);
        let dst = to.index(size);
        let n = len.index(size - src.max(dst) + 1);
        let mut ours = data.clone();
        let mut theirs = data;
        unsafe {
            let base = ours.as_mut_ptr();
            copy(base.add(dst), base.add(src), n);
        }
        theirs.copy_within(src..src + n, dst);
        prop_assert_eq!(ours, theirs);
    }
}
