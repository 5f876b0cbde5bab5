//! Whole-block tests of the ledger through `TestChain`: the real app and store, consensus mocked.
//! One test binary; the spine (identity, titles, shares, revenue) lives in its own module.

mod amm;
mod attestation;
mod busy;
mod carbon;
mod challenges;
mod gov;
mod green;
mod liquidation;
mod live;
mod loans;
mod market;
mod passes;
mod reports;
mod reserve;
mod shares;
mod sim;
mod spine;
mod status;
mod valuation;
mod vault;

use computefi_testkit::fixtures::{alice, bob, carol, cfi, issue};
use computefi_testkit::{msgs, refused_tx, TestAccount, TestChain, FEE, GENESIS_BALANCE};
use computefi_types::{limits, Amount, AssetId, ErrorCode, Msg, SignedTx, Tx};
use proptest::prelude::*;

/// Creates asset `symbol` issued by alice and returns its id.
fn create_asset(chain: &mut TestChain, symbol: &str, max_supply: Option<u128>) -> AssetId {
    let tx = chain.tx(&alice(), vec![msgs::create(symbol, 6, max_supply)]);
    chain.deliver(tx).expect("asset is created");
    AssetId::derive(&alice().address, symbol)
}

#[test]
fn a_send_moves_the_amount_and_charges_the_fee_to_the_sender() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 500)]);
    let receipt = chain.deliver(tx).unwrap();
    assert_eq!(receipt.height, 1);
    assert_eq!(chain.native_balance(&alice().address), Amount(GENESIS_BALANCE.0 - 500 - FEE.0));
    assert_eq!(chain.native_balance(&bob().address), Amount(GENESIS_BALANCE.0 + 500));
    assert_eq!(chain.native_balance(&computefi_app::modules::bank::fee_collector()), FEE);
    let transfer = receipt.events.iter().find(|e| e.kind == "bank.transfer").expect("a transfer event");
    assert_eq!(transfer.attr("amount"), Some("500"));
    assert_eq!(chain.app().next_nonce(&alice().address).unwrap(), 1);
}

#[test]
fn a_multi_send_pays_every_output_in_one_transaction() {
    let mut chain = TestChain::new();
    let tx = chain.tx(
        &alice(),
        vec![msgs::multi_send(&[(&bob().address, &cfi(), 10), (&carol().address, &cfi(), 20)])],
    );
    let receipt = chain.deliver(tx).unwrap();
    assert_eq!(receipt.events.iter().filter(|e| e.kind == "bank.transfer").count(), 2);
    assert_eq!(chain.native_balance(&bob().address), Amount(GENESIS_BALANCE.0 + 10));
    assert_eq!(chain.native_balance(&carol().address), Amount(GENESIS_BALANCE.0 + 20));
}

#[test]
fn messages_of_one_transaction_are_all_or_nothing() {
    let mut chain = TestChain::new();
    let too_much = GENESIS_BALANCE.0 * 2;
    let tx = chain.tx(
        &alice(),
        vec![msgs::send(&bob().address, &cfi(), 5), msgs::send(&carol().address, &cfi(), too_much)],
    );
    let err = refused_tx(&mut chain, tx, ErrorCode::InsufficientBalance);
    assert_eq!(err.msg_index, Some(1), "the error names the failing message");
    assert_eq!(chain.native_balance(&bob().address), GENESIS_BALANCE, "the first send was undone too");
    assert_eq!(chain.app().next_nonce(&alice().address).unwrap(), 0, "no nonce was used");
}

