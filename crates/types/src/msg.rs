//! Messages: what a transaction asks the ledger to do. A transaction's messages run in order and
//! atomically: if one fails, none of them changes anything.
//!
//! JSON shape: `{"module": "bank", "msg": {"send": {"to": "cfi1…", "asset": "cfiasset1…", "amount": "10"}}}`.

use crate::compliance::{Claim, ClaimType, TransferRules};
use crate::title::{Insurance, TitleSpec, TitleStatus};
use crate::{Address, Amount, AssetId, Hash, TitleId};
use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

/// A message, tagged with the module that handles it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "module", content = "msg", rename_all = "snake_case")]
pub enum Msg {
    /// Balances and transfers.
    Bank(BankMsg),
    /// Fungible assets: create, mint, burn.
    Assets(AssetsMsg),
    /// Claims granted by trusted claim issuers.
    Identity(IdentityMsg),
    /// Transfer rules, freezes and forced transfers of an asset.
    Compliance(ComplianceMsg),
    /// Hardware titles.
    Registry(RegistryMsg),
    /// Fractional shares of titles.
    Shares(SharesMsg),
    /// Income of titles paid to their share holders.
    Revenue(RevenueMsg),
    /// Signed reports of the devices behind titles.
    Device(DeviceMsg),
    /// Named price and network feeds.
    Oracle(OracleMsg),
    /// Constant-product pools between two fungible assets.
    Amm(AmmMsg),
    /// Time-bound capacity tokens issued against titles.
    Capacity(CapacityMsg),
    /// Compute leases paid from escrow.
    Lease(LeaseMsg),
    /// Hashrate delivery contracts paid from escrow.
    Delivery(DeliveryMsg),
}

impl Msg {
    /// The handling module's name, as used in events and error codes.
    pub fn module(&self) -> &'static str {
        match self {
            Msg::Bank(_) => "bank",
            Msg::Assets(_) => "assets",
            Msg::Identity(_) => "identity",
            Msg::Compliance(_) => "compliance",
            Msg::Registry(_) => "registry",
            Msg::Shares(_) => "shares",
            Msg::Revenue(_) => "revenue",
            Msg::Device(_) => "device",
            Msg::Oracle(_) => "oracle",
            Msg::Amm(_) => "amm",
            Msg::Capacity(_) => "capacity",
            Msg::Lease(_) => "lease",
            Msg::Delivery(_) => "delivery",
        }
    }
}

/// One recipient of a multi-send.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Recipient.
    pub to: Address,
    /// Asset sent.
    pub asset: AssetId,
    /// Amount in base units.
    pub amount: Amount,
}

/// Messages of the `bank` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BankMsg {
    /// Moves `amount` of `asset` from the signer to `to`.
    Send {
        /// Recipient (not the signer).
        to: Address,
        /// Asset sent.
        asset: AssetId,
        /// Amount in base units, more than zero.
        amount: Amount,
    },
    /// Moves several amounts from the signer, to one or more recipients.
    MultiSend {
        /// Recipients, at most [`crate::limits::MULTI_SEND_OUTPUTS_MAX`].
        outputs: Vec<Output>,
    },
}

/// Messages of the `assets` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AssetsMsg {
    /// Creates a fungible asset issued by the signer. Its id is
    /// [`AssetId::derive`]`(signer, symbol)`; nothing is minted yet.
    Create {
        /// 2–12 characters, `A`–`Z` and `0`–`9`, starting with a letter.
        symbol: String,
        /// Human-readable name, at most 64 bytes.
        name: String,
        /// Decimals shown by wallets, at most 18.
        decimals: u8,
        /// Most units that may ever be outstanding; `None` for no cap.
        max_supply: Option<Amount>,
    },
    /// Mints new units to `to`; only the issuer may.
    Mint {
        /// Asset minted.
        asset: AssetId,
        /// Recipient.
        to: Address,
        /// Amount in base units, more than zero.
        amount: Amount,
    },
    /// Burns units from the issuer's own balance; only the issuer may.
    Burn {
        /// Asset burned.
        asset: AssetId,
        /// Amount in base units, more than zero.
        amount: Amount,
    },
}

