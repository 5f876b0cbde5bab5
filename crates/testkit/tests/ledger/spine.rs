//! The spine of the mission: a physical asset becomes a title, the title is split into shares
//! that only eligible investors may hold, and the income the hardware earns reaches the holders.

use computefi_app::modules::revenue;
use computefi_testkit::fixtures::{
    cfi, gpu_title, grant, investor, issue, kyc, kyc_rules, operator, outsider, register, verify,
};
use computefi_testkit::{auditor, issuer, msgs, refused, run, TestChain};
use computefi_types::compliance::{Claim, ClaimType, Condition, Requirement, TransferRules};
use computefi_types::title::*;
use computefi_types::*;
use proptest::prelude::*;

/// An insured rack of H100 servers, one title per set of `serials`, without a device key.
fn gpu_spec(serials: &[&str]) -> TitleSpec {
    TitleSpec {
        insurance: Some(Insurance {
            insurer: "Munich Re".into(),
            cover: Amount(250_000_000_000),
            expires_at_ms: u64::MAX,
        }),
        device_keys: vec![],
        ..gpu_title("SYS-821GE-TNHR (8x H100 SXM)", serials)
    }
}

/// A verified title split into `shares` shares held by the operator, with KYC rules.
fn vault(chain: &mut TestChain, shares: u128) -> (TitleId, AssetId) {
    let mut spec = gpu_spec(&["GPU-0001", "GPU-0002"]);
    spec.rules = kyc_rules();
    let title = register(chain, spec);
    verify(chain, title, "audit report");
    let msg = Msg::Shares(SharesMsg::Fractionalise {
        titles: vec![title],
        shares: Amount(shares),
        symbol: "H100FRA".into(),
        name: "H100 Frankfurt rack".into(),
    });
    let receipt = run(chain, &operator(), msg).expect("fractionalises");
    let asset = receipt.events.iter().find_map(|e| e.attr("asset")).unwrap().parse().unwrap();
    (title, asset)
}

fn deposit(title: TitleId, gross: u128, power: u128) -> Msg {
    Msg::Revenue(RevenueMsg::Deposit {
        target: RevenueTarget::Title(title),
        asset: cfi(),
        gross: Amount(gross),
        costs: OperatingCosts { power: Amount(power), ..OperatingCosts::default() },
        period: "2026-10".into(),
    })
}

fn claim(shares: AssetId) -> Msg {
    Msg::Revenue(RevenueMsg::Claim { shares, asset: cfi() })
}

fn claimed_amount(receipt: &Receipt) -> u128 {
    receipt
        .events
        .iter()
        .find(|e| e.kind == "revenue.claimed")
        .and_then(|e| e.attr("amount"))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn the_whole_spine_from_registration_to_a_pro_rata_income_claim() {
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 1_000);
    let t = chain.app().title(&title).unwrap().unwrap();
    assert_eq!(t.status, TitleStatus::Verified);
    assert_eq!(t.locked_by, Some(shares));
    assert_eq!(chain.balance(&operator().address, &shares), Amount(1_000));

    kyc(&mut chain, &investor().address);
    run(&mut chain, &operator(), msgs::send(&investor().address, &shares, 250))
        .expect("a KYC'd investor may buy");
    refused(
        &mut chain,
        &operator(),
        msgs::send(&outsider().address, &shares, 1),
        ErrorCode::TransferNotAllowed,
    );

    // a month of rental income, 10,000 CFI gross less 2,000 CFI of power
    let before = chain.native_balance(&investor().address);
    run(&mut chain, &operator(), deposit(title, 10_000_000_000, 2_000_000_000)).expect("deposit");
    let paid = claimed_amount(&run(&mut chain, &investor(), claim(shares)).expect("claim"));
    assert_eq!(paid, 2_000_000_000, "25 % of the 8,000 CFI net");
    assert_eq!(chain.native_balance(&investor().address).0, before.0 + paid - computefi_testkit::FEE.0);
    refused(&mut chain, &investor(), claim(shares), ErrorCode::NothingToClaim);
    let op = claimed_amount(&run(&mut chain, &operator(), claim(shares)).expect("operator claims"));
    assert_eq!(op, 6_000_000_000);
}

