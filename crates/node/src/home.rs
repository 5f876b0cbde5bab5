//! A node's home directory:
//!
//! ```text
//! HOME/config.toml          node settings (unknown keys refused)
//! HOME/genesis.json         the chain's genesis
//! HOME/validator_key.json   this validator's consensus key (mode 0600; refused if group or
//!                           others may read it, or if it is a symbolic link)
//! HOME/data/state.redb      state, blocks, receipts (one redb file)
//! HOME/wal/                 the consensus write-ahead log
//! ```

use crate::api::ApiConfig;
use crate::consensus::ConsensusConfig;
use crate::files::{read_secret_file, write_new};
use crate::mempool::MempoolConfig;
use anyhow::{bail, Context};
use computefi_app::{Genesis, GenesisBalance, GenesisValidator, Params};
use computefi_types::PublicKey;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Prometheus settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve `/metrics` at all.
    pub enabled: bool,
    /// Listen address of the metrics endpoint (its own port).
    pub listen: String,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig { enabled: true, listen: "127.0.0.1:26660".into() }
    }
}

/// `config.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NodeConfig {
    /// A name for this node in logs.
    pub moniker: String,
    /// HTTP API.
    pub api: ApiConfig,
    /// Prometheus metrics.
    pub metrics: MetricsConfig,
    /// Consensus and peers.
    pub consensus: ConsensusConfig,
    /// Pending transactions.
    pub mempool: MempoolConfig,
}

/// The consensus key file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorKeyFile {
    /// Public key, hex.
    pub public_key: PublicKey,
    /// The 32-byte ed25519 seed, hex. Keep this file private.
    pub secret_key: String,
}

/// Paths inside a home directory.
#[derive(Clone, Debug)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// The home at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Home {
        Home { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// `genesis.json`.
    pub fn genesis_path(&self) -> PathBuf {
        self.root.join("genesis.json")
    }

    /// `validator_key.json`.
    pub fn validator_key_path(&self) -> PathBuf {
        self.root.join("validator_key.json")
    }

    /// The store file.
    pub fn store_path(&self) -> PathBuf {
        self.root.join("data").join("state.redb")
    }

    /// Whether `init` has run here.
    pub fn is_initialized(&self) -> bool {
        self.config_path().exists() && self.genesis_path().exists()
    }

    /// Reads `config.toml`.
    pub fn load_config(&self) -> anyhow::Result<NodeConfig> {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {}; run `computefi init --home {}` first",
                path.display(),
                self.root.display()
            )
        })?;
        toml::from_str(&text)
            .with_context(|| format!("{} is not a valid node config; fix the named key", path.display()))
    }

    /// Writes `config.toml`.
    pub fn save_config(&self, config: &NodeConfig) -> anyhow::Result<()> {
        write_new(&self.config_path(), toml::to_string_pretty(config)?.as_bytes(), false)
    }

    /// Reads `genesis.json`.
    pub fn load_genesis(&self) -> anyhow::Result<Genesis> {
        let path = self.genesis_path();
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let genesis: Genesis = serde_json::from_str(&text).with_context(|| {
            format!("{} is not a valid genesis file; fix the named field", path.display())
        })?;
        genesis.validate().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(genesis)
    }

    /// Reads the consensus key seed. Refuses a symbolic link and a file that group or others may
    /// read ([`read_secret_file`]).
    pub fn load_validator_key(&self) -> anyhow::Result<[u8; 32]> {
        let path = self.validator_key_path();
        let text = read_secret_file(&path)?.with_context(|| {
            format!(
                "cannot read {}: there is no such file; a home made by `computefi init --home {}` has one",
                path.display(),
                self.root.display()
            )
        })?;
        let file: ValidatorKeyFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a validator key file", path.display()))?;
        let seed: [u8; 32] = hex::decode(&file.secret_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .with_context(|| format!("{}: secret_key must be 64 hex characters", path.display()))?;
        let public = PublicKey::from_signing_key(&ed25519_consensus::SigningKey::from(seed));
        if public != file.public_key {
            bail!("{}: public_key does not match secret_key; restore the file from a backup", path.display());
        }
        Ok(seed)
    }
}

