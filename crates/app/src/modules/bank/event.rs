//! Events of `bank`.

use computefi_types::{Address, Amount, AssetId, Event};

/// `bank.transfer`: an amount moved between accounts.
pub fn transfer(from: &Address, to: &Address, asset: &AssetId, amount: Amount) -> Event {
    Event::new("bank.transfer").with("from", from).with("to", to).with("asset", asset).with("amount", amount)
}

/// `bank.fee`: a transaction fee paid to the fee collector.
pub fn fee(payer: &Address, amount: Amount) -> Event {
    Event::new("bank.fee").with("payer", payer).with("amount", amount)
}
