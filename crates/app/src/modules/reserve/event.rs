//! Events of `reserve`, typed. `From<ReserveEvent> for Event` is the one place they become wire
//! events (kind, then the rest in a fixed order).

use computefi_types::{Address, Amount, Event, Hash};

/// Something `reserve` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReserveEvent {
    /// `reserve.attested`: an attestor posted a reserve report.
    Attested {
        /// The report's number on the ledger.
        seq: u64,
        /// The attestor's id of the report.
        report_id: String,
        /// Who attested it.
        attestor: Address,
        /// Who holds the reserves.
        custodian: String,
        /// When the holdings were counted, ms.
        as_of_ms: u64,
        /// The reserves, micro-USD.
        total: Amount,
        /// How many holdings the report lists.
        holdings: usize,
        /// Hash of the attestor's signed document.
        document_hash: Hash,
    },
    /// `reserve.minted`: dollars minted for a payment received off the ledger.
    Minted {
        /// Who received them.
        to: Address,
        /// How many, base units.
        amount: Amount,
        /// The off-ledger payment's reference.
        payment_ref: String,
        /// The supply after.
        supply: Amount,
        /// The report the mint stood on.
        report_id: String,
    },
    /// `reserve.burned`: a holder burned dollars to be paid out off the ledger.
    Burned {
        /// Who burned them.
        from: Address,
        /// How many, base units.
        amount: Amount,
        /// Where the holder is paid.
        payout_ref: String,
        /// The supply after.
        supply: Amount,
    },
    /// `reserve.yield`: the reserves' yield of a period minted to a module's account.
    Yield {
        /// Who received it.
        to: Address,
        /// How much, base units.
        amount: Amount,
        /// Start of the period, ms.
        period_start_ms: u64,
        /// End of the period, ms.
        period_end_ms: u64,
        /// The report that attests it.
        report_id: String,
        /// The supply after.
        supply: Amount,
    },
}

impl From<ReserveEvent> for Event {
    fn from(e: ReserveEvent) -> Event {
        match e {
            ReserveEvent::Attested {
                seq,
                report_id,
                attestor,
                custodian,
                as_of_ms,
                total,
                holdings,
                document_hash,
            } => Event::new("reserve.attested")
                .with("seq", seq)
                .with("report_id", report_id)
                .with("attestor", attestor)
                .with("custodian", custodian)
                .with("as_of_ms", as_of_ms)
                .with("total", total)
                .with("holdings", holdings)
                .with("document_hash", document_hash),
            ReserveEvent::Minted { to, amount, payment_ref, supply, report_id } => {
                Event::new("reserve.minted")
                    .with("to", to)
                    .with("amount", amount)
                    .with("payment_ref", payment_ref)
                    .with("supply", supply)
                    .with("report_id", report_id)
            }
            ReserveEvent::Burned { from, amount, payout_ref, supply } => Event::new("reserve.burned")
                .with("from", from)
                .with("amount", amount)
                .with("payout_ref", payout_ref)
                .with("supply", supply),
            ReserveEvent::Yield { to, amount, period_start_ms, period_end_ms, report_id, supply } => {
                Event::new("reserve.yield")
                    .with("to", to)
                    .with("amount", amount)
                    .with("period_start_ms", period_start_ms)
                    .with("period_end_ms", period_end_ms)
                    .with("report_id", report_id)
                    .with("supply", supply)
            }
        }
    }
}