/// Messages of the `identity` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum IdentityMsg {
    /// Grants `subject` a claim until `expires_at_ms` (block time); only a registered claim issuer
    /// may. Granting again replaces the issuer's earlier claim of that type.
    GrantClaim {
        /// Who receives the claim.
        subject: Address,
        /// The claim.
        claim: Claim,
        /// Expiry in ms since the Unix epoch (block time).
        #[serde(with = "crate::serde_str::u64_str")]
        expires_at_ms: u64,
    },
    /// Revokes the signer's claim of a type on `subject`.
    RevokeClaim {
        /// Whose claim.
        subject: Address,
        /// Which type.
        claim: ClaimType,
    },
}

/// Messages of the `compliance` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ComplianceMsg {
    /// Replaces an asset's transfer rules; only its issuer may.
    SetRules {
        /// The asset.
        asset: AssetId,
        /// The new rules.
        rules: TransferRules,
    },
    /// Freezes an asset (no account given) or one account's holding; only the issuer may.
    Freeze {
        /// The asset.
        asset: AssetId,
        /// One account, or the whole asset when absent.
        #[serde(default)]
        account: Option<Address>,
    },
    /// Lifts a freeze; only the issuer may.
    Unfreeze {
        /// The asset.
        asset: AssetId,
        /// One account, or the whole asset when absent.
        #[serde(default)]
        account: Option<Address>,
    },
    /// Moves an amount between two accounts regardless of rules and freezes; only the asset's
    /// controller may, and the transfer is recorded as forced.
    ForceTransfer {
        /// The asset.
        asset: AssetId,
        /// From whom.
        from: Address,
        /// To whom.
        to: Address,
        /// Amount in base units.
        amount: Amount,
    },
}

/// Messages of the `registry` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RegistryMsg {
    /// Registers a physical asset; the signer becomes its operator and first holder.
    Register {
        /// What it is (boxed: the largest message; the encoding is the spec's own).
        spec: Box<TitleSpec>,
    },
    /// Marks a registered title verified; only an approved auditor may, with the hash of the
    /// audit document.
    Verify {
        /// The title.
        title: TitleId,
        /// sha256 of the audit document.
        document_hash: Hash,
    },
    /// Records an appraisal; only an approved auditor may.
    Appraise {
        /// The title.
        title: TitleId,
        /// Appraised value (base units of the valuation currency).
        value: Amount,
        /// Method (e.g. "DCF of lease income", "replacement cost").
        method: String,
        /// Date of the appraisal, ms since the Unix epoch.
        #[serde(with = "crate::serde_str::u64_str")]
        date_ms: u64,
    },
    /// Moves a title between active, degraded and offline; only its operator may.
    SetStatus {
        /// The title.
        title: TitleId,
        /// `active`, `degraded` or `offline`.
        status: TitleStatus,
    },
    /// Replaces the insurance record; only the operator may.
    SetInsurance {
        /// The title.
        title: TitleId,
        /// The policy, or none.
        #[serde(default)]
        insurance: Option<Insurance>,
    },
    /// Gives the title to another account; only its holder may, and not while pledged or
    /// fractionalised.
    Transfer {
        /// The title.
        title: TitleId,
        /// New holder.
        to: Address,
    },
    /// Pledges the title to a lender; only its holder may.
    Pledge {
        /// The title.
        title: TitleId,
        /// Who holds the lien.
        to: Address,
    },
    /// Releases a pledge; only the lien holder may.
    Release {
        /// The title.
        title: TitleId,
    },
    /// The holder takes delivery of the hardware; the on-chain asset ends.
    Redeem {
        /// The title.
        title: TitleId,
        /// Delivery record (where, to whom, reference).
        delivery: String,
    },
    /// The holder retires the hardware; the on-chain asset ends.
    Retire {
        /// The title.
        title: TitleId,
    },
}

