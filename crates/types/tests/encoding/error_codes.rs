//! Every error code's number and name, pinned: clients and scripts match on both, so neither is
//! ever renumbered, renamed or reused. Adding a code means adding its row here, on purpose.
//!
//! [`ErrorCode`], [`ErrorCode::ALL`] and [`ErrorCode::name`] come from one table in `error.rs`, so
//! `ALL` lists every variant; comparing `ALL` with the rows below covers the whole enum.

use computefi_types::ErrorCode;
use std::collections::{BTreeMap, BTreeSet};

/// (code, name) of every error code, by code.
const PINNED: &[(u32, &str)] = &[
    (1, "malformed_tx"),
    (2, "tx_too_large"),
    (3, "tx_field_too_large"),
    (4, "empty_tx"),
    (5, "wrong_chain_id"),
    (6, "invalid_signature"),
    (7, "nonce_reused"),
    (8, "nonce_future"),
    (9, "fee_too_low"),
    (10, "insufficient_fee"),
    (11, "mempool_full"),
    (12, "duplicate_tx"),
    (13, "node_unavailable"),
    (14, "account_txs_full"),
    (15, "pending_fees_uncovered"),
    (16, "mempool_fee_too_low"),
    (17, "tx_evicted"),
    (18, "tx_expired"),
    (20, "route_not_found"),
    (21, "not_found"),
    (22, "method_not_allowed"),
    (23, "body_too_large"),
    (24, "uri_too_long"),
    (25, "headers_too_large"),
    (26, "bad_query"),
    (27, "bad_path"),
    (28, "path_param_too_long"),
    (29, "bad_request"),
    (30, "internal"),
    (31, "request_timeout"),
    (32, "connections_full"),
    (33, "node_unreachable"),
    (34, "bad_node_answer"),
    (35, "command_failed"),
    (40, "invariant_broken"),
    (1001, "insufficient_balance"),
    (1002, "unknown_asset"),
    (1003, "zero_amount"),
    (1004, "self_transfer"),
    (1005, "amount_overflow"),
    (1006, "bad_outputs"),
    (2001, "asset_exists"),
    (2002, "not_issuer"),
    (2003, "max_supply_exceeded"),
    (2004, "invalid_symbol"),
    (2005, "invalid_decimals"),
    (2006, "invalid_name"),
    (2007, "invalid_max_supply"),
    (3001, "not_claim_issuer"),
    (3002, "invalid_claim"),
    (3003, "claim_expiry_past"),
    (3004, "claim_not_found"),
    (3101, "invalid_rules"),
    (3102, "asset_frozen"),
    (3103, "account_frozen"),
    (3104, "holders_max_exceeded"),
    (3105, "holding_max_exceeded"),
    (3106, "transfer_not_allowed"),
    (3107, "not_controller"),
    (3108, "not_frozen"),
    (3109, "force_from_module_account"),
    (4001, "unknown_title"),
    (4002, "invalid_title_spec"),
    (4003, "duplicate_serial"),
    (4004, "not_auditor"),
    (4005, "not_title_holder"),
    (4006, "not_operator"),
    (4007, "title_pledged"),
    (4008, "title_locked"),
    (4009, "title_ended"),
    (4010, "bad_status_change"),
    (4011, "not_lien_holder"),
    (4012, "title_not_verified"),
    (4013, "duplicate_coinbase_tag"),
    (4014, "status_by_evidence_only"),
    (4015, "title_has_reservations"),
    (4016, "title_not_active"),
    (4017, "pledge_to_module_account"),
    (5001, "zero_shares"),
    (5002, "bad_vault"),
    (5003, "not_a_vault"),
    (5004, "not_all_shares"),
    (6001, "costs_exceed_income"),
    (6002, "not_payer"),
    (6003, "nothing_to_claim"),
    (6004, "too_many_income_assets"),
    (7001, "unknown_device_key"),
    (7002, "invalid_report_signature"),
    (7003, "replayed_report"),
    (7004, "sequence_gap"),
    (7005, "broken_report_chain"),
    (7006, "stale_report"),
    (7007, "invalid_payload"),
    (7008, "duplicate_share"),
    (7009, "share_too_weak"),
    (7010, "challenge_pending"),
    (7011, "challenge_not_expired"),
    (7012, "unknown_challenge"),
    (7013, "not_offline"),
    (7014, "share_not_bound"),
    (7015, "stale_share"),
    (7016, "challenge_deadline_passed"),
    (7017, "rows_not_asked"),
    (7018, "rows_not_chosen"),
    (7019, "challenges_full"),
    (7020, "attestation_bound_elsewhere"),
    (7021, "attestation_invalid"),
    (7022, "attestation_nonce_stale"),
    (7023, "simulated_not_allowed"),
    (7024, "no_fresh_tip"),
    (7025, "share_time_out_of_window"),
    (7026, "attestation_pending"),
    (7101, "unknown_feed"),
    (7102, "not_feeder"),
    (8000, "same_asset"),
    (8001, "pool_exists"),
    (8002, "unknown_pool"),
    (8003, "zero_liquidity"),
    (8004, "slippage_exceeded"),
    (8005, "deadline_passed"),
    (8006, "bad_route"),
    (8007, "insufficient_liquidity"),
    (8008, "bad_fee"),
    (8100, "capacity_exceeded"),
    (8101, "bad_capacity_window"),
    (8102, "token_expired"),
    (8103, "not_capacity_token"),
    (8104, "not_provider"),
    (8105, "too_many_tokens"),
    (8106, "token_not_whole"),
    (8200, "bad_order"),
    (8201, "unknown_order"),
    (8202, "order_closed"),
    (8203, "bid_does_not_fit"),
    (8204, "too_many_bids"),
    (8205, "unknown_lease"),
    (8206, "not_lease_party"),
    (8207, "lease_closed"),
    (8208, "unknown_bid"),
    (8209, "too_many_leases"),
    (8210, "gpus_unavailable"),
    (8300, "bad_contract"),
    (8301, "unknown_contract"),
    (8302, "contract_not_offered"),
    (8303, "not_buyer"),
    (8304, "contracts_full"),
    (9000, "valuation_failed"),
    (9001, "not_valued"),
    (9002, "unknown_scenario"),
    (9100, "bad_loan_terms"),
    (9101, "unknown_loan"),
    (9102, "loan_offer_expired"),
    (9103, "loan_state"),
    (9104, "bad_tranche"),
    (9105, "ltv_too_high"),
    (9106, "collateral_unavailable"),
    (9107, "tranche_nothing_to_claim"),
    (9108, "not_borrower"),
    (9109, "loan_not_in_default"),
    (9200, "unknown_auction"),
    (9201, "auction_closed"),
    (9202, "bid_too_low"),
    (9203, "auctions_full"),
    (9300, "not_attestor"),
    (9301, "bad_reserve_report"),
    (9302, "reserves_exceeded"),
    (9303, "reserve_stale"),
    (9304, "not_minter"),
    (9400, "unknown_vault"),
    (9401, "bad_vault_terms"),
    (9402, "deposit_cap_exceeded"),
    (9403, "redeem_below_minimum"),
    (9404, "too_many_requests"),
    (9405, "window_not_reached"),
    (9406, "not_request_owner"),
    (9407, "outside_policy"),
    (9408, "not_vault_manager"),
    (9500, "meter_backwards"),
    (9501, "meter_too_soon"),
    (9502, "bad_issuance"),
    (9503, "already_issued"),
    (9504, "unknown_bundle"),
    (9505, "bundle_state"),
    (9506, "split_beyond_bundle"),
    (9507, "not_bundle_holder"),
    (9508, "zone_mismatch"),
    (9600, "not_registry_attestor"),
    (9601, "bad_credit_batch"),
    (9602, "serial_already_minted"),
    (9603, "serial_bucket_full"),
    (9604, "unknown_credit_batch"),
    (9605, "not_credit_holder"),
    (9606, "credit_batch_retired"),
    (9607, "bad_credit_quantity"),
    (9608, "not_offset_party"),
    (9609, "lease_already_offset"),
    (9610, "retirement_short"),
    (9700, "unknown_pass_series"),
    (9701, "bad_pass_expiry"),
    (9702, "shares_not_held"),
    (9703, "not_share_token"),
    (9704, "passes_full"),
    (9705, "lock_too_small"),
    (9706, "no_pass_income"),
    (9707, "series_not_expired"),
    (9800, "no_voting_power"),
    (9801, "bad_proposal"),
    (9802, "param_out_of_bounds"),
    (9803, "unknown_proposal"),
    (9804, "proposal_period_over"),
    (9805, "not_proposer"),
    (9806, "execution_too_early"),
    (9807, "deposit_too_small"),
    (9808, "governance_full"),
    (9809, "cannot_unlock"),
];

