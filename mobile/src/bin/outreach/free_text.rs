//! Free text (names, kana, notes, reasons, a search) read from standard
//! input instead of the command line. An option given as `-` (for example
//! `--observation -`) takes its text from standard input: piped, everything
//! up to the end (one option per run); at a terminal, one line after a
//! prompt (each `-` option in turn). Text on the command line stays in the
//! shell's history and, while the command runs, in `/proc/<pid>/cmdline`
//! for every user of the machine; text from standard input does not.
//! Options given as text still work, for scripts (README: the risk).

use std::io::{IsTerminal, Read};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Failure, texts};

/// The value that means "read this option from standard input".
pub(crate) const FROM_STDIN: &str = "-";

/// Whether piped standard input was already read by an option.
static PIPE_READ: AtomicBool = AtomicBool::new(false);

/// Replaces `-` by the text from standard input.
pub(crate) fn resolve(option: &str, value: &mut Option<String>) -> Result<(), Failure> {
    if value.as_deref() == Some(FROM_STDIN) {
        *value = Some(read(option)?);
    }
    Ok(())
}

/// The same for an option with a default (an empty text).
pub(crate) fn resolve_text(option: &str, value: &mut String) -> Result<(), Failure> {
    if value == FROM_STDIN {
        *value = read(option)?;
    }
    Ok(())
}

fn read(option: &str) -> Result<String, Failure> {
    let stdin = std::io::stdin();
    let unreadable = || Failure::usage(texts::stdin_unreadable(option));
    if stdin.is_terminal() {
        eprint!("{}", texts::stdin_prompt(option));
        let mut line = String::new();
        stdin.read_line(&mut line).map_err(|_| unreadable())?;
        return Ok(trim_newline(line));
    }
    if PIPE_READ.swap(true, Ordering::SeqCst) {
        return Err(Failure::usage(texts::stdin_once(option)));
    }
    let mut text = String::new();
    stdin
        .lock()
        .read_to_string(&mut text)
        .map_err(|_| unreadable())?;
    Ok(trim_newline(text))
}

/// Drops the one line break that ends what was typed or piped.
fn trim_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}
