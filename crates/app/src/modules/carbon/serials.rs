//! The bounded check that a serial is minted once: a registry's serial space is cut into buckets
//! of [`BUCKET_SERIALS`] serials, each bucket keeps the serials immobilised in it as sorted,
//! disjoint ranges (adjacent ones merged), and a new range is checked against the lists of the
//! buckets it touches (at most two, since a batch is at most [`BUCKET_SERIALS`] long). Point
//! reads only, and every loop runs over at most [`RANGES_PER_BUCKET_MAX`] ranges.

use super::state::{BUCKET_SERIALS, RANGES_PER_BUCKET_MAX};

/// Why a range cannot join a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// It overlaps this immobilised range.
    Overlaps(u64, u64),
    /// The bucket would keep more than [`RANGES_PER_BUCKET_MAX`] separate ranges.
    Full,
}

/// The bucket of `serial`.
pub fn bucket_of(serial: u64) -> u64 {
    serial.checked_div(BUCKET_SERIALS).unwrap_or(0)
}

/// The part of `start ..= end` that falls in `bucket`, if any.
pub fn clip(bucket: u64, start: u64, end: u64) -> Option<(u64, u64)> {
    let first = bucket.checked_mul(BUCKET_SERIALS)?;
    let last = first.saturating_add(BUCKET_SERIALS.saturating_sub(1));
    let (from, to) = (start.max(first), end.min(last));
    (from <= to).then_some((from, to))
}

/// `ranges` (sorted, disjoint, non-adjacent) with `start ..= end` added and merged with its
/// neighbours, or why it cannot be.
pub fn insert(ranges: &[(u64, u64)], start: u64, end: u64) -> Result<Vec<(u64, u64)>, Refusal> {
    let mut out = Vec::with_capacity(ranges.len().saturating_add(1));
    let (mut from, mut to) = (start, end);
    let mut placed = false;
    for &(a, b) in ranges {
        if a <= to && from <= b {
            return Err(Refusal::Overlaps(a, b));
        }
        let touches_before = b.checked_add(1) == Some(from);
        let touches_after = to.checked_add(1) == Some(a);
        if touches_before {
            from = a;
        } else if touches_after {
            to = b;
        } else if b < from {
            out.push((a, b));
        } else {
            if !placed {
                out.push((from, to));
                placed = true;
            }
            out.push((a, b));
        }
    }
    if !placed {
        out.push((from, to));
    }
    if out.len() > RANGES_PER_BUCKET_MAX {
        return Err(Refusal::Full);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_ranges_merge_and_separate_ones_stay_sorted() {
        let r = insert(&[], 10, 19).unwrap();
        assert_eq!(r, vec![(10, 19)]);
        assert_eq!(insert(&r, 20, 29).unwrap(), vec![(10, 29)], "after");
        assert_eq!(insert(&r, 0, 9).unwrap(), vec![(0, 19)], "before");
        assert_eq!(insert(&r, 30, 39).unwrap(), vec![(10, 19), (30, 39)]);
        assert_eq!(insert(&r, 0, 5).unwrap(), vec![(0, 5), (10, 19)]);
        let two = vec![(0, 9), (20, 29)];
        assert_eq!(insert(&two, 10, 19).unwrap(), vec![(0, 29)], "a gap closed on both sides");
        assert_eq!(insert(&two, 12, 15).unwrap(), vec![(0, 9), (12, 15), (20, 29)]);
        assert_eq!(insert(&two, 10, 15).unwrap(), vec![(0, 15), (20, 29)]);
        assert_eq!(insert(&two, 15, 19).unwrap(), vec![(0, 9), (15, 29)]);
    }

    #[test]
    fn an_overlap_at_any_serial_is_refused() {
        let r = vec![(10, 19), (30, 39)];
        for (s, e) in [(10, 10), (19, 25), (5, 10), (0, 100), (15, 16), (25, 30), (39, 39)] {
            assert!(matches!(insert(&r, s, e), Err(Refusal::Overlaps(..))), "{s}..={e}");
        }
        assert_eq!(insert(&[(0, u64::MAX)], 5, 5), Err(Refusal::Overlaps(0, u64::MAX)));
        assert!(insert(&[(0, 5)], u64::MAX, u64::MAX).is_ok(), "the top serial merges nothing past it");
    }

    #[test]
    fn a_bucket_keeps_at_most_its_limit_of_separate_ranges() {
        let full: Vec<(u64, u64)> = (0..RANGES_PER_BUCKET_MAX as u64).map(|i| (i * 10, i * 10 + 1)).collect();
        assert_eq!(insert(&full, 1_000, 1_000), Err(Refusal::Full));
        let closed = insert(&full, 2, 9).expect("closing a gap keeps the count");
        assert_eq!(closed.len(), RANGES_PER_BUCKET_MAX - 1);
    }

    #[test]
    fn a_range_is_clipped_to_each_bucket_it_touches() {
        let b = BUCKET_SERIALS;
        assert_eq!(bucket_of(b - 1), 0);
        assert_eq!(bucket_of(b), 1);
        assert_eq!(clip(0, b - 5, b + 5), Some((b - 5, b - 1)));
        assert_eq!(clip(1, b - 5, b + 5), Some((b, b + 5)));
        assert_eq!(clip(2, b - 5, b + 5), None);
        assert_eq!(clip(bucket_of(u64::MAX), u64::MAX - 1, u64::MAX), Some((u64::MAX - 1, u64::MAX)));
    }
}
