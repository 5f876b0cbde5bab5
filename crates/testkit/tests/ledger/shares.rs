//! Mining shares of ASIC titles, on real mainnet headers: fresh tips, header-time windows, status
//! from share windows, coinbase tags, and the delivery contracts measured on them.

use computefi_testkit::fixtures::{
    activate_asic, asic_title, bob, difficulty_for, envelope, gpu_title, header, next_report, operator,
    prove_hashrate, register, report, shares, tip, verify, with_tip_feed, BLOCK_1, BLOCK_100000,
    BLOCK_100001, MAINNET_822528, MAINNET_822528_HEIGHT,
};
use computefi_testkit::{refused, run, TestChain};
use computefi_types::device::*;
use computefi_types::title::*;
use computefi_types::*;
use proptest::prelude::*;

/// Header time of `MAINNET_822528[i]`, s.
fn time_of(i: usize) -> u64 {
    u64::from(computefi_proofs::pow::Header::from_hex(MAINNET_822528[i]).unwrap().time())
}

/// Bitcoin height of `MAINNET_822528[i]`.
fn height_of(i: usize) -> u64 {
    MAINNET_822528_HEIGHT + i as u64
}

/// The `btc_tip` report of `MAINNET_822528[i]` at its height.
fn tip_of(i: usize) -> Msg {
    tip(height_of(i), MAINNET_822528[i])
}

/// A chain whose block time starts at the header time of `MAINNET_822528[6]` (so the chain's
/// clock and Bitcoin's agree), with the operator feeding `btc_tip`.
fn chain_on_bitcoin_time() -> TestChain {
    TestChain::with_genesis(|g| {
        with_tip_feed(g);
        g.genesis_time_ms = time_of(6) * 1_000;
    })
}

/// A chain whose genesis allows archival headers (no tip is checked).
fn archival_chain() -> TestChain {
    TestChain::with_genesis(|g| g.params.allow_archival_headers = true)
}

/// A verified ASIC title claiming `th_milli` thousandths of a TH/s.
fn verified_asic(chain: &mut TestChain, th_milli: u64) -> TitleId {
    let title = register(chain, asic_title(th_milli));
    verify(chain, title, "site visit");
    title
}

fn status(chain: &TestChain, title: TitleId) -> TitleStatus {
    chain.app().title(&title).unwrap().unwrap().status
}

/// The shares `MAINNET_822528[i]` for each `i`, from the title's device, at `difficulty`.
fn send(chain: &mut TestChain, title: TitleId, which: &[usize], difficulty: u64) -> Result<Receipt, TxError> {
    let headers: Vec<&str> = which.iter().map(|i| MAINNET_822528[*i]).collect();
    let (sequence, prev) = next_report(chain, title);
    let env = envelope(chain, title, sequence, prev, shares(&headers, difficulty));
    run(chain, &operator(), report(env))
}

/// The same, which must be refused with `code` (and change nothing).
fn send_refused(
    chain: &mut TestChain,
    title: TitleId,
    which: &[usize],
    difficulty: u64,
    code: ErrorCode,
) -> TxError {
    let headers: Vec<&str> = which.iter().map(|i| MAINNET_822528[*i]).collect();
    let (sequence, prev) = next_report(chain, title);
    let env = envelope(chain, title, sequence, prev, shares(&headers, difficulty));
    refused(chain, &operator(), report(env), code)
}

// ---- helpers the market tests share ----

/// An active ASIC title claiming `th_milli` thousandths of a TH/s, made active by a real share
/// window, on a chain whose clock agrees with Bitcoin's and whose tips the operator feeds.
pub(crate) fn active_asic(th_milli: u64) -> (TestChain, TitleId) {
    let mut chain = chain_on_bitcoin_time();
    let title = verified_asic(&mut chain, th_milli);
    activate_asic(&mut chain, title);
    (chain, title)
}

/// Difficulty of the window [`two_shares_over_a_window`] sends.
pub(crate) const TWO_SHARES_DIFFICULTY: u64 = 22_335_000;

