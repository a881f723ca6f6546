//! The log's contract: what is committed reads back, survives a reopen,
//! and damage is named; what was never committed is cut off.

use super::segment::segment_name;
use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn bytes_of(seq: u64) -> Vec<u8> {
    // Varying lengths, including an empty entry.
    (0..seq % 7).map(|i| (seq as u8).wrapping_add(i as u8)).collect()
}

fn commit_range(log: &EntryLog, range: std::ops::Range<u64>) -> Result<(), StoreError> {
    let owned: Vec<(u64, Vec<u8>)> = range.clone().map(|s| (s, bytes_of(s))).collect();
    let entries: Vec<(u64, &[u8])> = owned.iter().map(|(s, b)| (*s, b.as_slice())).collect();
    log.commit(&entries, format!("cp {}", range.end).as_bytes())
}

fn read_all(log: &EntryLog) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
    log.entries(0, u64::MAX).collect()
}

fn expected(range: std::ops::Range<u64>) -> Vec<(u64, Vec<u8>)> {
    range.map(|s| (s, bytes_of(s))).collect()
}

fn small_segments() -> LogOptions {
    LogOptions { segment_bytes: 200 }
}

fn last_segment(dir: &Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    names.sort();
    names.pop().ok_or_else(|| "no segment".into())
}

fn append_bytes(path: &Path, bytes: &[u8]) -> TestResult {
    use std::io::Write as _;
    let mut file = OpenOptions::new().append(true).open(path)?;
    file.write_all(bytes)?;
    Ok(())
}

#[test]
fn commits_read_back_in_order_across_segments_and_reopens() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("store");
    let log = EntryLog::create(&path, small_segments())?;
    assert_eq!(log.entry_count(), 0);
    assert_eq!(log.checkpoint()?, None);
    for range in [0..1, 1..21, 21..51, 51..52] {
        commit_range(&log, range)?;
    }
    assert_eq!(log.entry_count(), 52);
    assert_eq!(log.checkpoint()?, Some(b"cp 52".to_vec()));
    for seq in [0, 1, 20, 21, 50, 51] {
        assert_eq!(log.entry(seq)?, Some(bytes_of(seq)), "entry {seq}");
    }
    assert_eq!(log.entry(52)?, None);
    assert_eq!(read_all(&log)?, expected(0..52));
    assert_eq!(log.entries(14, 35).collect::<Result<Vec<_>, _>>()?, expected(14..35));
    assert_eq!(log.entries(60, 70).count(), 0);
    // Segments of 200 bytes: every commit after the first few starts a new one.
    let segments = fs::read_dir(&path)?
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "seg"))
        })
        .count();
    assert!(segments >= 3, "{segments} segments");
    drop(log);

    let log = EntryLog::open(&path, OpenMode::ReadWrite, small_segments())?;
    assert_eq!(log.torn_tail(), None);
    assert_eq!(log.entry_count(), 52);
    assert_eq!(log.checkpoint()?, Some(b"cp 52".to_vec()));
    assert_eq!(read_all(&log)?, expected(0..52));
    commit_range(&log, 52..60)?;
    assert_eq!(read_all(&log)?, expected(0..60));
    Ok(())
}

#[test]
fn a_commit_out_of_order_is_refused_and_changes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = EntryLog::create(&dir.path().join("store"), LogOptions::default())?;
    commit_range(&log, 0..5)?;
    for range in [6..7, 4..6, 0..1] {
        let message = commit_range(&log, range.clone()).err().map(|e| e.to_string());
        assert!(
            message.as_deref().unwrap_or_default().contains("comes next"),
            "{range:?}: {message:?}"
        );
    }
    assert_eq!(log.entry_count(), 5);
    commit_range(&log, 5..6)?;
    assert_eq!(read_all(&log)?, expected(0..6));
    Ok(())
}

#[test]
fn opening_never_creates_a_store() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nowhere");
    for mode in [OpenMode::ReadOnly, OpenMode::ReadWrite] {
        let error = EntryLog::open(&path, mode, LogOptions::default()).err();
        assert!(matches!(error, Some(StoreError::Missing(_))), "{error:?}");
    }
    assert!(!path.exists());
    // An empty folder is not a log either.
    fs::create_dir(&path)?;
    let error = EntryLog::open(&path, OpenMode::ReadOnly, LogOptions::default())
        .err()
        .map(|e| e.to_string());
    assert!(error
        .unwrap_or_default()
        .contains("the first segment of the log is missing"));
    Ok(())
}

