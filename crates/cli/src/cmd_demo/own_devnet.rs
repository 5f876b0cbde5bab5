//! A devnet of the demo's own: when no node answers at the demo's node address, `computefi demo`
//! starts `computefi devnet` on that address (its home the demo's, so the dev key is the one the
//! demo signs with; peer and metrics ports chosen free), says so, and stops it at the end unless
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

/// Starts a devnet of home `home` whose API listens where `node` (`http://HOST:PORT`) points, and
/// waits for its ready line.
pub(super) fn start(node: &str, home: &Path) -> anyhow::Result<OwnDevnet> {
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
