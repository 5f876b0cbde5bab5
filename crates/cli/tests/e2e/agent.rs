//! The device agent (`computefi-agent`) against a real devnet: a title lists the agent's key, the
//! agent reports a labelled simulated device, and its report chain continues across agent and
//! node restarts with no equivocation evidence.

use super::support::*;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};

const AGENT: &str = env!("CARGO_BIN_EXE_computefi-agent");

struct Run {
    ok: bool,
    stdout: Value,
    stderr: String,
}

/// Runs the agent to completion with `-o json`.
fn agent(args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(AGENT)
        .args(args)
        .args(["-o", "json"])
        .envs(env.iter().copied())
        .env_remove("COMPUTEFI_AGENT_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("the agent runs");
    Run {
        ok: out.status.success(),
        stdout: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn sequences(run: &Run) -> Vec<String> {
    run.stdout["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sequence"].as_str().unwrap().to_string())
        .collect()
}

fn register_title(home: &Path, node: &Node, device_key: &str) -> String {
    let spec = json!({
        "class": "gpu_server", "make": "Supermicro", "model": "SYS-821GE-TNHR, 8x NVIDIA H100 SXM 80GB",
        "serials": ["GPU-agent-e2e-1"], "count": 1, "capacity": [{"milli": "8000", "unit": "gpu"}],
        "location": {"country": "DE", "site": "Frankfurt"}, "custodian": "Colo GmbH",
        "device_keys": [device_key],
    });
    let path = home.join("title.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let r = cli(
        home,
        &[
            "tx",
            "registry",
            "register",
            "--spec-file",
            path.to_str().unwrap(),
            "--from",
            "dev",
            "--keyring-backend",
            "test",
            "--node",
            &node.api,
        ],
    )
    .unwrap();
    let event = r["receipt"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "registry.registered")
        .expect("a registered event");
    event["attrs"]["title"].as_str().unwrap().to_string()
}

#[test]
fn a_simulated_agent_reports_to_its_title_and_its_chain_survives_agent_and_node_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (home, agent_home) = (dir.path().join("node"), dir.path().join("agent"));
    let ports = Ports { api: free_port(), metrics: free_port(), p2p: free_port() };
    let node = Node::devnet(&home, &ports);
    node.wait_for_height(1);
    let a_home = agent_home.to_str().unwrap();

    let init = agent(&["init", "--home", a_home], &[]);
    assert!(init.ok, "{}", init.stderr);
    let (device_key, account) =
        (init.stdout["public_key"].as_str().unwrap(), init.stdout["account"].as_str().unwrap());
    cli(
        &home,
        &[
            "tx",
            "bank",
            "send",
            "--from",
            "dev",
            "--keyring-backend",
            "test",
            "--node",
            &node.api,
            account,
            "10000000",
        ],
    )
    .unwrap();
    let title = register_title(&home, &node, device_key);
    let api = node.api.clone();
    let run = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["run", "--home", a_home, "--node", &api, "--title", &title];
        args.extend_from_slice(extra);
        agent(&args, env)
    };

    // Without a GPU driver the agent says so and how to simulate (the library is pinned to a
    // missing path so the test means the same on a machine with GPUs).
    let no_gpu = run(&["--once"], &[("COMPUTEFI_AGENT_NVML_LIB", "/nonexistent/libnvidia-ml.so.1")]);
    assert!(!no_gpu.ok);
    assert!(
        no_gpu.stderr.contains("no NVIDIA driver found (/nonexistent/libnvidia-ml.so.1): run with --simulate for a labelled simulated device"),
        "{}",
        no_gpu.stderr
    );

    let first = run(&["--simulate", "--once"], &[]);
    assert!(first.ok, "{}", first.stderr);
    assert!(first.stderr.contains("SIMULATED"), "the log says the device is simulated: {}", first.stderr);
    assert_eq!((first.stdout["simulated"].as_bool(), sequences(&first)), (Some(true), vec!["1".to_string()]));
    let (code, reports) = node.get(&format!("/titles/{title}/reports"));
    assert_eq!(code, 200, "{reports}");
    let telemetry = &reports["telemetry"]["telemetry"];
    assert_eq!(
        (telemetry["simulated"].as_bool(), telemetry["gpus_seen"].as_u64()),
        (Some(true), Some(8)),
        "{reports}"
    );
    assert_eq!(reports["device_keys"][0]["last"]["sequence"], "1");

    // A restarted agent continues the chain: two more rounds.
    let second = run(&["--simulate", "--rounds", "2", "--interval-ms", "200"], &[]);
    assert!(second.ok, "{}", second.stderr);
    assert_eq!(sequences(&second), ["2", "3"]);
    let (_, reports) = node.get(&format!("/titles/{title}/reports"));
    assert_eq!(reports["device_keys"][0]["last"]["sequence"], "3");
    assert_eq!(reports["device_keys"][0]["last"]["hash"], second.stdout["last_accepted"]["hash"]);

    // With the node down nothing is signed and the agent says why; when it is back the chain
    // goes on where the ledger left it.
    node.terminate();
    let offline = run(&["--simulate", "--once"], &[]);
    assert!(!offline.ok);
    assert!(offline.stderr.contains("cannot reach the node"), "{}", offline.stderr);
    let node = Node::devnet(&home, &ports);
    assert_eq!(node.api, api);
    let third = run(&["--simulate", "--once"], &[]);
    assert!(third.ok, "{}", third.stderr);
    assert_eq!(sequences(&third), ["4"]);
    let (_, reports) = node.get(&format!("/titles/{title}/reports"));
    assert_eq!(reports["device_keys"][0]["last"]["sequence"], "4");
    assert_eq!(reports["evidence"], json!([]), "no two envelopes ever shared a sequence number");
    let energy_now: u64 = reports["telemetry"]["telemetry"]["energy_mj"].as_str().unwrap().parse().unwrap();
    let energy_first: u64 = telemetry["energy_mj"].as_str().unwrap().parse().unwrap();
    assert!(energy_now > energy_first, "the simulated energy counter only grows across restarts");

    let shown = agent(&["show", "--home", a_home], &[]);
    assert_eq!(shown.stdout["titles"][0]["last_accepted"]["sequence"], "4", "{}", shown.stderr);
    assert_eq!(shown.stdout["titles"][0]["queue"], json!([]));
    node.terminate();
}

