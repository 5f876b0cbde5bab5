//! `TestChain`: whole blocks through the real [`App`] and the real store, with consensus mocked
//! (one proposer, blocks one second apart, no sockets). Module tests and property tests drive the
//! ledger through it, so what they test is what a node commits. [`sim`] drives random
//! operations of every module through it and checks the ledger's invariants after every block.

pub mod busy;
pub mod fixtures;
pub mod sim;
pub mod workload;

use computefi_app::{App, AppError, BlockInput, ExecMode, Genesis, GenesisBalance, GenesisValidator, Params};
use computefi_store::Store;
use computefi_types::{
    Address, Amount, AssetId, Block, Hash, Msg, PublicKey, Receipt, SignedTx, Tx, TxError,
};
use ed25519_consensus::SigningKey;
use std::collections::BTreeMap;
use tempfile::TempDir;

/// Chain id of every test chain.
pub const CHAIN_ID: &str = "computefi-test";
/// Genesis time of every test chain (2026-01-01T00:00:00Z).
pub const GENESIS_TIME_MS: u64 = 1_767_225_600_000;
/// CFI each named test account holds at genesis.
pub const GENESIS_BALANCE: Amount = Amount(1_000_000_000_000);
/// Fee every test transaction pays (the default minimum).
pub const FEE: Amount = Amount(1_000);

/// The accounts [`TestChain::new`] funds at genesis (see [`fixtures::alice`] and its roles).
pub const ACCOUNTS: [&str; 3] = ["alice", "bob", "carol"];

/// Name of the test chain's claim issuer.
pub const ISSUER: &str = "issuer";
/// Name of the test chain's approved auditor.
pub const AUDITOR: &str = "auditor";

/// The test chain's claim issuer.
pub fn issuer() -> TestAccount {
    TestAccount::named(ISSUER)
}

/// The test chain's approved auditor.
pub fn auditor() -> TestAccount {
    TestAccount::named(AUDITOR)
}

/// Name of the reserve attestor of the default genesis.
pub const ATTESTOR: &str = "attestor";
/// Name of the reserve minter of the default genesis.
pub const MINTER: &str = "minter";

/// The default genesis's reserve attestor: posts reports of the dollar unit's reserves.
pub fn attestor() -> TestAccount {
    TestAccount::named(ATTESTOR)
}

/// The default genesis's reserve minter: mints the dollar unit for payments received.
pub fn minter() -> TestAccount {
    TestAccount::named(MINTER)
}

/// A deterministic test key: the same name gives the same key in every run.
#[derive(Clone)]
pub struct TestAccount {
    /// The name it was made from.
    pub name: String,
    /// Its signing key.
    pub key: SigningKey,
    /// Its address.
    pub address: Address,
}

impl TestAccount {
    /// The account derived from `name`.
    pub fn named(name: &str) -> TestAccount {
        let seed = computefi_types::sha256(format!("computefi/test-account/{name}").as_bytes());
        let key = SigningKey::from(seed.0);
        let address = Address::from_public_key(&PublicKey::from_signing_key(&key));
        TestAccount { name: name.to_string(), key, address }
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_signing_key(&self.key)
    }
}

/// The outcome of one block.
#[derive(Debug)]
pub struct BlockOutcome {
    /// The committed block.
    pub block: Block,
    /// Receipts of the included transactions.
    pub receipts: Vec<Receipt>,
    /// Transactions left out, with the reason.
    pub rejected: Vec<(Hash, TxError)>,
    /// Events of the block as a whole: the end-of-block work, then the summary.
    pub end_events: Vec<computefi_types::Event>,
}

/// Why [`TestChain::try_produce`] made no block.
#[derive(Debug, thiserror::Error)]
pub enum ProduceError {
    /// The proposer could not build a block from the transactions.
    #[error("a proposal must build, but execute_block failed: {0}")]
    Build(AppError),
    /// The proposer's own block did not verify when re-executed with only its included
    /// transactions.
    #[error("the proposer's own block must verify, but: {0}")]
    Verify(AppError),
    /// Re-executing the block gave another block (header or transactions).
    #[error("verification recomputes another block than the proposer built")]
    Mismatch,
    /// The verified block did not commit.
    #[error("the block must commit, but: {0}")]
    Commit(AppError),
}

