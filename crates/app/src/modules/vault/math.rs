//! The vault's share arithmetic (ERC-4626 with virtual shares and assets, as OpenZeppelin's):
//! pure functions of their inputs. A vault counts `10^offset` shares and one unit of assets that
//! it does not hold, so the first depositor's shares are priced as if the vault already held
//! that, and a donation to an empty vault takes from a later depositor at most a fraction of a
//! unit per `10^offset` shares while costing its donor most of the donation.
//!
//! ```text
//! shares = assets · (supply + 10^offset) / (total_assets + 1)
//! assets = shares · (total_assets + 1) / (supply + 10^offset)
//! ```
//!
//! Rounding is always in the vault's favour: a deposit's shares and a redemption's assets are
//! rounded down, a mint's assets and a withdrawal's shares up.

use computefi_types::{mul_div_ceil, mul_div_floor};

/// Most decimals of the virtual offset.
pub const DECIMALS_OFFSET_MAX: u8 = 18;

/// Which way a conversion rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Toward zero: what the vault pays out or gives.
    Down,
    /// Away from zero: what the vault is owed.
    Up,
}

/// A conversion that does not fit: an offset above [`DECIMALS_OFFSET_MAX`], or a figure past 128
/// bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the vault's share arithmetic overflows: {0}")]
pub struct VaultMathError(pub &'static str);

/// What a vault holds for its conversions: total assets (at the NAV in use) and share supply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Book {
    /// Total assets, base units.
    pub assets: u128,
    /// Shares in issue (queued ones included), base units.
    pub supply: u128,
    /// The virtual offset's decimals.
    pub offset: u8,
}

impl Book {
    fn virtual_supply(&self) -> Result<u128, VaultMathError> {
        if self.offset > DECIMALS_OFFSET_MAX {
            return Err(VaultMathError("the decimals offset is above 18"));
        }
        10u128
            .checked_pow(u32::from(self.offset))
            .and_then(|one| self.supply.checked_add(one))
            .ok_or(VaultMathError("the supply plus the virtual shares"))
    }

    fn virtual_assets(&self) -> Result<u128, VaultMathError> {
        self.assets.checked_add(1).ok_or(VaultMathError("the assets plus the virtual unit"))
    }

    /// Shares worth `assets`.
    pub fn to_shares(&self, assets: u128, rounding: Rounding) -> Result<u128, VaultMathError> {
        let (supply, total) = (self.virtual_supply()?, self.virtual_assets()?);
        let shares = match rounding {
            Rounding::Down => mul_div_floor(assets, supply, total),
            Rounding::Up => mul_div_ceil(assets, supply, total),
        };
        shares.ok_or(VaultMathError("shares"))
    }

    /// Assets worth `shares`.
    pub fn to_assets(&self, shares: u128, rounding: Rounding) -> Result<u128, VaultMathError> {
        let (supply, total) = (self.virtual_supply()?, self.virtual_assets()?);
        let assets = match rounding {
            Rounding::Down => mul_div_floor(shares, total, supply),
            Rounding::Up => mul_div_ceil(shares, total, supply),
        };
        assets.ok_or(VaultMathError("assets"))
    }

    /// Shares a deposit of `assets` receives (rounded down).
    pub fn preview_deposit(&self, assets: u128) -> Result<u128, VaultMathError> {
        self.to_shares(assets, Rounding::Down)
    }

    /// Assets a mint of `shares` costs (rounded up).
    pub fn preview_mint(&self, shares: u128) -> Result<u128, VaultMathError> {
        self.to_assets(shares, Rounding::Up)
    }

    /// Assets a redemption of `shares` pays (rounded down).
    pub fn preview_redeem(&self, shares: u128) -> Result<u128, VaultMathError> {
        self.to_assets(shares, Rounding::Down)
    }

