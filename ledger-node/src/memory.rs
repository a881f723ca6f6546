//! Keeping the node's resident memory small (BRIEF §7: 300 MiB at a million
//! entries) with glibc's allocator.
//!
//! Measured at 1,000,000 entries (docs/PERFORMANCE.md): the start-up replay
//! decodes entries on every rayon thread, glibc gives each thread its own
//! arena, and the freed chunks stay resident in those arenas — about 30 MiB
//! over what the data needs. Four arenas and a trim after each replay step
//! and every few group commits give that memory back. Both calls only tune
//! the allocator; they do not touch any Rust object.

/// Arenas glibc may create (its default is 8 per core). Measured at a
/// million entries: 2 arenas kept the restart peak lowest but made reads
/// contend for them (village query p99 5.3 ms against 4.6 ms with 4).
const ARENA_MAX: i32 = 4;

/// Cap glibc's malloc arenas. Call first thing in `main`, before any thread
/// starts.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any
    // other thread exists, it races with nothing.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENA_MAX);
    }
}

/// Return the allocator's free memory to the operating system.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages; it is thread-safe and
    // touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