#[test]
fn a_read_only_log_refuses_writes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("store");
    commit_range(&EntryLog::create(&path, LogOptions::default())?, 0..3)?;
    let log = EntryLog::open(&path, OpenMode::ReadOnly, LogOptions::default())?;
    assert_eq!(read_all(&log)?, expected(0..3));
    assert!(matches!(commit_range(&log, 3..4), Err(StoreError::Refused(_))));
    assert!(matches!(log.put_meta("cosigned", b"x"), Err(StoreError::Refused(_))));
    Ok(())
}

#[test]
fn a_torn_tail_is_reported_cut_off_at_the_next_commit_and_never_read() -> TestResult {
    // Every way a commit can be cut short by a crash: entries without their
    // commit record, a record cut inside, zeros the file system allocated.
    let mut partial = Vec::new();
    record::encode(Kind::Entry, 4, &bytes_of(4), &mut partial);
    record::encode(Kind::Entry, 5, &bytes_of(5), &mut partial);
    let cut_inside = partial[..partial.len() - 2].to_vec();
    for (tail, entries, reason) in [
        (partial.clone(), 2u64, None),
        (cut_inside, 1, Some("entry 5 at byte")),
        (vec![0u8; 4096], 0, Some("an unknown record kind 0x00")),
    ] {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("store");
        commit_range(&EntryLog::create(&path, LogOptions::default())?, 0..4)?;
        let segment = last_segment(&path)?;
        let committed_bytes = fs::metadata(&segment)?.len();
        append_bytes(&segment, &tail)?;

        // A reader sees the committed entries only, and changes nothing.
        let reader = EntryLog::open(&path, OpenMode::ReadOnly, LogOptions::default())?;
        assert_eq!(read_all(&reader)?, expected(0..4));
        let torn = reader.torn_tail().cloned().ok_or("no torn tail reported")?;
        assert_eq!(torn.offset, committed_bytes);
        assert_eq!(torn.bytes, tail.len() as u64);
        assert_eq!(torn.entries, entries);
        match reason {
            None => assert_eq!(torn.reason, None),
            Some(text) => assert!(torn.reason.as_deref().unwrap_or_default().contains(text), "{torn:?}"),
        }
        drop(reader);
        assert_eq!(fs::metadata(&segment)?.len(), committed_bytes + tail.len() as u64);

        // The node's next commit cuts the tail and writes in its place.
        let log = EntryLog::open(&path, OpenMode::ReadWrite, LogOptions::default())?;
        commit_range(&log, 4..6)?;
        drop(log);
        let log = EntryLog::open(&path, OpenMode::ReadWrite, LogOptions::default())?;
        assert_eq!(log.torn_tail(), None);
        assert_eq!(read_all(&log)?, expected(0..6));
    }
    Ok(())
}

#[test]
fn a_segment_torn_before_its_first_commit_is_discarded() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("store");
    commit_range(&EntryLog::create(&path, small_segments())?, 0..30)?;
    // The commit that would start a segment at entry 30 wrote half a header.
    let torn = path.join(segment_name(30));
    fs::write(&torn, &record::segment_header(30)[..5])?;
    let log = EntryLog::open(&path, OpenMode::ReadWrite, small_segments())?;
    assert_eq!(log.entry_count(), 30);
    assert_eq!(log.torn_tail().map(|t| t.file.clone()), Some(torn.clone()));
    commit_range(&log, 30..31)?;
    drop(log);
    let log = EntryLog::open(&path, OpenMode::ReadOnly, small_segments())?;
    assert_eq!(log.torn_tail(), None);
    assert_eq!(read_all(&log)?, expected(0..31));
    Ok(())
}

#[test]
fn damage_in_committed_records_is_named_on_read_and_at_open() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("store");
    let log = EntryLog::create(&path, small_segments())?;
    for range in [0..10, 10..20, 20..30] {
        commit_range(&log, range)?;
    }
    // Entry 3 (in the first segment, which later segments follow): a bit of
    // its payload flipped. Read: the entry is named.
    log.damage_entry_for_tests(3, RECORD_HEADER_BYTES + 1)?;
    let message = log.entry(3).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with("the store is damaged: entry 3 at byte"),
        "{message}"
    );
    assert!(message.ends_with("a checksum mismatch"), "{message}");
    let message = read_all(&log).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("entry 3 at byte"), "{message}");
    drop(log);
    // Open: a damaged record before the last segment is damage, not a tail.
    let error = EntryLog::open(&path, OpenMode::ReadOnly, small_segments()).err();
    match error {
        Some(StoreError::Damaged(damage)) => {
            assert_eq!(damage.entry, Some(3));
            assert_eq!(damage.what, "a checksum mismatch");
            assert!(damage.file.ends_with(segment_name(0)));
        }
        other => return Err(format!("expected damage, got {other:?}").into()),
    }
    Ok(())
}

