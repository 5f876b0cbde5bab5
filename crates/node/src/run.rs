//! Starting and stopping a node: open the store, serve the API and metrics, run consensus, and
//! on SIGINT/SIGTERM stop taking requests, stop consensus and close the store cleanly.

use crate::api;
use crate::chain::Chain;
use crate::home::Home;
use anyhow::{bail, Context};
use computefi_app::App;
use computefi_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

/// What a started node tells its caller.
#[derive(Clone, Debug)]
pub struct Ready {
    /// The API's address.
    pub api: SocketAddr,
    /// The chain id.
    pub chain_id: String,
    /// The last committed height at start.
    pub height: u64,
    /// Whether the explorer's pages are served on the API's port.
    pub explorer: bool,
}

/// Opens the store of `home`, writing genesis on first start, and checks that it belongs to
/// the home's genesis.
pub fn open_app(home: &Home) -> anyhow::Result<App> {
    let genesis = home.load_genesis()?;
    let path = home.store_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let store = Store::open(&path).with_context(|| format!("cannot open the store {}", path.display()))?;
    let app = if store.latest_version().is_none() {
        App::init(store, &genesis)?
    } else {
        // Name the home, so the way to a new one is plain.
        App::open(store).with_context(|| format!("the home {} cannot be opened", home.root().display()))?
    };
    if app.chain_id() != genesis.chain_id {
        bail!(
            "the store in {} belongs to chain {:?} but genesis.json is for {:?}; use the matching home",
            home.root().display(),
            app.chain_id(),
            genesis.chain_id
        );
    }
    Ok(app)
}

/// A future that resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Runs the node of `home` until `shutdown` resolves. `on_ready` is called once the API listens.
pub async fn run(
    home: &Home,
    shutdown: impl std::future::Future<Output = ()>,
    on_ready: impl FnOnce(&Ready),
) -> anyhow::Result<()> {
    let config = home.load_config()?;
    config.api.validate().map_err(|e| anyhow::anyhow!("{}: {e}", home.config_path().display()))?;
    let seed = home.load_validator_key()?;
    let app = open_app(home)?;
    let chain = Arc::new(Chain::new(app, config.mempool.clone())?);

    if config.metrics.enabled {
        let listen: SocketAddr = config.metrics.listen.parse().with_context(|| {
            format!("[metrics] listen {:?} is not an address like 127.0.0.1:26660", config.metrics.listen)
        })?;
        crate::metrics::install(listen)?;
    }
    let files = crate::serve::raise_file_limit();
    let connections_max = crate::serve::connections_cap(config.api.connections_max, files.soft_fds);
    tracing::info!(
        soft_before = files.soft_before_fds,
        soft = files.soft_fds,
        hard = files.hard_fds.map_or_else(|| "unlimited".to_string(), |h| h.to_string()),
        connections_max,
        configured = config.api.connections_max,
        "open-file limit raised to the hard limit; API connections capped below it"
    );
    let listener = tokio::net::TcpListener::bind(&config.api.listen).await.with_context(|| {
        format!(
            "cannot listen on {} for the API; choose a free port in config.toml [api] listen",
            config.api.listen
        )
    })?;
    let api_addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let wait_stop = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stopped| *stopped).await;
    };
    let evidence = crate::evidence::EvidenceLog::open(&crate::evidence::EvidenceLog::path_in(home.root()))?;
    let router = api::router(chain.clone(), &config.api, evidence.clone());
    // Single submissions are admitted in batches on one thread (`crate::admission`).
    let admission = crate::admission_queue::AdmissionQueue::start(Arc::downgrade(&chain))?;
    let router = router.layer(axum::Extension(Arc::new(admission)));
    // Transactions admitted from clients go on to the peers listed, so the next proposer holds them.
    let router = match config.mempool.forward_to.is_empty() {
        true => router,
        false => {
            let forwarder = crate::forward::Forwarder::start(&config.mempool.forward_to, stop_rx.clone());
            tracing::info!(peers = ?config.mempool.forward_to, "forwarding admitted transactions to peers");
            router.layer(axum::Extension(forwarder))
        }
    };
    let limits = crate::serve::ServeLimits::new(&config.api, connections_max);
    let api_task = tokio::spawn(crate::serve::serve(listener, router, limits, stop_rx.clone()));
    on_ready(&Ready {
        api: api_addr,
        chain_id: chain.app().chain_id().to_string(),
        height: chain.app().last().height,
        explorer: config.api.explorer,
    });
    tracing::info!(api = %api_addr, chain_id = chain.app().chain_id(), "node started");

    let consensus = crate::consensus::run(
        chain.clone(),
        config.consensus.clone(),
        seed,
        home.root(),
        evidence,
        wait_stop(stop_rx),
    );
    tokio::pin!(consensus);
    let outcome = tokio::select! {
        r = &mut consensus => r.context("consensus stopped"),
        _ = shutdown => {
            tracing::info!("shutdown requested");
            let _ = stop_tx.send(true);
            match tokio::time::timeout(std::time::Duration::from_secs(10), &mut consensus).await {
                Ok(r) => r.context("consensus failed while stopping"),
                Err(_) => {
                    tracing::warn!("consensus did not stop within 10 s; closing anyway (committed blocks are durable)");
                    Ok(())
                }
            }
        }
    };
    let _ = stop_tx.send(true);
    match tokio::time::timeout(std::time::Duration::from_secs(10), api_task).await {
        Ok(Err(e)) => tracing::warn!("API server task failed: {e}"),
        Err(_) => tracing::warn!("API server did not stop within 10 s"),
        Ok(Ok(())) => {}
    }
    // Dropping the last handle closes the store; every committed block is already durable.
    drop(chain);
    tracing::info!("node stopped");
    outcome
}
