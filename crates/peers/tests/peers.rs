//! The peer comparison: the hand-assembled ERC-20 behaves as a token, and both sides of the
//! benchmark run every transfer they count.

use computefi_peers::asm::{op, Asm, AsmError};
use computefi_peers::revm_peer::{self, World, TOKEN_BALANCE};
use computefi_peers::{computefi_run, erc20, median, run, Workload};
use revm::context::result::ExecutionResult;
use revm::primitives::{Address, B256, U256};

fn transfer(w: &mut World, from: usize, nonce: u64, to: Address, amount: U256) -> ExecutionResult {
    let tx = revm_peer::token_call(w.holders[from], nonce, erc20::transfer_call(to, amount)).unwrap();
    revm_peer::execute(w, tx).unwrap()
}

fn balance(w: &mut World, i: usize) -> U256 {
    let h = w.holders[i];
    revm_peer::balance_of(w, h).unwrap()
}

fn word(v: u64) -> Vec<u8> {
    U256::from(v).to_be_bytes::<32>().to_vec()
}

#[test]
fn selectors_are_those_of_the_erc20_standard() {
    assert_eq!(erc20::selector("transfer(address,uint256)"), [0xa9, 0x05, 0x9c, 0xbb]);
    assert_eq!(erc20::selector("balanceOf(address)"), [0x70, 0xa0, 0x82, 0x31]);
}

#[test]
fn assembler_fills_labels_with_their_jumpdest_and_pushes_the_shortest_form() {
    let mut a = Asm::new();
    a.push(&[0, 0, 7]).push(&[0, 0]).jump_if("end").ops(&[op::STOP]).label("end");
    let code = a.assemble().unwrap();
    // PUSH1 7, PUSH1 0, PUSH2 0x0009, JUMPI, STOP, JUMPDEST (at offset 9)
    assert_eq!(code, vec![0x60, 7, 0x60, 0, 0x61, 0x00, 0x09, 0x57, 0x00, 0x5b]);
}

#[test]
fn assembler_refuses_an_unknown_or_duplicate_label() {
    let mut a = Asm::new();
    a.jump_if("nowhere");
    assert_eq!(a.assemble(), Err(AsmError::UnknownLabel("nowhere")));
    let mut b = Asm::new();
    b.label("x").label("x");
    assert_eq!(b.assemble(), Err(AsmError::DuplicateLabel("x")));
}

#[test]
fn balance_of_reads_the_prebuilt_balance_and_a_transfer_moves_it_with_one_event() {
    let mut w = revm_peer::world(3).unwrap();
    assert_eq!(balance(&mut w, 0), U256::from(TOKEN_BALANCE));
    assert_eq!(balance(&mut w, 1), U256::from(TOKEN_BALANCE));
    let to = w.holders[1];
    let result = transfer(&mut w, 0, 0, to, U256::from(5));
    assert!(result.is_success(), "{result:?}");
    assert_eq!(result.output().map(|o| o.to_vec()), Some(word(1)), "transfer returns true");
    let logs = result.logs();
    assert_eq!(logs.len(), 1);
    let topics = logs[0].data.topics();
    assert_eq!(topics[0], erc20::transfer_topic());
    assert_eq!(topics[1], B256::left_padding_from(w.holders[0].as_slice()));
    assert_eq!(topics[2], B256::left_padding_from(to.as_slice()));
    assert_eq!(logs[0].data.data.to_vec(), word(5));
    assert_eq!(balance(&mut w, 0), U256::from(TOKEN_BALANCE - 5));
    assert_eq!(balance(&mut w, 1), U256::from(TOKEN_BALANCE + 5));
    assert_eq!(balance(&mut w, 2), U256::from(TOKEN_BALANCE));
}

#[test]
fn a_transfer_of_more_than_the_balance_reverts_and_moves_nothing() {
    let mut w = revm_peer::world(2).unwrap();
    let to = w.holders[1];
    let result = transfer(&mut w, 0, 0, to, U256::from(TOKEN_BALANCE + 1));
    assert!(matches!(result, ExecutionResult::Revert { .. }), "{result:?}");
    assert_eq!(balance(&mut w, 0), U256::from(TOKEN_BALANCE));
    assert_eq!(balance(&mut w, 1), U256::from(TOKEN_BALANCE));
    // The whole balance may go (the check is strictly "more than").
    assert!(transfer(&mut w, 0, 1, to, U256::from(TOKEN_BALANCE)).is_success());
    assert_eq!(balance(&mut w, 0), U256::ZERO);
    assert_eq!(balance(&mut w, 1), U256::from(2 * TOKEN_BALANCE));
}