#[test]
fn the_issuer_creates_mints_and_burns_an_asset_and_supply_follows() {
    let mut chain = TestChain::new();
    let gpu = create_asset(&mut chain, "GPUX", Some(1_000));
    let tx = chain
        .tx(&alice(), vec![msgs::mint(&gpu, &bob().address, 300), msgs::mint(&gpu, &alice().address, 200)]);
    chain.deliver(tx).unwrap();
    assert_eq!(chain.supply(&gpu), Amount(500));
    assert_eq!(chain.balance(&bob().address, &gpu), Amount(300));
    let tx = chain.tx(&alice(), vec![msgs::burn(&gpu, 150)]);
    let receipt = chain.deliver(tx).unwrap();
    assert_eq!(receipt.events[1].kind, "assets.burned");
    assert_eq!(chain.supply(&gpu), Amount(350));
    assert_eq!(chain.balance(&alice().address, &gpu), Amount(50));
    let info = chain.app().asset(&gpu).unwrap().unwrap();
    assert_eq!(
        (info.symbol.as_str(), info.issuer, info.max_supply),
        ("GPUX", alice().address, Some(Amount(1_000)))
    );
}

#[test]
fn an_account_lists_only_what_it_holds_with_its_next_nonce() {
    let mut chain = TestChain::new();
    let gpu = issue(&mut chain, &alice(), "GPUX", 6, &[(bob().address, 7)]);
    let view = chain.app().account(&bob().address).unwrap();
    assert_eq!(view.next_nonce, 0);
    assert_eq!(view.balances.len(), 2);
    assert!(view.balances.iter().any(|b| b.asset == gpu && b.amount == Amount(7)));
    let stranger = chain.app().account(&TestAccount::named("nobody").address).unwrap();
    assert!(stranger.balances.is_empty());
}

#[test]
fn several_transactions_of_one_account_run_in_nonce_order_in_one_block() {
    let mut chain = TestChain::new();
    let txs: Vec<_> =
        (0..5).map(|_| chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 1)])).collect();
    let out = chain.produce(txs);
    assert_eq!(out.receipts.len(), 5);
    assert!(out.rejected.is_empty());
    assert_eq!(chain.app().next_nonce(&alice().address).unwrap(), 5);
    assert_eq!(out.block.txs.len(), 5);
}

#[test]
fn a_block_holds_only_the_transactions_that_succeed() {
    let mut chain = TestChain::new();
    let good = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 1)]);
    let bad = chain.tx_with(&bob(), 9, FEE, vec![msgs::send(&alice().address, &cfi(), 1)]);
    let out = chain.produce(vec![bad.clone(), good.clone()]);
    assert_eq!(out.block.txs, vec![good]);
    assert_eq!(out.rejected.len(), 1);
    assert_eq!(out.rejected[0].0, bad.hash());
    assert!(out.rejected[0].1.is(ErrorCode::NonceFuture));
}

#[test]
fn a_peer_block_with_a_refused_transaction_or_a_wrong_app_hash_is_invalid() {
    let mut chain = TestChain::new();
    let mut twin = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 1)]);
    let block = chain.produce(vec![tx]).block;

    let mut forged = block.clone();
    forged.header.app_hash = computefi_types::sha256(b"another state");
    assert!(twin.apply(&forged).is_err(), "a wrong app hash is refused");

    let mut replay = block.clone();
    replay.txs.push(block.txs[0].clone());
    replay.header.txs_hash = computefi_types::Block::txs_hash_of(&replay.txs);
    assert!(twin.apply(&replay).is_err(), "a block holding a replayed transaction is refused");

    let root = twin.app_hash();
    twin.apply(&block).expect("the honest block applies");
    assert_ne!(twin.app_hash(), root);
    assert_eq!(twin.app_hash(), chain.app_hash());
}

#[test]
fn the_same_blocks_on_two_fresh_stores_give_the_same_app_hash_at_every_height() {
    let mut a = TestChain::new();
    let mut b = TestChain::new();
    assert_eq!(a.app_hash(), b.app_hash(), "genesis roots agree");
    let gpu = AssetId::derive(&alice().address, "GPUX");
    let plan: Vec<Vec<Msg>> = vec![
        vec![msgs::create("GPUX", 2, Some(10_000))],
        vec![msgs::mint(&gpu, &bob().address, 4_000)],
        vec![msgs::send(&carol().address, &cfi(), 77)],
        vec![msgs::burn(&gpu, 1)],
    ];
    for msgs in plan {
        let tx = a.tx(&alice(), msgs);
        let block = a.produce(vec![tx]).block;
        b.apply(&block).expect("the block applies on the second store");
        assert_eq!(a.app_hash(), b.app_hash(), "roots agree at height {}", a.height());
        assert_eq!(block.header.app_hash, a.app_hash(), "the header carries the root after the block");
    }
}