/// The estimate of that window: one share of [`TWO_SHARES_DIFFICULTY`] after the first, over the
/// 3,997 s between their header times (about 24 TH/s).
pub(crate) fn two_shares_estimate_hs() -> u128 {
    (1u128 << 32) * u128::from(TWO_SHARES_DIFFICULTY) / u128::from(time_of(12) - time_of(7))
}

/// After [`active_asic`]: the operator reports the tips up to block 822,539, and the device
/// sends the real shares of blocks 822,535 and 822,540 (3,997 s apart in header time) in a block
/// whose time is the second share's header time; the window closes at about 24 TH/s.
pub(crate) fn two_shares_over_a_window(chain: &mut TestChain, title: TitleId) -> Receipt {
    for i in 6..=11 {
        run(chain, &operator(), tip_of(i)).expect("the operator reports the tip");
    }
    send(chain, title, &[7], TWO_SHARES_DIFFICULTY).expect("a fresh share opens the window");
    let end_ms = time_of(12) * 1_000;
    let next_block_ms = chain.time_ms() + 1_000;
    if end_ms > next_block_ms {
        chain.skip_time(end_ms - next_block_ms);
    }
    send(chain, title, &[12], TWO_SHARES_DIFFICULTY).expect("the second share closes the window")
}

// ---- freshness ----

#[test]
fn shares_without_a_fresh_btc_tip_are_refused_unless_the_genesis_allows_archival_headers() {
    let mut chain = TestChain::with_genesis(with_tip_feed);
    let title = verified_asic(&mut chain, 20_000);
    // No tip was ever reported: an old mainnet header does not count.
    send_refused(&mut chain, title, &[1], 1_000, ErrorCode::NoFreshTip);
    let archival = envelope(&chain, title, 1, Hash::ZERO, shares(&[BLOCK_100000], 14_000));
    refused(&mut chain, &operator(), report(archival), ErrorCode::NoFreshTip);
    // A tip reported more than btc_tip_fresh_ms (3 h) ago is stale too.
    run(&mut chain, &operator(), tip_of(0)).unwrap();
    send(&mut chain, title, &[1], 1_000).expect("a share on the fresh tip counts");
    chain.skip_time(3 * 3_600_000);
    send_refused(&mut chain, title, &[2], 1_000, ErrorCode::NoFreshTip);
    // With a fresh tip, block 100,000 of 2010 builds on no recent tip and is far from its time.
    run(&mut chain, &operator(), tip_of(1)).unwrap();
    let old = envelope(&chain, title, 2, next_report(&chain, title).1, shares(&[BLOCK_100000], 1_000));
    refused(&mut chain, &operator(), report(old), ErrorCode::ShareTimeOutOfWindow);

    let mut test_chain = archival_chain();
    let title = verified_asic(&mut test_chain, 20_000);
    let env = envelope(&test_chain, title, 1, Hash::ZERO, shares(&[BLOCK_100000], 14_000));
    run(&mut test_chain, &operator(), report(env)).expect("a test chain may allow archival headers");
}

#[test]
fn a_share_timed_more_than_two_hours_from_the_latest_tip_is_refused() {
    let mut chain = TestChain::with_genesis(with_tip_feed);
    let title = verified_asic(&mut chain, 20_000);
    run(&mut chain, &operator(), tip_of(0)).unwrap();
    run(&mut chain, &operator(), tip_of(24)).unwrap();
    assert!(time_of(24) - time_of(1) > 7_200, "block 822,552 came about 3.8 h after 822,529");
    let err = send_refused(&mut chain, title, &[1], 1_000, ErrorCode::ShareTimeOutOfWindow);
    assert!(err.message.contains("two hours"), "{err}");
    send(&mut chain, title, &[25], 1_000).expect("a share on the latest tip, at its time, counts");
}