#[test]
fn a_missing_middle_segment_is_named() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("store");
    let log = EntryLog::create(&path, LogOptions { segment_bytes: 1 })?;
    for range in [0..10, 10..20, 20..30] {
        commit_range(&log, range)?;
    }
    drop(log);
    let mut segments: Vec<PathBuf> = fs::read_dir(&path)?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    segments.sort();
    assert!(segments.len() >= 3, "{segments:?}");
    fs::remove_file(&segments[1])?;
    let message = EntryLog::open(&path, OpenMode::ReadOnly, LogOptions { segment_bytes: 1 })
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        message.contains("but the segments before it end at entry 10"),
        "{message}"
    );
    Ok(())
}

#[test]
fn a_sled_store_is_refused_with_the_way_out() -> TestResult {
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("conf"), b"segment_size: 524288")?;
    fs::write(dir.path().join("db"), b"")?;
    let message = EntryLog::open(dir.path(), OpenMode::ReadWrite, LogOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(message.contains("format 2 (sled)"), "{message}");
    assert!(message.contains("ledger-node restore"), "{message}");
    Ok(())
}

#[test]
fn meta_values_replace_atomically_and_names_are_checked() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = EntryLog::create(&dir.path().join("store"), LogOptions::default())?;
    assert_eq!(log.meta("cosigned")?, None);
    log.put_meta("cosigned", b"one")?;
    log.put_meta("cosigned", b"two")?;
    assert_eq!(log.meta("cosigned")?, Some(b"two".to_vec()));
    assert!(matches!(log.put_meta("../escape", b"x"), Err(StoreError::Refused(_))));
    Ok(())
}

#[test]
fn create_refuses_a_folder_with_anything_in_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("something"), b"x")?;
    assert!(matches!(
        EntryLog::create(dir.path(), LogOptions::default()),
        Err(StoreError::Refused(_))
    ));
    Ok(())
}

proptest::proptest! {
    /// Whatever bytes follow the last commit, opening keeps exactly the
    /// committed entries, and the next commit continues after them.
    #[test]
    fn any_garbage_after_the_last_commit_is_a_torn_tail(garbage in proptest::collection::vec(proptest::num::u8::ANY, 1..600)) {
        let dir = tempfile::tempdir().map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join("store");
        let run = || -> TestResult {
            commit_range(&EntryLog::create(&path, LogOptions::default())?, 0..7)?;
            append_bytes(&last_segment(&path)?, &garbage)?;
            let log = EntryLog::open(&path, OpenMode::ReadWrite, LogOptions::default())?;
            if read_all(&log)? != expected(0..7) {
                return Err("committed entries changed".into());
            }
            commit_range(&log, 7..9)?;
            drop(log);
            let log = EntryLog::open(&path, OpenMode::ReadOnly, LogOptions::default())?;
            if read_all(&log)? != expected(0..9) || log.torn_tail().is_some() {
                return Err("the next commit did not replace the tail".into());
            }
            Ok(())
        };
        run().map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
    }
}

#[test]
fn one_writer_at_a_time_and_no_reader_beside_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("store");
    let writer = EntryLog::create(&path, LogOptions::default())?;
    for mode in [OpenMode::ReadWrite, OpenMode::ReadOnly] {
        let error = EntryLog::open(&path, mode, LogOptions::default()).err();
        assert!(matches!(error, Some(StoreError::Locked(_))), "{mode:?}: {error:?}");
    }
    drop(writer);
    let reader = EntryLog::open(&path, OpenMode::ReadOnly, LogOptions::default())?;
    let second_reader = EntryLog::open(&path, OpenMode::ReadOnly, LogOptions::default())?;
    assert!(matches!(
        EntryLog::open(&path, OpenMode::ReadWrite, LogOptions::default()),
        Err(StoreError::Locked(_))
    ));
    drop((reader, second_reader));
    EntryLog::open(&path, OpenMode::ReadWrite, LogOptions::default())?;
    Ok(())
}
