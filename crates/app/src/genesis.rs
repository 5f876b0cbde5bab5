//! The genesis file: chain id, parameters, initial balances of the native token and the
//! validators. It is JSON with unknown fields refused, so a typo is an error, not a default.

use crate::state::{Overlay, StateWrite};
use borsh::{BorshDeserialize, BorshSerialize};
use computefi_types::{Address, Amount, PublicKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use crate::params::Params;

/// An initial native balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisBalance {
    /// The account.
    pub address: Address,
    /// CFI in base units.
    pub amount: Amount,
}

/// A validator at genesis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, BorshSerialize, BorshDeserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisValidator {
    /// A name for people.
    pub name: String,
    /// ed25519 consensus public key (hex).
    pub public_key: PublicKey,
    /// Voting power, more than zero.
    pub power: u64,
}

/// The genesis file. `Default` is not a valid genesis (no chain id, no validators); it is the base
/// for struct-update syntax so that adding a field does not break every builder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// Chain id, 1–64 bytes.
    pub chain_id: String,
    /// Genesis time in ms since the Unix epoch; the first block must be later.
    #[serde(with = "computefi_types::serde_str::u64_str")]
    pub genesis_time_ms: u64,
    /// Parameters.
    #[serde(default)]
    pub params: Params,
    /// Initial CFI balances.
    pub balances: Vec<GenesisBalance>,
    /// The validator set.
    pub validators: Vec<GenesisValidator>,
    /// Accounts that may grant identity claims (KYC, accredited, jurisdiction, sanctions-clear).
    #[serde(default)]
    pub claim_issuers: Vec<Address>,
    /// Accounts approved to verify and appraise hardware titles.
    #[serde(default)]
    pub auditors: Vec<Address>,
    /// Oracle feeds and their feeders.
    #[serde(default)]
    pub oracle_feeds: Vec<crate::modules::oracle::state::FeedConfig>,
    /// Accounts that post reports of the dollar unit's reserves and their yield.
    #[serde(default)]
    pub reserve_attestors: Vec<Address>,
    /// Accounts that mint the dollar unit for payments received off the ledger.
    #[serde(default)]
    pub reserve_minters: Vec<Address>,
    /// Accounts that immobilise carbon credits in their registry for the ledger to mint.
    #[serde(default)]
    pub registry_attestors: Vec<Address>,
}

/// Key of the parameters.
pub const PARAMS_KEY: &str = "chain/params";
/// Key of the chain id.
pub const CHAIN_ID_KEY: &str = "chain/id";
/// Key of the validator set.
pub const VALIDATORS_KEY: &str = "consensus/validators";

/// Most validators in a genesis.
pub const GENESIS_VALIDATORS_MAX: usize = 128;
/// Most initial balances in a genesis.
pub const GENESIS_BALANCES_MAX: usize = 100_000;

