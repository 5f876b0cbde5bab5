//! Where the file keyring's passphrase comes from: a file, an environment variable or a prompt.
//!
//! # Hazards
//! - An environment variable can be read by other processes of the same user (`/proc/PID/environ`)
//!   and may end up in shell history; prefer a file readable only by you, or the prompt.

use anyhow::{bail, Context, Result};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Environment variable holding the file keyring's passphrase.
pub const PASSPHRASE_ENV: &str = "COMPUTEFI_PASSPHRASE";

/// Bytes read from a passphrase file at most: a passphrase longer than this is a wrong file.
pub const PASSPHRASE_FILE_BYTES_MAX: u64 = 4096;

/// Where the passphrase comes from. The keyring asks its source at most once per command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PassphraseSource {
    /// The file's contents, less one trailing line break (`\n` or `\r\n`).
    File(PathBuf),
    /// The environment variable [`PASSPHRASE_ENV`], exactly as set.
    Env,
    /// Ask on the terminal without echo; refused when stdin is not a terminal.
    Prompt,
}

/// `file` if given, else [`PassphraseSource::Env`] if [`PASSPHRASE_ENV`] is set, else
/// [`PassphraseSource::Prompt`].
pub fn passphrase_source(file: Option<PathBuf>) -> PassphraseSource {
    match file {
        Some(path) => PassphraseSource::File(path),
        None if std::env::var_os(PASSPHRASE_ENV).is_some() => PassphraseSource::Env,
        None => PassphraseSource::Prompt,
    }
}

impl PassphraseSource {
    /// Reads the passphrase for the keyring at `keyring_dir`. With `confirm`, a prompt asks twice
    /// and refuses a mismatch (used when a new key is encrypted, where a typo would lock it).
    pub(super) fn read(&self, keyring_dir: &Path, confirm: bool) -> Result<Zeroizing<String>> {
        match self {
            PassphraseSource::File(path) => read_file(path),
            PassphraseSource::Env => read_env(),
            PassphraseSource::Prompt => prompt(keyring_dir, confirm),
        }
    }
}

fn read_file(path: &Path) -> Result<Zeroizing<String>> {
    use std::io::Read;
    let file = std::fs::File::open(path).with_context(|| {
        format!(
            "cannot open the passphrase file {}; check the path given with --passphrase-file",
            path.display()
        )
    })?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(PASSPHRASE_FILE_BYTES_MAX.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read the passphrase file {}", path.display()))?;
    if bytes.len() as u64 > PASSPHRASE_FILE_BYTES_MAX {
        bail!(
            "the passphrase file {} is longer than {PASSPHRASE_FILE_BYTES_MAX} bytes; pass a file that holds only the passphrase",
            path.display()
        );
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        anyhow::anyhow!(
            "the passphrase file {} is not UTF-8 text; write the passphrase as text",
            path.display()
        )
    })?;
    let text = text.strip_suffix('\n').map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
    Ok(Zeroizing::new(text.to_owned()))
}

fn read_env() -> Result<Zeroizing<String>> {
    match std::env::var(PASSPHRASE_ENV) {
        Ok(value) => Ok(Zeroizing::new(value)),
        Err(std::env::VarError::NotPresent) => {
            bail!("{PASSPHRASE_ENV} is not set; set it, or pass --passphrase-file FILE")
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("{PASSPHRASE_ENV} is not valid UTF-8; set it to a text passphrase")
        }
    }
}

fn prompt(keyring_dir: &Path, confirm: bool) -> Result<Zeroizing<String>> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "the file keyring needs a passphrase and stdin is not a terminal to ask for one; pass --passphrase-file FILE or set {PASSPHRASE_ENV}"
        );
    }
    let question = format!("Passphrase for the keyring at {}: ", keyring_dir.display());
    let first = Zeroizing::new(
        rpassword::prompt_password(question).context("cannot read the passphrase from the terminal")?,
    );
    if confirm {
        let again = Zeroizing::new(
            rpassword::prompt_password("Repeat the passphrase: ")
                .context("cannot read the passphrase from the terminal")?,
        );
        if *first != *again {
            bail!("the two passphrases differ; run the command again and type the same passphrase twice");
        }
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passphrase_file_loses_one_trailing_line_break_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (contents, expected) in [
            ("secret\n", "secret"),
            ("secret\r\n", "secret"),
            ("secret", "secret"),
            (" secret \n\n", " secret \n"),
        ] {
            let path = dir.path().join("pass");
            std::fs::write(&path, contents).expect("write");
            let got = PassphraseSource::File(path).read(dir.path(), true).expect("read");
            assert_eq!(got.as_str(), expected, "{contents:?}");
        }
    }

    #[test]
    fn a_missing_passphrase_file_is_reported_with_its_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("absent");
        let err = PassphraseSource::File(path.clone()).read(dir.path(), false).expect_err("absent");
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
        assert!(err.to_string().contains("--passphrase-file"), "{err}");
    }

    #[test]
    fn an_explicit_passphrase_file_wins_over_the_environment() {
        let path = PathBuf::from("/some/file");
        assert_eq!(passphrase_source(Some(path.clone())), PassphraseSource::File(path));
    }
}
