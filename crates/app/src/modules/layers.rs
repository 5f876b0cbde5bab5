//! The layer table: which modules may call which. Calls run one way, down the table: a module
//! calls modules on its own layer or below, never above, and never another module's state keys
//! (it calls that module's read/write traits and functions instead). Where a lower layer must let
//! a higher one act, it calls a hook trait of `context.rs` that the wiring table (`modules/mod.rs`)
//! answers.
//! `docs/architecture.md` ("Layers") explains each layer; the test below holds the code to it.
//!
//! # Invariants
//! - Every folder in `crates/app/src/modules/` has exactly one row here.
//! - No module's files import a module on a higher layer, or name another module's keys.

/// The layers, bottom up: `(layer, its name, its modules)`.
pub const LAYERS: &[(u8, &str, &[&str])] = &[
    (0, "base", &["auth", "bank", "assets", "identity", "compliance"]),
    (1, "titles", &["registry", "shares", "revenue", "oracle"]),
    (2, "devices", &["device", "green"]),
    (3, "market", &["amm", "capacity", "lease", "delivery", "carbon"]),
    (4, "finance", &["valuation", "auctions", "loans", "reserve", "vault", "passes"]),
    (5, "governance", &["gov"]),
];

/// The layer of module `name`, or `None` when it is not a module.
pub fn layer_of(name: &str) -> Option<u8> {
    LAYERS.iter().find(|(_, _, modules)| modules.contains(&name)).map(|(layer, _, _)| *layer)
}

/// Every module, bottom layer first.
pub fn modules() -> impl Iterator<Item = &'static str> {
    LAYERS.iter().flat_map(|(_, _, modules)| modules.iter().copied())
}

/// What breaks the layer rules in one module's source: its files' text.
#[cfg(test)]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Breach {
    /// `module` imports `other`, which sits on a higher layer.
    Upward { module: String, other: String, file: String },
    /// `module` names `key`, a state key of `other`.
    ForeignKey { module: String, other: String, key: String, file: String },
}

/// The modules a source text refers to through `crate::modules::` or `super::super::` paths
/// (single names and `{a, b}` groups), with the path text that follows each.
#[cfg(test)]
fn references(source: &str) -> Vec<(String, String)> {
    let code: String =
        source.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let mut found = Vec::new();
    for prefix in ["crate::modules::", "super::super::"] {
        for (at, _) in code.match_indices(prefix) {
            let rest = path_text(&code[at + prefix.len()..]);
            if let Some(group) = rest.strip_prefix('{') {
                for item in split_group(group.trim_end_matches('}')) {
                    let (name, tail) = item.split_once("::").unwrap_or((item.as_str(), ""));
                    found.push((name.trim().to_string(), tail.to_string()));
                }
            } else {
                let (name, tail) = rest.split_once("::").unwrap_or((rest.as_str(), ""));
                found.push((name.to_string(), tail.to_string()));
            }
        }
    }
    // A module imported whole (`crate::modules::x` or `x::{self, …}`) is then named bare: `x::…`.
    let imported: Vec<String> = found.iter().map(|(name, _)| name.clone()).collect();
    for name in imported.iter().filter(|n| layer_of(n).is_some()) {
        let bare = format!("{name}::");
        for (at, _) in code.match_indices(&bare) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            found.push((name.clone(), path_text(&code[at + bare.len()..])));
        }
    }
    found
}

/// The path that starts `text`: names, `::` and one `{…}` group.
#[cfg(test)]
fn path_text(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '{' => depth = depth.saturating_add(1),
            '}' if depth > 0 => depth = depth.saturating_sub(1),
            c if c.is_alphanumeric() || c == '_' || c == ':' => {}
            c if depth > 0 && (c == ',' || c.is_whitespace()) => {}
            _ => break,
        }
        out.push(c);
        if c == '}' && depth == 0 {
            break;
        }
    }
    out
}