/// Messages of the `shares` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SharesMsg {
    /// Splits one title, or a vault of several titles of one class, into `shares` share tokens
    /// minted to the signer, who must hold every title; the titles are locked meanwhile.
    Fractionalise {
        /// Titles (1 to 32, one class).
        titles: Vec<TitleId>,
        /// Number of share tokens.
        shares: Amount,
        /// Symbol of the share token.
        symbol: String,
        /// Name of the share token.
        name: String,
    },
    /// Burns every share token of a vault and unlocks its titles to the signer, who must hold all
    /// of them.
    Recombine {
        /// The share token.
        asset: AssetId,
    },
}

/// What income is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueTarget {
    /// One title (paid to its share holders when fractionalised, else to its holder).
    Title(TitleId),
    /// A vault, by its share token.
    Vault(AssetId),
}

/// Operating costs declared with a deposit, deducted from gross income.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperatingCosts {
    /// Electricity.
    pub power: Amount,
    /// Hosting and colocation.
    pub hosting: Amount,
    /// Maintenance and repairs.
    pub maintenance: Amount,
}

/// Messages of the `revenue` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RevenueMsg {
    /// Deposits income earned by a title or vault: the signer (its operator or an authorised
    /// payer) pays `gross − costs` in `asset`, which holders can claim pro rata.
    Deposit {
        /// Title or vault.
        target: RevenueTarget,
        /// Asset the income is paid in.
        asset: AssetId,
        /// Gross income.
        gross: Amount,
        /// Declared operating costs.
        #[serde(default)]
        costs: OperatingCosts,
        /// Period the income is for, e.g. "2026-10".
        #[serde(default)]
        period: String,
    },
    /// Pays the signer what it has accrued as a holder of `shares` in `asset`.
    Claim {
        /// The share token.
        shares: AssetId,
        /// The income asset.
        asset: AssetId,
    },
    /// Lets another account deposit income for a title; only the operator may.
    AuthorizePayer {
        /// The title.
        title: TitleId,
        /// The payer, or none to remove.
        #[serde(default)]
        payer: Option<Address>,
    },
}

/// Messages of the `device` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DeviceMsg {
    /// A report signed by a device key of the title; anyone may relay it (and pays the fee).
    Report(Box<crate::device::SignedReport>),
    /// Issues a capacity challenge to a verified GPU title (anyone may, one open at a time).
    RequestChallenge {
        /// The title challenged.
        title: TitleId,
    },
    /// Issues a fresh nonce that the GPU title's device must answer with an NVIDIA attestation
    /// report before the deadline (anyone may).
    RequestAttestation {
        /// The title.
        title: TitleId,
    },
    /// Marks an ASIC title offline when no share has arrived for the chain's `shares_offline_ms`
    /// (anyone may); its next share brings it back.
    MarkOffline {
        /// The title.
        title: TitleId,
    },
    /// Closes a challenge whose deadline passed without an answer or opening; the title is
    /// marked degraded (anyone may).
    ExpireChallenge {
        /// The challenge.
        #[serde(with = "crate::serde_str::u64_str")]
        challenge: u64,
    },
}

/// Messages of the `oracle` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum OracleMsg {
    /// An authorised feeder's value for a feed (fixed point, the feed's decimals).
    Submit {
        /// Feed name, e.g. `btc_usd`.
        feed: String,
        /// Value × 10^decimals.
        value: Amount,
    },
    /// A feeder of the `btc_tip` feed reports a new Bitcoin chain tip; mining shares must build
    /// on one of the recent tips.
    SubmitTip {
        /// Bitcoin block height.
        #[serde(with = "crate::serde_str::u64_str")]
        height: u64,
        /// Block hash, usual (byte-reversed) hex.
        hash: Hash,
    },
}

