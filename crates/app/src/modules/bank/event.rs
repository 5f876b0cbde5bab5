//! Events of `bank`: what happened, typed. `From<BankEvent> for Event` is the one place they
//! become wire events (kind and attributes in a fixed order).

use computefi_types::{Address, Amount, AssetId, Event};

/// Something `bank` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BankEvent {
    /// `bank.transfer`: an amount moved between accounts.
    Transfer {
        /// Sender.
        from: Address,
        /// Recipient.
        to: Address,
        /// What moved.
        asset: AssetId,
        /// How much.
        amount: Amount,
    },
    /// `bank.fee`: a transaction fee paid to the fee collector.
    Fee {
        /// Who paid.
        payer: Address,
        /// How much CFI.
        amount: Amount,
    },
}

impl From<BankEvent> for Event {
    fn from(e: BankEvent) -> Event {
        match e {
            BankEvent::Transfer { from, to, asset, amount } => Event::new("bank.transfer")
                .with("from", from)
                .with("to", to)
                .with("asset", asset)
                .with("amount", amount),
            BankEvent::Fee { payer, amount } => {
                Event::new("bank.fee").with("payer", payer).with("amount", amount)
            }
        }
    }
}