/// A chain in a temporary directory, driven block by block.
pub struct TestChain {
    app: App,
    dir: TempDir,
    proposer: Address,
    local_nonce: BTreeMap<Address, u64>,
    skip_ms: u64,
}

impl TestChain {
    /// A chain whose genesis funds `alice`, `bob` and `carol` ([`ACCOUNTS`]) with
    /// [`GENESIS_BALANCE`] CFI.
    pub fn new() -> TestChain {
        TestChain::with_accounts(&ACCOUNTS)
    }

    /// A chain of [`TestChain::new`]'s genesis as `tweak` changes it (parameters, feeds).
    pub fn with_genesis(tweak: impl FnOnce(&mut Genesis)) -> TestChain {
        let mut genesis = TestChain::genesis(&ACCOUNTS);
        tweak(&mut genesis);
        TestChain::from_genesis(&genesis)
    }

    /// A chain whose genesis funds each named account.
    pub fn with_accounts(names: &[&str]) -> TestChain {
        TestChain::from_genesis(&TestChain::genesis(names))
    }

    /// The genesis [`TestChain::with_accounts`] uses: the named accounts, plus the claim issuer
    /// [`issuer`] and the approved auditor [`auditor`], each funded with [`GENESIS_BALANCE`].
    pub fn genesis(names: &[&str]) -> Genesis {
        let validator = TestAccount::named("validator-0");
        Genesis {
            chain_id: CHAIN_ID.to_string(),
            genesis_time_ms: GENESIS_TIME_MS,
            // Capacity challenges of 16×16 (computed in microseconds) with 3-block deadlines, and
            // no challenges by the ledger itself unless a test asks for them.
            params: Params {
                challenge_n: 16,
                challenge_answer_blocks: 3,
                challenge_open_blocks: 3,
                auto_challenge_interval_blocks: 0,
                ..Params::default()
            },
            balances: names
                .iter()
                .copied()
                .chain([ISSUER, AUDITOR, ATTESTOR, MINTER])
                .map(|n| GenesisBalance { address: TestAccount::named(n).address, amount: GENESIS_BALANCE })
                .collect(),
            validators: vec![GenesisValidator {
                name: "validator-0".into(),
                public_key: validator.public_key(),
                power: 1,
            }],
            claim_issuers: vec![issuer().address],
            auditors: vec![auditor().address],
            reserve_attestors: vec![attestor().address],
            reserve_minters: vec![minter().address],
            registry_attestors: vec![attestor().address],
            ..Genesis::default()
        }
    }

    /// A chain from any genesis.
    pub fn from_genesis(genesis: &Genesis) -> TestChain {
        let dir = tempfile::tempdir().expect("a temporary directory for the test store");
        let store = Store::open(&dir.path().join("state.redb")).expect("a new store opens");
        let app = App::init(store, genesis).expect("the test genesis is valid");
        TestChain {
            app,
            dir,
            proposer: TestAccount::named("validator-0").address,
            local_nonce: BTreeMap::new(),
            skip_ms: 0,
        }
    }

    /// The app, for queries.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// The last committed height.
    pub fn height(&self) -> u64 {
        self.app.last().height
    }

    /// The state root after the last committed block.
    pub fn app_hash(&self) -> Hash {
        self.app.last().app_hash
    }

    /// One balance.
    pub fn balance(&self, who: &Address, asset: &AssetId) -> Amount {
        self.app.balance(who, asset).expect("the test store reads")
    }

    /// CFI balance.
    pub fn native_balance(&self, who: &Address) -> Amount {
        self.balance(who, &AssetId::native())
    }

    /// An asset's recorded supply (zero if it does not exist).
    pub fn supply(&self, asset: &AssetId) -> Amount {
        self.app.asset(asset).expect("the test store reads").map(|a| a.supply).unwrap_or(Amount::ZERO)
    }

