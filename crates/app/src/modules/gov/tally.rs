//! The count of a proposal's votes, as Cosmos `x/gov` counts them: a proposal fails without any
//! power locked, or when less than the quorum of all power voted (abstain counts for the
//! quorum); it fails when every vote abstains; it is vetoed when no-with-veto is more than the
//! veto share of all votes; it passes when yes is more than the threshold share of yes, no and
//! no-with-veto (exactly the threshold does not pass). Pure and in integers: every comparison is
//! a cross-multiplication in 256 bits, so nothing rounds.

use super::state::Tally;
use crate::params::GovParams;
use ethnum::U256;

/// How a count ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Passed: its actions run after the execution delay; deposits returned.
    Passed,
    /// Not passed; deposits returned. The reason, for people.
    Rejected(&'static str),
    /// Vetoed; deposits burned.
    Vetoed,
}

/// `a · b > c · d`, without overflow (a 128-bit by 32-bit product fits 256 bits).
fn above(a: u128, b: u32, c: u128, d: u32) -> bool {
    let product = |x: u128, y: u32| U256::from(x).checked_mul(U256::from(y)).unwrap_or(U256::MAX);
    product(a, b) > product(c, d)
}

/// The outcome of `tally` under `params`.
pub fn outcome(tally: &Tally, params: &GovParams) -> Outcome {
    let (yes, no, abstain, veto) = (tally.yes.0, tally.no.0, tally.abstain.0, tally.no_with_veto.0);
    let total = tally.total_power.0;
    if total == 0 {
        return Outcome::Rejected("no voting power is locked");
    }
    let voted = yes.saturating_add(no).saturating_add(abstain).saturating_add(veto);
    // Quorum: voted / total ≥ quorum, i.e. not (quorum · total > voted · 10000).
    if above(total, params.quorum_bps, voted, 10_000) {
        return Outcome::Rejected("quorum not reached");
    }
    let counted = yes.saturating_add(no).saturating_add(veto);
    if counted == 0 {
        return Outcome::Rejected("every vote abstained");
    }
    if above(veto, 10_000, voted, params.veto_bps) {
        return Outcome::Vetoed;
    }
    if above(yes, 10_000, counted, params.threshold_bps) {
        return Outcome::Passed;
    }
    Outcome::Rejected("threshold not reached")
}

#[cfg(test)]
mod tests {
    use super::*;
    use computefi_types::Amount;

    fn tally(yes: u128, no: u128, abstain: u128, veto: u128, total: u128) -> Tally {
        Tally {
            yes: Amount(yes),
            no: Amount(no),
            abstain: Amount(abstain),
            no_with_veto: Amount(veto),
            total_power: Amount(total),
        }
    }

    fn of(t: Tally) -> Outcome {
        outcome(&t, &GovParams::default())
    }

    // The cases of Cosmos SDK's own tally tests (x/gov keeper tally_test.go), at its defaults:
    // quorum 33.4 %, threshold 50 %, veto 33.4 %.
    #[test]
    fn no_power_or_no_votes_fail() {
        assert_eq!(of(tally(0, 0, 0, 0, 0)), Outcome::Rejected("no voting power is locked"));
        assert_eq!(of(tally(0, 0, 0, 0, 100)), Outcome::Rejected("quorum not reached"));
    }

    #[test]
    fn quorum_missed_fails_and_exactly_the_quorum_counts() {
        assert_eq!(of(tally(33, 0, 0, 0, 100)), Outcome::Rejected("quorum not reached"), "33 % < 33.4 %");
        assert_eq!(of(tally(334, 0, 0, 0, 1_000)), Outcome::Passed, "exactly 33.4 % is a quorum");
    }

    #[test]
    fn all_abstain_fails() {
        assert_eq!(of(tally(0, 0, 100, 0, 100)), Outcome::Rejected("every vote abstained"));
    }

    #[test]
    fn more_than_a_third_veto_vetoes_and_exactly_the_veto_share_does_not() {
        assert_eq!(of(tally(60, 0, 0, 40, 100)), Outcome::Vetoed);
        assert_eq!(of(tally(666, 0, 0, 334, 1_000)), Outcome::Passed, "exactly 33.4 % veto is not a veto");
        // Veto is a share of every vote, abstain included.
        assert_eq!(of(tally(10, 0, 50, 40, 100)), Outcome::Vetoed, "40 of 100 votes");
    }

    #[test]
    fn exactly_the_threshold_does_not_pass_and_abstain_does_not_count_toward_it() {
        assert_eq!(of(tally(50, 50, 0, 0, 100)), Outcome::Rejected("threshold not reached"));
        assert_eq!(of(tally(51, 49, 0, 0, 100)), Outcome::Passed);
        assert_eq!(of(tally(20, 10, 70, 0, 100)), Outcome::Passed, "20 of 30 counted is 66 %");
        assert_eq!(
            of(tally(30, 20, 0, 10, 100)),
            Outcome::Rejected("threshold not reached"),
            "30 of 60 is 50 %"
        );
    }

    #[test]
    fn quorum_reached_thanks_to_abstain_passes_on_the_votes_that_count() {
        // 3 yes, 1 no, 2 abstain of 10: 60 % voted; yes is 75 % of yes + no.
        assert_eq!(of(tally(3, 1, 2, 0, 10)), Outcome::Passed);
        // The same votes of 20: 30 % voted, below the quorum.
        assert_eq!(of(tally(3, 1, 2, 0, 20)), Outcome::Rejected("quorum not reached"));
        // A majority against with enough turnout is rejected, its deposit returned (no veto).
        assert_eq!(of(tally(1, 5, 3, 0, 10)), Outcome::Rejected("threshold not reached"));
    }

    #[test]
    fn a_tally_of_the_largest_amounts_does_not_overflow() {
        let max = u128::MAX / 4;
        assert_eq!(of(tally(max, 0, 0, 0, max)), Outcome::Passed);
    }
}
