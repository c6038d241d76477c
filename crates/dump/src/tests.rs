//! Writing then reading a dump, and reading what Meilisearch 1.50 wrote.

use serde_json::{json, Map, Value};
use task_model::{
    Code, ContentId, Details, IndexSwap, IndexUid, Method, Operation, ResponseError, Status, Task, TaskId,
};

use crate::task::{from_dump, to_dump};
use crate::{dump_uid, DumpReader, DumpWriter, DumpedTask, Error};

fn uid(s: &str) -> IndexUid {
    s.parse().unwrap()
}

fn task(n: u32, index: Option<&str>, operation: Operation, details: Option<Details>, status: Status) -> Task {
    let mut t = Task::new(index.map(uid), operation, details);
    t.uid = TaskId(n);
    t.status = status;
    if status != Status::Enqueued {
        t.started_at = Some(t.enqueued_at);
        t.finished_at = Some(t.enqueued_at);
        t.batch_uid = Some(task_model::BatchId(n));
    }
    t
}

fn every_kind() -> Vec<Task> {
    let added = Details::DocumentAdditionOrUpdate { received_documents: 2, indexed_documents: Some(2) };
    let swap = IndexSwap { indexes: (uid("a"), uid("b")), rename: true };
    let mut failed = task(
        2,
        Some("movies"),
        Operation::DocumentDeletion { ids: vec!["1".into()] },
        Some(Details::DocumentDeletion { provided_ids: 1, deleted_documents: Some(0) }),
        Status::Failed,
    );
    failed.error = Some(ResponseError::new(Code::IndexNotFound, "Index `movies` not found."));
    failed.custom_metadata = Some("job-7".into());
    let add = |method| Operation::DocumentAdditionOrUpdate {
        method,
        primary_key: Some("id".into()),
        content: ContentId(0),
        skip_creation: false,
        allow_index_creation: false,
    };
    vec![
        task(1, Some("movies"), add(Method::Replace), Some(added.clone()), Status::Succeeded),
        failed,
        task(
            3,
            Some("movies"),
            Operation::DocumentDeletionByFilter { filter: json!("year < 2000") },
            Some(Details::DocumentDeletionByFilter {
                original_filter: "\"year < 2000\"".into(),
                deleted_documents: Some(1),
            }),
            Status::Succeeded,
        ),
        task(
            4,
            Some("movies"),
            Operation::DocumentClear,
            Some(Details::ClearAll { deleted_documents: Some(3) }),
            Status::Succeeded,
        ),
        task(
            5,
            Some("movies"),
            Operation::SettingsUpdate {
                settings: json!({"stopWords": ["the"]}).as_object().unwrap().clone(),
                allow_index_creation: true,
            },
            Some(Details::SettingsUpdate { settings: json!({"stopWords": ["the"]}).as_object().unwrap().clone() }),
            Status::Succeeded,
        ),
        task(
            6,
            Some("a"),
            Operation::IndexCreation { primary_key: None },
            Some(Details::IndexInfo { primary_key: None }),
            Status::Succeeded,
        ),
        task(
            7,
            Some("a"),
            Operation::IndexUpdate { primary_key: None, new_uid: Some(uid("c")) },
            Some(Details::IndexRename { primary_key: None, old_index_uid: uid("a"), new_index_uid: uid("c") }),
            Status::Succeeded,
        ),
        task(
            8,
            Some("c"),
            Operation::IndexDeletion,
            Some(Details::IndexDeletion { deleted_documents: Some(0) }),
            Status::Succeeded,
        ),
        task(
            9,
            None,
            Operation::IndexSwap { swaps: vec![swap.clone()] },
            Some(Details::IndexSwap { swaps: vec![swap] }),
            Status::Succeeded,
        ),
        task(
            10,
            None,
            Operation::TaskCancelation { tasks: vec![TaskId(0), TaskId(33), TaskId(70_000)] },
            Some(Details::TaskCancelation {
                matched_tasks: 3,
                canceled_tasks: Some(1),
                original_filter: "?uids=0,33,70000".into(),
            }),
            Status::Succeeded,
        ),
        task(
            11,
            None,
            Operation::TaskDeletion { tasks: vec![TaskId(4)] },
            Some(Details::TaskDeletion { matched_tasks: 1, deleted_tasks: Some(1), original_filter: "?uids=4".into() }),
            Status::Succeeded,
        ),
        task(
            12,
            Some("movies"),
            Operation::IndexCompaction,
            Some(Details::IndexCompaction {
                pre_compaction_size: Some("8 KiB".into()),
                post_compaction_size: Some("4 KiB".into()),
            }),
            Status::Succeeded,
        ),
        task(
            13,
            None,
            Operation::DumpCreation,
            Some(Details::Dump { dump_uid: Some("20261128-015324061".into()) }),
            Status::Succeeded,
        ),
        task(
            14,
            Some("movies"),
            add(Method::Update),
            Some(Details::DocumentAdditionOrUpdate { received_documents: 2, indexed_documents: None }),
            Status::Enqueued,
        ),
    ]
}