/// What a new chain's genesis holds besides its validators (the same for one node and for a
/// network). The default is an empty chain: no id, no balances, no roles, time 0, default
/// parameters; callers name what differs.
#[derive(Clone, Debug, Default)]
pub struct GenesisOptions {
    /// Chain id.
    pub chain_id: String,
    /// Initial CFI balances.
    pub balances: Vec<GenesisBalance>,
    /// Accounts that may grant identity claims.
    pub claim_issuers: Vec<computefi_types::Address>,
    /// Accounts approved to verify and appraise titles.
    pub auditors: Vec<computefi_types::Address>,
    /// Accounts that post reports of the dollar unit's reserves.
    pub reserve_attestors: Vec<computefi_types::Address>,
    /// Accounts that mint the dollar unit for payments received.
    pub reserve_minters: Vec<computefi_types::Address>,
    /// Accounts that immobilise carbon credits for the ledger to mint.
    pub registry_attestors: Vec<computefi_types::Address>,
    /// Oracle feeds.
    pub oracle_feeds: Vec<computefi_app::modules::oracle::FeedConfig>,
    /// Genesis time in ms.
    pub genesis_time_ms: u64,
    /// Chain parameters.
    pub params: Params,
}

impl GenesisOptions {
    /// The checked genesis with these validators.
    fn genesis(self, validators: Vec<GenesisValidator>) -> anyhow::Result<Genesis> {
        let genesis = Genesis {
            chain_id: self.chain_id,
            genesis_time_ms: self.genesis_time_ms,
            params: self.params,
            balances: self.balances,
            validators,
            claim_issuers: self.claim_issuers,
            auditors: self.auditors,
            oracle_feeds: self.oracle_feeds,
            reserve_attestors: self.reserve_attestors,
            reserve_minters: self.reserve_minters,
            registry_attestors: self.registry_attestors,
        };
        genesis.validate().map_err(|e| anyhow::anyhow!("invalid genesis: {e}"))?;
        Ok(genesis)
    }
}

/// What `init` needs.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// The genesis to write.
    pub genesis: GenesisOptions,
    /// Node name.
    pub moniker: String,
    /// Node settings to write.
    pub config: NodeConfig,
}

/// Refuses a home that already holds a node, naming the fix.
fn refuse_existing(home: &Home, fix: &str) -> anyhow::Result<()> {
    if home.config_path().exists() || home.genesis_path().exists() || home.store_path().exists() {
        bail!("{} already holds a node; {fix}", home.root().display());
    }
    Ok(())
}

/// A new validator key: its secret seed and its public key.
fn new_validator_key() -> ([u8; 32], PublicKey) {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    (seed, PublicKey::from_signing_key(&ed25519_consensus::SigningKey::from(seed)))
}

/// Writes one validator's home: its key (private), the genesis and its settings.
fn write_validator_home(
    node: NetworkNode,
    (seed, public_key): ([u8; 32], PublicKey),
    genesis_json: &str,
) -> anyhow::Result<()> {
    let key_file = ValidatorKeyFile { public_key, secret_key: hex::encode(seed) };
    write_new(&node.home.validator_key_path(), serde_json::to_string_pretty(&key_file)?.as_bytes(), true)?;
    write_new(&node.home.genesis_path(), genesis_json.as_bytes(), false)?;
    let mut config = node.config;
    config.moniker = node.moniker;
    node.home.save_config(&config)
}

/// Creates a home for a one-validator chain: config, a new consensus key, genesis.
/// Refuses to touch a home that already holds a chain.
pub fn init_home(home: &Home, options: InitOptions) -> anyhow::Result<PublicKey> {
    let fix =
        format!("use it with `computefi start --home {}`, or choose another --home", home.root().display());
    refuse_existing(home, &fix)?;
    let (seed, public_key) = new_validator_key();
    let validator = GenesisValidator { name: options.moniker.clone(), public_key, power: 1 };
    let genesis = options.genesis.genesis(vec![validator])?;
    let node = NetworkNode { home: home.clone(), moniker: options.moniker, config: options.config };
    write_validator_home(node, (seed, public_key), &serde_json::to_string_pretty(&genesis)?)?;
    Ok(public_key)
}

