//! One generator per message of every module (`crates/types/src/msg/`), each naming what
//! exists (assets, titles, pools, orders, leases, contracts, tokens, challenges) and usually
//! the account allowed to send it, with amounts from [`Gen::amount`]: valid, one too many, zero
//! or at the edge of `u128`. A module added to the ledger adds its generators to [`KINDS`].

use super::gen::Gen;
use crate::fixtures::{
    self, device, ACTIVATION_SHARES, BLOCK_1, BLOCK_100000, MAINNET_822528, MAINNET_822528_HEIGHT,
};
use crate::{auditor, issuer, TestAccount};
use computefi_app::modules::capacity::provider_of;
use computefi_app::modules::delivery::ContractState;
use computefi_app::modules::device::challenge::ChallengeState;
use computefi_app::modules::lease::{LeaseState, OrderState};
use computefi_app::modules::loans::LoanState;
use computefi_app::modules::registry::Title;
use computefi_proofs::matmul;
use computefi_types::compliance::{Claim, ClaimType, Condition, Requirement, TransferRules};
use computefi_types::device::{Attestation, ChallengeAnswer, ChallengeOpening, MeterReading, Payload};
use computefi_types::loan::{Collateral, RateModel, Tranche};
use computefi_types::title::*;
use computefi_types::*;
use rand::Rng;

/// A message with its signer, or nothing when there is nothing to name yet.
type Made = Option<(TestAccount, Msg)>;
/// A generator of one kind of message.
pub(crate) type Maker = fn(&mut Gen) -> Made;

/// The agents a live chain has, each with the share of blocks (percent) it acts in, in order: a
/// device agent answers an open capacity challenge, a miner agent posts shares for a verified
/// ASIC title, a site agent reads an energy site's generation meter, a site's holder issues the
/// certificates of its hour so far, a keeper liquidates a loan in default, a lender claims what a
/// loan paid its tranche, a bidder bids on an open auction, and a hashrate buyer offers a delivery
/// contract on an ASIC title.
/// Each makes nothing when it has no work.
pub(crate) const AGENTS: &[(u32, Maker)] = &[
    (50, challenge_answer),
    (40, miner_shares),
    (30, site_meter),
    (10, site_issuer),
    (40, keeper),
    (30, lender_claim),
    (40, auction_bidder),
    (10, delivery_offer),
];

/// Every generator with its weight. A module added later joins the simulation here.
const KINDS: &[(u32, Maker)] = &[
    (8, bank_send),
    (2, bank_multi_send),
    (4, assets_create),
    (6, assets_mint),
    (2, assets_burn),
    (3, identity_grant),
    (1, identity_revoke),
    (2, compliance_rules),
    (1, compliance_freeze),
    (2, compliance_force),
    (4, registry_register),
    (3, registry_verify),
    (1, registry_appraise),
    (3, registry_status),
    (1, registry_insurance),
    (1, registry_transfer),
    (1, registry_pledge),
    (1, registry_release),
    (1, registry_end),
    (2, shares_fractionalise),
    (1, shares_recombine),
    (3, revenue_deposit),
    (3, revenue_claim),
    (1, revenue_authorize),
    (10, device_report),
    (6, device_request_challenge),
    (1, device_request_attestation),
    (1, device_mark_offline),
    (1, device_expire),
    (2, oracle_submit),
    (5, oracle_market),
    (3, oracle_tip),
    (4, amm_create),
    (3, amm_add),
    (3, amm_remove),
    (6, amm_swap_in),
    (6, amm_swap_out),
    (4, capacity_issue),
    (2, capacity_redeem_gpu_hours),
    (1, capacity_redeem_ths_day),
    (1, capacity_return),
    (4, lease_post),
    (4, lease_bid),
    (3, lease_accept),
    (1, lease_cancel),
    (2, lease_top_up),
    (2, lease_close),
    (4, delivery_offer),
    (3, delivery_accept),
    (1, delivery_cancel),
    (6, loans_offer),
    (8, loans_fund),
    (1, loans_cancel),
    (4, loans_repay),
    (1, loans_prepay),
    (2, loans_claim),
    (1, loans_add_collateral),
    (2, loans_liquidate),
    (8, auctions_bid),
    (1, vault_create),
    (4, vault_deposit),
    (2, vault_mint),
    (3, vault_request),
    (1, vault_cancel),
    (3, vault_service),
    (3, vault_allocate),
    (3, vault_collect),
    (1, vault_policy),
    (2, vault_queue_deposit),
    (1, vault_cancel_deposit),
    (2, reserve_attest),
    (4, reserve_mint),
    (2, reserve_burn),
    (1, reserve_yield),
    (3, green_issue),
    (2, green_split),
    (1, green_transfer),
    (2, green_cancel),
    (1, green_claim),
    (1, green_expire),
    (1, green_withdraw),
    (1, green_lock),
    (1, green_unlock),
    (2, carbon_immobilise),
    (2, carbon_transfer),
    (2, carbon_retire),
    (4, passes_lock),
    (3, passes_claim),
    (12, passes_release),
    (2, passes_burn),
    (3, gov_lock),
    (1, gov_unlock),
    (1, gov_submit),
    (2, gov_deposit),
    (4, gov_vote),
    (1, gov_cancel),
    (1, gov_execute),
];

/// GPU models the titles and orders name.
const MODELS: [&str; 2] = ["H100-SXM", "A100-80G"];

/// One message with its signer, of a kind drawn by weight (a send when the kind has nothing to
/// name yet).
pub(crate) fn any(g: &mut Gen) -> (TestAccount, Msg) {
    let total: u32 = KINDS.iter().map(|(w, _)| w).sum();
    let mut roll = g.rng.gen_range(0..total);
    for (weight, make) in KINDS {
        if roll < *weight {
            if let Some(made) = make(g) {
                return made;
            }
            break;
        }
        roll -= weight;
    }
    bank_send(g).expect("a send can always be generated")
}

// ---- bank ----

fn bank_send(g: &mut Gen) -> Made {
    let who = g.funded();
    let (asset, held) = g.held(&who.address);
    let to = if g.chance(3) { who.address } else { g.anywhere() };
    let amount = Amount(g.amount(held));
    Some((who, Msg::Bank(BankMsg::Send { to, asset, amount })))
}

fn bank_multi_send(g: &mut Gen) -> Made {
    let who = g.funded();
    let n = match g.rng.gen_range(0..100) {
        0..=3 => 0,
        4..=5 => limits::MULTI_SEND_OUTPUTS_MAX + 1,
        _ => g.rng.gen_range(1..=4),
    };
    let outputs = (0..n)
        .map(|_| {
            let (asset, held) = g.held(&who.address);
            Output { to: g.anywhere(), asset, amount: Amount(g.amount(held / 4)) }
        })
        .collect();
    Some((who, Msg::Bank(BankMsg::MultiSend { outputs })))
}

// ---- assets ----

/// A symbol: usually fresh and valid, sometimes malformed, reserved or already taken.
fn symbol(g: &mut Gen, taken: Option<&str>) -> String {
    match g.rng.gen_range(0..100) {
        0..=2 => "lower".into(),
        3..=4 => "CFI".into(),
        5..=6 => "ABCDEFGHIJKLM".into(),
        7..=9 => taken.unwrap_or("X").into(),
        _ => format!("S{}", g.unique()),
    }
}

fn assets_create(g: &mut Gen) -> Made {
    let who = g.funded();
    let world = g.world;
    let taken = world.assets.iter().find(|a| a.issuer == who.address).map(|a| a.symbol.as_str());
    let symbol = symbol(g, taken);
    let decimals = if g.chance(5) { g.rng.gen_range(19..=255) } else { g.rng.gen_range(0..=18) };
    let max_supply = if g.chance(50) { None } else { Some(Amount(g.amount(u128::MAX))) };
    let name = format!("{symbol} token");
    Some((who, Msg::Assets(AssetsMsg::Create { symbol, name, decimals, max_supply })))
}

/// An asset issued by an account of the simulation, with its issuer.
fn issued(g: &mut Gen) -> Option<(AssetId, Address, u128)> {
    let world = g.world;
    let ours: Vec<_> =
        world.assets.iter().filter(|a| g.actors.iter().any(|x| x.address == a.issuer)).collect();
    let a = g.pick(&ours)?;
    let room = a.max_supply.map_or(u128::MAX, |m| m.0).saturating_sub(a.supply.0);
    Some((a.id, a.issuer, room))
}

fn assets_mint(g: &mut Gen) -> Made {
    let (asset, issuer, room) = issued(g)?;
    let who = g.signer_for(&issuer);
    let to = if g.chance(50) { issuer } else { g.party() };
    let amount = Amount(g.amount(room));
    Some((who, Msg::Assets(AssetsMsg::Mint { asset, to, amount })))
}

fn assets_burn(g: &mut Gen) -> Made {
    let (asset, issuer, _) = issued(g)?;
    let who = g.signer_for(&issuer);
    let amount = Amount(g.amount(g.world.balance(&who.address, &asset)));
    Some((who, Msg::Assets(AssetsMsg::Burn { asset, amount })))
}

// ---- identity and compliance ----

fn claim_type(g: &mut Gen) -> ClaimType {
    [ClaimType::Kyc, ClaimType::Accredited, ClaimType::Jurisdiction, ClaimType::SanctionsClear]
        [g.rng.gen_range(0..4)]
}

fn identity_grant(g: &mut Gen) -> Made {
    let who = g.signer_for(&issuer().address);
    let subject = g.anywhere();
    let claim_type = claim_type(g);
    let jurisdiction = (claim_type == ClaimType::Jurisdiction || g.chance(5))
        .then(|| ["DE", "US", "IS", "PY", "de", ""][g.rng.gen_range(0..6)].to_string());
    let now = g.world.time_ms;
    let expires_at_ms = match g.rng.gen_range(0..100) {
        0..=4 => 0,
        5..=9 => u64::MAX,
        10..=19 => now + g.rng.gen_range(1_000..=600_000),
        _ => now + g.rng.gen_range(3_600_000..=30 * 86_400_000),
    };
    let claim = Claim { claim_type, jurisdiction };
    Some((who, Msg::Identity(IdentityMsg::GrantClaim { subject, claim, expires_at_ms })))
}

fn identity_revoke(g: &mut Gen) -> Made {
    let who = g.signer_for(&issuer().address);
    let subject = g.anywhere();
    let claim = claim_type(g);
    Some((who, Msg::Identity(IdentityMsg::RevokeClaim { subject, claim })))
}

