//! The typed events of the modules become exactly the wire events the inline builders made
//! before (kind, attribute names, order and text): receipts and the API stay byte-identical.

use super::assets::event::AssetsEvent;
use super::assets::AssetInfo;
use super::bank::event::BankEvent;
use super::compliance::event::ComplianceEvent;
use super::identity::event::IdentityEvent;
use super::oracle::event::OracleEvent;
use super::shares::event::SharesEvent;
use computefi_types::compliance::{ClaimType, Requirement, TransferRules};
use computefi_types::{Address, Amount, AssetId, Event, Hash, TitleId};

fn wire(e: impl Into<Event>) -> Event {
    e.into()
}

#[test]
fn base_layer_events_are_the_wire_events_of_before() {
    let (a, b, asset) = (Address([1; 20]), Address([2; 20]), AssetId([3; 20]));
    let amount = Amount(12_345);
    assert_eq!(
        wire(BankEvent::Transfer { from: a, to: b, asset, amount }),
        Event::new("bank.transfer").with("from", a).with("to", b).with("asset", asset).with("amount", amount)
    );
    assert_eq!(
        wire(BankEvent::Fee { payer: a, amount }),
        Event::new("bank.fee").with("payer", a).with("amount", amount)
    );
    for max_supply in [None, Some(Amount(9))] {
        let info = AssetInfo {
            id: asset,
            issuer: a,
            symbol: "GPUX".into(),
            name: "GPU".into(),
            decimals: 6,
            max_supply,
            supply: Amount(0),
        };
        assert_eq!(
            wire(AssetsEvent::Created(info.clone())),
            Event::new("assets.created")
                .with("asset", info.id)
                .with("issuer", info.issuer)
                .with("symbol", &info.symbol)
                .with("decimals", info.decimals)
                .with("max_supply", info.max_supply.map(|m| m.to_string()).unwrap_or_default())
        );
    }
    let supply = Amount(99);
    assert_eq!(
        wire(AssetsEvent::Minted { asset, to: b, amount, supply }),
        Event::new("assets.minted")
            .with("asset", asset)
            .with("to", b)
            .with("amount", amount)
            .with("supply", supply)
    );
    assert_eq!(
        wire(AssetsEvent::Burned { asset, from: a, amount, supply }),
        Event::new("assets.burned")
            .with("asset", asset)
            .with("from", a)
            .with("amount", amount)
            .with("supply", supply)
    );
    for jurisdiction in [None, Some("DE".to_string())] {
        assert_eq!(
            wire(IdentityEvent::ClaimGranted {
                subject: a,
                issuer: b,
                claim: ClaimType::Kyc,
                jurisdiction: jurisdiction.clone(),
                expires_at_ms: 77,
            }),
            Event::new("identity.claim_granted")
                .with("subject", a)
                .with("issuer", b)
                .with("claim", ClaimType::Kyc.as_str())
                .with("jurisdiction", jurisdiction.unwrap_or_default())
                .with("expires_at_ms", 77u64)
        );
    }
    assert_eq!(
        wire(IdentityEvent::ClaimRevoked { subject: a, issuer: b, claim: ClaimType::Accredited }),
        Event::new("identity.claim_revoked")
            .with("subject", a)
            .with("issuer", b)
            .with("claim", ClaimType::Accredited.as_str())
    );
    for rules in [
        TransferRules::default(),
        TransferRules {
            requirements: vec![Requirement::default(), Requirement::default()],
            holders_max: Some(5),
            holding_bps_max: Some(2_500),
            controller: Some(b),
        },
    ] {
        assert_eq!(
            wire(ComplianceEvent::RulesSet { asset, rules: rules.clone() }),
            Event::new("compliance.rules_set")
                .with("asset", asset)
                .with("requirements", rules.requirements.len())
                .with("holders_max", rules.holders_max.map(|m| m.to_string()).unwrap_or_default())
                .with("holding_bps_max", rules.holding_bps_max.map(|m| m.to_string()).unwrap_or_default())
                .with("controller", rules.controller.map(|c| c.to_string()).unwrap_or_default())
        );
    }
    for (frozen, account) in [(true, None), (false, Some(a))] {
        assert_eq!(
            wire(ComplianceEvent::Freeze { frozen, asset, account }),
            Event::new(if frozen { "compliance.frozen" } else { "compliance.unfrozen" })
                .with("asset", asset)
                .with("account", account.map(|a| a.to_string()).unwrap_or_default())
        );
    }
    assert_eq!(
        wire(ComplianceEvent::ForcedTransfer { asset, from: a, to: b, amount, controller: a }),
        Event::new("compliance.forced_transfer")
            .with("asset", asset)
            .with("from", a)
            .with("to", b)
            .with("amount", amount)
            .with("controller", a)
    );
}