#[test]
fn a_share_must_build_on_one_of_the_recent_tips() {
    let mut chain = TestChain::with_genesis(with_tip_feed);
    let title = verified_asic(&mut chain, 20_000);
    run(&mut chain, &operator(), tip_of(0)).unwrap();
    refused(&mut chain, &bob(), tip_of(1), ErrorCode::NotFeeder);
    send(&mut chain, title, &[1], 1_000).expect("block 822,529 builds on the reported tip 822,528");
    send_refused(&mut chain, title, &[3], 1_000, ErrorCode::StaleShare);
    for i in 1..=14 {
        run(&mut chain, &operator(), tip_of(i)).unwrap();
    }
    // Tips 822,531 to 822,542 are recent; block 822,530 builds on 822,529, which no longer is.
    send_refused(&mut chain, title, &[2], 1_000, ErrorCode::StaleShare);
    send(&mut chain, title, &[4], 1_000).expect("block 822,532 builds on a recent tip");
    refused(&mut chain, &operator(), tip(height_of(1), MAINNET_822528[1]), ErrorCode::StaleReport);
}

#[test]
fn a_tip_is_reported_by_a_header_that_meets_its_own_bits() {
    let mut chain = TestChain::with_genesis(with_tip_feed);
    let no_header = Msg::Oracle(OracleMsg::SubmitTip { height: 1, hash: Hash::ZERO });
    refused(&mut chain, &operator(), no_header, ErrorCode::InvalidPayload);
    let mut forged = header(MAINNET_822528[0]);
    forged[76] ^= 1; // another nonce: the hash no longer meets the bits
    let forged = Msg::Oracle(OracleMsg::SubmitTipHeader { height: height_of(0), header: forged.to_vec() });
    refused(&mut chain, &operator(), forged, ErrorCode::InvalidPayload);
    let short = Msg::Oracle(OracleMsg::SubmitTipHeader { height: 1, header: vec![0; 79] });
    refused(&mut chain, &operator(), short, ErrorCode::InvalidPayload);
    let receipt = run(&mut chain, &operator(), tip_of(0)).unwrap();
    let event = receipt.events.iter().find(|e| e.kind == "oracle.tip").unwrap();
    assert_eq!(
        event.attr("time_s"),
        Some(time_of(0).to_string().as_str()),
        "the ledger reads the header's time"
    );
}

// ---- header-time windows ----

#[test]
fn stockpiled_shares_sent_in_one_window_are_measured_over_their_header_times() {
    // Four real shares found over 4.7 hours, saved up and sent in one report: the window is the
    // 16,765 s between their header times, not the one second between two blocks of the chain.
    let mut chain = archival_chain();
    let title = verified_asic(&mut chain, 20_000);
    let window_ms = chain.app().params().hashrate_window_ms;
    // The difficulty at which these shares would show three times the claim over one window.
    let difficulty = difficulty_for(20_000_000_000_000, window_ms / 1_000);
    send(&mut chain, title, &[1, 12, 22, 30], difficulty).unwrap();
    let record = chain.app().hashrate(&title).unwrap().expect("the window closed");
    let span_s = time_of(30) - time_of(1);
    assert_eq!(record.window_s, span_s);
    let estimate: u128 = record.estimate_hs.parse().unwrap();
    assert_eq!(estimate, (1u128 << 32) * 3 * u128::from(difficulty) / u128::from(span_s));
    assert!(estimate < 3_000_000_000_000, "about 2 TH/s, not the 60 TH/s of a 10-minute window");
    assert_eq!(status(&chain, title), TitleStatus::Verified, "the stockpile proves nothing");
}

