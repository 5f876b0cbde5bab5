use super::*;
use tempfile::TempDir;

/// BIP-39 English test vector (entropy of 16 bytes of 0x7f).
const LEGAL: &str = "legal winner thank year wave sausage worth useful legal winner thank yellow";

/// A home directory with a passphrase file beside it (not inside the keyring).
struct Fixture {
    root: TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture { root: tempfile::tempdir().expect("tempdir") }
    }

    fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    fn passphrase_file(&self, passphrase: &str) -> PassphraseSource {
        let path = self.root.path().join(format!("pass-{}", hex::encode(passphrase)));
        std::fs::write(&path, format!("{passphrase}\n")).expect("write passphrase");
        PassphraseSource::File(path)
    }

    fn file_keyring(&self, passphrase: &str) -> Keyring {
        Keyring::open(&self.home(), KeyringBackend::File, self.passphrase_file(passphrase)).expect("open")
    }

    /// A keyring whose passphrase source fails if it is ever read.
    fn keyring_without_passphrase(&self, backend: KeyringBackend) -> Keyring {
        let absent = PassphraseSource::File(self.root.path().join("no-such-passphrase-file"));
        Keyring::open(&self.home(), backend, absent).expect("open")
    }
}

fn address_of(key: &ed25519_consensus::SigningKey) -> Address {
    Address::from_public_key(&PublicKey::from_signing_key(key))
}

fn round_trip(keyring: &Keyring) {
    let (added, mnemonic) = keyring.add("alice").expect("add");
    assert_eq!(mnemonic.split(' ').count(), MNEMONIC_WORDS);
    assert_eq!(added.backend, keyring.backend());
    assert_eq!(keyring.show("alice").expect("show"), added);
    let key = keyring.signing_key("alice").expect("signing key");
    assert_eq!(address_of(&key), added.address);
    assert_eq!(address_of(&derive_signing_key(&mnemonic).expect("derive")), added.address);
}

#[test]
fn add_then_show_then_signing_key_round_trips_on_the_file_backend() {
    round_trip(&Fixture::new().file_keyring("correct horse"));
}

#[test]
fn add_then_show_then_signing_key_round_trips_on_the_test_backend_without_a_passphrase() {
    let fixture = Fixture::new();
    round_trip(&fixture.keyring_without_passphrase(KeyringBackend::Test));
}

#[test]
fn a_wrong_passphrase_is_refused_and_never_yields_a_key() {
    let fixture = Fixture::new();
    fixture.file_keyring("right").import("alice", LEGAL).expect("import");
    let wrong = fixture.file_keyring("wrong");
    let err = wrong.signing_key("alice").expect_err("wrong passphrase").to_string();
    assert!(err.starts_with("wrong passphrase for key \"alice\":"), "{err}");
    assert!(wrong.export("alice").is_err());
}

#[test]
fn the_encrypted_file_does_not_contain_the_mnemonic_words() {
    let fixture = Fixture::new();
    let keyring = fixture.file_keyring("pw");
    let (_, mnemonic) = keyring.add("alice").expect("add");
    let stored = std::fs::read_to_string(keyring.dir().join("alice.json")).expect("read");
    // The values only: field names ("public_key") are English words a mnemonic may contain.
    fn values(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| values(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| values(x, out)),
            other => out.push(other.to_string()),
        }
    }
    let mut stored_values = Vec::new();
    values(&serde_json::from_str(&stored).expect("the key file is JSON"), &mut stored_values);
    for word in mnemonic.split(' ') {
        // Short words ("art", "ten") can appear inside hex or base64; long ones cannot.
        if word.len() >= 5 {
            assert!(
                stored_values.iter().all(|v| !v.contains(word)),
                "key file contains mnemonic word {word:?}"
            );
        }
    }
    assert!(!stored.contains("insecure"));
}

#[test]
fn the_test_backend_stores_the_mnemonic_in_clear_and_says_it_is_insecure() {
    let fixture = Fixture::new();
    let keyring = fixture.keyring_without_passphrase(KeyringBackend::Test);
    keyring.import("alice", LEGAL).expect("import");
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(keyring.dir().join("alice.json")).expect("read"))
            .expect("json");
    assert_eq!(stored["insecure"], serde_json::Value::Bool(true));
    assert_eq!(stored["mnemonic"], serde_json::Value::String(LEGAL.to_owned()));
}