    /// Shares a withdrawal of `assets` burns (rounded up).
    pub fn preview_withdraw(&self, assets: u128) -> Result<u128, VaultMathError> {
        self.to_shares(assets, Rounding::Up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USD: u128 = 1_000_000;

    /// A vault book that applies deposits, mints, yield and redemptions as a vault does.
    struct Ledger {
        book: Book,
    }

    impl Ledger {
        fn new(offset: u8) -> Ledger {
            Ledger { book: Book { assets: 0, supply: 0, offset } }
        }
        fn deposit(&mut self, assets: u128) -> u128 {
            let shares = self.book.preview_deposit(assets).unwrap();
            self.book.assets += assets;
            self.book.supply += shares;
            shares
        }
        fn mint(&mut self, shares: u128) -> u128 {
            let assets = self.book.preview_mint(shares).unwrap();
            self.book.assets += assets;
            self.book.supply += shares;
            assets
        }
        fn redeem(&mut self, shares: u128) -> u128 {
            let assets = self.book.preview_redeem(shares).unwrap();
            self.book.assets -= assets;
            self.book.supply -= shares;
            assets
        }
        fn withdraw(&mut self, assets: u128) -> u128 {
            let shares = self.book.preview_withdraw(assets).unwrap();
            self.book.assets -= assets;
            self.book.supply -= shares;
            shares
        }
    }

    #[test]
    fn several_depositors_with_yield_in_between_each_round_in_the_vaults_favour() {
        // The vectors are worked by hand from the formulas with offset 6 (10^6 virtual shares).
        let mut v = Ledger::new(6);
        assert_eq!(v.deposit(2_000), 2_000_000_000, "alice: 2,000 units at 10^6 shares a unit");
        assert_eq!(v.mint(4_000_000_000), 4_000, "bob mints twice alice's shares for twice her assets");
        assert_eq!((v.book.assets, v.book.supply), (6_000, 6_000_000_000));
        v.book.assets += 3_000; // income: 50 %
                                // Alice's third: 2,000,000,000 · 9,001 / 6,001,000,000 = 2,999.83…, rounded down.
        assert_eq!(v.book.preview_redeem(2_000_000_000).unwrap(), 2_999);
        // Bob withdraws 2,000: 2,000 · 6,001,000,000 / 9,001 = 1,333,407,399.17…, rounded up.
        assert_eq!(v.withdraw(2_000), 1_333_407_400);
        assert_eq!((v.book.assets, v.book.supply), (7_000, 4_666_592_600));
        // A deposit now: 1,000 · (4,666,592,600 + 10^6) / 7,001 = 666,703,699.47…, rounded down.
        assert_eq!(v.deposit(1_000), 666_703_699);
        // A mint of as many shares costs at least what the deposit paid.
        assert!(v.book.preview_mint(666_703_699).unwrap() >= 1_000);
        let alice = v.redeem(2_000_000_000);
        assert_eq!(alice, 2_999, "alice is paid her third, rounded down");
    }

    #[test]
    fn a_round_trip_never_returns_more_than_it_put_in() {
        let mut v = Ledger::new(6);
        v.deposit(1_234_567 * USD);
        v.book.assets += 89_123; // an odd yield
        for assets in [1, 7, 999, 1_000_001, 77 * USD] {
            let shares = v.book.preview_deposit(assets).unwrap();
            assert!(v.book.preview_redeem(shares).unwrap() <= assets, "deposit then redeem {assets}");
            let cost = v.book.preview_mint(shares).unwrap();
            assert!(cost >= v.book.preview_redeem(shares).unwrap(), "mint costs at least what redeem pays");
            let burned = v.book.preview_withdraw(assets).unwrap();
            assert!(burned >= shares, "withdraw burns at least what deposit gives");
        }
    }

    #[test]
    fn a_donation_to_an_empty_vault_costs_its_donor_and_leaves_the_victim_whole_within_the_offset() {
        let mut v = Ledger::new(6);
        let attacker_in = 1;
        let attacker_shares = v.deposit(attacker_in);
        assert_eq!(attacker_shares, 1_000_000);
        let donation = 10_000 * USD;
        v.book.assets += donation; // sent straight to the vault
        let victim_in = 10_000 * USD;
        let victim_shares = v.deposit(victim_in);
        assert!(victim_shares > 0, "the victim gets shares");
        let victim_out = v.book.preview_redeem(victim_shares).unwrap();
        let attacker_out = v.book.preview_redeem(attacker_shares).unwrap();
        // The victim loses 0.0025 USD of 10,000; the attacker loses half its donation.
        assert_eq!(victim_out, 9_999_997_500);
        assert!(victim_in - victim_out <= victim_in / 10u128.pow(6), "within the offset's precision");
        assert!(attacker_out < attacker_in + donation * 51 / 100, "the donor loses half: {attacker_out}");
    }

    #[test]
    fn without_the_offset_the_same_donation_takes_a_third_of_the_victims_deposit() {
        let mut v = Ledger::new(0);
        v.deposit(1);
        v.book.assets += 10_000 * USD;
        let victim = v.deposit(10_000 * USD);
        assert_eq!(victim, 1, "one share for 10,000 USD: 10^10 · 2 / (10^10 + 2), rounded down");
        let out = v.book.preview_redeem(victim).unwrap();
        assert!(out < 10_000 * USD * 7 / 10, "the victim keeps about two thirds: {out}");
    }

    #[test]
    fn an_offset_above_eighteen_or_a_figure_past_128_bits_is_an_error() {
        let book = Book { assets: 0, supply: 0, offset: 19 };
        assert!(book.to_shares(1, Rounding::Down).is_err());
        let big = Book { assets: 0, supply: u128::MAX, offset: 6 };
        assert!(big.to_shares(2, Rounding::Down).is_err());
        let empty = Book { assets: 0, supply: 0, offset: 6 };
        assert_eq!(empty.to_assets(u128::MAX, Rounding::Down).unwrap(), u128::MAX / 1_000_000);
    }
}