/// Messages of the `amm` module. A pool is named by the pair of assets it trades (in any
/// order); every trade carries a limit (minimum out or maximum in) and a deadline height.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AmmMsg {
    /// Opens a pool for a pair with the first liquidity; the signer receives the liquidity
    /// share `sqrt(a·b) − 1000`, the first 1000 units stay locked in the pool for ever.
    CreatePool {
        /// One asset.
        asset_a: AssetId,
        /// The other asset.
        asset_b: AssetId,
        /// Deposit of `asset_a`.
        amount_a: Amount,
        /// Deposit of `asset_b`.
        amount_b: Amount,
        /// Fee of every swap in basis points (1 to 1000; the usual is 30).
        fee_bps: u16,
    },
    /// Adds liquidity at the pool's ratio: the most of the desired amounts that keeps the
    /// ratio, each at least its minimum.
    AddLiquidity {
        /// One asset of the pool.
        asset_a: AssetId,
        /// The other.
        asset_b: AssetId,
        /// Most of `asset_a` to deposit.
        amount_a_desired: Amount,
        /// Most of `asset_b` to deposit.
        amount_b_desired: Amount,
        /// Least of `asset_a` to deposit.
        amount_a_min: Amount,
        /// Least of `asset_b` to deposit.
        amount_b_min: Amount,
        /// Last height at which this may execute.
        deadline_height: u64,
    },
    /// Burns liquidity shares for the pro-rata part of both reserves.
    RemoveLiquidity {
        /// One asset of the pool.
        asset_a: AssetId,
        /// The other.
        asset_b: AssetId,
        /// Liquidity shares to burn.
        liquidity: Amount,
        /// Least of `asset_a` to receive.
        amount_a_min: Amount,
        /// Least of `asset_b` to receive.
        amount_b_min: Amount,
        /// Last height at which this may execute.
        deadline_height: u64,
    },
    /// Pays exactly `amount_in` of `route[0]` and receives at least `amount_out_min` of the
    /// route's last asset, through one pool per hop.
    SwapExactIn {
        /// Assets from the one paid to the one received (2 to 5).
        route: Vec<AssetId>,
        /// Amount paid.
        amount_in: Amount,
        /// Least received.
        amount_out_min: Amount,
        /// Last height at which this may execute.
        deadline_height: u64,
    },
    /// Receives exactly `amount_out` of the route's last asset and pays at most `amount_in_max`
    /// of `route[0]`.
    SwapExactOut {
        /// Assets from the one paid to the one received (2 to 5).
        route: Vec<AssetId>,
        /// Amount received.
        amount_out: Amount,
        /// Most paid.
        amount_in_max: Amount,
        /// Last height at which this may execute.
        deadline_height: u64,
    },
}

/// What a capacity token stands for.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CapacityWindow {
    /// `gpus` GPUs of a GPU title for `hours` hours from `start_ms`; one token unit is a
    /// thousandth of a GPU-hour.
    GpuHours {
        /// GPUs reserved for the window.
        gpus: u32,
        /// Start of the window, block time in ms.
        #[serde(with = "crate::serde_str::u64_str")]
        start_ms: u64,
        /// Length of the window, whole hours.
        hours: u32,
    },
    /// `ths_milli` thousandths of a TH/s of an ASIC title for UTC day `day` (days since the
    /// Unix epoch); one token unit is a thousandth of a TH/s-day.
    ThsDay {
        /// Hashrate reserved, thousandths of a TH/s.
        #[serde(with = "crate::serde_str::u64_str")]
        ths_milli: u64,
        /// Day number since 1970-01-01.
        #[serde(with = "crate::serde_str::u64_str")]
        day: u64,
    },
}

