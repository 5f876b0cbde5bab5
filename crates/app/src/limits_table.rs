//! The module limits table of `docs/architecture.md` ("Limits") checked against the constants:
//! a changed value, or a new `…_MAX` of a module missing from the table, fails here. So are the
//! error messages that state a module's limit: the types crate, where the messages live, cannot
//! name the constants of the modules above it.

#[cfg(test)]
mod tests {
    use crate::modules::*;

    const DOC: &str = include_str!("../../../docs/architecture.md");

    /// A limit as the docs table names it (`module::file::NAME`), with its value.
    macro_rules! limit {
        ($($part:ident)::+) => {
            ([$(stringify!($part)),+].join("::"), $($part)::+ as u128)
        };
    }

    fn documented_value(name: &str) -> Option<u128> {
        let row = DOC.lines().find(|l| l.starts_with(&format!("| `{name}` |")))?;
        let value = row.split('|').nth(2)?.trim();
        let digits: String = value.split_whitespace().next()?.chars().filter(char::is_ascii_digit).collect();
        digits.parse().ok()
    }

    #[test]
    fn error_messages_that_state_a_module_limit_state_the_constant() {
        use computefi_types::ErrorCode;
        let stated: &[(ErrorCode, String)] = &[
            (ErrorCode::BadVault, format!("1 to {} distinct titles", shares::exec::VAULT_TITLES_MAX)),
            (ErrorCode::TooManyIncomeAssets, format!("at most {} assets", revenue::state::INCOME_ASSETS_MAX)),
            (ErrorCode::BadRoute, format!("2 to {} assets", amm::exec::ROUTE_ASSETS_MAX)),
            (ErrorCode::BadFee, format!("1 to {} basis points", amm::math::FEE_BPS_MAX)),
            (ErrorCode::BadCreditBatch, format!("1 to {} serials", carbon::state::SERIALS_PER_BATCH_MAX)),
        ];
        for (code, text) in stated {
            assert!(code.to_string().contains(text.as_str()), "{code:?} should say {text:?}: {code}");
        }
    }

