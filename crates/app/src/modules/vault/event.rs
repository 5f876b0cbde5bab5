//! Events of `vault`, typed. `From<VaultEvent> for Event` is the one place they become wire
//! events (kind, then `vault`, then the rest in a fixed order).

use computefi_types::{Address, Amount, AssetId, Event};

/// Something `vault` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VaultEvent {
    /// `vault.created`.
    Created {
        /// The vault.
        vault: u64,
        /// Its manager.
        manager: Address,
        /// Its share token.
        share: AssetId,
        /// Its account.
        account: Address,
    },
    /// `vault.policy`: the manager set a new lending policy.
    Policy {
        /// The vault.
        vault: u64,
    },
    /// `vault.deposited`: assets in, shares out (a deposit or a mint).
    Deposited {
        /// The vault.
        vault: u64,
        /// Who.
        owner: Address,
        /// Assets paid in.
        assets: Amount,
        /// Shares received.
        shares: Amount,
    },
    /// `vault.requested`: shares put in the redemption queue.
    Requested {
        /// The vault.
        vault: u64,
        /// The request.
        request: u64,
        /// Who.
        owner: Address,
        /// Shares.
        shares: Amount,
        /// When it may be served, ms.
        window_ms: u64,
    },
    /// `vault.cancelled`: a request taken back.
    Cancelled {
        /// The vault.
        vault: u64,
        /// The request.
        request: u64,
        /// Shares returned.
        shares: Amount,
    },
    /// `vault.served`: a request (or part of it) paid at the conservative NAV.
    Served {
        /// The vault.
        vault: u64,
        /// The request.
        request: u64,
        /// Who was paid.
        owner: Address,
        /// Shares burned.
        shares: Amount,
        /// Assets paid.
        assets: Amount,
        /// Shares still waiting.
        shares_left: Amount,
    },
    /// `vault.allocated`: the vault funded a loan tranche.
    Allocated {
        /// The vault.
        vault: u64,
        /// The loan.
        loan: u64,
        /// The tranche.
        tranche: u32,
        /// How much.
        amount: Amount,
    },
    /// `vault.deposit_queued`: a deposit put in escrow until the cap leaves room.
    DepositQueued {
        /// The vault.
        vault: u64,
        /// The queued deposit.
        deposit: u64,
        /// Who.
        owner: Address,
        /// Assets in escrow.
        assets: Amount,
    },
    /// `vault.deposit_cancelled`: what was left of a queued deposit went back.
    DepositCancelled {
        /// The vault.
        vault: u64,
        /// The queued deposit.
        deposit: u64,
        /// Assets returned.
        assets: Amount,
    },
    /// `vault.collected`: repayments, recoveries and unannounced funds taken into idle funds.
    Collected {
        /// The vault.
        vault: u64,
        /// Principal.
        principal: Amount,
        /// Interest.
        interest: Amount,
        /// Funds that reached the account unannounced (the reserves' yield, gifts).
        unannounced: Amount,
        /// Principal lost on closed positions.
        losses: Amount,
    },
}

impl From<VaultEvent> for Event {
    fn from(e: VaultEvent) -> Event {
        match e {
            VaultEvent::Created { vault, manager, share, account } => Event::new("vault.created")
                .with("vault", vault)
                .with("manager", manager)
                .with("share", share)
                .with("account", account),
            VaultEvent::Policy { vault } => Event::new("vault.policy").with("vault", vault),
            VaultEvent::Deposited { vault, owner, assets, shares } => Event::new("vault.deposited")
                .with("vault", vault)
                .with("owner", owner)
                .with("assets", assets)
                .with("shares", shares),
            VaultEvent::Requested { vault, request, owner, shares, window_ms } => {
                Event::new("vault.requested")
                    .with("vault", vault)
                    .with("request", request)
                    .with("owner", owner)
                    .with("shares", shares)
                    .with("window_ms", window_ms)
            }
            VaultEvent::Cancelled { vault, request, shares } => Event::new("vault.cancelled")
                .with("vault", vault)
                .with("request", request)
                .with("shares", shares),
            VaultEvent::Served { vault, request, owner, shares, assets, shares_left } => {
                Event::new("vault.served")
                    .with("vault", vault)
                    .with("request", request)
                    .with("owner", owner)
                    .with("shares", shares)
                    .with("assets", assets)
                    .with("shares_left", shares_left)
            }
            VaultEvent::Allocated { vault, loan, tranche, amount } => Event::new("vault.allocated")
                .with("vault", vault)
                .with("loan", loan)
                .with("tranche", tranche)
                .with("amount", amount),
            VaultEvent::DepositQueued { vault, deposit, owner, assets } => Event::new("vault.deposit_queued")
                .with("vault", vault)
                .with("deposit", deposit)
                .with("owner", owner)
                .with("assets", assets),
            VaultEvent::DepositCancelled { vault, deposit, assets } => Event::new("vault.deposit_cancelled")
                .with("vault", vault)
                .with("deposit", deposit)
                .with("assets", assets),
            VaultEvent::Collected { vault, principal, interest, unannounced, losses } => {
                Event::new("vault.collected")
                    .with("vault", vault)
                    .with("principal", principal)
                    .with("interest", interest)
                    .with("unannounced", unannounced)
                    .with("losses", losses)
            }
        }
    }
}