#[test]
fn import_of_a_bad_mnemonic_is_refused_and_writes_nothing() {
    let fixture = Fixture::new();
    let keyring = fixture.file_keyring("pw");
    let err = keyring.import("alice", "legal winner thank").expect_err("3 words").to_string();
    assert!(err.contains("it has 3 words"), "{err}");
    let err = keyring.import("alice", &LEGAL.replace("yellow", "legal")).expect_err("checksum");
    assert!(err.to_string().contains("checksum"), "{err}");
    assert!(keyring.list().expect("list").keys.is_empty());
}

#[test]
fn a_duplicate_name_is_refused_and_the_first_key_is_kept() {
    let fixture = Fixture::new();
    let keyring = fixture.file_keyring("pw");
    let first = keyring.import("alice", LEGAL).expect("import");
    let err = keyring.add("alice").expect_err("duplicate").to_string();
    assert!(err.contains("already exists"), "{err}");
    assert!(err.contains("computefi keys delete alice"), "{err}");
    assert_eq!(keyring.show("alice").expect("show"), first);
    assert_eq!(keyring.export("alice").expect("export"), LEGAL);
}

#[test]
fn list_is_sorted_by_name_needs_no_passphrase_and_ignores_other_files() {
    let fixture = Fixture::new();
    let writer = fixture.file_keyring("pw");
    for name in ["carol", "alice", "Bob", "bob-2"] {
        writer.add(name).expect("add");
    }
    std::fs::write(writer.dir().join(".dave.json.tmp-0123"), b"partial").expect("write");
    std::fs::write(writer.dir().join("notes.txt"), b"not a key").expect("write");
    let reader = fixture.keyring_without_passphrase(KeyringBackend::File);
    let names: Vec<String> = reader.list().expect("list").keys.into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["Bob", "alice", "bob-2", "carol"]);
}

#[test]
fn list_of_a_keyring_never_written_is_empty_and_creates_nothing() {
    let fixture = Fixture::new();
    let keyring = fixture.keyring_without_passphrase(KeyringBackend::File);
    assert!(keyring.list().expect("list").keys.is_empty());
    assert!(!keyring.dir().exists());
}

#[test]
fn export_returns_the_imported_mnemonic_in_normal_form_on_both_backends() {
    let fixture = Fixture::new();
    let messy = format!("  {}\n", LEGAL.to_uppercase().replace(' ', "\n "));
    for keyring in [fixture.file_keyring("pw"), fixture.keyring_without_passphrase(KeyringBackend::Test)] {
        let info = keyring.import("alice", &messy).expect("import");
        assert_eq!(keyring.export("alice").expect("export"), LEGAL);
        assert_eq!(info.address, address_of(&derive_signing_key(LEGAL).expect("derive")));
    }
}

#[test]
fn the_passphrase_is_read_once_per_keyring() {
    let fixture = Fixture::new();
    let source = fixture.passphrase_file("pw");
    let keyring = Keyring::open(&fixture.home(), KeyringBackend::File, source.clone()).expect("open");
    keyring.import("alice", LEGAL).expect("import");
    if let PassphraseSource::File(path) = source {
        std::fs::remove_file(path).expect("remove passphrase file");
    }
    keyring.add("bob").expect("add uses the cached passphrase");
    keyring.signing_key("alice").expect("signing key uses the cached passphrase");
}

#[test]
fn an_empty_passphrase_is_refused_by_the_file_backend() {
    let fixture = Fixture::new();
    let keyring = fixture.file_keyring("");
    let err = keyring.add("alice").expect_err("empty passphrase").to_string();
    assert!(err.contains("passphrase is empty"), "{err}");
    assert!(keyring.list().expect("list").keys.is_empty());
}

#[test]
fn invalid_key_names_are_refused_before_touching_the_disk() {
    let fixture = Fixture::new();
    let keyring = fixture.keyring_without_passphrase(KeyringBackend::Test);
    let too_long = "a".repeat(KEY_NAME_LEN_MAX + 1);
    for name in ["", "../evil", "a.b", "a b", "ä", "x/y", too_long.as_str()] {
        let err = keyring.import(name, LEGAL).expect_err(name).to_string();
        assert!(err.starts_with("invalid key name"), "{name:?}: {err}");
    }
    assert!(!keyring.dir().exists());
    validate_name(&"a".repeat(KEY_NAME_LEN_MAX)).expect("64 characters is allowed");
}