#[test]
fn titles_layer_events_are_the_wire_events_of_before() {
    let (a, asset) = (Address([1; 20]), AssetId([3; 20]));
    let (value, hash) = (Amount(6_400_000), Hash([7; 32]));
    assert_eq!(
        wire(OracleEvent::Submitted { feed: "btc_usd".into(), feeder: a, value }),
        Event::new("oracle.submitted").with("feed", "btc_usd").with("feeder", a).with("value", value)
    );
    assert_eq!(
        wire(OracleEvent::Tip { height: 880_000, hash, time_s: 1_736_000_000, feeder: a }),
        Event::new("oracle.tip")
            .with("height", 880_000u64)
            .with("hash", hash)
            .with("time_s", 1_736_000_000u64)
            .with("feeder", a)
    );
    let ids = vec![TitleId([4; 20]), TitleId([5; 20])];
    let shares = Amount(1_000);
    assert_eq!(
        wire(SharesEvent::Fractionalised { asset, shares, titles: ids.clone(), holder: a }),
        Event::new("shares.fractionalised")
            .with("asset", asset)
            .with("shares", shares)
            .with("titles", ids.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(","))
            .with("holder", a)
    );
    assert_eq!(
        wire(SharesEvent::Recombined { asset, holder: a, shares }),
        Event::new("shares.recombined").with("asset", asset).with("holder", a).with("shares", shares)
    );
}

#[test]
fn registry_events_are_the_wire_events_of_before() {
    use super::registry::event::RegistryEvent as R;
    use computefi_types::title::{TitleClass, TitleStatus};
    let (a, b, title) = (Address([1; 20]), Address([2; 20]), TitleId([4; 20]));
    let before = |kind: &str| Event::new(kind).with("title", title);
    let cases: Vec<(R, Event)> = vec![
        (
            R::Registered { title, operator: a, class: TitleClass::GpuServer, units: 8 },
            before("registry.registered")
                .with("operator", a)
                .with("class", format!("{:?}", TitleClass::GpuServer))
                .with("units", 8u32),
        ),
        (
            R::Verified { title, auditor: a, document_hash: Hash([9; 32]) },
            before("registry.verified").with("auditor", a).with("document_hash", Hash([9; 32])),
        ),
        (
            R::Appraised { title, value: Amount(5), appraiser: a },
            before("registry.appraised").with("value", Amount(5)).with("appraiser", a),
        ),
        (
            R::Status {
                title,
                from: TitleStatus::Active,
                status: TitleStatus::Degraded,
                cause: "share_window",
            },
            before("registry.status")
                .with("from", "Active")
                .with("status", format!("{:?}", TitleStatus::Degraded))
                .with("cause", "share_window"),
        ),
        (R::Insurance { title }, before("registry.insurance")),
        (
            R::Transferred { title, from: a, to: b },
            before("registry.transferred").with("from", a).with("to", b),
        ),
        (R::Pledged { title, lender: b }, before("registry.pledged").with("lender", b)),
        (R::Released { title, lender: b }, before("registry.released").with("lender", b)),
        (
            R::Redeemed { title, holder: a, delivery: "dock 4".into() },
            before("registry.redeemed").with("holder", a).with("delivery", "dock 4"),
        ),
        (R::Retired { title, holder: a }, before("registry.retired").with("holder", a)),
    ];
    for (typed, expected) in cases {
        assert_eq!(wire(typed), expected);
    }
}

