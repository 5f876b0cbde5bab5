//! The module limits table of `docs/architecture.md` ("Limits") checked against the constants:
//! a changed value, or a new `…_MAX` of a module missing from the table, fails here. So are the
//! error messages that state a module's limit: the types crate, where the messages live, cannot
//! name the constants of the modules above it.

#[cfg(test)]
mod tests {
    use crate::modules::*;

    const DOC: &str = include_str!("../../../docs/architecture.md");

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
        ];
        for (code, text) in stated {
            assert!(code.to_string().contains(text.as_str()), "{code:?} should say {text:?}: {code}");
        }
    }

    #[test]
    fn every_module_limit_is_in_the_docs_table_with_its_value() {
        let limits: &[(&str, u128)] = &[
            ("revenue::state::INCOME_ASSETS_MAX", revenue::state::INCOME_ASSETS_MAX as u128),
            ("lease::state::LEASES_OPEN_MAX", lease::state::LEASES_OPEN_MAX as u128),
            ("lease::state::AUTO_ACCEPT_MAX", lease::state::AUTO_ACCEPT_MAX as u128),
            ("lease::state::AUTO_ACCEPTS_PER_BLOCK_MAX", lease::state::AUTO_ACCEPTS_PER_BLOCK_MAX as u128),
            ("lease::state::BIDS_PER_ORDER_MAX", lease::state::BIDS_PER_ORDER_MAX as u128),
            ("lease::state::LEASE_HOURS_MAX", lease::state::LEASE_HOURS_MAX as u128),
            ("lease::state::MODEL_BYTES_MAX", lease::state::MODEL_BYTES_MAX as u128),
            ("amm::exec::ROUTE_ASSETS_MAX", amm::exec::ROUTE_ASSETS_MAX as u128),
            ("amm::state::OBSERVATIONS_MAX", amm::state::OBSERVATIONS_MAX as u128),
            ("amm::math::FEE_BPS_MAX", amm::math::FEE_BPS_MAX as u128),
            ("delivery::state::CONTRACTS_ACTIVE_MAX", delivery::state::CONTRACTS_ACTIVE_MAX as u128),
            ("delivery::state::CONTRACT_DAYS_MAX", delivery::state::CONTRACT_DAYS_MAX as u128),
            ("delivery::state::SILENT_WINDOWS_MAX", delivery::state::SILENT_WINDOWS_MAX as u128),
            ("oracle::state::FEEDERS_MAX", oracle::state::FEEDERS_MAX as u128),
            ("oracle::state::FEED_NAME_BYTES_MAX", oracle::state::FEED_NAME_BYTES_MAX as u128),
            ("oracle::state::RECENT_TIPS_MAX", oracle::state::RECENT_TIPS_MAX as u128),
            ("oracle::state::TIP_TIME_SKEW_S_MAX", oracle::state::TIP_TIME_SKEW_S_MAX as u128),
            ("device::state::SEEN_REPORTS_KEPT", device::state::SEEN_REPORTS_KEPT as u128),
            ("device::challenge::CHALLENGES_OPEN_MAX", device::challenge::CHALLENGES_OPEN_MAX as u128),
            (
                "device::challenge::ROW_CHOICES_PER_BLOCK_MAX",
                device::challenge::ROW_CHOICES_PER_BLOCK_MAX as u128,
            ),
            (
                "device::challenge::CHALLENGE_EXPIRIES_PER_BLOCK_MAX",
                device::challenge::CHALLENGE_EXPIRIES_PER_BLOCK_MAX as u128,
            ),
            (
                "device::roster::AUTO_EXAMINED_PER_BLOCK_MAX",
                device::roster::AUTO_EXAMINED_PER_BLOCK_MAX as u128,
            ),
            ("device::challenge::CHALLENGE_MODELS_MAX", device::challenge::CHALLENGE_MODELS_MAX as u128),
            (
                "device::challenge::ROWS_CHECKED_PER_BLOCK_MAX",
                device::challenge::ROWS_CHECKED_PER_BLOCK_MAX as u128,
            ),
            (
                "device::attestation::ATTESTATION_LAPSES_PER_BLOCK_MAX",
                device::attestation::ATTESTATION_LAPSES_PER_BLOCK_MAX as u128,
            ),
            ("shares::exec::VAULT_TITLES_MAX", shares::exec::VAULT_TITLES_MAX as u128),
            (
                "capacity::state::RESERVATIONS_PER_TITLE_MAX",
                capacity::state::RESERVATIONS_PER_TITLE_MAX as u128,
            ),
            ("capacity::state::TOKENS_LIVE_MAX", capacity::state::TOKENS_LIVE_MAX as u128),
            ("capacity::state::EXPIRIES_PER_BLOCK_MAX", capacity::state::EXPIRIES_PER_BLOCK_MAX as u128),
            ("capacity::state::WINDOW_HOURS_MAX", capacity::state::WINDOW_HOURS_MAX as u128),
            ("valuation::math::VALUATION_MONTHS_MAX", valuation::math::VALUATION_MONTHS_MAX as u128),
            ("valuation::math::ROOT_BISECTION_STEPS_MAX", valuation::math::ROOT_BISECTION_STEPS_MAX as u128),
            (
                "valuation::math::DIFFICULTY_GROWTH_BPS_MONTH_MAX",
                valuation::math::DIFFICULTY_GROWTH_BPS_MONTH_MAX as u128,
            ),
            ("valuation::math::DISCOUNT_BPS_YEAR_MAX", valuation::math::DISCOUNT_BPS_YEAR_MAX as u128),
            ("valuation::math::SHOCK_CHANGE_BPS_MAX", valuation::math::SHOCK_CHANGE_BPS_MAX as u128),
        ];
        for (name, value) in limits {
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