/// Messages of the `capacity` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CapacityMsg {
    /// The title's provider (its holder, or its operator while it is fractionalised) issues
    /// capacity for a window to itself; never more than the title's verified capacity at any
    /// moment of the window, counting its other live tokens and leases.
    Issue {
        /// The title.
        title: TitleId,
        /// What is issued.
        window: CapacityWindow,
    },
    /// Burns GPU-hour tokens and opens a prepaid lease of `gpus` GPUs for `hours` hours inside
    /// the token's window.
    RedeemGpuHours {
        /// The capacity token.
        token: AssetId,
        /// GPUs to lease (at most the token's).
        gpus: u32,
        /// Hours to lease.
        hours: u32,
    },
    /// Burns TH/s-day tokens and opens a prepaid delivery contract for the token's day.
    RedeemThsDay {
        /// The capacity token.
        token: AssetId,
        /// Amount to burn, thousandths of a TH/s-day (the contracted hashrate for the day).
        amount: Amount,
    },
}

/// Messages of the `lease` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LeaseMsg {
    /// A renter asks for GPUs and puts a deposit into escrow.
    PostOrder {
        /// GPU model, as titles declare it (e.g. `H100-SXM`).
        model: String,
        /// GPUs wanted.
        gpus: u32,
        /// Hours wanted.
        hours: u32,
        /// Most paid per GPU-hour, base units of `asset`.
        price_max: Amount,
        /// Least green share of the title's power, basis points (0 for any).
        green_bps_min: u16,
        /// Asset the lease is paid in.
        asset: AssetId,
        /// Deposit into escrow.
        deposit: Amount,
        /// Height at whose end the lowest bid is accepted automatically (none: the renter
        /// accepts).
        #[serde(default, with = "crate::serde_str::opt_u64_str")]
        auto_accept_height: Option<u64>,
    },
    /// A title's provider offers the order's GPUs at a price per GPU-hour.
    Bid {
        /// The order.
        #[serde(with = "crate::serde_str::u64_str")]
        order: u64,
        /// The title whose GPUs are offered.
        title: TitleId,
        /// Price per GPU-hour.
        price: Amount,
    },
    /// The renter accepts a bid; the lease starts in this block.
    Accept {
        /// The order.
        #[serde(with = "crate::serde_str::u64_str")]
        order: u64,
        /// Index of the bid in the order.
        bid: u32,
    },
    /// The renter withdraws an order that has no lease; the deposit comes back.
    CancelOrder {
        /// The order.
        #[serde(with = "crate::serde_str::u64_str")]
        order: u64,
    },
    /// The renter adds to a lease's escrow (an overdrawn lease runs again).
    TopUp {
        /// The lease.
        #[serde(with = "crate::serde_str::u64_str")]
        lease: u64,
        /// Amount added.
        amount: Amount,
    },
    /// The renter or the provider closes a lease: what is due is paid, the rest of the escrow
    /// goes back to the renter.
    Close {
        /// The lease.
        #[serde(with = "crate::serde_str::u64_str")]
        lease: u64,
    },
}

/// Messages of the `delivery` module.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DeliveryMsg {
    /// A buyer offers to pay `price` for `ths_milli` of an ASIC title's hashrate from
    /// `start_ms` for `days` days, and puts the price into escrow.
    Offer {
        /// The seller's title.
        title: TitleId,
        /// Hashrate bought, thousandths of a TH/s.
        #[serde(with = "crate::serde_str::u64_str")]
        ths_milli: u64,
        /// Start, block time in ms.
        #[serde(with = "crate::serde_str::u64_str")]
        start_ms: u64,
        /// Length in days.
        days: u32,
        /// Asset paid in.
        asset: AssetId,
        /// Total price, into escrow.
        price: Amount,
        /// Shortfall tolerated before the contract is broken, basis points of the hashrate.
        tolerance_bps: u16,
    },
    /// The title's provider accepts an offer; the title's shares count for the contract.
    Accept {
        /// The contract.
        #[serde(with = "crate::serde_str::u64_str")]
        contract: u64,
    },
    /// The buyer withdraws an offer not yet accepted; the escrow comes back.
    Cancel {
        /// The contract.
        #[serde(with = "crate::serde_str::u64_str")]
        contract: u64,
    },
}
