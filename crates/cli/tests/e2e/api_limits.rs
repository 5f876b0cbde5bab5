//! Liveness under hostile clients: a flood of half-open connections leaves `/health` answering;
//! every kind of refusal is JSON with a numeric code and a name; a batch of the documented
//! maximum passes the body limit; the CLI's `-o json` errors carry the code and name.

use super::support::*;
use computefi_types::{Address, Amount, AssetId, BankMsg, Msg, Output, PublicKey, SignedTx, Tx};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Connections the flood opens.
const FLOOD_CONNECTIONS: usize = 20_000;
/// File descriptors the flood helper keeps for itself (stdio, the harness) under its limit.
const FLOOD_MARGIN_FDS: u64 = 64;
/// The environment variable that names the address the flood helper floods.
const FLOOD_TARGET_ENV: &str = "COMPUTEFI_E2E_FLOOD_TARGET";
/// Half a request head: the line and one header, never the blank line that ends it.
const HALF_HEAD: &[u8] = b"GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n";
/// How long `/health` may take to answer 200 once the flood holds its connections: the node's
/// default idle timeout (5 s) frees the half-open ones, its header timeout (10 s) any that
/// trickle; the rest is slack for a loaded 2-core machine.
const HEALTH_WITHIN: Duration = Duration::from_secs(40);

/// Sends `request` on a new connection and reads one answer: status, content type and body
/// (JSON if it parses). Every wait is bounded.
fn raw(addr: &str, request: &[u8]) -> (u16, String, Value) {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(answer) = parse_answer(&got) {
            return answer;
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    parse_answer(&got).unwrap_or_else(|| panic!("no whole answer: {:?}", String::from_utf8_lossy(&got)))
}

/// A whole HTTP answer with a `content-length` body, if `bytes` holds one.
fn parse_answer(bytes: &[u8]) -> Option<(u16, String, Value)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut content_type = String::new();
    let mut length = 0usize;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = value.trim().to_string(),
            "content-length" => length = value.trim().parse().ok()?,
            _ => {}
        }
    }
    if body.len() < length {
        return None;
    }
    let body = &body[..length];
    Some((status, content_type, serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.into()))))
}

fn addr_of(node: &Node) -> String {
    node.api.trim_start_matches("http://").to_string()
}

/// The soft limit on open files of process `pid`, and how many it has open.
fn files_of(pid: u32) -> (u64, usize) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap();
    let soft = line.split_whitespace().nth(3).unwrap().parse().unwrap();
    let open = std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count();
    (soft, open)
}

/// The node's log without its colour codes (it colours even when written to a file).
fn log_text(log: &Path) -> String {
    let raw = std::fs::read_to_string(log).unwrap();
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // An escape sequence runs to its final letter, `m` for colours.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            text.push(c);
        }
    }
    text
}

