//! Each webhook's cursor into the batch rows: the first batch it has not
//! passed, under `c` + webhook uuid.
//!
//! A cursor moves in memory as the recorder writes finished deliveries and
//! is saved once per group, after their log entries: a crash before the
//! save sends those deliveries again, never loses them. A deleted webhook's
//! cursor stays, past every batch (a tombstone): its claims on bodies are
//! dropped once, and batch rows naming it need not wait for it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use uuid::Uuid;

use crate::keys::{self, CURSOR};
use crate::Error;

#[derive(Debug, Default)]
struct State {
    /// The first batch each webhook has not passed (absent: 0).
    passed: HashMap<Uuid, u32>,
    /// Moved since last saved.
    dirty: HashSet<Uuid>,
    /// A batch whose finish could not be written: the cursor is saved
    /// before it, so it is sent again after a restart rather than lost (in
    /// this run the cursor moves on, so nothing is sent twice meanwhile).
    held: HashMap<Uuid, u32>,
}

impl State {
    fn passed(&self, webhook: &Uuid) -> u32 {
        self.passed.get(webhook).copied().unwrap_or(0)
    }

    /// What is on disk, or will be at the next save.
    fn saved(&self, webhook: &Uuid) -> u32 {
        self.passed(webhook).min(self.held.get(webhook).copied().unwrap_or(u32::MAX))
    }
}

/// The cursor of a deleted webhook.
const GONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub(crate) struct Cursors {
    tree: sled::Tree,
    state: Arc<Mutex<State>>,
}

fn key(webhook: Uuid) -> Vec<u8> {
    keys::webhook(CURSOR, webhook, &[])
}

fn batch(value: &[u8]) -> Option<u32> {
    keys::u32_at(value, 0)
}

impl Cursors {
    pub fn open(tree: &sled::Tree) -> Result<Self, Error> {
        let mut state = State::default();
        for entry in tree.scan_prefix([CURSOR]) {
            let (k, v) = entry?;
            if let (Some(uuid), Some(batch)) = (keys::webhook_of(&k), batch(&v)) {
                state.passed.insert(uuid, batch);
            }
        }
        Ok(Self { tree: tree.clone(), state: Arc::new(Mutex::new(state)) })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        crate::lock(&self.state)
    }

    /// The first batch `webhook` has not passed.
    pub fn of(&self, webhook: Uuid) -> u32 {
        self.lock().passed(&webhook)
    }

    /// Whether every one of `webhooks` has passed `batch`, on disk: a batch
    /// row goes only once no restart can need it.
    pub fn all_passed(&self, webhooks: &[Uuid], batch: u32) -> bool {
        let state = self.lock();
        webhooks.iter().all(|w| state.saved(w) > batch)
    }

    /// Moves `webhook` past `batch`; returns whether `batch` was still ahead of it.
    pub fn pass(&self, webhook: Uuid, batch: u32) -> bool {
        let mut state = self.lock();
        let passed = state.passed(&webhook);
        let next = batch.saturating_add(1);
        if next > passed {
            state.passed.insert(webhook, next);
            state.dirty.insert(webhook);
        }
        batch >= passed
    }

    /// A delivery whose finish could not be written: `webhook`'s cursor is
    /// saved before it for as long as this process runs.
    pub fn hold(&self, webhook: Uuid, batch: u32) {
        let mut state = self.lock();
        let held = state.held.entry(webhook).or_insert(batch);
        *held = (*held).min(batch);
    }

    /// Writes the cursors moved since last time.
    pub fn save(&self) -> Result<(), Error> {
        let moved: Vec<(Uuid, u32)> = {
            let mut state = self.lock();
            let dirty = std::mem::take(&mut state.dirty);
            dirty.into_iter().map(|w| (w, state.saved(&w))).collect()
        };
        for (webhook, passed) in moved {
            self.tree.update_and_fetch(key(webhook), |old| {
                Some(old.and_then(batch).unwrap_or(0).max(passed).to_be_bytes().to_vec())
            })?;
        }
        Ok(())
    }

    /// Deleted webhooks whose cursor is kept past every batch.
    pub fn gone(&self) -> Vec<Uuid> {
        self.lock().passed.iter().filter(|(_, p)| **p == GONE).map(|(w, _)| *w).collect()
    }

    /// A deleted webhook's cursor, once no batch row names it.
    pub fn remove(&self, webhook: Uuid) -> Result<(), Error> {
        self.lock().passed.remove(&webhook);
        self.tree.remove(key(webhook))?;
        Ok(())
    }

    /// A deleted webhook: its cursor past every batch, on disk at once.
    /// Returns where it was, or `None` if it was forgotten already.
    pub fn forget(&self, webhook: Uuid) -> Result<Option<u32>, Error> {
        let mut state = self.lock();
        let was = state.passed.insert(webhook, GONE).unwrap_or(0);
        state.dirty.remove(&webhook);
        state.held.remove(&webhook);
        drop(state);
        self.tree.insert(key(webhook), &GONE.to_be_bytes())?;
        Ok((was != GONE).then_some(was))
    }
}