#[test]
fn revenue_events_are_the_wire_events_of_before() {
    use super::revenue::event::{PaidTo, RevenueEvent as R};
    use computefi_types::OperatingCosts;
    let (a, b, shares, asset) = (Address([1; 20]), Address([2; 20]), AssetId([3; 20]), AssetId([6; 20]));
    let costs = OperatingCosts { power: Amount(10), hosting: Amount(20), maintenance: Amount(30) };
    let (gross, net) = (Amount(1_000), Amount(940));
    let deposit_head = Event::new("revenue.income")
        .with("depositor", a)
        .with("asset", asset)
        .with("gross", gross)
        .with("power", costs.power)
        .with("hosting", costs.hosting)
        .with("maintenance", costs.maintenance)
        .with("net", net)
        .with("period", "2026-10");
    let paid_head = Event::new("revenue.income")
        .with("depositor", a)
        .with("asset", asset)
        .with("gross", gross)
        .with("net", gross)
        .with("period", "lease 7");
    let income = |costs: Option<OperatingCosts>, net, period: &str, paid_to| R::Income {
        depositor: a,
        asset,
        gross,
        costs,
        net,
        period: period.into(),
        paid_to,
    };
    let cases: Vec<(R, Event)> = vec![
        (
            income(Some(costs.clone()), net, "2026-10", PaidTo::Holder(b)),
            deposit_head.clone().with("paid_to", b),
        ),
        (income(Some(costs), net, "2026-10", PaidTo::Shares(shares)), deposit_head.with("paid_to", shares)),
        (income(None, gross, "lease 7", PaidTo::Holder(b)), paid_head.clone().with("paid_to", b)),
        (income(None, gross, "lease 7", PaidTo::Shares(shares)), paid_head.with("paid_to", shares)),
        (
            R::Deposited { shares, checkpoint: 3, supply: Amount(1_000) },
            Event::new("revenue.deposited")
                .with("shares", shares)
                .with("checkpoint", 3u64)
                .with("supply", Amount(1_000)),
        ),
        (
            R::Claimed { holder: a, shares, asset, amount: Amount(5) },
            Event::new("revenue.claimed")
                .with("holder", a)
                .with("shares", shares)
                .with("asset", asset)
                .with("amount", Amount(5)),
        ),
    ];
    for payer in [None, Some(b)] {
        let title = TitleId([4; 20]);
        assert_eq!(
            wire(R::Payer { title, payer }),
            Event::new("revenue.payer")
                .with("title", title)
                .with("payer", payer.map(|p| p.to_string()).unwrap_or_default())
        );
    }
    for (typed, expected) in cases {
        assert_eq!(wire(typed), expected);
    }
}