#[test]
fn a_share_timed_before_the_open_window_or_inside_the_last_closed_one_is_refused() {
    let mut chain = archival_chain();
    let title = verified_asic(&mut chain, 20_000);
    send(&mut chain, title, &[8], 1_000).unwrap();
    let err = send_refused(&mut chain, title, &[7], 1_000, ErrorCode::ShareTimeOutOfWindow);
    assert!(err.detail.contains("before the window's start"), "{err}");
    send(&mut chain, title, &[9, 14], 1_000).expect("later shares close the window");
    assert!(chain.app().hashrate(&title).unwrap().is_some());
    send_refused(&mut chain, title, &[13], 1_000, ErrorCode::ShareTimeOutOfWindow);
    send(&mut chain, title, &[15], 1_000).expect("a share after the closed window opens the next");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// However a window's shares are split into reports, and however long the chain waits between
    /// them, the estimate is the same: it depends on the header times alone.
    #[test]
    fn the_estimate_does_not_depend_on_how_or_when_the_shares_are_sent(
        cuts in proptest::collection::btree_set(1usize..6, 0..5),
        gaps_s in proptest::collection::vec(0u64..7_200, 5),
    ) {
        let span_s = time_of(6) - time_of(1);
        let mut chain = TestChain::with_genesis(|g| {
            g.params.allow_archival_headers = true;
            g.params.hashrate_window_ms = span_s * 1_000;
        });
        let title = verified_asic(&mut chain, 20_000);
        let difficulty = difficulty_for(20_000_000_000_000, span_s);
        let mut bounds: Vec<usize> = vec![1];
        bounds.extend(cuts.iter().map(|c| c + 1));
        bounds.push(7);
        for (i, pair) in bounds.windows(2).enumerate() {
            chain.skip_time(gaps_s[i] * 1_000);
            let which: Vec<usize> = (pair[0]..pair[1]).collect();
            send(&mut chain, title, &which, difficulty).unwrap();
        }
        let record = chain.app().hashrate(&title).unwrap().expect("the last share closes the window");
        let expected = (1u128 << 32) * 5 * u128::from(difficulty) / u128::from(span_s);
        prop_assert_eq!(record.estimate_hs, expected.to_string());
        prop_assert_eq!((record.shares, record.window_s), (6, span_s));
    }
}

// ---- status from evidence ----

#[test]
fn a_share_window_reaching_the_claim_makes_a_verified_asic_title_active_with_the_window_on_record() {
    let mut chain = TestChain::with_genesis(with_tip_feed);
    let title = verified_asic(&mut chain, 20_000);
    let receipt = prove_hashrate(&mut chain, title, 0);
    assert!(receipt.events.iter().any(|e| e.kind == "registry.status"), "the change is an event");
    assert_eq!(status(&chain, title), TitleStatus::Active);
    let last = chain.app().status_history(&title).unwrap().pop().expect("a change on record");
    assert_eq!((last.from, last.to), (TitleStatus::Verified, TitleStatus::Active));
    let StatusCause::ShareWindow { claimed_hs, lower_hs, .. } = last.cause else {
        panic!("the cause is the share window: {:?}", last.cause)
    };
    assert_eq!(claimed_hs, "20000000000000");
    let record = chain.app().hashrate(&title).unwrap().unwrap();
    assert_eq!(lower_hs, record.lower_hs);
    assert!(record.reaches_claim && lower_hs.parse::<u128>().unwrap() >= 18_000_000_000_000);
}

#[test]
fn a_window_that_falls_short_of_the_claim_leaves_a_verified_title_verified() {
    let mut chain = archival_chain();
    let title = verified_asic(&mut chain, 20_000);
    // Six shares at a difficulty that shows about the claim: the 95 % lower bound (about a third
    // of the estimate for five shares) stays below 90 % of the claim.
    let span_s = time_of(6) - time_of(1);
    send(&mut chain, title, &[1, 2, 3, 4, 5, 6], difficulty_for(20_000_000_000_000, span_s) / 5).unwrap();
    let record = chain.app().hashrate(&title).unwrap().unwrap();
    assert!(!record.reaches_claim && !record.above_interval, "{record:?}");
    assert_eq!(status(&chain, title), TitleStatus::Verified);
}

#[test]
fn an_active_asic_title_claiming_more_than_its_shares_show_is_degraded() {
    let (mut chain, title) = active_asic(1_000_000);
    two_shares_over_a_window(&mut chain, title);
    assert_eq!(status(&chain, title), TitleStatus::Degraded, "1 PH/s is above the interval of about 24 TH/s");
    let last = chain.app().status_history(&title).unwrap().pop().unwrap();
    assert_eq!((last.to, last.cause.kind()), (TitleStatus::Degraded, "share_window"));
}

