//! A title's status comes only from evidence: the operator may declare maintenance and nothing
//! else, and every change is kept on the title's record with its cause.

use computefi_testkit::fixtures::{gpu_title, operator, register, verify};
use computefi_testkit::{auditor, refused, run, TestChain};
use computefi_types::title::{StatusCause, TitleStatus};
use computefi_types::{sha256, ErrorCode, Msg, RegistryMsg};

const EVIDENCE_ONLY: [TitleStatus; 6] = [
    TitleStatus::Active,
    TitleStatus::Degraded,
    TitleStatus::Offline,
    TitleStatus::Verified,
    TitleStatus::Registered,
    TitleStatus::Redeemed,
];

#[test]
fn the_operator_cannot_set_any_status_but_maintenance_by_hand() {
    let mut chain = TestChain::new();
    let title = register(&mut chain, gpu_title("H100", &["GPU-1"]));
    for status in EVIDENCE_ONLY {
        let msg = Msg::Registry(RegistryMsg::SetStatus { title, status });
        refused(&mut chain, &operator(), msg, ErrorCode::StatusByEvidenceOnly);
    }
    verify(&mut chain, title, "audit");
    for status in EVIDENCE_ONLY {
        let msg = Msg::Registry(RegistryMsg::SetStatus { title, status });
        let err = refused(&mut chain, &operator(), msg, ErrorCode::StatusByEvidenceOnly);
        assert!(err.to_string().contains("Verified -> "), "the refusal names the status now: {err}");
    }
    let maintenance = Msg::Registry(RegistryMsg::SetStatus { title, status: TitleStatus::Maintenance });
    refused(&mut chain, &operator(), maintenance, ErrorCode::BadStatusChange);
    assert_eq!(chain.app().title(&title).unwrap().unwrap().status, TitleStatus::Verified);
}

#[test]
fn every_status_change_is_kept_with_its_cause() {
    let mut chain = TestChain::new();
    let title = register(&mut chain, gpu_title("H100", &["GPU-1"]));
    assert!(chain.app().status_history(&title).unwrap().is_empty(), "registration is not a change");
    let document_hash = sha256(b"audit");
    let msg = Msg::Registry(RegistryMsg::Verify { title, document_hash });
    let receipt = run(&mut chain, &auditor(), msg).unwrap();
    let event = receipt.events.iter().find(|e| e.kind == "registry.status").expect("a status event");
    assert_eq!(
        (event.attr("from"), event.attr("status"), event.attr("cause")),
        (Some("Registered"), Some("Verified"), Some("audit"))
    );
    run(&mut chain, &operator(), Msg::Registry(RegistryMsg::Retire { title })).unwrap();
    let history = chain.app().status_history(&title).unwrap();
    let moves: Vec<_> = history.iter().map(|c| (c.from, c.to, c.height)).collect();
    assert_eq!(
        moves,
        vec![
            (TitleStatus::Registered, TitleStatus::Verified, 2),
            (TitleStatus::Verified, TitleStatus::Retired, 3)
        ]
    );
    assert_eq!(history[0].cause, StatusCause::Audit { auditor: auditor().address, document_hash });
    assert_eq!(history[1].cause, StatusCause::Retired { holder: operator().address });
    assert_eq!(history[1].time_ms, chain.time_ms(), "the change carries its block's time");
}
