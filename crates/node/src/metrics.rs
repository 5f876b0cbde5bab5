//! Prometheus metrics, served on their own port. Each function documents the metric it feeds.

use metrics::{counter, gauge, histogram};

/// Measures a duration for a histogram. Wall-clock reads here only feed metrics.
pub struct Timer(std::time::Instant);

impl Timer {
    /// Starts now.
    #[allow(clippy::disallowed_methods)]
    pub fn start() -> Timer {
        Timer(std::time::Instant::now())
    }

    /// Seconds since start.
    pub fn seconds(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

/// `computefi_block_height`: height of the last committed block.
pub fn height(h: u64) {
    gauge!("computefi_block_height").set(h as f64);
}

/// `computefi_blocks_committed_total`, `computefi_txs_committed_total`,
/// `computefi_block_commit_seconds` (execution reuse + durable commit of one block) and
/// `computefi_mempool_txs`.
pub fn block_committed(h: u64, txs: usize, pending: usize, started: Timer) {
    height(h);
    counter!("computefi_blocks_committed_total").increment(1);
    counter!("computefi_txs_committed_total").increment(txs as u64);
    histogram!("computefi_block_commit_seconds").record(started.seconds());
    gauge!("computefi_mempool_txs").set(pending as f64);
}

/// `computefi_txs_accepted_total` and `computefi_mempool_txs`.
pub fn tx_accepted(pending: usize) {
    counter!("computefi_txs_accepted_total").increment(1);
    gauge!("computefi_mempool_txs").set(pending as f64);
}

/// `computefi_txs_refused_total{code}`: transactions refused at admission or dropped from a
/// proposal, by error code.
pub fn tx_refused(code: u32) {
    counter!("computefi_txs_refused_total", "code" => code.to_string()).increment(1);
}

/// `computefi_block_txs_dropped_total{code}`: transactions this node dropped while building a
/// proposal because executing them failed, by error code (`invariant_broken`, 40, counts the
/// ones that would have broken a ledger invariant: each is a bug worth a look).
pub fn tx_dropped_at_build(code: u32) {
    counter!("computefi_block_txs_dropped_total", "code" => code.to_string()).increment(1);
}

/// `computefi_mempool_evicted_total`: pending transactions evicted to make room for ones that
/// pay more per byte (each one's client is told `tx_evicted`).
pub fn txs_evicted(count: usize) {
    counter!("computefi_mempool_evicted_total").increment(count as u64);
}

/// `computefi_mempool_expired_total`: pending transactions dropped after waiting `tx_ttl_ms`,
/// with the later nonces that waited behind them (each one's client is told `tx_expired`).
pub fn txs_expired(count: usize) {
    counter!("computefi_mempool_expired_total").increment(count as u64);
}

/// Starts the Prometheus exporter on `listen` (its own port, loopback by default).
pub fn install(listen: std::net::SocketAddr) -> anyhow::Result<()> {
    metrics_exporter_prometheus::PrometheusBuilder::new().with_http_listener(listen).install().map_err(|e| {
        anyhow::anyhow!(
            "cannot serve metrics on {listen}: {e}; choose a free port in config.toml [metrics] listen"
        )
    })
}
