//! Governable parameters: the bounds each module declares (its `GOVERNABLE` table), and setting
//! one parameter by its path. A value is a decimal integer (or `true`/`false` for a flag) within
//! its bounds; the parameters it leaves must still hold together (`genesis::validate_params`).
//! Parameters are set through their JSON form, which holds no floats: integers that serialise as
//! strings stay strings, numbers stay numbers, flags stay flags.

use crate::modules::{auctions, bank, device, green, loans, oracle, reserve, valuation};
use crate::params::{bound, ParamBound, Params};
use computefi_types::{ErrorCode, TxError};
use serde_json::Value;

/// The parameters of governance itself, with their bounds: a threshold below one half or a
/// voting period too short to vote in cannot be proposed.
pub const GOVERNABLE: &[ParamBound] = &[
    bound("gov.min_initial_deposit", 0, 1_000_000_000_000_000, "CFI base units"),
    bound("gov.min_deposit", 1, 1_000_000_000_000_000, "CFI base units"),
    bound("gov.deposit_period_ms", 10_000, 30 * 86_400_000, "ms"),
    bound("gov.voting_period_ms", 10_000, 30 * 86_400_000, "ms"),
    bound("gov.quorum_bps", 1, 10_000, "bps"),
    bound("gov.threshold_bps", 5_000, 10_000, "bps"),
    bound("gov.veto_bps", 1, 10_000, "bps"),
    bound("gov.execution_delay_ms", 0, 30 * 86_400_000, "ms"),
    bound("gov.unbonding_ms", 10_000, 60 * 86_400_000, "ms"),
    bound("gov.cancel_burn_bps", 0, 10_000, "bps"),
    bound("gov.validator_delay_blocks", 1, 100_000, "blocks"),
];

/// Every governable parameter, module by module, bottom layer first.
pub fn governable() -> impl Iterator<Item = &'static ParamBound> {
    [
        bank::GOVERNABLE,
        device::GOVERNABLE,
        green::GOVERNABLE,
        oracle::GOVERNABLE,
        valuation::GOVERNABLE,
        loans::GOVERNABLE,
        auctions::GOVERNABLE,
        reserve::GOVERNABLE,
        GOVERNABLE,
    ]
    .into_iter()
    .flatten()
}

fn refuse(code: ErrorCode, detail: String) -> TxError {
    TxError::new(code, detail)
}

/// `params` with the parameter at `path` set to `value`: `bad_proposal` for a path no module
/// declares or a value that is no integer or flag, `param_out_of_bounds` for a value outside its
/// bounds or parameters that no longer hold together.
pub fn apply(params: &Params, path: &str, value: &str) -> Result<Params, TxError> {
    let Some(b) = governable().find(|b| b.path == path) else {
        return Err(refuse(
            ErrorCode::BadProposal,
            format!("no governable parameter {path:?}: `computefi query gov-params` lists them"),
        ));
    };
    let number: u128 = match value {
        "true" => 1,
        "false" => 0,
        digits => digits.parse().map_err(|_| {
            refuse(
                ErrorCode::BadProposal,
                format!("{path} = {value:?}: give a decimal integer, or true or false"),
            )
        })?,
    };
    if number < b.min || number > b.max {
        return Err(refuse(
            ErrorCode::ParamOutOfBounds,
            format!("{path} = {number}: give {} to {} ({})", b.min, b.max, b.unit),
        ));
    }
    let internal = |why: String| refuse(ErrorCode::InvalidPayload, format!("{path}: {why}"));
    let mut json = serde_json::to_value(params).map_err(|e| internal(e.to_string()))?;
    let mut node = &mut json;
    for part in path.split('.') {
        node = node.get_mut(part).ok_or_else(|| internal("not in the parameters".into()))?;
    }
    *node = match node {
        Value::String(_) => Value::String(number.to_string()),
        Value::Bool(_) if number <= 1 => Value::Bool(number == 1),
        Value::Number(_) => Value::Number(
            u64::try_from(number).map_err(|_| internal(format!("{number} is not a 64-bit number")))?.into(),
        ),
        _ => return Err(internal("neither a number nor a flag".into())),
    };
    let next: Params = serde_json::from_value(json).map_err(|e| {
        refuse(ErrorCode::ParamOutOfBounds, format!("{path} = {number} does not fit the parameter: {e}"))
    })?;
    crate::genesis::validate_params(&next)
        .map_err(|why| refuse(ErrorCode::ParamOutOfBounds, format!("{path} = {number}: {why}")))?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_is_set_through_its_path_keeping_its_form() {
        let p = Params::default();
        let next = apply(&p, "green.pue_micro", "1200000").unwrap();
        assert_eq!(next.green.pue_micro, 1_200_000);
        assert_eq!(next.gov, p.gov, "nothing else moves");
        assert_eq!(apply(&p, "min_fee", "7").unwrap().min_fee.0, 7, "an amount (a string in JSON)");
        assert_eq!(apply(&p, "gov.voting_period_ms", "60000").unwrap().gov.voting_period_ms, 60_000);
        assert!(apply(&p, "allow_simulated_devices", "true").unwrap().allow_simulated_devices);
    }

    #[test]
    fn an_unknown_path_a_non_number_an_out_of_bounds_value_or_broken_parameters_are_refused() {
        let p = Params::default();
        let code = |path: &str, value: &str| apply(&p, path, value).unwrap_err().code;
        assert_eq!(code("green.nothing", "1"), ErrorCode::BadProposal.code());
        assert_eq!(code("vault.decimals_offset", "3"), ErrorCode::BadProposal.code(), "not governable");
        assert_eq!(code("green.pue_micro", "1.5"), ErrorCode::BadProposal.code());
        assert_eq!(code("green.pue_micro", "999999"), ErrorCode::ParamOutOfBounds.code());
        assert_eq!(code("gov.threshold_bps", "4999"), ErrorCode::ParamOutOfBounds.code());
        // Within its own bounds, but above the margin LTV the loans parameters hold it under.
        assert_eq!(code("loans.gpu_max_ltv_bps", "9999"), ErrorCode::ParamOutOfBounds.code());
    }

    #[test]
    fn every_declared_path_exists_in_the_parameters_and_its_bounds_hold_the_default() {
        let p = Params::default();
        let json = serde_json::to_value(&p).unwrap();
        for b in governable() {
            let mut node = &json;
            for part in b.path.split('.') {
                node = node.get(part).unwrap_or_else(|| panic!("{} is not in the parameters", b.path));
            }
            let now: u128 = match node {
                Value::String(s) => s.parse().unwrap(),
                Value::Number(n) => u128::from(n.as_u64().unwrap()),
                Value::Bool(f) => u128::from(*f),
                other => panic!("{}: {other}", b.path),
            };
            assert!(b.min <= now && now <= b.max, "{} = {now} outside {}..={}", b.path, b.min, b.max);
        }
    }
}
