//! `status`, `query …` and `verify proof`.

use crate::client::Client;
use crate::output::{print, Format};
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use computefi_store::StateProof;
use computefi_types::{Address, Amount, AssetId, Hash, TitleId};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Which node to ask.
#[derive(Args, Clone)]
pub struct NodeArg {
    /// The node's API URL.
    #[arg(long, env = "COMPUTEFI_NODE", default_value = "http://127.0.0.1:26657")]
    pub node: String,
}

/// Query commands.
#[derive(Subcommand)]
pub enum QueryCmd {
    /// An account's balances and next nonce.
    Account {
        /// `cfi1…`.
        address: Address,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// One balance (CFI unless --asset).
    Balance {
        /// `cfi1…`.
        address: Address,
        /// Asset id (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// A transaction by hash.
    Tx {
        /// 64 hex characters.
        hash: Hash,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// A block by height, or `latest`.
    Block {
        /// Height or `latest`.
        height: String,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// An asset by id.
    Asset {
        /// `cfiasset1…`.
        id: AssetId,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// All assets.
    Assets {
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// A hardware title.
    Title {
        /// `cfititle1…`.
        id: TitleId,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// All hardware titles.
    Titles {
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// Claims an account holds.
    Claims {
        /// `cfi1…`.
        address: Address,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// Holders of an asset.
    Holders {
        /// `cfiasset1…`.
        asset: AssetId,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// The vault behind a share token.
    Vault {
        /// The share token.
        asset: AssetId,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// Income of a share token: totals and every deposit (record-date checkpoints).
    Income {
        /// The share token.
        shares: AssetId,
        /// Income asset (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// What a holder could claim now.
    Claimable {
        /// The share token.
        shares: AssetId,
        /// The holder.
        holder: Address,
        /// Income asset (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// The pool of a pair (assets in either order).
    Pool {
        /// One asset.
        a: AssetId,
        /// The other.
        b: AssetId,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// A capacity token: title, window, rate, expiry, and its asset.
    Capacity {
        /// The token.
        token: AssetId,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// What holds a title's capacity: live capacity tokens, leases, delivery contracts.
    Reservations {
        /// `cfititle1…`.
        title: TitleId,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// Penalties of a title for broken delivery contracts.
    Penalties {
        /// `cfititle1…`.
        title: TitleId,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// A lease order with its bids.
    Order {
        /// Order id.
        id: u64,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// Lease orders by id, a page at a time.
    Orders {
        /// Shared options.
        #[command(flatten)]
        page: PageArgs,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// A lease: escrow, owed, paid, refunded, state.
    Lease {
        /// Lease id.
        id: u64,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// Ids of the leases that stream now.
    Leases {
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// A hashrate delivery contract.
    Contract {
        /// Contract id.
        id: u64,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// Delivery contracts by id, a page at a time.
    Contracts {
        /// Shared options.
        #[command(flatten)]
        page: PageArgs,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
    /// A proof of a state key's value at a height; save it with `-o json > proof.json` and check
    /// it offline with `computefi verify proof --file proof.json`.
    Proof {
        /// State key, e.g. `bank/balance/<address>/<asset>` (or use --balance-of).
        key: Option<String>,
        /// Prove the CFI (or --asset) balance of this address instead of naming a key.
        #[arg(long, conflicts_with = "key")]
        balance_of: Option<Address>,
        /// Asset for --balance-of (default: CFI).
        #[arg(long)]
        asset: Option<AssetId>,
        /// Height (default: latest).
        #[arg(long)]
        height: Option<u64>,
        /// Shared options.
        #[command(flatten)]
        node: NodeArg,
    },
}

/// A page of a listing by id.
#[derive(Args, Clone)]
pub struct PageArgs {
    /// First id.
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// Most records (at most 100).
    #[arg(long, default_value_t = 100)]
    limit: u64,
}

impl PageArgs {
    fn query(&self) -> String {
        format!("?from={}&limit={}", self.from, self.limit)
    }
}

/// Offline checks.
#[derive(Subcommand)]
pub enum VerifyCmd {
    /// Check a proof saved from `computefi query proof -o json` against an app hash, offline.
    Proof {
        /// The saved proof (JSON).
        #[arg(long)]
        file: PathBuf,
        /// The app hash you trust (from a block header you have checked). Without it the app hash
        /// in the file is used, which only shows the proof is consistent with itself.
        #[arg(long)]
        app_hash: Option<Hash>,
    },
}

/// `computefi status`.
pub fn status(node: NodeArg, format: Format) -> anyhow::Result<()> {
    print(format, &Client::new(&node.node).get("/status")?);
    Ok(())
}

/// Runs a query.
pub fn run(cmd: QueryCmd, format: Format) -> anyhow::Result<()> {
    let value = match cmd {
        QueryCmd::Account { address, node } => {
            Client::new(&node.node).get(&format!("/accounts/{address}"))?
        }
        QueryCmd::Balance { address, asset, node } => {
            let asset = asset.unwrap_or_else(AssetId::native);
            let account = Client::new(&node.node).get(&format!("/accounts/{address}"))?;
            let amount = account["balances"]
                .as_array()
                .and_then(|b| b.iter().find(|e| e["asset"] == json!(asset.to_string())))
                .and_then(|e| e["amount"].as_str())
                .unwrap_or("0")
                .to_string();
            json!({ "address": address, "asset": asset, "amount": amount, "height": account["height"] })
        }
        QueryCmd::Tx { hash, node } => Client::new(&node.node).get(&format!("/txs/{hash}"))?,
        QueryCmd::Block { height, node } => Client::new(&node.node).get(&format!("/blocks/{height}"))?,
        QueryCmd::Asset { id, node } => Client::new(&node.node).get(&format!("/assets/{id}"))?,
        QueryCmd::Assets { node } => Client::new(&node.node).get("/assets")?,
        QueryCmd::Title { id, node } => Client::new(&node.node).get(&format!("/titles/{id}"))?,
        QueryCmd::Titles { node } => Client::new(&node.node).get("/titles")?,
        QueryCmd::Claims { address, node } => Client::new(&node.node).get(&format!("/claims/{address}"))?,
        QueryCmd::Holders { asset, node } => {
            Client::new(&node.node).get(&format!("/assets/{asset}/holders"))?
        }
        QueryCmd::Vault { asset, node } => Client::new(&node.node).get(&format!("/vaults/{asset}"))?,
        QueryCmd::Income { shares, asset, node } => {
            let asset = asset.unwrap_or_else(AssetId::native);
            Client::new(&node.node).get(&format!("/income/{shares}/{asset}"))?
        }
        QueryCmd::Claimable { shares, holder, asset, node } => {
            let asset = asset.unwrap_or_else(AssetId::native);
            Client::new(&node.node).get(&format!("/income/{shares}/{asset}/{holder}"))?
        }
        QueryCmd::Pool { a, b, node } => Client::new(&node.node).get(&format!("/pools/{a}/{b}"))?,
        QueryCmd::Capacity { token, node } => Client::new(&node.node).get(&format!("/capacity/{token}"))?,
        QueryCmd::Reservations { title, node } => {
            Client::new(&node.node).get(&format!("/titles/{title}/capacity"))?
        }
        QueryCmd::Penalties { title, node } => {
            Client::new(&node.node).get(&format!("/titles/{title}/penalties"))?
        }
        QueryCmd::Order { id, node } => Client::new(&node.node).get(&format!("/orders/{id}"))?,
        QueryCmd::Orders { page, node } => {
            Client::new(&node.node).get(&format!("/orders{}", page.query()))?
        }
        QueryCmd::Lease { id, node } => Client::new(&node.node).get(&format!("/leases/{id}"))?,
        QueryCmd::Leases { node } => Client::new(&node.node).get("/leases")?,
        QueryCmd::Contract { id, node } => Client::new(&node.node).get(&format!("/contracts/{id}"))?,
        QueryCmd::Contracts { page, node } => {
            Client::new(&node.node).get(&format!("/contracts{}", page.query()))?
        }
        QueryCmd::Proof { key, balance_of, asset, height, node } => {
            let key = match (key, balance_of) {
                (Some(k), None) => k,
                (None, Some(a)) => format!("bank/balance/{a}/{}", asset.unwrap_or_else(AssetId::native)),
                _ => bail!("name a state KEY or use --balance-of ADDRESS"),
            };
            let query = height.map(|h| format!("?height={h}")).unwrap_or_default();
            Client::new(&node.node).get(&format!("/proofs/{key}{query}"))?
        }
    };
    print(format, &value);
    Ok(())
}

/// Runs an offline check.
pub fn verify(cmd: VerifyCmd, format: Format) -> anyhow::Result<()> {
    let VerifyCmd::Proof { file, app_hash } = cmd;
    let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let doc: Value = serde_json::from_str(&text).with_context(|| {
        format!("{} is not JSON; save it with `computefi query proof … -o json`", file.display())
    })?;
    let proof: StateProof = serde_json::from_value(doc["proof"].clone())
        .with_context(|| format!("{} holds no proof under \"proof\"", file.display()))?;
    let (anchor, trusted) = match app_hash {
        Some(h) => (h, true),
        None => {
            (doc["app_hash"].as_str().context("the file has no app_hash; pass --app-hash")?.parse()?, false)
        }
    };
    computefi_store::verify_proof(&proof, &anchor.0)
        .map_err(|e| anyhow::anyhow!("the proof does NOT verify against app hash {anchor}: {e}"))?;
    let key = String::from_utf8_lossy(&proof.key).to_string();
    let decoded = proof.value.as_ref().and_then(|v| {
        key.starts_with("bank/balance/")
            .then(|| borsh::from_slice::<Amount>(v).ok().map(|a| a.to_string()))
            .flatten()
    });
    print(
        format,
        &json!({
            "valid": true,
            "key": key,
            "present": proof.value.is_some(),
            "value_hex": proof.value.as_ref().map(hex::encode),
            "value_decoded": decoded,
            "height": proof.version.to_string(),
            "app_hash": anchor,
            "anchor": if trusted { "the app hash you passed" } else { "the app hash inside the file (pass --app-hash to check against a header you trust)" },
        }),
    );
    Ok(())
}
