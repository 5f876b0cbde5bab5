//! Events of `compliance`: what happened, typed. `From<ComplianceEvent> for Event` is the one
//! place they become wire events (kind and attributes in a fixed order).

use computefi_types::compliance::TransferRules;
use computefi_types::{Address, Amount, AssetId, Event};

/// Something `compliance` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComplianceEvent {
    /// `compliance.rules_set`: an asset's transfer rules replaced.
    RulesSet {
        /// The asset.
        asset: AssetId,
        /// Its new rules.
        rules: TransferRules,
    },
    /// `compliance.frozen` or `compliance.unfrozen`: an asset, or one account in it.
    Freeze {
        /// Frozen (true) or unfrozen.
        frozen: bool,
        /// The asset.
        asset: AssetId,
        /// The account, or `None` for the whole asset.
        account: Option<Address>,
    },
    /// `compliance.forced_transfer`: a controller moved units on the record.
    ForcedTransfer {
        /// The asset.
        asset: AssetId,
        /// From whom.
        from: Address,
        /// To whom.
        to: Address,
        /// How much.
        amount: Amount,
        /// The controller who forced it.
        controller: Address,
    },
}

impl From<ComplianceEvent> for Event {
    fn from(e: ComplianceEvent) -> Event {
        match e {
            ComplianceEvent::RulesSet { asset, rules } => Event::new("compliance.rules_set")
                .with("asset", asset)
                .with("requirements", rules.requirements.len())
                .with("holders_max", rules.holders_max.map(|m| m.to_string()).unwrap_or_default())
                .with("holding_bps_max", rules.holding_bps_max.map(|m| m.to_string()).unwrap_or_default())
                .with("controller", rules.controller.map(|c| c.to_string()).unwrap_or_default()),
            ComplianceEvent::Freeze { frozen, asset, account } => {
                Event::new(if frozen { "compliance.frozen" } else { "compliance.unfrozen" })
                    .with("asset", asset)
                    .with("account", account.map(|a| a.to_string()).unwrap_or_default())
            }
            ComplianceEvent::ForcedTransfer { asset, from, to, amount, controller } => {
                Event::new("compliance.forced_transfer")
                    .with("asset", asset)
                    .with("from", from)
                    .with("to", to)
                    .with("amount", amount)
                    .with("controller", controller)
            }
        }
    }
}
