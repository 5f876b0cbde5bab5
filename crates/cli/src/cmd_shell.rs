//! `computefi completions SHELL` and `computefi man`: shell completions and manual pages made from
//! the command tree itself (clap's companion crates), so they never fall behind a new command.

use clap::{Args, CommandFactory};
use std::path::PathBuf;

/// `computefi completions`.
#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    shell: clap_complete::Shell,
}

/// `computefi man`.
#[derive(Args)]
pub struct ManArgs {
    /// Write a page for every command and subcommand (`computefi-tx-gov-vote.1`, …) into this
    /// directory; without it, the top page goes to standard output.
    #[arg(long)]
    out_dir: Option<PathBuf>,
}

/// Prints the completion script of `shell` for the command tree of `C`.
pub fn completions<C: CommandFactory>(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut command = C::command();
    // Written whole from memory: a closed pipe (`| head`) ends the command, never a panic.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "computefi", &mut script);
    use std::io::Write;
    match std::io::stdout().write_all(&script) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Writes the manual pages of the command tree of `C`.
pub fn man<C: CommandFactory>(args: ManArgs) -> anyhow::Result<()> {
    let command = C::command();
    match args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
            clap_mangen::generate_to(command, &dir)
                .map_err(|e| anyhow::anyhow!("writing pages into {}: {e}", dir.display()))?;
            eprintln!("manual pages written to {}", dir.display());
        }
        None => clap_mangen::Man::new(command).render(&mut std::io::stdout())?,
    }
    Ok(())
}