/// One validator of a network written by [`init_network`].
#[derive(Clone, Debug)]
pub struct NetworkNode {
    /// Its home directory, which must not hold a node yet.
    pub home: Home,
    /// Its name, in logs and in genesis.
    pub moniker: String,
    /// Its settings (listen addresses, peers).
    pub config: NodeConfig,
}

/// What [`init_network`] needs.
#[derive(Clone, Debug)]
pub struct NetworkOptions {
    /// The genesis to write.
    pub genesis: GenesisOptions,
    /// The validators, each with its home; all get the same voting power.
    pub nodes: Vec<NetworkNode>,
}

/// Creates the homes of a network of validators: a new consensus key and the given config in
/// each, and one genesis naming them all with equal power, written identically into every home.
/// Refuses before writing anything if any home already holds a node. Returns the validators'
/// public keys, in the order of `options.nodes`.
pub fn init_network(options: NetworkOptions) -> anyhow::Result<Vec<PublicKey>> {
    if options.nodes.is_empty() {
        bail!("a network needs at least one validator");
    }
    for node in &options.nodes {
        refuse_existing(&node.home, "choose another directory")?;
    }
    let keys: Vec<([u8; 32], PublicKey)> = options.nodes.iter().map(|_| new_validator_key()).collect();
    let validators = options
        .nodes
        .iter()
        .zip(&keys)
        .map(|(node, (_, key))| GenesisValidator { name: node.moniker.clone(), public_key: *key, power: 1 })
        .collect();
    let genesis_json = serde_json::to_string_pretty(&options.genesis.genesis(validators)?)?;
    for (node, key) in options.nodes.into_iter().zip(&keys) {
        write_validator_home(node, *key, &genesis_json)?;
    }
    Ok(keys.into_iter().map(|(_, public)| public).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_shares_one_genesis_and_each_home_holds_its_own_validator_key() {
        let dir = tempfile::tempdir().unwrap();
        let nodes: Vec<NetworkNode> = (0..3)
            .map(|i| NetworkNode {
                home: Home::new(dir.path().join(format!("node{i}"))),
                moniker: format!("validator-{i}"),
                config: NodeConfig::default(),
            })
            .collect();
        let options = NetworkOptions { genesis: empty_genesis(), nodes: nodes.clone() };
        let keys = init_network(options.clone()).unwrap();
        let genesis = nodes[0].home.load_genesis().unwrap();
        assert_eq!(genesis.validators.iter().map(|v| v.public_key).collect::<Vec<_>>(), keys);
        assert!(genesis.validators.iter().all(|v| v.power == 1));
        for (node, key) in nodes.iter().zip(&keys) {
            assert_eq!(node.home.load_genesis().unwrap(), genesis);
            let seed = node.home.load_validator_key().unwrap();
            assert_eq!(PublicKey::from_signing_key(&ed25519_consensus::SigningKey::from(seed)), *key);
            assert_eq!(node.home.load_config().unwrap().moniker, node.moniker);
        }
        let err = init_network(options).unwrap_err().to_string();
        assert!(err.contains("already holds a node"), "{err}");
    }

    fn empty_genesis() -> GenesisOptions {
        GenesisOptions { chain_id: "net".into(), genesis_time_ms: 1, ..GenesisOptions::default() }
    }

    fn one_node_home(dir: &Path) -> Home {
        let home = Home::new(dir.join("node"));
        let node = NetworkNode { home: home.clone(), moniker: "v".into(), config: NodeConfig::default() };
        let options = NetworkOptions { genesis: empty_genesis(), nodes: vec![node] };
        init_network(options).unwrap();
        home
    }

    #[cfg(unix)]
    #[test]
    fn a_validator_key_others_can_read_is_refused_naming_the_file_and_the_chmod() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let home = one_node_home(dir.path());
        let path = home.validator_key_path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = format!("{:#}", home.load_validator_key().unwrap_err());
        assert!(err.contains(&format!("chmod 600 {}", path.display())), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        home.load_validator_key().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_validator_key_that_is_a_symbolic_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let home = one_node_home(dir.path());
        let path = home.validator_key_path();
        let elsewhere = dir.path().join("key.json");
        std::fs::rename(&path, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        let err = format!("{:#}", home.load_validator_key().unwrap_err());
        assert!(err.contains("symbolic link") && err.contains(&path.display().to_string()), "{err}");
    }
}