#[test]
fn income_accrued_before_a_transfer_stays_with_the_sender() {
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 100);
    kyc(&mut chain, &investor().address);
    run(&mut chain, &operator(), deposit(title, 1_000, 0)).unwrap();
    run(&mut chain, &operator(), msgs::send(&investor().address, &shares, 100)).unwrap();
    refused(&mut chain, &investor(), claim(shares), ErrorCode::NothingToClaim);
    assert_eq!(claimed_amount(&run(&mut chain, &operator(), claim(shares)).unwrap()), 1_000);
    run(&mut chain, &operator(), deposit(title, 500, 0)).unwrap();
    assert_eq!(claimed_amount(&run(&mut chain, &investor(), claim(shares)).unwrap()), 500);
}

#[test]
fn rounding_never_pays_out_more_than_was_deposited() {
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 3);
    kyc(&mut chain, &investor().address);
    kyc(&mut chain, &outsider().address);
    run(&mut chain, &operator(), msgs::send(&investor().address, &shares, 1)).unwrap();
    run(&mut chain, &operator(), msgs::send(&outsider().address, &shares, 1)).unwrap();
    run(&mut chain, &operator(), deposit(title, 10, 0)).unwrap();
    let total: u128 = [operator(), investor(), outsider()]
        .iter()
        .map(|who| claimed_amount(&run(&mut chain, who, claim(shares)).unwrap()))
        .sum();
    assert_eq!(total, 9, "10 split three ways pays 3 each; the dust stays");
    let pool: revenue::IncomePool = chain.app().income_pool(&shares, &cfi()).unwrap();
    assert_eq!((pool.net, pool.claimed), (Amount(10), Amount(9)));
    assert!(!pool.remainder.is_zero(), "the undistributed remainder is tracked");
}

#[test]
fn income_of_a_title_not_split_into_shares_goes_to_its_holder() {
    let mut chain = TestChain::new();
    let title = register(&mut chain, gpu_spec(&["ASIC-1"]));
    let before = chain.native_balance(&operator().address);
    let receipt = run(&mut chain, &operator(), deposit(title, 700, 200)).unwrap();
    assert_eq!(receipt.events[1].attr("net"), Some("500"));
    assert_eq!(
        chain.native_balance(&operator().address).0,
        before.0 - computefi_testkit::FEE.0,
        "paid to itself, net of nothing"
    );
}

#[test]
fn an_authorised_payer_may_deposit_and_others_may_not() {
    let mut chain = TestChain::new();
    let (title, _) = vault(&mut chain, 10);
    refused(&mut chain, &outsider(), deposit(title, 100, 0), ErrorCode::NotPayer);
    let msg = Msg::Revenue(RevenueMsg::AuthorizePayer { title, payer: Some(outsider().address) });
    refused(&mut chain, &investor(), msg.clone(), ErrorCode::NotOperator);
    run(&mut chain, &operator(), msg).unwrap();
    run(&mut chain, &outsider(), deposit(title, 100, 0)).expect("the authorised payer deposits");
}

#[test]
fn costs_above_income_are_refused() {
    let mut chain = TestChain::new();
    let (title, _) = vault(&mut chain, 10);
    refused(&mut chain, &operator(), deposit(title, 100, 101), ErrorCode::CostsExceedIncome);
    refused(&mut chain, &operator(), deposit(title, 100, 100), ErrorCode::CostsExceedIncome);
}

#[test]
fn depositing_to_a_retired_title_is_refused() {
    let mut chain = TestChain::new();
    let title = register(&mut chain, gpu_spec(&["GPU-9"]));
    run(&mut chain, &operator(), Msg::Registry(RegistryMsg::Retire { title })).unwrap();
    refused(&mut chain, &operator(), deposit(title, 100, 0), ErrorCode::TitleEnded);
}