fn condition(g: &mut Gen) -> Condition {
    let issuer = if g.chance(90) { issuer().address } else { g.party() };
    let codes = vec!["DE".to_string(), "US".to_string()];
    match g.rng.gen_range(0..10) {
        0..=5 => Condition::Has { claim: ClaimType::Kyc, issuer },
        6 => Condition::Lacks { claim: ClaimType::SanctionsClear, issuer },
        7 => Condition::JurisdictionIn { codes, issuer },
        8 => Condition::JurisdictionNotIn { codes, issuer },
        _ => Condition::JurisdictionIn { codes: Vec::new(), issuer },
    }
}

/// Transfer rules: usually none or a KYC requirement, with limits and a controller now and then.
pub(crate) fn rules(g: &mut Gen, controller: Address) -> TransferRules {
    let requirements = if g.chance(60) {
        Vec::new()
    } else {
        (0..g.rng.gen_range(1..=2))
            .map(|_| {
                let side: Vec<Condition> = (0..g.rng.gen_range(0..=2)).map(|_| condition(g)).collect();
                if g.chance(50) {
                    Requirement { sender: side, receiver: vec![condition(g)] }
                } else {
                    Requirement { sender: Vec::new(), receiver: side }
                }
            })
            .collect()
    };
    TransferRules {
        requirements,
        holders_max: g.chance(20).then(|| g.rng.gen_range(0..=8)),
        holding_bps_max: g.chance(15).then(|| g.rng.gen_range(0..=10_001)),
        controller: match g.rng.gen_range(0..10) {
            0..=4 => Some(controller),
            5 => Some(g.party()),
            _ => None,
        },
    }
}

fn compliance_rules(g: &mut Gen) -> Made {
    let (asset, issuer, _) = issued(g)?;
    let who = g.signer_for(&issuer);
    let rules = rules(g, issuer);
    Some((who, Msg::Compliance(ComplianceMsg::SetRules { asset, rules })))
}

fn compliance_freeze(g: &mut Gen) -> Made {
    let (asset, issuer, _) = issued(g)?;
    let who = g.signer_for(&issuer);
    let account = g.chance(60).then(|| g.anywhere());
    let msg = if g.chance(50) {
        ComplianceMsg::Freeze { asset, account }
    } else {
        ComplianceMsg::Unfreeze { asset, account }
    };
    Some((who, Msg::Compliance(msg)))
}

/// A forced transfer by an asset's controller, often out of a module's or a pool's account.
fn compliance_force(g: &mut Gen) -> Made {
    let world = g.world;
    let (asset, controller) = *g.pick(&world.controllers)?;
    let who = g.signer_for(&controller);
    let from = g.anywhere();
    let to = g.anywhere();
    let amount = Amount(g.amount(g.balance_of(&from, &asset)));
    Some((who, Msg::Compliance(ComplianceMsg::ForceTransfer { asset, from, to, amount })))
}

// ---- registry ----

fn title_spec(g: &mut Gen) -> TitleSpec {
    let class = match g.rng.gen_range(0..10) {
        0..=5 => TitleClass::GpuServer,
        6..=8 => TitleClass::AsicMiner,
        _ => TitleClass::EnergySite,
    };
    let mut count = g.rng.gen_range(1..=8u32);
    let base = g.unique();
    let mut serials: Vec<String> = (0..count).map(|i| format!("SIM-{base}-{i}")).collect();
    let world = g.world;
    if let Some(t) = g.chance(4).then(|| g.pick(&world.titles)).flatten() {
        serials[0] = t.spec.serials[0].clone(); // a serial of another (maybe live) title
    }
    if g.chance(3) {
        count += 1; // one serial short
    }
    let mut capacity = vec![match class {
        TitleClass::GpuServer => CapacityItem { milli: u64::from(count) * 1_000, unit: CapacityUnit::Gpu },
        TitleClass::AsicMiner => {
            let milli = [20_000, 100_000, g.rng.gen_range(1..=1_000_000)][g.rng.gen_range(0..3)];
            CapacityItem { milli, unit: CapacityUnit::TerahashPerSecond }
        }
        TitleClass::EnergySite => CapacityItem { milli: 5_000_000, unit: CapacityUnit::Kilowatt },
    }];
    // Most miners declare their efficiency (the valuation needs it); some do not.
    if class == TitleClass::AsicMiner && g.chance(85) {
        let milli = g.rng.gen_range(12_000..=40_000);
        capacity.push(CapacityItem { milli, unit: CapacityUnit::JoulePerTerahash });
    }
    // Some hardware went into service years before its title (a shorter life left, or none).
    let commissioned_ms =
        g.chance(30).then(|| g.world.time_ms.saturating_sub(g.rng.gen_range(0..6 * 365) * time::DAY_MS));
    let model = if class == TitleClass::GpuServer { MODELS[g.rng.gen_range(0..2)] } else { "Antminer S21" };
    let controller = g.party();
    TitleSpec {
        class,
        make: "Make".into(),
        model: model.into(),
        serials,
        count,
        capacity,
        location: Location {
            country: if g.chance(3) { "xx".into() } else { "IS".into() },
            site: "Site".into(),
            zone: ["IS", "SE-STO", "US-VA", "bad zone!"][g.rng.gen_range(0..4)].into(),
            pue_micro: match g.rng.gen_range(0..8) {
                0 => Some(g.rng.gen_range(0..=12_000_000)),
                1 | 2 => Some(g.rng.gen_range(1_050_000..=1_600_000)),
                _ => None,
            },
        },
        custodian: "Custodian".into(),
        insurance: None,
        device_keys: if g.chance(5) { Vec::new() } else { vec![device().public_key()] },
        rules: if g.chance(15) { rules(g, controller) } else { TransferRules::default() },
        coinbase_tag: g.chance(3).then(|| "4c86041b".to_string()),
        green_bps: if g.chance(3) { 10_001 } else { g.rng.gen_range(0..=10_000) },
        commissioned_ms,
    }
}

fn registry_register(g: &mut Gen) -> Made {
    let who = g.funded();
    let spec = Box::new(title_spec(g));
    Some((who, Msg::Registry(RegistryMsg::Register { spec })))
}

/// A title of the ledger (a cloned record).
fn title(g: &mut Gen) -> Option<Title> {
    let world = g.world;
    g.pick(&world.titles).cloned()
}

/// Usually a title that `fits`, otherwise any title.
fn title_where(g: &mut Gen, fits: impl Fn(&Title) -> bool) -> Option<Title> {
    let world = g.world;
    let fitting: Vec<&Title> = world.titles.iter().filter(|t| fits(t)).collect();
    match g.pick(&fitting) {
        Some(t) if !g.chance(15) => Some((*t).clone()),
        _ => title(g),
    }
}

/// A live, verified title of `class`.
fn verified(class: TitleClass) -> impl Fn(&Title) -> bool {
    move |t| t.spec.class == class && t.status.is_verified()
}

fn title_id(g: &mut Gen, t: &Title) -> TitleId {
    if g.chance(3) {
        TitleId::from_index(1_000_000)
    } else {
        t.id
    }
}

fn registry_verify(g: &mut Gen) -> Made {
    let t = title_where(g, |t| t.status == TitleStatus::Registered)?;
    let who = g.signer_for(&auditor().address);
    let document_hash = sha256(&g.unique().to_le_bytes());
    Some((who, Msg::Registry(RegistryMsg::Verify { title: title_id(g, &t), document_hash })))
}

fn registry_appraise(g: &mut Gen) -> Made {
    let t = title(g)?;
    let who = g.signer_for(&auditor().address);
    let value = Amount(g.amount(1_000_000_000_000));
    let msg = RegistryMsg::Appraise { title: t.id, value, method: "DCF".into(), date_ms: g.world.time_ms };
    Some((who, Msg::Registry(msg)))
}

/// The operator's status declaration: mostly maintenance (the one it may make), now and then a
/// status only evidence may set (refused).
fn registry_status(g: &mut Gen) -> Made {
    let t = title_where(g, |t| t.status.is_verified())?;
    let who = g.signer_for(&t.operator);
    let status = match g.rng.gen_range(0..20) {
        0..=13 => TitleStatus::Maintenance,
        14..=16 => TitleStatus::Active,
        17 => TitleStatus::Degraded,
        18 => TitleStatus::Offline,
        _ => TitleStatus::Retired,
    };
    Some((who, Msg::Registry(RegistryMsg::SetStatus { title: title_id(g, &t), status })))
}

fn registry_insurance(g: &mut Gen) -> Made {
    let t = title(g)?;
    let who = g.signer_for(&t.operator);
    let insurance = g.chance(70).then(|| Insurance {
        insurer: if g.chance(5) { String::new() } else { "Insurer".into() },
        cover: Amount(g.amount(1_000_000)),
        expires_at_ms: g.world.time_ms + 86_400_000,
    });
    Some((who, Msg::Registry(RegistryMsg::SetInsurance { title: t.id, insurance })))
}

fn registry_transfer(g: &mut Gen) -> Made {
    let t = title(g)?;
    let who = g.signer_for(&t.holder);
    let to = g.party();
    Some((who, Msg::Registry(RegistryMsg::Transfer { title: t.id, to })))
}

fn registry_pledge(g: &mut Gen) -> Made {
    let t = title(g)?;
    let who = g.signer_for(&t.holder);
    let to = g.party();
    Some((who, Msg::Registry(RegistryMsg::Pledge { title: t.id, to })))
}

fn registry_release(g: &mut Gen) -> Made {
    let t = title(g)?;
    let lender = t.lien.unwrap_or(t.holder);
    let who = g.signer_for(&lender);
    Some((who, Msg::Registry(RegistryMsg::Release { title: t.id })))
}

fn registry_end(g: &mut Gen) -> Made {
    let t = title(g)?;
    let who = g.signer_for(&t.holder);
    let msg = if g.chance(50) {
        RegistryMsg::Redeem { title: t.id, delivery: "to the holder".into() }
    } else {
        RegistryMsg::Retire { title: t.id }
    };
    Some((who, Msg::Registry(msg)))
}

// ---- shares and revenue ----

fn shares_fractionalise(g: &mut Gen) -> Made {
    let t = title_where(g, |t| t.locked_by.is_none() && t.lien.is_none() && !t.status.is_final())?;
    let who = g.signer_for(&t.holder);
    let world = g.world;
    let mut titles = vec![t.id];
    if g.chance(20) {
        let same: Vec<_> =
            world.titles.iter().filter(|o| o.holder == t.holder && o.spec.class == t.spec.class).collect();
        titles.extend(g.pick(&same).map(|o| o.id));
    }
    if g.chance(3) {
        titles.clear();
    }
    let shares = Amount(match g.rng.gen_range(0..4) {
        0 => 100,
        1 => 1_000,
        2 => 1_000_000,
        _ => g.amount(u128::MAX),
    });
    let symbol = symbol(g, None);
    Some((
        who,
        Msg::Shares(SharesMsg::Fractionalise { titles, shares, name: format!("{symbol} shares"), symbol }),
    ))
}