#[test]
fn a_restart_resumes_at_the_same_height_and_app_hash() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 42)]);
    chain.deliver(tx).unwrap();
    let (height, root) = (chain.height(), chain.app_hash());
    let mut chain = chain.restart();
    assert_eq!((chain.height(), chain.app_hash()), (height, root));
    assert_eq!(chain.native_balance(&bob().address), Amount(GENESIS_BALANCE.0 + 42));
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 1)]);
    chain.deliver(tx).expect("the chain goes on after a restart");
}

#[test]
fn a_state_proof_verifies_against_the_block_app_hash_and_fails_when_tampered() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 3)]);
    let receipt = chain.deliver(tx).unwrap();
    let header = chain.app().block(receipt.height).unwrap().unwrap().block.header;
    let key = computefi_app::modules::bank::state::balance_key(&bob().address, &cfi());
    let proof = chain.app().prove(&key, Some(receipt.height)).unwrap();
    assert_eq!(proof.value, Some(borsh::to_vec(&Amount(GENESIS_BALANCE.0 + 3)).unwrap()));
    computefi_store::verify_proof(&proof, &header.app_hash.0).expect("inclusion proof verifies");

    let mut tampered = proof.clone();
    tampered.value = Some(borsh::to_vec(&Amount(1)).unwrap());
    assert!(computefi_store::verify_proof(&tampered, &header.app_hash.0).is_err());

    let absent = chain.app().prove("bank/balance/nobody", Some(receipt.height)).unwrap();
    assert_eq!(absent.value, None);
    computefi_store::verify_proof(&absent, &header.app_hash.0).expect("exclusion proof verifies");
}

// ---- bad input: a stable code, and nothing changes ----

#[test]
fn malformed_bytes_are_refused_as_malformed() {
    let err = SignedTx::decode(&[1, 2, 3, 4]).unwrap_err();
    assert!(err.is(ErrorCode::MalformedTx), "{err}");
    let mut chain = TestChain::new();
    let mut bytes = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 1)]).to_bytes();
    bytes.push(0);
    assert!(SignedTx::decode(&bytes).unwrap_err().is(ErrorCode::MalformedTx), "trailing bytes are refused");
}

#[test]
fn an_oversize_transaction_is_refused_before_decoding() {
    let err = SignedTx::decode(&vec![0u8; limits::TX_BYTES_MAX + 1]).unwrap_err();
    assert!(err.is(ErrorCode::TxTooLarge));
}

#[test]
fn a_transaction_with_too_many_messages_is_refused() {
    let mut chain = TestChain::new();
    let many = vec![msgs::send(&bob().address, &cfi(), 1); limits::TX_MSGS_MAX + 1];
    let tx = chain.tx(&alice(), many);
    refused_tx(&mut chain, tx, ErrorCode::TxFieldTooLarge);
}

#[test]
fn an_empty_transaction_is_refused() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![]);
    refused_tx(&mut chain, tx, ErrorCode::EmptyTx);
}

#[test]
fn a_tampered_signature_is_refused_and_no_balance_moves() {
    let mut chain = TestChain::new();
    let mut tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 100)]);
    tx.signature[10] ^= 0x01;
    let err = refused_tx(&mut chain, tx, ErrorCode::InvalidSignature);
    assert!(err.message.contains("signature"));
    assert_eq!(chain.native_balance(&bob().address), GENESIS_BALANCE);
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 100)]);
    let forged = tx.tx.clone().sign(&bob().key);
    refused_tx(&mut chain, forged, ErrorCode::InvalidSignature);
}

