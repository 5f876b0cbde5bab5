//! Shared pieces of the end-to-end tests: run the binary, start and stop nodes, call the API.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_computefi");
pub const WAIT: Duration = Duration::from_secs(60);

pub fn free_port() -> u16 {
    free_port_block(1)
}

/// Runs the CLI with `args` on `home` and `-o json` to completion, with no input.
pub fn cli_output(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .args(["--home", home.to_str().unwrap(), "-o", "json"])
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

/// Runs the CLI to completion; `Ok(stdout JSON)` on success, `Err(stderr)` on failure.
pub fn cli(home: &Path, args: &[&str]) -> Result<Value, String> {
    let out = cli_output(home, args);
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{args:?} printed non-JSON ({e}): {}", String::from_utf8_lossy(&out.stdout))
        }))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

pub struct Node {
    pub child: Child,
    pub api: String,
    pub ready: Value,
}

impl Node {
    /// Spawns a node command (its stderr already directed) and waits for the JSON ready line it
    /// prints first.
    fn spawn(mut command: Command, home: &Path) -> Node {
        let mut child = command.stdout(Stdio::piped()).spawn().expect("the node starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("a ready line");
        let ready: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("ready line {line:?} of {}: {e}", home.display()));
        let api = ready["api"].as_str().expect("the ready line names the API").to_string();
        Node { child, api, ready }
    }

