//! A devnet of the demo's own: when no node answers at the demo's node address, `computefi demo`
//! starts `computefi devnet` on that address (its home the demo's, so the dev key is the one the
//! demo signs with; peer and metrics ports chosen free, chosen again if the devnet stops before it
//! answers), says so, and stops it at the end unless
//! `--keep` is given. Dropping the handle stops it too, so an error in the demo leaves no node
//! running.

use anyhow::Context;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A devnet the demo started.
pub(super) struct OwnDevnet {
    child: Option<Child>,
    /// Its ready line: API, home, log, dev account.
    pub ready: serde_json::Value,
}

impl OwnDevnet {
    /// Leaves it running: its process id, for the person who stops it.
    pub fn keep(mut self) -> u32 {
        self.child.take().map_or(0, |c| c.id())
    }
}

impl Drop for OwnDevnet {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            // SIGTERM first, so the node closes its store; a kill if it is still there.
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            for _ in 0..50 {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A free TCP port on loopback.
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Tries at starting the devnet: a peer or metrics port chosen free can be taken by another
/// program before the devnet binds it, and the devnet then stops just after its ready line.
const START_ATTEMPTS_MAX: u32 = 3;

/// How long a started devnet has to answer `GET /status`, in ms.
const ANSWER_WAIT_MS: u64 = 15_000;

/// Starts a devnet of home `home` whose API listens where `node` (`http://HOST:PORT`) points, and
/// waits for its ready line and its first answer. A devnet that stops before it answers (a port
/// taken meanwhile) is started again on other free ports, at most [`START_ATTEMPTS_MAX`] times.
pub(super) fn start(node: &str, home: &Path) -> anyhow::Result<OwnDevnet> {
    let mut last_error = None;
    for _ in 0..START_ATTEMPTS_MAX {
        let mut own = start_once(node, home)?;
        match own.answers(node) {
            Ok(()) => return Ok(own),
            Err(e) => {
                // Stops it if it still runs.
                drop(own);
                last_error = Some(e);
            }
        }
    }
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("the devnet did not start")))
}

impl OwnDevnet {
    /// Waits until the devnet answers `GET /status`; an error when its process ended first or
    /// it did not answer within [`ANSWER_WAIT_MS`].
    // The wait is bounded by the wall clock; this is a client, not consensus code.
    #[allow(clippy::disallowed_methods)]
    fn answers(&mut self, node: &str) -> anyhow::Result<()> {
        let client = crate::client::Client::new(node);
        let started = std::time::Instant::now();
        loop {
            if client.get("/status").is_ok() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    anyhow::bail!(
                        "the devnet stopped ({status}) before it answered; see devnet.log in its home"
                    );
                }
            }
            if started.elapsed() > std::time::Duration::from_millis(ANSWER_WAIT_MS) {
                anyhow::bail!("the devnet did not answer at {node} within {} s", ANSWER_WAIT_MS / 1000);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// One start: the devnet on `node`'s address and free peer and metrics ports, and its ready line.
fn start_once(node: &str, home: &Path) -> anyhow::Result<OwnDevnet> {
    let listen = node.trim_end_matches('/').strip_prefix("http://").with_context(|| {
        format!("no node answers at {node}, and the demo starts a devnet only on an http:// address")
    })?;
    let (p2p, metrics) = (free_port()?, free_port()?);
    let exe = std::env::current_exe().context("finding the computefi binary")?;
    let mut child = Command::new(exe)
        .args(["devnet", "-o", "json", "--home"])
        .arg(home)
        .args(["--api-listen", listen, "--p2p-listen", &format!("/ip4/127.0.0.1/tcp/{p2p}")])
        .args(["--metrics-listen", &format!("127.0.0.1:{metrics}")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting a devnet")?;
    let stdout = child.stdout.take().context("the devnet's output")?;
    let mut own = OwnDevnet { child: Some(child), ready: serde_json::Value::Null };
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).context("reading the devnet's ready line")?;
    own.ready = serde_json::from_str(&line).with_context(|| {
        format!("the devnet did not start (it printed {line:?}); see its log in {}", home.display())
    })?;
    Ok(own)
}