#[test]
fn tasks_survive_the_dump_shapes() {
    for t in every_kind() {
        let line = to_dump(&t).unwrap();
        let back = from_dump(&line).unwrap().unwrap();
        assert_eq!(back, t, "{line}");
    }
    let deploy = task(15, Some("m"), Operation::IndexDeploy { upto: 3 }, None, Status::Succeeded);
    assert!(to_dump(&deploy).is_none(), "Meilisearch has no indexDeploy");
}

#[test]
fn task_lists_are_meilisearch_bitmaps() {
    let cancel = task(1, None, Operation::TaskCancelation { tasks: vec![TaskId(33)] }, None, Status::Enqueued);
    let line = to_dump(&cancel).unwrap();
    assert_eq!(
        line["type"]["taskCancelation"]["tasks"],
        json!([58, 48, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 33, 0])
    );
    let empty = task(2, None, Operation::TaskDeletion { tasks: vec![] }, None, Status::Enqueued);
    assert_eq!(to_dump(&empty).unwrap()["type"]["tasksDeletion"]["tasks"], json!([58, 48, 0, 0, 0, 0, 0, 0]));
}

/// Lines verbatim from a dump Meilisearch 1.50 wrote.
#[test]
fn meilisearch_lines_read_back() {
    let lines = [
        r#"{"uid":12,"batchUid":12,"indexUid":"tmp1","status":"succeeded","type":"documentClear","details":{"ClearAll":{"deleted_documents":null}},"enqueuedAt":"2026-11-28T01:52:03.815834193Z","startedAt":"2026-11-28T01:52:04.585065984Z","finishedAt":"2026-11-28T01:52:04.58546943Z"}"#,
        r#"{"uid":16,"batchUid":15,"indexUid":"movies","status":"failed","type":{"documentImport":{"primary_key":null,"method":"ReplaceDocuments","documents_count":1,"allow_index_creation":true}},"details":{"DocumentAdditionOrUpdate":{"received_documents":1,"indexed_documents":0}},"error":{"message":"Document doesn't have a `id` attribute: `{\"title\":\"no id\"}`.","code":"missing_document_id","type":"invalid_request","link":"https://docs.meilisearch.com/errors#missing_document_id"},"enqueuedAt":"2026-11-28T01:52:03.842366533Z","startedAt":"2026-11-28T01:52:04.587944999Z","finishedAt":"2026-11-28T01:52:04.588613553Z"}"#,
        r#"{"uid":25,"batchUid":null,"indexUid":"books","status":"enqueued","type":{"documentImport":{"primary_key":null,"method":"ReplaceDocuments","documents_count":2,"allow_index_creation":true}},"details":{"DocumentAdditionOrUpdate":{"received_documents":2,"indexed_documents":null}},"enqueuedAt":"2026-11-28T01:52:27.881572218Z","customMetadata":"hello-meta"}"#,
        r#"{"uid":33,"batchUid":30,"indexUid":"movies","status":"canceled","type":{"documentImport":{"primary_key":null,"method":"ReplaceDocuments","documents_count":1,"allow_index_creation":true}},"canceledBy":34,"details":{"DocumentAdditionOrUpdate":{"received_documents":1,"indexed_documents":0}},"enqueuedAt":"2026-11-28T01:56:35.255031858Z","startedAt":"2026-11-28T01:56:55.942489063Z","finishedAt":"2026-11-28T01:56:55.943014802Z"}"#,
        r#"{"uid":29,"batchUid":null,"indexUid":null,"status":"succeeded","type":{"dumpCreation":{"keys":[],"instance_uid":null}},"details":{"Dump":{"dump_uid":null}},"enqueuedAt":"2026-11-28T01:52:27.912584287Z","startedAt":"2026-11-28T01:53:24.061458424Z","finishedAt":"2026-11-28T01:53:24.062665157Z"}"#,
    ];
    let tasks: Vec<Task> =
        lines.iter().map(|l| from_dump(&serde_json::from_str(l).unwrap()).unwrap().unwrap()).collect();
    assert_eq!(tasks[0].kind(), task_model::Kind::DocumentDeletion);
    assert_eq!(tasks[1].error.as_ref().unwrap().code, Code::MissingDocumentId);
    assert_eq!((tasks[2].status, tasks[2].custom_metadata.as_deref()), (Status::Enqueued, Some("hello-meta")));
    assert_eq!(tasks[3].canceled_by, Some(TaskId(34)));
    assert_eq!(tasks[4].details, Some(Details::Dump { dump_uid: None }));
    let edition = json!({"uid":8,"indexUid":"m","status":"succeeded","type":{"documentEdition":{"function":"x"}},"enqueuedAt":"2026-11-28T01:52:03Z"});
    assert_eq!(from_dump(&edition).unwrap(), Err("meili-lite has no `documentEdition` tasks".to_owned()));
    let hidden = json!({"uid":9,"indexUid":".meili_dsr","status":"succeeded","type":"documentClear","enqueuedAt":"2026-11-28T01:52:03Z"});
    assert!(from_dump(&hidden).unwrap().is_err(), "hidden indexes are left out");
    let no_index = json!({"uid":9,"status":"succeeded","type":"documentClear","enqueuedAt":"2026-11-28T01:52:03Z"});
    assert!(matches!(from_dump(&no_index), Err(Error::Corrupted(_))));
}