    /// The `computefi devnet` command on `ports`, a block every 200 ms.
    fn devnet_command(home: &Path, ports: &Ports) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(["devnet", "--home", home.to_str().unwrap(), "-o", "json", "--block-time-ms", "200"])
            // No challenge of the ledger's own: nobody answers them here, and they would
            // degrade the tests' titles at random.
            .args(["--auto-challenge-interval-blocks", "0"])
            .args(ports.listen_args());
        command
    }

    /// Starts `computefi devnet` on `ports` and waits for its ready line.
    pub fn devnet(home: &Path, ports: &Ports) -> Node {
        let mut command = Node::devnet_command(home, ports);
        command.stderr(Stdio::null());
        Node::spawn(command, home)
    }

    /// [`Node::devnet`] on fresh ports, waited for until it has committed `height`: the node and
    /// its ports (a restart on the same ports keeps the same API address).
    pub fn fresh_devnet(home: &Path, height: u64) -> (Node, Ports) {
        let ports = Ports::fresh();
        let node = Node::devnet(home, &ports);
        node.wait_for_height(height);
        (node, ports)
    }

    /// [`Node::devnet`] logging to stderr (`--log-stderr`), which goes to `log`.
    pub fn devnet_logged(home: &Path, ports: &Ports, log: &Path) -> Node {
        let mut command = Node::devnet_command(home, ports);
        command.arg("--log-stderr");
        command.stderr(std::fs::File::create(log).expect("the log file is created"));
        Node::spawn(command, home)
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        http(&self.api, "GET", path, None)
    }

    pub fn height(&self) -> u64 {
        self.get("/status").1["height"].as_str().unwrap().parse().unwrap()
    }

    pub fn wait_for_height(&self, target: u64) {
        let start = Instant::now();
        while self.height() < target {
            assert!(start.elapsed() < WAIT, "height {target} not reached in {WAIT:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn terminate(mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the node exits cleanly on SIGTERM, got {status}");
                return;
            }
            assert!(start.elapsed() < WAIT, "the node did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Ports {
    pub api: u16,
    pub metrics: u16,
    pub p2p: u16,
}

impl Ports {
    /// Three loopback ports free now.
    pub fn fresh() -> Ports {
        Ports { api: free_port(), metrics: free_port(), p2p: free_port() }
    }

    /// The `--api-listen`, `--metrics-listen` and `--p2p-listen` flags for these ports.
    pub fn listen_args(&self) -> [String; 6] {
        [
            "--api-listen".into(),
            format!("127.0.0.1:{}", self.api),
            "--metrics-listen".into(),
            format!("127.0.0.1:{}", self.metrics),
            "--p2p-listen".into(),
            format!("/ip4/127.0.0.1/tcp/{}", self.p2p),
        ]
    }
}

pub fn http(base: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let url = format!("{base}{path}");
    let mut response = match body {
        Some(b) => agent.post(&url).send_json(b),
        None if method == "GET" => agent.get(&url).call(),
        None => agent.post(&url).send_empty(),
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

pub fn balance(node: &Node, address: &str) -> String {
    let (_, account) = node.get(&format!("/accounts/{address}"));
    account["balances"]
        .as_array()
        .unwrap()
        .first()
        .map(|b| b["amount"].as_str().unwrap().to_string())
        .unwrap_or_else(|| "0".into())
}

impl Node {
    /// Starts `computefi start` on an initialized home and waits for its ready line.
    pub fn start(home: &Path) -> Node {
        let mut command = Command::new(BIN);
        command.args(["start", "--home", home.to_str().unwrap(), "-o", "json"]).stderr(Stdio::null());
        Node::spawn(command, home)
    }
}

/// The first of `span` consecutive loopback ports that are all free now, below the range the
/// system hands out to outgoing connections (32768 and up here): a port taken from that range
/// and given to a node a moment later can meanwhile become the source port of some connection
/// (the flood test opens twenty thousand of them), and the node then fails to bind it. Random,
/// so that tests running side by side pick different blocks, and never a port this process has
/// handed out before.
pub fn free_port_block(span: u16) -> u16 {
    use rand::Rng;
    static HANDED_OUT: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|p| p.into_inner());
    let mut rng = rand::thread_rng();
    for _ in 0..1_000 {
        let base: u16 = rng.gen_range(20_000..32_000 - span);
        let block = base..base + span;
        let all_free = block
            .clone()
            .all(|p| !handed_out.contains(&p) && std::net::TcpListener::bind(("127.0.0.1", p)).is_ok());
        if all_free {
            handed_out.extend(block);
            return base;
        }
    }
    panic!("no block of {span} free ports found between 20000 and 32000");
}

/// Adds key `name` to the test keyring of `home`; its address.
pub fn add_test_key(home: &Path, name: &str) -> String {
    let added = cli(home, &["keys", "add", name, "--keyring-backend", "test"]).unwrap();
    added["address"].as_str().expect("a new key has an address").to_string()
}

/// Runs the CLI as the devnet's `dev` key (test keyring) against `node`.
pub fn as_dev(home: &Path, node: &Node, args: &[&str]) -> Result<Value, String> {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--from", "dev", "--keyring-backend", "test", "--node", &node.api]);
    cli(home, &all)
}

/// The `computefi testnet` arguments for `validators` nodes under `dir/net` on a fresh block
/// of ports, a block every 200 ms.
pub fn testnet_args(dir: &Path, validators: usize) -> Vec<String> {
    let out = dir.join("net");
    let base = free_port_block(10 * validators as u16).to_string();
    ["testnet", "--validators", &validators.to_string(), "--out", out.to_str().unwrap()]
        .into_iter()
        .chain(["--base-port", &base, "--block-time-ms", "200"])
        .map(str::to_string)
        .collect()
}

/// The homes `computefi testnet` wrote under `dir/net` for `validators` nodes.
pub fn testnet_homes(dir: &Path, validators: usize) -> Vec<PathBuf> {
    (0..validators).map(|k| dir.join("net").join(format!("node{k}"))).collect()
}

/// Writes a testnet of `validators` nodes under `dir/net` ([`testnet_args`]): what the command
/// answered, and the nodes' homes.
pub fn write_testnet(dir: &Path, validators: usize) -> (Value, Vec<PathBuf>) {
    let args = testnet_args(dir, validators);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    (cli(dir, &args).unwrap(), testnet_homes(dir, validators))
}