    /// A transaction signed by `who` with its next nonce (counting transactions already signed
    /// for the coming block) and the standard fee.
    pub fn tx(&mut self, who: &TestAccount, msgs: Vec<Msg>) -> SignedTx {
        let committed = self.app.next_nonce(&who.address).expect("the test store reads");
        let nonce = *self.local_nonce.get(&who.address).unwrap_or(&committed).max(&committed);
        self.local_nonce.insert(who.address, nonce + 1);
        self.tx_with(who, nonce, FEE, msgs)
    }

    /// A transaction with an explicit nonce and fee.
    pub fn tx_with(&self, who: &TestAccount, nonce: u64, fee: Amount, msgs: Vec<Msg>) -> SignedTx {
        Tx { chain_id: CHAIN_ID.to_string(), signer: who.public_key(), nonce, fee, msgs, memo: String::new() }
            .sign(&who.key)
    }

    fn next_input(&mut self) -> BlockInput {
        let last = self.app.last();
        let time_ms = last.time_ms + 1_000 + std::mem::take(&mut self.skip_ms);
        BlockInput { height: last.height + 1, time_ms, proposer: self.proposer }
    }

    /// Makes the next block's time `ms` later than the usual one second after the last block
    /// (a proposer may leave any gap), so tests can let hours pass in one block.
    pub fn skip_time(&mut self, ms: u64) {
        self.skip_ms = self.skip_ms.saturating_add(ms);
    }

    /// Block time of the last committed block, ms.
    pub fn time_ms(&self) -> u64 {
        self.app.last().time_ms
    }

    /// Builds a block from `txs` as a proposer would (failing transactions are left out), then
    /// checks it as a validator would and commits it.
    pub fn produce(&mut self, txs: Vec<SignedTx>) -> BlockOutcome {
        self.try_produce(txs).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`TestChain::produce`] that reports what went wrong instead of panicking. The validator's
    /// check re-executes only the included transactions, so a block whose refused transactions
    /// changed anything fails it ([`ProduceError::Verify`] or [`ProduceError::Mismatch`]).
    pub fn try_produce(&mut self, txs: Vec<SignedTx>) -> Result<BlockOutcome, ProduceError> {
        let input = self.next_input();
        let exec = self.app.execute_block(&input, txs, ExecMode::Build).map_err(ProduceError::Build)?;
        let verified = self.app.verify_block(&exec.block).map_err(ProduceError::Verify)?;
        if verified.block != exec.block {
            return Err(ProduceError::Mismatch);
        }
        self.app.commit(&verified, Vec::new()).map_err(ProduceError::Commit)?;
        self.local_nonce.clear();
        Ok(BlockOutcome {
            block: exec.block,
            receipts: exec.receipts,
            rejected: exec.rejected,
            end_events: exec.events,
        })
    }

    /// Runs one transaction in its own block: its receipt, or the error that kept it out.
    pub fn deliver(&mut self, tx: SignedTx) -> Result<Receipt, TxError> {
        let mut out = self.produce(vec![tx]);
        match (out.receipts.pop(), out.rejected.pop()) {
            (Some(r), None) => Ok(r),
            (None, Some((_, e))) => Err(e),
            other => panic!("one transaction gives one outcome, got {other:?}"),
        }
    }

    /// Checks and commits a block made elsewhere (as a validator receiving it).
    pub fn apply(&mut self, block: &Block) -> Result<(), AppError> {
        let exec = self.app.verify_block(block)?;
        self.app.commit(&exec, Vec::new())?;
        self.local_nonce.clear();
        Ok(())
    }

    /// Closes the store and opens it again, as a node restart would.
    pub fn restart(self) -> TestChain {
        let TestChain { app, dir, proposer, .. } = self;
        drop(app);
        let store = Store::open(&dir.path().join("state.redb")).expect("the store reopens");
        let app = App::open(store).expect("the app reopens");
        TestChain { app, dir, proposer, local_nonce: BTreeMap::new(), skip_ms: 0 }
    }
}

impl Default for TestChain {
    fn default() -> Self {
        TestChain::new()
    }
}

/// Runs one message signed by `who` in its own block: its receipt, or the error that kept it out.
pub fn run(chain: &mut TestChain, who: &TestAccount, msg: Msg) -> Result<Receipt, TxError> {
    let tx = chain.tx(who, vec![msg]);
    chain.deliver(tx)
}

