//! The device agent (`computefi-agent`) against a real devnet: a title lists the agent's key, the
//! agent reports a labelled simulated device, and its report chain continues across agent and
//! node restarts with no equivocation evidence.

use super::support::*;
use computefi_testkit::fixtures::{asic_title, gpu_title, location, MAINNET_822528};
use computefi_types::title::{CapacityItem, CapacityUnit, TitleSpec};
use computefi_types::PublicKey;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

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

/// `computefi-agent run` from `agent_home` for `title` through the node at `api`, with `extra`
/// flags and `env`.
fn run_agent(agent_home: &str, api: &str, title: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec!["run", "--home", agent_home, "--node", api, "--title", title];
    args.extend_from_slice(extra);
    agent(&args, env)
}

/// Creates the agent's home (its device key and account) and funds the account from the dev
/// key; returns the device key.
fn init_funded_agent(home: &Path, node: &Node, agent_home: &str) -> PublicKey {
    let init = agent(&["init", "--home", agent_home], &[]);
    assert!(init.ok, "{}", init.stderr);
    let account = init.stdout["account"].as_str().unwrap();
    as_dev(home, node, &["tx", "bank", "send", account, "10000000"]).unwrap();
    serde_json::from_value(init.stdout["public_key"].clone()).expect("the agent prints its key in hex")
}

/// The dev key registers `spec` (from a spec file, as an operator would); the title's id.
fn register_title(home: &Path, node: &Node, spec: &TitleSpec) -> String {
    let path = home.join("title.json");
    std::fs::write(&path, serde_json::to_string(spec).unwrap()).unwrap();
    let r =
        as_dev(home, node, &["tx", "registry", "register", "--spec-file", path.to_str().unwrap()]).unwrap();
    let event = r["receipt"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "registry.registered")
        .expect("a registered event");
    event["attrs"]["title"].as_str().unwrap().to_string()
}

/// One 8-GPU H100 server in Frankfurt whose reports `device_key` signs.
fn gpu_server(device_key: PublicKey) -> TitleSpec {
    TitleSpec {
        capacity: vec![CapacityItem { milli: 8_000, unit: CapacityUnit::Gpu }],
        location: location("DE", "Frankfurt"),
        device_keys: vec![device_key],
        ..gpu_title("SYS-821GE-TNHR, 8x NVIDIA H100 SXM 80GB", &["GPU-agent-e2e-1"])
    }
}

/// A devnet (home `node/`) and a funded agent (home `agent/`) whose device key the registered
/// GPU server title `title` lists.
struct AgentOnDevnet {
    /// Holds both homes; dropping it deletes them.
    _dir: TempDir,
    home: PathBuf,
    agent_home: String,
    ports: Ports,
    node: Node,
    title: String,
}

impl AgentOnDevnet {
    fn start() -> AgentOnDevnet {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("node");
        let agent_home = dir.path().join("agent").to_str().unwrap().to_string();
        let (node, ports) = Node::fresh_devnet(&home, 1);
        let device_key = init_funded_agent(&home, &node, &agent_home);
        let title = register_title(&home, &node, &gpu_server(device_key));
        AgentOnDevnet { _dir: dir, home, agent_home, ports, node, title }
    }
}

