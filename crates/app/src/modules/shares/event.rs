//! Events of `shares`: what happened, typed. `From<SharesEvent> for Event` is the one place they
//! become wire events (kind and attributes in a fixed order).

use computefi_types::{Address, Amount, AssetId, Event, TitleId};

/// Something `shares` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharesEvent {
    /// `shares.fractionalised`: titles locked and a share token minted against them.
    Fractionalised {
        /// The share token.
        asset: AssetId,
        /// How many shares.
        shares: Amount,
        /// The titles behind them.
        titles: Vec<TitleId>,
        /// Who received the shares.
        holder: Address,
    },
    /// `shares.recombined`: every share burned and the titles unlocked.
    Recombined {
        /// The share token.
        asset: AssetId,
        /// Who held them all.
        holder: Address,
        /// How many were burned.
        shares: Amount,
    },
}

impl From<SharesEvent> for Event {
    fn from(e: SharesEvent) -> Event {
        match e {
            SharesEvent::Fractionalised { asset, shares, titles, holder } => {
                Event::new("shares.fractionalised")
                    .with("asset", asset)
                    .with("shares", shares)
                    .with("titles", titles.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(","))
                    .with("holder", holder)
            }
            SharesEvent::Recombined { asset, holder, shares } => Event::new("shares.recombined")
                .with("asset", asset)
                .with("holder", holder)
                .with("shares", shares),
        }
    }
}
