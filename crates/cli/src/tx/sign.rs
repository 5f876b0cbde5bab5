//! The options every transaction shares ([`TxArgs`]) and [`sign_and_send`]: sign messages with a
//! keyring key, then broadcast, simulate or print the transaction.

use crate::client::NodeArg;
use crate::cmd_keys::KeyringArgs;
use crate::keys::Keyring;
use anyhow::Context;
use clap::Args;
use computefi_types::{Address, Amount, Msg, PublicKey, Tx};
use serde_json::{json, Value};

/// Options shared by every transaction.
#[derive(Args)]
pub struct TxArgs {
    /// Key that signs (a name in the keyring).
    #[arg(long)]
    pub from: String,
    /// Fee in base units of CFI (default: the client config's, else the chain's minimum fee).
    #[arg(long, env = "COMPUTEFI_FEE")]
    pub fee: Option<Amount>,
    /// `commit`: wait until the transaction is in a block (default); `sync`: return once accepted.
    #[arg(long, default_value = "commit", value_parser = ["sync", "commit"])]
    pub mode: String,
    /// Free text attached to the transaction.
    #[arg(long, default_value = "")]
    pub memo: String,
    /// Run the transaction against the latest state without broadcasting it.
    #[arg(long, conflicts_with = "sign_only")]
    pub simulate: bool,
    /// Print the signed transaction (JSON and hex bytes) instead of broadcasting it; with
    /// --chain-id, --nonce and --fee no node is contacted (offline signing).
    #[arg(long)]
    pub sign_only: bool,
    /// Chain id to sign for (default: the client config's, else ask the node).
    #[arg(long, env = "COMPUTEFI_CHAIN_ID")]
    pub chain_id: Option<String>,
    /// Nonce to sign with (default: ask the node for the account's next one).
    #[arg(long)]
    pub nonce: Option<u64>,
    /// Shared options.
    #[command(flatten)]
    pub keyring: KeyringArgs,
    /// Shared options.
    #[command(flatten)]
    pub node: NodeArg,
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
    let client = args.node.client();
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
