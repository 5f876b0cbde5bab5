//! Events of `loans`: what happened to a loan, typed. `From<LoansEvent> for Event` is the one
//! place they become wire events (kind, then `loan`, then the rest in a fixed order).

use computefi_types::{Address, Amount, AssetId, Event};

/// Something `loans` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoansEvent {
    /// `loans.offered`: a borrower offered a loan and pledged its collateral.
    Offered {
        /// The loan.
        loan: u64,
        /// Who borrows.
        borrower: Address,
        /// The principal.
        principal: Amount,
    },
    /// `loans.funded`: a tranche's amount went into escrow.
    Funded {
        /// The loan.
        loan: u64,
        /// The tranche.
        tranche: u32,
        /// Its lender.
        lender: Address,
        /// Its amount.
        amount: Amount,
    },
    /// `loans.opened`: every tranche is in; the borrower received the principal less the fee.
    Opened {
        /// The loan.
        loan: u64,
        /// What the borrower received.
        disbursed: Amount,
        /// The first deadline, block time ms.
        deadline_ms: u64,
    },
    /// `loans.position`: a tranche's position token, issued to its lender.
    Position {
        /// The loan.
        loan: u64,
        /// The tranche.
        tranche: u32,
        /// The token.
        token: AssetId,
    },
    /// `loans.repaid`: an instalment (or a prepayment) was paid.
    Repaid {
        /// The loan.
        loan: u64,
        /// Interest paid (late charges included).
        interest: Amount,
        /// Principal paid.
        principal: Amount,
        /// Principal still owed.
        balance: Amount,
    },
    /// `loans.closed`: paid in full (the collateral is released), or cancelled before opening.
    Closed {
        /// The loan.
        loan: u64,
        /// `repaid`, `cancelled` or `liquidated`.
        how: &'static str,
    },
    /// `loans.margin_call`: the loan's LTV passed the margin (or its title went offline): it must
    /// be cured before `cure_until_ms`.
    MarginCall {
        /// The loan.
        loan: u64,
        /// Its LTV, bps.
        ltv_bps: u32,
        /// The end of the cure period, block time ms.
        cure_until_ms: u64,
    },
    /// `loans.cured`: a called loan is back under the margin.
    Cured {
        /// The loan.
        loan: u64,
        /// Its LTV, bps.
        ltv_bps: u32,
    },
    /// `loans.stalled`: checking a loan's health was refused (a bug): nothing changed.
    Stalled {
        /// The loan.
        loan: u64,
        /// The refusal's code name.
        error: String,
    },
    /// `loans.collateral_added`: the borrower pledged more shares.
    CollateralAdded {
        /// The loan.
        loan: u64,
        /// Shares added.
        amount: Amount,
        /// Shares now pledged.
        pledged: Amount,
    },
    /// `loans.claimed`: a tranche's holder took what was paid to it.
    Claimed {
        /// The loan.
        loan: u64,
        /// The tranche.
        tranche: u32,
        /// Who took it.
        holder: Address,
        /// How much of the currency.
        amount: Amount,
        /// Shares of an unsold collateral.
        shares: Amount,
    },
    /// `loans.liquidated`: a loan in default was liquidated; its collateral is at auction.
    Liquidated {
        /// The loan.
        loan: u64,
        /// Who liquidated.
        by: Address,
        /// The auction.
        auction: u64,
        /// The auction's reserve.
        reserve: Amount,
    },
    /// `loans.recovered`: what one tranche got from a liquidation.
    Recovered {
        /// The loan.
        loan: u64,
        /// The tranche.
        tranche: u32,
        /// Principal paid to it in the currency (the insurance fund's part included).
        principal: Amount,
        /// Interest paid to it in the currency (the insurance fund's part included).
        interest: Amount,
        /// Of which the insurance fund paid.
        insurance: Amount,
        /// Shares of the unsold collateral owed to it.
        shares: Amount,
        /// Owed to it and covered by nothing.
        written_off: Amount,
    },
    /// `loans.liquidation_settled`: the auction settled and the waterfall ran.
    LiquidationSettled {
        /// The loan.
        loan: u64,
        /// The price (zero unsold).
        proceeds: Amount,
        /// The liquidation fee.
        fee: Amount,
        /// Paid by the insurance fund.
        insurance: Amount,
        /// Returned to the borrower in the currency.
        surplus: Amount,
        /// Written off across the tranches.
        loss: Amount,
    },
}

impl From<LoansEvent> for Event {
    fn from(e: LoansEvent) -> Event {
        match e {
            LoansEvent::Offered { loan, borrower, principal } => Event::new("loans.offered")
                .with("loan", loan)
                .with("borrower", borrower)
                .with("principal", principal),
            LoansEvent::Funded { loan, tranche, lender, amount } => Event::new("loans.funded")
                .with("loan", loan)
                .with("tranche", tranche)
                .with("lender", lender)
                .with("amount", amount),
            LoansEvent::Opened { loan, disbursed, deadline_ms } => Event::new("loans.opened")
                .with("loan", loan)
                .with("disbursed", disbursed)
                .with("deadline_ms", deadline_ms),
            LoansEvent::Position { loan, tranche, token } => {
                Event::new("loans.position").with("loan", loan).with("tranche", tranche).with("token", token)
            }
            LoansEvent::Repaid { loan, interest, principal, balance } => Event::new("loans.repaid")
                .with("loan", loan)
                .with("interest", interest)
                .with("principal", principal)
                .with("balance", balance),
            LoansEvent::Closed { loan, how } => {
                Event::new("loans.closed").with("loan", loan).with("how", how)
            }
            LoansEvent::MarginCall { loan, ltv_bps, cure_until_ms } => Event::new("loans.margin_call")
                .with("loan", loan)
                .with("ltv_bps", ltv_bps)
                .with("cure_until_ms", cure_until_ms),
            LoansEvent::Cured { loan, ltv_bps } => {
                Event::new("loans.cured").with("loan", loan).with("ltv_bps", ltv_bps)
            }
            LoansEvent::Stalled { loan, error } => {
                Event::new("loans.stalled").with("loan", loan).with("error", error)
            }
            LoansEvent::CollateralAdded { loan, amount, pledged } => Event::new("loans.collateral_added")
                .with("loan", loan)
                .with("amount", amount)
                .with("pledged", pledged),
            LoansEvent::Claimed { loan, tranche, holder, amount, shares } => Event::new("loans.claimed")
                .with("loan", loan)
                .with("tranche", tranche)
                .with("holder", holder)
                .with("amount", amount)
                .with("shares", shares),
            LoansEvent::Liquidated { loan, by, auction, reserve } => Event::new("loans.liquidated")
                .with("loan", loan)
                .with("by", by)
                .with("auction", auction)
                .with("reserve", reserve),
            LoansEvent::Recovered { loan, tranche, principal, interest, insurance, shares, written_off } => {
                Event::new("loans.recovered")
                    .with("loan", loan)
                    .with("tranche", tranche)
                    .with("principal", principal)
                    .with("interest", interest)
                    .with("insurance", insurance)
                    .with("shares", shares)
                    .with("written_off", written_off)
            }
            LoansEvent::LiquidationSettled { loan, proceeds, fee, insurance, surplus, loss } => {
                Event::new("loans.liquidation_settled")
                    .with("loan", loan)
                    .with("proceeds", proceeds)
                    .with("fee", fee)
                    .with("insurance", insurance)
                    .with("surplus", surplus)
                    .with("loss", loss)
            }
        }
    }
}
