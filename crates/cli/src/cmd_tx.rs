//! `tx …`: build, sign with a keyring key, broadcast. `tx bank …` and `tx assets …` are built
//! here; the spine's commands in `cmd_spine`, the market's in `cmd_market`.

use crate::client::Client;
use crate::cmd_keys::KeyringArgs;
use crate::cmd_query::NodeArg;
use crate::keys::Keyring;
use crate::output::{print, Format};
use anyhow::Context;
use clap::{Args, Subcommand};
use computefi_types::{Address, Amount, AssetId, AssetsMsg, BankMsg, Msg, Output, PublicKey, Tx};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Options shared by every transaction.
#[derive(Args)]
pub struct TxArgs {
    /// Key that signs (a name in the keyring).
    #[arg(long)]
    from: String,
    /// Fee in base units of CFI (default: the chain's minimum fee).
    #[arg(long)]
    fee: Option<Amount>,
    /// `commit`: wait until the transaction is in a block (default); `sync`: return once accepted.
    #[arg(long, default_value = "commit", value_parser = ["sync", "commit"])]
    mode: String,
    /// Free text attached to the transaction.
    #[arg(long, default_value = "")]
    memo: String,
    /// Run the transaction against the latest state without broadcasting it.
    #[arg(long, conflicts_with = "sign_only")]
    simulate: bool,
    /// Print the signed transaction (JSON and hex bytes) instead of broadcasting it; with
    /// --chain-id, --nonce and --fee no node is contacted (offline signing).
    #[arg(long)]
    sign_only: bool,
    /// Chain id to sign for (default: ask the node).
    #[arg(long)]
    chain_id: Option<String>,
    /// Nonce to sign with (default: ask the node for the account's next one).
    #[arg(long)]
    nonce: Option<u64>,
    /// Shared options.
    #[command(flatten)]
    keyring: KeyringArgs,
    /// Shared options.
    #[command(flatten)]
    node: NodeArg,
}

/// Transaction commands.
#[derive(Subcommand)]
pub enum TxCmd {
    /// Balances and transfers.
    #[command(subcommand)]
    Bank(BankCmd),
    /// Fungible assets.
    #[command(subcommand)]
    Assets(AssetsCmd),
    /// Identity claims (claim issuers).
    #[command(subcommand)]
    Identity(crate::cmd_spine::IdentityCmd),
    /// Transfer rules, freezes, forced transfers (issuers and controllers).
    #[command(subcommand)]
    Compliance(crate::cmd_spine::ComplianceCmd),
    /// Hardware titles.
    #[command(subcommand)]
    Registry(crate::cmd_spine::RegistryCmd),
    /// Fractional shares of titles.
    #[command(subcommand)]
    Shares(crate::cmd_spine::SharesCmd),
    /// Income of titles and vaults.
    #[command(subcommand)]
    Revenue(crate::cmd_spine::RevenueCmd),
    /// Capacity challenges of device-backed titles.
    #[command(subcommand)]
    Device(crate::cmd_spine::DeviceCmd),
    /// Constant-product pools: create, add and remove liquidity, swap.
    #[command(subcommand)]
    Amm(crate::cmd_market::AmmTxCmd),
    /// Capacity tokens of titles: issue GPU-hours or TH/s-days, redeem them.
    #[command(subcommand)]
    Capacity(crate::cmd_market::CapacityCmd),
    /// Compute leases paid from escrow: order, bid, accept, top up, close.
    #[command(subcommand)]
    Lease(crate::cmd_market::LeaseCmd),
    /// Hashrate delivery contracts: offer, accept, cancel.
    #[command(subcommand)]
    Delivery(crate::cmd_market::DeliveryCmd),
}