#[test]
fn a_transfer_to_oneself_leaves_the_balance_unchanged() {
    let mut w = revm_peer::world(2).unwrap();
    let me = w.holders[0];
    assert!(transfer(&mut w, 0, 0, me, U256::from(7)).is_success());
    assert_eq!(balance(&mut w, 0), U256::from(TOKEN_BALANCE));
}

#[test]
fn unknown_selectors_short_calldata_dirty_addresses_and_value_revert() {
    let mut w = revm_peer::world(2).unwrap();
    let to = w.holders[1];
    let full = erc20::transfer_call(to, U256::from(1));
    let mut dirty = full.clone();
    dirty[4] = 1; // an upper byte of the address word
    let cases = [vec![0xde, 0xad, 0xbe, 0xef], full[..full.len() - 1].to_vec(), dirty, Vec::new()];
    let from = w.holders[0];
    for (nonce, data) in cases.into_iter().enumerate() {
        let tx = revm_peer::token_call(from, nonce as u64, data.clone()).unwrap();
        let result = revm_peer::execute(&mut w, tx).unwrap();
        assert!(matches!(result, ExecutionResult::Revert { .. }), "{data:02x?}: {result:?}");
    }
    let mut paying = revm_peer::token_call(from, 4, full).unwrap();
    paying.value = U256::from(1);
    assert!(matches!(revm_peer::execute(&mut w, paying).unwrap(), ExecutionResult::Revert { .. }));
    assert_eq!(balance(&mut w, 1), U256::from(TOKEN_BALANCE));
}

#[test]
fn the_revm_workload_runs_every_transfer_and_rounds_leave_balances_as_they_were() {
    let mut w = revm_peer::world(4).unwrap();
    let txs = revm_peer::transfers(&w.holders, 3).unwrap();
    assert_eq!(txs.len(), 12);
    for tx in txs {
        assert!(revm_peer::execute(&mut w, tx).unwrap().is_success());
    }
    for i in 0..4 {
        assert_eq!(balance(&mut w, i), U256::from(TOKEN_BALANCE));
    }
    let run = revm_peer::measure(4, 3).unwrap();
    assert!(run.per_s > 0.0);
    // 21,000 intrinsic gas plus the call: two storage writes at least.
    assert!(run.gas_per_transfer > 21_000 + 2 * 2_900, "{run:?}");
}

#[test]
fn the_computefi_workload_commits_every_transfer() {
    let keys: Vec<_> = (0..4).map(computefi_run::key).collect();
    let txs = computefi_run::transfers(&keys, 3);
    let dir = tempfile::tempdir().unwrap();
    let t = computefi_run::measure(dir.path(), &keys, txs, 5).unwrap();
    assert_eq!(t.transfers, 12);
    assert!(t.execute_per_s() >= t.execute_commit_per_s() && t.execute_commit_per_s() > 0.0);
}

#[test]
fn the_report_carries_both_sides_the_ratios_and_what_each_figure_includes() {
    let w = Workload { accounts: 3, txs: 5, block_txs: 4, repetitions: 2 };
    let report = run(w, |_| {}).unwrap();
    assert_eq!(report["workload"]["transfers"], 6, "rounded up to whole rounds");
    for k in [
        "revm_erc20_transfers_per_s",
        "computefi_transfers_per_s_execute_root_commit",
        "computefi_transfers_per_s_execute_root",
    ] {
        assert!(report[k].as_u64().unwrap() > 0, "{k}");
        assert!(report["what_each_includes"][k].as_str().is_some(), "{k}");
        assert_eq!(report["samples"][k].as_array().unwrap().len(), 2, "{k}");
    }
    assert!(report["ratios"]["computefi_execute_root_commit_to_revm"].as_f64().unwrap() > 0.0);
    assert!(report["ratios"]["computefi_execute_root_to_revm"].as_f64().unwrap() > 0.0);
    assert!(computefi_peers::human(&report).contains("of revm"));
}

#[test]
fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
    assert_eq!(median(&[4.0, 1.0, 3.0]), 3.0);
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    assert_eq!(median(&[]), 0.0);
}

#[test]
fn the_revm_version_in_the_report_is_the_one_cargo_toml_requires() {
    let manifest = include_str!("../Cargo.toml");
    let wanted = format!("revm = {{ version = \"{}\"", computefi_peers::REVM_VERSION);
    assert!(manifest.contains(&wanted), "Cargo.toml does not require {wanted}");
}