#[test]
fn a_simulated_agent_reports_to_its_title_and_its_chain_survives_agent_and_node_restarts() {
    let AgentOnDevnet { _dir, home, agent_home, ports, node, title } = AgentOnDevnet::start();
    let a_home = agent_home.as_str();
    let api = node.api.clone();
    let run = |extra: &[&str], env: &[(&str, &str)]| run_agent(a_home, &api, &title, extra, env);

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
    assert_eq!(
        (first.stdout["simulated"].as_bool(), sequences(&first)),
        (Some(true), vec!["1".to_string(), "2".to_string()]),
        "the round's telemetry, then its meter reading"
    );
    assert!(first.stderr.contains("SIMULATED meter reading"), "{}", first.stderr);
    let first_wh = first.stdout["meter_wh"].as_str().unwrap().to_string();
    let (code, energy) = node.get(&format!("/titles/{title}/energy"));
    assert_eq!(code, 200, "{energy}");
    assert_eq!(
        (energy["meters"][0]["counter_wh"].as_str(), energy["meters"][0]["readings"].as_str()),
        (Some(first_wh.as_str()), Some("1")),
        "{energy}"
    );
    let started = std::time::Instant::now();
    let (code, reports) = node.get(&format!("/titles/{title}/reports"));
    assert_eq!(code, 200, "{reports}");
    let telemetry = &reports["telemetry"]["telemetry"];
    assert_eq!(
        (telemetry["simulated"].as_bool(), telemetry["gpus_seen"].as_u64()),
        (Some(true), Some(8)),
        "{reports}"
    );
    assert_eq!(reports["device_keys"][0]["last"]["sequence"], "2");

    // A restarted agent continues the chain: two more rounds.
    let second = run(&["--simulate", "--rounds", "2", "--interval-ms", "200"], &[]);
    assert!(second.ok, "{}", second.stderr);
    assert_eq!(sequences(&second), ["3", "4"], "no meter reading: the interval has not passed");
    let (_, reports) = node.get(&format!("/titles/{title}/reports"));
    assert_eq!(reports["device_keys"][0]["last"]["sequence"], "4");
    assert_eq!(reports["device_keys"][0]["last"]["hash"], second.stdout["last_accepted"]["hash"]);

    // With the node down nothing is signed and the agent says why; when it is back the chain
    // goes on where the ledger left it.
    node.terminate();
    let offline = run(&["--simulate", "--once"], &[]);
    assert!(!offline.ok);
    assert!(offline.stderr.contains("cannot reach the node"), "{}", offline.stderr);
    let node = Node::devnet(&home, &ports);
    assert_eq!(node.api, api);
    std::thread::sleep(std::time::Duration::from_secs(10).saturating_sub(started.elapsed()));
    let third = run(&["--simulate", "--once", "--meter-interval-s", "10"], &[]);
    assert!(third.ok, "{}", third.stderr);
    assert_eq!(sequences(&third), ["5", "6"]);
    let third_wh: u64 = third.stdout["meter_wh"].as_str().unwrap().parse().unwrap();
    assert!(third_wh >= first_wh.parse::<u64>().unwrap());
    let (_, energy) = node.get(&format!("/titles/{title}/energy"));
    assert_eq!(
        (energy["meters"][0]["counter_wh"].as_str(), energy["meters"][0]["readings"].as_str()),
        (Some(third_wh.to_string().as_str()), Some("2")),
        "{energy}"
    );
    let (_, reports) = node.get(&format!("/titles/{title}/reports"));
    assert_eq!(reports["device_keys"][0]["last"]["sequence"], "6");
    assert_eq!(reports["evidence"], json!([]), "no two envelopes ever shared a sequence number");
    let energy_now: u64 = reports["telemetry"]["telemetry"]["energy_mj"].as_str().unwrap().parse().unwrap();
    let energy_first: u64 = telemetry["energy_mj"].as_str().unwrap().parse().unwrap();
    assert!(energy_now > energy_first, "the simulated energy counter only grows across restarts");

    let shown = agent(&["show", "--home", a_home], &[]);
    assert_eq!(shown.stdout["titles"][0]["last_accepted"]["sequence"], "6", "{}", shown.stderr);
    assert_eq!(shown.stdout["titles"][0]["queue"], json!([]));
    assert_eq!(shown.stdout["titles"][0]["meter"]["last_signed_wh"], json!(third_wh.to_string()));

    // A lost state file: the agent takes up the ledger's meter counter, so its next reading
    // (of a simulator started again from 0) is not refused as running backwards.
    let state_dir = std::path::Path::new(a_home).join("state");
    std::fs::remove_file(state_dir.join(format!("{title}.json"))).unwrap();
    let fourth = run(&["--simulate", "--once"], &[]);
    assert!(fourth.ok, "{}", fourth.stderr);
    assert!(fourth.stderr.contains("continuing from the ledger's counter"), "{}", fourth.stderr);
    assert_eq!(sequences(&fourth).len(), 2, "{}", fourth.stderr);
    let fourth_wh: u64 = fourth.stdout["meter_wh"].as_str().unwrap().parse().unwrap();
    assert!(fourth_wh >= third_wh, "{fourth_wh} < {third_wh}");
    let (_, energy) = node.get(&format!("/titles/{title}/energy"));
    assert_eq!(energy["meters"][0]["readings"].as_str(), Some("3"), "{energy}");
    let (_, reports) = node.get(&format!("/titles/{title}/reports"));
    assert_eq!(reports["evidence"], json!([]));
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
    assert!(
        run.stderr.contains("need --send-proofs") && run.stderr.contains("send them on purpose"),
        "{}",
        run.stderr
    );
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
    let AgentOnDevnet { _dir, home, agent_home, ports: _, node, title } = AgentOnDevnet::start();
    let a_home = agent_home.as_str();
    let dev = |args: &[&str]| as_dev(&home, &node, args);
    dev(&["tx", "registry", "verify", &title, "--document-hash", &"ab".repeat(32)]).unwrap();
    assert_eq!(title_status(&node, &title), "verified");

    // An honest (simulated) device answers: the title becomes active on proof.
    dev(&["tx", "device", "challenge", &title]).unwrap();
    let run = |extra: &[&str]| {
        let flags = [&["--simulate", "--answer-challenges", "--once"], extra].concat();
        run_agent(a_home, &node.api, &title, &flags, &[])
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

/// Lines of an agent's shares file: real mainnet headers of blocks 822,529 to 822,531 (network
/// difficulty about 7.2·10^13), each claimed at share difficulty 7,000,000.
fn share_lines() -> [String; 3] {
    [MAINNET_822528[1], MAINNET_822528[2], MAINNET_822528[3]].map(|header| format!("{header} 7000000"))
}

#[test]
fn an_asic_title_fed_shares_by_the_agent_gets_a_hashrate_estimate_inside_its_interval() {
    let dir = tempfile::tempdir().unwrap();
    let (home, agent_home) = (dir.path().join("node"), dir.path().join("agent"));
    let dev = add_test_key(&home, "dev");
    let fund = format!("{dev}=1000000000000");
    let mut init =
        vec!["init", "--chain-id", "asic-test", "--fund", &fund, "--auditor", &dev, "--block-time-ms", "200"];
    let listen = Ports::fresh().listen_args();
    init.extend(listen.iter().map(String::as_str));
    cli(&home, &init).unwrap();
    // A 3 s window instead of 10 min, so the test sees one close.
    let genesis_path = home.join("genesis.json");
    let mut genesis: Value = serde_json::from_str(&std::fs::read_to_string(&genesis_path).unwrap()).unwrap();
    genesis["params"]["hashrate_window_ms"] = json!("3000");
    genesis["params"]["allow_archival_headers"] = json!(true);
    genesis["params"]["allow_simulated_devices"] = json!(true);
    std::fs::write(&genesis_path, genesis.to_string()).unwrap();
    let node = Node::start(&home);
    node.wait_for_height(1);

    let a_home = agent_home.to_str().unwrap();
    let device_key = init_funded_agent(&home, &node, a_home);
    let dev = |args: &[&str]| as_dev(&home, &node, args);
    // 20 TH/s claimed; three real shares of blocks 822,529 to 822,531 at difficulty 7,000,000
    // span 402 s of header time: two shares after the first, interval about [18.1, 539] TH/s,
    // whose lower end reaches 90 % of the claim.
    let spec =
        TitleSpec { serials: vec!["S21-e2e-1".into()], device_keys: vec![device_key], ..asic_title(20_000) };
    let title = register_title(&home, &node, &spec);
    dev(&["tx", "registry", "verify", &title, "--document-hash", &"cd".repeat(32)]).unwrap();

    let shares = dir.path().join("shares.txt");
    let lines = share_lines();
    std::fs::write(&shares, format!("{}\n", lines[0])).unwrap();
    let flags = ["--simulate", "--once", "--send-proofs", "--shares-file", shares.to_str().unwrap()];
    let run = || run_agent(a_home, &node.api, &title, &flags, &[]);
    let first = run();
    assert!(first.ok, "{}", first.stderr);
    std::thread::sleep(std::time::Duration::from_millis(3_500));
    std::fs::write(&shares, format!("{}\n{}\n{}\n", lines[0], lines[1], lines[2])).unwrap();
    let second = run();
    assert!(second.ok, "{}", second.stderr);

    let reports = node.get(&format!("/titles/{title}/reports")).1;
    let h = &reports["hashrate"];
    assert_eq!(h["shares"], "3", "{reports}");
    let (lower, upper): (u128, u128) =
        (h["lower_hs"].as_str().unwrap().parse().unwrap(), h["upper_hs"].as_str().unwrap().parse().unwrap());
    let claimed: u128 = 20_000_000_000_000;
    assert!(lower <= claimed && claimed <= upper, "claimed 20 TH/s, interval [{lower}, {upper}]");
    assert_eq!(h["above_interval"], false);
    assert_eq!(reports["status"], "active", "a window reaching the claim makes the title active");
    node.terminate();
}