/// An open vault's share token, and an account of the simulation holding some of it (or anyone).
fn share_holder(g: &mut Gen) -> Option<(AssetId, TestAccount)> {
    let world = g.world;
    let shares = g.pick(&world.vaults)?.asset;
    let holders: Vec<&TestAccount> =
        g.actors.iter().filter(|a| world.balance(&a.address, &shares) > 0).collect();
    let who = match g.pick(&holders) {
        Some(a) if !g.chance(10) => (*a).clone(),
        _ => g.actor(),
    };
    Some((shares, who))
}

fn shares_recombine(g: &mut Gen) -> Made {
    if g.chance(60) {
        return None; // a vault that stays open long enough to earn and pay income
    }
    let (asset, who) = share_holder(g)?;
    Some((who, Msg::Shares(SharesMsg::Recombine { asset })))
}

fn revenue_deposit(g: &mut Gen) -> Made {
    let t = match title_where(g, |t| t.locked_by.is_some() && !t.status.is_final()) {
        Some(t) if g.chance(60) => t,
        _ => title_where(g, |t| !t.status.is_final())?,
    };
    let payer = match t.payer {
        Some(p) if g.chance(50) => p,
        _ => t.operator,
    };
    let who = g.signer_for(&payer);
    let world = g.world;
    let target = match g.pick(&world.vaults) {
        Some(v) if g.chance(40) => RevenueTarget::Vault(v.asset),
        _ => RevenueTarget::Title(t.id),
    };
    let (asset, held) = g.held(&who.address);
    let gross = Amount(g.amount(held));
    let costs = if g.chance(70) {
        OperatingCosts::default()
    } else {
        OperatingCosts {
            power: Amount(g.amount(gross.0 / 3)),
            hosting: Amount(g.amount(10)),
            maintenance: Amount::ZERO,
        }
    };
    let msg = RevenueMsg::Deposit { target, asset, gross, costs, period: "2026-01".into() };
    Some((who, Msg::Revenue(msg)))
}

fn revenue_claim(g: &mut Gen) -> Made {
    let (shares, who) = share_holder(g)?;
    let paid_in = g.chain.app().income_assets(&shares).unwrap_or_default();
    let asset = match g.pick(&paid_in) {
        Some(a) if !g.chance(10) => *a,
        _ => g.asset(),
    };
    Some((who, Msg::Revenue(RevenueMsg::Claim { shares, asset })))
}

fn revenue_authorize(g: &mut Gen) -> Made {
    let t = title(g)?;
    let who = g.signer_for(&t.operator);
    let payer = g.chance(80).then(|| g.party());
    Some((who, Msg::Revenue(RevenueMsg::AuthorizePayer { title: t.id, payer })))
}

// ---- device and oracle ----

/// A payload for `t`: the answer or opening of its open challenge when it has one, telemetry
/// for GPU titles, real or weak mining shares for ASIC titles, and now and then a payload of
/// another kind.
fn payload(g: &mut Gen, t: &Title) -> Payload {
    let world = g.world;
    if let Some(ch) = world.challenges.iter().find(|c| c.title == t.id).filter(|_| g.chance(90)) {
        let c = fixtures::challenge_product(&ch.seed, ch.n).unwrap_or_default();
        let n = ch.n as usize;
        match &ch.state {
            ChallengeState::Open => {
                let commitment = match matmul::commit_product(n, &c) {
                    Ok(root) if !g.chance(15) => Hash(root),
                    _ => sha256(b"not the product"),
                };
                return Payload::ChallengeAnswer(ChallengeAnswer { challenge: ch.id, commitment });
            }
            ChallengeState::RowsChosen { rows, .. } => {
                let rows = fixtures::opened_rows(rows, &c, ch.n);
                return Payload::ChallengeOpening(ChallengeOpening { challenge: ch.id, rows });
            }
            _ => {}
        }
    }
    // Energy sites report their generation meter; other titles now and then a meter too.
    let meter_rolls = if t.spec.class == TitleClass::EnergySite { 16 } else { 3 };
    match g.rng.gen_range(0..20) {
        n if n < meter_rolls => {
            // Mostly the counter moving on by what a 5 MW site makes in a second or two (blocks
            // are mostly a second apart), sometimes by up to its hour, now and then backwards.
            let last = g.world.meters.get(&t.id).copied().unwrap_or(0);
            let meter_wh = match g.rng.gen_range(0..10) {
                0 => last.saturating_sub(1),
                1 => g.rng.gen(),
                2 | 3 => last.saturating_add(g.rng.gen_range(0..=1_000_000)),
                _ => last.saturating_add(g.rng.gen_range(0..=2_500)),
            };
            Payload::Meter(MeterReading { meter_wh })
        }
        19 => Payload::Attestation(Attestation { report: vec![0; 64], cert_chain: String::new() }),
        _ if t.spec.class == TitleClass::AsicMiner => share_batch(g, t),
        _ => fixtures::telemetry(g.rng.gen_range(0..=t.spec.count + 1)),
    }
}

/// Mining shares for ASIC title `t`: mostly a run of consecutive recent mainnet headers at the
/// difficulty that puts the window at the title's claim (they count where the tips they build on
/// were reported, and each header only once), now and then one header at a weak difficulty, an
/// archival header (no fresh tip covers it) or any difficulty at all.
fn share_batch(g: &mut Gen, t: &Title) -> Payload {
    // Mostly headers that build on the latest tips reported (the last one reported is index
    // `latest`, so headers up to `latest + 1` have their parent among the recent tips).
    let latest = g.world.tip_height.and_then(|h| h.checked_sub(MAINNET_822528_HEIGHT)).map(|i| i as usize);
    let first = match latest {
        Some(l) if g.chance(80) && l + 1 < MAINNET_822528.len() => {
            g.rng.gen_range(l.saturating_sub(8).max(1)..=l + 1)
        }
        _ => g.rng.gen_range(1..MAINNET_822528.len()),
    };
    let count = g.rng.gen_range(1..=ACTIVATION_SHARES).min(MAINNET_822528.len() - first);
    let headers = &MAINNET_822528[first..first + count];
    match g.rng.gen_range(0..10) {
        0 => fixtures::shares(&[[BLOCK_100000, BLOCK_1][g.rng.gen_range(0..2)]], 14_000),
        1 => fixtures::shares(headers, g.rng.gen_range(0..=u64::MAX)),
        2 => fixtures::shares(&headers[..1], 14_000),
        _ => fixtures::shares(headers, fixtures::claim_difficulty(t, headers)),
    }
}

fn device_report(g: &mut Gen) -> Made {
    let answering = g.chance(75);
    report(g, answering)
}

/// A device agent's answer to an open capacity challenge (as a real agent answers every one it
/// sees), or nothing when none is open.
fn challenge_answer(g: &mut Gen) -> Made {
    if g.world.challenges.is_empty() {
        return None;
    }
    report(g, true)
}

/// A device report: mostly an answer to an open challenge when `answering`, else telemetry or
/// shares of a verified title.
fn report(g: &mut Gen, answering: bool) -> Made {
    let world = g.world;
    let t = match answering.then(|| g.pick(&world.challenges)).flatten() {
        Some(c) => world.titles.iter().find(|t| t.id == c.title)?.clone(), // answer it in time
        None => title_where(g, |t| t.status.is_verified() && !t.spec.device_keys.is_empty())?,
    };
    report_of(g, t)
}

/// A site agent's reading of a verified energy site's generation meter (as a running agent
/// posts one every few minutes), or nothing when there is no such site.
fn site_meter(g: &mut Gen) -> Made {
    let world = g.world;
    let sites: Vec<&Title> = world
        .titles
        .iter()
        .filter(|t| {
            t.spec.class == TitleClass::EnergySite && t.status.is_verified() && !t.spec.device_keys.is_empty()
        })
        .collect();
    let t = (*g.pick(&sites)?).clone();
    report_of(g, t)
}

/// A site's holder issuing the certificates of an active energy site's current hour so far (as an
/// operator's tooling does after each reading), or nothing when no site is active.
fn site_issuer(g: &mut Gen) -> Made {
    let world = g.world;
    let sites: Vec<&Title> = world
        .titles
        .iter()
        .filter(|t| t.spec.class == TitleClass::EnergySite && t.status == TitleStatus::Active)
        .collect();
    let site = (*g.pick(&sites)?).clone();
    let who = g.signer_for(&site.holder);
    let hour = g.world.time_ms / time::HOUR_MS;
    Some((who, Msg::Green(GreenMsg::Issue { site: site.id, hour })))
}

/// A miner agent's report of shares for a verified ASIC title (as a running agent posts them
/// every window), or nothing when there is no such title.
fn miner_shares(g: &mut Gen) -> Made {
    let world = g.world;
    let miners: Vec<&Title> = world
        .titles
        .iter()
        .filter(|t| {
            t.spec.class == TitleClass::AsicMiner && t.status.is_verified() && !t.spec.device_keys.is_empty()
        })
        .collect();
    let t = (*g.pick(&miners)?).clone();
    report_of(g, t)
}

/// A report of title `t`'s device, relayed by anyone, now and then malformed.
fn report_of(g: &mut Gen, t: Title) -> Made {
    let who = g.funded(); // anyone may relay a report
    let (last, prev) = g.world.reports.get(&t.id).copied().unwrap_or((0, Hash::ZERO));
    let payload = payload(g, &t);
    let mut env = fixtures::envelope(g.chain, t.id, last + 1, prev, payload);
    let mut key = device();
    match g.rng.gen_range(0..100) {
        0..=4 => env.sequence = last, // a replay, or evidence when it differs
        5..=7 => env.sequence = last + 200,
        8..=10 => env.prev_hash = sha256(b"another chain"),
        11..=13 => (env.window_start, env.window_end) = (0, 0),
        14..=15 => key = g.actor(), // signed by a key the title does not list
        16 => {
            key = g.actor();
            env.device_key = key.public_key();
        }
        _ => {}
    }
    Some((who, Msg::Device(DeviceMsg::Report(Box::new(env.sign(&key.key))))))
}

/// A challenge, mostly of a GPU title not yet active (so that it may prove itself), now and then
/// of any verified GPU title.
fn device_request_challenge(g: &mut Gen) -> Made {
    let t = if g.chance(70) {
        title_where(g, |t| {
            t.spec.class == TitleClass::GpuServer && t.status.is_verified() && t.status != TitleStatus::Active
        })?
    } else {
        title_where(g, verified(TitleClass::GpuServer))?
    };
    Some((g.funded(), Msg::Device(DeviceMsg::RequestChallenge { title: t.id })))
}

fn device_request_attestation(g: &mut Gen) -> Made {
    let t = title(g)?;
    Some((g.funded(), Msg::Device(DeviceMsg::RequestAttestation { title: t.id })))
}