#[test]
fn a_missing_signature_is_refused() {
    let mut chain = TestChain::new();
    let mut tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 100)]);
    tx.signature = [0; 64];
    refused_tx(&mut chain, tx, ErrorCode::InvalidSignature);
}

#[test]
fn a_transaction_for_another_chain_is_refused() {
    let mut chain = TestChain::new();
    let tx = Tx {
        chain_id: "another-chain".into(),
        signer: alice().public_key(),
        nonce: 0,
        fee: FEE,
        msgs: vec![msgs::send(&bob().address, &cfi(), 1)],
        memo: String::new(),
    }
    .sign(&alice().key);
    refused_tx(&mut chain, tx, ErrorCode::WrongChainId);
}

#[test]
fn a_reused_nonce_is_refused() {
    let mut chain = TestChain::new();
    let first = chain.tx_with(&alice(), 0, FEE, vec![msgs::send(&bob().address, &cfi(), 1)]);
    chain.deliver(first).unwrap();
    let again = chain.tx_with(&alice(), 0, FEE, vec![msgs::send(&bob().address, &cfi(), 2)]);
    refused_tx(&mut chain, again, ErrorCode::NonceReused);
}

#[test]
fn the_same_transaction_twice_runs_once() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 1)]);
    chain.deliver(tx.clone()).unwrap();
    refused_tx(&mut chain, tx, ErrorCode::NonceReused);
    assert_eq!(chain.native_balance(&bob().address), Amount(GENESIS_BALANCE.0 + 1));
}

#[test]
fn a_future_nonce_is_refused() {
    let mut chain = TestChain::new();
    let tx = chain.tx_with(&alice(), 3, FEE, vec![msgs::send(&bob().address, &cfi(), 1)]);
    refused_tx(&mut chain, tx, ErrorCode::NonceFuture);
}

#[test]
fn a_send_of_an_unknown_asset_is_refused() {
    let mut chain = TestChain::new();
    let ghost = AssetId::derive(&alice().address, "GHOST");
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &ghost, 1)]);
    refused_tx(&mut chain, tx, ErrorCode::UnknownAsset);
}

#[test]
fn a_send_beyond_the_balance_is_refused() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), GENESIS_BALANCE.0)]);
    refused_tx(&mut chain, tx, ErrorCode::InsufficientBalance);
}

#[test]
fn a_signer_without_cfi_for_the_fee_is_refused() {
    let mut chain = TestChain::new();
    let poor = TestAccount::named("poor");
    let tx = chain.tx(&poor, vec![msgs::send(&bob().address, &cfi(), 1)]);
    refused_tx(&mut chain, tx, ErrorCode::InsufficientFee);
}

#[test]
fn a_fee_below_the_minimum_is_refused() {
    let mut chain = TestChain::new();
    let tx = chain.tx_with(&alice(), 0, Amount(FEE.0 - 1), vec![msgs::send(&bob().address, &cfi(), 1)]);
    refused_tx(&mut chain, tx, ErrorCode::FeeTooLow);
}

#[test]
fn a_mint_that_overflows_a_balance_is_refused() {
    let mut chain = TestChain::new();
    let gpu = issue(&mut chain, &alice(), "GPUX", 6, &[(bob().address, u128::MAX)]);
    let tx = chain.tx(&alice(), vec![msgs::mint(&gpu, &bob().address, 1)]);
    refused_tx(&mut chain, tx, ErrorCode::AmountOverflow);
}

#[test]
fn a_mint_by_anyone_but_the_issuer_is_refused() {
    let mut chain = TestChain::new();
    let gpu = create_asset(&mut chain, "GPUX", None);
    let tx = chain.tx(&bob(), vec![msgs::mint(&gpu, &bob().address, 1)]);
    let err = refused_tx(&mut chain, tx, ErrorCode::NotIssuer);
    assert!(err.detail.contains(&alice().address.to_string()), "the detail names the issuer");
}