/// The top-level items of a `{a, b::{c, d}}` group's inside.
#[cfg(test)]
fn split_group(inside: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let mut depth = 0usize;
    for c in inside.chars() {
        match c {
            '{' => depth = depth.saturating_add(1),
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = items.last_mut() {
            last.push(c);
        }
    }
    items.into_iter().map(|i| i.trim().to_string()).filter(|i| !i.is_empty()).collect()
}

/// Whether `name` is a state key's name: a key function (`…_key`, `…_prefix`) or constant.
#[cfg(test)]
fn is_key_name(name: &str) -> bool {
    name.ends_with("_key") || name.ends_with("_prefix") || name.ends_with("KEY") || name.ends_with("PREFIX")
}

/// Checks one module's files (`(file name, text)`) against the layer table.
#[cfg(test)]
pub(crate) fn check_module(module: &str, files: &[(String, String)]) -> Vec<Breach> {
    let Some(own) = layer_of(module) else {
        return vec![];
    };
    let mut breaches = Vec::new();
    for (file, text) in files {
        for (other, tail) in references(text) {
            let Some(theirs) = layer_of(&other) else { continue };
            if other == module {
                continue;
            }
            if theirs > own {
                breaches.push(Breach::Upward {
                    module: module.into(),
                    other: other.clone(),
                    file: file.clone(),
                });
            }
            let names = tail.split(|c: char| !(c.is_alphanumeric() || c == '_'));
            for key in names.filter(|n| is_key_name(n)) {
                breaches.push(Breach::ForeignKey {
                    module: module.into(),
                    other: other.clone(),
                    key: key.into(),
                    file: file.clone(),
                });
            }
        }
    }
    breaches.dedup();
    breaches
}

/// Checks files outside the modules (block flow, genesis, queries, the wiring table): they may
/// call any module, but name no module's keys.
#[cfg(test)]
pub(crate) fn check_outside(files: &[(String, String)]) -> Vec<Breach> {
    let mut breaches = Vec::new();
    for (file, text) in files {
        for (other, tail) in references(text) {
            if layer_of(&other).is_none() {
                continue;
            }
            let names = tail.split(|c: char| !(c.is_alphanumeric() || c == '_'));
            for key in names.filter(|n| is_key_name(n)) {
                breaches.push(Breach::ForeignKey {
                    module: "(outside the modules)".into(),
                    other: other.clone(),
                    key: key.into(),
                    file: file.clone(),
                });
            }
        }
    }
    breaches
}

/// The other modules that one module's files call (import or name), each once, sorted.
#[cfg(test)]
pub(crate) fn calls(module: &str, files: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = files
        .iter()
        .flat_map(|(_, text)| references(text))
        .map(|(other, _)| other)
        .filter(|other| other != module && layer_of(other).is_some())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A loop of calls among modules, as the modules along it (first repeated last), if any.
#[cfg(test)]
pub(crate) fn find_loop(graph: &[(String, Vec<String>)]) -> Option<Vec<String>> {
    fn visit(
        graph: &[(String, Vec<String>)],
        at: &str,
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|m| m == at) {
            let mut cycle = path[i..].to_vec();
            cycle.push(at.to_string());
            return Some(cycle);
        }
        if done.iter().any(|m| m == at) {
            return None;
        }
        path.push(at.to_string());
        let next = graph.iter().find(|(m, _)| m == at).map(|(_, c)| c.clone()).unwrap_or_default();
        for n in next {
            if let Some(cycle) = visit(graph, &n, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.push(at.to_string());
        None
    }
    let mut done = Vec::new();
    graph.iter().find_map(|(m, _)| visit(graph, m, &mut Vec::new(), &mut done))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn sources(dir: &Path) -> Vec<(String, String)> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("module folder is readable") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("source is UTF-8");
                    files.push((path.display().to_string(), text));
                }
            }
        }
        files.sort();
        files
    }

    fn modules_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/modules")
    }

    #[test]
    fn every_module_folder_has_one_row_in_the_layer_table() {
        let mut folders: Vec<String> = std::fs::read_dir(modules_dir())
            .expect("modules folder")
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        folders.sort();
        let mut listed: Vec<String> = modules().map(String::from).collect();
        listed.sort();
        assert_eq!(folders, listed);
    }

    #[test]
    fn no_module_imports_a_higher_layer_or_names_another_modules_keys() {
        let breaches: Vec<Breach> =
            modules().flat_map(|m| check_module(m, &sources(&modules_dir().join(m)))).collect();
        assert!(breaches.is_empty(), "the layer rules are broken:\n{breaches:#?}");
    }

    #[test]
    fn the_app_outside_the_modules_names_no_modules_keys() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = sources(&src.join("app"));
        for file in ["app.rs", "genesis.rs", "query.rs", "state.rs", "lib.rs", "modules/mod.rs"] {
            let path = src.join(file);
            files.push((path.display().to_string(), std::fs::read_to_string(&path).expect("source")));
        }
        let breaches = check_outside(&files);
        assert!(breaches.is_empty(), "modules' keys named outside them:\n{breaches:#?}");
    }

    #[test]
    fn no_module_but_governance_reads_the_chain_parameters_from_the_state() {
        // They reach handlers through `TxContext::params`, read when the app opens and after a
        // block that changed them; only `gov`, which changes them, reads and writes the state's.
        let readers: Vec<String> = modules()
            .filter(|m| *m != "gov")
            .flat_map(|m| sources(&modules_dir().join(m)))
            .filter(|(_, text)| text.contains("PARAMS_KEY"))
            .map(|(file, _)| file)
            .collect();
        assert!(readers.is_empty(), "chain parameters read from the state in {readers:?}");
    }

    #[test]
    fn state_keys_are_private_to_their_module() {
        // Two stay public for the testkit: a proof test builds a balance's key, and the
        // simulation lists pools by their prefix.
        let exceptions = ["pub fn balance_key(", "pub const POOL_PREFIX:"];
        let public: Vec<String> = modules()
            .flat_map(|m| sources(&modules_dir().join(m)))
            .flat_map(|(file, text)| {
                text.lines()
                    .filter(|l| l.starts_with("pub fn ") || l.starts_with("pub const "))
                    .filter(|l| {
                        let name = l.split(['(', ':']).next().unwrap_or("").rsplit(' ').next().unwrap_or("");
                        is_key_name(name)
                    })
                    .filter(|l| !exceptions.iter().any(|e| l.starts_with(e)))
                    .map(|l| format!("{file}: {l}"))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(public.is_empty(), "state keys visible outside their module:\n{public:#?}");
    }

    #[test]
    fn no_modules_call_each_other_in_a_loop() {
        let graph: Vec<(String, Vec<String>)> =
            modules().map(|m| (m.to_string(), calls(m, &sources(&modules_dir().join(m))))).collect();
        assert_eq!(find_loop(&graph), None, "calls:\n{graph:#?}");
    }

    #[test]
    fn the_loop_finder_finds_a_made_up_loop() {
        let graph = vec![
            ("capacity".to_string(), vec!["assets".to_string(), "lease".to_string()]),
            ("lease".to_string(), vec!["capacity".to_string()]),
            ("assets".to_string(), vec![]),
        ];
        assert_eq!(find_loop(&graph), Some(vec!["capacity".into(), "lease".into(), "capacity".into()]));
        let no_loop =
            vec![("lease".to_string(), vec!["capacity".to_string()]), ("capacity".to_string(), vec![])];
        assert_eq!(find_loop(&no_loop), None);
    }

    fn one_file(text: &str) -> Vec<(String, String)> {
        vec![("made_up.rs".into(), text.into())]
    }

    #[test]
    fn the_check_finds_an_upward_import_in_a_made_up_tree() {
        let up = "use crate::modules::revenue::state::settle;\nfn f() {}\n";
        assert!(
            matches!(&check_module("bank", &one_file(up))[..], [Breach::Upward { other, .. }] if other == "revenue")
        );
        let group = "use crate::modules::{delivery, lease, Handler, TxContext};\n";
        let found = check_module("capacity", &one_file(group));
        assert!(found.is_empty(), "same layer is allowed: {found:?}");
        let group_up = "use crate::modules::{capacity, Handler};\n";
        assert!(
            matches!(&check_module("compliance", &one_file(group_up))[..], [Breach::Upward { other, .. }] if other == "capacity")
        );
        let sup = "use super::super::delivery::settle_window;\n";
        assert!(
            matches!(&check_module("device", &one_file(sup))[..], [Breach::Upward { other, .. }] if other == "delivery")
        );
        let down = "use crate::modules::bank::BankWrite;\nuse crate::modules::{Handler, TxContext};\n";
        assert!(check_module("shares", &one_file(down)).is_empty());
    }

    #[test]
    fn the_check_finds_another_modules_keys_in_a_made_up_tree() {
        let key_fn = "fn f() { state.get(&crate::modules::device::hashrate::last_share_key(&t)); }\n";
        assert!(matches!(&check_module("delivery", &one_file(key_fn))[..],
            [Breach::ForeignKey { other, key, .. }] if other == "device" && key == "last_share_key"));
        let key_const = "use crate::modules::oracle::state::{FEEDS_KEY, is_recent_tip};\n";
        assert!(matches!(&check_module("device", &one_file(key_const))[..],
            [Breach::ForeignKey { key, .. }] if key == "FEEDS_KEY"));
        let bare =
            "use crate::modules::capacity::{self, Holding};\nfn f() { capacity::state::token_key(a); }\n";
        assert!(check_module("lease", &one_file(bare))
            .iter()
            .any(|b| matches!(b, Breach::ForeignKey { key, .. } if key == "token_key")));
        let outside = "fn f() { state.put(crate::modules::oracle::state::feed_key(&n), feed); }\n";
        assert!(
            matches!(&check_outside(&one_file(outside))[..], [Breach::ForeignKey { key, .. }] if key == "feed_key")
        );
        let own = "use super::state::balance_key;\nfn f() { balance_key(a, b); }\n";
        assert!(check_module("bank", &one_file(own)).is_empty());
    }
}