fn device_mark_offline(g: &mut Gen) -> Made {
    let t = title_where(g, verified(TitleClass::AsicMiner))?;
    Some((g.funded(), Msg::Device(DeviceMsg::MarkOffline { title: t.id })))
}

fn device_expire(g: &mut Gen) -> Made {
    let world = g.world;
    let challenge = match g.pick(&world.challenges) {
        Some(c) => c.id,
        None => g.rng.gen_range(0..4),
    };
    Some((g.funded(), Msg::Device(DeviceMsg::ExpireChallenge { challenge })))
}

fn oracle_submit(g: &mut Gen) -> Made {
    let names = ["btc_usd", "gpu_hour_usd", "network_difficulty", "btc_fees_sats", "eth_usd"];
    let feed = names[g.rng.gen_range(0..names.len())].to_string();
    let value = Amount(g.amount(100_000_000_000));
    let who = if g.chance(80) { g.actors[g.rng.gen_range(0..3)].clone() } else { g.actor() };
    Some((who, Msg::Oracle(OracleMsg::Submit { feed, value })))
}

/// A plausible market value by a feeder (BTC price, difficulty, fees, GPU-hour rate), as an
/// honest feeder sends: the valuation values titles from these.
/// A feeder's submission of every market feed, each at a random level.
pub fn market_round(g: &mut Gen) -> (TestAccount, Vec<Msg>) {
    let who = g.actors[g.rng.gen_range(0..3)].clone();
    let round = (0..4).map(|i| market_feed(g, i)).collect();
    (who, round)
}

fn oracle_market(g: &mut Gen) -> Made {
    let i = g.rng.gen_range(0..4);
    let who = g.actors[g.rng.gen_range(0..3)].clone();
    Some((who, market_feed(g, i)))
}

/// Market feed `i` (btc_usd, network_difficulty, btc_fees_sats, gpu_hour_usd) at a random level.
fn market_feed(g: &mut Gen, i: u32) -> Msg {
    let (feed, value) = match i {
        0 => ("btc_usd", g.rng.gen_range(20_000..=150_000u128) * 1_000_000),
        1 => ("network_difficulty", g.rng.gen_range(50_000..=150_000u128) * 1_000_000_000),
        2 => ("btc_fees_sats", g.rng.gen_range(0..=100_000_000u128)),
        _ => ("gpu_hour_usd", g.rng.gen_range(300_000..=5_000_000u128)),
    };
    Msg::Oracle(OracleMsg::Submit { feed: feed.into(), value: Amount(value) })
}

/// A `btc_tip` report by a feeder: a recent mainnet header at its height (so shares on it count
/// for a while), now and then at a wrong height, a header that misses its own bits, or a retired
/// hash-only tip.
fn oracle_tip(g: &mut Gen) -> Made {
    // Mostly the next block after the latest tip, as a feeder following the chain reports it.
    let next =
        g.world.tip_height.and_then(|h| h.checked_sub(MAINNET_822528_HEIGHT)).map_or(0, |i| i as usize + 1);
    let i = if g.chance(75) && next < MAINNET_822528.len() {
        next
    } else {
        g.rng.gen_range(0..MAINNET_822528.len())
    };
    let mut height = MAINNET_822528_HEIGHT + i as u64;
    let mut header = fixtures::header(MAINNET_822528[i]).to_vec();
    match g.rng.gen_range(0..20) {
        0 => height = g.rng.gen_range(0..=1_000_000),
        1 => header[0] ^= 1, // no longer meets its bits
        2 => {
            let hash = sha256(&height.to_le_bytes());
            return Some((g.actors[0].clone(), Msg::Oracle(OracleMsg::SubmitTip { height, hash })));
        }
        _ => {}
    }
    let who = g.actors[g.rng.gen_range(0..3)].clone();
    Some((who, Msg::Oracle(OracleMsg::SubmitTipHeader { height, header })))
}

// ---- amm ----

/// A deposit into a pool: usually a good part of what is held, sometimes any amount.
fn deposit(g: &mut Gen, held: u128) -> u128 {
    if g.chance(60) && held > 0 {
        g.rng.gen_range(held / 10..=held)
    } else {
        g.amount(held)
    }
}

fn amm_create(g: &mut Gen) -> Made {
    let who = g.funded();
    let (asset_a, held_a) = g.held(&who.address);
    let (mut asset_b, mut held_b) = g.held(&who.address);
    if asset_b == asset_a && !g.chance(10) {
        (asset_b, held_b) = g.held(&who.address);
    }
    let amount_a = Amount(deposit(g, held_a));
    let amount_b = Amount(deposit(g, held_b));
    let fee_bps = if g.chance(70) { 30 } else { g.rng.gen_range(0..=1_200) };
    Some((who, Msg::Amm(AmmMsg::CreatePool { asset_a, asset_b, amount_a, amount_b, fee_bps })))
}

/// A pool's pair, in a random order.
fn pair(g: &mut Gen) -> Option<(AssetId, AssetId, u128, u128)> {
    let world = g.world;
    let p = g.pick(&world.pools)?;
    Some(if g.chance(50) {
        (p.asset_a, p.asset_b, p.reserve_a.0, p.reserve_b.0)
    } else {
        (p.asset_b, p.asset_a, p.reserve_b.0, p.reserve_a.0)
    })
}

fn amm_add(g: &mut Gen) -> Made {
    let (asset_a, asset_b, _, _) = pair(g)?;
    let who = g.funded();
    let amount_a_desired = Amount(deposit(g, g.world.balance(&who.address, &asset_a)));
    let amount_b_desired = Amount(deposit(g, g.world.balance(&who.address, &asset_b)));
    let (amount_a_min, amount_b_min) =
        if g.chance(80) { (Amount::ZERO, Amount::ZERO) } else { (Amount(g.amount(1)), Amount(g.amount(1))) };
    let deadline_height = g.deadline();
    let msg = AmmMsg::AddLiquidity {
        asset_a,
        asset_b,
        amount_a_desired,
        amount_b_desired,
        amount_a_min,
        amount_b_min,
        deadline_height,
    };
    Some((who, Msg::Amm(msg)))
}

fn amm_remove(g: &mut Gen) -> Made {
    let world = g.world;
    let p = g.pick(&world.pools)?;
    let holders: Vec<&TestAccount> =
        g.actors.iter().filter(|a| world.balance(&a.address, &p.lp) > 0).collect();
    let who = match g.pick(&holders) {
        Some(a) if !g.chance(10) => (*a).clone(),
        _ => g.funded(),
    };
    let liquidity = Amount(g.amount(world.balance(&who.address, &p.lp)));
    let mins = if g.chance(85) { Amount::ZERO } else { Amount(g.amount(1)) };
    let msg = AmmMsg::RemoveLiquidity {
        asset_a: p.asset_a,
        asset_b: p.asset_b,
        liquidity,
        amount_a_min: mins,
        amount_b_min: Amount::ZERO,
        deadline_height: g.deadline(),
    };
    Some((who, Msg::Amm(msg)))
}

/// A route through one or two pools (sometimes through assets no pool joins), and the reserve
/// of the asset it ends in.
fn route(g: &mut Gen) -> Option<(Vec<AssetId>, u128)> {
    let (a, b, _, reserve_b) = pair(g)?;
    let mut route = vec![a, b];
    let mut reserve_out = reserve_b;
    let world = g.world;
    if g.chance(25) {
        let next: Vec<_> = world.pools.iter().filter(|p| (p.asset_a == b) != (p.asset_b == b)).collect();
        if let Some(p) = g.pick(&next) {
            let (c, r) = if p.asset_a == b { (p.asset_b, p.reserve_b.0) } else { (p.asset_a, p.reserve_a.0) };
            if c != a {
                route.push(c);
                reserve_out = r;
            }
        }
    }
    if g.chance(4) {
        route.push(g.asset());
    }
    Some((route, reserve_out))
}

fn amm_swap_in(g: &mut Gen) -> Made {
    let (route, _) = route(g)?;
    let who = g.funded();
    let amount_in = Amount(g.amount(g.world.balance(&who.address, &route[0])));
    let amount_out_min = Amount(if g.chance(80) { g.rng.gen_range(0..=1) } else { g.amount(1) });
    let deadline_height = g.deadline();
    Some((who, Msg::Amm(AmmMsg::SwapExactIn { route, amount_in, amount_out_min, deadline_height })))
}

fn amm_swap_out(g: &mut Gen) -> Made {
    let (route, reserve_out) = route(g)?;
    let who = g.funded();
    let amount_out = Amount(match g.rng.gen_range(0..10) {
        0 => reserve_out.saturating_sub(1),
        1 => reserve_out / 2,
        2 => reserve_out,
        _ => g.amount(reserve_out / 8),
    });
    let amount_in_max =
        Amount(if g.chance(70) { u128::MAX } else { g.amount(g.world.balance(&who.address, &route[0])) });
    let deadline_height = g.deadline();
    Some((who, Msg::Amm(AmmMsg::SwapExactOut { route, amount_out, amount_in_max, deadline_height })))
}

// ---- capacity ----

fn capacity_issue(g: &mut Gen) -> Made {
    let class = if g.chance(70) { TitleClass::GpuServer } else { TitleClass::AsicMiner };
    // Mostly an active title (capacity comes only from live titles), now and then any verified.
    let t = if g.chance(85) {
        title_where(g, |t| t.spec.class == class && t.status == TitleStatus::Active)?
    } else {
        title_where(g, verified(class))?
    };
    let who = g.signer_for(&provider_of(&t));
    let now = g.world.time_ms;
    let gpu = (t.spec.class == TitleClass::GpuServer) != g.chance(10);
    let window = if gpu {
        let start_ms = match g.rng.gen_range(0..5) {
            0 => now.saturating_sub(2 * 3_600_000),
            1 => now,
            2 => now + 2_000,
            3 => now + 3_600_000,
            _ => now + 86_400_000,
        };
        let hours = match g.rng.gen_range(0..20) {
            0 => 0,
            1 => 24 * 366 + 1,
            2 => u32::MAX,
            _ => g.rng.gen_range(1..=6),
        };
        CapacityWindow::GpuHours { gpus: g.rng.gen_range(0..=t.spec.count + 1), start_ms, hours }
    } else {
        let claimed = t.spec.capacity.first().map_or(1, |c| c.milli);
        let ths_milli = if g.chance(10) { claimed + 1 } else { g.rng.gen_range(1..=claimed.max(1)) };
        CapacityWindow::ThsDay { ths_milli, day: now / 86_400_000 + g.rng.gen_range(0..=1) }
    };
    Some((who, Msg::Capacity(CapacityMsg::Issue { title: t.id, window })))
}

