//! `-batch FILE`: runs one command per line, reporting `Command failed FILE:LINE`.

use std::fs::File;
use std::io::{self, BufRead, BufReader};

use crate::batch::Reader;
use crate::fail::{Exit, say};
use crate::run::Runner;

/// Runs every command of `name` (`-` is stdin). The status is 1 if any command failed;
/// a fatal error inside a command ends the batch at once with its own status.
pub fn run(runner: &mut Runner, name: &str) -> Result<u8, Exit> {
    let input: Box<dyn BufRead> = if name == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        match File::open(name) {
            Ok(f) => Box::new(BufReader::new(f)),
            Err(e) => {
                let errno = nlsock::Errno(e.raw_os_error().unwrap_or(0));
                say(format_args!("Cannot open file \"{name}\" for reading: {errno}\n"));
                return Ok(1);
            }
        }
    };
    let mut status = 0;
    let mut lines = Reader::new(input);
    while let Some((line_no, words)) = lines.read_command()? {
        if words.is_empty() {
            continue;
        }
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        if runner.run_line(&words)? != 0 {
            say(format_args!("Command failed {name}:{line_no}\n"));
            status = 1;
            if !runner.opts.force {
                break;
            }
        }
    }
    Ok(status)
}
