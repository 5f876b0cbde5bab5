//! Events of `revenue`: what happened, typed. `From<RevenueEvent> for Event` is the one place
//! they become wire events (kind and attributes in a fixed order).

use computefi_types::{Address, Amount, AssetId, Event, OperatingCosts, TitleId};

/// Where income went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaidTo {
    /// To one holder (a title that is not split).
    Holder(Address),
    /// To the holders of a share token, through its income pool.
    Shares(AssetId),
}

impl std::fmt::Display for PaidTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaidTo::Holder(a) => a.fmt(f),
            PaidTo::Shares(s) => s.fmt(f),
        }
    }
}

/// Something `revenue` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevenueEvent {
    /// `revenue.income`: income paid in for a title or a share token.
    Income {
        /// Who paid it (an account, or a lease's or contract's module account).
        depositor: Address,
        /// In what.
        asset: AssetId,
        /// Gross income.
        gross: Amount,
        /// Operating costs declared with a deposit (`None`: income a module pays, with none).
        costs: Option<OperatingCosts>,
        /// What reached the holders.
        net: Amount,
        /// The period it is for.
        period: String,
        /// Where it went.
        paid_to: PaidTo,
    },
    /// `revenue.deposited`: a checkpoint of a share token's income pool.
    Deposited {
        /// The share token.
        shares: AssetId,
        /// Index of the checkpoint.
        checkpoint: u64,
        /// Shares outstanding at the record date.
        supply: Amount,
    },
    /// `revenue.claimed`: a holder took what it was owed.
    Claimed {
        /// The holder.
        holder: Address,
        /// The share token.
        shares: AssetId,
        /// The income asset.
        asset: AssetId,
        /// How much.
        amount: Amount,
    },
    /// `revenue.payer`: the account that may deposit a title's income changed.
    Payer {
        /// The title.
        title: TitleId,
        /// The payer, or `None` for only the operator.
        payer: Option<Address>,
    },
}

impl From<RevenueEvent> for Event {
    fn from(e: RevenueEvent) -> Event {
        match e {
            RevenueEvent::Income { depositor, asset, gross, costs, net, period, paid_to } => {
                let mut event = Event::new("revenue.income")
                    .with("depositor", depositor)
                    .with("asset", asset)
                    .with("gross", gross);
                if let Some(costs) = costs {
                    event = event
                        .with("power", costs.power)
                        .with("hosting", costs.hosting)
                        .with("maintenance", costs.maintenance);
                }
                event.with("net", net).with("period", period).with("paid_to", paid_to)
            }
            RevenueEvent::Deposited { shares, checkpoint, supply } => Event::new("revenue.deposited")
                .with("shares", shares)
                .with("checkpoint", checkpoint)
                .with("supply", supply),
            RevenueEvent::Claimed { holder, shares, asset, amount } => Event::new("revenue.claimed")
                .with("holder", holder)
                .with("shares", shares)
                .with("asset", asset)
                .with("amount", amount),
            RevenueEvent::Payer { title, payer } => Event::new("revenue.payer")
                .with("title", title)
                .with("payer", payer.map(|p| p.to_string()).unwrap_or_default()),
        }
    }
}