/// A capacity token of the kind asked, and an account holding some of it (or anyone).
fn token_holder(
    g: &mut Gen,
    gpu: bool,
) -> Option<(computefi_app::modules::capacity::CapacityToken, TestAccount)> {
    let world = g.world;
    let kind: Vec<_> = world
        .tokens
        .iter()
        .filter(|t| matches!(t.window, CapacityWindow::GpuHours { .. }) == gpu || g.chance(5))
        .collect();
    let token = (*g.pick(&kind)?).clone();
    let holders: Vec<&TestAccount> =
        g.actors.iter().filter(|a| world.balance(&a.address, &token.asset) > 0).collect();
    let who = match g.pick(&holders) {
        Some(a) if !g.chance(10) => (*a).clone(),
        _ => g.funded(),
    };
    Some((token, who))
}

fn capacity_redeem_gpu_hours(g: &mut Gen) -> Made {
    let (token, who) = token_holder(g, true)?;
    let (gpus, hours) = match token.window {
        CapacityWindow::GpuHours { gpus, hours, .. } => (gpus, hours),
        CapacityWindow::ThsDay { .. } => (1, 1),
    };
    let gpus = g.rng.gen_range(0..=gpus + 1);
    let hours = g.rng.gen_range(0..=hours + 1);
    Some((who, Msg::Capacity(CapacityMsg::RedeemGpuHours { token: token.asset, gpus, hours })))
}

fn capacity_redeem_ths_day(g: &mut Gen) -> Made {
    let (token, who) = token_holder(g, false)?;
    let amount = Amount(g.amount(g.world.balance(&who.address, &token.asset)));
    Some((who, Msg::Capacity(CapacityMsg::RedeemThsDay { token: token.asset, amount })))
}

/// A holder of a capacity token returns it: whole when it holds the entire supply (a provider
/// that sold none, or bought it all back), otherwise refused.
fn capacity_return(g: &mut Gen) -> Made {
    let gpu = g.chance(70);
    let (token, who) = token_holder(g, gpu)?;
    Some((who, Msg::Capacity(CapacityMsg::Return { token: token.asset })))
}

// ---- lease ----

/// An active GPU title: one that can take a lease.
fn leasable(t: &Title) -> bool {
    t.spec.class == TitleClass::GpuServer && t.status == TitleStatus::Active
}

fn lease_post(g: &mut Gen) -> Made {
    let who = g.funded();
    // Usually an order some active title could serve.
    let (mut model, count, green) = match title_where(g, leasable) {
        Some(t) if leasable(&t) => (t.spec.model.clone(), t.spec.count, t.spec.green_bps),
        _ => (MODELS[g.rng.gen_range(0..2)].to_string(), 4, 10_000),
    };
    if g.chance(20) {
        model = model.to_ascii_lowercase();
    }
    let gpus = if g.chance(3) { 0 } else { g.rng.gen_range(1..=count.max(1)) };
    let hours = match g.rng.gen_range(0..50) {
        0 => 0,
        1 => 24 * 366 + 1,
        _ => g.rng.gen_range(1..=4),
    };
    let price_max = Amount(match g.rng.gen_range(0..4) {
        0 => 100,
        1 => 10_000,
        _ => g.amount(1_000_000),
    });
    let (asset, held) = g.held(&who.address);
    let deposit = Amount(g.amount(held));
    let auto_accept_height = g.chance(30).then(|| g.world.height + g.rng.gen_range(1..=5));
    let green_bps_min = if g.chance(50) { 0 } else { g.rng.gen_range(0..=green) };
    // A green premium of up to half the price limit (now and then past it, or without a share).
    let green_premium = match g.rng.gen_range(0..10) {
        0 => Amount(price_max.0.saturating_add(1)),
        1..=5 if green_bps_min > 0 => Amount(g.rng.gen_range(0..=price_max.0 / 2)),
        _ => Amount::ZERO,
    };
    let msg = LeaseMsg::PostOrder {
        model,
        gpus,
        hours,
        price_max,
        green_bps_min,
        green_premium,
        asset,
        deposit,
        auto_accept_height,
    };
    Some((who, Msg::Lease(msg)))
}

fn open_order(g: &mut Gen) -> Option<computefi_app::modules::lease::Order> {
    let world = g.world;
    let open: Vec<_> = world.orders.iter().filter(|o| o.state == OrderState::Open || g.chance(5)).collect();
    g.pick(&open).map(|o| (*o).clone())
}

fn lease_bid(g: &mut Gen) -> Made {
    let order = open_order(g)?;
    let world = g.world;
    let fits = |t: &&Title| {
        leasable(t) && t.spec.model.eq_ignore_ascii_case(&order.model) && t.spec.count >= order.gpus
    };
    let fitting: Vec<&Title> = world.titles.iter().filter(fits).collect();
    let t = match g.pick(&fitting) {
        Some(t) if !g.chance(15) => (*t).clone(),
        _ => title(g)?,
    };
    let who = g.signer_for(&provider_of(&t));
    let price = Amount(if g.chance(80) {
        g.rng.gen_range(1..=order.price_max.0.max(1))
    } else {
        g.amount(order.price_max.0)
    });
    Some((who, Msg::Lease(LeaseMsg::Bid { order: order.id, title: t.id, price })))
}

fn lease_accept(g: &mut Gen) -> Made {
    let world = g.world;
    let bidden: Vec<_> =
        world.orders.iter().filter(|o| o.state == OrderState::Open && !o.bids.is_empty()).collect();
    let order = match g.pick(&bidden) {
        Some(o) if !g.chance(15) => (*o).clone(),
        _ => open_order(g)?,
    };
    let who = g.signer_for(&order.renter);
    let bid = if g.chance(90) && !order.bids.is_empty() {
        g.rng.gen_range(0..order.bids.len() as u32)
    } else {
        g.rng.gen_range(0..=order.bids.len() as u32)
    };
    Some((who, Msg::Lease(LeaseMsg::Accept { order: order.id, bid })))
}

fn lease_cancel(g: &mut Gen) -> Made {
    let order = open_order(g)?;
    let who = g.signer_for(&order.renter);
    Some((who, Msg::Lease(LeaseMsg::CancelOrder { order: order.id })))
}

fn live_lease(g: &mut Gen) -> Option<computefi_app::modules::lease::Lease> {
    let world = g.world;
    let live: Vec<_> = world
        .leases
        .iter()
        .filter(|l| !matches!(l.state, LeaseState::Closed { .. }) || g.chance(5))
        .collect();
    g.pick(&live).map(|l| (*l).clone())
}

fn lease_top_up(g: &mut Gen) -> Made {
    let l = live_lease(g)?;
    let who = g.signer_for(&l.renter);
    let amount = Amount(g.amount(g.world.balance(&who.address, &l.asset)));
    Some((who, Msg::Lease(LeaseMsg::TopUp { lease: l.id, amount })))
}

fn lease_close(g: &mut Gen) -> Made {
    let l = live_lease(g)?;
    let party = if g.chance(50) { l.renter } else { l.provider };
    let who = g.signer_for(&party);
    Some((who, Msg::Lease(LeaseMsg::Close { lease: l.id })))
}

// ---- delivery ----

fn delivery_offer(g: &mut Gen) -> Made {
    let t = if g.chance(85) {
        title_where(g, |t| t.spec.class == TitleClass::AsicMiner && t.status == TitleStatus::Active)?
    } else {
        title_where(g, verified(TitleClass::AsicMiner))?
    };
    let who = g.funded();
    let claimed = t.spec.capacity.first().map_or(1, |c| c.milli);
    let ths_milli = if g.chance(10) { claimed + 1 } else { g.rng.gen_range(1..=claimed.max(1)) };
    let now = g.world.time_ms;
    let start_ms = [now + 2_000, now + 3_600_000, now.saturating_sub(3_600_000)][g.rng.gen_range(0..3)];
    let days = match g.rng.gen_range(0..40) {
        0 => 0,
        1 => 367,
        _ => g.rng.gen_range(1..=2),
    };
    let (asset, held) = g.held(&who.address);
    let price = Amount(g.amount(held));
    let tolerance_bps = if g.chance(3) { 10_001 } else { g.rng.gen_range(0..=10_000) };
    let msg = DeliveryMsg::Offer { title: t.id, ths_milli, start_ms, days, asset, price, tolerance_bps };
    Some((who, Msg::Delivery(msg)))
}

fn contract(g: &mut Gen) -> Option<computefi_app::modules::delivery::Contract> {
    let world = g.world;
    let offered: Vec<_> =
        world.contracts.iter().filter(|c| c.state == ContractState::Offered || g.chance(10)).collect();
    g.pick(&offered).map(|c| (*c).clone())
}

fn delivery_accept(g: &mut Gen) -> Made {
    let c = contract(g)?;
    let world = g.world;
    let provider = world.titles.iter().find(|t| t.id == c.title).map_or(c.buyer, provider_of);
    let who = g.signer_for(&provider);
    Some((who, Msg::Delivery(DeliveryMsg::Accept { contract: c.id })))
}

fn delivery_cancel(g: &mut Gen) -> Made {
    let c = contract(g)?;
    let who = g.signer_for(&c.buyer);
    Some((who, Msg::Delivery(DeliveryMsg::Cancel { contract: c.id })))
}

// ---- loans ----

fn loans_offer(g: &mut Gen) -> Made {
    let world = g.world;
    let collateral = match world.vaults.first().filter(|_| g.chance(20)) {
        Some(v) => {
            let amount = Amount(g.rng.gen_range(1..=v.shares.0.max(1)));
            Collateral::Shares { asset: v.asset, amount }
        }
        None => {
            // Mostly a title valued from fresh feeds, as a borrower would pick; now and then any.
            let fresh = &world.fresh_values;
            let valued = g.chance(90);
            let fits = |t: &Title| {
                t.status == TitleStatus::Active && t.lien.is_none() && (!valued || fresh.contains(&t.id))
            };
            Collateral::Title(title_where(g, fits)?.id)
        }
    };
    let borrower = match collateral {
        Collateral::Title(id) => world.titles.iter().find(|t| t.id == id).map_or(g.party(), |t| t.holder),
        Collateral::Shares { .. } => g.party(),
    };
    let who = g.signer_for(&borrower);
    let tranches: Vec<Tranche> = (0..g.rng.gen_range(1..=2))
        .map(|_| Tranche {
            lender: match world.yield_vaults.first().filter(|_| g.chance(30)) {
                Some(v) => v.account,
                None => g.funded().address,
            },
            amount: Amount(g.rng.gen_range(1..=1_000_000_000)),
            rate_bps: if g.chance(3) { 100_001 } else { g.rng.gen_range(0..=3_000) },
        })
        .collect();
    let mut principal: u128 = tranches.iter().map(|t| t.amount.0).sum();
    if g.chance(5) {
        principal += 1;
    }
    let interval_s = g.rng.gen_range(30..=600u64);
    let payments = g.rng.gen_range(1..=6u64);
    let grace_max = interval_s + u64::from(g.chance(5));
    let terms = LoanTerms {
        collateral,
        currency: if g.chance(90) { crate::fixtures::cfi() } else { g.asset() },
        principal: Amount(principal),
        duration_s: interval_s * payments + u64::from(g.chance(5)),
        interval_s,
        model: if g.chance(50) { RateModel::Simple } else { RateModel::Amortized },
        grace_rate_bps: g.rng.gen_range(0..=5_000),
        grace_s: g.rng.gen_range(0..=grace_max),
        origination_fee: Amount(principal / g.rng.gen_range(20..=200)),
        exit_fee: Amount(g.rng.gen_range(0..=1_000)),
        expires_ms: world.time_ms.saturating_add(g.rng.gen_range(0..=86_400_000)),
        tranches,
    };
    Some((who, Msg::Loans(LoansMsg::Offer { terms: Box::new(terms) })))
}