/// Runs one message that must be refused with `code`, and checks that the state root did not
/// move; returns the error for further checks.
pub fn refused(
    chain: &mut TestChain,
    who: &TestAccount,
    msg: Msg,
    code: computefi_types::ErrorCode,
) -> TxError {
    let tx = chain.tx(who, vec![msg]);
    refused_tx(chain, tx, code)
}

/// Delivers `tx`, which must be refused with `code`, and checks that the state root did not
/// move; returns the error for further checks.
pub fn refused_tx(chain: &mut TestChain, tx: SignedTx, code: computefi_types::ErrorCode) -> TxError {
    let root = chain.app_hash();
    let err = chain.deliver(tx).expect_err("the transaction must be refused");
    assert_eq!(err.code, code.code(), "expected {code:?}, got {err}");
    assert!(!err.message.is_empty(), "every refusal says what to do");
    assert_eq!(chain.app_hash(), root, "a refusal changes nothing");
    err
}

/// Message builders, so tests read as what they do.
pub mod msgs {
    use computefi_types::{Address, AmmMsg, Amount, AssetId, AssetsMsg, BankMsg, Msg, Output};

    /// `bank.send`.
    pub fn send(to: &Address, asset: &AssetId, amount: u128) -> Msg {
        Msg::Bank(BankMsg::Send { to: *to, asset: *asset, amount: Amount(amount) })
    }

    /// `bank.multi_send`.
    pub fn multi_send(outputs: &[(&Address, &AssetId, u128)]) -> Msg {
        Msg::Bank(BankMsg::MultiSend {
            outputs: outputs
                .iter()
                .map(|(to, asset, a)| Output { to: **to, asset: **asset, amount: Amount(*a) })
                .collect(),
        })
    }

    /// `assets.create`.
    pub fn create(symbol: &str, decimals: u8, max_supply: Option<u128>) -> Msg {
        Msg::Assets(AssetsMsg::Create {
            symbol: symbol.into(),
            name: format!("{symbol} token"),
            decimals,
            max_supply: max_supply.map(Amount),
        })
    }

    /// `assets.mint`.
    pub fn mint(asset: &AssetId, to: &Address, amount: u128) -> Msg {
        Msg::Assets(AssetsMsg::Mint { asset: *asset, to: *to, amount: Amount(amount) })
    }

    /// `assets.burn`.
    pub fn burn(asset: &AssetId, amount: u128) -> Msg {
        Msg::Assets(AssetsMsg::Burn { asset: *asset, amount: Amount(amount) })
    }

    /// `amm.create_pool` of `a` and `b` with the usual fee of 30 basis points.
    pub fn create_pool(a: &AssetId, b: &AssetId, amount_a: u128, amount_b: u128) -> Msg {
        Msg::Amm(AmmMsg::CreatePool {
            asset_a: *a,
            asset_b: *b,
            amount_a: Amount(amount_a),
            amount_b: Amount(amount_b),
            fee_bps: 30,
        })
    }

    /// `amm.swap_exact_in`: `amount_in` of `route[0]` for at least `min_out` of the last asset,
    /// in a block no later than `deadline`.
    pub fn swap_in(route: &[AssetId], amount_in: u128, min_out: u128, deadline: u64) -> Msg {
        Msg::Amm(AmmMsg::SwapExactIn {
            route: route.to_vec(),
            amount_in: Amount(amount_in),
            amount_out_min: Amount(min_out),
            deadline_height: deadline,
        })
    }

    /// `amm.swap_exact_out`: `amount_out` of the last asset of `route` for at most `max_in` of
    /// `route[0]`, in a block no later than `deadline`.
    pub fn swap_out(route: &[AssetId], amount_out: u128, max_in: u128, deadline: u64) -> Msg {
        Msg::Amm(AmmMsg::SwapExactOut {
            route: route.to_vec(),
            amount_out: Amount(amount_out),
            amount_in_max: Amount(max_in),
            deadline_height: deadline,
        })
    }
}