#[test]
fn market_pool_and_capacity_events_are_the_wire_events_of_before() {
    use super::amm::event::{AmmEvent, PoolAfter};
    use super::capacity::event::CapacityEvent;
    let (a, x, y, lp) = (Address([1; 20]), AssetId([3; 20]), AssetId([6; 20]), AssetId([8; 20]));
    let pool = PoolAfter { asset_a: x, asset_b: y, reserve_a: Amount(500), reserve_b: Amount(700) };
    let before = |kind: &str| {
        Event::new(kind)
            .with("asset_a", x)
            .with("asset_b", y)
            .with("reserve_a", Amount(500))
            .with("reserve_b", Amount(700))
    };
    let cases: Vec<(Event, Event)> = vec![
        (
            AmmEvent::PoolCreated { pool, lp, liquidity: 900, locked: 1_000, fee_bps: 30, provider: a }
                .into(),
            before("amm.pool_created")
                .with("lp", lp)
                .with("liquidity", 900u128)
                .with("locked", 1_000u128)
                .with("fee_bps", 30u16)
                .with("provider", a),
        ),
        (
            AmmEvent::LiquidityAdded { pool, provider: a, amount_a: 5, amount_b: 7, liquidity: 6 }.into(),
            before("amm.liquidity_added")
                .with("provider", a)
                .with("amount_a", 5u128)
                .with("amount_b", 7u128)
                .with("liquidity", 6u128),
        ),
        (
            AmmEvent::LiquidityRemoved { pool, provider: a, amount_a: 5, amount_b: 7, liquidity: Amount(6) }
                .into(),
            before("amm.liquidity_removed")
                .with("provider", a)
                .with("amount_a", 5u128)
                .with("amount_b", 7u128)
                .with("liquidity", Amount(6)),
        ),
        (
            AmmEvent::Swapped { pool, trader: a, asset_in: x, amount_in: 10, asset_out: y, amount_out: 13 }
                .into(),
            before("amm.swapped")
                .with("trader", a)
                .with("asset_in", x)
                .with("amount_in", 10u128)
                .with("asset_out", y)
                .with("amount_out", 13u128),
        ),
        (
            CapacityEvent::Issued {
                token: lp,
                title: TitleId([4; 20]),
                provider: a,
                start_ms: 1,
                end_ms: 2,
                rate_milli: 3,
                supply: 4,
            }
            .into(),
            Event::new("capacity.issued")
                .with("token", lp)
                .with("title", TitleId([4; 20]))
                .with("provider", a)
                .with("start_ms", 1u64)
                .with("end_ms", 2u64)
                .with("rate_milli", 3u64)
                .with("supply", 4u128),
        ),
        (
            CapacityEvent::Redeemed { token: lp, amount: Amount(48_000) }.into(),
            Event::new("capacity.redeemed").with("token", lp).with("amount", Amount(48_000)),
        ),
        (
            CapacityEvent::Returned { token: lp, title: TitleId([4; 20]), by: a, supply: Amount(48_000) }
                .into(),
            Event::new("capacity.returned")
                .with("token", lp)
                .with("title", TitleId([4; 20]))
                .with("by", a)
                .with("supply", Amount(48_000)),
        ),
        (
            CapacityEvent::Expired { token: lp, title: TitleId([4; 20]), end_ms: 9 }.into(),
            Event::new("capacity.expired")
                .with("token", lp)
                .with("title", TitleId([4; 20]))
                .with("end_ms", 9u64),
        ),
    ];
    for (typed, expected) in cases {
        assert_eq!(typed, expected);
    }
}