    #[test]
    fn every_module_limit_is_in_the_docs_table_with_its_value() {
        let limits = [
            limit!(revenue::state::INCOME_ASSETS_MAX),
            limit!(lease::state::LEASES_OPEN_MAX),
            limit!(lease::state::GREEN_HOURS_PENDING_MAX),
            limit!(lease::state::AUTO_ACCEPT_MAX),
            limit!(lease::state::AUTO_ACCEPTS_PER_BLOCK_MAX),
            limit!(lease::state::BIDS_PER_ORDER_MAX),
            limit!(lease::state::LEASE_HOURS_MAX),
            limit!(lease::state::MODEL_BYTES_MAX),
            limit!(amm::exec::ROUTE_ASSETS_MAX),
            limit!(amm::state::OBSERVATIONS_MAX),
            limit!(amm::math::FEE_BPS_MAX),
            limit!(delivery::state::CONTRACTS_ACTIVE_MAX),
            limit!(delivery::state::CONTRACT_DAYS_MAX),
            limit!(delivery::state::SILENT_WINDOWS_MAX),
            limit!(oracle::state::FEEDERS_MAX),
            limit!(oracle::state::FEED_NAME_BYTES_MAX),
            limit!(oracle::state::RECENT_TIPS_MAX),
            limit!(oracle::state::TIP_TIME_SKEW_S_MAX),
            limit!(device::state::SEEN_REPORTS_KEPT),
            limit!(device::challenge::CHALLENGES_OPEN_MAX),
            limit!(device::challenge::ROW_CHOICES_PER_BLOCK_MAX),
            limit!(device::challenge::CHALLENGE_EXPIRIES_PER_BLOCK_MAX),
            limit!(device::roster::AUTO_EXAMINED_PER_BLOCK_MAX),
            limit!(device::challenge::CHALLENGE_MODELS_MAX),
            limit!(device::challenge::ROWS_CHECKED_PER_BLOCK_MAX),
            limit!(device::attestation::ATTESTATION_LAPSES_PER_BLOCK_MAX),
            limit!(shares::exec::VAULT_TITLES_MAX),
            limit!(capacity::state::RESERVATIONS_PER_TITLE_MAX),
            limit!(capacity::state::TOKENS_LIVE_MAX),
            limit!(capacity::state::EXPIRIES_PER_BLOCK_MAX),
            limit!(capacity::state::WINDOW_HOURS_MAX),
            limit!(valuation::math::VALUATION_MONTHS_MAX),
            limit!(valuation::math::ROOT_BISECTION_STEPS_MAX),
            limit!(valuation::math::DIFFICULTY_GROWTH_BPS_MONTH_MAX),
            limit!(valuation::math::DISCOUNT_BPS_YEAR_MAX),
            limit!(valuation::math::SHOCK_CHANGE_BPS_MAX),
            limit!(valuation::state::TITLES_VALUED_PER_BLOCK_MAX),
            limit!(valuation::state::NAVS_PER_BLOCK_MAX),
            limit!(valuation::state::DUE_TITLES_MAX),
            limit!(valuation::state::NAV_HISTORY_EPOCHS_MAX),
            limit!(valuation::state::UTILISATION_SAMPLES_MAX),
            limit!(loans::health::LOANS_CHECKED_PER_BLOCK_MAX),
            limit!(loans::math::PAYMENTS_MAX),
            limit!(loans::math::RATE_BPS_YEAR_MAX),
            limit!(loans::math::RATE_YEAR_MAX),
            limit!(loans::math::INTERVAL_S_MAX),
            limit!(loans::math::WATERFALL_CLAIMS_MAX),
            limit!(auctions::exec::AUCTIONS_OPEN_MAX),
            limit!(auctions::exec::AUCTIONS_SETTLED_PER_BLOCK_MAX),
            limit!(vault::state::POSITIONS_MAX),
            limit!(vault::state::QUEUE_MAX),
            limit!(vault::state::SERVED_PER_TX_MAX),
            limit!(vault::exec::WINDOW_MS_MAX),
            limit!(vault::exec::NAME_BYTES_MAX),
            limit!(vault::exec::REQUESTS_PER_ACCOUNT_MAX),
            limit!(vault::math::DECIMALS_OFFSET_MAX),
            limit!(green::math::MATCH_HOURS_MAX),
            limit!(green::state::ENERGY_HOURS_KEPT),
            limit!(registry::exec::ZONE_BYTES_MAX),
            limit!(green::math::PUE_MICRO_MAX),
            limit!(green::math::INTENSITY_UG_KWH_MAX),
            limit!(reserve::state::REPORTS_KEPT),
            limit!(carbon::state::SERIALS_PER_BATCH_MAX),
            limit!(carbon::state::RANGES_PER_BUCKET_MAX),
            limit!(gov::state::PROPOSALS_OPEN_MAX),
            limit!(gov::state::VOTERS_PER_PROPOSAL_MAX),
            limit!(gov::state::DEPOSITORS_PER_PROPOSAL_MAX),
            limit!(gov::state::UNBONDINGS_MAX),
            limit!(gov::state::UNBONDINGS_PER_BLOCK_MAX),
            limit!(gov::state::VALIDATOR_CHANGES_PENDING_MAX),
            limit!(passes::state::EXPIRY_AHEAD_MS_MAX),
            limit!(passes::state::SERIES_PER_SHARES_MAX),
            limit!(passes::state::SERIES_LIVE_MAX),
            limit!(passes::state::LOCKERS_PER_SERIES_MAX),
            limit!(passes::state::RELEASES_PER_BLOCK_MAX),
        ];
        for (name, value) in &limits {
            assert_eq!(
                documented_value(name),
                Some(*value),
                "{name} in the module limits table of docs/architecture.md"
            );
        }
        // Every limit constant a module declares is in the list above.
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/modules");
        for module in std::fs::read_dir(root).expect("the modules folder") {
            let dir = module.expect("a module folder").path();
            let Ok(files) = std::fs::read_dir(&dir) else { continue };
            for file in files {
                let path = file.expect("a file").path();
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for line in text.lines().filter(|l| l.starts_with("pub const ")) {
                    let name: String = line["pub const ".len()..].chars().take_while(|c| *c != ':').collect();
                    if name.ends_with("_MAX") || name.ends_with("_KEPT") {
                        assert!(
                            limits.iter().any(|(listed, _)| listed.ends_with(&format!("::{name}"))),
                            "{name} ({}) is not in the module limits table of docs/architecture.md",
                            path.display()
                        );
                    }
                }
            }
        }
    }
}