#[test]
fn a_dump_is_written_then_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let w = DumpWriter::new(dir.path()).unwrap();
    let now = task_model::now();
    let key = auth::ApiKey {
        uid: uuid::Uuid::nil(),
        name: Some("k".into()),
        description: None,
        actions: vec![auth::Action::Search],
        indexes: vec!["mov*".parse().unwrap()],
        expires_at: None,
        created_at: now,
        updated_at: now,
    };
    w.keys(std::slice::from_ref(&key)).unwrap();
    let mut tasks = w.tasks().unwrap();
    let written = every_kind();
    for t in written.clone() {
        let payload = (t.status == Status::Enqueued).then_some(&b"{\"id\":1}\n{\"id\":2}\n"[..]);
        assert!(tasks.push(&t, payload).unwrap());
    }
    tasks.finish().unwrap();
    let settings: Map<String, Value> = json!({"filterableAttributes": ["year"]}).as_object().unwrap().clone();
    let mut docs = w.index(&uid("movies"), Some("id"), now, now, &settings).unwrap();
    docs.push(br#"{"id":1,"year":2000}"#).unwrap();
    docs.finish().unwrap();
    w.features(&json!({"network": true})).unwrap();
    let mut hooks = Map::new();
    hooks.insert("00000000-0000-4000-8000-000000000001".into(), json!({"url": "http://x/y", "headers": {}}));
    w.webhooks(hooks).unwrap();
    let name = dump_uid(now);
    let path = w.finish(&name, now).unwrap();
    assert_eq!(path.file_name().unwrap().to_str().unwrap(), format!("{name}.dump"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "only the dump stays: {leftovers:?}");

    let scratch = tempfile::tempdir().unwrap();
    let r = DumpReader::open(&path, scratch.path()).unwrap();
    assert_eq!(r.keys().unwrap(), vec![key]);
    let read: Vec<Task> = r
        .tasks()
        .unwrap()
        .into_iter()
        .map(|t| match t {
            DumpedTask::Task { task, update_file } => {
                assert_eq!(update_file.is_some(), task.status == Status::Enqueued, "task {}", task.uid);
                *task
            }
            DumpedTask::Unsupported { why, .. } => panic!("{why}"),
        })
        .collect();
    assert_eq!(read, written);
    let indexes = r.indexes().unwrap();
    assert_eq!((indexes.len(), indexes[0].primary_key.as_deref()), (1, Some("id")));
    assert_eq!(indexes[0].settings, settings);
    assert_eq!(std::fs::read_to_string(&indexes[0].documents).unwrap(), "{\"id\":1,\"year\":2000}\n");
    assert_eq!(r.features().unwrap(), Some(json!({"network": true})));
    assert_eq!(r.webhooks().unwrap().len(), 1);
}

#[test]
fn foreign_and_broken_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("foreign.dump");
    std::fs::write(&foreign, b"not a dump at all").unwrap();
    assert!(matches!(DumpReader::open(&foreign, scratch.path()), Err(Error::NotADump { .. })));
    // A real dump cut short.
    let w = DumpWriter::new(dir.path()).unwrap();
    w.keys(&[]).unwrap();
    w.tasks().unwrap().finish().unwrap();
    let whole = w.finish("20260101-000000000", task_model::now()).unwrap();
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.path().join("cut.dump");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert!(DumpReader::open(&cut, scratch.path()).is_err());
    assert!(DumpReader::open(&whole, scratch.path()).is_ok());
    assert!(matches!(DumpReader::open(&dir.path().join("missing.dump"), scratch.path()), Err(Error::Io { .. })));
}

#[test]
fn dump_names_are_meilisearch_s() {
    let at = time::macros::datetime!(2026-11-28 01:53:24.061595149 UTC);
    assert_eq!(dump_uid(at), "20261128-015324061");
}