#[test]
fn device_events_are_the_wire_events_of_before() {
    use super::device::event::DeviceEvent as D;
    use computefi_types::device::Telemetry;
    use computefi_types::title::TitleStatus;
    use computefi_types::PublicKey;
    let title = TitleId([4; 20]);
    let t = Telemetry {
        gpus_seen: 8,
        utilisation_bps: 9_000,
        energy_mj: 77,
        temperature_c: 60,
        xid_errors: 0,
        simulated: true,
    };
    let report = Event::new("device.report").with("title", title).with("sequence", 5u64);
    let mut cases: Vec<(D, Event)> = vec![
        (
            D::Telemetry { title, sequence: 5, telemetry: t.clone() },
            report
                .clone()
                .with("kind", "telemetry")
                .with("gpus_seen", t.gpus_seen)
                .with("utilisation_bps", t.utilisation_bps)
                .with("energy_mj", t.energy_mj)
                .with("simulated", t.simulated),
        ),
        (D::Meter { title, sequence: 5, meter_wh: 42 }, report.with("kind", "meter").with("meter_wh", 42u64)),
        (
            D::Equivocation { title, device_key: PublicKey([7; 32]), sequence: 5, evidence: 2 },
            Event::new("device.equivocation")
                .with("title", title)
                .with("device_key", hex::encode([7u8; 32]))
                .with("sequence", 5u64)
                .with("evidence", 2u64),
        ),
        (
            D::AttestationRequested { title, nonce: Hash([1; 32]), deadline: 30 },
            Event::new("device.attestation_requested")
                .with("title", title)
                .with("nonce", Hash([1; 32]))
                .with("deadline", 30u64),
        ),
        (
            D::Attested { title, measurements: 12 },
            Event::new("device.attested").with("title", title).with("measurements", 12u32),
        ),
        (
            D::Challenge {
                challenge: 3,
                title,
                seed: Hash([2; 32]),
                n: 256,
                rows: 16,
                answer_deadline: 20,
                requester: Address([7; 20]),
            },
            Event::new("device.challenge")
                .with("challenge", 3u64)
                .with("title", title)
                .with("seed", Hash([2; 32]))
                .with("n", 256u32)
                .with("rows", 16u32)
                .with("answer_deadline", 20u64)
                .with("requester", Address([7; 20])),
        ),
        (
            D::ChallengeCommitted { challenge: 3, title, commitment: Hash([5; 32]), rows_height: 12 },
            Event::new("device.challenge_committed")
                .with("challenge", 3u64)
                .with("title", title)
                .with("commitment", Hash([5; 32]))
                .with("rows_height", 12u64),
        ),
        (
            D::ChallengeOpened { challenge: 3, title, ahead: 2 },
            Event::new("device.challenge_opened")
                .with("challenge", 3u64)
                .with("title", title)
                .with("ahead", 2u64),
        ),
        (
            D::ChallengeRows { challenge: 3, title, rows: vec![4, 9, 200], open_deadline: 40 },
            Event::new("device.challenge_rows")
                .with("challenge", 3u64)
                .with("title", title)
                .with("rows", "4,9,200")
                .with("open_deadline", 40u64),
        ),
        (
            D::Shares { title, shares: 6, difficulty: 1_000 },
            Event::new("device.shares")
                .with("title", title)
                .with("shares", 6u64)
                .with("difficulty", 1_000u64),
        ),
        (
            D::Hashrate {
                title,
                estimate_hs: "100".into(),
                lower_hs: "90".into(),
                upper_hs: "110".into(),
                claimed_hs: "105".into(),
                status: TitleStatus::Active,
            },
            Event::new("device.hashrate")
                .with("title", title)
                .with("estimate_hs", "100")
                .with("lower_hs", "90")
                .with("upper_hs", "110")
                .with("claimed_hs", "105")
                .with("status", format!("{:?}", TitleStatus::Active)),
        ),
        (
            D::Offline { title, silent_ms: 900_000 },
            Event::new("device.offline").with("title", title).with("silent_ms", 900_000u64),
        ),
    ];
    for passed in [Ok(()), Err("wrong row 9".to_string())] {
        cases.push((
            D::ChallengeSettled {
                challenge: 3,
                title,
                failure: passed.clone().err(),
                failures_in_row: 2,
                status: TitleStatus::Degraded,
            },
            Event::new(if passed.is_ok() { "device.challenge_passed" } else { "device.challenge_failed" })
                .with("challenge", 3u64)
                .with("title", title)
                .with("reason", passed.err().unwrap_or_default())
                .with("failures_in_row", 2u32)
                .with("status", format!("{:?}", TitleStatus::Degraded)),
        ));
    }
    for (typed, expected) in cases {
        assert_eq!(wire(typed), expected);
    }
}

