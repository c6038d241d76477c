//! A wake-up call for a thread that sleeps until there is work: a flag and a
//! condition variable, so that a wake sent while the thread is busy is not lost.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

#[derive(Default)]
pub(crate) struct Signal {
    pending: Mutex<bool>,
    cvar: Condvar,
}

impl Signal {
    pub fn wake(&self) {
        *self.pending.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.cvar.notify_one();
    }

    /// Returns at once if woken since the last wait, else when woken or after
    /// `timeout` (`None`: no timeout).
    pub fn wait(&self, timeout: Option<Duration>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if !*pending {
            pending = match timeout {
                Some(timeout) => self.cvar.wait_timeout(pending, timeout).unwrap_or_else(|e| e.into_inner()).0,
                None => self.cvar.wait(pending).unwrap_or_else(|e| e.into_inner()),
            };
        }
        *pending = false;
    }
}
