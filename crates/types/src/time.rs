//! Units of ledger time. Block time is milliseconds since the Unix epoch (from the block header,
//! never a wall clock), so every duration the ledger computes with is a whole number of ms.

/// One hour, ms.
pub const HOUR_MS: u64 = 3_600_000;
/// One day, ms (a UTC day: Unix time has no leap seconds).
pub const DAY_MS: u64 = 86_400_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_is_sixty_minutes_and_a_day_is_twenty_four_hours() {
        assert_eq!(HOUR_MS, 60 * 60 * 1_000);
        assert_eq!(DAY_MS, 24 * HOUR_MS);
    }
}