impl Genesis {
    /// Checks the file before anything is written; the error names the field and the fix.
    pub fn validate(&self) -> Result<(), String> {
        let id = &self.chain_id;
        if id.is_empty() || id.len() > computefi_types::limits::CHAIN_ID_BYTES_MAX {
            return Err(format!("chain_id {id:?} must have 1-64 bytes"));
        }
        if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.') {
            return Err(format!("chain_id {id:?} may use only letters, digits, '-', '_' and '.'"));
        }
        if self.validators.is_empty() || self.validators.len() > GENESIS_VALIDATORS_MAX {
            return Err(format!(
                "validators: need 1 to {GENESIS_VALIDATORS_MAX}, found {}",
                self.validators.len()
            ));
        }
        let mut keys = BTreeSet::new();
        for v in &self.validators {
            if v.power == 0 {
                return Err(format!("validator {:?} has power 0; give it power 1 or more", v.name));
            }
            if !keys.insert(v.public_key) {
                return Err(format!(
                    "validator {:?} repeats a public key; each validator needs its own key",
                    v.name
                ));
            }
        }
        let roles = [
            &self.claim_issuers,
            &self.auditors,
            &self.reserve_attestors,
            &self.reserve_minters,
            &self.registry_attestors,
        ];
        if roles.iter().any(|r| r.len() > GENESIS_VALIDATORS_MAX) {
            return Err(format!(
                "claim_issuers, auditors, reserve_attestors, reserve_minters and registry_attestors: at most {GENESIS_VALIDATORS_MAX} each"
            ));
        }
        let mut names = BTreeSet::new();
        for feed in &self.oracle_feeds {
            feed.validate()?;
            if !names.insert(&feed.name) {
                return Err(format!("oracle feed {:?} appears twice", feed.name));
            }
        }
        validate_params(&self.params)?;
        if self.balances.len() > GENESIS_BALANCES_MAX {
            return Err(format!("balances: at most {GENESIS_BALANCES_MAX} entries"));
        }
        self.total_supply().map(|_| ())
    }

    /// Sum of initial balances.
    pub fn total_supply(&self) -> Result<Amount, String> {
        self.balances.iter().try_fold(Amount::ZERO, |acc, b| {
            acc.checked_add(b.amount).ok_or_else(|| "balances: the total overflows 2^128-1".to_string())
        })
    }

    /// Writes the app's part of the genesis state: the chain id, parameters and validators. Each
    /// module writes its own part through the wiring table (`modules::init_genesis`, in the order
    /// of `modules::COMPONENTS`); this file stays below the modules, which read it.
    pub fn apply(&self, state: &mut Overlay<'_>) {
        state.put(CHAIN_ID_KEY.to_string(), &self.chain_id);
        state.put(PARAMS_KEY.to_string(), &self.params);
        state.put(VALIDATORS_KEY.to_string(), &self.validators);
    }
}

/// Checks that parameters hold together (genesis, and every governance change); the error names
/// the field and its bounds.
pub fn validate_params(params: &crate::params::Params) -> Result<(), String> {
    params.valuation.validate()?;
    params.auctions.validate()?;
    let green = &params.green;
    if u128::from(green.pue_micro) < crate::modules::green::math::MICRO
        || u128::from(green.pue_micro) > crate::modules::green::math::PUE_MICRO_MAX
        || green.score_hours == 0
        || green.score_hours as usize > crate::modules::green::math::MATCH_HOURS_MAX
        || green.green_score_bps_min > 10_000
    {
        return Err(format!(
            "params.green: pue_micro {} (1000000 to 10000000), score_hours {} (1 to {}), green_score_bps_min {} (at most 10000)",
            green.pue_micro,
            green.score_hours,
            crate::modules::green::math::MATCH_HOURS_MAX,
            green.green_score_bps_min
        ));
    }
    if params.vault.decimals_offset > 18 {
        return Err(format!("params.vault.decimals_offset is {}, above 18", params.vault.decimals_offset));
    }
    let loans = &params.loans;
    for (name, bps) in [
        ("insurance_share_bps", loans.insurance_share_bps),
        ("liquidation_fee_bps", loans.liquidation_fee_bps),
        ("reserve_bps", loans.reserve_bps),
    ] {
        if bps > 10_000 {
            return Err(format!("params.loans.{name} is {bps}, above 10000"));
        }
    }
    for (name, ltv) in
        [("gpu_max_ltv_bps", loans.gpu_max_ltv_bps), ("asic_max_ltv_bps", loans.asic_max_ltv_bps)]
    {
        if ltv > 10_000 || ltv > loans.margin_ltv_bps {
            return Err(format!(
                "params.loans.{name} is {ltv}: at most 10000 (100 %) and at most margin_ltv_bps ({})",
                loans.margin_ltv_bps
            ));
        }
    }
    let gov = &params.gov;
    for (name, bps) in [
        ("quorum_bps", gov.quorum_bps),
        ("threshold_bps", gov.threshold_bps),
        ("veto_bps", gov.veto_bps),
        ("cancel_burn_bps", gov.cancel_burn_bps),
    ] {
        if bps > 10_000 {
            return Err(format!("params.gov.{name} is {bps}, above 10000"));
        }
    }
    if gov.min_initial_deposit > gov.min_deposit || gov.voting_period_ms == 0 || gov.deposit_period_ms == 0 {
        return Err(format!(
            "params.gov: min_initial_deposit {} must be at most min_deposit {}, and the deposit and voting periods above 0",
            gov.min_initial_deposit, gov.min_deposit
        ));
    }
    Ok(())
}