#[test]
fn a_missing_key_is_reported_with_the_keyring_and_a_hint_at_the_other_backend() {
    let fixture = Fixture::new();
    fixture.keyring_without_passphrase(KeyringBackend::Test).import("alice", LEGAL).expect("import");
    let keyring = fixture.keyring_without_passphrase(KeyringBackend::File);
    let err = keyring.show("alice").expect_err("not in the file keyring").to_string();
    assert!(err.contains("no key named \"alice\" in the file keyring"), "{err}");
    assert!(err.contains("--keyring-backend test"), "{err}");
    assert!(err.contains("computefi keys list"), "{err}");
}

#[test]
fn delete_removes_the_key_and_a_second_delete_says_there_is_none() {
    let fixture = Fixture::new();
    let keyring = fixture.file_keyring("pw");
    keyring.import("alice", LEGAL).expect("import");
    keyring.delete("alice").expect("delete");
    assert!(keyring.list().expect("list").keys.is_empty());
    let err = keyring.delete("alice").expect_err("already gone").to_string();
    assert!(err.contains("no key named \"alice\""), "{err}");
    keyring.import("alice", LEGAL).expect("the name is free again");
}

#[test]
fn an_edited_address_or_public_key_is_detected() {
    let fixture = Fixture::new();
    let keyring = fixture.file_keyring("pw");
    let alice = keyring.import("alice", LEGAL).expect("import");
    let bob = keyring.add("bob").expect("add").0;
    let path = keyring.dir().join("alice.json");
    let original = std::fs::read_to_string(&path).expect("read");

    std::fs::write(&path, original.replace(&alice.address.to_string(), &bob.address.to_string()))
        .expect("write");
    let err = keyring.show("alice").expect_err("edited address").to_string();
    assert!(err.contains("inconsistent"), "{err}");

    let edited = original
        .replace(&alice.address.to_string(), &bob.address.to_string())
        .replace(&hex::encode(alice.public_key.0), &hex::encode(bob.public_key.0));
    std::fs::write(&path, edited).expect("write");
    assert!(keyring.signing_key("alice").is_err(), "a swapped public key must not unlock");
}

#[test]
fn a_renamed_key_file_is_refused_with_a_hint() {
    let fixture = Fixture::new();
    let keyring = fixture.keyring_without_passphrase(KeyringBackend::Test);
    keyring.import("alice", LEGAL).expect("import");
    std::fs::rename(keyring.dir().join("alice.json"), keyring.dir().join("bob.json")).expect("rename");
    let err = keyring.show("bob").expect_err("renamed").to_string();
    assert!(err.contains("rename the file back"), "{err}");
}

#[test]
fn a_key_file_written_by_this_format_version_still_opens() {
    // Conformance: a file written by an independent Python implementation of the format in
    // `keyfile` (test KDF parameters). If this fails, existing users' keys no longer open; change
    // the format only with a new version and a reader for version 1.
    let fixture = Fixture::new();
    let keyring = fixture.file_keyring("correct horse");
    std::fs::create_dir_all(keyring.dir()).expect("mkdir");
    std::fs::write(keyring.dir().join("golden.json"), GOLDEN_KEY_FILE).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(keyring.dir().join("golden.json"), private).expect("chmod");
    }
    assert_eq!(keyring.export("golden").expect("export"), LEGAL);
    assert_eq!(keyring.show("golden").expect("show").address.to_string(), GOLDEN_LEGAL_ADDRESS);
}

const GOLDEN_LEGAL_ADDRESS: &str = "cfi18u8vmx7f5f22al03uasdu934szxm9kgxwd9yfm";
const GOLDEN_KEY_FILE: &str = r#"{
  "version": 1,
  "name": "golden",
  "address": "cfi18u8vmx7f5f22al03uasdu934szxm9kgxwd9yfm",
  "public_key": "d7a4b4f45941ec7340354197f3948d13bd533182f24b8eb62321364194aafd8d",
  "kdf": {
    "algorithm": "argon2id",
    "version": 19,
    "memory_kib": 64,
    "iterations": 1,
    "parallelism": 1,
    "salt": "000102030405060708090a0b0c0d0e0f"
  },
  "cipher": {
    "algorithm": "xchacha20poly1305",
    "nonce": "6465666768696a6b6c6d6e6f707172737475767778797a7b",
    "ciphertext": "e97c9de04d1fab75ae01fcecbb7d9009c52894f1f19a6fa388416b9485ac16bb1ccef2abc81097a905e660829409dd190d922cfa5eb53d15d1c0856bb2a0bba7b858400d7abe60ae029a5bb29407de82bfe3e2ca4b8570161ed999"
  }
}
"#;