#[test]
fn a_silent_title_goes_offline_and_only_a_window_reaching_its_claim_brings_it_back() {
    let mut chain = TestChain::with_genesis(|g| {
        g.params.allow_archival_headers = true;
        g.params.shares_offline_ms = 3_000;
    });
    let title = verified_asic(&mut chain, 20_000);
    activate_asic(&mut chain, title);
    let offline = Msg::Device(DeviceMsg::MarkOffline { title });
    refused(&mut chain, &bob(), offline.clone(), ErrorCode::NotOffline);
    for _ in 0..3 {
        chain.produce(vec![]);
    }
    run(&mut chain, &bob(), offline).expect("4 s without a share is past the 3 s timeout");
    assert_eq!(status(&chain, title), TitleStatus::Offline);
    let last = chain.app().status_history(&title).unwrap().pop().unwrap();
    assert!(matches!(last.cause, StatusCause::SharesSilent { silent_ms } if silent_ms > 3_000));
    // One share opens a window at the difficulty the next window's shares will carry.
    let difficulty = difficulty_for(20_000_000_000_000, time_of(18) - time_of(13));
    send(&mut chain, title, &[12], difficulty).unwrap();
    assert_eq!(status(&chain, title), TitleStatus::Offline, "one share is no window");
    let rest = prove_hashrate(&mut chain, title, 2);
    assert!(rest.events.iter().any(|e| e.kind == "device.hashrate"));
    assert_eq!(status(&chain, title), TitleStatus::Active, "a window reaching the claim brings it back");
}

#[test]
fn the_operator_cannot_make_an_asic_title_active_by_hand() {
    let mut chain = archival_chain();
    let title = verified_asic(&mut chain, 20_000);
    let by_hand = Msg::Registry(RegistryMsg::SetStatus { title, status: TitleStatus::Active });
    refused(&mut chain, &operator(), by_hand, ErrorCode::StatusByEvidenceOnly);
}

// ---- batches ----

#[test]
fn a_weak_a_duplicate_or_a_misplaced_share_is_refused() {
    let mut chain = archival_chain();
    let title = verified_asic(&mut chain, 20_000);
    let weak = envelope(&chain, title, 1, Hash::ZERO, shares(&[BLOCK_1], 14_000));
    refused(&mut chain, &operator(), report(weak), ErrorCode::ShareTooWeak);
    let first = envelope(&chain, title, 1, Hash::ZERO, shares(&[BLOCK_100000], 14_000));
    run(&mut chain, &operator(), report(first.clone())).unwrap();
    let again = envelope(&chain, title, 2, first.hash(), shares(&[BLOCK_100000], 14_000));
    refused(&mut chain, &operator(), report(again), ErrorCode::DuplicateShare);
    let other_difficulty = envelope(&chain, title, 2, first.hash(), shares(&[BLOCK_100001], 10_000));
    refused(&mut chain, &operator(), report(other_difficulty), ErrorCode::InvalidPayload);

    let gpu = register(&mut chain, gpu_title("H100", &["GPU-S1"]));
    let on_gpu = envelope(&chain, gpu, 1, Hash::ZERO, shares(&[BLOCK_100001], 1));
    refused(&mut chain, &operator(), report(on_gpu), ErrorCode::InvalidPayload);
}

/// Block 100,000's coinbase transaction and its merkle branch (internal byte order); its input
/// script carries the bytes 4c86041b, used below as a title's tag.
const COINBASE_100000: &str = "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff08044c86041b020602ffffffff0100f2052a010000004341041b0e8c2567c12536aa13357b79a073dc4444acb83c4ec7a0e2f99dd7457516c5817242da796924ca4e99947d087fedf9ce467cb9f7c6287078f801df276fdf84ac00000000";
const BRANCH_100000_DISPLAY: [&str; 2] = [
    "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
    "8e30899078ca1813be036a073bbf80b86cdddde1c96e9e9c99e9e3782df4ae49",
];

fn proof_100000() -> ShareProof {
    let branch = BRANCH_100000_DISPLAY
        .iter()
        .map(|h| Hash(h.parse::<computefi_proofs::pow::Hash256>().unwrap().to_internal()))
        .collect();
    ShareProof { coinbase: hex::decode(COINBASE_100000).unwrap(), branch }
}

