//! The threads that compute password hashes, and the memory each hash runs in.

use std::{ptr::NonNull, time::Duration};

use argon2::Block;
use tokio::sync::oneshot;

use super::HashingError;

/// The threads that compute hashes, each keeping one hash's memory between hashes and giving it back after
/// [`IDLE_RELEASE`] without work.
///
/// They run at a lower priority (`password_hashing_niceness` nice steps higher) than the runtime's threads:
/// a request that needs no hash is served first, and hashing takes the CPU that requests leave idle. A login
/// flood then slows logins, not the todo list.
#[derive(Clone)]
pub(super) struct HashingThreads {
    jobs: flume::Sender<Job>,
}

type Job = Box<dyn FnOnce(&mut HashMemory) + Send>;

/// How long a hashing thread keeps its memory without work.
const IDLE_RELEASE: Duration = Duration::from_secs(2);

impl HashingThreads {
    /// Starts `count` threads, `niceness` nice steps below the priority of the thread that starts them.
    pub(super) fn start(count: usize, niceness: i32) -> Self {
        let (jobs, waiting) = flume::unbounded::<Job>();
        for number in 0..count {
            let waiting = waiting.clone();
            let started = std::thread::Builder::new()
                .name(format!("argon2-{number}"))
                .spawn(move || {
                    lower_priority(niceness);
                    let mut memory = HashMemory::default();
                    loop {
                        match waiting.recv_timeout(IDLE_RELEASE) {
                            Ok(job) => job(&mut memory),
                            Err(flume::RecvTimeoutError::Timeout) => memory.release(),
                            Err(flume::RecvTimeoutError::Disconnected) => return,
                        }
                    }
                });
            if let Err(error) = started {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self { jobs }
    }

    /// Runs `work` on the next free thread. A caller that has gone away by then (its request was dropped)
    /// costs no hash; a panic in `work` fails this hash only, and its thread goes on with fresh memory.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut HashMemory) -> Result<T, HashingError> + Send + 'static,
    ) -> Result<T, HashingError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            if reply.is_closed() {
                return;
            }
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&mut *memory)));
            match outcome {
                Ok(result) => {
                    let _ = reply.send(result);
                }
                Err(_) => memory.release(),
            }
        });
        self.jobs.send(job).map_err(|_| HashingError::Thread)?;
        answer.await.map_err(|_| HashingError::Thread)?
    }
}

/// Lowers the calling thread's priority by `niceness` steps (Linux: per thread), from the nice value it
/// inherited, to 19 at most. Lowering one's own priority needs no privilege, and a relative step keeps hashing
/// below requests however the server itself was started (`nice -n 10 leptodo`); if it fails anyway, hashing
/// runs at the server's priority and the failure is logged.
fn lower_priority(niceness: i32) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `gettid` has no preconditions; `getpriority` and `setpriority` only read their arguments.
        // `getpriority` of the calling thread cannot fail, so its -1 is the nice value -1, not an error.
        let result = unsafe {
            let thread = libc::gettid() as libc::id_t;
            let inherited = libc::getpriority(libc::PRIO_PROCESS, thread);
            libc::setpriority(
                libc::PRIO_PROCESS,
                thread,
                inherited.saturating_add(niceness).min(19),
            )
        };
        if result != 0 {
            tracing::warn!(
                error = %std::io::Error::last_os_error(),
                "cannot lower the priority of a password hashing thread"
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = niceness;
}

/// The memory of one hash at a time (~19 MiB with the default parameters), mapped from the system and unmapped
/// on [`HashMemory::release`].
///
/// Reused from one hash to the next, it saves mapping and zeroing the memory anew each time (thousands of page
/// faults). Mapped directly rather than allocated, because an allocator keeps freed memory for later: with the
/// server's allocator an idle server still held both threads' 19 MiB long after the last login.
#[derive(Default)]
pub(super) struct HashMemory {
    mapping: Option<Mapping>,
}

impl HashMemory {
    /// `count` blocks to hash in, mapped (or grown) on first use.
    pub(super) fn blocks(&mut self, count: usize) -> Result<&mut [Block], HashingError> {
        if self
            .mapping
            .as_ref()
            .is_none_or(|mapping| mapping.blocks < count)
        {
            // The smaller mapping goes first, so two never exist at once.
            self.mapping = None;
            self.mapping = Some(Mapping::new(count).map_err(HashingError::Memory)?);
        }
        match &mut self.mapping {
            Some(mapping) => Ok(&mut mapping.as_mut_slice()[..count]),
            None => Err(HashingError::Thread),
        }
    }

    /// Gives the memory back to the system.
    pub(super) fn release(&mut self) {
        self.mapping = None;
    }
}

/// Anonymous private memory for `blocks` argon2 blocks; unmapped when dropped.
struct Mapping {
    start: NonNull<Block>,
    blocks: usize,
}

impl Mapping {
    fn new(blocks: usize) -> std::io::Result<Self> {
        let length = blocks.max(1) * std::mem::size_of::<Block>();
        // SAFETY: a new anonymous private mapping aliases nothing; the result is checked before use.
        let start = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                length,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if start == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let start = NonNull::new(start.cast::<Block>()).ok_or(std::io::ErrorKind::OutOfMemory)?;
        Ok(Self {
            start,
            blocks: blocks.max(1),
        })
    }

    fn as_mut_slice(&mut self) -> &mut [Block] {
        // SAFETY: the mapping holds `blocks` blocks, page-aligned (more than `Block`'s 64 bytes), zero-filled by
        // the system (a valid `Block`), and only this value reaches it; `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(self.start.as_ptr(), self.blocks) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        let length = self.blocks * std::mem::size_of::<Block>();
        // SAFETY: the range is exactly the mapping `new` made, and no borrow of it outlives `self`.
        if unsafe { libc::munmap(self.start.as_ptr().cast(), length) } != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "cannot unmap password hash memory");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HashMemory;

    #[test]
    fn hash_memory_grows_when_asked_for_more_and_is_given_back() {
        let mut memory = HashMemory::default();
        let first = memory.blocks(8).expect("mapped");
        assert_eq!(first.len(), 8);
        first[7].as_mut()[127] = 42;
        assert_eq!(memory.blocks(4).expect("reused")[..].len(), 4);
        let grown = memory.blocks(1024).expect("grown");
        assert_eq!(grown.len(), 1024);
        assert!(grown
            .iter()
            .all(|block| block.as_ref().iter().all(|word| *word == 0)));
        memory.release();
        assert!(memory.mapping.is_none());
    }
}
