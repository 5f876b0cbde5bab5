//! Keys and typed access of `compliance`.

use crate::state::{ExecError, StateRead, StateWrite};
use computefi_types::compliance::TransferRules;
use computefi_types::{Address, AssetId};

/// Key of an asset's transfer rules.
pub(super) fn rules_key(asset: &AssetId) -> String {
    crate::state_key!("compliance/rules/{asset}")
}

/// Key marking an asset frozen.
pub(super) fn frozen_asset_key(asset: &AssetId) -> String {
    crate::state_key!("compliance/frozen_asset/{asset}")
}

/// Key marking one account's holding frozen.
pub(super) fn frozen_account_key(asset: &AssetId, account: &Address) -> String {
    crate::state_key!("compliance/frozen_account/{asset}/{account}")
}

/// Reading rules and freezes.
pub trait ComplianceRead: StateRead + Sized {
    /// The asset's rules, if any.
    fn rules(&self, asset: &AssetId) -> Result<Option<TransferRules>, ExecError> {
        self.get(&rules_key(asset))
    }

    /// Whether the whole asset is frozen.
    fn asset_frozen(&self, asset: &AssetId) -> Result<bool, ExecError> {
        Ok(self.get_raw(&frozen_asset_key(asset))?.is_some())
    }

    /// Whether one account's holding is frozen.
    fn account_frozen(&self, asset: &AssetId, account: &Address) -> Result<bool, ExecError> {
        Ok(self.get_raw(&frozen_account_key(asset, account))?.is_some())
    }
}
impl<T: StateRead + Sized> ComplianceRead for T {}

/// Writing rules and freezes.
pub trait ComplianceWrite: StateWrite + ComplianceRead {
    /// Stores rules; default (empty) rules remove the entry.
    fn set_rules(&mut self, asset: &AssetId, rules: &TransferRules) {
        if *rules == TransferRules::default() {
            self.delete(rules_key(asset));
        } else {
            self.put(rules_key(asset), rules);
        }
    }

    /// Sets or lifts a freeze.
    fn set_frozen(&mut self, asset: &AssetId, account: Option<&Address>, frozen: bool) {
        let key = match account {
            Some(a) => frozen_account_key(asset, a),
            None => frozen_asset_key(asset),
        };
        if frozen {
            self.put(key, &true);
        } else {
            self.delete(key);
        }
    }
}
impl<T: StateWrite + Sized> ComplianceWrite for T {}