#[test]
fn lease_events_are_the_wire_events_of_before() {
    use super::lease::event::LeaseEvent as L;
    let (a, b, title) = (Address([1; 20]), Address([2; 20]), TitleId([4; 20]));
    let mut cases: Vec<(L, Event)> = vec![
        (
            L::OrderPosted {
                order: 1,
                renter: a,
                model: "H100-SXM".into(),
                gpus: 4,
                hours: 2,
                price_max: Amount(3),
                deposit: Amount(30),
            },
            Event::new("lease.order_posted")
                .with("order", 1u64)
                .with("renter", a)
                .with("model", "H100-SXM")
                .with("gpus", 4u32)
                .with("hours", 2u32)
                .with("price_max", Amount(3))
                .with("deposit", Amount(30)),
        ),
        (
            L::Bid { order: 1, bid: 0, provider: b, title, price: Amount(2) },
            Event::new("lease.bid")
                .with("order", 1u64)
                .with("bid", 0usize)
                .with("provider", b)
                .with("title", title)
                .with("price", Amount(2)),
        ),
        (
            L::OrderCancelled { order: 1, refunded: Amount(30) },
            Event::new("lease.order_cancelled").with("order", 1u64).with("refunded", Amount(30)),
        ),
        (
            L::AutoAcceptFailed { order: 1, bids: 3 },
            Event::new("lease.auto_accept_failed").with("order", 1u64).with("bids", 3usize),
        ),
        (
            L::ToppedUp { lease: 2, amount: Amount(5), escrow: Amount(9) },
            Event::new("lease.topped_up")
                .with("lease", 2u64)
                .with("amount", Amount(5))
                .with("escrow", Amount(9)),
        ),
        (
            L::Overdrawn { lease: 2, renter: a, provider: b, grace_blocks: 20 },
            Event::new("lease.overdrawn")
                .with("lease", 2u64)
                .with("renter", a)
                .with("provider", b)
                .with("grace_blocks", 20u64),
        ),
        (
            L::Closed {
                lease: 2,
                reason: "closed_by_renter".into(),
                renter: a,
                provider: b,
                title,
                paid: Amount(7),
                refunded: Amount(8),
            },
            Event::new("lease.closed")
                .with("lease", 2u64)
                .with("reason", "closed_by_renter")
                .with("renter", a)
                .with("provider", b)
                .with("title", title)
                .with("paid", Amount(7))
                .with("refunded", Amount(8)),
        ),
        (
            L::Stalled { lease: 2, error: "invariant_broken".into() },
            Event::new("lease.stalled").with("lease", 2u64).with("error", "invariant_broken"),
        ),
    ];
    for prepaid in [false, true] {
        cases.push((
            L::Opened {
                lease: 2,
                renter: a,
                provider: b,
                title,
                gpus: 4,
                price: Amount(3),
                escrow: Amount(30),
                start_ms: 10,
                end_ms: 20,
                prepaid,
            },
            Event::new("lease.opened")
                .with("lease", 2u64)
                .with("renter", a)
                .with("provider", b)
                .with("title", title)
                .with("gpus", 4u32)
                .with("price", Amount(3))
                .with("escrow", Amount(30))
                .with("start_ms", 10u64)
                .with("end_ms", 20u64)
                .with("prepaid", prepaid),
        ));
    }
    for online in [false, true] {
        cases.push((
            L::Online { online, lease: 2, title },
            Event::new(if online { "lease.resumed" } else { "lease.paused" })
                .with("lease", 2u64)
                .with("title", title),
        ));
    }
    for (typed, expected) in cases {
        assert_eq!(wire(typed), expected);
    }
}

#[test]
fn delivery_events_are_the_wire_events_of_before() {
    use super::delivery::event::{DeliveryEvent as D, Opening};
    let (a, title) = (Address([1; 20]), TitleId([4; 20]));
    let opened_before = Event::new("delivery.opened")
        .with("contract", 3u64)
        .with("buyer", a)
        .with("title", title)
        .with("ths_milli", 100_000u64)
        .with("start_ms", 10u64)
        .with("end_ms", 20u64)
        .with("price", Amount(50));
    let opened = |opening| D::Opened {
        contract: 3,
        buyer: a,
        title,
        ths_milli: 100_000,
        start_ms: 10,
        end_ms: 20,
        price: Amount(50),
        opening,
    };
    let cases: Vec<(D, Event)> = vec![
        (opened(Opening::Prepaid), opened_before.clone().with("prepaid", true)),
        (opened(Opening::Offered), opened_before.with("state", "offered")),
        (
            D::Accepted { contract: 3, seller: a },
            Event::new("delivery.accepted").with("contract", 3u64).with("seller", a),
        ),
        (
            D::Cancelled { contract: 3, refunded: Amount(50) },
            Event::new("delivery.cancelled").with("contract", 3u64).with("refunded", Amount(50)),
        ),
        (
            D::Measured { contract: 3, delivered_bps: 9_700, released: 48, refunded: Amount(2) },
            Event::new("delivery.measured")
                .with("contract", 3u64)
                .with("delivered_bps", 9_700u16)
                .with("released", 48u128)
                .with("refunded", Amount(2)),
        ),
        (
            D::Broken { contract: 3, title, delivered_bps: 5_000, tolerance_bps: 500, penalty: 1 },
            Event::new("delivery.broken")
                .with("contract", 3u64)
                .with("title", title)
                .with("delivered_bps", 5_000u16)
                .with("tolerance_bps", 500u16)
                .with("penalty", 1u64),
        ),
        (
            D::Completed { contract: 3, paid: Amount(48) },
            Event::new("delivery.completed").with("contract", 3u64).with("paid", Amount(48)),
        ),
        (
            D::Stalled { contract: 3, error: "invariant_broken".into() },
            Event::new("delivery.stalled").with("contract", 3u64).with("error", "invariant_broken"),
        ),
    ];
    for (typed, expected) in cases {
        assert_eq!(wire(typed), expected);
    }
}