fn loan_where(g: &mut Gen, state: LoanState) -> Option<computefi_app::modules::loans::Loan> {
    let world = g.world;
    let fitting: Vec<_> = world.loans.iter().filter(|l| l.state == state || g.chance(5)).collect();
    g.pick(&fitting).map(|l| (*l).clone())
}

fn loans_fund(g: &mut Gen) -> Made {
    let loan = loan_where(g, LoanState::Offered)?;
    let index = g.rng.gen_range(0..loan.tranches.len() + 1);
    let lender = loan.tranches.get(index).map_or(g.party(), |t| t.lender);
    let who = g.signer_for(&lender);
    Some((who, Msg::Loans(LoansMsg::Fund { loan: loan.id, tranche: index as u32 })))
}

fn loans_cancel(g: &mut Gen) -> Made {
    let loan = loan_where(g, LoanState::Offered)?;
    let who = g.signer_for(&loan.borrower);
    Some((who, Msg::Loans(LoansMsg::Cancel { loan: loan.id })))
}

fn loans_repay(g: &mut Gen) -> Made {
    let loan = loan_where(g, LoanState::Active)?;
    let who = g.signer_for(&loan.borrower);
    Some((who, Msg::Loans(LoansMsg::Repay { loan: loan.id })))
}

fn loans_prepay(g: &mut Gen) -> Made {
    let loan = loan_where(g, LoanState::Active)?;
    let who = g.signer_for(&loan.borrower);
    let amount = Amount(g.amount(loan.balance.0));
    Some((who, Msg::Loans(LoansMsg::Prepay { loan: loan.id, amount })))
}

fn loans_claim(g: &mut Gen) -> Made {
    let loan = loan_where(g, LoanState::Active)
        .or_else(|| loan_where(g, LoanState::Liquidated))
        .or_else(|| loan_where(g, LoanState::Repaid))?;
    let index = g.rng.gen_range(0..loan.tranches.len());
    let lender = loan.tranches[index].lender;
    let who = g.signer_for(&lender);
    Some((who, Msg::Loans(LoansMsg::Claim { loan: loan.id, tranche: index as u32 })))
}

fn loans_add_collateral(g: &mut Gen) -> Made {
    let loan = loan_where(g, LoanState::Active)?;
    let who = g.signer_for(&loan.borrower);
    let held = match loan.terms.collateral {
        Collateral::Shares { asset, .. } => g.world.balance(&who.address, &asset),
        Collateral::Title(_) => 1,
    };
    let amount = Amount(g.amount(held));
    Some((who, Msg::Loans(LoansMsg::AddCollateral { loan: loan.id, amount })))
}

/// A keeper liquidates a loan past its deadline and grace, as keepers watching the chain do, or
/// nothing when no loan is in default.
fn keeper(g: &mut Gen) -> Made {
    let world = g.world;
    let due: Vec<_> = world
        .loans
        .iter()
        .filter(|l| {
            let grace_ms = l.terms.grace_s.saturating_mul(1_000);
            l.state == LoanState::Active && world.time_ms > l.deadline_ms.saturating_add(grace_ms)
        })
        .collect();
    let loan = (*g.pick(&due)?).clone();
    Some((g.funded(), Msg::Loans(LoansMsg::Liquidate { loan: loan.id })))
}

/// A lender takes what a loan paid its tranche (as lenders' tools do), or nothing when no tranche
/// has anything to claim.
fn lender_claim(g: &mut Gen) -> Made {
    let world = g.world;
    let owed: Vec<(u64, u32, Address)> = world
        .loans
        .iter()
        .flat_map(|l| {
            l.tranches.iter().enumerate().filter_map(move |(i, t)| {
                let unclaimed = t.unclaimed().is_ok_and(|u| !u.is_zero()) || !t.shares_owed.is_zero();
                unclaimed.then_some((l.id, i as u32, t.lender))
            })
        })
        .collect();
    let (loan, tranche, lender) = *g.pick(&owed)?;
    let who = g.signer_for(&lender);
    Some((who, Msg::Loans(LoansMsg::Claim { loan, tranche })))
}

fn loans_liquidate(g: &mut Gen) -> Made {
    let loan = loan_where(g, LoanState::Active)?;
    let who = g.funded();
    Some((who, Msg::Loans(LoansMsg::Liquidate { loan: loan.id })))
}

// ---- auctions ----

/// A bidder watching open auctions bids what one asks now (and now and then a little more), or
/// nothing when none is open.
fn auction_bidder(g: &mut Gen) -> Made {
    use computefi_app::modules::auctions::AuctionState;
    let world = g.world;
    let open: Vec<_> = world.auctions.iter().filter(|a| a.state == AuctionState::Open).collect();
    let auction = (*g.pick(&open)?).clone();
    let least = computefi_app::modules::auctions::min_bid(&auction, 100).map_or(1, |a| a.0);
    let amount = least.saturating_add(if g.chance(30) { least / 20 } else { 0 });
    let who = g.funded();
    Some((who, Msg::Auctions(AuctionsMsg::Bid { auction: auction.id, amount: Amount(amount) })))
}

fn auctions_bid(g: &mut Gen) -> Made {
    use computefi_app::modules::auctions::AuctionState;
    let world = g.world;
    let open: Vec<_> =
        world.auctions.iter().filter(|a| a.state == AuctionState::Open || g.chance(5)).collect();
    let auction = (*g.pick(&open)?).clone();
    // The least bid now, and sometimes less or a good deal more.
    let least = computefi_app::modules::auctions::min_bid(&auction, 100).map_or(1, |a| a.0);
    let amount =
        if g.chance(10) { least.saturating_sub(1) } else { least.saturating_add(g.amount(least / 10 + 1)) };
    let who = g.funded();
    Some((who, Msg::Auctions(AuctionsMsg::Bid { auction: auction.id, amount: Amount(amount) })))
}

// ---- vault ----

fn policy(g: &mut Gen) -> computefi_types::vault::LendingPolicy {
    use computefi_types::vault::LendingPolicy;
    let loan_max = Amount(g.rng.gen_range(1..=2_000_000_000u128));
    LendingPolicy {
        loan_max,
        borrower_max: Amount(loan_max.0.saturating_mul(g.rng.gen_range(1..=3))),
        rate_bps_min: if g.chance(5) { 100_001 } else { g.rng.gen_range(0..=1_500) },
        ltv_bps_max: g.rng.gen_range(1_000..=10_000),
        classes: vec![TitleClass::GpuServer, TitleClass::AsicMiner],
        green_only: g.chance(10),
    }
}

fn vault_where(g: &mut Gen) -> Option<computefi_app::modules::vault::Vault> {
    let world = g.world;
    let vaults: Vec<_> = world.yield_vaults.iter().collect();
    g.pick(&vaults).map(|v| (*v).clone())
}

fn vault_create(g: &mut Gen) -> Made {
    let n = g.unique();
    let terms = VaultTerms {
        asset: match g.rng.gen_range(0..10) {
            0..=5 => crate::fixtures::cfi(),
            6..=8 => computefi_app::modules::reserve::dollar_asset(),
            _ => g.asset(),
        },
        symbol: if g.chance(5) { "bad symbol".into() } else { format!("SV{n}") },
        name: format!("Sim vault {n}"),
        window_ms: if g.chance(5) { 0 } else { g.rng.gen_range(60_000..=86_400_000) },
        redeem_min: Amount(g.rng.gen_range(1..=1_000)),
        requests_per_account_max: g.rng.gen_range(1..=4),
        deposit_cap: if g.chance(30) {
            Some(Amount(g.rng.gen_range(1..=1_000_000_000_000u128)))
        } else {
            None
        },
        policy: policy(g),
    };
    Some((g.funded(), Msg::Vault(VaultMsg::Create { terms: Box::new(terms) })))
}

fn vault_policy(g: &mut Gen) -> Made {
    let v = vault_where(g)?;
    let who = g.signer_for(&v.manager);
    let policy = policy(g);
    Some((who, Msg::Vault(VaultMsg::SetPolicy { vault: v.id, policy })))
}

fn vault_deposit(g: &mut Gen) -> Made {
    let v = vault_where(g)?;
    let who = g.funded();
    let assets = Amount(g.amount(1_000_000_000));
    Some((who, Msg::Vault(VaultMsg::Deposit { vault: v.id, assets })))
}

fn vault_mint(g: &mut Gen) -> Made {
    let v = vault_where(g)?;
    let who = g.funded();
    let shares = Amount(g.amount(1_000_000_000_000_000));
    Some((who, Msg::Vault(VaultMsg::Mint { vault: v.id, shares })))
}

fn vault_request(g: &mut Gen) -> Made {
    let v = vault_where(g)?;
    let who = g.funded();
    let held = g.world.balance(&who.address, &v.share);
    let shares = Amount(g.amount(held));
    Some((who, Msg::Vault(VaultMsg::RequestRedeem { vault: v.id, shares })))
}

fn vault_cancel(g: &mut Gen) -> Made {
    let v = vault_where(g)?;
    let request = g.pick(&v.queue).copied().unwrap_or(0);
    let who = g.funded();
    Some((who, Msg::Vault(VaultMsg::Cancel { vault: v.id, request })))
}

fn vault_service(g: &mut Gen) -> Made {
    let v = vault_where(g)?;
    Some((g.funded(), Msg::Vault(VaultMsg::Service { vault: v.id })))
}

