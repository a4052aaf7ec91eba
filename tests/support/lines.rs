//! [`Lines`]: a child's output read line by line on a thread of its own, which a test
//! waits on while it acts on the kernel.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// The lines of one pipe: those read so far, and those still arriving.
#[derive(Debug)]
pub struct Lines {
    arriving: Receiver<String>,
    seen: Vec<String>,
}

impl Lines {
    /// Reads `pipe` to its end on a thread of its own.
    pub fn read(pipe: impl Read + Send + 'static) -> Lines {
        let (tx, arriving) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Lines { arriving, seen: Vec::new() }
    }

    /// Every line read so far.
    pub fn printed(&mut self) -> &[String] {
        while let Ok(line) = self.arriving.try_recv() {
            self.seen.push(line);
        }
        &self.seen
    }

    /// Waits up to `timeout` until `n` lines were read in all.
    pub fn wait_lines(&mut self, n: usize, timeout: Duration) -> &[String] {
        let end = Instant::now() + timeout;
        while self.seen.len() < n {
            let Some(left) = end.checked_duration_since(Instant::now()) else { break };
            match self.arriving.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => break,
            }
        }
        &self.seen
    }

    /// Waits up to `timeout` for a line for which `want` holds and returns it; panics
    /// with everything read so far otherwise.
    pub fn wait_for(&mut self, timeout: Duration, want: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + timeout;
        if let Some(l) = self.seen.iter().find(|l| want(l)) {
            return l.clone();
        }
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.arriving.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no such line within {timeout:?}; printed so far:\n{}", self.seen.join("\n"))
    }

    /// Once the writer has exited: takes what is left (waiting up to 500 ms a line) and
    /// returns every line read.
    pub fn finish(&mut self) -> Vec<String> {
        while let Ok(line) = self.arriving.recv_timeout(Duration::from_millis(500)) {
            self.seen.push(line);
        }
        std::mem::take(&mut self.seen)
    }

    /// Every line read so far, one per line, for a failure message.
    pub fn joined(&self) -> String {
        self.seen.join("\n")
    }
}