#[test]
fn proof_payloads_from_files_stay_off_unless_send_proofs_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let shares = dir.path().join("shares.txt");
    std::fs::write(&shares, "").unwrap();
    let title = computefi_types::TitleId::from_index(0).to_string();
    let run = agent(
        &[
            "run",
            "--home",
            dir.path().to_str().unwrap(),
            "--title",
            &title,
            "--simulate",
            "--once",
            "--shares-file",
            shares.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!run.ok);
    assert!(run.stderr.contains("need --send-proofs") && run.stderr.contains("7007"), "{}", run.stderr);
}

#[test]
fn a_challenge_answer_written_by_the_agent_checks_with_computefi_proof_matmul() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let seed = "ab".repeat(32);
    let answer =
        agent(&["challenge", "--seed", &seed, "--n", "32", "--challenge", "7", "--write-dir", out], &[]);
    assert!(answer.ok, "{}", answer.stderr);
    let file = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (a, b, c) = (file("A.bin"), file("B.bin"), file("C.bin"));
    let check = |c: &str| {
        let out = Command::new(BIN)
            .args(["proof", "matmul", "--n", "32", "--a", &a, "--b", &b, "--c", c, "-o", "json"])
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null)
    };
    let checked = check(&c);
    assert_eq!(checked["valid"], true, "{checked}");
    assert_eq!(
        checked["commitment"], answer.stdout["commitment"],
        "the agent commits the way the verifier does"
    );
    let mut bytes = std::fs::read(&c).unwrap();
    bytes[0] ^= 1;
    let wrong = file("C-wrong.bin");
    std::fs::write(&wrong, bytes).unwrap();
    assert_eq!(check(&wrong)["valid"], false);
}

fn title_status(node: &Node, title: &str) -> String {
    node.get(&format!("/titles/{title}")).1["status"].as_str().unwrap().to_string()
}

#[test]
fn the_agent_answers_capacity_challenges_and_a_wrong_answer_degrades_the_title() {
    let dir = tempfile::tempdir().unwrap();
    let (home, agent_home) = (dir.path().join("node"), dir.path().join("agent"));
    let ports = Ports { api: free_port(), metrics: free_port(), p2p: free_port() };
    let node = Node::devnet(&home, &ports);
    node.wait_for_height(1);
    let a_home = agent_home.to_str().unwrap();
    let init = agent(&["init", "--home", a_home], &[]);
    assert!(init.ok, "{}", init.stderr);
    let (device_key, account) = (init.stdout["public_key"].as_str().unwrap(), init.stdout["account"].as_str().unwrap());
    let dev = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--from", "dev", "--keyring-backend", "test", "--node", &node.api]);
        cli(&home, &all)
    };
    dev(&["tx", "bank", "send", account, "10000000"]).unwrap();
    let title = register_title(&home, &node, device_key);
    dev(&["tx", "registry", "verify", &title, "--document-hash", &"ab".repeat(32)]).unwrap();
    assert_eq!(title_status(&node, &title), "verified");

    // An honest (simulated) device answers: the title becomes active on proof.
    dev(&["tx", "device", "challenge", &title]).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--home", a_home, "--node", &node.api, "--title", &title, "--simulate", "--answer-challenges", "--once"];
        args.extend_from_slice(extra);
        agent(&args, &[])
    };
    let honest = run(&[]);
    assert!(honest.ok, "{}", honest.stderr);
    assert_eq!(title_status(&node, &title), "active", "a correct answer activates the title");
    let reports = node.get(&format!("/titles/{title}/reports")).1;
    assert!(reports["open_challenge"].is_null(), "the challenge is closed: {reports}");

    // A wrong answer (on purpose, labelled) is caught: the title is degraded.
    dev(&["tx", "device", "challenge", &title]).unwrap();
    let wrong = run(&["--simulate-wrong-answers"]);
    assert!(wrong.ok, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("SIMULATED WRONG ANSWER"), "the wrong answer is labelled");
    assert_eq!(title_status(&node, &title), "degraded", "a wrong product degrades the title");
    node.terminate();
}
