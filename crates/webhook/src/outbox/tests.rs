//! The outbox's rules, on a real sled database: idempotent recording, batch
//! order, cursors, crashes between writes, claims on bodies.

use super::*;
use crate::row::delivery_id;

fn open() -> (tempfile::TempDir, sled::Db, Outbox) {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path()).unwrap();
    let outbox = Outbox::open(&db).unwrap();
    (dir, db, outbox)
}

fn batches(next: Result<Vec<Next>, Error>) -> Vec<u32> {
    next.unwrap().iter().map(Next::batch).collect()
}

#[test]
fn a_shared_body_lives_until_its_last_row_goes() {
    let (_dir, _, outbox) = open();
    let hooks = [Uuid::new_v4(), Uuid::new_v4()];
    let rows: Vec<_> =
        hooks.iter().map(|h| (Delivery { shape: Some(0), ..Delivery::pending(*h, 7) }, &b"shared"[..])).collect();
    outbox.record(7, &rows).unwrap();
    outbox.record(7, &rows).unwrap(); // a replay takes no second claim
    let first = outbox.head(hooks[0], &BTreeSet::new()).unwrap().unwrap();
    assert_eq!(first.id, delivery_id(7, hooks[0]), "the id comes from the key");
    assert_eq!(outbox.body(&first).unwrap().unwrap().as_ref(), b"shared");
    outbox.forget(hooks[0]).unwrap();
    let second = outbox.head(hooks[1], &BTreeSet::new()).unwrap().unwrap();
    assert_eq!(outbox.body(&second).unwrap().unwrap().as_ref(), b"shared", "still claimed");
    outbox.forget(hooks[1]).unwrap();
    assert_eq!(outbox.collect().unwrap(), 1, "the batch row goes once nobody needs it");
    assert!(outbox.tree.is_empty(), "nothing left behind");
}

#[test]
fn cursors_pass_batch_rows_and_the_rows_go_once_every_webhook_has_passed() {
    let (_dir, db, outbox) = open();
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    for batch in 1..=3 {
        let both = [(Delivery::pending(a, batch), &b"x"[..]), (Delivery::pending(b, batch), &b"y"[..])];
        outbox.record(batch, &both).unwrap();
    }
    assert_eq!((outbox.len(a), outbox.len(b)), (3, 3));
    assert_eq!(batches(outbox.pending(a, &BTreeSet::from([1]), 10)), [2, 3], "skipped as asked");
    let first = outbox.pending_row(a, 1).unwrap().unwrap();
    assert_eq!(outbox.body(&first).unwrap().unwrap().as_ref(), b"x", "its own body");
    outbox.finish(a, &[&Delivery { state: State::Delivered, ..first }]).unwrap();
    assert!(outbox.pending_row(a, 1).unwrap().is_none(), "passed");
    assert_eq!(batches(outbox.pending(a, &BTreeSet::new(), 10)), [2, 3]);
    assert_eq!(outbox.collect().unwrap(), 0, "b has not passed batch 1");
    let mut retried = outbox.pending_row(b, 1).unwrap().unwrap();
    retried.attempts = 1;
    outbox.update(&retried).unwrap();
    assert_eq!(outbox.pending_row(b, 1).unwrap().unwrap().attempts, 1, "its own row wins over the batch row");
    let next = outbox.pending(b, &BTreeSet::new(), 10).unwrap();
    assert_eq!(next[0], Next::Own(1), "read again when its turn comes");
    assert_eq!(batches(Ok(next)), [1, 2, 3], "once");
    outbox.cursors.hold(b, 2);
    for batch in 1..=3 {
        let delivery = outbox.pending_row(b, batch).unwrap().unwrap();
        outbox.finish(b, &[&Delivery { state: State::Delivered, ..delivery }]).unwrap();
    }
    assert!(outbox.pending(b, &BTreeSet::new(), 10).unwrap().is_empty(), "finished in this run");
    outbox.save_cursors().unwrap();
    assert_eq!(outbox.collect().unwrap(), 1, "only batch 1 is passed by both");
    let reopened = Outbox::open(&db).unwrap();
    assert_eq!(reopened.len(a), 2);
    assert_eq!(batches(reopened.pending(b, &BTreeSet::new(), 10)), [2, 3], "held back: sent again, not lost");
    assert_eq!(reopened.len(b), 2);
    let (page, total) = reopened.page(b, None, 10).unwrap();
    assert_eq!(total, 5, "three in the log, two still to make (sent again after the restart)");
    let newest: HashSet<_> = page[..2].iter().map(|d| (d.batch, d.state)).collect();
    assert_eq!(newest, HashSet::from([(3, State::Pending), (3, State::Delivered)]));
    reopened.forget(b).unwrap();
    reopened.forget(a).unwrap();
    assert_eq!(reopened.collect().unwrap(), 2);
    assert!(reopened.tree.is_empty(), "nothing left behind");
}

#[test]
fn a_crash_before_the_cursor_is_saved_sends_again_and_logs_once() {
    let (_dir, db, outbox) = open();
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let shared = |webhook| (Delivery { shape: Some(0), ..Delivery::pending(webhook, 7) }, &b"body"[..]);
    outbox.record(7, &[shared(a), shared(b)]).unwrap();
    let sent = outbox.pending_row(a, 7).unwrap().unwrap();
    outbox.finish(a, &[&Delivery { state: State::Delivered, ..sent }]).unwrap();
    // The crash: the log chunk is written, the cursor is not.
    let after = Outbox::open(&db).unwrap();
    let again = after.pending_row(a, 7).unwrap().expect("sent again, never lost");
    assert_eq!(again.id, delivery_id(7, a), "with the same webhook-id");
    after.finish(a, &[&Delivery { state: State::Delivered, ..again }]).unwrap();
    assert_eq!(after.page(a, None, 10).unwrap().1, 1, "logged once");
    let other = after.pending_row(b, 7).unwrap().unwrap();
    after.finish(b, &[&Delivery { state: State::Delivered, ..other.clone() }]).unwrap();
    after.save_cursors().unwrap();
    assert_eq!(after.collect().unwrap(), 1);
    after.record(7, &[shared(a), shared(b)]).unwrap();
    assert_eq!((after.len(a), after.len(b)), (0, 0), "a replay after the batch row went finds both past it");
    after.forget(a).unwrap();
    assert!(after.body(&other).unwrap().is_some(), "still claimed by b's log entry");
    after.forget(b).unwrap();
    assert!(after.tree.is_empty(), "one claim each, none left");
}