fn vault_allocate(g: &mut Gen) -> Made {
    let world = g.world;
    let offered: Vec<(u64, u64, u32)> = world
        .loans
        .iter()
        .filter(|l| l.state == LoanState::Offered)
        .flat_map(|l| {
            l.tranches.iter().enumerate().filter_map(move |(i, t)| {
                world
                    .yield_vaults
                    .iter()
                    .find(|v| v.account == t.lender && !t.funded)
                    .map(|v| (v.id, l.id, i as u32))
            })
        })
        .collect();
    let (vault, loan, tranche) = match g.pick(&offered) {
        Some(x) => *x,
        None => {
            let v = vault_where(g)?;
            let loan = loan_where(g, LoanState::Offered)?;
            (v.id, loan.id, 0)
        }
    };
    let manager = world.yield_vaults.iter().find(|v| v.id == vault).map_or(g.party(), |v| v.manager);
    let who = g.signer_for(&manager);
    Some((who, Msg::Vault(VaultMsg::Allocate { vault, loan, tranche })))
}

fn vault_queue_deposit(g: &mut Gen) -> Made {
    let v = vault_where(g)?;
    let who = g.funded();
    let assets = Amount(g.amount(1_000_000_000));
    Some((who, Msg::Vault(VaultMsg::QueueDeposit { vault: v.id, assets })))
}

fn vault_cancel_deposit(g: &mut Gen) -> Made {
    let v = vault_where(g)?;
    let deposit = g.pick(&v.deposit_queue).copied().unwrap_or(0);
    Some((g.funded(), Msg::Vault(VaultMsg::CancelDeposit { vault: v.id, deposit })))
}

fn vault_collect(g: &mut Gen) -> Made {
    let v = vault_where(g)?;
    Some((g.funded(), Msg::Vault(VaultMsg::Collect { vault: v.id })))
}

// ---- reserve ----

/// A reference of 1 to 64 bytes, now and then empty or too long.
fn reference(g: &mut Gen, kind: &str) -> String {
    match g.rng.gen_range(0..40) {
        0 => String::new(),
        1 => "x".repeat(computefi_types::reserve::REF_BYTES_MAX + 1),
        _ => format!("{kind}-{}", g.unique()),
    }
}

fn reserve_attest(g: &mut Gen) -> Made {
    use computefi_types::reserve::{Holding, HoldingKind, ReserveReport};
    let who = g.signer_for(&crate::attestor().address);
    let now = g.world.time_ms;
    let holdings: Vec<Holding> = (0..g.rng.gen_range(1..=3))
        .map(|_| Holding {
            kind: if g.chance(50) {
                HoldingKind::Cash
            } else {
                HoldingKind::TBill { maturity_ms: now.saturating_add(g.rng.gen_range(0..=31_536_000_000)) }
            },
            amount: Amount(g.rng.gen_range(1..=10u128.pow(15))),
        })
        .collect();
    let mut total: u128 = holdings.iter().map(|h| h.amount.0).sum();
    if g.chance(5) {
        total += 1;
    }
    let id = match (&g.world.reserve_report, g.chance(5)) {
        (Some(last), true) => last.clone(),
        _ => reference(g, "report"),
    };
    let report = ReserveReport {
        id,
        custodian: "Sim Custody".into(),
        as_of_ms: now
            .saturating_sub(g.rng.gen_range(0..=3_600_000))
            .saturating_add(u64::from(g.chance(5)) * 7_200_000),
        holdings,
        total: Amount(total),
        document_hash: sha256(&g.unique().to_le_bytes()),
    };
    Some((who, Msg::Reserve(ReserveMsg::Attest { report: Box::new(report) })))
}

fn reserve_mint(g: &mut Gen) -> Made {
    let who = g.signer_for(&crate::minter().address);
    let to = g.party();
    let amount = Amount(g.amount(1_000_000_000_000));
    let payment_ref = reference(g, "payment");
    Some((who, Msg::Reserve(ReserveMsg::Mint { to, amount, payment_ref })))
}

fn reserve_burn(g: &mut Gen) -> Made {
    let who = g.funded();
    let held = g.world.balance(&who.address, &computefi_app::modules::reserve::dollar_asset());
    let amount = Amount(g.amount(held));
    let payout_ref = reference(g, "payout");
    Some((who, Msg::Reserve(ReserveMsg::Burn { amount, payout_ref })))
}

fn reserve_yield(g: &mut Gen) -> Made {
    let who = g.signer_for(&crate::attestor().address);
    let to = match g.world.yield_vaults.first() {
        Some(v) if g.chance(80) => v.account,
        _ => g.anywhere(),
    };
    let now = g.world.time_ms;
    let report_id = g.world.reserve_report.clone().unwrap_or_else(|| "none".into());
    let amount = Amount(g.amount(1_000_000_000));
    let start = now.saturating_sub(g.rng.gen_range(1..=86_400_000));
    Some((
        who,
        Msg::Reserve(ReserveMsg::Yield { to, amount, period_start_ms: start, period_end_ms: now, report_id }),
    ))
}

// ---- green ----

fn bundle_where(g: &mut Gen) -> Option<computefi_app::modules::green::Bundle> {
    let world = g.world;
    let active: Vec<_> = world
        .bundles
        .iter()
        .filter(|b| b.status == computefi_types::green::CertificateStatus::Active || g.chance(10))
        .collect();
    g.pick(&active).map(|b| (*b).clone())
}

fn green_issue(g: &mut Gen) -> Made {
    let site = title_where(g, |t| t.spec.class == TitleClass::EnergySite && t.status.is_verified())?;
    let who = g.signer_for(&site.holder);
    let hour = (g.world.time_ms / time::HOUR_MS).saturating_sub(g.rng.gen_range(0..=3));
    Some((who, Msg::Green(GreenMsg::Issue { site: site.id, hour })))
}

fn green_split(g: &mut Gen) -> Made {
    let b = bundle_where(g)?;
    let who = g.signer_for(&b.holder);
    let first_wh = g.rng.gen_range(0..=b.quantity());
    Some((who, Msg::Green(GreenMsg::Split { bundle: b.id, first_wh })))
}

fn green_transfer(g: &mut Gen) -> Made {
    let b = bundle_where(g)?;
    let who = g.signer_for(&b.holder);
    let to = g.party();
    Some((who, Msg::Green(GreenMsg::Transfer { bundle: b.id, to })))
}

fn green_cancel(g: &mut Gen) -> Made {
    let b = bundle_where(g)?;
    let who = g.signer_for(&b.holder);
    let zone = b.zone.clone();
    let beneficiary =
        title_where(g, |t| t.spec.class != TitleClass::EnergySite && t.spec.location.zone == zone)?.id;
    Some((who, Msg::Green(GreenMsg::Cancel { bundle: b.id, beneficiary })))
}

fn green_claim(g: &mut Gen) -> Made {
    let b = bundle_where(g)?;
    let holder = b
        .beneficiary
        .and_then(|t| g.world.titles.iter().find(|x| x.id == t).map(|x| x.holder))
        .unwrap_or(b.holder);
    let who = g.signer_for(&holder);
    Some((who, Msg::Green(GreenMsg::Claim { bundle: b.id })))
}

fn green_expire(g: &mut Gen) -> Made {
    let b = bundle_where(g)?;
    Some((g.funded(), Msg::Green(GreenMsg::Expire { bundle: b.id })))
}

fn green_withdraw(g: &mut Gen) -> Made {
    let b = bundle_where(g)?;
    let who = g.signer_for(&crate::auditor().address);
    Some((who, Msg::Green(GreenMsg::Withdraw { bundle: b.id, reason: "meter fault".into() })))
}

fn green_lock(g: &mut Gen) -> Made {
    let b = bundle_where(g)?;
    let who = if g.chance(10) { g.funded() } else { g.signer_for(&crate::auditor().address) };
    Some((who, Msg::Green(GreenMsg::Lock { bundle: b.id, reason: "under investigation".into() })))
}

fn green_unlock(g: &mut Gen) -> Made {
    let world = g.world;
    let locked: Vec<_> = world
        .bundles
        .iter()
        .filter(|b| b.status == computefi_types::green::CertificateStatus::Locked || g.chance(5))
        .collect();
    let b = (*g.pick(&locked)?).clone();
    let who = g.signer_for(&crate::auditor().address);
    Some((who, Msg::Green(GreenMsg::Unlock { bundle: b.id })))
}

// ---- carbon ----

/// A credit batch, usually an active one, read from the committed state.
fn credit_batch_where(g: &mut Gen) -> Option<computefi_app::modules::carbon::CreditBatch> {
    let batches = super::check::credit_batches(g.chain.app()).ok()?;
    let fits: Vec<_> = batches
        .into_iter()
        .filter(|b| b.status == computefi_types::carbon::CreditStatus::Active || g.chance(10))
        .collect();
    g.pick(&fits).cloned()
}

fn carbon_immobilise(g: &mut Gen) -> Made {
    use computefi_app::modules::carbon::state::SERIALS_PER_BATCH_MAX;
    let who = g.signer_for(&crate::attestor().address);
    let registry = match g.rng.gen_range(0..100) {
        0..=59 => "verra",
        60..=94 => "gold-standard",
        _ => "Not A Registry",
    };
    let len = if g.chance(3) { SERIALS_PER_BATCH_MAX + 1 } else { g.rng.gen_range(1..=2_000) };
    let start = match (g.rng.gen_range(0..100), credit_batch_where(g)) {
        // Overlapping what was minted (refused), or right after it (merged).
        (0..=24, Some(b)) => b.serial_start.saturating_add(g.rng.gen_range(0..=b.quantity())),
        (25..=34, _) => u64::MAX - g.rng.gen_range(0..=2_000),
        (35..=39, _) => 999_000 + g.rng.gen_range(0..=2_000), // across a bucket's edge
        _ => g.unique().saturating_mul(10_000),
    };
    let end = if g.chance(3) { start.saturating_sub(1) } else { start.saturating_add(len - 1) };
    let vintage = if g.chance(3) { 1_900 } else { g.rng.gen_range(2_010..=2_025) };
    Some((
        who,
        Msg::Carbon(CarbonMsg::Immobilise {
            registry: registry.into(),
            project: format!("VCS-{}", g.rng.gen_range(1..=5_000)),
            vintage,
            serial_start: start,
            serial_end: end,
        }),
    ))
}

fn carbon_transfer(g: &mut Gen) -> Made {
    let b = credit_batch_where(g)?;
    let who = g.signer_for(&b.holder);
    let quantity = g.rng.gen_range(0..=b.quantity().saturating_add(1));
    let to = g.party();
    Some((who, Msg::Carbon(CarbonMsg::Transfer { batch: b.id, quantity, to })))
}