#[test]
fn a_claim_issuer_grants_and_revokes_claims_and_an_expired_claim_does_not_count() {
    let mut chain = TestChain::new();
    let gpu = issue(&mut chain, &operator(), "GPUX", 0, &[(operator().address, 100)]);
    run(&mut chain, &operator(), Msg::Compliance(ComplianceMsg::SetRules { asset: gpu, rules: kyc_rules() }))
        .unwrap();

    let now = chain.app().last().time_ms;
    grant(&mut chain, &investor().address, ClaimType::Kyc, None, now + 2_500);
    run(&mut chain, &operator(), msgs::send(&investor().address, &gpu, 1)).expect("the claim is valid");
    chain.produce(vec![]);
    chain.produce(vec![]);
    let err = refused(
        &mut chain,
        &operator(),
        msgs::send(&investor().address, &gpu, 1),
        ErrorCode::TransferNotAllowed,
    );
    assert!(err.detail.contains("kyc"), "the error names the failing claim: {err}");

    kyc(&mut chain, &investor().address);
    run(&mut chain, &operator(), msgs::send(&investor().address, &gpu, 1))
        .expect("a new claim replaces the expired one");
    let revoke =
        Msg::Identity(IdentityMsg::RevokeClaim { subject: investor().address, claim: ClaimType::Kyc });
    run(&mut chain, &issuer(), revoke.clone()).unwrap();
    refused(&mut chain, &operator(), msgs::send(&investor().address, &gpu, 1), ErrorCode::TransferNotAllowed);
    refused(&mut chain, &issuer(), revoke, ErrorCode::ClaimNotFound);
}

#[test]
fn an_unregistered_issuer_cannot_grant_claims() {
    let mut chain = TestChain::new();
    let claim = Claim { claim_type: ClaimType::Kyc, jurisdiction: None };
    let msg = Msg::Identity(IdentityMsg::GrantClaim {
        subject: investor().address,
        claim,
        expires_at_ms: u64::MAX,
    });
    refused(&mut chain, &outsider(), msg, ErrorCode::NotClaimIssuer);
    let bad = Claim { claim_type: ClaimType::Jurisdiction, jurisdiction: Some("Germany".into()) };
    let msg = Msg::Identity(IdentityMsg::GrantClaim {
        subject: investor().address,
        claim: bad,
        expires_at_ms: u64::MAX,
    });
    refused(&mut chain, &issuer(), msg, ErrorCode::InvalidClaim);
    let past = Claim { claim_type: ClaimType::Kyc, jurisdiction: None };
    let msg =
        Msg::Identity(IdentityMsg::GrantClaim { subject: investor().address, claim: past, expires_at_ms: 1 });
    refused(&mut chain, &issuer(), msg, ErrorCode::ClaimExpiryPast);
}

#[test]
fn a_transfer_passes_if_any_requirement_holds_entirely() {
    let mut chain = TestChain::new();
    let gpu = issue(&mut chain, &operator(), "GPUX", 0, &[(operator().address, 100)]);
    let i = issuer().address;
    let rules = TransferRules {
        requirements: vec![
            Requirement {
                sender: vec![],
                receiver: vec![Condition::Has { claim: ClaimType::Accredited, issuer: i }],
            },
            Requirement {
                sender: vec![],
                receiver: vec![
                    Condition::Has { claim: ClaimType::Kyc, issuer: i },
                    Condition::JurisdictionIn { codes: vec!["DE".into(), "FR".into()], issuer: i },
                ],
            },
        ],
        ..TransferRules::default()
    };
    run(&mut chain, &operator(), Msg::Compliance(ComplianceMsg::SetRules { asset: gpu, rules })).unwrap();
    kyc(&mut chain, &investor().address);
    grant(&mut chain, &investor().address, ClaimType::Jurisdiction, Some("US"), u64::MAX);
    let err = refused(
        &mut chain,
        &operator(),
        msgs::send(&investor().address, &gpu, 1),
        ErrorCode::TransferNotAllowed,
    );
    assert!(err.detail.contains("requirement 0") && err.detail.contains("requirement 1"), "{err}");
    grant(&mut chain, &investor().address, ClaimType::Jurisdiction, Some("DE"), u64::MAX);
    run(&mut chain, &operator(), msgs::send(&investor().address, &gpu, 1))
        .expect("KYC in DE passes requirement 1");
    grant(&mut chain, &outsider().address, ClaimType::Accredited, None, u64::MAX);
    run(&mut chain, &operator(), msgs::send(&outsider().address, &gpu, 1))
        .expect("accredited passes requirement 0");
}

#[test]
fn holder_count_and_holding_limits_are_enforced() {
    let mut chain = TestChain::new();
    let gpu = issue(&mut chain, &operator(), "GPUX", 0, &[(operator().address, 100)]);
    let rules =
        TransferRules { holders_max: Some(2), holding_bps_max: Some(3_000), ..TransferRules::default() };
    run(&mut chain, &operator(), Msg::Compliance(ComplianceMsg::SetRules { asset: gpu, rules })).unwrap();
    refused(
        &mut chain,
        &operator(),
        msgs::send(&investor().address, &gpu, 31),
        ErrorCode::HoldingMaxExceeded,
    );
    run(&mut chain, &operator(), msgs::send(&investor().address, &gpu, 30)).unwrap();
    refused(&mut chain, &operator(), msgs::send(&outsider().address, &gpu, 1), ErrorCode::HoldersMaxExceeded);
    assert_eq!(chain.app().holders(&gpu).unwrap().len(), 2);
}