/// `tx bank …`.
#[derive(Subcommand)]
pub enum BankCmd {
    /// Send AMOUNT base units of an asset (CFI by default) to TO (an address or a key name).
    Send {
        /// Recipient: `cfi1…` or a key name.
        to: String,
        /// Amount in base units.
        amount: Amount,
        /// Asset id (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Send to several recipients at once: --to ADDRESS=AMOUNT, repeatable.
    MultiSend {
        /// ADDRESS=AMOUNT (base units), repeatable.
        #[arg(long = "to", value_name = "ADDRESS=AMOUNT", required = true)]
        outputs: Vec<String>,
        /// Asset id for every output (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// `tx assets …`.
#[derive(Subcommand)]
pub enum AssetsCmd {
    /// Create an asset issued by --from.
    Create {
        /// Symbol: 2-12 of A-Z and 0-9, starting with a letter.
        symbol: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Decimals shown by wallets (0-18).
        #[arg(long, default_value_t = 6)]
        decimals: u8,
        /// Most base units that may ever exist (default: no cap).
        #[arg(long)]
        max_supply: Option<Amount>,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Mint AMOUNT base units of ASSET to TO (issuer only).
    Mint {
        /// Asset id.
        asset: AssetId,
        /// Recipient: `cfi1…` or a key name.
        to: String,
        /// Amount in base units.
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
    /// Burn AMOUNT base units of ASSET from the issuer's balance (issuer only).
    Burn {
        /// Asset id.
        asset: AssetId,
        /// Amount in base units.
        amount: Amount,
        /// Shared options.
        #[command(flatten)]
        tx: TxArgs,
    },
}

/// An address, or the address of a key in the keyring.
pub fn resolve(keyring: &Keyring, who: &str) -> anyhow::Result<Address> {
    match who.parse::<Address>() {
        Ok(a) => Ok(a),
        Err(parse_error) => keyring
            .show(who)
            .map(|k| k.address)
            .map_err(|_| anyhow::anyhow!("{parse_error}; and no key named {who:?} is in the keyring")),
    }
}

/// Builds a command's messages once the keyring is open (key names may stand for addresses).
pub type BuildMsgs = Box<dyn FnOnce(&Keyring) -> anyhow::Result<Vec<Msg>>>;

/// Runs a transaction command.
pub fn run(home: &Option<PathBuf>, cmd: TxCmd, format: Format) -> anyhow::Result<()> {
    let (args, build): (TxArgs, BuildMsgs) = match cmd {
        TxCmd::Bank(BankCmd::Send { to, amount, asset, tx }) => (
            tx,
            Box::new(move |k| {
                let to = resolve(k, &to)?;
                Ok(vec![Msg::Bank(BankMsg::Send {
                    to,
                    asset: asset.unwrap_or_else(AssetId::native),
                    amount,
                })])
            }),
        ),
        TxCmd::Bank(BankCmd::MultiSend { outputs, asset, tx }) => (
            tx,
            Box::new(move |k| {
                let asset = asset.unwrap_or_else(AssetId::native);
                let outputs = outputs
                    .iter()
                    .map(|o| {
                        let (to, amount) =
                            o.split_once('=').with_context(|| format!("--to {o:?}: write ADDRESS=AMOUNT"))?;
                        Ok(Output { to: resolve(k, to)?, asset, amount: amount.parse()? })
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                Ok(vec![Msg::Bank(BankMsg::MultiSend { outputs })])
            }),
        ),
        TxCmd::Assets(AssetsCmd::Create { symbol, name, decimals, max_supply, tx }) => (
            tx,
            Box::new(move |_| {
                Ok(vec![Msg::Assets(AssetsMsg::Create { symbol, name, decimals, max_supply })])
            }),
        ),
        TxCmd::Assets(AssetsCmd::Mint { asset, to, amount, tx }) => (
            tx,
            Box::new(move |k| Ok(vec![Msg::Assets(AssetsMsg::Mint { asset, to: resolve(k, &to)?, amount })])),
        ),
        TxCmd::Assets(AssetsCmd::Burn { asset, amount, tx }) => {
            (tx, Box::new(move |_| Ok(vec![Msg::Assets(AssetsMsg::Burn { asset, amount })])))
        }
        TxCmd::Identity(cmd) => crate::cmd_spine::identity(cmd),
        TxCmd::Compliance(cmd) => crate::cmd_spine::compliance(cmd)?,
        TxCmd::Registry(cmd) => crate::cmd_spine::registry(cmd)?,
        TxCmd::Shares(cmd) => crate::cmd_spine::shares(cmd),
        TxCmd::Revenue(cmd) => crate::cmd_spine::revenue(cmd)?,
        TxCmd::Device(cmd) => crate::cmd_spine::device(cmd),
        TxCmd::Amm(cmd) => crate::cmd_market::amm(cmd),
        TxCmd::Capacity(cmd) => crate::cmd_market::capacity(cmd),
        TxCmd::Lease(cmd) => crate::cmd_market::lease(cmd),
        TxCmd::Delivery(cmd) => crate::cmd_market::delivery(cmd),
    };
    let keyring = args.keyring.open(home)?;
    let msgs = build(&keyring)?;
    let result = sign_and_send(&keyring, &args, msgs)?;
    print(format, &result);
    Ok(())
}

impl TxArgs {
    /// The node's API URL, for defaults a command reads from the ledger.
    pub fn node_url(&self) -> &str {
        &self.node.node
    }

    /// Options for signing with key `from` of the test keyring and waiting for the commit, with
    /// the chain's minimum fee (used by `computefi demo`).
    pub fn commit_with_test_key(from: &str, node: &str) -> TxArgs {
        TxArgs {
            from: from.to_string(),
            fee: None,
            mode: "commit".into(),
            memo: String::new(),
            simulate: false,
            sign_only: false,
            chain_id: None,
            nonce: None,
            keyring: KeyringArgs {
                keyring_backend: crate::keys::KeyringBackend::Test,
                passphrase_file: None,
            },
            node: NodeArg { node: node.to_string() },
        }
    }
}

/// Signs `msgs` as `args` says and sends, simulates or prints them.
pub fn sign_and_send(keyring: &Keyring, args: &TxArgs, msgs: Vec<Msg>) -> anyhow::Result<Value> {
    let client = Client::new(&args.node.node);
    let offline = args.chain_id.is_some() && args.fee.is_some() && args.nonce.is_some();
    let status = if offline { Value::Null } else { client.get("/status")? };
    let chain_id = match &args.chain_id {
        Some(c) => c.clone(),
        None => status["chain_id"].as_str().context("the node's /status has no chain_id")?.to_string(),
    };
    let fee = match args.fee {
        Some(f) => f,
        None => {
            status["min_fee"].as_str().unwrap_or("0").parse().context("the node's min_fee is not a number")?
        }
    };
    let key = keyring.signing_key(&args.from)?;
    let signer = PublicKey::from_signing_key(&key);
    let sender = Address::from_public_key(&signer);
    let nonce = match args.nonce {
        Some(n) => n,
        None => {
            let account = client.get(&format!("/accounts/{sender}"))?;
            account["next_nonce_pending"]
                .as_str()
                .or_else(|| account["next_nonce"].as_str())
                .unwrap_or("0")
                .parse()
                .context("the node's account nonce is not a number")?
        }
    };
    let tx = Tx { chain_id, signer, nonce, fee, msgs, memo: args.memo.clone() }.sign(&key);
    if args.sign_only {
        return Ok(json!({ "hash": tx.hash(), "tx": tx, "tx_bytes": hex::encode(tx.to_bytes()) }));
    }
    if args.simulate {
        return client.post("/simulate", &json!({ "tx": tx }));
    }
    client.post("/txs", &json!({ "tx": tx, "mode": args.mode }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};
    use computefi_types::ComplianceMsg;

    /// `computefi tx …` as the binary parses it.
    #[derive(Parser)]
    struct TxLine {
        #[command(subcommand)]
        tx: TxCmd,
    }

    fn address(byte: u8) -> Address {
        Address::from_public_key(&PublicKey([byte; 32]))
    }

    #[test]
    fn no_tx_command_has_two_arguments_with_one_name() {
        // clap checks a command's arguments only when that command is parsed; this checks all.
        TxLine::command().debug_assert();
    }

    #[test]
    fn force_transfer_parses_the_holder_apart_from_the_signing_key() {
        let (asset, holder, to) = (AssetId::native(), address(1), address(2));
        let line = format!("computefi compliance force-transfer {asset} {holder} {to} 25 --from controller");
        let parsed = TxLine::try_parse_from(line.split(' ')).unwrap_or_else(|e| panic!("{e}"));
        let TxCmd::Compliance(cmd) = parsed.tx else { panic!("not a compliance command") };
        let (args, build) = crate::cmd_spine::compliance(cmd).unwrap();
        assert_eq!(args.from, "controller");
        let home = tempfile::tempdir().unwrap();
        let keyring = Keyring::open(
            home.path(),
            crate::keys::KeyringBackend::Test,
            crate::keys::passphrase_source(None),
        )
        .unwrap();
        let expected = ComplianceMsg::ForceTransfer { asset, from: holder, to, amount: Amount(25) };
        assert_eq!(build(&keyring).unwrap(), vec![Msg::Compliance(expected)]);
    }
}