/// `connections_max=N` from the node's start-up line.
fn logged_connections_max(log: &Path) -> usize {
    let text = log_text(log);
    let at =
        text.find("connections_max=").unwrap_or_else(|| panic!("no connections_max in the log:\n{text}"));
    let digits: String =
        text[at + "connections_max=".len()..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// Kills the flood helper however the test ends.
struct Helper(Child);

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// 20,000 connections that each send half a request head and then nothing do not stop
/// `/health` from answering: the node serves at most its connection cap, answers the rest 503
/// `connections_full` and closes them, and frees the half-open ones at its idle timeout.
///
/// The flood runs in a helper process (this test binary again, running only [`flood_helper`])
/// so that its sockets count against the helper's file limit and not against the tests that
/// run beside this one in this process. The helper raises its own soft limit to the hard one
/// first; the hard limit on this machine is 20,000, so it opens that many less a margin of
/// [`FLOOD_MARGIN_FDS`] for itself, and says how many. The test checks that the node's cap is
/// below that number, so the node is the one protecting itself.
#[test]
fn twenty_thousand_half_open_connections_do_not_stop_health_from_answering() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("node.log");
    let node = Node::devnet_logged(&dir.path().join("home"), &Ports::fresh(), &log);
    node.wait_for_height(1);
    let cap = logged_connections_max(&log);
    let addr = addr_of(&node);

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["api_limits::flood_helper", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(FLOOD_TARGET_ENV, &addr)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _helper = Helper(child);
    // Probes `/health` for as long as the flood runs; each answer is kept.
    let stop_probing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let prober = {
        let (stop, addr) = (stop_probing.clone(), addr.clone());
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some((status, _, body)) = probe_health(&addr) {
                    seen.push((status, body));
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            seen
        })
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // The harness prints the test's name before its output, on the same line.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("flood opened ") {
                let _ = tx.send(line[at..].to_string());
            }
        }
    });
    let report = rx.recv_timeout(Duration::from_secs(180)).expect("the flood reports within 3 minutes");
    let opened: usize = report.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(opened > cap, "the flood ({report}) outnumbers the node's cap of {cap}");

    // While the flood holds its connections the node stays under its own file limit.
    let (soft, open) = files_of(node.child.id());
    assert!(open < soft as usize, "the node holds {open} files of its {soft}");

    let flood_held = Instant::now();
    let answered = loop {
        assert!(flood_held.elapsed() < HEALTH_WITHIN, "/health did not answer 200 within {HEALTH_WITHIN:?}");
        if let Some((200, _, _)) = probe_health(&addr) {
            break flood_held.elapsed();
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    stop_probing.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = prober.join().unwrap();
    let refused = seen.iter().filter(|(status, _)| *status == 503).count();
    for (status, body) in &seen {
        // While the flood fills the cap the node still answers at once, and says why it refuses.
        assert!(*status == 200 || *status == 503, "{status}: {body}");
        if *status == 503 {
            assert_eq!(body["error"]["code"], 32, "{body}");
            assert_eq!(body["error"]["name"], "connections_full", "{body}");
        }
    }
    eprintln!(
        "flood: {report}; node cap {cap}; during it {} answers to /health, {refused} of them 503; \
         afterwards 200 within {answered:?}",
        seen.len()
    );

    let text = log_text(&log);
    assert!(!text.contains("Too many open files"), "the node never ran out of files:\n{text}");
    assert!(text.contains("API connections at their cap"), "the flood reached the node's cap:\n{text}");
    let height = node.height();
    node.wait_for_height(height + 2);
    node.terminate();
}

/// `GET /health` with every wait bounded; `None` if the connection gave no whole answer (a
/// connection closed at the cap before its answer could be read).
fn probe_health(addr: &str) -> Option<(u16, String, Value)> {
    let mut s = TcpStream::connect_timeout(&addr.parse().ok()?, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").ok()?;
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    parse_answer(&got)
}

/// The flood itself, run in a process of its own by
/// [`twenty_thousand_half_open_connections_do_not_stop_health_from_answering`]; without
/// [`FLOOD_TARGET_ENV`] it does nothing. Opens the connections, each with half a head, prints
/// `flood opened N of WANTED …`, and holds them until its stdin closes.
#[test]
#[ignore = "a helper process of the flood test, not a test of its own"]
fn flood_helper() {
    let Ok(target) = std::env::var(FLOOD_TARGET_ENV) else { return };
    let addr: SocketAddr = target.parse().unwrap();
    let limit = raise_own_file_limit();
    let wanted =
        FLOOD_CONNECTIONS.min(usize::try_from(limit.saturating_sub(FLOOD_MARGIN_FDS)).unwrap_or(usize::MAX));
    let deadline = Instant::now() + Duration::from_secs(150);
    let mut held = Vec::with_capacity(wanted);
    let mut failed = 0u32;
    while held.len() < wanted && Instant::now() < deadline {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(mut s) => {
                // A connection the node closed at its cap may refuse the write; it still counts
                // as one the node had to deal with.
                let _ = s.write_all(HALF_HEAD);
                held.push(s);
            }
            Err(_) => failed += 1,
        }
    }
    println!("flood opened {} of {wanted} (own file limit {limit}, {failed} connects failed)", held.len());
    std::io::stdout().flush().unwrap();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(held);
}

/// Raises this process's soft limit on open files to its hard limit; the soft limit after.
fn raise_own_file_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let found = getrlimit(Resource::Nofile);
    if let Some(hard) = found.maximum {
        let _ = setrlimit(Resource::Nofile, Rlimit { current: Some(hard), maximum: Some(hard) });
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// Asserts that `answer` is a JSON refusal with `status`, `code` and `name`.
fn assert_refusal(what: &str, answer: (u16, String, Value), status: u16, code: u32, name: &str) {
    let (got, content_type, body) = answer;
    assert_eq!(got, status, "{what}: {body}");
    assert!(content_type.starts_with("application/json"), "{what}: content type {content_type:?}: {body}");
    assert!(body["error"]["code"].is_u64(), "{what}: a numeric code: {body}");
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert_eq!(body["error"]["name"], name, "{what}: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").into_bytes()
}

#[test]
fn every_refusal_of_the_api_is_json_with_a_numeric_code_and_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let (node, _) = Node::fresh_devnet(dir.path(), 1);
    let a = addr_of(&node);
    let a = a.as_str();

    assert_refusal("unknown route", raw(a, &get("/nowhere")), 404, 20, "route_not_found");
    assert_refusal("no such block", raw(a, &get("/blocks/999999999")), 404, 21, "not_found");
    let post_health = b"POST /health HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    assert_refusal("wrong method", raw(a, post_health), 405, 22, "method_not_allowed");
    // The declared length alone is refused, before any of the body is sent.
    let big_body = b"POST /txs HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 300000\r\nconnection: close\r\n\r\n";
    assert_refusal("body over 256 KiB", raw(a, big_body), 413, 23, "body_too_large");
    let long_uri = get(&format!("/status?pad={}", "x".repeat(9_000)));
    assert_refusal("URI over 8 KiB", raw(a, &long_uri), 414, 24, "uri_too_long");
    let big_header = format!(
        "GET /health HTTP/1.1\r\nhost: x\r\nx-big: {}\r\nconnection: close\r\n\r\n",
        "h".repeat(20_000)
    );
    assert_refusal("headers over 16 KiB", raw(a, big_header.as_bytes()), 431, 25, "headers_too_large");
    let many: String = (0..70).map(|i| format!("x-h{i}: 1\r\n")).collect();
    let many_headers = format!("GET /health HTTP/1.1\r\nhost: x\r\n{many}connection: close\r\n\r\n");
    assert_refusal(
        "more than 64 header lines",
        raw(a, many_headers.as_bytes()),
        431,
        25,
        "headers_too_large",
    );
    assert_refusal("unknown query parameter", raw(a, &get("/proofs/bank?nope=1")), 400, 26, "bad_query");
    assert_refusal(
        "query value of the wrong type",
        raw(a, &get("/proofs/bank?height=abc")),
        400,
        26,
        "bad_query",
    );
    assert_refusal("page limit out of range", raw(a, &get("/orders?limit=0")), 400, 26, "bad_query");
    assert_refusal("evidence query", raw(a, &get("/evidence?from_height=x")), 400, 26, "bad_query");
    assert_refusal("path not UTF-8", raw(a, &get("/blocks/%FF")), 400, 27, "bad_path");
    assert_refusal("path not a title id", raw(a, &get("/titles/not-a-title")), 400, 27, "bad_path");
    let key_max = 1_024;
    let long_key = get(&format!("/proofs/{}", "k".repeat(key_max + 1)));
    assert_refusal("state key over 1,024 bytes", raw(a, &long_key), 400, 28, "path_param_too_long");
    let long_feed = get(&format!("/feeds/{}", "f".repeat(33)));
    assert_refusal("feed name over 32 bytes", raw(a, &long_feed), 400, 28, "path_param_too_long");
    let long_feed = get(&format!("/feeds/{}", "f".repeat(5_000)));
    assert_refusal("feed name of 5,000 bytes", raw(a, &long_feed), 400, 28, "path_param_too_long");
    let long_id = get(&format!("/accounts/{}", "a".repeat(129)));
    assert_refusal("address over 128 bytes", raw(a, &long_id), 400, 28, "path_param_too_long");
    let empty_batch = br#"{"txs": []}"#;
    let batch = format!(
        "POST /txs/batch HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
        empty_batch.len(),
        String::from_utf8_lossy(empty_batch)
    );
    assert_refusal("empty batch", raw(a, batch.as_bytes()), 400, 29, "bad_request");
    // The ledger's own codes come through in the same shape.
    let junk = b"POST /txs HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\nconnection: close\r\n\r\njunk";
    assert_refusal("not a transaction", raw(a, junk), 400, 1, "malformed_tx");

    // A key of exactly the limit is read, not refused: its exclusion proof.
    let (status, _, body) = raw(a, &get(&format!("/proofs/{}", "k".repeat(key_max))));
    assert_eq!(status, 200, "{body}");
    node.terminate();
}

/// `count` keys that the test derives itself, each an account of its own.
fn keys(count: usize) -> Vec<ed25519_consensus::SigningKey> {
    (0..count)
        .map(|i| {
            let mut seed = [0x5a; 32];
            seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
            ed25519_consensus::SigningKey::from(seed)
        })
        .collect()
}

fn signed(
    key: &ed25519_consensus::SigningKey,
    chain_id: &str,
    nonce: u64,
    fee: Amount,
    msg: Msg,
    memo: &str,
) -> SignedTx {
    let signer = PublicKey::from_signing_key(key);
    Tx { chain_id: chain_id.into(), signer, nonce, fee, msgs: vec![msg], memo: memo.into() }.sign(key)
}

fn batch_body(txs: &[SignedTx]) -> Value {
    json!({ "txs": txs.iter().map(|t| hex::encode(t.to_bytes())).collect::<Vec<_>>() })
}

fn wait_for_balance(node: &Node, address: &str, target: &str) {
    let start = Instant::now();
    while balance(node, address) != target {
        assert!(start.elapsed() < WAIT, "{address} did not reach {target} in {WAIT:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The batch maximum the API documents: 1,000 transactions; here 1,000 bank sends from 1,000
/// accounts (so no per-account mempool limit applies), each with the longest memo. The body is
/// larger than the 256 KiB limit of other routes and passes the batch route's own.
#[test]
fn a_batch_of_the_documented_maximum_size_passes_the_body_limit_and_every_send_lands() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (node, _) = Node::fresh_devnet(home, 1);
    let status = node.get("/status").1;
    let chain_id = status["chain_id"].as_str().unwrap().to_string();
    let fee = Amount(status["min_fee"].as_str().unwrap().parse().unwrap());
    let native = AssetId::native();
    let keyring = computefi_cli::keys::Keyring::open(
        home,
        computefi_cli::keys::KeyringBackend::Test,
        computefi_cli::keys::PassphraseSource::Env,
    )
    .unwrap();
    let dev = keyring.signing_key("dev").unwrap();
    let dev_address = Address::from_public_key(&PublicKey::from_signing_key(&dev));
    let dev_nonce: u64 = node.get(&format!("/accounts/{dev_address}")).1["next_nonce_pending"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // Fund 1,000 accounts with enough for one send and its fee, 250 per multi-send.
    let senders = keys(1_000);
    let each = Amount(fee.0 * 2 + 1);
    let funding: Vec<SignedTx> = senders
        .chunks(250)
        .enumerate()
        .map(|(i, chunk)| {
            let outputs = chunk
                .iter()
                .map(|k| Output {
                    to: Address::from_public_key(&PublicKey::from_signing_key(k)),
                    asset: native,
                    amount: each,
                })
                .collect();
            signed(&dev, &chain_id, dev_nonce + i as u64, fee, Msg::Bank(BankMsg::MultiSend { outputs }), "")
        })
        .collect();
    let (code, funded) = http(&node.api, "POST", "/txs/batch", Some(&batch_body(&funding)));
    assert_eq!(code, 200, "{funded}");
    assert!(funded["results"].as_array().unwrap().iter().all(|r| r["status"] == "pending"), "{funded}");
    let last = Address::from_public_key(&PublicKey::from_signing_key(&senders[999])).to_string();
    wait_for_balance(&node, &last, &each.0.to_string());

    let sink = Address([0x77; 20]);
    let memo = "m".repeat(computefi_types::limits::MEMO_BYTES_MAX);
    let sends: Vec<SignedTx> = senders
        .iter()
        .map(|k| {
            signed(
                k,
                &chain_id,
                0,
                fee,
                Msg::Bank(BankMsg::Send { to: sink, asset: native, amount: Amount(1) }),
                &memo,
            )
        })
        .collect();
    let body = batch_body(&sends);
    let size = serde_json::to_vec(&body).unwrap().len();
    assert!(size > 256 * 1024, "the batch ({size} bytes) is over the other routes' body limit");
    let (code, answer) = http(&node.api, "POST", "/txs/batch", Some(&body));
    assert_eq!(code, 200, "a {size}-byte batch of 1,000 passes the body limit: {answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 1_000);
    assert!(results.iter().all(|r| r["status"] == "pending"), "{answer}");
    wait_for_balance(&node, &sink.to_string(), "1000");

    // One transaction more is refused as a whole, with a code.
    let mut over = sends.clone();
    over.push(sends[0].clone());
    let (code, refused) = http(&node.api, "POST", "/txs/batch", Some(&batch_body(&over)));
    assert_eq!((code, refused["error"]["code"].clone()), (400, json!(29)), "{refused}");
    node.terminate();
}

/// Runs the CLI with `-o json` and expects it to fail: its stdout as JSON, and its stderr.
fn cli_failure(home: &Path, args: &[&str]) -> (Value, String) {
    let out = cli_output(home, args);
    assert!(!out.status.success(), "{args:?} should fail");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let v =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?} printed non-JSON ({e}): {stdout}"));
    (v, String::from_utf8_lossy(&out.stderr).to_string())
}

fn assert_code(what: &str, v: &Value, code: u64, name: &str) {
    assert_eq!(v["error"]["code"].as_u64(), Some(code), "{what}: {v}");
    assert_eq!(v["error"]["name"], name, "{what}: {v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {v}");
}

#[test]
fn the_clis_json_errors_carry_the_code_and_name_of_the_node_or_of_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (node, _) = Node::fresh_devnet(home, 1);

    let (v, stderr) = cli_failure(home, &["query", "block", "999999999", "--node", &node.api]);
    assert_code("a block not yet committed", &v, 21, "not_found");
    assert_eq!(v["error"]["http_status"], 404, "{v}");
    assert!(stderr.contains("error 21 (not_found)"), "{stderr}");

    let bob = add_test_key(home, "bob");
    let bob = bob.as_str();
    let too_much = "1000000000000000000000";
    let (v, _) = cli_failure(
        home,
        &[
            "tx",
            "bank",
            "send",
            bob,
            too_much,
            "--from",
            "dev",
            "--keyring-backend",
            "test",
            "--node",
            &node.api,
        ],
    );
    assert_code("a send over the balance", &v, 1001, "insufficient_balance");
    assert_eq!(v["error"]["http_status"], 400, "{v}");

    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let (v, _) = cli_failure(home, &["status", "--node", &nowhere]);
    assert_code("no node there", &v, 33, "node_unreachable");

    let (v, _) = cli_failure(home, &["keys", "show", "nobody", "--keyring-backend", "test"]);
    assert_code("no such key", &v, 35, "command_failed");
    assert!(v["error"]["text"].as_str().unwrap().contains("nobody"), "{v}");
    node.terminate();
}