#[test]
fn freezes_stop_transfers_and_a_controller_can_force_one_on_the_record() {
    let mut chain = TestChain::new();
    let gpu = issue(&mut chain, &operator(), "GPUX", 0, &[(investor().address, 10)]);
    let freeze = |account| Msg::Compliance(ComplianceMsg::Freeze { asset: gpu, account });
    refused(&mut chain, &investor(), freeze(None), ErrorCode::NotIssuer);
    run(&mut chain, &operator(), freeze(Some(investor().address))).unwrap();
    refused(&mut chain, &investor(), msgs::send(&outsider().address, &gpu, 1), ErrorCode::AccountFrozen);
    run(
        &mut chain,
        &operator(),
        Msg::Compliance(ComplianceMsg::Unfreeze { asset: gpu, account: Some(investor().address) }),
    )
    .unwrap();
    run(&mut chain, &operator(), freeze(None)).unwrap();
    refused(&mut chain, &investor(), msgs::send(&outsider().address, &gpu, 1), ErrorCode::AssetFrozen);

    let force = Msg::Compliance(ComplianceMsg::ForceTransfer {
        asset: gpu,
        from: investor().address,
        to: outsider().address,
        amount: Amount(4),
    });
    refused(&mut chain, &operator(), force.clone(), ErrorCode::NotController);
    let rules = TransferRules { controller: Some(operator().address), ..TransferRules::default() };
    run(&mut chain, &operator(), Msg::Compliance(ComplianceMsg::SetRules { asset: gpu, rules })).unwrap();
    let receipt = run(&mut chain, &operator(), force).expect("the controller forces past the freeze");
    assert!(receipt.events.iter().any(|e| e.kind == "compliance.forced_transfer"));
    assert_eq!(chain.balance(&outsider().address, &gpu), Amount(4));
}

#[test]
fn a_serial_backs_one_title_until_the_title_ends() {
    let mut chain = TestChain::new();
    let title = register(&mut chain, gpu_spec(&["GPU-A", "GPU-B"]));
    let err = refused(
        &mut chain,
        &operator(),
        Msg::Registry(RegistryMsg::Register { spec: Box::new(gpu_spec(&["GPU-B"])) }),
        ErrorCode::DuplicateSerial,
    );
    assert!(err.detail.contains("GPU-B"));
    let msg = Msg::Registry(RegistryMsg::Redeem { title, delivery: "picked up at FRA-2 by holder".into() });
    let receipt = run(&mut chain, &operator(), msg).unwrap();
    assert_eq!(receipt.events[1].attr("delivery"), Some("picked up at FRA-2 by holder"));
    assert_eq!(chain.app().title(&title).unwrap().unwrap().status, TitleStatus::Redeemed);
    register(&mut chain, gpu_spec(&["GPU-B"]));
}

#[test]
fn only_the_right_party_acts_on_a_title() {
    let mut chain = TestChain::new();
    let title = register(&mut chain, gpu_spec(&["GPU-1"]));
    let verify_msg = Msg::Registry(RegistryMsg::Verify { title, document_hash: sha256(b"x") });
    refused(&mut chain, &operator(), verify_msg, ErrorCode::NotAuditor);
    refused(
        &mut chain,
        &investor(),
        Msg::Registry(RegistryMsg::Transfer { title, to: outsider().address }),
        ErrorCode::NotTitleHolder,
    );
    refused(
        &mut chain,
        &operator(),
        Msg::Registry(RegistryMsg::SetStatus { title, status: TitleStatus::Active }),
        ErrorCode::StatusByEvidenceOnly,
    );
    verify(&mut chain, title, "audit report");
    refused(
        &mut chain,
        &investor(),
        Msg::Registry(RegistryMsg::SetStatus { title, status: TitleStatus::Maintenance }),
        ErrorCode::NotOperator,
    );
    refused(
        &mut chain,
        &operator(),
        Msg::Registry(RegistryMsg::SetStatus { title, status: TitleStatus::Maintenance }),
        ErrorCode::BadStatusChange,
    );
    run(&mut chain, &operator(), Msg::Registry(RegistryMsg::Transfer { title, to: investor().address }))
        .unwrap();
    refused(&mut chain, &operator(), Msg::Registry(RegistryMsg::Retire { title }), ErrorCode::NotTitleHolder);
    let appraise = Msg::Registry(RegistryMsg::Appraise {
        title,
        value: Amount(300_000),
        method: "replacement cost".into(),
        date_ms: 1,
    });
    run(&mut chain, &auditor(), appraise).unwrap();
    assert_eq!(chain.app().title(&title).unwrap().unwrap().appraisal.unwrap().appraiser, auditor().address);
}