#[test]
fn a_burn_by_anyone_but_the_issuer_is_refused() {
    let mut chain = TestChain::new();
    let gpu = issue(&mut chain, &alice(), "GPUX", 6, &[(bob().address, 10)]);
    let tx = chain.tx(&bob(), vec![msgs::burn(&gpu, 1)]);
    refused_tx(&mut chain, tx, ErrorCode::NotIssuer);
}

#[test]
fn transfer_rules_or_a_freeze_by_anyone_but_the_issuer_are_refused_with_a_message_that_says_so() {
    use computefi_types::{compliance::TransferRules, ComplianceMsg};
    let mut chain = TestChain::new();
    let gpu = create_asset(&mut chain, "GPUX", None);
    let rules = ComplianceMsg::SetRules { asset: gpu, rules: TransferRules::default() };
    let freeze = ComplianceMsg::Freeze { asset: gpu, account: None };
    for (msg, what) in [(rules, "set its transfer rules"), (freeze, "freeze")] {
        let tx = chain.tx(&bob(), vec![Msg::Compliance(msg)]);
        let err = refused_tx(&mut chain, tx, ErrorCode::NotIssuer);
        assert!(err.message.contains(what), "{}", err.message);
        assert!(err.detail.contains(&alice().address.to_string()), "the detail names the issuer");
    }
}

#[test]
fn a_mint_past_max_supply_is_refused() {
    let mut chain = TestChain::new();
    let gpu = create_asset(&mut chain, "GPUX", Some(100));
    let tx = chain.tx(&alice(), vec![msgs::mint(&gpu, &bob().address, 101)]);
    refused_tx(&mut chain, tx, ErrorCode::MaxSupplyExceeded);
    let tx = chain.tx(&alice(), vec![msgs::mint(&gpu, &bob().address, 100)]);
    chain.deliver(tx).expect("exactly the max supply may be minted");
}

#[test]
fn the_native_token_cannot_be_minted() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::mint(&cfi(), &alice().address, 1)]);
    refused_tx(&mut chain, tx, ErrorCode::NotIssuer);
}

#[test]
fn a_zero_amount_is_refused() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 0)]);
    refused_tx(&mut chain, tx, ErrorCode::ZeroAmount);
}

#[test]
fn a_send_to_oneself_is_refused() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&alice().address, &cfi(), 1)]);
    refused_tx(&mut chain, tx, ErrorCode::SelfTransfer);
}

#[test]
fn an_asset_symbol_cannot_be_created_twice_by_one_issuer() {
    let mut chain = TestChain::new();
    create_asset(&mut chain, "GPUX", None);
    let tx = chain.tx(&alice(), vec![msgs::create("GPUX", 6, None)]);
    refused_tx(&mut chain, tx, ErrorCode::AssetExists);
}

#[test]
fn badly_formed_asset_parameters_are_refused() {
    let mut chain = TestChain::new();
    for (msg, code) in [
        (msgs::create("gpu", 6, None), ErrorCode::InvalidSymbol),
        (msgs::create("CFI", 6, None), ErrorCode::InvalidSymbol),
        (msgs::create("X", 6, None), ErrorCode::InvalidSymbol),
        (msgs::create("GPUX", 19, None), ErrorCode::InvalidDecimals),
        (msgs::create("GPUX", 6, Some(0)), ErrorCode::InvalidMaxSupply),
    ] {
        let tx = chain.tx(&alice(), vec![msg]);
        refused_tx(&mut chain, tx, code);
    }
}

#[test]
fn unknown_json_fields_are_refused() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 1)]);
    let mut json: serde_json::Value = serde_json::to_value(&tx).unwrap();
    json["tx"]["surprise"] = serde_json::json!(1);
    let err = SignedTx::decode_json(&json.to_string()).unwrap_err();
    assert!(err.is(ErrorCode::MalformedTx));
    assert!(err.detail.contains("surprise"), "the error names the field: {err}");
    let mut json: serde_json::Value = serde_json::to_value(&tx).unwrap();
    json["tx"]["msgs"][0]["msg"]["send"]["memo"] = serde_json::json!("x");
    assert!(SignedTx::decode_json(&json.to_string()).unwrap_err().is(ErrorCode::MalformedTx));
    let round = SignedTx::decode_json(&serde_json::to_string(&tx).unwrap()).unwrap();
    assert_eq!(round, tx, "the JSON form round-trips");
}