fn declared() -> BTreeMap<u32, &'static str> {
    ErrorCode::ALL.iter().map(|code| (code.code(), code.name())).collect()
}

#[test]
fn every_error_code_keeps_its_number_and_name() {
    let pinned: BTreeMap<u32, &str> = PINNED.iter().copied().collect();
    assert_eq!(pinned.len(), PINNED.len(), "a code is pinned twice");
    let declared = declared();
    for (code, name) in &pinned {
        assert_eq!(declared.get(code), Some(name), "code {code} ({name}) was renumbered, renamed or removed");
    }
    for (code, name) in &declared {
        assert_eq!(pinned.get(code), Some(name), "code {code} ({name}) is new: pin it here");
    }
}

#[test]
fn error_codes_and_names_are_unique_and_names_are_snake_case() {
    let codes: BTreeSet<u32> = ErrorCode::ALL.iter().map(|code| code.code()).collect();
    let names: BTreeSet<&str> = ErrorCode::ALL.iter().map(|code| code.name()).collect();
    assert_eq!(codes.len(), ErrorCode::ALL.len(), "two variants share a code");
    assert_eq!(names.len(), ErrorCode::ALL.len(), "two variants share a name");
    for name in names {
        let snake = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !name.ends_with('_')
            && !name.contains("__");
        assert!(snake, "{name:?} is not snake_case");
    }
}

#[test]
fn a_code_number_converts_back_to_its_code_and_no_other_number_does() {
    for &code in ErrorCode::ALL {
        assert_eq!(ErrorCode::from_code(code.code()), Some(code));
    }
    let declared = declared();
    let highest = declared.keys().max().copied().unwrap_or(0);
    for number in 0..=highest.saturating_add(1_000) {
        assert_eq!(ErrorCode::from_code(number).is_some(), declared.contains_key(&number), "code {number}");
    }
}