#[cfg(unix)]
#[test]
fn key_files_are_0600_in_a_0700_directory() {
    use std::os::unix::fs::PermissionsExt;
    let fixture = Fixture::new();
    let keyring = fixture.file_keyring("pw");
    keyring.add("alice").expect("add");
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(keyring.dir()), 0o700);
    assert_eq!(mode(&keyring.dir().join("alice.json")), 0o600);
}

#[test]
fn key_info_serializes_for_json_output() {
    let fixture = Fixture::new();
    let keyring = fixture.keyring_without_passphrase(KeyringBackend::Test);
    let info = keyring.import("alice", LEGAL).expect("import");
    let json = serde_json::to_value(&info).expect("json");
    assert_eq!(json["name"], "alice");
    assert_eq!(json["backend"], "test");
    assert_eq!(json["address"], info.address.to_string());
    assert_eq!(json["public_key"], hex::encode(info.public_key.0));
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused_naming_the_file_and_the_chmod() {
    let fixture = Fixture::new();
    let keyring = fixture.keyring_without_passphrase(KeyringBackend::Test);
    keyring.import("alice", LEGAL).expect("import");
    let path = keyring.dir().join("alice.json");
    chmod(&path, 0o644);
    for err in [keyring.show("alice").expect_err("show"), keyring.signing_key("alice").expect_err("sign")] {
        let err = err.to_string();
        assert!(err.contains(&format!("chmod 600 {}", path.display())), "{err}");
    }
    chmod(&path, 0o600);
    keyring.signing_key("alice").expect("private again");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_in_the_keyring_is_refused_even_to_a_private_key_file() {
    let fixture = Fixture::new();
    let keyring = fixture.keyring_without_passphrase(KeyringBackend::Test);
    keyring.import("alice", LEGAL).expect("import");
    let elsewhere = fixture.root.path().join("elsewhere.json");
    std::fs::rename(keyring.dir().join("alice.json"), &elsewhere).expect("move");
    std::os::unix::fs::symlink(&elsewhere, keyring.dir().join("alice.json")).expect("symlink");
    let err = keyring.signing_key("alice").expect_err("a link").to_string();
    assert!(err.contains("symbolic link"), "{err}");
    assert!(err.contains(&keyring.dir().join("alice.json").display().to_string()), "{err}");
}

#[cfg(unix)]
#[test]
fn list_skips_files_it_cannot_use_and_lists_the_rest() {
    let fixture = Fixture::new();
    let keyring = fixture.keyring_without_passphrase(KeyringBackend::Test);
    for name in ["alice", "carol", "open"] {
        keyring.import(name, LEGAL).expect("import");
    }
    let dir = keyring.dir().to_path_buf();
    chmod(&dir.join("open.json"), 0o644);
    // Unreadable as a file (a directory), damaged, and a link.
    std::fs::create_dir(dir.join("bob.json")).expect("mkdir");
    std::fs::write(dir.join("damaged.json"), b"{ not json").expect("write");
    chmod(&dir.join("damaged.json"), 0o600);
    std::os::unix::fs::symlink(dir.join("alice.json"), dir.join("linked.json")).expect("symlink");
    let list = keyring.list().expect("one bad file does not fail the list");
    let names: Vec<&str> = list.keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["alice", "carol"]);
    let skipped: Vec<PathBuf> = list.skipped.iter().map(|s| s.path.clone()).collect();
    let expected: Vec<PathBuf> =
        ["bob", "damaged", "linked", "open"].iter().map(|n| dir.join(format!("{n}.json"))).collect();
    assert_eq!(skipped, expected);
    for s in &list.skipped {
        assert!(s.error.contains(&s.path.display().to_string()), "the warning names the file: {}", s.error);
    }
    assert!(list.skipped[3].error.contains("chmod 600"), "{}", list.skipped[3].error);
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_can_still_be_deleted() {
    let fixture = Fixture::new();
    let keyring = fixture.keyring_without_passphrase(KeyringBackend::Test);
    keyring.import("alice", LEGAL).expect("import");
    chmod(&keyring.dir().join("alice.json"), 0o644);
    keyring.delete("alice").expect("delete");
    assert!(!keyring.dir().join("alice.json").exists());
}
