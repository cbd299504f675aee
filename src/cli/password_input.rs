//! Reading a new password for `users create` and `users set-password`: never from the arguments, which other
//! users of the machine can read in the process list.

use std::io::{BufRead, IsTerminal};

use super::CommandError;

/// At a terminal, asks twice without echo; otherwise reads the first line of standard input (for scripts:
/// `printf '%s\n' "$PASSWORD" | leptodo users create …`). The rules are checked by the caller.
pub fn read_new_password() -> Result<String, CommandError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = prompt("New password: ")?;
        let second = prompt("Repeat the password: ")?;
        if first != second {
            return Err(CommandError("The two passwords do not match.".into()));
        }
        return Ok(first);
    }
    let mut line = String::new();
    let read = stdin
        .lock()
        .read_line(&mut line)
        .map_err(|error| CommandError(format!("cannot read the password: {error}")))?;
    if read == 0 {
        return Err(CommandError(
            "No password: write it as one line on standard input, or run the command in a terminal."
                .into(),
        ));
    }
    let without_newline = line.strip_suffix('\n').unwrap_or(&line);
    Ok(without_newline
        .strip_suffix('\r')
        .unwrap_or(without_newline)
        .to_owned())
}

fn prompt(text: &str) -> Result<String, CommandError> {
    rpassword::prompt_password(text)
        .map_err(|error| CommandError(format!("cannot read the password: {error}")))
}