#[test]
fn rows_are_idempotent_ordered_and_removable() {
    let (_dir, db, outbox) = open();
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    for batch in [300, 2, 17] {
        outbox.record(batch, &[(Delivery::pending(a, batch), b"body")]).unwrap();
    }
    outbox.record(1, &[(Delivery::pending(b, 1), b"other")]).unwrap();
    let mut replay = Delivery::pending(a, 2);
    replay.attempts = 9;
    outbox.record(2, &[(replay, b"changed")]).unwrap();
    let head = outbox.head(a, &BTreeSet::new()).unwrap().unwrap();
    assert_eq!((head.batch, head.attempts), (2, 0), "batch order; a replay does not overwrite");
    assert_eq!(outbox.body(&head).unwrap().unwrap().as_ref(), b"body");
    let mut failed = head.clone();
    failed.state = State::Failed;
    outbox.update(&failed).unwrap();
    assert_eq!(outbox.head(a, &BTreeSet::new()).unwrap().unwrap().batch, 17, "failed rows are kept but skipped");
    outbox.finish(a, &[&outbox.head(a, &BTreeSet::new()).unwrap().unwrap()]).unwrap();
    assert_eq!(outbox.head(a, &BTreeSet::new()).unwrap().unwrap().batch, 300);
    let (page, total) = outbox.page(a, None, 10).unwrap();
    assert_eq!(total, 3);
    assert_eq!(page.iter().map(|d| d.batch).collect::<Vec<_>>(), [300, 17, 2], "newest first, pending and finished");
    assert_eq!(outbox.requeue(a, |d| d.batch == 17).unwrap()[0].state, State::Pending);
    assert_eq!(outbox.head(a, &BTreeSet::new()).unwrap().unwrap().batch, 17, "a redelivery goes first");
    let hooks = outbox.webhooks();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(hooks, expected);
    assert_eq!(outbox.len(a), 3, "300, 17 again, and the failed 2 is still a row");
    assert_eq!(Outbox::open(&db).unwrap().len(a), 3, "counted again on open");
    outbox.forget(a).unwrap();
    assert_eq!(outbox.len(a), 0);
    assert!(outbox.head(a, &BTreeSet::new()).unwrap().is_none());
}

#[test]
fn a_deleted_webhook_drops_its_claims_once_whatever_happens_after() {
    let (_dir, db, outbox) = open();
    let (gone, kept) = (Uuid::new_v4(), Uuid::new_v4());
    let shared = |webhook| (Delivery { shape: Some(0), ..Delivery::pending(webhook, 4) }, &b"body"[..]);
    outbox.record(4, &[shared(gone), shared(kept)]).unwrap();
    outbox.forget(gone).unwrap();
    outbox.forget(gone).unwrap(); // a lane started again by a batch recorded meanwhile
    let reopened = Outbox::open(&db).unwrap();
    assert_eq!(reopened.len(gone), 0, "not counted again after a restart");
    assert!(reopened.webhooks().is_empty() || reopened.webhooks() == [kept], "no lane for it");
    reopened.forget(gone).unwrap();
    let delivery = reopened.pending_row(kept, 4).unwrap().unwrap();
    assert_eq!(reopened.body(&delivery).unwrap().unwrap().as_ref(), b"body", "still claimed by the other webhook");
    assert_eq!(reopened.collect().unwrap(), 0, "the other webhook has not passed it");
    reopened.record(5, &[shared(gone)]).unwrap();
    assert_eq!(reopened.len(gone), 0, "a batch recorded after the delete does not name it");
    reopened.finish(kept, &[&Delivery { state: State::Delivered, ..delivery }]).unwrap();
    reopened.save_cursors().unwrap();
    assert_eq!(reopened.collect().unwrap(), 1, "passed by the one left");
    reopened.prune([kept]).unwrap();
    reopened.forget(kept).unwrap();
    assert!(reopened.tree.is_empty(), "nothing left behind, cursors included");
}

#[test]
fn a_redelivery_from_a_log_of_an_earlier_version_is_counted_and_sent() {
    let (_dir, db, outbox) = open();
    let webhook = Uuid::new_v4();
    // Earlier versions logged deliveries one row each, and kept no cursor.
    let old = Delivery { state: State::Failed, ..Delivery::pending(webhook, 9) };
    db.open_tree("outbox")
        .unwrap()
        .insert(keys::webhook(keys::OLD_LOG_ROW, webhook, &9u32.to_be_bytes()), row::encode(&old).unwrap())
        .unwrap();
    outbox.bodies.store(9, &[(&old, b"body")]).unwrap();
    drop(outbox);
    let outbox = Outbox::open(&db).unwrap();
    assert_eq!(outbox.len(webhook), 0);
    assert_eq!(outbox.requeue(webhook, |d| d.batch == 9).unwrap()[0].state, State::Pending);
    assert_eq!(outbox.len(webhook), 1, "counted");
    assert_eq!(outbox.head(webhook, &BTreeSet::new()).unwrap().unwrap().batch, 9, "and found to send");
}