fn carbon_retire(g: &mut Gen) -> Made {
    let b = credit_batch_where(g)?;
    let who = g.signer_for(&b.holder);
    let quantity = g.rng.gen_range(0..=b.quantity().saturating_add(1));
    let beneficiary = match g.rng.gen_range(0..100) {
        0..=2 => String::new(),
        3..=4 => "x".repeat(computefi_types::carbon::BENEFICIARY_BYTES_MAX + 1),
        _ => format!("beneficiary {}", g.unique()),
    };
    let holder = b.holder;
    let world = g.world;
    let theirs: Vec<u64> =
        world.leases.iter().filter(|l| l.renter == holder || l.provider == holder).map(|l| l.id).collect();
    let lease = match g.rng.gen_range(0..100) {
        0..=39 => g.pick(&theirs).copied(),
        40..=49 => g.pick(&world.leases).map(|l| l.id),
        _ => None,
    };
    Some((who, Msg::Carbon(CarbonMsg::Retire { batch: b.id, quantity, beneficiary, lease })))
}

// ---- passes ----

/// A yield-pass series, usually an unreleased one, read from the committed state.
fn pass_series_where(g: &mut Gen) -> Option<computefi_app::modules::passes::Series> {
    let all = super::check::pass_series(g.chain.app()).ok()?;
    let fits: Vec<_> = all.into_iter().filter(|s| !s.released || g.chance(15)).collect();
    g.pick(&fits).cloned()
}

/// A holder of `series`' passes among the actors (usually), or anyone.
fn pass_holder(g: &mut Gen, series: &AssetId) -> TestAccount {
    let world = g.world;
    let holders: Vec<&TestAccount> =
        g.actors.iter().filter(|a| world.balance(&a.address, series) > 0).collect();
    match g.pick(&holders) {
        Some(a) if !g.chance(10) => (*a).clone(),
        _ => g.actor(),
    }
}

fn passes_lock(g: &mut Gen) -> Made {
    use computefi_app::modules::passes::state::EXPIRY_AHEAD_MS_MAX;
    let (shares, who) = share_holder(g)?;
    let now = g.world.time_ms;
    let existing: Vec<u64> = super::check::pass_series(g.chain.app())
        .ok()?
        .iter()
        .filter(|s| s.shares == shares && !s.released)
        .map(|s| s.expiry_ms)
        .collect();
    let expiry_ms = match (g.rng.gen_range(0..100), g.pick(&existing).copied()) {
        (0..=49, Some(e)) => e,
        (50..=54, _) => now.saturating_sub(g.rng.gen_range(0..=3_600_000)), // past
        (55..=57, _) => now.saturating_add(EXPIRY_AHEAD_MS_MAX + g.rng.gen_range(2_000..=90_000)), // beyond
        // Expires within the run, at the time of a block that follows one second after another.
        (58..=84, _) => now.saturating_add(1_000 * g.rng.gen_range(20..=300)),
        _ => now.saturating_add(g.rng.gen_range(3_600_000..=10 * 86_400_000)),
    };
    let held = g.balance_of(&who.address, &shares);
    let amount = Amount(if g.chance(70) { g.rng.gen_range(1..=held.max(1)) } else { g.amount(held) });
    Some((who, Msg::Passes(PassesMsg::Lock { shares, amount, expiry_ms })))
}

fn passes_claim(g: &mut Gen) -> Made {
    let s = pass_series_where(g)?;
    let who = pass_holder(g, &s.asset);
    let series = if g.chance(5) { g.asset() } else { s.asset };
    Some((who, Msg::Passes(PassesMsg::Claim { series })))
}

/// A series whose expiry has passed or is the nearest ahead (the next block may pass it, and a
/// `Release` or `Burn` in that block runs before the end of the block releases it), or any.
fn pass_series_expiring(g: &mut Gen) -> Option<computefi_app::modules::passes::Series> {
    let mut all = super::check::pass_series(g.chain.app()).ok()?;
    let now = g.world.time_ms;
    all.sort_by_key(|s| (s.released, s.expiry_ms));
    let next_block = now.saturating_add(1_000);
    let mut due: Vec<_> = all.iter().filter(|s| !s.released && s.expiry_ms <= next_block).cloned().collect();
    // A block may jump hours ahead: the nearest expiry within three hours may pass in it.
    if let Some(s) = all.iter().find(|s| !s.released && s.expiry_ms <= now.saturating_add(3 * 3_600_000)) {
        if due.is_empty() && g.chance(50) {
            due.push(s.clone());
        }
    }
    match g.pick(&due) {
        Some(s) if !g.chance(20) => Some(s.clone()),
        // Nothing due: now and then a series that is not (refused), else another kind.
        _ if due.is_empty() && !g.chance(10) => None,
        _ => g.pick(&all).cloned(),
    }
}

fn passes_release(g: &mut Gen) -> Made {
    let s = pass_series_expiring(g)?;
    let who = g.actor();
    Some((who, Msg::Passes(PassesMsg::Release { series: s.asset })))
}

fn passes_burn(g: &mut Gen) -> Made {
    let now = g.world.time_ms;
    let all = super::check::pass_series(g.chain.app()).ok()?;
    let expired: Vec<_> = all.iter().filter(|s| s.expiry_ms <= now).cloned().collect();
    let s = match g.pick(&expired) {
        Some(s) if !g.chance(20) => s.clone(),
        _ => g.pick(&all)?.clone(),
    };
    let who = pass_holder(g, &s.asset);
    let held = g.balance_of(&who.address, &s.asset);
    let amount = Amount(g.amount(held));
    Some((who, Msg::Passes(PassesMsg::Burn { series: s.asset, amount })))
}

// ---- gov ----

/// CFI base units in one CFI.
const CFI: u128 = 1_000_000;

/// A proposal to name: usually an open one, read from the committed state.
fn proposal_id(g: &mut Gen) -> u64 {
    let open = g.chain.app().open_proposals().unwrap_or_default();
    match g.pick(&open) {
        Some(id) if !g.chance(10) => *id,
        _ => g.rng.gen_range(0..=g.chain.app().proposal_count().unwrap_or(0)),
    }
}

fn gov_lock(g: &mut Gen) -> Made {
    let who = g.funded();
    let amount = Amount(if g.chance(80) { g.rng.gen_range(1..=50_000) * CFI } else { g.amount(CFI) });
    Some((who, Msg::Gov(GovMsg::Lock { amount })))
}

fn gov_unlock(g: &mut Gen) -> Made {
    let who = g.funded();
    let locked = g.chain.app().locked(&who.address).map(|a| a.0).unwrap_or(0);
    let amount = Amount(g.amount(locked));
    Some((who, Msg::Gov(GovMsg::Unlock { amount })))
}

/// A proposal's actions: a parameter within or outside its bounds, a role for a simulation
/// account, a validator; or none (text).
fn gov_actions(g: &mut Gen) -> Vec<computefi_types::gov::GovAction> {
    use computefi_types::gov::{GovAction, Role};
    let mut actions = Vec::new();
    for _ in 0..g.rng.gen_range(0..=2) {
        let action = match g.rng.gen_range(0..10) {
            0..=3 => {
                let (path, value) = [
                    ("green.pue_micro", g.rng.gen_range(900_000..=2_000_000).to_string()),
                    ("auctions.min_increment_bps", g.rng.gen_range(0..=200).to_string()),
                    ("min_fee", g.rng.gen_range(0..=1_000).to_string()),
                    ("gov.voting_period_ms", g.rng.gen_range(5_000..=200_000_000).to_string()),
                    ("no.such.param", "1".to_string()),
                ][g.rng.gen_range(0..5)]
                .clone();
                GovAction::SetParam { path: path.into(), value }
            }
            4..=7 => {
                let role = match g.rng.gen_range(0..6) {
                    0 => Role::ClaimIssuer,
                    1 => Role::Auditor,
                    2 => Role::ReserveAttestor,
                    3 => Role::RegistryAttestor,
                    4 => Role::OracleFeeder { feed: "btc_usd".into() },
                    _ => Role::VaultManager { vault: g.rng.gen_range(0..3) },
                };
                let address = g.party();
                // The chain's own role holders keep their roles (a run without an auditor would
                // verify nothing more); others gain and lose theirs.
                let keepers = [crate::auditor(), crate::issuer(), crate::attestor(), crate::minter()];
                let kept = keepers.iter().any(|k| k.address == address);
                if kept || g.chance(50) {
                    GovAction::GrantRole { role, address }
                } else {
                    GovAction::RevokeRole { role, address }
                }
            }
            _ => GovAction::SetValidator {
                name: "sim-validator".into(),
                public_key: crate::TestAccount::named(&format!("validator-{}", g.rng.gen_range(0..3)))
                    .public_key(),
                power: g.rng.gen_range(0..=5),
            },
        };
        actions.push(action);
    }
    actions
}

fn gov_submit(g: &mut Gen) -> Made {
    let who = g.funded();
    let actions = gov_actions(g);
    let deposit = Amount(match g.rng.gen_range(0..10) {
        0 => g.rng.gen_range(1..100) * CFI,
        1..=4 => g.rng.gen_range(100..1_000) * CFI,
        _ => g.rng.gen_range(1_000..=2_000) * CFI,
    });
    let title = if g.chance(3) { String::new() } else { format!("proposal {}", g.unique()) };
    Some((who, Msg::Gov(GovMsg::Submit { title, summary: "simulated".into(), actions, deposit })))
}

fn gov_deposit(g: &mut Gen) -> Made {
    let who = g.funded();
    let proposal = proposal_id(g);
    let amount = Amount(g.rng.gen_range(1..=1_000) * CFI);
    Some((who, Msg::Gov(GovMsg::Deposit { proposal, amount })))
}

fn gov_vote(g: &mut Gen) -> Made {
    use computefi_types::gov::VoteOption;
    // Usually an account with voting power.
    let mut who = g.actor();
    for _ in 0..4 {
        if g.chain.app().locked(&who.address).is_ok_and(|a| !a.is_zero()) || g.chance(10) {
            break;
        }
        who = g.actor();
    }
    let proposal = proposal_id(g);
    let option =
        [VoteOption::Yes, VoteOption::Yes, VoteOption::No, VoteOption::Abstain, VoteOption::NoWithVeto]
            [g.rng.gen_range(0..5)];
    Some((who, Msg::Gov(GovMsg::Vote { proposal, option })))
}

fn gov_cancel(g: &mut Gen) -> Made {
    let proposal = proposal_id(g);
    let proposer = g.chain.app().proposal(proposal).ok().flatten().map(|p| p.proposer);
    // Mostly someone else (refused): proposers seldom cancel.
    let who = match proposer {
        Some(p) if g.chance(25) => g.signer_for(&p),
        _ => g.actor(),
    };
    Some((who, Msg::Gov(GovMsg::Cancel { proposal })))
}

fn gov_execute(g: &mut Gen) -> Made {
    let who = g.actor();
    let proposal = proposal_id(g);
    Some((who, Msg::Gov(GovMsg::Execute { proposal })))
}