/// A 20 TH/s ASIC title for the coinbase-tag tests.
fn asic_spec_for_tags() -> TitleSpec {
    TitleSpec { serials: vec!["S21-TAG".into()], ..asic_title(20_000) }
}

fn tagged_asic(tag: &str) -> (TestChain, TitleId) {
    let mut chain = archival_chain();
    let spec = TitleSpec { coinbase_tag: Some(tag.to_string()), ..asic_spec_for_tags() };
    let title = register(&mut chain, spec);
    (chain, title)
}

#[test]
fn a_title_with_a_coinbase_tag_counts_only_shares_proven_to_carry_it() {
    let (mut chain, title) = tagged_asic("4c86041b");
    let bare = envelope(&chain, title, 1, Hash::ZERO, shares(&[BLOCK_100000], 14_000));
    refused(&mut chain, &operator(), report(bare), ErrorCode::ShareNotBound);
    let mut wrong_branch = proof_100000();
    wrong_branch.branch.reverse();
    let batch = |proof: ShareProof| {
        Payload::Shares(ShareBatch {
            headers: vec![header(BLOCK_100000)],
            difficulty: 14_000,
            proofs: vec![proof],
        })
    };
    let forged = envelope(&chain, title, 1, Hash::ZERO, batch(wrong_branch));
    refused(&mut chain, &operator(), report(forged), ErrorCode::ShareNotBound);
    let bound = envelope(&chain, title, 1, Hash::ZERO, batch(proof_100000()));
    run(&mut chain, &operator(), report(bound)).expect("a share whose coinbase carries the tag counts");

    let (mut other, other_title) = tagged_asic("deadbeef");
    let foreign = envelope(&other, other_title, 1, Hash::ZERO, batch(proof_100000()));
    refused(&mut other, &operator(), report(foreign), ErrorCode::ShareNotBound);
}

#[test]
fn a_coinbase_tag_belongs_to_one_live_title() {
    let (mut chain, _) = tagged_asic("4c86041b");
    let mut second = asic_spec_for_tags();
    second.serials = vec!["S21-TAG-2".into()];
    second.coinbase_tag = Some("4c86041b".into());
    refused(
        &mut chain,
        &operator(),
        Msg::Registry(RegistryMsg::Register { spec: Box::new(second.clone()) }),
        ErrorCode::DuplicateCoinbaseTag,
    );
    second.coinbase_tag = Some("4C86".into());
    refused(
        &mut chain,
        &operator(),
        Msg::Registry(RegistryMsg::Register { spec: Box::new(second) }),
        ErrorCode::InvalidTitleSpec,
    );
}

// ---- delivery ----

#[test]
fn a_delivery_contract_is_measured_over_the_header_times_of_the_window() {
    let (mut chain, title) = active_asic(20_000);
    let usd = computefi_testkit::fixtures::issue(&mut chain, &bob(), "USD", 6, &[(bob().address, 1_000_000)]);
    let offer = DeliveryMsg::Offer {
        title,
        ths_milli: 20_000,
        start_ms: chain.time_ms() + 2_000,
        days: 1,
        asset: usd,
        price: Amount(864_000),
        tolerance_bps: 500,
    };
    let id: u64 = run(&mut chain, &bob(), Msg::Delivery(offer)).unwrap().events[1]
        .attr("contract")
        .unwrap()
        .parse()
        .unwrap();
    run(&mut chain, &operator(), Msg::Delivery(DeliveryMsg::Accept { contract: id })).unwrap();
    let receipt = two_shares_over_a_window(&mut chain, title);
    assert!(receipt.events.iter().any(|e| e.kind == "delivery.measured"), "the window measured the contract");
    let c = chain.app().contract(id).unwrap().unwrap();
    assert_eq!(c.settled_ms, time_of(12) * 1_000, "measured up to the last share's header time");
    assert_eq!(c.delivered_bps, 10_000, "about 24 TH/s of 20 TH/s contracted");
    let seconds = u128::from(c.settled_ms - c.start_ms) / 1_000;
    assert_eq!(c.paid.0, 10 * seconds, "10 per second of the day, fully delivered");
    assert!(two_shares_estimate_hs() > 20_000_000_000_000);
}