#[test]
fn non_numeric_amounts_are_refused() {
    let mut chain = TestChain::new();
    let tx = chain.tx(&alice(), vec![msgs::send(&bob().address, &cfi(), 1)]);
    for bad in
        [serde_json::json!("1e3"), serde_json::json!("-5"), serde_json::json!(12), serde_json::json!("12.5")]
    {
        let mut json: serde_json::Value = serde_json::to_value(&tx).unwrap();
        json["tx"]["msgs"][0]["msg"]["send"]["amount"] = bad.clone();
        let err = SignedTx::decode_json(&json.to_string()).unwrap_err();
        assert!(err.is(ErrorCode::MalformedTx), "{bad} must be refused");
    }
}

// ---- conservation laws ----

#[derive(Clone, Debug)]
enum Op {
    Send { from: usize, to: usize, native: bool, amount: u128 },
    Mint { to: usize, amount: u128 },
    Burn { amount: u128 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..3usize, any::<bool>(), 0..2_000u128).prop_map(|(from, to, native, amount)| Op::Send {
            from,
            to,
            native,
            amount
        }),
        (0..3usize, 0..5_000u128).prop_map(|(to, amount)| Op::Mint { to, amount }),
        (0..3_000u128).prop_map(|amount| Op::Burn { amount }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Sends, mints and burns in random order: total supply changes only by what was minted or
    /// burned, the recorded supply equals the sum of balances, and no balance goes negative.
    #[test]
    fn supply_changes_only_by_mint_and_burn(ops in prop::collection::vec(op(), 1..40), per_block in 1..6usize) {
        let mut chain = TestChain::new();
        let people = [alice(), bob(), carol()];
        let gpu = create_asset(&mut chain, "GPUX", Some(60_000));
        let native_total = chain.supply(&cfi());
        let mut expected_gpu: u128 = 0;
        for chunk in ops.chunks(per_block) {
            let txs: Vec<_> = chunk.iter().map(|op| match op {
                Op::Send { from, to, native, amount } => {
                    let asset = if *native { cfi() } else { gpu };
                    let to = people[*to].address;
                    chain.tx(&people[*from], vec![msgs::send(&to, &asset, *amount)])
                }
                Op::Mint { to, amount } => { let to = people[*to].address; chain.tx(&alice(), vec![msgs::mint(&gpu, &to, *amount)]) }
                Op::Burn { amount } => chain.tx(&alice(), vec![msgs::burn(&gpu, *amount)]),
            }).collect();
            let out = chain.produce(txs);
            for receipt in &out.receipts {
                for e in &receipt.events {
                    let amount: u128 = e.attr("amount").map(|a| a.parse().unwrap()).unwrap_or(0);
                    match e.kind.as_str() {
                        "assets.minted" => expected_gpu += amount,
                        "assets.burned" => expected_gpu -= amount,
                        _ => {}
                    }
                }
            }
            // Nonces were counted for rejected transactions too: re-sync with the chain.
            let sum = |asset: &AssetId| -> u128 {
                let mut holders: Vec<_> = people.iter().map(|p| p.address).collect();
                holders.extend(
                    [computefi_testkit::issuer(), computefi_testkit::auditor(), computefi_testkit::attestor(), computefi_testkit::minter()]
                        .map(|a| a.address),
                );
                holders.push(computefi_app::modules::bank::fee_collector());
                holders.iter().map(|h| chain.balance(h, asset).0).sum()
            };
            prop_assert_eq!(sum(&cfi()), native_total.0, "CFI is only moved, never created");
            prop_assert_eq!(chain.supply(&gpu).0, expected_gpu);
            prop_assert_eq!(sum(&gpu), expected_gpu, "recorded supply equals the sum of balances");
            prop_assert!(chain.supply(&gpu).0 <= 60_000);
        }
    }
}