#[test]
fn a_pledged_title_stays_put_until_the_lender_releases_it() {
    let mut chain = TestChain::new();
    let title = register(&mut chain, gpu_spec(&["GPU-1"]));
    verify(&mut chain, title, "audit report");
    let to_module = computefi_app::modules::loans::module_account();
    let pledge_to_module = Msg::Registry(RegistryMsg::Pledge { title, to: to_module });
    refused(&mut chain, &operator(), pledge_to_module, ErrorCode::PledgeToModuleAccount);
    run(&mut chain, &operator(), Msg::Registry(RegistryMsg::Pledge { title, to: investor().address }))
        .unwrap();
    refused(
        &mut chain,
        &operator(),
        Msg::Registry(RegistryMsg::Transfer { title, to: outsider().address }),
        ErrorCode::TitlePledged,
    );
    refused(
        &mut chain,
        &operator(),
        Msg::Registry(RegistryMsg::Redeem { title, delivery: "x".into() }),
        ErrorCode::TitlePledged,
    );
    let split = Msg::Shares(SharesMsg::Fractionalise {
        titles: vec![title],
        shares: Amount(10),
        symbol: "RACK".into(),
        name: "Rack".into(),
    });
    refused(&mut chain, &operator(), split.clone(), ErrorCode::TitlePledged);
    refused(&mut chain, &operator(), Msg::Registry(RegistryMsg::Release { title }), ErrorCode::NotLienHolder);
    run(&mut chain, &investor(), Msg::Registry(RegistryMsg::Release { title })).unwrap();
    run(&mut chain, &operator(), split).expect("released, it can be split");
}

#[test]
fn shares_lock_the_title_until_one_holder_recombines_them_all() {
    let mut chain = TestChain::new();
    let (title, shares) = vault(&mut chain, 1_000);
    refused(
        &mut chain,
        &operator(),
        Msg::Registry(RegistryMsg::Transfer { title, to: investor().address }),
        ErrorCode::NotTitleHolder,
    );
    kyc(&mut chain, &investor().address);
    run(&mut chain, &operator(), msgs::send(&investor().address, &shares, 1)).unwrap();
    refused(
        &mut chain,
        &operator(),
        Msg::Shares(SharesMsg::Recombine { asset: shares }),
        ErrorCode::NotAllShares,
    );
    run(&mut chain, &investor(), msgs::send(&operator().address, &shares, 1)).unwrap_err();
    kyc(&mut chain, &operator().address);
    run(&mut chain, &investor(), msgs::send(&operator().address, &shares, 1)).unwrap();
    run(&mut chain, &operator(), Msg::Shares(SharesMsg::Recombine { asset: shares })).unwrap();
    let t = chain.app().title(&title).unwrap().unwrap();
    assert_eq!((t.holder, t.locked_by), (operator().address, None));
    assert_eq!(chain.supply(&shares), Amount::ZERO);
    run(&mut chain, &operator(), Msg::Registry(RegistryMsg::Transfer { title, to: investor().address }))
        .expect("unlocked");
}

#[test]
fn splitting_needs_a_verified_title_and_at_least_one_share() {
    let mut chain = TestChain::new();
    let title = register(&mut chain, gpu_spec(&["GPU-1"]));
    let split = |shares| {
        Msg::Shares(SharesMsg::Fractionalise {
            titles: vec![title],
            shares: Amount(shares),
            symbol: "RACK".into(),
            name: "Rack".into(),
        })
    };
    refused(&mut chain, &operator(), split(0), ErrorCode::ZeroShares);
    refused(&mut chain, &operator(), split(10), ErrorCode::TitleNotVerified);
    verify(&mut chain, title, "audit report");
    refused(&mut chain, &investor(), split(10), ErrorCode::NotTitleHolder);
    run(&mut chain, &operator(), split(10)).unwrap();
    refused(&mut chain, &operator(), split(10), ErrorCode::NotTitleHolder);
}

// ---- income conservation ----

#[derive(Clone, Debug)]
enum Op {
    Move { from: usize, to: usize, amount: u128 },
    Deposit { gross: u128, power: u128 },
    Claim { who: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..3usize, 1..400u128).prop_map(|(from, to, amount)| Op::Move { from, to, amount }),
        (1..1_000_000u128, 0..1_000u128).prop_map(|(gross, power)| Op::Deposit { gross, power }),
        (0..3usize).prop_map(|who| Op::Claim { who }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Whatever the order of transfers, deposits and claims: claimed plus claimable never
    /// exceeds the net deposits, and the module account always covers what is unclaimed.
    #[test]
    fn claimed_plus_claimable_never_exceeds_net_deposits(ops in prop::collection::vec(op(), 1..30)) {
        let mut chain = TestChain::new();
        let people = [operator(), investor(), outsider()];
        let (title, shares) = vault(&mut chain, 997);
        for p in &people[1..] { kyc(&mut chain, &p.address); }
        kyc(&mut chain, &operator().address);
        for op in ops {
            let _ = match op {
                Op::Move { from, to, amount } => run(&mut chain, &people[from], msgs::send(&people[to].address, &shares, amount)),
                Op::Deposit { gross, power } => run(&mut chain, &operator(), deposit(title, gross, power)),
                Op::Claim { who } => run(&mut chain, &people[who], claim(shares)),
            };
            let pool = chain.app().income_pool(&shares, &cfi()).unwrap();
            let claimable: u128 = people.iter().map(|p| chain.app().claimable(&shares, &cfi(), &p.address).unwrap().0).sum();
            prop_assert!(pool.claimed.0 + claimable <= pool.net.0, "claimed {} + claimable {claimable} > net {}", pool.claimed, pool.net);
            let held = chain.native_balance(&revenue::state::module_account()).0;
            prop_assert_eq!(held, pool.net.0 - pool.claimed.0, "the module account holds exactly what is unclaimed");
            prop_assert!(held >= claimable);
        }
    }
}

#[test]
fn a_vault_holds_several_titles_of_one_class_and_takes_income_for_all() {
    let mut chain = TestChain::new();
    let a = register(&mut chain, gpu_spec(&["GPU-A1"]));
    let b = register(&mut chain, gpu_spec(&["GPU-B1"]));
    let mut asic = gpu_spec(&["ASIC-C1"]);
    asic.class = TitleClass::AsicMiner;
    let c = register(&mut chain, asic);
    for t in [a, b, c] {
        verify(&mut chain, t, "audit report");
    }
    let split = |titles: Vec<TitleId>| {
        Msg::Shares(SharesMsg::Fractionalise {
            titles,
            shares: Amount(100),
            symbol: "FLEET".into(),
            name: "GPU fleet".into(),
        })
    };
    refused(&mut chain, &operator(), split(vec![a, c]), ErrorCode::BadVault);
    refused(&mut chain, &operator(), split(vec![a, a]), ErrorCode::BadVault);
    let receipt = run(&mut chain, &operator(), split(vec![a, b])).unwrap();
    let shares: AssetId = receipt.events[1].attr("asset").unwrap().parse().unwrap();
    assert_eq!(chain.app().vault(&shares).unwrap().unwrap().titles, vec![a, b]);
    let to_vault = Msg::Revenue(RevenueMsg::Deposit {
        target: RevenueTarget::Vault(shares),
        asset: cfi(),
        gross: Amount(1_000),
        costs: OperatingCosts { hosting: Amount(100), maintenance: Amount(100), ..OperatingCosts::default() },
        period: "2026-11".into(),
    });
    run(&mut chain, &operator(), to_vault).unwrap();
    run(&mut chain, &operator(), deposit(b, 200, 0))
        .expect("income of one title of the vault reaches the vault");
    assert_eq!(claimed_amount(&run(&mut chain, &operator(), claim(shares)).unwrap()), 1_000);
    let history = chain.app().income_history(&shares, &cfi()).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!((history[0].hosting, history[0].net), (Amount(100), Amount(800)));
}
